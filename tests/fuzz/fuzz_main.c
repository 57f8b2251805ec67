/*
 * Replay runner for the fuzz targets without libFuzzer (see fuzz_common.h):
 *
 *   fuzz_X [--write-seeds DIR] [--mutations N] [FILE...]
 *
 * Runs every built-in seed, every FILE, and N (default 3000) mutations of the seeds (bit
 * flips, byte changes, insertions, cuts, splices of two seeds), deterministically, and prints
 * how many inputs ran. A crash, sanitizer report or broken invariant aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define MAX_SEEDS 64
#define MAX_LEN   (1u << 16)

static uint8_t *seed[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static int nseeds;
static const char *write_dir;

void fuzz_fail(const char *target, const char *what)
{
    fprintf(stderr, "%s: invariant violated: %s\n", target, what);
    abort();
}

static void keep(const char *name, const void *data, size_t len)
{
    if (write_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", write_dir, name);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(data, 1, len, f) != len) {
            fprintf(stderr, "cannot write %s\n", path);
            exit(1);
        }
        fclose(f);
    }
    if (nseeds < MAX_SEEDS && len <= MAX_LEN) {
        seed[nseeds] = malloc(len ? len : 1);
        memcpy(seed[nseeds], data, len);
        seed_len[nseeds++] = len;
    }
}

static uint32_t rng = 0x2545F491u;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return n ? rng % n : 0;
}

int main(int argc, char **argv)
{
    unsigned long mutations = 3000, ran = 0;
    int first_file = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write-seeds") == 0 && i + 1 < argc) {
            write_dir = argv[++i];
        } else if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
            mutations = strtoul(argv[++i], NULL, 10);
        } else {
            first_file = i;
            break;
        }
    }
    fuzz_seeds(keep);
    if (write_dir != NULL) {
        printf("%d seeds written to %s\n", nseeds, write_dir);
        return 0;
    }
    static uint8_t buf[2 * MAX_LEN];
    for (int i = first_file; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        size_t n = fread(buf, 1, MAX_LEN, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        ran++;
    }
    for (int s = 0; s < nseeds; s++) {
        memcpy(buf, seed[s], seed_len[s]);
        LLVMFuzzerTestOneInput(buf, seed_len[s]);
        ran++;
    }
    for (unsigned long m = 0; m < mutations && nseeds > 0; m++) {
        int s = (int)rnd((uint32_t)nseeds);
        size_t n = seed_len[s];
        memcpy(buf, seed[s], n);
        unsigned edits = 1 + rnd(4);
        for (unsigned e = 0; e < edits; e++) {
            switch (rnd(5)) {
            case 0: /* bit flip */
                if (n) {
                    buf[rnd((uint32_t)n)] ^= (uint8_t)(1u << rnd(8));
                }
                break;
            case 1: /* interesting byte */
                if (n) {
                    static const uint8_t v[] = {0, 0xFF, 0xC0, 0xDB, 0x7F, 0x80, '"', '{', '\\'};
                    buf[rnd((uint32_t)n)] = v[rnd(sizeof(v))];
                }
                break;
            case 2: /* cut */
                n = n ? rnd((uint32_t)n + 1) : 0;
                break;
            case 3: /* insert a byte */
                if (n < MAX_LEN) {
                    size_t at = rnd((uint32_t)n + 1);
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (uint8_t)rnd(256);
                    n++;
                }
                break;
            default: { /* splice: the tail of another seed */
                int o = (int)rnd((uint32_t)nseeds);
                size_t at = rnd((uint32_t)n + 1), from = rnd((uint32_t)seed_len[o] + 1);
                size_t k = seed_len[o] - from;
                if (at + k <= MAX_LEN) {
                    memcpy(buf + at, seed[o] + from, k);
                    n = at + k;
                }
                break;
            }
            }
        }
        LLVMFuzzerTestOneInput(buf, n);
        ran++;
    }
    printf("%s: %lu inputs (%d seeds), no crash\n", argv[0], ran, nseeds);
    return 0;
}
