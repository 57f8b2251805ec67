/* A tiny deterministic generator (splitmix64) so that the same seed gives the same images on
 * every machine; rand() would differ between C libraries. */
#ifndef MKIMAGE_PRNG_H
#define MKIMAGE_PRNG_H

#include <stdint.h>

typedef struct mk_prng {
    uint64_t state;
} mk_prng_t;

static inline uint64_t mk_prng_next(mk_prng_t *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline uint32_t mk_prng_below(mk_prng_t *r, uint32_t n)
{
    return (uint32_t)(mk_prng_next(r) % n);
}

/* Skewed towards 0: index k of n is drawn with weight roughly 1/(k+1) (Zipf-like), which is
 * how opcodes, registers and string words are distributed in real code. */
static inline uint32_t mk_prng_skewed(mk_prng_t *r, uint32_t n)
{
    /* u^3 piles up near 0; cheap and close enough to a Zipf law for our purpose. */
    double u = (double)(mk_prng_next(r) >> 11) / 9007199254740992.0;
    uint32_t k = (uint32_t)(u * u * u * n);
    return k < n ? k : n - 1;
}

#endif
