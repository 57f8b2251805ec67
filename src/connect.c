/* SYNC, chip detection, boot-log diagnostics, connect and reset (docs/protocol.md §5.1, §7, §10).
 */
#include "loader.h"

/* One SYNC: the matching reply plus 7 more (§5.1). Sets l->stub from the value fields. */
int espl_sync(esploader_t *l)
{
    uint32_t t = l->cfg.sync_timeout_ms != 0 ? l->cfg.sync_timeout_ms : 100;
    int r, i, stub = 1;

    r = espl_send(l, espl_proto_enc_sync(l->cmd), NULL, 0, 0, espl_now(l) + t);
    for (i = 0; i < 8 && r == 0; i++) {
        r = espl_recv(l, i == 0 ? ESP_OP_SYNC : ESP_OP_ANY, 0, espl_now(l) + t);
        stub &= l->value == 0;
    }
    if (r == 0) {
        l->stub = (uint8_t)stub;
    }
    return r;
}

/* Index just past the last case-insensitive match of a lower-case needle in hay[from, n), or
 * 0 if none (digits and ':' are unaffected by the case fold). */
static size_t find_last(const char *hay, size_t n, size_t from, const char *needle)
{
    size_t i, j, at = 0;
    for (i = from; i < n; i++) {
        for (j = 0; needle[j] != '\0' && i + j < n && (hay[i + j] | 0x20) == needle[j]; j++) {
        }
        if (needle[j] == '\0') {
            at = i + j;
        }
    }
    return at;
}

/* The markers diagnose() looks for, in one string: one literal address instead of three. */
static const char needles[] = "boot:0x\0ownload\0uart0";

static uint8_t diagnose(const esploader_t *l)
{
    const char *g = l->boot_log;
    size_t n = l->boot_log_len, b;
    if (!l->rx_any) {
        return ESPLOADER_DIAG_NO_SERIAL_DATA;
    }
    if (l->slip.noise > 2 * sizeof(l->boot_log)) {
        /* Far more text than the kept bytes: a ROM in download mode prints its banner (well
         * under ESPLOADER_BOOT_LOG bytes) and then waits, so something else runs -- e.g. a
         * failed usb-reset's normal boot after its download-mode banner. */
        return ESPLOADER_DIAG_WRONG_BOOT_MODE;
    }
    /* The latest banner tells the mode the chip is in now (a failed usb-reset shows a
     * download-mode banner, then a normal boot). After it, "waiting for download", "wait uart0
     * download", "DOWNLOAD_BOOT", "UART_BOOT(UART0)", "UART0_BOOT" mean download mode. */
    b = find_last(g, n, 0, needles);
    if (find_last(g, n, b, needles + 8) || find_last(g, n, b, needles + 16)) {
        return ESPLOADER_DIAG_DOWNLOAD_NO_SYNC;
    }
    return b ? ESPLOADER_DIAG_WRONG_BOOT_MODE : ESPLOADER_DIAG_NONE;
}

