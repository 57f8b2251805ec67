/*
 * Replays the real-ROM traces (tests/traces/ (every .trace.txt)): the host's bytes are fed to a
 * fresh sim of that chip and every chip frame is compared with what the ROM sent, byte for byte on
 * the wire, in strict mode (stale status bytes included). Frames the trace prints with a gap
 * are rebuilt from the documented test data (small.bin, its zlib stream, the probe blocks
 * B0..B3); the stub's own code (MEM_DATA) is unknown and replaced by bytes with the same
 * length and checksum. QEMU's blank eFuses and its UART divider are loaded with sim_poke32.
 *
 * Documented differences (compared field-wise, counted and printed):
 *  - SFDP: QEMU's flash model has no SFDP table (W0 reads 0); ours has one, so the value of
 *    the READ_REG of W0 after an SFDP command, and the sticky value carried by the replies
 *    that follow it, are not compared.
 *  - ESP32 after CHANGE_BAUDRATE: QEMU's ESP32 UART stops answering (traces README: "probably
 *    a QEMU ESP32 UART-model effect"); the rest of that session is not compared. The C3 ROM
 *    keeps working, and so does the sim.
 */
#define _POSIX_C_SOURCE 200809L
#include "simhost.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifndef TRACES_DIR
#define TRACES_DIR "tests/traces"
#endif

enum { EV_H2C, EV_C2H, EV_TEXT, EV_NOREPLY, EV_FRESH, EV_PREFIX };

typedef struct ev {
    int kind;
    uint8_t head[256], tail[64];
    size_t nhead, ntail;
    long gap;      /* bytes omitted between head and tail, -1 = complete */
    long body_len; /* from "wire length W = body B", -1 unknown */
    int repeat;
    char text[256];
    size_t ntext;
    char file[128]; /* EV_PREFIX */
    int nframes;    /* EV_PREFIX */
    char label[120];
} ev_t;

typedef struct evlist {
    ev_t *v;
    size_t n, cap;
} evlist_t;

static ev_t *push(evlist_t *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof(ev_t));
    }
    ev_t *e = &l->v[l->n++];
    memset(e, 0, sizeof(*e));
    e->gap = -1;
    e->body_len = -1;
    e->repeat = 1;
    return e;
}

static int parse_hex_line(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    /* an indented line of two-digit hex bytes; returns 0 if it is not one */
    const char *p = s;
    while (*p == ' ')
        p++;
    if (p - s < 4 || !*p)
        return 0;
    size_t k = 0;
    while (*p) {
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            return 0;
        if (p[2] && p[2] != ' ' && p[2] != '\n')
            return 0;
        unsigned v;
        sscanf(p, "%2x", &v);
        if (*n + k < cap)
            out[*n + k] = (uint8_t)v;
        k++;
        p += 2;
        while (*p == ' ' || *p == '\n')
            p++;
    }
    *n += k;
    return 1;
}

static void unescape_text(const char *q, ev_t *e)
{
    /* python repr between the quotes: \r \n \\ \' */
    const char *p = strchr(q, '\'');
    if (!p)
        return;
    p++;
    size_t n = 0;
    while (*p && *p != '\'' && n + 1 < sizeof(e->text)) {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            c = c == 'r' ? '\r' : c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        e->text[n++] = c;
    }
    e->ntext = n;
}

