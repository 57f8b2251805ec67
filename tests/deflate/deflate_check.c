/* Test support for the core's deflate compressor (see deflate_check.h). */
#include "deflate_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

char dc_error[256];

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dc_error, sizeof(dc_error), fmt, ap);
    va_end(ap);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

size_t dc_compress(const uint8_t *in, size_t n, uint8_t *out, size_t cap, unsigned max_chain,
                   const dc_chunking_t *ch)
{
    esploader_deflate_t *z = malloc(sizeof(*z));
    size_t ip = 0, op = 0, calls = 0;
    uint64_t rng = ch ? ch->seed : 0;
    int rc = ESPLOADER_DEFLATE_MORE;

    if (!z) {
        fail("out of memory");
        return (size_t)-1;
    }
    esploader_deflate_init(z, max_chain);
    while (rc != ESPLOADER_DEFLATE_DONE) {
        size_t il = n - ip, ol = cap - op, il0, ol0;
        if (ch && ch->seed) {
            size_t a = (size_t)(rng_next(&rng) % (ch->max_in + 1));
            size_t b = (size_t)(rng_next(&rng) % (ch->max_out + 1));
            if (a < il)
                il = a;
            if (b < ol)
                ol = b;
        } else if (ch) {
            if (ch->in_step && ch->in_step < il)
                il = ch->in_step;
            if (ch->out_step && ch->out_step < ol)
                ol = ch->out_step;
        }
        il0 = il;
        ol0 = ol;
        /* finish exactly when the call is given the last of the input */
        rc = esploader_deflate(z, in + ip, &il, out + op, &ol, ip + il0 == n);
        if (il > il0 || ol > ol0) {
            fail("call %zu reported more than it was given", calls);
            free(z);
            return (size_t)-1;
        }
        ip += il;
        op += ol;
        calls++;
        if (rc != ESPLOADER_DEFLATE_DONE && il == 0 && ol == 0 && ol0 > 0 && (il0 > 0 || ip == n)) {
            /* offered input (or told it is finishing) and room, and nothing moved */
            fail("stall at input %zu output %zu", ip, op);
            free(z);
            return (size_t)-1;
        }
        if (op == cap && rc != ESPLOADER_DEFLATE_DONE && cap >= ESPLOADER_DEFLATE_BOUND(n)) {
            fail("output exceeds ESPLOADER_DEFLATE_BOUND(%zu)", n);
            free(z);
            return (size_t)-1;
        }
        if (calls > 4 * (n + cap) + 1000) {
            fail("no end after %zu calls", calls);
            free(z);
            return (size_t)-1;
        }
    }
    if (ip != n) {
        fail("finished with %zu of %zu input bytes taken", ip, n);
        op = (size_t)-1;
    }
    free(z);
    return op;
}

int dc_zlib_check(const uint8_t *zs, size_t zn, const uint8_t *want, size_t n, int byte_out)
{
    z_stream s;
    uint8_t *buf = malloc(n + 16);
    int rc = Z_OK, ret = -1;

    memset(&s, 0, sizeof(s));
    if (!buf || inflateInit2(&s, 11) != Z_OK) {
        fail("inflateInit2 failed");
        free(buf);
        return -1;
    }
    s.next_in = (Bytef *)(uintptr_t)zs;
    s.avail_in = (uInt)zn;
    s.next_out = buf;
    if (byte_out) {
        while (rc == Z_OK && s.total_out < n + 16) {
            s.avail_out = 1;
            rc = inflate(&s, Z_NO_FLUSH);
        }
    } else {
        s.avail_out = (uInt)(n + 16);
        rc = inflate(&s, Z_FINISH);
    }
    if (rc != Z_STREAM_END)
        fail("inflate: %d (%s) after %lu bytes", rc, s.msg ? s.msg : "",
             (unsigned long)s.total_out);
    else if (s.total_out != n)
        fail("inflate: %lu bytes, want %zu", (unsigned long)s.total_out, n);
    else if (n && memcmp(buf, want, n) != 0)
        fail("inflate: content differs");
    else if (s.avail_in != 0)
        fail("inflate: %u bytes after the stream", s.avail_in);
    else
        ret = 0;
    inflateEnd(&s);
    free(buf);
    return ret;
}

