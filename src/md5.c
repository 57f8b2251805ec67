/*
 * MD5 (RFC 1321), written for size: one loop over the 64 steps with the round function, message
 * index and rotation derived from the step number instead of 64 unrolled lines.
 */
#include "esploader/esploader_md5.h"

#include "proto.h"

/* floor(abs(sin(i + 1)) * 2^32), RFC 1321 §3.4. */
static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

/* Per-round rotation amounts: round r, step i uses md5_r[r * 4 + i % 4]. */
static const uint8_t md5_r[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_block(uint32_t st[4], const uint8_t *p)
{
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    unsigned i;

    for (i = 0; i < 64; i++) {
        uint32_t f, t;
        unsigned g, r = i >> 4;
        if (r == 0) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (r == 1) {
            f = (d & b) | (~d & c);
            g = 5 * i + 1;
        } else if (r == 2) {
            f = b ^ c ^ d;
            g = 3 * i + 5;
        } else {
            f = c ^ (b | ~d);
            g = 7 * i;
        }
        t = a + f + md5_k[i] + espl_get_le32(p + 4 * (g & 15));
        r = md5_r[r * 4 + (i & 3)];
        a = d;
        d = c;
        c = b;
        b += (t << r) | (t >> (32 - r));
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

void esploader_md5_init(esploader_md5_t *ctx)
{
    static const uint32_t iv[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    espl_mem_copy(ctx->state, iv, sizeof(iv));
    ctx->count_lo = 0;
    ctx->count_hi = 0;
}

void esploader_md5_update(esploader_md5_t *ctx, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t used = ctx->count_lo & 63;

    if (ctx->count_lo + (uint32_t)len < ctx->count_lo) {
        ctx->count_hi++;
    }
    ctx->count_lo += (uint32_t)len;
    while (len > 0) {
        size_t n = 64 - used;
        if (n > len) {
            n = len;
        }
        espl_mem_copy(ctx->block + used, p, n);
        used += n;
        p += n;
        len -= n;
        if (used == 64) {
            md5_block(ctx->state, ctx->block);
            used = 0;
        }
    }
}

void esploader_md5(const void *data, size_t len, uint8_t digest[16])
{
    esploader_md5_t ctx;
    esploader_md5_init(&ctx);
    esploader_md5_update(&ctx, data, len);
    esploader_md5_final(&ctx, digest);
}

void esploader_md5_final(esploader_md5_t *ctx, uint8_t digest[16])
{
    static const uint8_t pad[2] = {0x80, 0};
    uint8_t len[8];
    unsigned i;

    /* 0x80, zeros up to 56 mod 64, then the bit length (little-endian 64-bit). */
    espl_put_le32(len, ctx->count_lo << 3);
    espl_put_le32(len + 4, ctx->count_hi << 3 | ctx->count_lo >> 29);
    esploader_md5_update(ctx, pad, 1);
    while ((ctx->count_lo & 63) != 56) {
        esploader_md5_update(ctx, pad + 1, 1);
    }
    esploader_md5_update(ctx, len, 8);
    for (i = 0; i < 4; i++) {
        espl_put_le32(digest + 4 * i, ctx->state[i]);
    }
}
