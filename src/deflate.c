/*
 * Streaming deflate compressor: LZ77 over a 2 KB ring with hash chains and one-step lazy
 * matching, coded with the fixed Huffman table of RFC 1951 §3.2.6, in a zlib wrapper.
 *
 * Positions are 32-bit stream offsets; the hash table and chains keep their low 16 bits. A
 * candidate is used only if its distance d = (pos - cand) mod 2^16 satisfies 0 < d <= MAX_DIST,
 * d <= pos and d grows along the chain; the bytes are compared in the ring, so a stale entry
 * can cost a comparison but never produce a wrong match: every byte in the ring within MAX_DIST
 * behind pos is real history.
 *
 * Determinism: a position is encoded only when LOOKAHEAD bytes after it are buffered (or the
 * input has ended), so every decision sees the same bytes whatever the call pattern was.
 */
#include "esploader/esploader_deflate.h"

#include "proto.h" /* espl_mem_fill */

#define RING_MASK (ESPLOADER_DEFLATE_RING - 1u)
#define MAX_MATCH 258u
#define LAZY_MAX  32u  /* a match this long is taken without looking one byte further */
#define NLIT      286u /* literal/length symbols; the distance symbols follow them */
#define NDIST     22u  /* distance codes 0..21 cover distances up to 2048 */
#define MAXBITS   12u  /* code length limit (so code and length fit one uint16_t) */

enum { ST_HEADER, ST_DATA, ST_DONE };

static void put_bits(esploader_deflate_t *z, uint32_t value, unsigned n)
{
    z->bits |= value << z->nbits;
    z->nbits = (uint8_t)(z->nbits + n);
    while (z->nbits >= 8) {
        z->pend[z->pend_len++] = (uint8_t)z->bits;
        z->bits >>= 8;
        z->nbits = (uint8_t)(z->nbits - 8);
    }
}

