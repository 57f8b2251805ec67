/* The compressor contract checks (compress_contract.h). */
#include "compress_contract.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

long contract_compress(const esploader_compressor_t *c, const uint8_t *data, size_t len,
                       size_t in_chunk, size_t out_cap, uint8_t *out, size_t out_max)
{
    size_t pos = 0, olen = 0;
    int stalls = 0;

    if (c->ops->begin(c->ctx) != 0) {
        return -1;
    }
    for (;;) {
        size_t n = len - pos, used = 0, made = 0, cap = out_cap;
        bool finish;
        int r;
        if (in_chunk && n > in_chunk) {
            n = in_chunk;
        }
        finish = pos + n == len;
        if (cap > out_max - olen) {
            cap = out_max - olen;
        }
        if (cap == 0) {
            return -1; /* more output than any sane bound */
        }
        r = c->ops->run(c->ctx, n ? data + pos : NULL, n, &used, out + olen, cap, &made, finish);
        if (r < 0 || used > n || made > cap) {
            return -1;
        }
        pos += used;
        olen += made;
        if (r == ESPLOADER_COMPRESS_END) {
            return finish && used == n && pos == len ? (long)olen : -1;
        }
        stalls = used == 0 && made == 0 ? stalls + 1 : 0;
        if (stalls > 1) {
            return -1; /* no progress although there was work and room */
        }
    }
}

static void expect_inflates_to(const uint8_t *z, size_t zlen, const uint8_t *data, size_t len)
{
    uint8_t *back = malloc(len + 1);
    z_stream s;
    int r;

    assert_non_null(back);
    assert_true(zlen >= 6);
    /* RFC 1950 header: CM = 8, CINFO <= 7 (32 KB window), FDICT = 0, FCHECK valid */
    assert_int_equal(z[0] & 0x0F, 8);
    assert_true((z[0] >> 4) <= 7);
    assert_int_equal(z[1] & 0x20, 0);
    assert_int_equal(((unsigned)z[0] << 8 | z[1]) % 31, 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(inflateInit(&s), Z_OK);
    s.next_in = (Bytef *)(uintptr_t)z;
    s.avail_in = (uInt)zlen;
    s.next_out = back;
    s.avail_out = (uInt)len + 1;
    r = inflate(&s, Z_FINISH);
    assert_int_equal(r, Z_STREAM_END); /* complete, Adler-32 checked */
    assert_int_equal(s.total_out, len);
    assert_int_equal(s.avail_in, 0); /* nothing after the trailer */
    assert_memory_equal(back, data, len);
    inflateEnd(&s);
    free(back);
}

void contract_check(const esploader_compressor_t *c, const uint8_t *data, size_t len)
{
    static const size_t chunks[] = {0, 1, 7, 1000, 4096};
    static const size_t caps[] = {1, 13, 1024, 16384};
    size_t max = len + len / 8 + 1024, i, k;
    uint8_t *a = malloc(max), *b = malloc(max);
    long la, lb;

    assert_non_null(a);
    assert_non_null(b);
    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
            if (len > 20000 && (chunks[i] == 1 || caps[k] == 1)) {
                continue; /* byte-at-a-time over large inputs: slow, says nothing new */
            }
            la = contract_compress(c, data, len, chunks[i], caps[k], a, max);
            assert_true(la > 0);
            expect_inflates_to(a, (size_t)la, data, len);
            /* determinism: the same calls again, after a new begin() */
            lb = contract_compress(c, data, len, chunks[i], caps[k], b, max);
            assert_int_equal(la, lb);
            assert_memory_equal(a, b, (size_t)la);
        }
    }
    /* begin() abandons a stream half-way: the next stream is clean */
    if (len > 1) {
        size_t used = 0, made = 0;
        assert_int_equal(c->ops->begin(c->ctx), 0);
        assert_true(c->ops->run(c->ctx, data, len / 2, &used, a, 64, &made, false) >= 0);
        la = contract_compress(c, data, len, 0, 1024, a, max);
        assert_true(la > 0);
        expect_inflates_to(a, (size_t)la, data, len);
    }
    free(a);
    free(b);
}
