/*
 * rfc2217://HOST:PORT[?ign_set_control]: a telnet connection with the COM-PORT option
 * (RFC 2217). Baud rate and DTR/RTS travel as subnegotiations; 0xFF data bytes are doubled
 * (IAC IAC) both ways. With ?ign_set_control we don't wait for the server to confirm line
 * changes (as pyserial), which saves a round trip per change.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esploader/esploader.h"
#include "posix_port_internal.h"

enum {
    TN_SE = 240,
    TN_SB = 250,
    TN_WILL = 251,
    TN_WONT = 252,
    TN_DO = 253,
    TN_DONT = 254,
    TN_IAC = 255,
    OPT_BINARY = 0,
    OPT_SGA = 3,
    OPT_COM_PORT = 44,
    CP_SET_BAUDRATE = 1,
    CP_SET_DATASIZE = 2,
    CP_SET_PARITY = 3,
    CP_SET_STOPSIZE = 4,
    CP_SET_CONTROL = 5,
    CP_SERVER_OFFSET = 100, /* the server answers request N with N + 100 */
    CTL_DTR_ON = 8,
    CTL_DTR_OFF = 9,
    CTL_RTS_ON = 11,
    CTL_RTS_OFF = 12,
};

enum { ST_DATA, ST_IAC, ST_WILL, ST_WONT, ST_DO, ST_DONT, ST_SB, ST_SB_IAC };

#define NEGOTIATE_MS 1000u
#define ACK_MS       500u

static int pending_push(esploader_posix_port_t *p, uint8_t b)
{
    if (p->pending_len == p->pending_cap) {
        size_t cap = p->pending_cap ? p->pending_cap * 2 : 4096;
        uint8_t *n = realloc(p->pending, cap);
        if (!n) {
            return -1;
        }
        p->pending = n;
        p->pending_cap = cap;
    }
    p->pending[p->pending_len++] = b;
    return 0;
}

static int send_raw(esploader_posix_port_t *p, const uint8_t *b, size_t n)
{
    return posix_write_all(p->fd, b, n, 3000);
}

static int send_cmd(esploader_posix_port_t *p, uint8_t verb, uint8_t opt)
{
    uint8_t b[3] = {TN_IAC, verb, opt};
    return send_raw(p, b, 3);
}

static void handle_sb(esploader_posix_port_t *p)
{
    if (p->tn_sb_len >= 2 && p->tn_sb[0] == OPT_COM_PORT && p->tn_sb[1] >= CP_SERVER_OFFSET) {
        uint8_t code = p->tn_sb[1];
        if (code == CP_SERVER_OFFSET + CP_SET_BAUDRATE ||
            code == CP_SERVER_OFFSET + CP_SET_CONTROL) {
            p->tn_last_reply = code;
            p->server_acks = true;
        }
    }
}

static bool known_option(uint8_t opt)
{
    return opt == OPT_BINARY || opt == OPT_SGA || opt == OPT_COM_PORT;
}

/* Run raw bytes from the socket through the telnet parser; data goes to p->pending. */
static int feed(esploader_posix_port_t *p, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        switch (p->tn_state) {
        case ST_DATA:
            if (c == TN_IAC) {
                p->tn_state = ST_IAC;
            } else if (pending_push(p, c) != 0) {
                return ESPLOADER_ERR_IO;
            }
            break;
        case ST_IAC:
            p->tn_state = ST_DATA;
            if (c == TN_IAC) {
                if (pending_push(p, c) != 0) {
                    return ESPLOADER_ERR_IO;
                }
            } else if (c == TN_WILL) {
                p->tn_state = ST_WILL;
            } else if (c == TN_WONT) {
                p->tn_state = ST_WONT;
            } else if (c == TN_DO) {
                p->tn_state = ST_DO;
            } else if (c == TN_DONT) {
                p->tn_state = ST_DONT;
            } else if (c == TN_SB) {
                p->tn_state = ST_SB;
                p->tn_sb_len = 0;
            }
            /* NOP, GA and other two-byte commands carry nothing for us. */
            break;
        case ST_WILL:
            /* We asked for BINARY, SGA and COM-PORT at open, so their WILL is an answer;
             * refuse anything else once (no reply to a refusal, so no loops). */
            if (!known_option(c) && send_cmd(p, TN_DONT, c) != 0) {
                return ESPLOADER_ERR_IO;
            }
            p->tn_state = ST_DATA;
            break;
        case ST_DO:
            if (c == OPT_COM_PORT) {
                p->comport_ok = true;
            } else if (!known_option(c) && send_cmd(p, TN_WONT, c) != 0) {
                return ESPLOADER_ERR_IO;
            }
            p->tn_state = ST_DATA;
            break;
        case ST_WONT:
        case ST_DONT:
            p->tn_state = ST_DATA;
            break;
        case ST_SB:
            if (c == TN_IAC) {
                p->tn_state = ST_SB_IAC;
            } else if (p->tn_sb_len < sizeof(p->tn_sb)) {
                p->tn_sb[p->tn_sb_len++] = c;
            }
            break;
        case ST_SB_IAC:
            if (c == TN_SE) {
                handle_sb(p);
                p->tn_state = ST_DATA;
            } else {
                if (p->tn_sb_len < sizeof(p->tn_sb)) {
                    p->tn_sb[p->tn_sb_len++] = c; /* IAC IAC inside SB = 0xFF */
                }
                p->tn_state = ST_SB;
            }
            break;
        default:
            p->tn_state = ST_DATA;
            break;
        }
    }
    return 0;
}