/* ---- the parser (RFC 1951 tables typed in, not derived from the compressor) ---- */
static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

typedef struct bitrd {
    const uint8_t *p;
    size_t n, bit;
    int over;
} bitrd_t;

static unsigned getbit(bitrd_t *b)
{
    unsigned v;
    if (b->bit >= 8 * b->n) {
        b->over = 1;
        return 0;
    }
    v = (b->p[b->bit >> 3] >> (b->bit & 7)) & 1u;
    b->bit++;
    return v;
}

static unsigned getbits(bitrd_t *b, unsigned n)
{
    unsigned v = 0, i;
    for (i = 0; i < n; i++)
        v |= getbit(b) << i;
    return v;
}

static int fixed_sym(bitrd_t *b)
{
    unsigned c = 0, i;
    for (i = 0; i < 7; i++)
        c = c << 1 | getbit(b);
    if (c <= 0x17)
        return 256 + (int)c;
    c = c << 1 | getbit(b);
    if (c >= 0x30 && c <= 0xbf)
        return (int)c - 0x30;
    if (c >= 0xc0 && c <= 0xc7)
        return 280 + (int)c - 0xc0;
    c = c << 1 | getbit(b);
    return 144 + (int)c - 0x190;
}

/* A canonical Huffman decoder built from code lengths (RFC 1951 §3.2.2), decoded bit by bit. */
typedef struct huff {
    uint16_t count[16];
    uint16_t symbol[320];
} huff_t;

static int huff_build(huff_t *h, const uint8_t *len, unsigned n)
{
    uint16_t offs[16];
    int left = 1;
    memset(h->count, 0, sizeof(h->count));
    for (unsigned i = 0; i < n; i++)
        h->count[len[i]]++;
    for (unsigned l = 1; l < 16; l++) {
        left <<= 1;
        left -= h->count[l];
        if (left < 0)
            return -1; /* over-subscribed */
    }
    offs[1] = 0;
    for (unsigned l = 1; l < 15; l++)
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
    for (unsigned i = 0; i < n; i++)
        if (len[i])
            h->symbol[offs[len[i]]++] = (uint16_t)i;
    return left; /* 0: complete */
}

