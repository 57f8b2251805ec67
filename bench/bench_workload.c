/*
 * Pseudo-firmware for the benchmark. What matters for flashing speed is how well the bytes
 * deflate, so the generator imitates the three kinds of content a linked ESP-IDF app holds:
 *   - code: 24-bit instructions whose opcode bytes follow a skewed distribution, register
 *     fields of low entropy, immediates that are random, calls into a few hundred targets,
 *     and function prologues/epilogues repeated from a small set of templates;
 *   - rodata: log/format strings built from a vocabulary;
 *   - data: tables of pointers into the flash-mapped regions, slowly increasing.
 * The mix was tuned so that zlib level 9 leaves ~60 % of the bytes; the benchmark prints the
 * ratio it measures, so any drift is visible.
 */
#include "bench_workload.h"

#include <stdlib.h>
#include <string.h>

#include "eh_parttable.h"
#include "esploader/esploader.h"

typedef struct rng {
    uint32_t s;
} rng_t;

static uint32_t rnd(rng_t *r)
{
    uint32_t x = r->s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return r->s = x;
}

/* Skewed pick in [0, n): small indexes much more likely (roughly Zipf-like). */
static uint32_t skew(rng_t *r, uint32_t n)
{
    uint32_t a = rnd(r) % n, b = rnd(r) % n;
    return (a * b) / n;
}

static const char *const words[] = {
    "wifi",    "esp",    "failed", "to",      "init",    "error", "timeout",   "connect",
    "handler", "task",   "queue",  "event",   "nvs",     "flash", "partition", "ota",
    "http",    "mqtt",   "socket", "buffer",  "alloc",   "free",  "invalid",   "state",
    "config",  "driver", "gpio",   "uart",    "spi",     "i2c",   "bt",        "ble",
    "%d",      "%s",     "0x%08x", "%u",      "(%d)",    "=",     ":",         "ret",
    "not",     "found",  "ready",  "started", "stopped", "mode",  "channel",   "rssi",
};

static size_t put_code(rng_t *r, uint8_t *p, size_t n)
{
    static uint8_t templates[32][12];
    static int init = 0;
    if (!init) {
        rng_t t = {0x7E3A1C05u};
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 12; j++) {
                templates[i][j] = (uint8_t)rnd(&t);
            }
        }
        init = 1;
    }
    size_t i = 0;
    while (i + 12 <= n) {
        uint32_t k = rnd(r) % 100;
        if (k < 6) { /* prologue / epilogue from a template */
            memcpy(p + i, templates[skew(r, 32)], 12);
            i += 12;
        } else if (k < 18) { /* call to one of a few hundred targets */
            uint32_t target = skew(r, 400) * 0x34u;
            p[i] = 0x25;
            p[i + 1] = (uint8_t)target;
            p[i + 2] = (uint8_t)(target >> 8);
            i += 3;
        } else { /* generic instruction: opcode, register nibbles, maybe an immediate */
            static const uint8_t ops[] = {0x20, 0x22, 0x32, 0x42, 0x0c, 0x1c, 0x2c, 0x80,
                                          0x90, 0xa2, 0xb2, 0xc2, 0x66, 0x56, 0x16, 0x06,
                                          0xcc, 0xdc, 0x9c, 0x8c, 0x3d, 0x4d, 0x5d, 0x2d};
            p[i] = ops[skew(r, sizeof(ops))];
            p[i + 1] = (uint8_t)((skew(r, 16) << 4) | skew(r, 16));
            p[i + 2] = rnd(r) % 3 == 0 ? (uint8_t)rnd(r) : (uint8_t)(skew(r, 16) << 4);
            i += 3;
        }
    }
    return i;
}

static size_t put_strings(rng_t *r, uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 64 <= n) {
        uint32_t nw = 2 + rnd(r) % 7;
        for (uint32_t w = 0; w < nw; w++) {
            const char *s = words[skew(r, sizeof(words) / sizeof(words[0]))];
            size_t l = strlen(s);
            memcpy(p + i, s, l);
            i += l;
            p[i++] = w + 1 < nw ? ' ' : 0;
        }
        while (i % 4) { /* strings are word aligned */
            p[i++] = 0;
        }
    }
    return i;
}

static size_t put_pointers(rng_t *r, uint8_t *p, size_t n)
{
    uint32_t base = rnd(r) % 2 ? 0x3F400000u : 0x400D0000u;
    uint32_t v = base + (rnd(r) & 0xFFFF) * 4;
    size_t i = 0;
    while (i + 4 <= n) {
        v += 4 * (1 + skew(r, 64));
        p[i] = (uint8_t)v;
        p[i + 1] = (uint8_t)(v >> 8);
        p[i + 2] = (uint8_t)(v >> 16);
        p[i + 3] = (uint8_t)(v >> 24);
        i += 4;
    }
    return i;
}

