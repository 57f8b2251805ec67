/*
 * Golden byte vectors for every command encoder in proto.h. The expected bytes are typed in
 * from the real-ROM traces (the tests/traces files: what esptool v5.3.1 sent) or, where no
 * trace has the command, worked out by hand from docs/protocol.md §2-§5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "trace_data.h"

/* Compare an encoder's output with hex text (unescaped frame body). */
static void expect_hex(const uint8_t *out, size_t n, const char *hex)
{
    uint8_t want[128];
    size_t wl = hex_bytes(hex, want, sizeof(want));
    assert_true(wl > 0);
    assert_int_equal(n, wl);
    assert_memory_equal(out, want, wl);
}

static void test_le_helpers(void **state)
{
    uint8_t b[4] = {0};
    (void)state;
    espl_put_le32(b, 0x12345678);
    assert_int_equal(b[0], 0x78);
    assert_int_equal(b[1], 0x56);
    assert_int_equal(b[2], 0x34);
    assert_int_equal(b[3], 0x12);
    assert_int_equal(espl_get_le32(b), 0x12345678);
    espl_put_le16(b, 0xBEEF);
    assert_int_equal(b[0], 0xEF);
    assert_int_equal(b[1], 0xBE);
    assert_int_equal(espl_get_le16(b), 0xBEEF);
    b[0] = 0x83;
    b[1] = 0x1D;
    b[2] = 0xF0;
    b[3] = 0x00;
    assert_int_equal(espl_get_le32(b), 0x00F01D83u); /* the ESP32 magic from the READ_REG reply */
    b[3] = 0xFF;
    assert_int_equal(espl_get_le32(b), 0xFFF01D83u); /* no sign extension */
}

static void test_checksum(void **state)
{
    static const uint8_t d[] = {0x10, 0x20, 0x33};
    uint8_t bin[SMALL_BIN_LEN];
    (void)state;
    assert_int_equal(espl_proto_checksum(d, 0, ESP_PROTO_CHECKSUM_SEED), 0xEF);
    assert_int_equal(espl_proto_checksum(d, 3, ESP_PROTO_CHECKSUM_SEED), 0xEC); /* EF^10^20^33 */
    assert_int_equal(espl_proto_checksum(d, 3, 0x00), 0x03);
    /* the three 1 KB blocks of small.bin: chk=0x93, 0xA6, 0xA1 in the write-flash-u traces */
    small_bin(bin);
    assert_int_equal(espl_proto_checksum(bin, 1024, ESP_PROTO_CHECKSUM_SEED), 0x93);
    assert_int_equal(espl_proto_checksum(bin + 1024, 1024, ESP_PROTO_CHECKSUM_SEED), 0xA6);
    assert_int_equal(espl_proto_checksum(bin + 2048, 1024, ESP_PROTO_CHECKSUM_SEED), 0xA1);
}

static void test_header(void **state)
{
    uint8_t out[8];
    (void)state;
    espl_proto_header(out, ESP_OP_FLASH_DATA, 0x0410, 0x93);
    expect_hex(out, 8, "00 03 10 04 93 00 00 00");
    espl_proto_header(out, ESP_OP_MEM_DATA, 0x0DE4, 0xCD);
    expect_hex(out, 8, "00 07 e4 0d cd 00 00 00");
}

static void test_sync(void **state)
{
    uint8_t out[8 + 36];
    size_t n;
    (void)state;
    n = espl_proto_enc_sync(out);
    expect_hex(out, n,
               "00 08 24 00 00 00 00 00 07 07 12 20"
               " 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55"
               " 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55");
}

static void test_read_reg(void **state)
{
    uint8_t out[12];
    (void)state;
    expect_hex(out, espl_proto_enc_read_reg(out, 0x40001000),
               "00 0a 04 00 00 00 00 00 00 10 00 40");
    expect_hex(out, espl_proto_enc_read_reg(out, 0x3FF5A00C),
               "00 0a 04 00 00 00 00 00 0c a0 f5 3f");
    expect_hex(out, espl_proto_enc_read_reg(out, 0x60008850),
               "00 0a 04 00 00 00 00 00 50 88 00 60");
}

