/* The scripted fake target: see fake_port.h. Test code, so malloc and cmocka are fine here. */
#include "fake_port.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A library that loops without making progress must fail the test, not hang it. */
#define FP_CALL_LIMIT 2000000u

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void count_call(fake_port_t *fp)
{
    if (++fp->calls > FP_CALL_LIMIT)
        fail_msg("library made more than %u port calls: it does not make progress", FP_CALL_LIMIT);
}

/* Drop arrival marks whose time has come. */
static void prune_marks(fake_port_t *fp)
{
    size_t i = 0, j;
    while (i < fp->nmarks && (int32_t)(fp->now - fp->marks[i].at) >= 0)
        i++;
    for (j = i; j < fp->nmarks; j++)
        fp->marks[j - i] = fp->marks[j];
    fp->nmarks -= i;
}

/* Bytes queued from now on arrive at time at (not before anything queued earlier). */
static void arrive_at(fake_port_t *fp, uint32_t at)
{
    assert_true(fp->nmarks < sizeof(fp->marks) / sizeof(fp->marks[0]));
    if (fp->nmarks && (int32_t)(at - fp->marks[fp->nmarks - 1].at) < 0)
        at = fp->marks[fp->nmarks - 1].at;
    fp->marks[fp->nmarks].pos = fp->rx_len;
    fp->marks[fp->nmarks].at = at;
    fp->nmarks++;
}

static void add_event(fake_port_t *fp, fp_event_t ev)
{
    ev.at = fp->now;
    if (fp->nevents < FP_MAX_EVENTS)
        fp->events[fp->nevents++] = ev;
}

void fp_queue(fake_port_t *fp, const uint8_t *bytes, size_t len)
{
    prune_marks(fp);
    if (fp->rx_pos == fp->rx_len && fp->nmarks == 0)
        fp->rx_pos = fp->rx_len = 0;
    assert_true(fp->rx_len + len <= FP_RX_MAX);
    memcpy(fp->rx + fp->rx_len, bytes, len);
    fp->rx_len += len;
}

void fp_queue_frame(fake_port_t *fp, const uint8_t *body, size_t len)
{
    static uint8_t out[2 * FP_FRAME_MAX + 2];
    size_t i, o = 0;
    out[o++] = 0xC0;
    for (i = 0; i < len; i++) {
        if (body[i] == 0xC0 || body[i] == 0xDB) {
            out[o++] = 0xDB;
            out[o++] = body[i] == 0xC0 ? 0xDC : 0xDD;
        } else {
            out[o++] = body[i];
        }
    }
    out[o++] = 0xC0;
    fp_queue(fp, out, o);
}

size_t fp_build_resp(uint8_t *out, uint8_t op, uint32_t value, const uint8_t *data, size_t data_len,
                     const uint8_t *status, size_t status_len)
{
    uint8_t body[8 + 128];
    size_t n = 0, i, o = 0;
    body[n++] = 0x01;
    body[n++] = op;
    body[n++] = (uint8_t)(data_len + status_len);
    body[n++] = (uint8_t)((data_len + status_len) >> 8);
    put32(body + n, value);
    n += 4;
    assert_true(data_len + status_len <= 128);
    if (data_len)
        memcpy(body + n, data, data_len);
    n += data_len;
    memcpy(body + n, status, status_len);
    n += status_len;
    out[o++] = 0xC0;
    for (i = 0; i < n; i++) {
        if (body[i] == 0xC0) {
            out[o++] = 0xDB;
            out[o++] = 0xDC;
        } else if (body[i] == 0xDB) {
            out[o++] = 0xDB;
            out[o++] = 0xDD;
        } else {
            out[o++] = body[i];
        }
    }
    out[o++] = 0xC0;
    return o;
}

