/* The one transaction path every command uses: SLIP-escaped send, push-fed frame reads, reply
 * matching (stale and late replies), drain (docs/protocol.md §3, §4). */
#include "loader.h"

/* Milliseconds left before deadline (negative once it has passed; wrap-safe). */
static int32_t espl_left(esploader_t *l, uint32_t deadline)
{
    return (int32_t)(deadline - espl_now(l));
}

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
    /* Three segments escaped straight into l->tx by the SLIP encoder: the command, the data,
     * the 0xFF padding. */
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
            if (espl_slip_is_special(c)) {
                r = tx_byte(l, ESP_SLIP_ESC, deadline);
                c = espl_slip_escaped(c);
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
