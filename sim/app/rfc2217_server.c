/*
 * RFC 2217 server codec (see rfc2217_server.h). Telnet option negotiation keeps a yes/no
 * state per option and side and answers only changes, so two agreeable peers can never
 * loop (RFC 854 / 1143's rule, simplified because we never ask for what we refuse).
 */
#include "rfc2217_server.h"

#include <string.h>

enum {
    T_SE = 240,
    T_SB = 250,
    T_WILL = 251,
    T_WONT = 252,
    T_DO = 253,
    T_DONT = 254,
    T_IAC = 255,
};

enum { OPT_BINARY = 0, OPT_ECHO = 1, OPT_SGA = 3 };

/* COM-PORT-OPTION commands, client -> server; the server answers with the same + 100. */
enum {
    CPO_SIGNATURE = 0,
    CPO_SET_BAUDRATE = 1,
    CPO_SET_DATASIZE = 2,
    CPO_SET_PARITY = 3,
    CPO_SET_STOPSIZE = 4,
    CPO_SET_CONTROL = 5,
    CPO_NOTIFY_LINESTATE = 6,
    CPO_NOTIFY_MODEMSTATE = 7,
    CPO_FLOWCONTROL_SUSPEND = 8,
    CPO_FLOWCONTROL_RESUME = 9,
    CPO_SET_LINESTATE_MASK = 10,
    CPO_SET_MODEMSTATE_MASK = 11,
    CPO_PURGE_DATA = 12,
    CPO_SERVER_OFFSET = 100,
};

/* SET-CONTROL values. */
enum {
    CTL_FLOW_REQUEST = 0,
    CTL_FLOW_NONE = 1,
    CTL_BREAK_REQUEST = 4,
    CTL_BREAK_ON = 5,
    CTL_BREAK_OFF = 6,
    CTL_DTR_REQUEST = 7,
    CTL_DTR_ON = 8,
    CTL_DTR_OFF = 9,
    CTL_RTS_REQUEST = 10,
    CTL_RTS_ON = 11,
    CTL_RTS_OFF = 12,
    CTL_INFLOW_REQUEST = 13,
    CTL_INFLOW_NONE = 14,
};

enum { ST_DATA, ST_IAC, ST_OPT, ST_SB, ST_SB_IAC };

static const char signature[] = "esploader-sim";

static bool bit_get(const uint8_t *set, uint8_t opt)
{
    return (set[opt / 8] >> (opt % 8)) & 1u;
}

static void bit_put(uint8_t *set, uint8_t opt, bool v)
{
    if (v) {
        set[opt / 8] |= (uint8_t)(1u << (opt % 8));
    } else {
        set[opt / 8] &= (uint8_t) ~(1u << (opt % 8));
    }
}

static void reply(rfc2217_server_t *r, const uint8_t *d, size_t n)
{
    if (r->hooks.reply != NULL && n > 0) {
        r->hooks.reply(r->hooks.ctx, d, n);
    }
}

static void send_verb(rfc2217_server_t *r, uint8_t verb, uint8_t opt)
{
    const uint8_t m[3] = {T_IAC, verb, opt};
    reply(r, m, 3);
}

/* IAC SB COM-PORT <cmd> <value, 0xFF doubled> IAC SE */
static void send_cpo(rfc2217_server_t *r, uint8_t cmd, const uint8_t *val, size_t n)
{
    uint8_t m[4 + 2 * 64 + 2];
    size_t k = 0;
    m[k++] = T_IAC;
    m[k++] = T_SB;
    m[k++] = RFC2217_OPTION_COM_PORT;
    m[k++] = cmd;
    for (size_t i = 0; i < n && i < 64; i++) {
        m[k++] = val[i];
        if (val[i] == T_IAC) {
            m[k++] = T_IAC;
        }
    }
    m[k++] = T_IAC;
    m[k++] = T_SE;
    reply(r, m, k);
}

static void send_cpo_byte(rfc2217_server_t *r, uint8_t cmd, uint8_t v)
{
    send_cpo(r, cmd, &v, 1);
}

/* Options we are willing to have on the client's side / on ours. */
static bool accept_him(uint8_t opt)
{
    return opt == OPT_BINARY || opt == OPT_SGA || opt == RFC2217_OPTION_COM_PORT;
}

static bool accept_us(uint8_t opt)
{
    return opt == OPT_BINARY || opt == OPT_SGA || opt == RFC2217_OPTION_COM_PORT;
}