static void reply(fake_port_t *fp, uint8_t op, uint32_t value, const uint8_t *data, size_t data_len,
                  bool ok, uint8_t code, unsigned repeat)
{
    uint8_t st[4] = {0, 0, 0, 0};
    uint8_t out[300];
    size_t slen, n;
    unsigned i;
    if (fp->stub) {
        slen = 2;
        st[0] = ok ? 0 : code; /* stub: error code in the first byte */
    } else {
        slen = fp->status_len;
        if (ok) {
            if (fp->stale_status) { /* the real ROMs leave bytes 1..3 of a reused buffer */
                st[1] = 0x05;
                st[2] = 0x38;
                st[3] = 0x31;
            }
        } else {
            st[0] = 1;
            st[1] = code;
            if (fp->stale_status && slen == 4) {
                st[2] = 0x02;
                st[3] = 0x03;
            }
        }
    }
    n = fp_build_resp(out, op, value, data, data_len, st, slen);
    for (i = 0; i < repeat; i++) {
        if (i > 0 && fp->pace_ms) /* copies trickle in */
            arrive_at(fp, (fp->nmarks ? fp->marks[fp->nmarks - 1].at : fp->now) + fp->pace_ms);
        if (fp->noise)
            fp_queue(fp, (const uint8_t *)fp->noise, strlen(fp->noise));
        fp_queue(fp, out, n);
    }
}

static uint32_t reg_value(const fake_port_t *fp, uint32_t addr)
{
    size_t i;
    for (i = 0; i < fp->nregs; i++)
        if (fp->regs[i].addr == addr)
            return fp->regs[i].value;
    return 0;
}

void fp_set_reg(fake_port_t *fp, uint32_t addr, uint32_t value)
{
    size_t i;
    for (i = 0; i < fp->nregs; i++) {
        if (fp->regs[i].addr == addr) {
            fp->regs[i].value = value;
            return;
        }
    }
    assert_true(fp->nregs < FP_MAX_REGS);
    fp->regs[fp->nregs].addr = addr;
    fp->regs[fp->nregs].value = value;
    fp->nregs++;
}

fp_rule_t *fp_add_rule(fake_port_t *fp, uint8_t op, const uint8_t *reply_bytes, size_t reply_len,
                       unsigned repeat)
{
    fp_rule_t *r;
    assert_true(fp->nrules < FP_MAX_RULES);
    assert_true(reply_len <= sizeof(r->reply));
    r = &fp->rules[fp->nrules++];
    memset(r, 0, sizeof(*r));
    r->op = op;
    if (reply_len)
        memcpy(r->reply, reply_bytes, reply_len);
    r->reply_len = reply_len;
    r->repeat = repeat;
    return r;
}

static bool rom_supports(const fake_port_t *fp, uint8_t op)
{
    if (op >= 0xD0)
        return false; /* stub-only commands */
    if (fp->rom_8266 &&
        (op == 0x0B || op == 0x0D || op == 0x0E || op == 0x0F || (op >= 0x10 && op <= 0x14)))
        return false;
    if (op == 0x14 && fp->no_sec_info)
        return false;
    if (fp->read_reg_unsupported) { /* Secure Download Mode whitelist (docs/protocol.md §4) */
        switch (op) {
        case 0x08:
        case 0x0D:
        case 0x0B:
        case 0x0F:
        case 0x02:
        case 0x03:
        case 0x04:
        case 0x14:
            return true;
        default:
            return false;
        }
    }
    return true;
}

static bool in_flash(const fake_port_t *fp, uint32_t addr, uint32_t len)
{
    return addr <= fp->flash_size && len <= fp->flash_size - addr;
}

static void md5_reply(fake_port_t *fp, uint8_t op, uint32_t value, uint32_t addr, uint32_t len,
                      bool raw_frame)
{
    static const char hexd[] = "0123456789abcdef";
    esploader_md5_t c;
    uint8_t d[16], text[32];
    size_t i;
    esploader_md5_init(&c);
    esploader_md5_update(&c, fp->flash + addr, len);
    esploader_md5_final(&c, d);
    if (fp->md5_corrupt)
        d[3] ^= 0x10;
    if (raw_frame) {
        fp_queue_frame(fp, d, 16);
    } else if (fp->stub) {
        reply(fp, op, value, d, 16, true, 0, 1);
    } else {
        for (i = 0; i < 16; i++) {
            text[2 * i] = (uint8_t)hexd[d[i] >> 4];
            text[2 * i + 1] = (uint8_t)hexd[d[i] & 15];
        }
        reply(fp, op, value, text, 32, true, 0, 1);
    }
}

