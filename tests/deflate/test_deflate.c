/*
 * The core's streaming deflate compressor (src/deflate.c) against zlib's inflate and our own
 * Huffman-block parser: many kinds of input, sizes 0..70 KB around the ring / lookahead
 * boundaries, every chunking pattern (1-byte input, 1-byte output, random splits, zero-length
 * calls), and chunking independence of the output bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deflate_check.h"
#include "fwgen.h"

#define KB 1024u

static uint64_t rng_state;
static uint64_t rnd(void)
{
    mk_prng_t r = {rng_state};
    uint64_t v = mk_prng_next(&r);
    rng_state = r.state;
    return v;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void fill_ff_runs(uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 1 + (size_t)(rnd() % 5000), j;
        int ff = (int)(rnd() & 1);
        for (j = 0; j < run && i < n; j++, i++)
            p[i] = ff ? 0xff : (uint8_t)rnd();
    }
}

static void fill_text(uint8_t *p, size_t n)
{
    static const char *words[] = {"flash", "write",   "the",    "of",     "esp32", "block",
                                  "error", "timeout", "sector", "erase",  "boot",  "partition",
                                  "%d",    "%s\n",    "chip",   "loader", "stub",  "0x%08x"};
    size_t i = 0;
    while (i < n) {
        const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
        while (*w && i < n)
            p[i++] = (uint8_t)*w++;
        if (i < n)
            p[i++] = (rnd() % 9) ? ' ' : '\n';
    }
}

/* Firmware-like: code, rodata, data, then erased flash (0xFF), as an app image would be. */
static void fill_firmware(uint8_t *p, size_t n, int riscv, uint64_t seed)
{
    mk_fwgen_t g;
    size_t code = n / 2, ro = n / 4, data = n / 8;
    mk_fwgen_init(&g, seed, riscv != 0, 0x400d0000u, 0x3ffb0000u);
    mk_fwgen_fill(&g, MK_FW_CODE, p, code);
    mk_fwgen_fill(&g, MK_FW_RODATA, p + code, ro);
    mk_fwgen_fill(&g, MK_FW_DATA, p + code + ro, data);
    memset(p + code + ro + data, 0xff, n - code - ro - data);
}

/* Up to n bytes of a file; 0 if it cannot be read. */
static size_t read_file(const char *path, uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t got;
    if (!f)
        return 0;
    got = fread(p, 1, n, f);
    fclose(f);
    return got;
}

/* Round trip through both decoders; returns the compressed size. */
static size_t round_trip(const uint8_t *in, size_t n, unsigned chain, const dc_chunking_t *ch,
                         uint8_t *ref, size_t ref_len)
{
    size_t cap = ESPLOADER_DEFLATE_BOUND(n), zn;
    uint8_t *z = malloc(cap);
    dc_stats_t st;

    assert_non_null(z);
    zn = dc_compress(in, n, z, cap, chain, ch);
    if (zn == (size_t)-1)
        fail_msg("compress(%zu bytes): %s", n, dc_error);
    if (dc_zlib_check(z, zn, in, n, 0) != 0)
        fail_msg("zlib(%zu bytes): %s", n, dc_error);
    if (dc_parse(z, zn, in, n, &st) != 0)
        fail_msg("parse(%zu bytes): %s", n, dc_error);
    assert_true(st.max_dist <= ESPLOADER_DEFLATE_MAX_DIST);
    assert_true(st.max_len <= 258);
    /* a fixed block up to FIRST_BLOCK, one dynamic block per BLOCK after it, the empty final */
    {
        unsigned dyn =
            n > ESPLOADER_DEFLATE_FIRST_BLOCK
                ? (unsigned)((n - ESPLOADER_DEFLATE_FIRST_BLOCK - 1) / ESPLOADER_DEFLATE_BLOCK + 1)
                : 0;
        /* a match may run over a block border, so the count can be one lower at the end */
        assert_true(st.dynamic_blocks == dyn || st.dynamic_blocks + 1 == dyn);
        assert_int_equal(st.blocks, st.dynamic_blocks + 2);
    }
    if (ref) {
        /* the same bytes whatever the chunking */
        if (zn != ref_len || memcmp(z, ref, zn) != 0)
            fail_msg("%zu bytes: chunked output (%zu B) differs from one-shot (%zu B)", n, zn,
                     ref_len);
    }
    free(z);
    return zn;
}

static void test_empty(void **state)
{
    uint8_t z[32];
    size_t il = 0, ol = sizeof(z);
    esploader_deflate_t d;
    (void)state;
    esploader_deflate_init(&d, 0);
    assert_int_equal(esploader_deflate(&d, NULL, &il, z, &ol, 1), ESPLOADER_DEFLATE_DONE);
    /* header, EOB, final empty block, Adler-32 of nothing = 1 */
    assert_int_equal(ol, 2 + 3 + 4);
    assert_int_equal(z[0], 0x38);
    assert_int_equal(z[1], 0x11);
    assert_memory_equal(z + ol - 4, "\0\0\0\1", 4);
    assert_int_equal(dc_zlib_check(z, ol, (const uint8_t *)"", 0, 1), 0);
    /* done stays done, with nothing more written */
    il = 0;
    ol = sizeof(z);
    assert_int_equal(esploader_deflate(&d, NULL, &il, z, &ol, 1), ESPLOADER_DEFLATE_DONE);
    assert_int_equal(ol, 0);
}

