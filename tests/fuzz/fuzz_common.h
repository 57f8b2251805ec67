/*
 * Shared by the libFuzzer targets of the parsers that read outside input (docs/reliability.md):
 * each target file defines LLVMFuzzerTestOneInput() and fuzz_seeds(), its built-in seed
 * corpus. With -fsanitize=fuzzer (scripts/fuzz.sh) libFuzzer drives the target; linked with
 * fuzz_main.c instead, the same target replays its seeds, files named on the command line and
 * a fixed series of mutations of every seed (the ctest fuzz_* replays), or writes its seeds
 * out as a corpus (--write-seeds DIR).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef void (*fuzz_emit_fn)(const char *name, const void *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_seeds(fuzz_emit_fn emit);

/* A broken invariant: print it and abort (libFuzzer keeps the input as crash-*). */
void fuzz_fail(const char *target, const char *what);

#endif
