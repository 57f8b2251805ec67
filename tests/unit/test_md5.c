/* MD5 (RFC 1321 appendix A.5 test suite), incremental updates, and the traces' known digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader_md5.h"
#include "trace_data.h"

static void expect_md5(const void *data, size_t len, const char *hex)
{
    esploader_md5_t c;
    uint8_t got[16], want[16];
    assert_int_equal(hex_bytes(hex, want, sizeof(want)), 16);
    esploader_md5_init(&c);
    esploader_md5_update(&c, data, len);
    esploader_md5_final(&c, got);
    assert_memory_equal(got, want, 16);
    memset(got, 0, sizeof(got));
    esploader_md5(data, len, got); /* the one-shot form agrees */
    assert_memory_equal(got, want, 16);
}

static void test_rfc1321(void **state)
{
    static const struct {
        const char *msg, *md5;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890"
         "123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        expect_md5(v[i].msg, strlen(v[i].msg), v[i].md5);
}

static void test_trace_digests(void **state)
{
    uint8_t bin[SMALL_BIN_LEN], ff[4096];
    (void)state;
    small_bin(bin);
    /* small.bin, as the ROM and stub reported it */
    expect_md5(bin, sizeof(bin), "8ecca04c7c65c51c2b242d533d8630d7");
    /* an erased 4 KB sector (traces/README.md) */
    memset(ff, 0xFF, sizeof(ff));
    expect_md5(ff, sizeof(ff), "6ae59e64850377ee5470c854761551ea");
    /* 2 x 1 KB of 0xFF (esp32-rom-probes A31: md5(FF+FF)) */
    expect_md5(ff, 2048, "e0deebd3c3f560212af17c68b9344bae");
}

static void test_incremental(void **state)
{
    /* Any split of the input, across the 64-byte block and the 55/56-byte padding edges. */
    uint8_t bin[SMALL_BIN_LEN], one[16], parts[16];
    esploader_md5_t c;
    size_t len, k;
    (void)state;
    small_bin(bin);
    for (len = 50; len <= 130; len++) {
        esploader_md5_init(&c);
        esploader_md5_update(&c, bin, len);
        esploader_md5_final(&c, one);
        for (k = 0; k <= len; k += 7) {
            esploader_md5_init(&c);
            esploader_md5_update(&c, bin, k);
            esploader_md5_update(&c, bin + k, 0);
            esploader_md5_update(&c, bin + k, len - k);
            esploader_md5_final(&c, parts);
            assert_memory_equal(one, parts, 16);
        }
    }
    /* byte by byte over the whole file */
    esploader_md5_init(&c);
    for (k = 0; k < sizeof(bin); k++)
        esploader_md5_update(&c, bin + k, 1);
    esploader_md5_final(&c, parts);
    expect_md5(bin, sizeof(bin), "8ecca04c7c65c51c2b242d533d8630d7");
    {
        uint8_t want[16];
        hex_bytes("8ecca04c7c65c51c2b242d533d8630d7", want, 16);
        assert_memory_equal(parts, want, 16);
    }
}

static void test_padding_edges(void **state)
{
    /* Lengths 55, 56, 63, 64 of 'a' (checked with an independent MD5 implementation). */
    char a[128];
    (void)state;
    memset(a, 'a', sizeof(a));
    expect_md5(a, 55, "ef1772b6dff9a122358552954ad0df65");
    expect_md5(a, 56, "3b0c8ac703f828b04c6c197006d17218");
    expect_md5(a, 63, "b06521f39153d618550606be297466d5");
    expect_md5(a, 64, "014842d480b571495a4a0363793f7367");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321),
        cmocka_unit_test(test_trace_digests),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_padding_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
