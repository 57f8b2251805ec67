/*
 * Streaming deflate compressor (RFC 1950 zlib stream of RFC 1951 Huffman blocks), for a host
 * MCU that sends raw images compressed (FLASH_DEFL_*). Freestanding: no allocation, no static
 * data; the caller owns the state (sizeof(esploader_deflate_t), 7,944 B), which holds a 2 KB
 * ring (history + lookahead), a 256-entry hash table, a 2048-entry hash chain, and the symbol
 * counts and code of the current block.
 *
 * Output: zlib header 38 11 (CINFO 3: a 2 KB window; no distance exceeds
 * ESPLOADER_DEFLATE_MAX_DIST = 1786 B); LZ77 matches (hash chains, one-step lazy evaluation)
 * in a fixed-Huffman block for the first 4 KB, then one dynamic-Huffman block per 32 KB whose
 * code is built from the symbol counts of the blocks before it (the last one in full, each
 * older one at a quarter of the weight of the next), so nothing is buffered: each symbol goes
 * out as soon as it is found; an empty final fixed block; the Adler-32 of the input.
 * Every dynamic code is complete and at most 12 bits long. Any inflater accepts it (zlib,
 * miniz/tinfl as in the ESP ROMs and flasher stubs).
 *
 * Streaming: input and output are given piecewise, in chunks of any size (1 byte included).
 * Deterministic: the output bytes depend only on the input bytes and max_chain, never on how
 * input and output were split into calls. (So a caller can compress once to learn the size
 * FLASH_DEFL_BEGIN needs, and again to send, and get the same stream.)
 *
 * Worst case: ESPLOADER_DEFLATE_BOUND(n) bytes (a symbol costs at most 12 bits per input
 * byte, plus 163 B of code lengths per block); random bytes come out ~1-2 % larger than they
 * went in (there are no stored blocks).
 */
#ifndef ESPLOADER_DEFLATE_H
#define ESPLOADER_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "esploader_compress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESPLOADER_DEFLATE_RING      2048u /* ring of history + lookahead, bytes */
#define ESPLOADER_DEFLATE_HASH_BITS 8
#define ESPLOADER_DEFLATE_LOOKAHEAD 262u /* a 258-byte match at pos + 1, plus 3 to hash */
#define ESPLOADER_DEFLATE_MAX_DIST  (ESPLOADER_DEFLATE_RING - ESPLOADER_DEFLATE_LOOKAHEAD)
/* Default hash-chain depth (candidates tried per position). 8 is ~4x faster for ~1 % more. */
#define ESPLOADER_DEFLATE_CHAIN_DEFAULT 32u
/* Blocks: the first (fixed Huffman) ends after FIRST_BLOCK input bytes, then one dynamic
 * block per BLOCK bytes, each coded with the statistics of the block before it. */
#define ESPLOADER_DEFLATE_FIRST_BLOCK 4096u
#define ESPLOADER_DEFLATE_BLOCK       32768u
/* Upper bound of the compressed size of n input bytes. */
#define ESPLOADER_DEFLATE_BOUND(n) ((n) + ((n) >> 1) + ((n) >> 7) + 200u)

/* esploader_deflate() results. */
#define ESPLOADER_DEFLATE_MORE 0 /* all input consumed, or the output is full: call again */
#define ESPLOADER_DEFLATE_DONE 1 /* finished: the whole stream has been written to out */

typedef struct esploader_deflate {
    uint8_t ring[ESPLOADER_DEFLATE_RING];
    uint16_t head[1u << ESPLOADER_DEFLATE_HASH_BITS]; /* newest position per hash (low 16 b) */
    uint16_t prev[ESPLOADER_DEFLATE_RING];            /* previous position with the same hash */
    uint16_t freq[286 + 22]; /* symbol counts of this block: literal/length, then distance */
    uint16_t code[286 + 22]; /* this block's code: bit-reversed code << 4 | length */
    uint32_t block_end;      /* stream offset where this block ends */
    uint16_t hdr;            /* 1 + index of the next code length to send, 0 = none */
    uint8_t dyn;             /* this block uses code[] (else the fixed code) */
    uint32_t pos;            /* stream offset of the next byte to encode */
    uint32_t end;            /* stream offset one past the last byte taken in */
    uint32_t ins;            /* positions below this are in the hash chains */
    uint32_t adler;          /* Adler-32 of the bytes taken in */
    uint32_t bits;           /* bit accumulator, LSB first */
    uint16_t max_chain;
    uint16_t peek_len, peek_dist; /* lazy match found at pos (when peek_len != 0) */
    uint8_t nbits, state, pend_pos, pend_len;
    uint8_t pend[16]; /* encoded bytes not yet handed out */
} esploader_deflate_t;

/* Start a stream. max_chain: candidates tried per position (0 = the default). */
void esploader_deflate_init(esploader_deflate_t *z, unsigned max_chain);

/*
 * Compress. *in_len bytes at in are offered and *out_len bytes of room at out; on return both
 * hold what was used. finish != 0 says there is no input after this call's (pass it on every
 * call from then on, with the input that was not consumed yet, until the result is
 * ESPLOADER_DEFLATE_DONE). Without finish, up to ESPLOADER_DEFLATE_LOOKAHEAD bytes stay
 * buffered until more input (or finish) arrives.
 */
int esploader_deflate(esploader_deflate_t *z, const uint8_t *in, size_t *in_len, uint8_t *out,
                      size_t *out_len, int finish);

/*
 * The compressor as an esploader_compressor_t (esploader_compress.h) for the write pipeline,
 * esploader_flash_write_job(): c->ctx = z, begin() restarts z with the same chain depth, run()
 * is esploader_deflate(). Output is the same for the same calls (deterministic, as the
 * pipeline's two passes need). z must outlive every use of c.
 *
 *   static esploader_deflate_t z;
 *   esploader_compressor_t c;
 *   esploader_deflate_compressor(&c, &z, 0);
 *   job.compressor = &c;
 */
void esploader_deflate_compressor(esploader_compressor_t *c, esploader_deflate_t *z,
                                  unsigned max_chain);

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_DEFLATE_H */
