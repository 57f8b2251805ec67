/* Reset into download mode, SYNC, chip detection, boot-log diagnostics (PROTOCOL.md §5.1, §7,
 * §10). Reset sequences are data: built-in ones are byte programs, custom ones are steps. */
#include "loader.h"

/* Built-in sequences, one byte per step: bits 0-1 = esp_loader_reset_op_t, bit 2 = a, bit 3 = b;
 * a WAIT waits reset_hold_ms (a = 0) or the boot delay (a = 1). */
#define S_DTR(v)     (ESP_LOADER_RESET_SET_DTR | (v) << 2)
#define S_RTS(v)     (ESP_LOADER_RESET_SET_RTS | (v) << 2)
#define S_BOTH(d, r) (ESP_LOADER_RESET_SET_BOTH | (d) << 2 | (r) << 3)
#define S_HOLD       ESP_LOADER_RESET_WAIT
#define S_BOOT       (ESP_LOADER_RESET_WAIT | 1 << 2)
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
static int run_seq(esp_loader_t *l, const uint8_t *seq, uint32_t boot)
{
    uint32_t hold = l->cfg.reset_hold_ms != 0 ? l->cfg.reset_hold_ms : 100;
    size_t i;
    int32_t r = ESP_LOADER_OK;

    if (l->cfg.port->set_lines == NULL) {
        return ESP_LOADER_ERR_UNSUPPORTED; /* no lines: say so instead of pretending */
    }
    for (i = 0; r >= 0; i++) {
        uint32_t op, a, b, ms;
        if (seq == NULL) {
            const esp_loader_reset_step_t *s;
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
        if (op == ESP_LOADER_RESET_WAIT) {
            esp_delay(l, ms);
        } else {
            r = l->cfg.port->set_lines(
                l->cfg.port_ctx, op == ESP_LOADER_RESET_SET_RTS ? ESP_LOADER_LINE_KEEP : (int)a,
                op == ESP_LOADER_RESET_SET_DTR   ? ESP_LOADER_LINE_KEEP
                : op == ESP_LOADER_RESET_SET_RTS ? (int)a
                                                 : (int)b);
        }
    }
    return r < 0 ? (int)r : ESP_LOADER_OK;
}

static int run_reset(esp_loader_t *l, uint32_t attempt)
{
    const esp_loader_before_t before = l->cfg.before;
    const uint8_t *seq = before == ESP_LOADER_BEFORE_CUSTOM_RESET     ? NULL
                         : before == ESP_LOADER_BEFORE_USB_JTAG_RESET ? seq_usb
                         : before == ESP_LOADER_BEFORE_CLASSIC_RESET ||
                                 (before == ESP_LOADER_BEFORE_DEFAULT_RESET && (attempt & 2))
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

int esp_loader_reset_parse(const char *text, esp_loader_reset_step_t *steps, size_t max_steps)
{
    size_t n = 0;

    if (text == NULL || steps == NULL) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    while (*text != '\0') {
        const char *end = text;
        esp_loader_reset_step_t *s = &steps[n];
        while (*end != '\0' && *end != '|') {
            end++;
        }
        if (n >= max_steps || end - text < 2) {
            return ESP_LOADER_ERR_INVALID_ARG;
        }
        esp_mem_fill(s, 0, sizeof(*s));
        if (*text == 'W') {
            s->op = ESP_LOADER_RESET_WAIT;
            if (!parse_ms(text + 1, end, &s->ms)) {
                return ESP_LOADER_ERR_INVALID_ARG;
            }
        } else if ((*text == 'D' || *text == 'R') && end - text == 2 &&
                   (text[1] == '0' || text[1] == '1')) {
            s->op = *text == 'D' ? ESP_LOADER_RESET_SET_DTR : ESP_LOADER_RESET_SET_RTS;
            s->a = (uint8_t)(text[1] - '0');
        } else if (*text == 'U' && end - text == 4 && (text[1] == '0' || text[1] == '1') &&
                   text[2] == ',' && (text[3] == '0' || text[3] == '1')) {
            s->op = ESP_LOADER_RESET_SET_BOTH;
            s->a = (uint8_t)(text[1] - '0');
            s->b = (uint8_t)(text[3] - '0');
        } else {
            return ESP_LOADER_ERR_INVALID_ARG;
        }
        n++;
        text = end;
        if (*text == '|' && *++text == '\0') {
            return ESP_LOADER_ERR_INVALID_ARG; /* an empty last step: "D0|" */
        }
    }
    return n > 0 ? (int)n : ESP_LOADER_ERR_INVALID_ARG;
}

/* One SYNC: the matching reply plus 7 more (§5.1). Sets l->stub from the value fields. */
int esp_sync(esp_loader_t *l)
{
    uint32_t t = l->cfg.sync_timeout_ms != 0 ? l->cfg.sync_timeout_ms : 100;
    int r, i, stub = 1;

    r = esp_send(l, esp_proto_enc_sync(l->cmd), NULL, 0, 0, esp_now(l) + t);
    for (i = 0; i < 8 && r == 0; i++) {
        r = esp_recv(l, i == 0 ? ESP_OP_SYNC : ESP_OP_ANY, 0, esp_now(l) + t);
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

static uint8_t diagnose(const esp_loader_t *l)
{
    if (!l->rx_any) {
        return ESP_LOADER_DIAG_NO_SERIAL_DATA;
    }
    /* "waiting for download", "wait uart0 download", "DOWNLOAD_BOOT", "UART_BOOT(UART0)",
     * "UART0_BOOT": what the ROMs print when strapped for download mode */
    if (contains(l->boot_log, l->boot_log_len, "ownload") ||
        contains(l->boot_log, l->boot_log_len, "uart0")) {
        return ESP_LOADER_DIAG_DOWNLOAD_NO_SYNC;
    }
    return contains(l->boot_log, l->boot_log_len, "boot:0x") ? ESP_LOADER_DIAG_WRONG_BOOT_MODE
                                                             : ESP_LOADER_DIAG_NONE;
}

/* §7 step 4: GET_SECURITY_INFO chip id, else the magic register. */
static int detect(esp_loader_t *l)
{
    uint32_t v;
    int r = esp_cmd(l, esp_proto_enc_simple(l->cmd, ESP_OP_GET_SECURITY_INFO), ESP_RESP_VAR);

    l->chip = ESP_LOADER_CHIP_AUTO;
    if (r == 0 && l->rlen >= 12) {
        l->sdm = (l->frame[8] & ESP_LOADER_SEC_SECURE_DOWNLOAD_ENABLE) != 0;
    } else if (r != 0 && r != ESP_LOADER_ERR_UNSUPPORTED && r != ESP_LOADER_ERR_TARGET) {
        return r; /* timeout, I/O: no point asking more */
    }
    if (r == 0 && l->rlen >= 20) {
        v = esp_get_le32(l->frame + 8 + 12);
        ESP_LOG(l, ESP_LOADER_LOG_DEBUG, "chip id", v);
        l->chip = esp_target_find(v, 1);
    } else {
        /* ESP8266 / ESP32 (no GET_SECURITY_INFO), ESP32-S2 (no chip id in it) */
        r = esp_read_reg(l, ESP_MAGIC_REG, &v);
        ESP_LOG(l, ESP_LOADER_LOG_DEBUG, "chip magic", v);
        if (r == ESP_LOADER_ERR_UNSUPPORTED) {
            l->sdm = 1;     /* only the S2 in SDM refuses READ_REG here */
            v = 0x000007C6; /* its magic value */
        } else if (r != 0) {
            return r;
        }
        l->chip = esp_target_find(v, 0);
    }
    if (l->chip == ESP_LOADER_CHIP_AUTO) {
        l->diag = ESP_LOADER_DIAG_UNKNOWN_CHIP;
        return ESP_LOADER_ERR_UNSUPPORTED;
    }
    return ESP_LOADER_OK;
}

int esp_loader_connect(esp_loader_t *l)
{
    uint32_t tries = l->cfg.sync_tries != 0 ? l->cfg.sync_tries : 5;
    uint32_t total = (l->cfg.connect_attempts != 0 ? l->cfg.connect_attempts : 7) * tries, i;
    int r = ESP_LOADER_OK;

    l->chip = ESP_LOADER_CHIP_AUTO;
    l->flash_size = 0;
    l->stub = l->sdm = l->rx_any = 0;
    l->state = ESP_STATE_CONNECTING;
    l->diag = ESP_LOADER_DIAG_NONE;
    l->slip.noise_buf = (uint8_t *)l->boot_log;
    l->slip.noise_cap = sizeof(l->boot_log);
    l->slip.noise = 0;
    if (l->cfg.before == ESP_LOADER_BEFORE_NO_RESET_NO_SYNC) {
        total = 0; /* a loader is assumed to be listening already */
    }
    for (i = 0; i < total; i++) {
        if (i % tries == 0 && l->cfg.before < ESP_LOADER_BEFORE_NO_RESET) {
            esp_drain(l, 0);
            esp_slip_dec_resync(&l->slip, 0); /* the boot log comes between frames */
            l->slip.noise = 0;                /* keep the boot log of this attempt's reset */
            if (run_reset(l, i / tries) != 0) {
                /* No usable lines (a PTY, a socket): like esptool, warn and SYNC anyway. */
                ESP_LOG(l, ESP_LOADER_LOG_WARN, "chip was NOT reset", 0);
            }
        }
        esp_drain(l, 0);
        /* Each SYNC starts between frames: boot-log garbage at another baud may have left the
         * decoder inside a dropped frame. */
        esp_slip_dec_resync(&l->slip, 0);
        r = esp_sync(l);
        if (r == 0 || r == ESP_LOADER_ERR_IO) {
            break;
        }
        esp_delay(l, 50);
    }
    l->boot_log_len =
        (uint16_t)(l->slip.noise < sizeof(l->boot_log) ? l->slip.noise : sizeof(l->boot_log));
    l->slip.noise_buf = NULL;
    if (r != 0) {
        l->diag = diagnose(l);
        ESP_LOG(l, ESP_LOADER_LOG_ERROR, "no SYNC reply, diag", l->diag);
    } else {
        esp_drain(l, 20); /* the surplus SYNC replies some chips send */
        r = detect(l);
    }
    if (r == 0 && l->cfg.chip != ESP_LOADER_CHIP_AUTO && l->cfg.chip != l->chip) {
        ESP_LOG(l, ESP_LOADER_LOG_ERROR, "wrong chip, detected", l->chip);
        l->diag = ESP_LOADER_DIAG_WRONG_CHIP;
        r = ESP_LOADER_ERR_INVALID_ARG;
    }
    if (r == 0 && !l->stub) {
        r = esp_loader_spi_attach(l, 0);
    }
    if (r != 0) {
        l->chip = ESP_LOADER_CHIP_AUTO;
    }
    l->state = ESP_STATE_IDLE;
    return r;
}

int esp_loader_reset_target(esp_loader_t *l)
{
    int r = run_seq(l, seq_hard, 0);
    l->chip = ESP_LOADER_CHIP_AUTO;
    l->stub = 0;
    l->state = ESP_STATE_IDLE;
    return r;
}
