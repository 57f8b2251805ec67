/*
 * libFuzzer target for the core's deflate compressor: inflate(compress(x)) == x through zlib
 * (2 KB window) and through our own Huffman-block parser, with the input and output cut into
 * chunks drawn from the fuzzer's bytes, and the chunked output identical to the one-shot one.
 *
 * Input layout: byte 0 = chain depth selector, bytes 1..8 = chunking seed, bytes 9.. = data.
 * Built with -DFUZZ_DEFLATE_REPLAY it is a plain program (ctest fuzz_replay_deflate) that runs
 * the harness over a fixed series of generated inputs and over every file named on its
 * command line; scripts/fuzz.sh builds it with libFuzzer and writes those inputs as seeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deflate_check.h"

static void die(const char *what, size_t n)
{
    fprintf(stderr, "fuzz_deflate: %s (%zu bytes): %s\n", what, n, dc_error);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned chains[8] = {0, 1, 2, 4, 8, 32, 128, 4096};
    dc_chunking_t ch = {0, 0, 0, 0, 0};
    const uint8_t *p = data;
    size_t n = size, cap, zn, rn;
    unsigned chain = 0;
    uint8_t *z, *ref;
    dc_stats_t st;

    if (n >= 9) {
        chain = chains[data[0] & 7];
        for (int i = 1; i <= 8; i++)
            ch.seed = ch.seed << 8 | data[i];
        ch.seed |= 1; /* random chunking */
        ch.max_in = 1u + (data[1] & 0x3f) * (data[2] & 0x0f ? 1u : 64u);
        ch.max_out = 1u + (data[3] & 0x1f) * (data[4] & 0x0f ? 1u : 64u);
        p += 9;
        n -= 9;
    }
    cap = ESPLOADER_DEFLATE_BOUND(n);
    z = malloc(cap);
    ref = malloc(cap);
    if (!z || !ref)
        abort();
    zn = dc_compress(p, n, z, cap, chain, ch.seed ? &ch : NULL);
    if (zn == (size_t)-1)
        die("compress", n);
    if (dc_zlib_check(z, zn, p, n, 0) != 0)
        die("zlib inflate", n);
    if (dc_parse(z, zn, p, n, &st) != 0)
        die("parse", n);
    if (st.max_dist > ESPLOADER_DEFLATE_MAX_DIST)
        die("distance beyond the window", n);
    rn = dc_compress(p, n, ref, cap, chain, NULL);
    if (rn != zn || memcmp(ref, z, zn) != 0)
        die("chunked output differs from one-shot", n);
    free(z);
    free(ref);
    return 0;
}

#ifdef FUZZ_DEFLATE_REPLAY
static uint64_t rng = 0x123456789abcdefull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Generated input k: chunking header, then a mix of runs, repeats and noise. */
static size_t make_input(unsigned k, uint8_t *buf, size_t cap)
{
    size_t n = 9 + next_rand() % (k < 250 ? 600 : cap - 9), i = 9;
    for (int j = 0; j < 9; j++)
        buf[j] = (uint8_t)next_rand();
    while (i < n) {
        size_t run = 1 + next_rand() % 700;
        unsigned kind = next_rand() % 4;
        for (size_t j = 0; j < run && i < n; j++, i++) {
            if (kind == 0)
                buf[i] = (uint8_t)next_rand();
            else if (kind == 1)
                buf[i] = 0xff;
            else if (kind == 2 && i > 300)
                buf[i] = buf[i - 1 - next_rand() % 300];
            else
                buf[i] = (uint8_t) "mov r0, r1; bl 0x4008\n"[j % 22];
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    static uint8_t buf[1 << 17];
    const char *seed_dir = NULL;
    unsigned inputs = 300, runs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write-seeds") == 0 && i + 1 < argc) {
            seed_dir = argv[++i];
        } else if (strcmp(argv[i], "--inputs") == 0 && i + 1 < argc) {
            inputs = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            FILE *f = fopen(argv[i], "rb");
            size_t n;
            if (!f) {
                fprintf(stderr, "fuzz_deflate_replay: cannot open %s\n", argv[i]);
                return 1;
            }
            n = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, n);
            runs++;
        }
    }
    for (unsigned k = 0; k < inputs; k++) {
        size_t n = make_input(k, buf, sizeof(buf));
        if (seed_dir && k % 15 == 0) {
            char path[512];
            FILE *f;
            snprintf(path, sizeof(path), "%s/gen-%03u", seed_dir, k);
            f = fopen(path, "wb");
            if (!f || fwrite(buf, 1, n, f) != n) {
                fprintf(stderr, "fuzz_deflate_replay: cannot write %s\n", path);
                return 1;
            }
            fclose(f);
        }
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
    }
    printf("fuzz_deflate_replay: %u inputs, every one round-tripped\n", runs);
    return 0;
}
#endif