/* §7 step 4: GET_SECURITY_INFO chip id, else the magic register. */
static int detect(esploader_t *l)
{
    uint32_t v;
    int r = espl_cmd(l, espl_proto_enc_simple(l->cmd, ESP_OP_GET_SECURITY_INFO), ESP_RESP_VAR);

    l->chip = ESPLOADER_CHIP_AUTO;
    if (r == 0 && l->rlen >= 12) {
        l->sdm = (l->frame[8] & ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE) != 0;
    } else if (r != 0 && r != ESPLOADER_ERR_UNSUPPORTED && r != ESPLOADER_ERR_TARGET) {
        return r; /* timeout, I/O: no point asking more */
    }
    if (r == 0 && l->rlen >= 20) {
        v = espl_get_le32(l->frame + 8 + 12);
        ESP_LOG(l, ESPLOADER_LOG_DEBUG, "chip id", v);
        l->chip = espl_target_find(v, 1);
    } else {
        /* ESP8266 / ESP32 (no GET_SECURITY_INFO), ESP32-S2 (no chip id in it) */
        r = espl_read_reg(l, ESP_MAGIC_REG, &v);
        ESP_LOG(l, ESPLOADER_LOG_DEBUG, "chip magic", v);
        if (r == ESPLOADER_ERR_UNSUPPORTED) {
            l->sdm = 1;     /* only the S2 in SDM refuses READ_REG here */
            v = 0x000007C6; /* its magic value */
        } else if (r != 0) {
            return r;
        }
        l->chip = espl_target_find(v, 0);
    }
    if (l->chip == ESPLOADER_CHIP_AUTO) {
        l->diag = ESPLOADER_DIAG_UNKNOWN_CHIP;
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    return ESPLOADER_OK;
}

int esploader_connect(esploader_t *l)
{
    uint32_t tries = l->cfg.sync_tries != 0 ? l->cfg.sync_tries : 5;
    uint32_t total = (l->cfg.connect_attempts != 0 ? l->cfg.connect_attempts : 7) * tries, i;
    int r = ESPLOADER_OK;

    l->chip = ESPLOADER_CHIP_AUTO;
    l->flash_size = 0;
    l->stub = l->sdm = l->rx_any = l->detected = 0;
    l->state = ESP_STATE_CONNECTING;
    l->diag = ESPLOADER_DIAG_NONE;
    l->slip.noise_buf = (uint8_t *)l->boot_log;
    l->slip.noise_cap = sizeof(l->boot_log);
    l->slip.noise = 0;
    if (l->cfg.before == ESPLOADER_BEFORE_NO_RESET_NO_SYNC) {
        total = 0; /* a loader is assumed to be listening already */
    }
    for (i = 0; i < total; i++) {
        if (i % tries == 0 && l->cfg.before < ESPLOADER_BEFORE_NO_RESET) {
            espl_drain(l, 0);
            espl_slip_dec_resync(&l->slip, 0); /* the boot log comes between frames */
            l->slip.noise = 0;                 /* keep the boot log of this attempt's reset */
            if (espl_reset_enter(l, i / tries) != 0) {
                /* No usable lines (a PTY, a socket): like esptool, warn and SYNC anyway. */
                ESP_LOG(l, ESPLOADER_LOG_WARN, "chip was NOT reset", 0);
            }
        }
        espl_drain(l, 0);
        /* Each SYNC starts between frames: boot-log garbage at another baud may have left the
         * decoder inside a dropped frame. */
        espl_slip_dec_resync(&l->slip, 0);
        r = espl_sync(l);
        if (r == 0 || r == ESPLOADER_ERR_IO) {
            break;
        }
        espl_delay(l, 50);
    }
    l->boot_log_len =
        (uint16_t)(l->slip.noise < sizeof(l->boot_log) ? l->slip.noise : sizeof(l->boot_log));
    l->slip.noise_cap = 0; /* the boot log is complete: later noise is only counted */
    if (r != 0) {
        l->diag = diagnose(l);
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "no SYNC reply, diag", l->diag);
    } else {
        espl_drain(l, 20); /* the surplus SYNC replies some chips send */
        r = detect(l);
    }
    if (r == 0 && l->cfg.chip != ESPLOADER_CHIP_AUTO && l->cfg.chip != l->chip) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "wrong chip, detected", l->chip);
        l->diag = ESPLOADER_DIAG_WRONG_CHIP;
        l->detected = (uint8_t)l->chip; /* kept for the caller's message */
        r = ESPLOADER_ERR_INVALID_ARG;
    }
    if (r == 0 && !l->stub) {
        r = esploader_spi_attach(l, 0);
    }
    if (r != 0) {
        l->chip = ESPLOADER_CHIP_AUTO;
    }
    l->state = ESP_STATE_IDLE;
    return r;
}