static int load(const char *name, evlist_t *l)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", TRACES_DIR, name);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char line[4096];
    ev_t *cur = NULL;
    bool tail = false, want_prefix_file = false;
    while (fgets(line, sizeof(line), fp)) {
        if (line[0] == '[') {
            cur = NULL;
            tail = false;
            char *arrow = strstr(line, "] ");
            if (!arrow)
                continue;
            arrow += 2;
            if (strncmp(arrow, "H->C", 4) == 0 || strncmp(arrow, "C->H", 4) == 0) {
                bool h2c = arrow[0] == 'H';
                if (!h2c && strstr(arrow, "TEXT, not SLIP")) {
                    ev_t *e = push(l);
                    e->kind = EV_TEXT;
                    unescape_text(strstr(arrow, "]: '") ? strstr(arrow, "]: '") + 3
                                                        : strstr(arrow, ": '") + 2,
                                  e);
                    continue;
                }
                cur = push(l);
                cur->kind = h2c ? EV_H2C : EV_C2H;
                snprintf(cur->label, sizeof(cur->label), "%.*s", (int)strcspn(line, "\n"), line);
            } else if (strstr(arrow, "-- fresh chip")) {
                push(l)->kind = EV_FRESH;
            } else if (strstr(arrow, "... frames 1-")) {
                ev_t *e = push(l);
                e->kind = EV_PREFIX;
                e->nframes = atoi(strstr(arrow, "frames 1-") + 9);
                want_prefix_file = true;
            }
            continue;
        }
        if (want_prefix_file && strstr(line, ".trace.txt")) {
            char *of = strstr(line, " of ");
            ev_t *e = &l->v[l->n - 1];
            if (of)
                sscanf(of + 4, "%127s", e->file);
            want_prefix_file = false;
            continue;
        }
        if (strstr(line, "=> NO REPLY")) {
            push(l)->kind = EV_NOREPLY;
            continue;
        }
        if (!cur)
            continue;
        char *w;
        if ((w = strstr(line, "bytes omitted)")) != NULL) {
            char *o = strstr(line, "... (");
            cur->gap = o ? atol(o + 5) : 0;
            tail = true;
        } else if ((w = strstr(line, "this exact frame ")) != NULL) {
            cur->repeat = atoi(w + 17);
        } else if ((w = strstr(line, "wire length ")) != NULL) {
            char *b = strstr(w, "= body ");
            if (b)
                cur->body_len = atol(b + 7);
        } else if (tail) {
            parse_hex_line(line, cur->tail, sizeof(cur->tail), &cur->ntail);
        } else {
            parse_hex_line(line, cur->head, sizeof(cur->head), &cur->nhead);
        }
    }
    fclose(fp);
    return 0;
}

/* Expand "frames 1-N are identical to frames 1-N of X" (recursively). */
static void expand(const char *name, evlist_t *out)
{
    evlist_t raw = {0};
    if (load(name, &raw) != 0) {
        simhost_failures++;
        return;
    }
    for (size_t i = 0; i < raw.n; i++) {
        ev_t *e = &raw.v[i];
        if (e->kind != EV_PREFIX) {
            *push(out) = *e;
            continue;
        }
        evlist_t pre = {0};
        expand(e->file, &pre);
        int frames = 0;
        bool started = false;
        for (size_t j = 0; j < pre.n && frames < e->nframes; j++) {
            ev_t *p = &pre.v[j];
            if (p->kind == EV_TEXT && !started)
                continue; /* this trace prints its own banner */
            if (p->kind == EV_H2C || p->kind == EV_C2H) {
                started = true;
                frames += p->repeat;
            }
            *push(out) = *p;
        }
        CHECK_EQ(frames, e->nframes);
        free(pre.v);
    }
    free(raw.v);
}

/* ---- test data the traces name ---- */

static uint8_t small_bin[3072], small_z[1024], blocks[4][1024];
static size_t small_zlen;

static void make_data(void)
{
    for (int i = 0; i < 256; i++)
        small_bin[i] = (uint8_t)i;
    size_t n = 256;
    for (int line = 0; n < sizeof(small_bin); line++) {
        char buf[64];
        int k = snprintf(buf, sizeof(buf), "ESP serial-loader trace test data, line %04d.\n", line);
        for (int i = 0; i < k && n < sizeof(small_bin); i++)
            small_bin[n++] = (uint8_t)buf[i];
    }
    uLongf zl = sizeof(small_z);
    compress2(small_z, &zl, small_bin, sizeof(small_bin), 9);
    small_zlen = zl;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 1024; i++)
            blocks[k][i] = (uint8_t)(7 * i + 1 + 16 * k);
}

static size_t slip(const uint8_t *b, size_t n, uint8_t *out)
{
    size_t k = 0;
    out[k++] = 0xC0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0xC0 || b[i] == 0xDB) {
            out[k++] = 0xDB;
            out[k++] = b[i] == 0xC0 ? 0xDC : 0xDD;
        } else {
            out[k++] = b[i];
        }
    }
    out[k++] = 0xC0;
    return k;
}

static size_t unslip(const uint8_t *w, size_t n, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] == 0xC0)
            continue;
        if (w[i] == 0xDB && i + 1 < n) {
            i++;
            out[k++] = w[i] == 0xDC ? 0xC0 : w[i] == 0xDD ? 0xDB : w[i];
        } else {
            out[k++] = w[i];
        }
    }
    return k;
}