static void stream_next(fake_port_t *fp)
{
    uint32_t left = fp->rd.len - fp->rd.sent;
    uint32_t n = left < fp->rd.packet ? left : fp->rd.packet;
    if (left == 0) {
        md5_reply(fp, 0xD2, 0, fp->rd.addr, fp->rd.len, true);
        fp->rd.active = false;
        return;
    }
    fp_queue_frame(fp, fp->flash + fp->rd.addr + fp->rd.sent, n);
    fp->rd.sent += n;
}

/* The flash-related commands when the fake has a flash. Returns false to fall through to the
 * plain model. */
static bool flash_model(fake_port_t *fp, uint8_t op, const uint8_t *pl, size_t plen, uint32_t value)
{
    uint32_t a = plen >= 4 ? get32(pl) : 0, b = plen >= 8 ? get32(pl + 4) : 0;
    switch (op) {
    case 0x02: /* FLASH_BEGIN: erase_size, blocks, block_size, offset */
    case 0x10: {
        uint32_t off = plen >= 16 ? get32(pl + 12) : 0, end;
        if (plen < 16 || !in_flash(fp, off, a)) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0xC0 : 0x01, 1);
            return true;
        }
        fp->wr_ptr = off;
        fp->wr_left = a;
        fp->next_seq = 0;
        end = (off + a + 0xFFF) & ~0xFFFu; /* erase whole sectors */
        if (end > fp->flash_size)
            end = fp->flash_size;
        if (op == 0x02)
            memset(fp->flash + (off & ~0xFFFu), 0xFF, end - (off & ~0xFFFu));
        reply(fp, op, value, NULL, 0, true, 0, 1);
        return true;
    }
    case 0x03: { /* FLASH_DATA: len, seq, 0, 0, data */
        uint8_t chk = 0xEF;
        uint32_t i, n;
        if (plen < 16 || a != plen - 16) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0xC0 : 0x05, 1);
            return true;
        }
        if (b != fp->next_seq) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0xC3 : 0x05, 1);
            return true;
        }
        fp->next_seq++; /* the real ROMs advance even on a checksum error */
        for (i = 0; i < a; i++)
            chk ^= pl[16 + i];
        if (chk != fp->cur_chk) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0xC1 : 0x07, 1);
            return true;
        }
        n = fp->stub && a > fp->wr_left ? fp->wr_left : a; /* the stub drops the padding */
        if (!in_flash(fp, fp->wr_ptr, n)) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0xC4 : 0x08, 1);
            return true;
        }
        for (i = 0; i < n; i++)
            fp->flash[fp->wr_ptr + i] &= pl[16 + i]; /* NOR: programming only clears bits */
        fp->wr_ptr += a;
        fp->wr_left = fp->wr_left > a ? fp->wr_left - a : 0;
        reply(fp, op, value, NULL, 0, true, 0, 1);
        return true;
    }
    case 0x0E: /* READ_FLASH_SLOW: always 64 data bytes */
        if (b > 64 || !in_flash(fp, a, 64)) {
            uint8_t junk[64];
            memset(junk, 0x5A, sizeof(junk));
            reply(fp, op, value, junk, 64, false, 0x0A, 1);
            return true;
        }
        reply(fp, op, value, fp->flash + a, 64, true, 0, 1);
        return true;
    case 0x13: /* SPI_FLASH_MD5: addr, size, 0, 0 */
        if (!in_flash(fp, a, b)) {
            reply(fp, op, value, NULL, 0, false, fp->stub ? 0x63 : 0x09, 1);
            return true;
        }
        md5_reply(fp, op, value, a, b, false);
        return true;
    case 0xD0:
        memset(fp->flash, 0xFF, fp->flash_size);
        reply(fp, op, value, NULL, 0, true, 0, 1);
        return true;
    case 0xD1:
        if (a & 0xFFF) {
            reply(fp, op, value, NULL, 0, false, 0x32, 1);
        } else if (b & 0xFFF) {
            reply(fp, op, value, NULL, 0, false, 0x33, 1);
        } else if (!in_flash(fp, a, b)) {
            reply(fp, op, value, NULL, 0, false, 0x35, 1);
        } else {
            memset(fp->flash + a, 0xFF, b);
            reply(fp, op, value, NULL, 0, true, 0, 1);
        }
        return true;
    case 0xD2: /* READ_FLASH: offset, length, packet_size, max_in_flight */
        if (plen < 16 || !in_flash(fp, a, b) || get32(pl + 8) == 0) {
            reply(fp, op, value, NULL, 0, false, 0xC0, 1);
            return true;
        }
        reply(fp, op, value, NULL, 0, true, 0, 1);
        fp->rd.active = true;
        fp->rd.addr = a;
        fp->rd.len = b;
        fp->rd.packet = get32(pl + 8);
        fp->rd.sent = fp->rd.acked = 0;
        stream_next(fp); /* one packet in flight, as the legacy stub effectively does */
        return true;
    default:
        return false;
    }
}

