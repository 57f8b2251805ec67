/* Reset sequences (docs/protocol.md §10): built-in ones are byte programs, custom ones are parsed
 * esptool-style strings; one executor runs both. */
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

int espl_reset_enter(esploader_t *l, uint32_t attempt)
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

int esploader_reset_target(esploader_t *l)
{
    int r = run_seq(l, seq_hard, 0);
    l->chip = ESPLOADER_CHIP_AUTO;
    l->stub = 0;
    l->state = ESP_STATE_IDLE;
    return r;
}