static bool matches(const ev_t *e, const uint8_t *w, size_t n)
{
    if (e->gap < 0)
        return n == e->nhead && memcmp(w, e->head, n) == 0;
    return n == e->nhead + (size_t)e->gap + e->ntail && memcmp(w, e->head, e->nhead) == 0 &&
           memcmp(w + n - e->ntail, e->tail, e->ntail) == 0;
}

static int synthesized;

/* Rebuild the wire bytes of a host frame the trace printed with a gap. */
static size_t rebuild(const ev_t *e, uint8_t *wire)
{
    uint8_t body[0x4100], hb[256];
    size_t nh = unslip(e->head, e->nhead, hb);
    size_t blen = e->body_len >= 0 ? (size_t)e->body_len : e->nhead + (size_t)e->gap + e->ntail - 2;
    if (nh < 16 || blen < 24 || blen > sizeof(body))
        return 0;
    memset(body, 0, 24); /* the trace shows at least the header and data_len/seq; pad = 0 */
    memcpy(body, hb, nh < 24 ? nh : 24);
    size_t L = blen - 24;
    const uint8_t *srcs[6] = {small_bin, small_z, blocks[0], blocks[1], blocks[2], blocks[3]};
    size_t lens[6] = {sizeof(small_bin), small_zlen, 1024, 1024, 1024, 1024};
    for (int s = 0; s < 6; s++) {
        for (size_t off = 0; off + L <= lens[s]; off++) {
            memcpy(body + 24, srcs[s] + off, L);
            size_t n = slip(body, blen, wire);
            if (matches(e, wire, n))
                return n;
        }
    }
    /* unknown content (the stub's code): same length, same checksum */
    uint32_t seed = 99;
    uint8_t x = 0xEF;
    for (size_t i = 0; i < L; i++) {
        seed = seed * 1103515245u + 12345u;
        body[24 + i] = (uint8_t)(seed >> 16);
        x ^= body[24 + i];
    }
    if (L)
        body[24 + L - 1] ^= x ^ body[4];
    synthesized++;
    return slip(body, blen, wire);
}

/* ---- replay ---- */

typedef struct replay {
    host_t h;
    sim_chip_id_t chip;
    const uint32_t (*pokes)[2];
    uint8_t buf[1 << 16];
    size_t n;
    uint8_t last_spi_op;
    bool value_loose, skip_rest;
    int frames_compared, loose, skipped;
    const char *name;
} replay_t;

static const uint32_t pokes_esp32[][2] = {
    {0x3FF5A000, 0}, {0x3FF5A004, 0}, {0x3FF5A008, 0},     {0x3FF5A00C, 0},       {0x3FF5A010, 0},
    {0x3FF5A014, 0}, {0x3FF5A018, 0}, {0x3FF40014, 0x15A}, {0x3FF5F06C, 0x28000}, {0, 0},
};
static const uint32_t pokes_c3[][2] = {
    {0x60008844, 0}, {0x60008848, 0},     {0x60008850, 0x000C0000},
    {0x60008858, 0}, {0x60000014, 0x152}, {0, 0},
};

static void apply_pokes(replay_t *r)
{
    for (int i = 0; r->pokes[i][0]; i++)
        sim_poke32(r->h.sim, r->pokes[i][0], r->pokes[i][1]);
}

static void fill(replay_t *r, uint64_t wait)
{
    uint64_t deadline = r->h.now + wait;
    for (;;) {
        size_t got = sim_host_read(r->h.sim, r->buf + r->n, sizeof(r->buf) - r->n, r->h.now);
        r->n += got;
        if (got > 0 || r->h.now >= deadline || r->n == sizeof(r->buf))
            return;
        uint64_t t = sim_next_event_us(r->h.sim);
        r->h.now = t > deadline ? deadline : t;
    }
}

