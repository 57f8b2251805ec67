/* Reset into download mode, SYNC, chip detection, boot-log diagnostics (PROTOCOL.md §5.1, §7,
 * §10). Reset sequences are data: built-in ones are byte programs, custom ones are steps. */
#include "loader.h"

/* Built-in sequences, one byte per step: bits 0-1 = esploader_reset_op_t, bit 2 = a, bit 3 = b;
 * a WAIT waits reset_hold_ms (a = 0) or the boot delay (a = 1). */
#define S_DTR(v)     (ESPLOADER_RESET_SET_DTR | (v) << 2)
#define S_RTS(v)     (ESPLOADER_RESET_SET_RTS | (v) << 2)
#define S_BOTH(d, r) (ESPLOADER_RESET_SET_BOTH | (d) << 2 | (r) << 3)
#define S_HOLD       ESPLOADER_RESET_WAIT
#define S_BOOT       (ESPLOADER_RESET_WAIT | 1 << 2)
#define S_END        0xFF

/* D0|R1|W0.1|D1|R0|W<boot>|D0 */
static const uint8_t seq_classic[] = {S_DTR(0), S_RTS(1), S_HOLD,   S_DTR(1),
                                      S_RTS(0), S_BOOT,   S_DTR(0), S_END};
/* U0,1|W0.1|U1,0|W<boot>|U0,0 */
static const uint8_t seq_tight[] = {S_BOTH(0, 1), S_HOLD,       S_BOTH(1, 0),
                                    S_BOOT,       S_BOTH(0, 0), S_END};
/* USB-Serial/JTAG: idle, request boot strap, reset passing through (T,T), release (§10.4) */
static const uint8_t seq_usb[] = {S_BOTH(0, 0), S_HOLD, S_BOTH(1, 0), S_HOLD, S_BOTH(1, 1),
                                  S_BOTH(0, 1), S_HOLD, S_BOTH(0, 0), S_END};

/* RTS pulse with IO0 released: a normal boot into the application (§10.5 hard reset). */
static const uint8_t seq_hard[] = {S_BOTH(0, 1), S_HOLD, S_BOTH(0, 0), S_END};

/* One executor for built-in byte programs and custom steps (seq == NULL). */
static int run_seq(esploader_t *l, const uint8_t *seq, uint32_t boot)
{
    uint32_t hold = l->cfg.reset_hold_ms != 0 ? l->cfg.reset_hold_ms : 100;
    size_t i;
    int32_t r = ESPLOADER_OK;

    if (l->cfg.port->set_lines == NULL) {
        return ESPLOADER_ERR_UNSUPPORTED; /* no lines: say so instead of pretending */
    }
    for (i = 0; r >= 0; i++) {
        uint32_t op, a, b, ms;
        if (seq == NULL) {
            const esploader_reset_step_t *s;
            if (i >= l->cfg.custom_reset_len) {
                break;
            }
            s = &l->cfg.custom_reset[i];
            op = s->op;
            a = s->a;
            b = s->b;
            ms = s->ms;
        } else {
            if (seq[i] == S_END) {
                break;
            }
            op = seq[i] & 3;
            a = (seq[i] >> 2) & 1;
            b = seq[i] >> 3;
            ms = a ? boot : hold;
        }
        if (op == ESPLOADER_RESET_WAIT) {
            espl_delay(l, ms);
        } else {
            r = l->cfg.port->set_lines(l->cfg.port_ctx,
                                       op == ESPLOADER_RESET_SET_RTS ? ESPLOADER_LINE_KEEP : (int)a,
                                       op == ESPLOADER_RESET_SET_DTR   ? ESPLOADER_LINE_KEEP
                                       : op == ESPLOADER_RESET_SET_RTS ? (int)a
                                                                       : (int)b);
        }
    }
    return r < 0 ? (int)r : ESPLOADER_OK;
}

static int run_reset(esploader_t *l, uint32_t attempt)
{
    const esploader_before_t before = l->cfg.before;
    const uint8_t *seq = before == ESPLOADER_BEFORE_CUSTOM_RESET     ? NULL
                         : before == ESPLOADER_BEFORE_USB_JTAG_RESET ? seq_usb
                         : before == ESPLOADER_BEFORE_CLASSIC_RESET ||
                                 (before == ESPLOADER_BEFORE_DEFAULT_RESET && (attempt & 2))
                             ? seq_classic
                             : seq_tight;
    return run_seq(l, seq,
                   l->cfg.boot_delay_ms != 0 ? l->cfg.boot_delay_ms
                   : (attempt & 1)           ? 550 /* esptool's alternate, slower delay */
                                             : 50);
}