static void model(fake_port_t *fp, const uint8_t *f, size_t len)
{
    uint8_t op = f[1];
    const uint8_t *pl = f + 8;
    size_t plen = len - 8;
    uint32_t value;
    size_t i;

    if (op == 0x08) {
        fp->syncs_seen++;
        if (fp->syncs_seen <= fp->sync_ignore)
            return;
        value = fp->stub ? 0 : 0x20120707;
        fp->sticky = value;
        fp->last_op = op;
        reply(fp, op, value, NULL, 0, true, 0, 8);
        return;
    }
    if (fp->stub) {
        if ((op == 0x14 && fp->no_sec_info) || op == 0x0E) { /* legacy stub: CMD_NOT_IMPLEMENTED */
            reply(fp, op, 0, NULL, 0, false, 0xFF, 1);
            return;
        }
    } else if (!rom_supports(fp, op)) {
        /* The real ROMs re-send their last reply header with 01 05: 8 times if that was a
         * SYNC reply, else once (traces/README.md). */
        reply(fp, fp->last_op, fp->sticky, NULL, 0, false, 0x05, fp->last_op == 0x08 ? 8 : 1);
        return;
    }
    fp->last_op = op;
    value = fp->stub ? 0 : fp->sticky;
    if (fp->flash && flash_model(fp, op, pl, plen, value))
        return;
    switch (op) {
    case 0x0A: /* READ_REG */
        value = plen >= 4 ? reg_value(fp, get32(pl)) : 0;
        if (!fp->stub)
            fp->sticky = value;
        reply(fp, op, value, NULL, 0, true, 0, 1);
        break;
    case 0x09: /* WRITE_REG: apply each record with its mask */
        for (i = 0; i + 16 <= plen; i += 16) {
            uint32_t a = get32(pl + i), v = get32(pl + i + 4), m = get32(pl + i + 8);
            fp_set_reg(fp, a, (v & m) | (reg_value(fp, a) & ~m));
            if (fp->spi_base && a == fp->spi_base && (reg_value(fp, a) & (1u << 18))) {
                /* a user command: run the opcode from USR2, result in W0, CMD bit clears */
                uint8_t opcode = (uint8_t)reg_value(fp, fp->spi_usr2);
                fp_set_reg(fp, fp->spi_w0, opcode == 0x9F ? fp->jedec : 0);
                fp_set_reg(fp, a, reg_value(fp, a) & ~(1u << 18));
            }
        }
        reply(fp, op, value, NULL, 0, true, 0, 1);
        break;
    case 0x14:
        reply(fp, op, value, fp->sec_info, fp->sec_info_len, true, 0, 1);
        break;
    case 0x0E: {
        uint8_t zero[64] = {0};
        reply(fp, op, value, zero, 64, true, 0, 1);
        break;
    }
    case 0x0F: {
        static const uint8_t empty[2] = {0xC0, 0xC0};
        reply(fp, op, value, NULL, 0, true, 0, 1);
        if (!fp->stub)
            fp_queue(fp, empty, 2); /* the ROMs follow the reply with C0 C0 */
        break;
    }
    case 0x06: { /* MEM_END: with an entry point the uploaded code starts */
        static const uint8_t ohai[6] = {0xC0, 'O', 'H', 'A', 'I', 0xC0};
        reply(fp, op, value, NULL, 0, true, 0, 1);
        if (!fp->stub && plen >= 8 && get32(pl) == 0) {
            fp_queue(fp, ohai, 6);
            fp_stub_mode(fp);
        }
        break;
    }
    default:
        reply(fp, op, value, NULL, 0, true, 0, 1);
        break;
    }
}