void bench_fill_firmware(uint8_t *buf, size_t len, uint32_t seed)
{
    rng_t r = {seed * 2654435761u + 0x9E3779B9u};
    size_t i = 0;
    while (i < len) {
        /* sections of 256 B .. 4 KB, mostly code */
        size_t chunk = 256 + rnd(&r) % 3840;
        if (chunk > len - i) {
            chunk = len - i;
        }
        uint32_t k = rnd(&r) % 100;
        size_t used;
        if (k < 72) {
            used = put_code(&r, buf + i, chunk);
        } else if (k < 88) {
            used = put_strings(&r, buf + i, chunk);
        } else {
            used = put_pointers(&r, buf + i, chunk);
        }
        memset(buf + i + used, 0, chunk - used);
        i += chunk;
    }
}

/* An ESP image header (docs/protocol.md §11.1/11.2) in front of pseudo-code, so the bootloader and
 * app look like what a real flash job writes. */
static void put_image_header(uint8_t *p, uint32_t entry)
{
    memset(p, 0, 24);
    p[0] = 0xE9;
    p[1] = 3;    /* segments */
    p[2] = 2;    /* DIO */
    p[3] = 0x20; /* 4 MB, 40 MHz */
    p[4] = (uint8_t)entry;
    p[5] = (uint8_t)(entry >> 8);
    p[6] = (uint8_t)(entry >> 16);
    p[7] = (uint8_t)(entry >> 24);
    p[8] = 0xEE;
    p[17] = 0xFF; /* max rev: unlimited */
    p[18] = 0xFF;
}

/* A partition table (hostlib writes it: 32-byte entries, the MD5 entry, the rest 0xFF). */
static void put_partition_table(uint8_t *p, uint32_t size)
{
    static const eh_partition_t parts[] = {
        {"nvs", 1, 2, 0x9000, 0x6000, 0},
        {"phy_init", 1, 1, 0xF000, 0x1000, 0},
        {"factory", 0, 0, 0x10000, 0x100000, 0},
    };
    static eh_ptable_t t;
    uint8_t bin[EH_PT_LEN];
    memset(&t, 0, sizeof t);
    memcpy(t.entries, parts, sizeof parts);
    t.count = 3;
    eh_ptable_write(&t, bin);
    memset(p, 0xFF, size);
    memcpy(p, bin, size < EH_PT_LEN ? size : EH_PT_LEN);
}

int bench_workload_make(bench_image_t imgs[BENCH_NIMAGES])
{
    static const struct {
        const char *name;
        uint32_t offset, size;
    } spec[BENCH_NIMAGES] = {
        {"bootloader", 0x1000, 25 * 1024 + 176},
        {"partition-table", 0x8000, 3 * 1024},
        {"app", 0x10000, 1024 * 1024},
    };
    for (int i = 0; i < BENCH_NIMAGES; i++) {
        imgs[i].name = spec[i].name;
        imgs[i].offset = spec[i].offset;
        imgs[i].size = spec[i].size;
        imgs[i].data = malloc(spec[i].size);
        if (imgs[i].data == NULL) {
            return -1;
        }
    }
    bench_fill_firmware(imgs[0].data, imgs[0].size, 1);
    put_image_header(imgs[0].data, 0x40080400u);
    put_partition_table(imgs[1].data, imgs[1].size);
    bench_fill_firmware(imgs[2].data, imgs[2].size, 2);
    put_image_header(imgs[2].data, 0x400D1234u);
    return 0;
}

void bench_workload_free(bench_image_t imgs[BENCH_NIMAGES])
{
    for (int i = 0; i < BENCH_NIMAGES; i++) {
        free(imgs[i].data);
        imgs[i].data = NULL;
    }
}

/* A made-up stub of realistic size (DESIGN.md §7: ~10 KB) at ESP32 IRAM / DRAM addresses. The
 * sim does not execute uploaded code, so only the size (upload time) matters. */
const esploader_stub_t *bench_stub_image(void)
{
    static uint8_t text[9 * 1024], data[1024];
    static esploader_stub_t s;
    if (s.entry == 0) {
        bench_fill_firmware(text, sizeof(text), 77);
        bench_fill_firmware(data, sizeof(data), 78);
        s.text = text;
        s.text_size = sizeof(text);
        s.text_addr = 0x400BE000;
        s.data = data;
        s.data_size = sizeof(data);
        s.data_addr = 0x3FFBE000;
        s.bss_start = 0x3FFBE400;
        s.entry = 0x400BE5A8;
    }
    return &s;
}
