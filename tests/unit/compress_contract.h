/*
 * Checks of the compressor contract (include/esploader/esploader_compress.h) that any
 * implementation must pass: the zlib adapter (test_zlib_compress.c) and the core's own
 * deflate can both be run through it. Output is inflated with zlib and compared.
 */
#ifndef COMPRESS_CONTRACT_H
#define COMPRESS_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_compress.h"

/* Compress data[0..len) through c in chunks of in_chunk bytes (0 = all at once) with out
 * space of out_cap bytes per call; returns the compressed length written to out (at most
 * out_max), or -1 (contract broken: no progress, bad counts, error, overflow). */
long contract_compress(const esploader_compressor_t *c, const uint8_t *data, size_t len,
                       size_t in_chunk, size_t out_cap, uint8_t *out, size_t out_max);

/* The whole contract on one input: a valid zlib stream (header rules: CM 8, CINFO <= 7, no
 * dictionary) that inflates to data; the same output for the same call sequence twice;
 * begin() abandons a stream half-way. Fails the running cmocka test otherwise. */
void contract_check(const esploader_compressor_t *c, const uint8_t *data, size_t len);

#endif