/* Next chip frame (wire bytes, C0 to C0); false on timeout. */
static bool next_frame(replay_t *r, uint8_t *w, size_t *n, uint64_t timeout)
{
    uint64_t deadline = r->h.now + timeout;
    for (;;) {
        size_t i = 0;
        while (i < r->n && r->buf[i] != 0xC0)
            i++; /* text outside frames is skipped */
        size_t j = i + 1;
        while (j < r->n && r->buf[j] != 0xC0)
            j++;
        if (i < r->n && j < r->n) {
            *n = j - i + 1;
            memcpy(w, r->buf + i, *n);
            memmove(r->buf, r->buf + j + 1, r->n - j - 1);
            r->n -= j + 1;
            return true;
        }
        if (r->h.now >= deadline)
            return false;
        fill(r, deadline - r->h.now);
    }
}

static void note_sent(replay_t *r, const uint8_t *wire, size_t n)
{
    uint8_t b[0x4100];
    size_t k = unslip(wire, n, b);
    if (k < 8)
        return;
    uint32_t usr2 = r->chip == SIM_CHIP_ESP32 ? 0x3FF42024 : 0x60002020;
    uint32_t w0 = r->chip == SIM_CHIP_ESP32 ? 0x3FF42080 : 0x60002058;
    if (b[1] == 0x09 && k >= 24 && get32(b + 8) == usr2)
        r->last_spi_op = b[12];
    if (b[1] == 0x0A && k >= 12)
        r->value_loose = get32(b + 8) == w0 && r->last_spi_op == 0x5A;
    if (b[1] == 0x08)
        r->value_loose = false;
}

static void compare(replay_t *r, const ev_t *e, const uint8_t *w, size_t n)
{
    r->frames_compared++;
    if (matches(e, w, n))
        return;
    if (r->value_loose && e->gap < 0) {
        uint8_t a[256], b[256];
        size_t na = unslip(w, n, a), nb = unslip(e->head, e->nhead, b);
        if (na == nb && na >= 8 && memcmp(a, b, 4) == 0 && memcmp(a + 8, b + 8, na - 8) == 0) {
            r->loose++;
            return;
        }
    }
    fprintf(stderr, "%s: mismatch at %s\n  sim:", r->name, e->label);
    for (size_t i = 0; i < n && i < 40; i++)
        fprintf(stderr, " %02x", w[i]);
    if (n > 40) {
        fprintf(stderr, " ...");
        for (size_t i = n > 80 ? n - 30 : 40; i < n; i++)
            fprintf(stderr, " %02x", w[i]);
    }
    fprintf(stderr, " (%zu)\n  rom:", n);
    for (size_t i = 0; i < e->nhead && i < 40; i++)
        fprintf(stderr, " %02x", e->head[i]);
    if (e->gap >= 0) {
        fprintf(stderr, " ...(%ld)...", e->gap);
        for (size_t i = 0; i < e->ntail; i++)
            fprintf(stderr, " %02x", e->tail[i]);
    }
    fprintf(stderr, "\n");
    simhost_failures++;
}

