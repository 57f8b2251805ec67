/* The core's deflate behind the compressor interface (esploader_deflate_compressor) against the
 * contract every compressor must meet (tests/unit/compress_contract.c, shared with the zlib
 * adapter's test): valid zlib streams over several chunkings, identical output for identical
 * calls, begin() abandoning a stream half-way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress_contract.h"
#include "esploader/esploader_deflate.h"
#include "fwgen.h"

static void test_contract(void **state)
{
    static const size_t sizes[] = {1, 2, 261, 262, 263, 1023, 2048, 4096, 65536 + 17, 300000};
    static const unsigned chains[] = {0, 1, 128};
    esploader_deflate_t *z = malloc(sizeof(*z));
    esploader_compressor_t c;
    (void)state;
    assert_non_null(z);
    for (size_t k = 0; k < sizeof(chains) / sizeof(chains[0]); k++) {
        esploader_deflate_compressor(&c, z, chains[k]);
        assert_ptr_equal(c.ctx, z);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            for (int kind = 0; kind < 3; kind++) {
                uint8_t *d = malloc(sizes[i]);
                mk_fwgen_t g;
                assert_non_null(d);
                if (kind == 0) {
                    memset(d, 0xff, sizes[i]);
                } else if (kind == 1) {
                    uint64_t s = 5;
                    for (size_t j = 0; j < sizes[i]; j++)
                        d[j] = (uint8_t)((s = s * 6364136223846793005ull + 1) >> 56);
                } else {
                    mk_fwgen_init(&g, 3, false, 0x400d0000u, 0x3ffb0000u);
                    mk_fwgen_fill(&g, MK_FW_CODE, d, sizes[i]);
                }
                contract_check(&c, d, sizes[i]);
                free(d);
            }
        }
        /* begin() keeps the chain depth it was set up with */
        assert_int_equal(z->max_chain, chains[k] ? chains[k] : ESPLOADER_DEFLATE_CHAIN_DEFAULT);
    }
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_contract)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