static void host_frame(fake_port_t *fp, const uint8_t *f, size_t len)
{
    size_t i;
    fp_event_t ev;
    memset(&ev, 0, sizeof(ev));
    if (len == 0)
        return;
    if (fp->nframes < FP_MAX_FRAMES) {
        memcpy(fp->frames[fp->nframes].bytes, f, len);
        fp->frames[fp->nframes].len = len;
        ev.kind = FP_EV_WRITE;
        ev.frame = fp->nframes;
        add_event(fp, ev);
        fp->nframes++;
    }
    if (!fp->present)
        return;
    if (fp->rd.active && len == 4) { /* READ_FLASH ack: total bytes received so far */
        if (get32(f) != fp->rd.sent)
            fp->rd.bad_acks++;
        fp->rd.acked = get32(f);
        stream_next(fp);
        return;
    }
    if (len < 8 || f[0] != 0x00)
        return;
    fp->cur_chk = f[4];
    for (i = 0; i < fp->nrules; i++) {
        fp_rule_t *r = &fp->rules[i];
        if (r->op != f[1])
            continue;
        if (r->prefix_len && (len < 8 + r->prefix_len || memcmp(f + 8, r->prefix, r->prefix_len)))
            continue;
        if (r->uses && r->matched >= r->uses)
            continue;
        if (r->skip) {
            r->skip--;
            return;
        }
        r->matched++;
        if (!r->silent) {
            unsigned k;
            if (r->delay_ms) /* the target works (erases, hashes) before it answers */
                arrive_at(fp, fp->now + r->delay_ms);
            for (k = 0; k < r->repeat; k++)
                fp_queue(fp, r->reply, r->reply_len);
            fp->last_op = f[1];
        }
        return;
    }
    if (fp->op_delay_ms[f[1]])
        arrive_at(fp, fp->now + fp->op_delay_ms[f[1]]);
    model(fp, f, len);
}

static int32_t fp_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    fake_port_t *fp = ctx;
    size_t i;
    (void)timeout_ms;
    count_call(fp);
    if (fp->write_error)
        return fp->write_error;
    for (i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (!fp->in_frame) {
            if (b == 0xC0) {
                fp->in_frame = true;
                fp->cur_len = 0;
                fp->esc = false;
            }
            continue;
        }
        if (b == 0xC0) {
            if (fp->cur_len == 0)
                continue; /* C0 C0: treat the second as the start of the frame */
            host_frame(fp, fp->cur, fp->cur_len);
            fp->in_frame = false;
            continue;
        }
        if (fp->esc) {
            fp->esc = false;
            b = b == 0xDC ? 0xC0 : b == 0xDD ? 0xDB : b;
        } else if (b == 0xDB) {
            fp->esc = true;
            continue;
        }
        if (fp->cur_len < FP_FRAME_MAX)
            fp->cur[fp->cur_len++] = b;
    }
    return 0;
}

