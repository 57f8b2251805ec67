/* The zlib adapter (hostlib/esploader_zlib_compress.c) against the compressor contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress_contract.h"
#include "esploader_zlib_compress.h"

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

static void fill(uint8_t *p, size_t n, int kind)
{
    uint32_t s = 42;
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: /* zeros */
            p[i] = 0;
            break;
        case 1: /* random: incompressible */
            p[i] = (uint8_t)rnd(&s);
            break;
        default: /* text-like, repetitive */
            p[i] = (uint8_t)("firmware image 0123 "[i % 20] ^ (rnd(&s) % 16 == 0));
            break;
        }
    }
}

static void test_contract(void **state)
{
    static const size_t sizes[] = {1, 2, 1023, 1024, 4096, 65536 + 17, 300000};
    esploader_compressor_t c;
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&c, 9), 0);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int kind = 0; kind < 3; kind++) {
            uint8_t *d = malloc(sizes[i]);
            assert_non_null(d);
            fill(d, sizes[i], kind);
            contract_check(&c, d, sizes[i]);
            free(d);
        }
    }
    esploader_zlib_compressor_close(&c);
    assert_null(c.ctx);
    esploader_zlib_compressor_close(&c); /* twice is harmless */
}

static void test_misuse(void **state)
{
    esploader_compressor_t c;
    uint8_t in[16] = {0}, out[64];
    size_t used, made;
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&c, 10), -1);
    assert_int_equal(esploader_zlib_compressor_open(&c, -1), -1);
    assert_int_equal(esploader_zlib_compressor_open(&c, 0), 0); /* 0 = default level */
    /* run() before begin() is an error, not a crash */
    assert_true(c.ops->run(c.ctx, in, sizeof(in), &used, out, sizeof(out), &made, true) < 0);
    assert_int_equal(c.ops->begin(c.ctx), 0);
    assert_int_equal(c.ops->run(c.ctx, in, sizeof(in), &used, out, sizeof(out), &made, true),
                     ESPLOADER_COMPRESS_END);
    /* ... and after the stream ended, until the next begin() */
    assert_true(c.ops->run(c.ctx, in, sizeof(in), &used, out, sizeof(out), &made, true) < 0);
    esploader_zlib_compressor_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
