/* Session basics: init, accessors, errors, and the one transaction path every command uses. */
#include "loader.h"

void espl_log(esploader_t *l, esploader_log_level_t level, const char *msg, int32_t value)
{
    if (l->cfg.log != NULL) {
        l->cfg.log(l->cfg.hook_user, level, msg, value);
    }
}

uint32_t espl_now(esploader_t *l)
{
    return l->cfg.port->now_ms(l->cfg.port_ctx);
}

int32_t espl_left(esploader_t *l, uint32_t deadline)
{
    return (int32_t)(deadline - espl_now(l));
}

void espl_delay(esploader_t *l, uint32_t ms)
{
    l->cfg.port->delay_ms(l->cfg.port_ctx, ms);
}

uint32_t espl_timeout(const esploader_t *l)
{
    return l->cfg.timeout_ms != 0 ? l->cfg.timeout_ms : 3000;
}

uint32_t espl_scaled_timeout(uint32_t bytes, uint32_t ms_per_mb)
{
    /* bytes / 1000 first: no 64-bit arithmetic, exact enough for a timeout */
    uint32_t t = bytes / 1000 * (ms_per_mb / 1000);
    return t < 3000 ? 3000 : t > 240000 ? 240000 : t;
}

int esploader_init(esploader_t *l, const esploader_config_t *cfg)
{
    const esploader_port_ops_t *p;

    if (l == NULL || cfg == NULL) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    p = cfg->port;
    if (p == NULL || p->write == NULL || p->read == NULL || p->delay_ms == NULL ||
        p->now_ms == NULL) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    espl_mem_fill(l, 0, sizeof(*l));
    espl_mem_copy(&l->cfg, cfg, sizeof(*cfg));
    l->baud = cfg->initial_baud != 0 ? cfg->initial_baud : 115200;
    /* the rest of the decoder state is already zero: espl_slip_dec_init() minus the stores */
    l->slip.buf = l->frame;
    l->slip.cap = sizeof(l->frame);
    return ESPLOADER_OK;
}

esploader_connect_diag_t esploader_connect_diag(const esploader_t *l)
{
    return (esploader_connect_diag_t)l->diag;
}

const char *esploader_boot_log(const esploader_t *l, size_t *len)
{
    if (len != NULL) {
        *len = l->boot_log_len;
    }
    return l->boot_log;
}

esploader_chip_t esploader_get_target(const esploader_t *l)
{
    return l->chip;
}

bool esploader_stub_running(const esploader_t *l)
{
    return l->stub != 0;
}

bool esploader_secure_download_mode(const esploader_t *l)
{
    return l->sdm != 0;
}

const esploader_failure_t *esploader_last_failure(const esploader_t *l)
{
    return &l->failure;
}

uint32_t esploader_flash_resume_offset(const esploader_t *l)
{
    return l->resume_offset;
}

bool esploader_flash_verified(const esploader_t *l)
{
    return l->verified != 0;
}

uint8_t espl_flags(const esploader_t *l)
{
    return espl_target_flags(l->chip);
}

int espl_ready(const esploader_t *l)
{
    return l->chip != ESPLOADER_CHIP_AUTO ? ESPLOADER_OK : ESPLOADER_ERR_STATE;
}

int espl_is_8266_rom(const esploader_t *l)
{
    return l->chip == ESPLOADER_CHIP_ESP8266 && !l->stub;
}

const char *esploader_strerror(int err)
{
    static const char *const text[] = {
        "ok",
        "timeout",
        "port I/O error",
        "protocol error",
        "target refused the command",
        "verification failed (MD5 mismatch)",
        "unsupported by this chip/loader/mode",
        "invalid argument",
        "call out of order",
    };
    if (err > 0 || err < ESPLOADER_ERR_STATE) {
        return "unknown error";
    }
    return text[-err];
}

/* ------------------------------------------------------------------------------------------ */
/* Transport                                                                                   */

/* Queue one wire byte in l->tx, writing the buffer out when full (or when c < 0: flush). */
static int tx_byte(esploader_t *l, int c, uint32_t deadline)
{
    int32_t left, r = 0;

    if (c >= 0) {
        l->tx[l->tx_len++] = (uint8_t)c;
    }
    if ((c < 0 && l->tx_len > 0) || l->tx_len == sizeof(l->tx)) {
        left = espl_left(l, deadline);
        r = left <= 0 ? ESPLOADER_ERR_TIMEOUT
                      : l->cfg.port->write(l->cfg.port_ctx, l->tx, l->tx_len, (uint32_t)left);
        l->tx_len = 0;
    }
    return r < 0 ? (int)r : ESPLOADER_OK;
}

int espl_send(esploader_t *l, size_t cmd_len, const uint8_t *data, size_t len, size_t pad,
              uint32_t deadline)
{
    /* Three segments escaped straight into l->tx: the command, the data, the 0xFF padding. */
    const uint8_t *p = l->cmd;
    size_t k, seg;
    int r;

    if (l->cfg.trace != NULL) {
        l->cfg.trace(l->cfg.hook_user, true, l->cmd, cmd_len);
    }
    l->tx_len = 0;
    r = tx_byte(l, ESP_SLIP_END, deadline);
    for (seg = 0; seg < 3; seg++) {
        for (k = 0; k < cmd_len && r == 0; k++) {
            int c = seg == 2 ? 0xFF : p[k];
            if (c == ESP_SLIP_END || c == ESP_SLIP_ESC) {
                r = tx_byte(l, ESP_SLIP_ESC, deadline);
                c = c == ESP_SLIP_END ? ESP_SLIP_ESC_END : ESP_SLIP_ESC_ESC;
            }
            if (r == 0) {
                r = tx_byte(l, c, deadline);
            }
        }
        p = data;
        cmd_len = seg == 0 ? len : pad;
    }
    if (r == 0) {
        r = tx_byte(l, ESP_SLIP_END, deadline);
    }
    return r != 0 ? r : tx_byte(l, -1, deadline);
}