static void test_hello(void **state)
{
    static const char msg[] = "hello hello hello hello, world";
    uint8_t z[64];
    size_t il = sizeof(msg) - 1, ol = sizeof(z);
    esploader_deflate_t d;
    dc_stats_t st;
    (void)state;
    esploader_deflate_init(&d, 0);
    /* without finish everything stays buffered (fewer bytes than the lookahead) */
    assert_int_equal(esploader_deflate(&d, (const uint8_t *)msg, &il, z, &ol, 0),
                     ESPLOADER_DEFLATE_MORE);
    assert_int_equal(il, sizeof(msg) - 1);
    assert_int_equal(ol, 2); /* the header only */
    il = 0;
    ol = sizeof(z) - 2;
    assert_int_equal(esploader_deflate(&d, NULL, &il, z + 2, &ol, 1), ESPLOADER_DEFLATE_DONE);
    assert_int_equal(dc_parse(z, ol + 2, (const uint8_t *)msg, sizeof(msg) - 1, &st), 0);
    assert_int_equal(st.matches, 1); /* "hello " x3 as one match at distance 6 */
    assert_int_equal(st.max_dist, 6);
    assert_int_equal(dc_zlib_check(z, ol + 2, (const uint8_t *)msg, sizeof(msg) - 1, 1), 0);
}

typedef struct corpus {
    const char *name;
    uint8_t *p;
    size_t n;
} corpus_t;

static size_t make_corpus(corpus_t *c, size_t max)
{
    size_t k = 0, n = 70 * KB;
#define NEW(nm, len)                                                                               \
    do {                                                                                           \
        c[k].name = nm;                                                                            \
        c[k].n = len;                                                                              \
        c[k].p = malloc(len + 1);                                                                  \
        assert_non_null(c[k].p);                                                                   \
    } while (0)
    rng_state = 42;
    NEW("random", n);
    fill_random(c[k].p, n);
    k++;
    NEW("zeros", n);
    memset(c[k].p, 0, n);
    k++;
    NEW("ff-runs", n);
    fill_ff_runs(c[k].p, n);
    k++;
    NEW("text", n);
    fill_text(c[k].p, n);
    k++;
    NEW("xtensa-firmware", 3 * n);
    fill_firmware(c[k].p, 3 * n, 0, 1);
    k++;
    NEW("riscv-firmware", n);
    fill_firmware(c[k].p, n, 1, 2);
    k++;
    NEW("period-3", n); /* overlapping matches, distance < length */
    for (size_t i = 0; i < n; i++)
        c[k].p[i] = (uint8_t) "abc"[i % 3];
    k++;
    NEW("high-literals", n); /* 9-bit literals only: the worst case of the fixed code */
    for (size_t i = 0; i < n; i++)
        c[k].p[i] = (uint8_t)(144 + rnd() % 112);
    k++;
    NEW("stats-flip", n); /* a block of 16 byte values, then random: 12-bit literals */
    for (size_t i = 0; i < n; i++)
        c[k].p[i] = (uint8_t)(i < 36 * KB ? rnd() % 16 : rnd());
    k++;
    NEW("self-exe", 256 * KB); /* this test's own x86 machine code */
    c[k].n = read_file("/proc/self/exe", c[k].p, 256 * KB);
    assert_true(c[k].n > 16 * KB);
    k++;
    {
        static const char *libs[] = {
            "/usr/lib/arm-none-eabi/newlib/thumb/v7e-m/nofp/libc_nano.a",
            "/usr/lib/arm-none-eabi/lib/thumb/v7e-m/nofp/libc_nano.a",
        };
        for (size_t i = 0; i < 2 && k < max; i++) {
            NEW("arm-libc_nano.a", 256 * KB);
            c[k].n = read_file(libs[i], c[k].p, 256 * KB);
            if (c[k].n) {
                k++;
                break;
            }
            free(c[k].p);
        }
    }
#undef NEW
    return k;
}

static void free_corpus(corpus_t *c, size_t k)
{
    for (size_t i = 0; i < k; i++)
        free(c[i].p);
}

static void test_corpus(void **state)
{
    corpus_t c[16];
    size_t k = make_corpus(c, 16);
    (void)state;
    for (size_t i = 0; i < k; i++) {
        size_t zn = round_trip(c[i].p, c[i].n, 0, NULL, NULL, 0);
        print_message("  %-16s %7zu B -> %7zu B (%5.1f %%)\n", c[i].name, c[i].n, zn,
                      100.0 * (double)zn / (double)(c[i].n ? c[i].n : 1));
        assert_true(zn <= ESPLOADER_DEFLATE_BOUND(c[i].n));
        if (strcmp(c[i].name, "zeros") == 0)
            assert_true(zn < c[i].n / 100);
        if (strcmp(c[i].name, "xtensa-firmware") == 0)
            assert_true(zn < c[i].n * 8 / 10);
    }
    free_corpus(c, k);
}

