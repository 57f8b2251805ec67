/* Any SPI flash command through the chip's SPI controller (docs/protocol.md §8.2): the same
 * USR-command mechanism as the RDID script in spi.c, with address, dummy, MOSI and MISO phases.
 * In its own file: only programs that call it link it (not counted in the footprint programs). */
#include "loader.h"

/* Offsets from the controller base per layout: USR, USR1, USR2, W0, MOSI_DLEN, MISO_DLEN
 * (ESP8266: the lengths live in USR1). */
static const uint8_t cmd_regs[3][6] = {
    {0x1C, 0x20, 0x24, 0x40, 0x00, 0x00}, /* ESP8266 */
    {0x1C, 0x20, 0x24, 0x80, 0x28, 0x2C}, /* ESP32 */
    {0x18, 0x1C, 0x20, 0x58, 0x24, 0x28}, /* ESP32-S2 and later */
};

int esploader_spi_flash_cmd(esploader_t *l, const esploader_spi_cmd_t *c, uint32_t *rx)
{
    int r = espl_ready(l);
    if (r != 0) {
        return r;
    }
    if (c->tx_bits > 32 || c->rx_bits > 32 || c->addr_bits > 32 || c->dummy_bits > 64) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    uint8_t flags = espl_flags(l);
    unsigned lay = flags & ESP_T_8266 ? 0 : flags & ESP_T_4WORDS ? 1 : 2;
    const uint8_t *o = cmd_regs[lay];
    uint32_t base = espl_target_spi(l->chip), usr, usr2, v, w[16];
    unsigned n = 0;
    if ((r = espl_read_reg(l, base + o[0], &usr)) != 0 ||
        (r = espl_read_reg(l, base + o[2], &usr2)) != 0) {
        return r;
    }
    uint32_t len1 = (c->dummy_bits ? c->dummy_bits - 1u : 0) |
                    (c->addr_bits ? (uint32_t)(c->addr_bits - 1u) << 26 : 0);
    if (lay == 0) {
        len1 |= (c->rx_bits ? c->rx_bits - 1u : 0) << 8 | (c->tx_bits ? c->tx_bits - 1u : 0) << 17;
    } else {
        /* As esptool: only the lengths in use are written (USR1 holds more than lengths). */
        if (c->tx_bits) {
            w[n++] = base + o[4];
            w[n++] = c->tx_bits - 1u;
        }
        if (c->rx_bits) {
            w[n++] = base + o[5];
            w[n++] = c->rx_bits - 1u;
        }
    }
    if (len1 || lay == 0) {
        w[n++] = base + o[1];
        w[n++] = len1;
    }
    w[n++] = base + o[0]; /* USR: COMMAND, ADDR, DUMMY, MISO, MOSI phases */
    w[n++] = 1u << 31 | (c->addr_bits ? 1u << 30 : 0) | (c->dummy_bits ? 1u << 29 : 0) |
             (c->rx_bits ? 1u << 28 : 0) | (c->tx_bits ? 1u << 27 : 0);
    w[n++] = base + o[2];
    w[n++] = 7u << 28 | c->cmd;
    w[n++] = base + 0x04; /* ADDR: left-justified on the ESP8266 and ESP32 controllers */
    w[n++] = lay < 2 && c->addr_bits ? c->addr << (32 - c->addr_bits) : c->addr;
    w[n++] = base + o[3];
    w[n++] = c->tx;
    w[n++] = base; /* CMD: USR starts it */
    w[n++] = 1u << 18;
    r = espl_write_regs(l, w, n / 2);
    for (int i = 0; r == 0; i++) {
        r = espl_read_reg(l, base, &v);
        if (r == 0 && !(v & (1u << 18))) {
            break;
        }
        if (i == 9) {
            r = ESPLOADER_ERR_TIMEOUT; /* the SPI command did not complete */
        }
    }
    if (r == 0 && c->rx_bits) {
        r = espl_read_reg(l, base + o[3], &v);
        if (r == 0 && rx) {
            *rx = c->rx_bits < 32 ? v & ((1u << c->rx_bits) - 1u) : v;
        }
    }
    w[0] = base + o[0];
    w[1] = usr;
    w[2] = base + o[2];
    w[3] = usr2;
    int rr = espl_write_regs(l, w, 2);
    return r != 0 ? r : rr;
}