static int32_t fp_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_port_t *fp = ctx;
    size_t n;
    count_call(fp);
    fp->read_calls++;
    if (fp->read_error)
        return fp->read_error;
    if (len > fp->read_bytes_asked_max)
        fp->read_bytes_asked_max = len;
    prune_marks(fp);
    if (fp->nmarks && fp->rx_pos >= fp->marks[0].pos) {
        /* the next bytes are still on their way */
        if (timeout_ms < fp->marks[0].at - fp->now) {
            fp->now += timeout_ms;
            return 0;
        }
        fp->now = fp->marks[0].at; /* they arrive within this read's timeout */
        prune_marks(fp);
    }
    if (fp->rx_pos >= fp->rx_len) {
        fp->now += timeout_ms; /* nothing came: the whole timeout passes */
        return 0;
    }
    n = (fp->nmarks ? fp->marks[0].pos : fp->rx_len) - fp->rx_pos;
    if (n > len)
        n = len;
    if (fp->max_read_chunk && n > fp->max_read_chunk)
        n = fp->max_read_chunk;
    memcpy(buf, fp->rx + fp->rx_pos, n);
    fp->rx_pos += n;
    return (int32_t)n;
}

static int32_t fp_set_lines(void *ctx, int dtr, int rts)
{
    fake_port_t *fp = ctx;
    fp_event_t ev;
    int old_rts = fp->rts;
    count_call(fp);
    if (dtr != ESPLOADER_LINE_KEEP)
        fp->dtr = dtr;
    if (rts != ESPLOADER_LINE_KEEP)
        fp->rts = rts;
    memset(&ev, 0, sizeof(ev));
    ev.kind = FP_EV_LINES;
    ev.dtr = fp->dtr;
    ev.rts = fp->rts;
    add_event(fp, ev);
    /* EN rises: the chip boots and prints its banner */
    if (old_rts == ESPLOADER_LINE_ASSERT && fp->rts == ESPLOADER_LINE_RELEASE && fp->banner)
        fp_queue(fp, (const uint8_t *)fp->banner, strlen(fp->banner));
    return 0;
}

static int32_t fp_set_baudrate(void *ctx, uint32_t baud)
{
    fake_port_t *fp = ctx;
    fp_event_t ev;
    count_call(fp);
    fp->baud = baud;
    memset(&ev, 0, sizeof(ev));
    ev.kind = FP_EV_BAUD;
    ev.baud = baud;
    add_event(fp, ev);
    return 0;
}

static void fp_delay(void *ctx, uint32_t ms)
{
    fake_port_t *fp = ctx;
    fp_event_t ev;
    count_call(fp);
    memset(&ev, 0, sizeof(ev));
    ev.kind = FP_EV_DELAY;
    ev.ms = ms;
    add_event(fp, ev);
    fp->now += ms;
}

static uint32_t fp_now(void *ctx)
{
    fake_port_t *fp = ctx;
    count_call(fp);
    return fp->now;
}

const esploader_port_ops_t fp_ops = {
    .write = fp_write,
    .read = fp_read,
    .set_lines = fp_set_lines,
    .set_baudrate = fp_set_baudrate,
    .delay_ms = fp_delay,
    .now_ms = fp_now,
};

void fp_init(fake_port_t *fp)
{
    memset(fp, 0, sizeof(*fp));
    fp->frames = calloc(FP_MAX_FRAMES, sizeof(fp_frame_t));
    assert_non_null(fp->frames);
    fp->present = true;
    fp->status_len = 4;
    fp->baud = 115200;
    fp->now = 1000; /* not zero, so "elapsed" arithmetic is exercised */
}

void fp_free(fake_port_t *fp)
{
    free(fp->frames);
    fp->frames = NULL;
    free(fp->flash);
    fp->flash = NULL;
}

void fp_with_flash(fake_port_t *fp, uint32_t size)
{
    fp->flash = malloc(size);
    assert_non_null(fp->flash);
    memset(fp->flash, 0xFF, size);
    fp->flash_size = size;
}

void fp_stub_mode(fake_port_t *fp)
{
    fp->stub = true;
    fp->sticky = 0;
}