static void test_write_reg(void **state)
{
    uint8_t out[24];
    (void)state;
    /* esp32-stub-write-flash-z: [SPI_MISO_DLEN] = 0x17 */
    expect_hex(out, espl_proto_enc_write_reg(out, 0x3FF4202C, 0x17, 0xFFFFFFFF, 0),
               "00 09 10 00 00 00 00 00 2c 20 f4 3f 17 00 00 00 ff ff ff ff 00 00 00 00");
    /* [SPI_USER2] = 0x7000009F (RDID) */
    expect_hex(out, espl_proto_enc_write_reg(out, 0x3FF42024, 0x7000009F, 0xFFFFFFFF, 0),
               "00 09 10 00 00 00 00 00 24 20 f4 3f 9f 00 00 70 ff ff ff ff 00 00 00 00");
    /* by hand: a masked write with a delay */
    expect_hex(out, espl_proto_enc_write_reg(out, 0x6000007C, 0xA5A50001, 0x0000FFFF, 1000),
               "00 09 10 00 00 00 00 00 7c 00 00 60 01 00 a5 a5 ff ff 00 00 e8 03 00 00");
}

static void test_begin(void **state)
{
    uint8_t out[28];
    (void)state;
    /* ESP32 ROM FLASH_BEGIN, 4 words (esp32-rom-write-flash-u) */
    expect_hex(out,
               espl_proto_enc_begin(out, ESP_OP_FLASH_BEGIN, 0xC00, 3, 0x400, 0x10000, false, 0),
               "00 02 10 00 00 00 00 00 00 0c 00 00 03 00 00 00 00 04 00 00 00 00 01 00");
    /* ESP32-C3 ROM FLASH_BEGIN, 5 words (esp32c3-rom-write-flash-u) */
    expect_hex(out,
               espl_proto_enc_begin(out, ESP_OP_FLASH_BEGIN, 0xC00, 3, 0x400, 0x10000, true, 0),
               "00 02 14 00 00 00 00 00 00 0c 00 00 03 00 00 00 00 04 00 00 00 00 01 00"
               " 00 00 00 00");
    /* ESP32 ROM FLASH_DEFL_BEGIN (esp32-rom-write-flash-z) */
    expect_hex(
        out, espl_proto_enc_begin(out, ESP_OP_FLASH_DEFL_BEGIN, 0xC00, 1, 0x400, 0x20000, false, 0),
        "00 10 10 00 00 00 00 00 00 0c 00 00 01 00 00 00 00 04 00 00 00 00 02 00");
    /* stub FLASH_DEFL_BEGIN, 5 words, block 0x4000 (esp32-stub-write-flash-z) */
    expect_hex(
        out, espl_proto_enc_begin(out, ESP_OP_FLASH_DEFL_BEGIN, 0xC00, 1, 0x4000, 0x30000, true, 0),
        "00 10 14 00 00 00 00 00 00 0c 00 00 01 00 00 00 00 40 00 00 00 00 03 00"
        " 00 00 00 00");
    /* stub FLASH_BEGIN(0, 0) before FLASH_END(0) (esp32-stub-read-flash) */
    expect_hex(out, espl_proto_enc_begin(out, ESP_OP_FLASH_BEGIN, 0, 0, 0x4000, 0, true, 0),
               "00 02 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 40 00 00 00 00 00 00"
               " 00 00 00 00");
    /* MEM_BEGIN of the stub text (esp32-stub-write-flash-z) */
    expect_hex(out,
               espl_proto_enc_begin(out, ESP_OP_MEM_BEGIN, 0xDD4, 1, 0x1800, 0x400BE000, false, 0),
               "00 05 10 00 00 00 00 00 d4 0d 00 00 01 00 00 00 00 18 00 00 00 e0 0b 40");
    /* by hand: the encrypted word */
    expect_hex(out,
               espl_proto_enc_begin(out, ESP_OP_FLASH_BEGIN, 0x2000, 8, 0x400, 0x8000, true, 1),
               "00 02 14 00 00 00 00 00 00 20 00 00 08 00 00 00 00 04 00 00 00 80 00 00"
               " 01 00 00 00");
}