/* A Huffman code (n <= 12 bits), sent most significant bit first: reversed a nibble at a time. */
static void put_code(esploader_deflate_t *z, unsigned code, unsigned n)
{
    static const uint8_t rev4[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    unsigned r =
        (unsigned)rev4[code & 15] << 8 | (unsigned)rev4[code >> 4 & 15] << 4 | rev4[code >> 8 & 15];
    put_bits(z, r >> (12 - n), n);
}

/* Symbol s of the literal/length (0..285) or distance (NLIT + 0..21) alphabet: counted for
 * the next block's code, sent with this block's code (dynamic) or the fixed one. */
static void put_sym(esploader_deflate_t *z, unsigned s)
{
    z->freq[s]++;
    if (z->dyn)
        put_bits(z, z->code[s] >> 4, z->code[s] & 15u);
    else if (s >= NLIT)
        put_code(z, s - NLIT, 5);
    else if (s < 144)
        put_code(z, 0x30 + s, 8);
    else if (s < 256)
        put_code(z, 0x190 + s - 144, 9);
    else if (s < 280)
        put_code(z, s - 256, 7);
    else
        put_code(z, 0xc0 + s - 280, 8);
}

/*
 * Length (k = 2) and distance (k = 1) codes share one shape: values below 2 << k have a code
 * each, then every extra bit doubles a bucket of 1 << k codes. Returns the code; the extra bits
 * go to *extra and their count to *nextra.
 */
static unsigned bucket(unsigned x, unsigned k, unsigned *extra, unsigned *nextra)
{
    unsigned nb = 0, eb;
    if (x < (2u << k)) {
        *nextra = 0;
        *extra = 0;
        return x;
    }
    while (x >> (nb + 1))
        nb++;
    eb = nb - k;
    *nextra = eb;
    *extra = x & ((1u << eb) - 1u);
    return ((eb + 1u) << k) + ((x >> eb) & ((1u << k) - 1u));
}

static void put_match(esploader_deflate_t *z, unsigned len, unsigned dist)
{
    unsigned extra, n, code;
    if (len == MAX_MATCH) {
        put_sym(z, 285);
    } else {
        code = bucket(len - 3, 2, &extra, &n);
        put_sym(z, 257 + code);
        put_bits(z, extra, n);
    }
    code = bucket(dist - 1, 1, &extra, &n);
    put_sym(z, NLIT + code);
    put_bits(z, extra, n);
}

static unsigned hash(const esploader_deflate_t *z, uint32_t p)
{
    uint32_t v = (uint32_t)z->ring[p & RING_MASK] | (uint32_t)z->ring[(p + 1) & RING_MASK] << 8 |
                 (uint32_t)z->ring[(p + 2) & RING_MASK] << 16;
    return (unsigned)((v * 0x9e3779b1u) >> (32 - ESPLOADER_DEFLATE_HASH_BITS));
}

/* Put every position below upto that has 3 bytes behind it into the hash chains. */
static void insert_upto(esploader_deflate_t *z, uint32_t upto)
{
    while (z->ins < upto) {
        uint32_t q = z->ins++;
        if (z->end - q >= 3) {
            unsigned h = hash(z, q);
            z->prev[q & RING_MASK] = z->head[h];
            z->head[h] = (uint16_t)q;
        }
    }
}

/* Longest match for the (already inserted) position p: its length (< 3: none), *dist. */
static unsigned find_match(const esploader_deflate_t *z, uint32_t p, unsigned *dist)
{
    unsigned maxlen = z->end - p, best = 2, lastd = 0, chain = z->max_chain;
    uint16_t cand = z->prev[p & RING_MASK];
    const uint8_t *r = z->ring;

    if (maxlen > MAX_MATCH)
        maxlen = MAX_MATCH;
    if (maxlen < 3)
        return 0;
    while (chain--) {
        unsigned d = (uint16_t)(p - cand), n = 0;
        uint32_t a = p - d;
        if (d <= lastd || d > ESPLOADER_DEFLATE_MAX_DIST || d > p)
            break;
        lastd = d;
        if (r[(a + best) & RING_MASK] == r[(p + best) & RING_MASK]) {
            while (n < maxlen && r[(a + n) & RING_MASK] == r[(p + n) & RING_MASK])
                n++;
            if (n > best) {
                best = n;
                *dist = d;
                if (n == maxlen)
                    break;
            }
        }
        cand = z->prev[a & RING_MASK];
    }
    return best >= 3 ? best : 0;
}

/*
 * Code lengths (<= MAXBITS) for n symbols from their counts + 1 (every symbol gets a code):
 * Shannon lengths ceil(log2(total / f)), then the Kraft sum brought to exactly 2^MAXBITS
 * (lengthen the rarest long codes while over, shorten the most frequent codes that fit while
 * under), then canonical codes (RFC 1951 §3.2.2), stored bit-reversed above the length.
 */
static void build_code(uint16_t *code, const uint16_t *freq, unsigned n)
{
    uint32_t total = 0, kraft = 0;
    unsigned i, len, next[MAXBITS + 1], count[MAXBITS + 1];

    for (i = 0; i < n; i++)
        total += freq[i] + 1u;
    for (i = 0; i < n; i++) {
        for (len = 1; len < MAXBITS && ((freq[i] + 1u) << len) < total; len++)
            ;
        code[i] = (uint16_t)len;
        kraft += (1u << MAXBITS) >> len;
    }
    /* under: one pass shortening the shortest codes (the most frequent symbols) first */
    for (len = 2; len <= MAXBITS; len++)
        for (i = 0; i < n; i++)
            if (code[i] == len && kraft + ((1u << MAXBITS) >> len) <= (1u << MAXBITS)) {
                kraft += (1u << MAXBITS) >> len;
                code[i] = (uint16_t)(len - 1);
            }
    while (kraft != (1u << MAXBITS)) {
        unsigned best = n;
        for (i = 0; i < n; i++) {
            len = code[i];
            if (kraft > (1u << MAXBITS)
                    ? len < MAXBITS
                    : len > 1 && (1u << MAXBITS >> len) <= (1u << MAXBITS) - kraft) {
                /* over: the longest code, rarest first; under: the most frequent that fits */
                if (best == n ||
                    (kraft > (1u << MAXBITS)
                         ? len > code[best] || (len == code[best] && freq[i] < freq[best])
                         : freq[i] > freq[best]))
                    best = i;
            }
        }
        len = code[best];
        if (kraft > (1u << MAXBITS)) {
            kraft -= (1u << MAXBITS) >> (len + 1);
            code[best] = (uint16_t)(len + 1);
        } else {
            kraft += (1u << MAXBITS) >> len;
            code[best] = (uint16_t)(len - 1);
        }
    }
    for (len = 0; len <= MAXBITS; len++)
        count[len] = 0;
    for (i = 0; i < n; i++)
        count[code[i]]++;
    next[1] = 0;
    for (len = 2; len <= MAXBITS; len++)
        next[len] = (next[len - 1] + count[len - 1]) << 1;
    for (i = 0; i < n; i++) {
        static const uint8_t rev4[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
        unsigned c = next[code[i]]++, r;
        len = code[i];
        r = (unsigned)rev4[c & 15] << 8 | (unsigned)rev4[c >> 4 & 15] << 4 | rev4[c >> 8 & 15];
        code[i] = (uint16_t)((r >> (MAXBITS - len)) << 4 | len);
    }
}

/* End the block and start a dynamic one whose code comes from the counts so far (the block
 * just ended in full, each older one at a quarter of the next one's weight). The code lengths
 * go out one per call afterwards (z->hdr), through the small output queue. */
static void new_block(esploader_deflate_t *z)
{
    unsigned i;
    put_sym(z, 256);
    build_code(z->code, z->freq, NLIT);
    build_code(z->code + NLIT, z->freq + NLIT, NDIST);
    for (i = 0; i < NLIT + NDIST; i++) /* older blocks count a quarter: smoother estimates */
        z->freq[i] = (uint16_t)(z->freq[i] >> 2); /* (at most 4/3 of a block's 33 K symbols) */
    put_bits(z, 4, 3);                            /* not final, dynamic */
    put_bits(z, (NLIT - 257) | (NDIST - 1) << 5 | 15u << 10, 14); /* HLIT HDIST HCLEN=19 */
    /* code length code: lengths 0..15 all 4 bits long (code = the value), 16..18 unused;
     * sent in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 15 */
    put_bits(z, 0, 9);
    for (i = 0; i < 16; i++)
        put_bits(z, 4, 3);
    z->dyn = 0;
    z->hdr = 1;
    z->block_end = z->pos + ESPLOADER_DEFLATE_BLOCK;
}

/* Encode what starts at z->pos: one literal or one match. */
static void step(esploader_deflate_t *z)
{
    uint32_t p = z->pos;
    unsigned len, dist = 0;

    insert_upto(z, p + 1);
    if (z->peek_len) {
        len = z->peek_len;
        dist = z->peek_dist;
        z->peek_len = 0;
    } else {
        len = find_match(z, p, &dist);
    }
    if (len && len < LAZY_MAX) {
        unsigned d2 = 0, len2;
        insert_upto(z, p + 2);
        len2 = find_match(z, p + 1, &d2);
        if (len2 > len) {
            z->peek_len = (uint16_t)len2;
            z->peek_dist = (uint16_t)d2;
            len = 0;
        }
    }
    if (len) {
        put_match(z, len, dist);
        z->pos = p + len;
    } else {
        put_sym(z, z->ring[p & RING_MASK]);
        z->pos = p + 1;
    }
}

void esploader_deflate_init(esploader_deflate_t *z, unsigned max_chain)
{
    espl_mem_fill(z, 0, sizeof(*z));
    z->adler = 1;
    z->block_end = ESPLOADER_DEFLATE_FIRST_BLOCK;
    z->max_chain = (uint16_t)(max_chain ? max_chain : ESPLOADER_DEFLATE_CHAIN_DEFAULT);
}

int esploader_deflate(esploader_deflate_t *z, const uint8_t *in, size_t *in_len, uint8_t *out,
                      size_t *out_len, int finish)
{
    size_t il = *in_len, ol = *out_len;
    int rc = ESPLOADER_DEFLATE_MORE;

    for (;;) {
        while (z->pend_pos < z->pend_len && ol) {
            *out++ = z->pend[z->pend_pos++];
            ol--;
        }
        if (z->pend_pos < z->pend_len)
            break; /* the output is full */
        z->pend_pos = z->pend_len = 0;
        if (z->state == ST_DONE) {
            rc = ESPLOADER_DEFLATE_DONE;
            break;
        }
        if (z->hdr) { /* the next code length of the new block's header */
            unsigned len = z->code[z->hdr - 1] & 15u;
            put_code(z, len, 4);
            if (++z->hdr > NLIT + NDIST) {
                z->hdr = 0;
                z->dyn = 1;
            }
            continue;
        }
        if (z->state == ST_HEADER) {
            put_bits(z, 0x1138, 16); /* CMF 0x38 (deflate, 2 KB window), FLG 0x11 */
            put_bits(z, 2, 3);       /* not final, fixed Huffman */
            z->state = ST_DATA;
            continue;
        }
        while (il && z->end - z->pos < ESPLOADER_DEFLATE_LOOKAHEAD) {
            uint32_t a = z->adler & 0xffffu, b = z->adler >> 16;
            uint8_t c = *in++;
            il--;
            z->ring[z->end++ & RING_MASK] = c;
            a += c;
            if (a >= 65521u)
                a -= 65521u;
            b += a;
            if (b >= 65521u)
                b -= 65521u;
            z->adler = b << 16 | a;
        }
        if (z->end - z->pos < ESPLOADER_DEFLATE_LOOKAHEAD && !finish)
            break; /* wait for input */
        if (z->pos == z->end) {
            put_sym(z, 256);   /* end of block */
            put_bits(z, 3, 3); /* final, fixed Huffman */
            z->dyn = 0;
            put_sym(z, 256);
            put_bits(z, 0, (8u - z->nbits) & 7u);
            put_bits(z, z->adler >> 24 | (z->adler >> 8 & 0xff00u), 16);
            put_bits(z, (z->adler >> 8 & 0xffu) | (z->adler & 0xffu) << 8, 16);
            z->state = ST_DONE;
            continue;
        }
        if (z->pos >= z->block_end) {
            new_block(z);
            continue;
        }
        step(z);
    }
    *in_len -= il;
    *out_len -= ol;
    return rc;
}

/* ---- the compressor interface (esploader_compress.h) ---- */
static int dc_begin(void *ctx)
{
    esploader_deflate_t *z = (esploader_deflate_t *)ctx;
    esploader_deflate_init(z, z->max_chain);
    return 0;
}

static int dc_run(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                  size_t out_cap, size_t *out_len, bool finish)
{
    *in_used = in_len;
    *out_len = out_cap;
    return esploader_deflate((esploader_deflate_t *)ctx, in, in_used, out, out_len, finish) ==
                   ESPLOADER_DEFLATE_DONE
               ? ESPLOADER_COMPRESS_END
               : ESPLOADER_COMPRESS_MORE;
}

static const esploader_compressor_ops_t deflate_ops = {dc_begin, dc_run};

void esploader_deflate_compressor(esploader_compressor_t *c, esploader_deflate_t *z,
                                  unsigned max_chain)
{
    esploader_deflate_init(z, max_chain);
    c->ops = &deflate_ops;
    c->ctx = z;
}