/* Every chunking gives the same bytes, and they inflate. */
static void test_chunking(void **state)
{
    corpus_t c[16];
    size_t k = make_corpus(c, 16);
    static const dc_chunking_t pats[] = {
        {1, 0, 0, 0, 0},    {0, 1, 0, 0, 0},   {1, 1, 0, 0, 0},    {7, 3, 0, 0, 0},
        {261, 0, 0, 0, 0},  {262, 5, 0, 0, 0}, {263, 0, 0, 0, 0},  {4096, 17, 0, 0, 0},
        {0, 0, 1, 300, 40}, {0, 0, 2, 3, 3},   {0, 0, 3, 5000, 2}, {0, 0, 4, 1, 5000},
    };
    (void)state;
    for (size_t i = 0; i < k; i++) {
        /* a 24 KB slice keeps the 1-byte patterns quick under the sanitizers */
        size_t n = c[i].n < 24 * KB ? c[i].n : 24 * KB, cap = ESPLOADER_DEFLATE_BOUND(n);
        uint8_t *ref = malloc(cap);
        size_t rn = dc_compress(c[i].p, n, ref, cap, 0, NULL);
        assert_true(rn != (size_t)-1);
        for (size_t j = 0; j < sizeof(pats) / sizeof(pats[0]); j++)
            round_trip(c[i].p, n, 0, &pats[j], ref, rn);
        free(ref);
    }
    free_corpus(c, k);
}

/* Sizes around the ring (2048 B) and lookahead (262 B): every size 0..4700 (step 1 for
 * firmware-like content, 7 for the others), then either side of every 2 KB multiple up to
 * 70 KB (which includes the 4/16/64 KB block sizes), then a 997-byte stepped sweep. Not every
 * size up to 70 KB: under ASan that would take hours. */
static void check_sizes(const uint8_t *p, size_t max, size_t step)
{
    static const size_t deltas[] = {0, 1, 3, 261, 262, 263};
    size_t n;
    for (n = 0; n <= 2 * 2048 + 2 * 262 + 84 && n <= max; n += step)
        round_trip(p, n, 0, NULL, NULL, 0);
    for (size_t m = 2048; m <= 70 * KB; m += 2048) {
        for (size_t j = 0; j < sizeof(deltas) / sizeof(deltas[0]); j++) {
            if (m + deltas[j] <= max)
                round_trip(p, m + deltas[j], 0, NULL, NULL, 0);
            if (j && m - deltas[j] <= max)
                round_trip(p, m - deltas[j], 0, NULL, NULL, 0);
        }
    }
    for (n = 4700; n <= max; n += 997)
        round_trip(p, n, 0, NULL, NULL, 0);
}

static void test_sizes(void **state)
{
    size_t max = 70 * KB + 300;
    uint8_t *p = malloc(max);
    (void)state;
    assert_non_null(p);
    fill_firmware(p, max, 0, 7);
    check_sizes(p, max, 1);
    rng_state = 9;
    fill_random(p, max);
    check_sizes(p, max, 7);
    memset(p, 0xff, max);
    check_sizes(p, max, 7);
    free(p);
}

/* The chain depth changes the matches found, never the validity. */
static void test_chain_depths(void **state)
{
    static const unsigned chains[] = {1, 2, 8, 32, 256, 4095, 65535};
    size_t n = 96 * KB, prev = 0;
    uint8_t *p = malloc(n);
    (void)state;
    fill_firmware(p, n, 1, 11);
    for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
        size_t zn = round_trip(p, n, chains[i], NULL, NULL, 0);
        print_message("  chain %5u: %zu B\n", chains[i], zn);
        if (i == 0)
            prev = zn;
        else
            assert_true(zn <= prev + prev / 50); /* deeper search: not notably worse */
    }
    free(p);
}

/* Output one byte of room at a time, with zlib itself inflating a byte at a time: distances are
 * checked against zlib's 2 KB window. */
static void test_window_strict(void **state)
{
    size_t n = 40 * KB, cap = ESPLOADER_DEFLATE_BOUND(n), zn;
    uint8_t *p = malloc(n), *z = malloc(cap);
    dc_chunking_t one = {0, 1, 0, 0, 0};
    (void)state;
    fill_firmware(p, n, 0, 5);
    zn = dc_compress(p, n, z, cap, 0, &one);
    assert_true(zn != (size_t)-1);
    if (dc_zlib_check(z, zn, p, n, 1) != 0)
        fail_msg("%s", dc_error);
    free(p);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_hello),
        cmocka_unit_test(test_corpus),        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_sizes),         cmocka_unit_test(test_chain_depths),
        cmocka_unit_test(test_window_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
