/*
 * Runs fuzz_rfc2217's harness without libFuzzer: the seed, every file named on the command
 * line, and a fixed series of mutations of the seed (bit flips, byte changes, cuts, splices),
 * so the ctest exercises the invariants on more than one input without a fuzzing engine.
 *
 *   fuzz_rfc2217_replay [--write-seed FILE] [--mutations N] [FILE...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_rfc2217_seeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rng = 0x9E3779B9u;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

int main(int argc, char **argv)
{
    unsigned mutations = 20000, runs = 0;
    static uint8_t buf[1 << 16];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write-seed") == 0 && i + 1 < argc) {
            FILE *f = fopen(argv[++i], "wb");
            if (f == NULL || fwrite(fuzz_rfc2217_seed, 1, sizeof(fuzz_rfc2217_seed), f) !=
                                 sizeof(fuzz_rfc2217_seed)) {
                fprintf(stderr, "fuzz_rfc2217_replay: cannot write %s\n", argv[i]);
                return 1;
            }
            fclose(f);
        } else if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
            mutations = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            FILE *f = fopen(argv[i], "rb");
            if (f == NULL) {
                fprintf(stderr, "fuzz_rfc2217_replay: cannot open %s\n", argv[i]);
                return 1;
            }
            size_t n = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, n);
            runs++;
        }
    }
    LLVMFuzzerTestOneInput(fuzz_rfc2217_seed, sizeof(fuzz_rfc2217_seed));
    runs++;
    for (unsigned m = 0; m < mutations; m++) {
        size_t n = sizeof(fuzz_rfc2217_seed);
        memcpy(buf, fuzz_rfc2217_seed, n);
        unsigned edits = 1 + next_rand() % 8;
        for (unsigned e = 0; e < edits && n > 0; e++) {
            size_t at = next_rand() % n;
            switch (next_rand() % 5) {
            case 0:
                buf[at] ^= (uint8_t)(1u << (next_rand() % 8));
                break;
            case 1:
                buf[at] = (uint8_t)next_rand();
                break;
            case 2:
                buf[at] = (next_rand() & 1) ? 255 : 250; /* IAC / SB: the interesting ones */
                break;
            case 3:
                n = at; /* cut: the stream ends mid-command */
                break;
            default: {
                /* splice a copy of another part of the seed in */
                size_t from = next_rand() % sizeof(fuzz_rfc2217_seed);
                size_t len = next_rand() % 32;
                if (from + len > sizeof(fuzz_rfc2217_seed)) {
                    len = sizeof(fuzz_rfc2217_seed) - from;
                }
                if (n + len <= sizeof(buf)) {
                    memmove(buf + at + len, buf + at, n - at);
                    memcpy(buf + at, fuzz_rfc2217_seed + from, len);
                    n += len;
                }
                break;
            }
            }
        }
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
    }
    printf("fuzz_rfc2217_replay: %u inputs ran without a crash or an invariant violation\n", runs);
    return 0;
}