void rfc2217_server_start(rfc2217_server_t *r, const rfc2217_hooks_t *hooks, uint32_t baud)
{
    memset(r, 0, sizeof(*r));
    r->hooks = *hooks;
    r->state = ST_DATA;
    r->baud = baud ? baud : 115200;
    r->datasize = 8;
    r->parity = 1;   /* NONE */
    r->stopsize = 1; /* 1 stop bit */
    /* Offer binary both ways and ask for the COM-PORT option; a client that already asked
     * gets no duplicate answer because the state says "yes" by then. */
    bit_put(r->us, OPT_BINARY, true);
    send_verb(r, T_WILL, OPT_BINARY);
    bit_put(r->him, OPT_BINARY, true);
    send_verb(r, T_DO, OPT_BINARY);
    bit_put(r->us, OPT_SGA, true);
    send_verb(r, T_WILL, OPT_SGA);
    bit_put(r->him, RFC2217_OPTION_COM_PORT, true);
    send_verb(r, T_DO, RFC2217_OPTION_COM_PORT);
}

static void negotiate(rfc2217_server_t *r, uint8_t verb, uint8_t opt)
{
    switch (verb) {
    case T_WILL:
        if (!accept_him(opt)) {
            send_verb(r, T_DONT, opt);
        } else if (!bit_get(r->him, opt)) {
            bit_put(r->him, opt, true);
            send_verb(r, T_DO, opt);
        }
        break;
    case T_WONT:
        if (bit_get(r->him, opt)) {
            bit_put(r->him, opt, false);
            send_verb(r, T_DONT, opt);
        }
        break;
    case T_DO:
        if (!accept_us(opt)) {
            send_verb(r, T_WONT, opt);
        } else if (!bit_get(r->us, opt)) {
            bit_put(r->us, opt, true);
            send_verb(r, T_WILL, opt);
        }
        break;
    case T_DONT:
        if (bit_get(r->us, opt)) {
            bit_put(r->us, opt, false);
            send_verb(r, T_WONT, opt);
        }
        break;
    default:
        break;
    }
}

/* The reset pattern of rfc2217_server.h. */
static void set_control(rfc2217_server_t *r, uint8_t v)
{
    uint8_t answer = v;
    switch (v) {
    case CTL_DTR_ON:
        r->dtr = true;
        if (!r->in_download_sequence) {
            r->in_download_sequence = true;
            if (r->hooks.reset != NULL) {
                r->hooks.reset(r->hooks.ctx, true);
            }
        }
        break;
    case CTL_DTR_OFF:
        r->dtr = false;
        r->in_download_sequence = false;
        break;
    case CTL_RTS_ON:
        r->rts = true;
        break;
    case CTL_RTS_OFF:
        /* Only a real release of EN resets: a client re-sending "RTS off" (pyserial does on
         * open, and a host ending a reset with DTR off then RTS off) must not reboot the
         * chip out of its loader. */
        if (r->rts && !r->in_download_sequence && r->hooks.reset != NULL) {
            r->rts = false;
            r->hooks.reset(r->hooks.ctx, false);
        }
        r->rts = false;
        break;
    case CTL_DTR_REQUEST:
        answer = r->dtr ? CTL_DTR_ON : CTL_DTR_OFF;
        break;
    case CTL_RTS_REQUEST:
        answer = r->rts ? CTL_RTS_ON : CTL_RTS_OFF;
        break;
    case CTL_BREAK_REQUEST:
        answer = r->break_on ? CTL_BREAK_ON : CTL_BREAK_OFF;
        break;
    case CTL_BREAK_ON:
    case CTL_BREAK_OFF:
        r->break_on = v == CTL_BREAK_ON;
        break;
    case CTL_FLOW_REQUEST:
    case 2: /* XON/XOFF: not modelled, the line stays without flow control */
    case 3: /* hardware */
        answer = CTL_FLOW_NONE;
        break;
    case CTL_INFLOW_REQUEST:
    case 15:
    case 16:
        answer = CTL_INFLOW_NONE;
        break;
    default:
        break; /* echo what was asked (no flow, DCD/DSR flow settings, unknown) */
    }
    send_cpo_byte(r, CPO_SET_CONTROL + CPO_SERVER_OFFSET, answer);
}