static void test_end(void **state)
{
    uint8_t out[16];
    (void)state;
    expect_hex(out, espl_proto_enc_flash_end(out, ESP_OP_FLASH_END, 0),
               "00 04 04 00 00 00 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_flash_end(out, ESP_OP_FLASH_END, 1),
               "00 04 04 00 00 00 00 00 01 00 00 00");
    /* stub FLASH_DEFL_END(1) (esp32-stub-write-flash-z) */
    expect_hex(out, espl_proto_enc_flash_end(out, ESP_OP_FLASH_DEFL_END, 1),
               "00 12 04 00 00 00 00 00 01 00 00 00");
    /* MEM_END(0, entry) starting the stub (esp32-stub-write-flash-z) */
    expect_hex(out, espl_proto_enc_mem_end(out, 0x400BE658),
               "00 06 08 00 00 00 00 00 00 00 00 00 58 e6 0b 40");
    /* entry 0: flag 1 = just finish (§5.4) */
    expect_hex(out, espl_proto_enc_mem_end(out, 0),
               "00 06 08 00 00 00 00 00 01 00 00 00 00 00 00 00");
}

static void test_data_hdr(void **state)
{
    uint8_t out[24], bin[SMALL_BIN_LEN];
    static const uint8_t d[] = {0x10, 0x20, 0x33};
    (void)state;
    small_bin(bin);
    /* FLASH_DATA seq 0/1/2 of small.bin (esp32-rom-write-flash-u, first 24 wire bytes) */
    expect_hex(out, espl_proto_enc_data_hdr(out, ESP_OP_FLASH_DATA, bin, 1024, 0),
               "00 03 10 04 93 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_data_hdr(out, ESP_OP_FLASH_DATA, bin + 1024, 1024, 1),
               "00 03 10 04 a6 00 00 00 00 04 00 00 01 00 00 00 00 00 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_data_hdr(out, ESP_OP_FLASH_DATA, bin + 2048, 1024, 2),
               "00 03 10 04 a1 00 00 00 00 04 00 00 02 00 00 00 00 00 00 00 00 00 00 00");
    /* by hand: MEM_DATA seq 5 of 3 bytes: size 19, checksum EF^10^20^33 = EC */
    expect_hex(out, espl_proto_enc_data_hdr(out, ESP_OP_MEM_DATA, d, 3, 5),
               "00 07 13 00 ec 00 00 00 03 00 00 00 05 00 00 00 00 00 00 00 00 00 00 00");
    /* by hand: FLASH_DEFL_DATA of 527 bytes is size 0x21F (as in the -z traces) */
    {
        uint8_t z[527];
        memset(z, 0, sizeof(z));
        z[0] = 0x20 ^ 0xEF; /* checksum = EF ^ z[0] = 0x20, as in the trace */
        expect_hex(out, espl_proto_enc_data_hdr(out, ESP_OP_FLASH_DEFL_DATA, z, 527, 0),
                   "00 11 1f 02 20 00 00 00 0f 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    }
}

static void test_spi_attach(void **state)
{
    uint8_t out[16];
    (void)state;
    /* ROM: config + legacy word (esp32-rom-flash-id / esp32c3-rom-flash-id) */
    expect_hex(out, espl_proto_enc_spi_attach(out, 0, true),
               "00 0d 08 00 00 00 00 00 00 00 00 00 00 00 00 00");
    /* stub: one word (§5.10) */
    expect_hex(out, espl_proto_enc_spi_attach(out, 0, false),
               "00 0d 04 00 00 00 00 00 00 00 00 00");
    /* by hand: HSPI = 1; packed pins clk 6 | q 17<<6 | d 8<<12 | cs 11<<18 | hd 16<<24 */
    expect_hex(out, espl_proto_enc_spi_attach(out, 1, true),
               "00 0d 08 00 00 00 00 00 01 00 00 00 00 00 00 00");
    expect_hex(
        out,
        espl_proto_enc_spi_attach(out, 6u | 17u << 6 | 8u << 12 | 11u << 18 | 16u << 24, false),
        "00 0d 04 00 00 00 00 00 46 84 2c 10");
}

static void test_spi_set_params(void **state)
{
    uint8_t out[32];
    (void)state;
    /* 4 MB (esp32-rom-write-flash-u) */
    expect_hex(out, espl_proto_enc_spi_set_params(out, 0x400000),
               "00 0b 18 00 00 00 00 00 00 00 00 00 00 00 40 00 00 00 01 00 00 10 00 00"
               " 00 01 00 00 ff ff 00 00");
    /* by hand: 16 MB */
    expect_hex(out, espl_proto_enc_spi_set_params(out, 16u << 20),
               "00 0b 18 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 01 00 00 10 00 00"
               " 00 01 00 00 ff ff 00 00");
}

static void test_change_baud(void **state)
{
    uint8_t out[16];
    (void)state;
    /* ROM: (460800, 0) (esp32c3-rom-chip-id-460800) */
    expect_hex(out, espl_proto_enc_change_baud(out, 460800, 0),
               "00 0f 08 00 00 00 00 00 00 08 07 00 00 00 00 00");
    /* stub: (921600, 115200) by hand */
    expect_hex(out, espl_proto_enc_change_baud(out, 921600, 115200),
               "00 0f 08 00 00 00 00 00 00 10 0e 00 00 c2 01 00");
}

static void test_md5(void **state)
{
    uint8_t out[24];
    (void)state;
    expect_hex(out, espl_proto_enc_md5(out, 0x10000, 0xC00),
               "00 13 10 00 00 00 00 00 00 00 01 00 00 0c 00 00 00 00 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_md5(out, 0x30000, 0xC00),
               "00 13 10 00 00 00 00 00 00 00 03 00 00 0c 00 00 00 00 00 00 00 00 00 00");
}

static void test_read_flash_slow(void **state)
{
    uint8_t out[16];
    (void)state;
    expect_hex(out, espl_proto_enc_read_flash_slow(out, 0x10000, 0x40),
               "00 0e 08 00 00 00 00 00 00 00 01 00 40 00 00 00");
    expect_hex(out, espl_proto_enc_read_flash_slow(out, 0x100C0, 0x40),
               "00 0e 08 00 00 00 00 00 c0 00 01 00 40 00 00 00");
}

static void test_read_flash(void **state)
{
    uint8_t out[24];
    (void)state;
    /* esp32-stub-read-flash */
    expect_hex(out, espl_proto_enc_read_flash(out, 0x30000, 0x2000, 0x1000, 64),
               "00 d2 10 00 00 00 00 00 00 00 03 00 00 20 00 00 00 10 00 00 40 00 00 00");
}

static void test_erase_region(void **state)
{
    uint8_t out[16];
    (void)state;
    expect_hex(out, espl_proto_enc_erase_region(out, 0x20000, 0x3000),
               "00 d1 08 00 00 00 00 00 00 00 02 00 00 30 00 00");
}

static void test_simple(void **state)
{
    uint8_t out[8];
    (void)state;
    expect_hex(out, espl_proto_enc_simple(out, ESP_OP_GET_SECURITY_INFO),
               "00 14 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_simple(out, ESP_OP_ERASE_FLASH), "00 d0 00 00 00 00 00 00");
    expect_hex(out, espl_proto_enc_simple(out, ESP_OP_RUN_USER_CODE), "00 d3 00 00 00 00 00 00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_le_helpers),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_read_reg),
        cmocka_unit_test(test_write_reg),
        cmocka_unit_test(test_begin),
        cmocka_unit_test(test_end),
        cmocka_unit_test(test_data_hdr),
        cmocka_unit_test(test_spi_attach),
        cmocka_unit_test(test_spi_set_params),
        cmocka_unit_test(test_change_baud),
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_read_flash_slow),
        cmocka_unit_test(test_read_flash),
        cmocka_unit_test(test_erase_region),
        cmocka_unit_test(test_simple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
