#include "simhost.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int simhost_failures;
long simhost_checks;

void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

sim_t *host_new_sim(host_t *h, sim_chip_id_t chip, bool strict, bool no_timing)
{
    memset(h, 0, sizeof(*h));
    sim_config_t cfg = {0};
    cfg.chip = chip;
    cfg.strict = strict;
    cfg.no_timing = no_timing;
    char err[128];
    h->sim = sim_new(&cfg, err, sizeof(err));
    if (!h->sim)
        fprintf(stderr, "sim_new: %s\n", err);
    return h->sim;
}

void host_free(host_t *h)
{
    sim_free(h->sim);
    h->sim = NULL;
}

void host_advance(host_t *h, uint64_t us)
{
    h->now += us;
}

static void count_c0(host_t *h)
{
    h->c0s = 0;
    for (size_t i = 0; i < h->rxn; i++)
        h->c0s += h->rx[i] == 0xC0;
}

static void pull(host_t *h)
{
    size_t n = sim_host_read(h->sim, h->rx + h->rxn, sizeof(h->rx) - h->rxn, h->now);
    for (size_t i = 0; i < n; i++)
        h->c0s += h->rx[h->rxn + i] == 0xC0;
    h->rxn += n;
}

size_t host_read_text(host_t *h, char *buf, size_t cap, uint64_t wait_us)
{
    h->now += wait_us;
    pull(h);
    size_t n = h->rxn < cap - 1 ? h->rxn : cap - 1;
    memcpy(buf, h->rx, n);
    buf[n] = 0;
    memmove(h->rx, h->rx + n, h->rxn - n);
    h->rxn -= n;
    count_c0(h);
    return n;
}

void host_send_raw(host_t *h, const uint8_t *d, size_t n)
{
    sim_host_write(h->sim, d, n, h->now);
}

void host_send_frame(host_t *h, const uint8_t *body, size_t n)
{
    uint8_t *buf = malloc(2 * n + 2);
    size_t k = 0;
    buf[k++] = 0xC0;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == 0xC0) {
            buf[k++] = 0xDB;
            buf[k++] = 0xDC;
        } else if (body[i] == 0xDB) {
            buf[k++] = 0xDB;
            buf[k++] = 0xDD;
        } else {
            buf[k++] = body[i];
        }
    }
    buf[k++] = 0xC0;
    host_send_raw(h, buf, k);
    free(buf);
}

void host_send_cmd(host_t *h, uint8_t op, const uint8_t *payload, size_t n, uint32_t chk)
{
    uint8_t *b = malloc(n + 8);
    b[0] = 0;
    b[1] = op;
    b[2] = (uint8_t)n;
    b[3] = (uint8_t)(n >> 8);
    put32(b + 4, chk);
    if (n)
        memcpy(b + 8, payload, n);
    host_send_frame(h, b, n + 8);
    free(b);
}

/* Try to cut one frame out of h->rx. */
static bool take_frame(host_t *h, frame_t *f)
{
    size_t i = 0;
    while (i < h->rxn && h->rx[i] != 0xC0)
        i++;
    if (i == h->rxn) {
        h->rxn = 0; /* garbage (e.g. banner text) */
        h->c0s = 0;
        return false;
    }
    size_t j = i + 1;
    while (j < h->rxn && h->rx[j] != 0xC0)
        j++;
    if (j == h->rxn) {
        memmove(h->rx, h->rx + i, h->rxn - i);
        h->rxn -= i;
        count_c0(h);
        return false;
    }
    f->n = 0;
    for (size_t k = i + 1; k < j; k++) {
        uint8_t b = h->rx[k];
        if (b == 0xDB && k + 1 < j) {
            k++;
            b = h->rx[k] == 0xDC ? 0xC0 : h->rx[k] == 0xDD ? 0xDB : h->rx[k];
        }
        if (f->n < sizeof(f->d))
            f->d[f->n++] = b;
    }
    memmove(h->rx, h->rx + j + 1, h->rxn - j - 1);
    h->rxn -= j + 1;
    count_c0(h);
    f->at = h->now;
    return true;
}

bool host_read_frame(host_t *h, frame_t *f, uint64_t timeout_us)
{
    uint64_t deadline = h->now + timeout_us;
    for (;;) {
        pull(h);
        while (h->c0s >= 2) {
            if (take_frame(h, f)) {
                if (f->n == 0)
                    continue; /* empty frames (C0 C0) are skipped like esptool does */
                return true;
            }
            break;
        }
        uint64_t next = sim_next_event_us(h->sim);
        if (next > deadline) {
            h->now = deadline;
            pull(h);
            if (take_frame(h, f) && f->n > 0)
                return true;
            return false;
        }
        if (next > h->now)
            h->now = next;
    }
}