/* Read once from the socket (waiting up to timeout_ms) and parse what came. */
static int pump(esploader_posix_port_t *p, uint32_t timeout_ms)
{
    int r = posix_wait_fd(p->fd, POLLIN, timeout_ms);
    if (r <= 0) {
        return r;
    }
    uint8_t raw[1024];
    ssize_t n = read(p->fd, raw, sizeof(raw));
    if (n == 0) {
        return ESPLOADER_ERR_IO; /* server closed the connection */
    }
    if (n < 0) {
        return (errno == EAGAIN || errno == EINTR) ? 0 : ESPLOADER_ERR_IO;
    }
    r = feed(p, raw, (size_t)n);
    return r < 0 ? r : 1;
}

/* Wait for the server's answer to a COM-PORT request. A server that never answers anything
 * is tolerated: after the first silence we stop waiting (the request itself was sent). */
static int wait_ack(esploader_posix_port_t *p, uint8_t request)
{
    uint8_t want = (uint8_t)(CP_SERVER_OFFSET + request);
    uint32_t start = posix_now_ms();
    while (p->tn_last_reply != want) {
        uint32_t spent = posix_now_ms() - start;
        if (spent >= ACK_MS) {
            if (!p->server_acks) {
                p->server_silent = true;
            }
            return 0;
        }
        int r = pump(p, ACK_MS - spent);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int send_sb(esploader_posix_port_t *p, uint8_t request, const uint8_t *val, size_t n)
{
    uint8_t b[32];
    size_t k = 0;
    b[k++] = TN_IAC;
    b[k++] = TN_SB;
    b[k++] = OPT_COM_PORT;
    b[k++] = request;
    for (size_t i = 0; i < n; i++) {
        b[k++] = val[i];
        if (val[i] == TN_IAC) {
            b[k++] = TN_IAC;
        }
    }
    b[k++] = TN_IAC;
    b[k++] = TN_SE;
    p->tn_last_reply = 0;
    return send_raw(p, b, k);
}

static int set_baud_request(esploader_posix_port_t *p, uint32_t baud)
{
    uint8_t v[4] = {(uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8),
                    (uint8_t)baud};
    int r = send_sb(p, CP_SET_BAUDRATE, v, 4);
    if (r == 0 && !p->server_silent) {
        r = wait_ack(p, CP_SET_BAUDRATE);
    }
    return r;
}

int posix_rfc2217_open(esploader_posix_port_t *p, const char *rest, char *err, size_t err_len)
{
    const char *q = strchr(rest, '?');
    if (q && strstr(q, "ign_set_control")) {
        p->ign_set_control = true;
    }
    int r = posix_tcp_connect(rest, &p->fd, err, err_len);
    if (r != 0) {
        return r;
    }
    const uint8_t hello[] = {TN_IAC,     TN_WILL, OPT_BINARY, TN_IAC,  TN_DO,
                             OPT_BINARY, TN_IAC,  TN_WILL,    OPT_SGA, TN_IAC,
                             TN_DO,      OPT_SGA, TN_IAC,     TN_WILL, OPT_COM_PORT};
    if (send_raw(p, hello, sizeof(hello)) != 0) {
        posix_errf(err, err_len, "%s: connection lost during telnet negotiation", rest);
        return ESPLOADER_ERR_IO;
    }
    uint32_t start = posix_now_ms();
    while (!p->comport_ok) {
        uint32_t spent = posix_now_ms() - start;
        if (spent >= NEGOTIATE_MS) {
            posix_errf(err, err_len,
                       "%s: the server did not accept the RFC 2217 COM-PORT option (is it an "
                       "RFC 2217 server? for a raw TCP bridge use socket://)",
                       rest);
            return ESPLOADER_ERR_PROTOCOL;
        }
        r = pump(p, NEGOTIATE_MS - spent);
        if (r < 0) {
            posix_errf(err, err_len, "%s: connection lost during telnet negotiation", rest);
            return r;
        }
    }
    /* 8N1 at the initial rate, as a serial port would be after open. */
    const uint8_t eight = 8, none = 1, one = 1;
    if (send_sb(p, CP_SET_DATASIZE, &eight, 1) != 0 || send_sb(p, CP_SET_PARITY, &none, 1) != 0 ||
        send_sb(p, CP_SET_STOPSIZE, &one, 1) != 0 || set_baud_request(p, p->baud) != 0) {
        posix_errf(err, err_len, "%s: connection lost while configuring the port", rest);
        return ESPLOADER_ERR_IO;
    }
    return 0;
}

int32_t posix_rfc2217_read(esploader_posix_port_t *p, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    uint32_t start = posix_now_ms();
    while (p->pending_len == 0) {
        uint32_t spent = posix_now_ms() - start;
        /* One non-blocking pass even with a zero timeout, so draining works. */
        int r = pump(p, spent >= timeout_ms ? 0 : timeout_ms - spent);
        if (r < 0) {
            return r;
        }
        if (r == 0 && posix_now_ms() - start >= timeout_ms) {
            break;
        }
    }
    size_t n = p->pending_len < len ? p->pending_len : len;
    if (n) {
        memcpy(buf, p->pending, n);
        memmove(p->pending, p->pending + n, p->pending_len - n);
        p->pending_len -= n;
    }
    return (int32_t)n;
}

int32_t posix_rfc2217_write(esploader_posix_port_t *p, const uint8_t *data, size_t len,
                            uint32_t timeout_ms)
{
    uint8_t out[1024];
    size_t k = 0;
    uint32_t start = posix_now_ms();
    for (size_t i = 0; i < len; i++) {
        out[k++] = data[i];
        if (data[i] == TN_IAC) {
            out[k++] = TN_IAC;
        }
        if (k >= sizeof(out) - 2 || i + 1 == len) {
            uint32_t spent = posix_now_ms() - start;
            int r = posix_write_all(p->fd, out, k, spent >= timeout_ms ? 1 : timeout_ms - spent);
            if (r != 0) {
                return r;
            }
            k = 0;
        }
    }
    return 0;
}

int32_t posix_rfc2217_set_lines(esploader_posix_port_t *p, int dtr, int rts)
{
    /* DTR first, then RTS: the order esptool's ClassicReset uses, which the server-side
     * pattern rule (docs/protocol.md §10.6) is written for. */
    if (dtr != ESPLOADER_LINE_KEEP) {
        uint8_t v = dtr == ESPLOADER_LINE_ASSERT ? CTL_DTR_ON : CTL_DTR_OFF;
        int r = send_sb(p, CP_SET_CONTROL, &v, 1);
        if (r == 0 && !p->ign_set_control && !p->server_silent) {
            r = wait_ack(p, CP_SET_CONTROL);
        }
        if (r != 0) {
            return r;
        }
        p->dtr = dtr;
    }
    if (rts != ESPLOADER_LINE_KEEP) {
        uint8_t v = rts == ESPLOADER_LINE_ASSERT ? CTL_RTS_ON : CTL_RTS_OFF;
        int r = send_sb(p, CP_SET_CONTROL, &v, 1);
        if (r == 0 && !p->ign_set_control && !p->server_silent) {
            r = wait_ack(p, CP_SET_CONTROL);
        }
        if (r != 0) {
            return r;
        }
        p->rts = rts;
    }
    return 0;
}

int32_t posix_rfc2217_set_baud(esploader_posix_port_t *p, uint32_t baud)
{
    if (baud == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    int r = set_baud_request(p, baud);
    if (r == 0) {
        p->baud = baud;
    }
    return r;
}

void posix_rfc2217_flush(esploader_posix_port_t *p)
{
    while (pump(p, 0) > 0) {
    }
    p->pending_len = 0;
}