/* "W0.05" seconds → 50 ms; digits and one dot only. */
static int parse_ms(const char *p, const char *end, uint32_t *ms)
{
    uint32_t v = 0, scale = 1000, frac = 0;
    int digits = 0;
    for (; p < end; p++) {
        if (*p == '.' && !frac) {
            frac = 1;
        } else if (*p >= '0' && *p <= '9' && v < 10000000) {
            digits++;
            if (!frac) {
                v = v * 10 + (uint32_t)(*p - '0') * 1000;
            } else if (scale > 1) {
                scale /= 10;
                v += (uint32_t)(*p - '0') * scale;
            }
        } else {
            return 0;
        }
    }
    *ms = v;
    return digits > 0;
}

int esploader_reset_parse(const char *text, esploader_reset_step_t *steps, size_t max_steps)
{
    size_t n = 0;

    if (text == NULL || steps == NULL) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    while (*text != '\0') {
        const char *end = text;
        esploader_reset_step_t *s = &steps[n];
        while (*end != '\0' && *end != '|') {
            end++;
        }
        if (n >= max_steps || end - text < 2) {
            return ESPLOADER_ERR_INVALID_ARG;
        }
        espl_mem_fill(s, 0, sizeof(*s));
        if (*text == 'W') {
            s->op = ESPLOADER_RESET_WAIT;
            if (!parse_ms(text + 1, end, &s->ms)) {
                return ESPLOADER_ERR_INVALID_ARG;
            }
        } else if ((*text == 'D' || *text == 'R') && end - text == 2 &&
                   (text[1] == '0' || text[1] == '1')) {
            s->op = *text == 'D' ? ESPLOADER_RESET_SET_DTR : ESPLOADER_RESET_SET_RTS;
            s->a = (uint8_t)(text[1] - '0');
        } else if (*text == 'U' && end - text == 4 && (text[1] == '0' || text[1] == '1') &&
                   text[2] == ',' && (text[3] == '0' || text[3] == '1')) {
            s->op = ESPLOADER_RESET_SET_BOTH;
            s->a = (uint8_t)(text[1] - '0');
            s->b = (uint8_t)(text[3] - '0');
        } else {
            return ESPLOADER_ERR_INVALID_ARG;
        }
        n++;
        text = end;
        if (*text == '|' && *++text == '\0') {
            return ESPLOADER_ERR_INVALID_ARG; /* an empty last step: "D0|" */
        }
    }
    return n > 0 ? (int)n : ESPLOADER_ERR_INVALID_ARG;
}

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

/* Case-insensitive search for a lower-case needle (digits and ':' are unaffected). */
static int contains(const char *hay, size_t n, const char *needle)
{
    size_t i, j;
    for (i = 0; i < n; i++) {
        for (j = 0; needle[j] != '\0' && i + j < n && (hay[i + j] | 0x20) == needle[j]; j++) {
        }
        if (needle[j] == '\0') {
            return 1;
        }
    }
    return 0;
}

static uint8_t diagnose(const esploader_t *l)
{
    if (!l->rx_any) {
        return ESPLOADER_DIAG_NO_SERIAL_DATA;
    }
    /* "waiting for download", "wait uart0 download", "DOWNLOAD_BOOT", "UART_BOOT(UART0)",
     * "UART0_BOOT": what the ROMs print when strapped for download mode */
    if (contains(l->boot_log, l->boot_log_len, "ownload") ||
        contains(l->boot_log, l->boot_log_len, "uart0")) {
        return ESPLOADER_DIAG_DOWNLOAD_NO_SYNC;
    }
    return contains(l->boot_log, l->boot_log_len, "boot:0x") ? ESPLOADER_DIAG_WRONG_BOOT_MODE
                                                             : ESPLOADER_DIAG_NONE;
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
    l->stub = l->sdm = l->rx_any = 0;
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
            if (run_reset(l, i / tries) != 0) {
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
    l->slip.noise_buf = NULL;
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

int esploader_reset_target(esploader_t *l)
{
    int r = run_seq(l, seq_hard, 0);
    l->chip = ESPLOADER_CHIP_AUTO;
    l->stub = 0;
    l->state = ESP_STATE_IDLE;
    return r;
}