static void replay_file(const char *name, sim_chip_id_t chip)
{
    evlist_t l = {0};
    expand(name, &l);
    replay_t *r = calloc(1, sizeof(*r));
    r->name = name;
    r->chip = chip;
    r->pokes = chip == SIM_CHIP_ESP32 ? pokes_esp32 : pokes_c3;
    host_new_sim(&r->h, chip, true, false);
    /* the flash the traces imply: small.bin at 0x10000, 0x20000, 0x30000 */
    sim_flash_fill(r->h.sim, 0x10000, small_bin, sizeof(small_bin));
    sim_flash_fill(r->h.sim, 0x20000, small_bin, sizeof(small_bin));
    sim_flash_fill(r->h.sim, 0x30000, small_bin, sizeof(small_bin));
    apply_pokes(r);
    static uint8_t wire[0x9000], got[0x9000];
    size_t n;
    for (size_t i = 0; i < l.n; i++) {
        ev_t *e = &l.v[i];
        switch (e->kind) {
        case EV_FRESH:
            sim_reset(r->h.sim, true, r->h.now);
            apply_pokes(r);
            sim_set_host_baud(r->h.sim, 115200);
            r->n = 0;
            r->skip_rest = false;
            r->value_loose = false;
            break;
        case EV_TEXT: {
            if (r->skip_rest)
                break;
            uint64_t deadline = r->h.now + 2000000;
            while (r->n < e->ntext && r->h.now < deadline)
                fill(r, deadline - r->h.now);
            CHECK(r->n >= e->ntext && memcmp(r->buf, e->text, e->ntext) == 0);
            if (r->n >= e->ntext) {
                memmove(r->buf, r->buf + e->ntext, r->n - e->ntext);
                r->n -= e->ntext;
            }
            r->frames_compared++;
            break;
        }
        case EV_H2C: {
            if (r->skip_rest) {
                r->skipped++;
                break;
            }
            uint8_t hb[16];
            if (chip == SIM_CHIP_ESP32 && unslip(e->head, 12, hb) >= 2 && hb[1] == 0x0F &&
                !(i + 1 < l.n && l.v[i + 1].kind == EV_C2H)) {
                /* CHANGE_BAUDRATE that QEMU's ESP32 never answered (trace 6): the sim answers
                 * like the C3 ROM; nothing after it is comparable */
                r->skip_rest = true;
                r->skipped++;
                break;
            }
            size_t wn = e->gap < 0 ? e->nhead : rebuild(e, wire);
            if (e->gap < 0)
                memcpy(wire, e->head, wn);
            CHECK(wn > 0);
            note_sent(r, wire, wn);
            sim_host_write(r->h.sim, wire, wn, r->h.now);
            break;
        }
        case EV_C2H:
            if (r->skip_rest) {
                r->skipped += e->repeat;
                break;
            }
            for (int k = 0; k < e->repeat; k++) {
                if (!next_frame(r, got, &n, 5000000)) {
                    fprintf(stderr, "%s: no frame for %s\n", name, e->label);
                    simhost_failures++;
                    break;
                }
                compare(r, e, got, n);
            }
            if (strstr(e->label, "CHANGE_BAUDRATE")) {
                uint8_t b[64];
                size_t k = 0;
                /* the command we sent is the last H2C before this event */
                for (size_t j = i; j-- > 0;) {
                    if (l.v[j].kind == EV_H2C) {
                        k = unslip(l.v[j].head, l.v[j].nhead, b);
                        break;
                    }
                }
                uint32_t baud = k >= 12 ? get32(b + 8) : 0;
                if (baud)
                    sim_set_host_baud(r->h.sim, baud);
                if (chip == SIM_CHIP_ESP32) {
                    /* the C0 C0 still comes; QEMU's ESP32 then falls silent (artifact) */
                    if (i + 1 < l.n && l.v[i + 1].kind == EV_C2H) {
                        i++;
                        if (next_frame(r, got, &n, 100000))
                            compare(r, &l.v[i], got, n);
                    }
                    r->skip_rest = true;
                }
            }
            break;
        case EV_NOREPLY:
            if (!r->skip_rest)
                CHECK(!next_frame(r, got, &n, 1000000));
            break;
        default:
            break;
        }
    }
    if (!r->skip_rest)
        CHECK(!next_frame(r, got, &n, 1000000)); /* nothing the ROM did not send */
    printf("%-38s %4d units compared: %4d byte-exact, %d all but the value field (SFDP), %d "
           "skipped (QEMU ESP32 baud)\n",
           name, r->frames_compared, r->frames_compared - r->loose, r->loose, r->skipped);
    CHECK(r->frames_compared > 5);
    host_free(&r->h);
    free(r);
    free(l.v);
}

int main(void)
{
    make_data();
    static const struct {
        const char *file;
        sim_chip_id_t chip;
    } traces[] = {
        {"esp32-rom-chip-id.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-chip-id-460800.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-flash-id.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-write-flash-u.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-write-flash-z.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-read-flash.trace.txt", SIM_CHIP_ESP32},
        {"esp32-rom-probes.trace.txt", SIM_CHIP_ESP32},
        {"esp32-stub-write-flash-z.trace.txt", SIM_CHIP_ESP32},
        {"esp32-stub-read-flash.trace.txt", SIM_CHIP_ESP32},
        {"esp32c3-rom-chip-id.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-chip-id-460800.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-flash-id.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-write-flash-u.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-write-flash-z.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-read-flash.trace.txt", SIM_CHIP_ESP32C3},
        {"esp32c3-rom-probes.trace.txt", SIM_CHIP_ESP32C3},
    };
    for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
        replay_file(traces[i].file, traces[i].chip);
    printf("host frames rebuilt with synthetic content (stub code): %d\n", synthesized);
    printf("%ld checks, %d failed\n", simhost_checks, simhost_failures);
    return simhost_failures ? 1 : 0;
}