int espl_read_frame(esploader_t *l, uint32_t deadline)
{
    for (;;) {
        if (l->in_pos < l->in_len) {
            size_t used;
            espl_slip_status_t st = espl_slip_dec_feed(&l->slip, l->in + l->in_pos,
                                                       (size_t)(l->in_len - l->in_pos), &used);
            l->in_pos = (uint16_t)(l->in_pos + used);
            if (st == ESP_SLIP_FRAME) {
                if (l->cfg.trace != NULL) {
                    l->cfg.trace(l->cfg.hook_user, false, l->slip.buf, l->slip.len);
                }
                return (int)l->slip.len;
            }
            if (st != ESP_SLIP_NEED_MORE) {
                ESP_LOG(l, ESPLOADER_LOG_DEBUG, "bad SLIP frame dropped", st);
            }
        } else {
            int32_t left = espl_left(l, deadline), n = 0;
            /* left == 0 still polls once: a zero-timeout read is how drains work */
            if (left >= 0) {
                n = l->cfg.port->read(l->cfg.port_ctx, l->in, sizeof(l->in), (uint32_t)left);
            }
            if (n < 0) {
                return (int)n;
            }
            l->in_pos = 0;
            l->in_len = (uint16_t)n;
            l->rx_any |= n > 0;
            if (n == 0 && left <= 0) {
                /* The decoder keeps a frame in progress: its rest may just be late. */
                return ESPLOADER_ERR_TIMEOUT;
            }
        }
    }
}

static uint8_t status_len(const esploader_t *l)
{
    return (l->stub || (espl_flags(l) & ESP_T_8266)) ? 2 : 4;
}

int espl_recv(esploader_t *l, int op, int resp_len, uint32_t deadline)
{
    int i;

    for (i = 0; i < 100; i++) {
        espl_proto_resp_t r;
        espl_proto_resp_status_t st;
        int n = espl_read_frame(l, deadline);
        size_t rl = (size_t)resp_len;

        if (n < 0) {
            return n;
        }
        if (resp_len == ESP_RESP_VAR) {
            size_t sl = status_len(l);
            rl = (size_t)n > 8 + sl ? (size_t)n - 8 - sl : 0;
        }
        st = espl_proto_parse_resp(l->frame, (size_t)n, rl, &r);
        if (st == ESP_PROTO_RESP_NOT_RESP) {
            /* Garbage where a reply belongs: after lost bytes the delimiters may be misaligned
             * (the C0 that closed this "frame" opened the next one). */
            espl_slip_dec_resync(&l->slip, 1);
            continue;
        }
        if (op != ESP_OP_ANY && r.op != (uint8_t)op) {
            if (espl_proto_is_unsupported(&r, (uint8_t)op)) {
                /* The ROM sends this reply under the opcode of the last command it executed,
                 * 8 times if that was SYNC, else once (traces/README.md). Copies that arrive
                 * late (after the drain) must not pass for the reply to a later command. */
                if (l->stale_left > 0 && r.op == ESP_OP_SYNC) {
                    l->stale_left--;
                    continue;
                }
                n = r.op == ESP_OP_SYNC ? 7 : 0;
                n -= espl_drain(l, 20);
                l->stale_left = (uint8_t)(n > 0 ? n : 0);
                return ESPLOADER_ERR_UNSUPPORTED;
            }
            continue; /* a late reply to an earlier command */
        }
        if (st != ESP_PROTO_RESP_OK) {
            return ESPLOADER_ERR_PROTOCOL;
        }
        l->value = r.value;
        l->rlen = r.data_len;
        if (r.status != 0) {
            l->failure.command = r.op;
            l->failure.status = r.status;
            l->failure.reason = r.reason; /* 0 from a stub */
            l->failure.stub = l->stub;
            ESP_LOG(l, ESPLOADER_LOG_WARN, "target refused, status", r.status << 8 | r.reason);
            return ESPLOADER_ERR_TARGET;
        }
        return ESPLOADER_OK;
    }
    return ESPLOADER_ERR_PROTOCOL;
}

int espl_xfer(esploader_t *l, size_t cmd_len, const uint8_t *data, size_t len, size_t pad,
              int resp_len, uint32_t timeout_ms)
{
    uint32_t deadline = espl_now(l) + timeout_ms;
    int r = l->chip == ESPLOADER_CHIP_AUTO && l->state != ESP_STATE_CONNECTING
                ? ESPLOADER_ERR_STATE
                : espl_send(l, cmd_len, data, len, pad, deadline);
    return r != 0 ? r : espl_recv(l, l->cmd[1], resp_len, deadline);
}

int espl_cmd(esploader_t *l, size_t cmd_len, int resp_len)
{
    return espl_xfer(l, cmd_len, NULL, 0, 0, resp_len, espl_timeout(l));
}

int espl_drain(esploader_t *l, uint32_t quiet_ms)
{
    int i;

    /* Decode and drop whatever comes until quiet_ms of silence (bytes outside frames still
     * reach the boot log). Bounded: a chip printing without pause must not keep us here. */
    for (i = 0; i < 64 && espl_read_frame(l, espl_now(l) + quiet_ms) >= 0; i++) {
    }
    /* A frame cut by the quiet period stays open in the decoder: its rest may come later. */
    l->stale_left = 0; /* whatever copies were still to come are gone now */
    return i;
}
