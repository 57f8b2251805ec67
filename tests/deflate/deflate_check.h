/* Test support for the core's deflate compressor: chunked compression and two independent
 * decoders (zlib's inflate, and a small Huffman-block parser that also reports what the
 * stream is made of). Shared by the unit tests, the fuzz target and the ratio benchmark. */
#ifndef DEFLATE_CHECK_H
#define DEFLATE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_deflate.h"

/* Chunk sizes for one compression: in_step / out_step > 0 are fixed sizes; 0 = all at once;
 * seed != 0 draws every chunk size at random in 0..max_in / 0..max_out instead (zero-length
 * calls included). */
typedef struct dc_chunking {
    size_t in_step, out_step;
    uint64_t seed;
    size_t max_in, max_out;
} dc_chunking_t;

/* Compress in[0..n) with the given chunking into out (cap bytes); returns the stream length,
 * or (size_t)-1 on a failure (which is described in dc_error). Fails if a call neither takes
 * input nor gives output nor finishes, or if the output does not fit. */
size_t dc_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, unsigned max_chain,
                   const dc_chunking_t *ch);

/* Inflate with zlib (windowBits 11, the 2 KB the header declares); 0 if the stream inflates to
 * exactly want[0..n) and ends with a good Adler-32, else -1 (dc_error says why). byte_out != 0:
 * inflate with a 1-byte output buffer, so zlib checks every distance against its 2 KB
 * window instead of the output written so far. */
int dc_zlib_check(const uint8_t *z, size_t zn, const uint8_t *want, size_t n, int byte_out);

/* What dc_parse found in a stream. */
typedef struct dc_stats {
    unsigned blocks, dynamic_blocks, literals, matches, max_dist, max_len;
    int final_seen;
} dc_stats_t;

/* Our own decoder for the streams the compressor makes (fixed and dynamic Huffman blocks;
 * stored blocks are an error here; every dynamic code must be complete): 0 if it decodes to
 * want[0..n) with a matching Adler-32. */
int dc_parse(const uint8_t *z, size_t zn, const uint8_t *want, size_t n, dc_stats_t *st);

extern char dc_error[256];

#endif