static void com_port_command(rfc2217_server_t *r, const uint8_t *p, size_t n)
{
    if (n < 1) {
        return;
    }
    uint8_t cmd = p[0];
    const uint8_t *val = p + 1;
    size_t vn = n - 1;
    uint8_t ans = (uint8_t)(cmd + CPO_SERVER_OFFSET);
    switch (cmd) {
    case CPO_SIGNATURE:
        if (vn == 0) {
            send_cpo(r, ans, (const uint8_t *)signature, sizeof(signature) - 1);
        }
        break;
    case CPO_SET_BAUDRATE: {
        if (vn >= 4) {
            uint32_t b = ((uint32_t)val[0] << 24) | ((uint32_t)val[1] << 16) |
                         ((uint32_t)val[2] << 8) | val[3];
            if (b != 0) {
                r->baud = b;
                if (r->hooks.baud != NULL) {
                    r->hooks.baud(r->hooks.ctx, b);
                }
            }
        }
        const uint8_t be[4] = {(uint8_t)(r->baud >> 24), (uint8_t)(r->baud >> 16),
                               (uint8_t)(r->baud >> 8), (uint8_t)r->baud};
        send_cpo(r, ans, be, 4);
        break;
    }
    case CPO_SET_DATASIZE:
        if (vn >= 1 && val[0] >= 5 && val[0] <= 8) {
            r->datasize = val[0];
        }
        send_cpo_byte(r, ans, r->datasize);
        break;
    case CPO_SET_PARITY:
        if (vn >= 1 && val[0] >= 1 && val[0] <= 5) {
            r->parity = val[0];
        }
        send_cpo_byte(r, ans, r->parity);
        break;
    case CPO_SET_STOPSIZE:
        if (vn >= 1 && val[0] >= 1 && val[0] <= 3) {
            r->stopsize = val[0];
        }
        send_cpo_byte(r, ans, r->stopsize);
        break;
    case CPO_SET_CONTROL:
        if (vn >= 1) {
            set_control(r, val[0]);
        }
        break;
    case CPO_SET_LINESTATE_MASK:
    case CPO_SET_MODEMSTATE_MASK:
        send_cpo_byte(r, ans, vn >= 1 ? val[0] : 0);
        break;
    case CPO_PURGE_DATA:
        if (vn >= 1) {
            if (r->hooks.purge != NULL && val[0] >= 1 && val[0] <= 3) {
                r->hooks.purge(r->hooks.ctx, val[0] != 2, val[0] != 1);
            }
            send_cpo_byte(r, ans, val[0]);
        }
        break;
    case CPO_NOTIFY_LINESTATE:
    case CPO_NOTIFY_MODEMSTATE:
    case CPO_FLOWCONTROL_SUSPEND:
    case CPO_FLOWCONTROL_RESUME:
    default:
        break; /* notifications and unknown commands need no answer */
    }
}

static void subnegotiation(rfc2217_server_t *r)
{
    if (r->sb_len >= 1 && r->sb[0] == RFC2217_OPTION_COM_PORT && !r->sb_overflow) {
        com_port_command(r, r->sb + 1, r->sb_len - 1);
    }
}

void rfc2217_server_feed(rfc2217_server_t *r, const uint8_t *in, size_t len)
{
    size_t run = 0; /* start of a run of plain data bytes, passed on in one call */
    for (size_t i = 0; i < len; i++) {
        uint8_t b = in[i];
        switch (r->state) {
        case ST_DATA:
            if (b == T_IAC) {
                if (i > run && r->hooks.data != NULL) {
                    r->hooks.data(r->hooks.ctx, in + run, i - run);
                }
                r->state = ST_IAC;
                run = i + 1;
            }
            continue; /* plain data stays in the current run */
        case ST_IAC:
            if (b == T_IAC) {
                const uint8_t ff = T_IAC; /* escaped data byte */
                if (r->hooks.data != NULL) {
                    r->hooks.data(r->hooks.ctx, &ff, 1);
                }
                r->state = ST_DATA;
            } else if (b == T_WILL || b == T_WONT || b == T_DO || b == T_DONT) {
                r->verb = b;
                r->state = ST_OPT;
            } else if (b == T_SB) {
                r->sb_len = 0;
                r->sb_overflow = false;
                r->state = ST_SB;
            } else {
                r->state = ST_DATA; /* NOP, AYT, GA, ... : nothing to do */
            }
            break;
        case ST_OPT:
            negotiate(r, r->verb, b);
            r->state = ST_DATA;
            break;
        case ST_SB:
            if (b == T_IAC) {
                r->state = ST_SB_IAC;
            } else if (r->sb_len < sizeof(r->sb)) {
                r->sb[r->sb_len++] = b;
            } else {
                r->sb_overflow = true;
            }
            break;
        case ST_SB_IAC:
            if (b == T_SE) {
                subnegotiation(r);
                r->state = ST_DATA;
            } else if (b == T_IAC) {
                if (r->sb_len < sizeof(r->sb)) {
                    r->sb[r->sb_len++] = b;
                } else {
                    r->sb_overflow = true;
                }
                r->state = ST_SB;
            } else {
                /* IAC <other> inside SB is malformed: end the subnegotiation without acting
                 * and treat the byte as a new command. */
                r->state = ST_IAC;
                i--;
            }
            break;
        default:
            r->state = ST_DATA;
            break;
        }
        run = i + 1;
    }
    if (r->state == ST_DATA && len > run && r->hooks.data != NULL) {
        r->hooks.data(r->hooks.ctx, in + run, len - run);
    }
}

size_t rfc2217_escape(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        out[k++] = in[i];
        if (in[i] == T_IAC) {
            out[k++] = T_IAC;
        }
    }
    return k;
}
