/*
 * Runs fuzz_sim_frames' harness without libFuzzer: on input files, on every *.trace.txt of a
 * trace folder (as seeds) and on the built-in seeds. Also writes the seeds out as a corpus for
 * scripts/fuzz.sh.
 *
 *   fuzz_replay [-v] [--builtin] [--traces DIR] [--write-corpus DIR] [FILE...]
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_sim_frames.h"

#define SEED_CAP (1u << 20)

static unsigned runs;
static bool verbose;

static void report(const char *name)
{
    const fuzz_stats_t *st = &fuzz_last_stats;
    if (verbose) {
        printf("%-32s to chip %7zu B, from chip %7zu B, %5u frames checked%s%s\n", name,
               st->bytes_to_chip, st->bytes_from_chip, st->frames_checked,
               st->stub_reached ? ", stub mode" : "", st->checked_to_end ? "" : ", unchecked tail");
    }
}
static const char *corpus_dir;

static int use_input(const char *name, const uint8_t *d, size_t n)
{
    if (corpus_dir != NULL) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(d, 1, n, f) != n) {
            fprintf(stderr, "fuzz_replay: cannot write %s\n", path);
            if (f != NULL) {
                fclose(f);
            }
            return -1;
        }
        fclose(f);
    }
    LLVMFuzzerTestOneInput(d, n);
    report(name);
    runs++;
    return 0;
}

static int run_file(const char *path, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
        return -1;
    }
    size_t n = fread(buf, 1, SEED_CAP, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    report(path);
    runs++;
    return 0;
}

/* A seed that never gets the chip to answer, or a stub seed that never reaches stub mode,
 * would make the fuzzer start from nothing: treat it as a failure. */
static int seed_was_useful(const char *name, bool wants_stub)
{
    const fuzz_stats_t *st = &fuzz_last_stats;
    if (st->frames_checked == 0) {
        fprintf(stderr, "fuzz_replay: seed %s got no frame back from the chip\n", name);
        return -1;
    }
    if (wants_stub && !st->stub_reached) {
        fprintf(stderr, "fuzz_replay: seed %s did not get the chip into stub mode\n", name);
        return -1;
    }
    return 0;
}

static int run_traces(const char *dir, uint8_t *buf)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "fuzz_replay: cannot open %s\n", dir);
        return -1;
    }
    int seeds = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 10 || strcmp(e->d_name + l - 10, ".trace.txt") != 0) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t n = fuzz_seed_from_trace(path, buf, SEED_CAP);
        if (n == 0) {
            continue;
        }
        char name[300];
        snprintf(name, sizeof(name), "trace-%.*s", (int)(l - 10), e->d_name);
        rc |= use_input(name, buf, n);
        rc |= seed_was_useful(name, (buf[1] & FUZZ_FLAG_STUB) != 0);
        seeds++;
    }
    closedir(d);
    if (seeds == 0) {
        fprintf(stderr, "fuzz_replay: no trace seeds in %s\n", dir);
        return -1;
    }
    return rc;
}

static int run_builtin(uint8_t *buf)
{
    int rc = 0;
    for (unsigned i = 0; i < fuzz_seed_builtin_count(); i++) {
        size_t n = fuzz_seed_builtin(i, buf, SEED_CAP);
        if (n == 0) {
            return -1;
        }
        char name[64];
        snprintf(name, sizeof(name), "builtin-%02u", i);
        rc |= use_input(name, buf, n);
        rc |= seed_was_useful(name, (buf[1] & FUZZ_FLAG_STUB) != 0);
    }
    return rc;
}

int main(int argc, char **argv)
{
    uint8_t *buf = malloc(SEED_CAP);
    if (buf == NULL) {
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write-corpus") == 0 && i + 1 < argc) {
            corpus_dir = argv[++i];
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write-corpus") == 0) {
            i++;
        } else if (strcmp(argv[i], "-v") == 0) {
            continue;
        } else if (strcmp(argv[i], "--builtin") == 0) {
            rc |= run_builtin(buf);
        } else if (strcmp(argv[i], "--traces") == 0 && i + 1 < argc) {
            rc |= run_traces(argv[++i], buf);
        } else {
            rc |= run_file(argv[i], buf);
        }
    }
    free(buf);
    printf("fuzz_replay: %u inputs ran without a crash or an invariant violation\n", runs);
    return rc == 0 && runs > 0 ? 0 : 1;
}