void fp_chip_rom(fake_port_t *fp, esploader_chip_t chip)
{
    static const struct {
        esploader_chip_t chip;
        uint32_t id;
    } ids[] = {
        {ESPLOADER_CHIP_ESP32S3, 9},   {ESPLOADER_CHIP_ESP32C2, 12},  {ESPLOADER_CHIP_ESP32C3, 5},
        {ESPLOADER_CHIP_ESP32C5, 23},  {ESPLOADER_CHIP_ESP32C6, 13},  {ESPLOADER_CHIP_ESP32C61, 20},
        {ESPLOADER_CHIP_ESP32H2, 16},  {ESPLOADER_CHIP_ESP32P4, 18},  {ESPLOADER_CHIP_ESP32S31, 32},
        {ESPLOADER_CHIP_ESP32E22, 31}, {ESPLOADER_CHIP_ESP32H21, 25}, {ESPLOADER_CHIP_ESP32H4, 28},
    };
    static const struct {
        esploader_chip_t chip;
        uint32_t base, usr2, w0;
    } spi[] = {
        {ESPLOADER_CHIP_ESP8266, 0x60000200, 0x24, 0x40},
        {ESPLOADER_CHIP_ESP32, 0x3FF42000, 0x24, 0x80},
        {ESPLOADER_CHIP_ESP32S2, 0x3F402000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32S3, 0x60002000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32C2, 0x60002000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32C3, 0x60002000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32C5, 0x60003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32C6, 0x60003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32C61, 0x60003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32H2, 0x60003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32P4, 0x5008D000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32S31, 0x20501000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32E22, 0xC3003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32H21, 0x60003000, 0x20, 0x58},
        {ESPLOADER_CHIP_ESP32H4, 0x60099000, 0x20, 0x58},
    };
    size_t i;
    for (i = 0; i < sizeof(spi) / sizeof(spi[0]); i++) {
        if (spi[i].chip == chip) {
            fp->spi_base = spi[i].base;
            fp->spi_usr2 = spi[i].base + spi[i].usr2;
            fp->spi_w0 = spi[i].base + spi[i].w0;
        }
    }
    fp->jedec = 0x001640C8; /* GigaDevice 4 MB, as in the traces */
    fp->status_len = 4;
    memset(fp->sec_info, 0, sizeof(fp->sec_info));
    fp->sec_info[11] = 0x0C; /* key purposes as in the C3 trace */
    switch (chip) {
    case ESPLOADER_CHIP_ESP8266:
        fp->status_len = 2;
        fp->no_sec_info = true;
        fp->rom_8266 = true;
        fp_set_reg(fp, 0x40001000, 0xFFF0C101);
        return;
    case ESPLOADER_CHIP_ESP32:
        fp->no_sec_info = true;
        fp_set_reg(fp, 0x40001000, 0x00F01D83);
        return;
    case ESPLOADER_CHIP_ESP32S2:
        fp->sec_info_len = 12;
        fp_set_reg(fp, 0x40001000, 0x000007C6);
        return;
    default:
        break;
    }
    fp->sec_info_len = 20;
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (ids[i].chip == chip)
            put32(fp->sec_info + 12, ids[i].id);
    put32(fp->sec_info + 16, 1);
}

size_t fp_count_op(const fake_port_t *fp, uint8_t op)
{
    size_t i, n = 0;
    for (i = 0; i < fp->nframes; i++)
        if (fp->frames[i].len >= 8 && fp->frames[i].bytes[0] == 0 && fp->frames[i].bytes[1] == op)
            n++;
    return n;
}

const fp_frame_t *fp_find_op(const fake_port_t *fp, uint8_t op, size_t nth)
{
    size_t i;
    for (i = 0; i < fp->nframes; i++)
        if (fp->frames[i].len >= 8 && fp->frames[i].bytes[0] == 0 && fp->frames[i].bytes[1] == op &&
            nth-- == 0)
            return &fp->frames[i];
    return NULL;
}

long fp_index_of(const fake_port_t *fp, uint8_t op, size_t from)
{
    size_t i;
    for (i = from; i < fp->nframes; i++)
        if (fp->frames[i].len >= 8 && fp->frames[i].bytes[0] == 0 && fp->frames[i].bytes[1] == op)
            return (long)i;
    return -1;
}

void fp_config(fake_port_t *fp, esploader_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = &fp_ops;
    cfg->port_ctx = fp;
    cfg->before = ESPLOADER_BEFORE_NO_RESET;
}