int host_count_frames(host_t *h, frame_t *last, uint64_t quiet_us)
{
    int n = 0;
    frame_t f;
    while (host_read_frame(h, &f, quiet_us)) {
        n++;
        if (last)
            *last = f;
    }
    return n;
}

size_t build_sync(uint8_t *p)
{
    p[0] = 0x07;
    p[1] = 0x07;
    p[2] = 0x12;
    p[3] = 0x20;
    memset(p + 4, 0x55, 32);
    return 36;
}

uint8_t xor_checksum(const uint8_t *d, size_t n)
{
    uint8_t c = 0xEF;
    for (size_t i = 0; i < n; i++)
        c ^= d[i];
    return c;
}

size_t build_data(uint8_t *p, const uint8_t *data, uint32_t len, uint32_t seq, uint32_t *chk)
{
    put32(p, len);
    put32(p + 4, seq);
    put32(p + 8, 0);
    put32(p + 12, 0);
    memcpy(p + 16, data, len);
    if (chk)
        *chk = xor_checksum(data, len);
    return 16 + len;
}

size_t build_words(uint8_t *p, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        put32(p + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    return 4u * (size_t)n;
}

int host_cmd(host_t *h, uint8_t op, const uint8_t *payload, size_t n, uint32_t chk, frame_t *out)
{
    frame_t f;
    host_send_cmd(h, op, payload, n, chk);
    while (host_read_frame(h, &f, 30000000)) {
        if (f.n < 8 || f.d[0] != 1 || f.d[1] != op)
            continue;
        if (out)
            *out = f;
        size_t sz = f.d[2] | f.d[3] << 8;
        /* status: first byte of the status block; ROM 4 bytes, stub/ESP8266 2 */
        size_t stlen = (h->stub || sim_chip(h->sim) == SIM_CHIP_ESP8266) ? 2 : 4;
        if (sz < stlen)
            return -2;
        const uint8_t *st = f.d + 8 + sz - stlen;
        if (h->stub)
            return st[0];
        return st[0] ? st[1] : 0;
    }
    return -1;
}

int host_sync(host_t *h)
{
    uint8_t p[36];
    build_sync(p);
    host_send_cmd(h, 0x08, p, 36, 0);
    frame_t f;
    int n = 0;
    while (host_read_frame(h, &f, 100000)) {
        if (f.n >= 8 && f.d[1] == 0x08)
            n++;
    }
    return n;
}

uint32_t host_read_reg(host_t *h, uint32_t addr)
{
    uint8_t p[4];
    put32(p, addr);
    frame_t f;
    if (host_cmd(h, 0x0A, p, 4, 0, &f) != 0)
        return 0xDEADDEAD;
    return get32(f.d + 4);
}

void host_write_reg(host_t *h, uint32_t addr, uint32_t value)
{
    uint8_t p[16];
    build_words(p, 4, addr, value, 0xFFFFFFFFu, 0u);
    CHECK_EQ(host_cmd(h, 0x09, p, 16, 0, NULL), 0);
}

bool host_start_stub(host_t *h)
{
    /* Any bytes will do: the sim does not execute them (it plays the stub's part). */
    static uint8_t text[3540], data[156];
    uint8_t p[16 + 3540];
    uint32_t chk;
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)(i * 13 + 7);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 5 + 1);
    build_words(p, 4, (uint32_t)sizeof(text), 1u, 0x1800u, 0x400BE000u);
    if (host_cmd(h, 0x05, p, 16, 0, NULL) != 0)
        return false;
    size_t n = build_data(p, text, sizeof(text), 0, &chk);
    if (host_cmd(h, 0x07, p, n, chk, NULL) != 0)
        return false;
    build_words(p, 4, (uint32_t)sizeof(data), 1u, 0x1800u, 0x3FFDEBACu);
    if (host_cmd(h, 0x05, p, 16, 0, NULL) != 0)
        return false;
    n = build_data(p, data, sizeof(data), 0, &chk);
    if (host_cmd(h, 0x07, p, n, chk, NULL) != 0)
        return false;
    build_words(p, 2, 0u, 0x400BE658u);
    if (host_cmd(h, 0x06, p, 8, 0, NULL) != 0)
        return false;
    frame_t f;
    if (!host_read_frame(h, &f, 1000000))
        return false;
    h->stub = f.n == 4 && memcmp(f.d, "OHAI", 4) == 0;
    return h->stub;
}
