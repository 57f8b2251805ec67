/* Baud rate change, with the per-chip ROM clock quirks (docs/protocol.md §5.12, §8.1). */
#include "loader.h"

/* Crystal in MHz estimated from the UART divider at the 115200 sync baud (§8.1). */
static int xtal_mhz(esploader_t *l, uint32_t *mhz)
{
    uint32_t div;
    int r = espl_read_reg(l, ESP_UART_CLKDIV_REG, &div);
    /* 115200 * div / 10^6 in 32 bits: div < 2^20, so div * 1152 < 2^31 */
    div = (div & 0xFFFFF) * 1152 / 10000;
    *mhz = div > 45 ? 48 : div > 33 ? 40 : 26;
    return r;
}

/* The value the ROM must be sent so that it really runs at baud (§5.12). */
static int rom_baud(esploader_t *l, uint32_t baud, uint32_t *out)
{
    uint32_t flags = espl_flags(l), a, b;
    int r = 0;

    *out = baud;
    if (flags & ESP_T_BAUD_ESP32) {
        /* rom_freq = cali * ck8m * 15625 / 40; send baud * rom_freq / nominal. With
         * p = cali * ck8m that is baud * p / 102400 (40 MHz) or / 66560 (26 MHz): shift the
         * 64-bit product so the rest is a 32-bit division (no 64-bit division helper). */
        uint64_t p;
        if ((r = espl_read_reg(l, 0x3FF5F06C, &a)) != 0 || (r = espl_read_reg(l, 0x3FF5A010, &b)))
            return r;
        p = (uint64_t)((a >> 7) & 0x1FFFFFF) * (b & 0xFF);
        if (p == 0) {
            ESP_LOG(l, ESPLOADER_LOG_WARN, "ESP32 ROM clock unknown, baud unscaled", 0);
        } else if (p > 84480) { /* rom_freq > 33 MHz: nominal 40 MHz */
            *out = (uint32_t)((p * baud) >> 12) / 25;
        } else {
            *out = (uint32_t)((p * baud) >> 10) / 65;
        }
    } else if (flags & (ESP_T_BAUD_C2 | ESP_T_BAUD_C5)) {
        /* The ROM assumes a crystal (C2: 40 MHz; C5: PCR_SYSCLK_CONF bits 30:24) that may not
         * be the real one (from the UART divider): scale by assumed / real. */
        b = 40;
        if ((r = xtal_mhz(l, &a)) == 0 && (flags & ESP_T_BAUD_C5)) {
            r = espl_read_reg(l, 0x60096110, &b);
            b = (b >> 24) & 0x7F;
        }
        if (r == 0 && b != 0 && a != b) {
            *out = baud * b / a;
        }
    }
    return r;
}

int esploader_change_baudrate(esploader_t *l, uint32_t baud)
{
    uint32_t send = baud;
    int r = 0;

    if (baud == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (r == 0 && !l->stub) {
        if ((espl_flags(l) & ESP_T_8266) ||
            (l->sdm && (espl_flags(l) & (ESP_T_BAUD_C2 | ESP_T_BAUD_C5)))) {
            return ESPLOADER_ERR_UNSUPPORTED;
        }
        r = rom_baud(l, baud, &send);
    }
    if (r == 0) {
        r = espl_cmd(l, espl_proto_enc_change_baud(l->cmd, send, l->stub ? l->baud : 0), 0);
    }
    if (r != 0) {
        return r;
    }
    if (l->cfg.port->set_baudrate != NULL) {
        int32_t e = l->cfg.port->set_baudrate(l->cfg.port_ctx, baud);
        if (e < 0) {
            return (int)e;
        }
    }
    l->baud = baud;
    espl_delay(l, 50);
    espl_drain(l, 0); /* the ROM's stray empty frame after the reply, and any garbage */
    /* Prove the link at the new rate: commands carry no checksum, so a corrupted request can
     * be answered OK and leave the chip at some other baud. */
    return espl_sync(l);
}