static int huff_decode(bitrd_t *b, const huff_t *h)
{
    int code = 0, first = 0, index = 0;
    for (unsigned l = 1; l < 16; l++) {
        int count = h->count[l];
        code |= (int)getbit(b);
        if (code - count < first)
            return h->symbol[index + (code - first)];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* Read a dynamic block's code lengths (RFC 1951 §3.2.7); 0 if both codes are complete. */
static int read_dynamic(bitrd_t *b, huff_t *lit, huff_t *dist)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint8_t len[320], cl[19];
    huff_t clh;
    unsigned hlit = getbits(b, 5) + 257, hdist = getbits(b, 5) + 1, hclen = getbits(b, 4) + 4, i;
    memset(cl, 0, sizeof(cl));
    for (i = 0; i < hclen; i++)
        cl[order[i]] = (uint8_t)getbits(b, 3);
    if (hlit > 286 || hdist > 30 || huff_build(&clh, cl, 19) != 0) {
        fail("bad dynamic header (hlit %u hdist %u or code length code)", hlit, hdist);
        return -1;
    }
    for (i = 0; i < hlit + hdist;) {
        int sym = huff_decode(b, &clh);
        unsigned rep = 0, val = 0;
        if (sym < 0 || b->over) {
            fail("bad code length symbol");
            return -1;
        }
        if (sym < 16) {
            len[i++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (i == 0) {
                fail("repeat with no previous length");
                return -1;
            }
            val = len[i - 1];
            rep = 3 + getbits(b, 2);
        } else if (sym == 17) {
            rep = 3 + getbits(b, 3);
        } else {
            rep = 11 + getbits(b, 7);
        }
        if (i + rep > hlit + hdist) {
            fail("code lengths overrun");
            return -1;
        }
        while (rep--)
            len[i++] = (uint8_t)val;
    }
    if (huff_build(lit, len, hlit) != 0 || huff_build(dist, len + hlit, hdist) != 0) {
        fail("incomplete or over-subscribed literal/length or distance code");
        return -1;
    }
    return 0;
}

int dc_parse(const uint8_t *zs, size_t zn, const uint8_t *want, size_t n, dc_stats_t *st)
{
    bitrd_t b = {zs, zn, 16, 0};
    uint8_t *out = malloc(n + 1);
    size_t o = 0;
    uint32_t a = 1, s2 = 0, adler;
    int ret = -1, final = 0;

    memset(st, 0, sizeof(*st));
    if (!out)
        return -1;
    if (zn < 6 || zs[0] != 0x38 || zs[1] != 0x11 || ((zs[0] << 8) | zs[1]) % 31 != 0) {
        fail("bad zlib header");
        goto done;
    }
    while (!final) {
        unsigned type;
        huff_t lit, dist;
        final = (int)getbit(&b);
        type = getbits(&b, 2);
        st->blocks++;
        if (type == 2) {
            st->dynamic_blocks++;
            if (read_dynamic(&b, &lit, &dist) != 0)
                goto done;
        } else if (type != 1) {
            fail("block %u has type %u, not Huffman coded", st->blocks, type);
            goto done;
        }
        for (;;) {
            int sym = type == 2 ? huff_decode(&b, &lit) : fixed_sym(&b);
            if (b.over) {
                fail("stream ends inside block %u", st->blocks);
                goto done;
            }
            if (sym < 256) {
                if (o >= n) {
                    fail("output longer than the input");
                    goto done;
                }
                out[o++] = (uint8_t)sym;
                st->literals++;
            } else if (sym == 256) {
                break;
            } else if (sym < 0 || sym > 285) {
                fail("invalid length symbol %d", sym);
                goto done;
            } else {
                unsigned len = len_base[sym - 257] + getbits(&b, len_extra[sym - 257]);
                unsigned dc = 0, d, i;
                if (type == 2) {
                    int ds = huff_decode(&b, &dist);
                    dc = ds < 0 ? 99 : (unsigned)ds;
                } else {
                    for (i = 0; i < 5; i++)
                        dc = dc << 1 | getbit(&b);
                }
                if (dc > 29) {
                    fail("invalid distance code %u", dc);
                    goto done;
                }
                d = dist_base[dc] + getbits(&b, dist_extra[dc]);
                if (d > o || o + len > n) {
                    fail("match dist %u len %u at %zu out of range", d, len, o);
                    goto done;
                }
                for (i = 0; i < len; i++, o++)
                    out[o] = out[o - d];
                st->matches++;
                if (d > st->max_dist)
                    st->max_dist = d;
                if (len > st->max_len)
                    st->max_len = len;
            }
        }
    }
    st->final_seen = 1;
    b.bit = (b.bit + 7) & ~(size_t)7;
    if (b.bit / 8 + 4 != zn) {
        fail("%zu bytes after the deflate data, want 4", zn - b.bit / 8);
        goto done;
    }
    adler = (uint32_t)zs[zn - 4] << 24 | (uint32_t)zs[zn - 3] << 16 | (uint32_t)zs[zn - 2] << 8 |
            zs[zn - 1];
    for (size_t i = 0; i < o; i++) {
        a = (a + out[i]) % 65521u;
        s2 = (s2 + a) % 65521u;
    }
    if (o != n || (n && memcmp(out, want, n) != 0))
        fail("parsed %zu bytes, content %s", o, o == n ? "differs" : "short");
    else if (adler != (s2 << 16 | a))
        fail("Adler-32 %08x, want %08x", adler, s2 << 16 | a);
    else
        ret = 0;
done:
    free(out);
    return ret;
}
