/*
 * Flash writes, verification, recovery, baud change, MAC and registers through the public API
 * against the scripted fake target. Expected frames are the ones esptool sent in the traces
 * (esp32-rom-write-flash-u, esp32c3-rom-write-flash-u, esp32c3-rom-chip-id-460800) or are
 * worked out by hand from docs/protocol.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"
#include "trace_data.h"

static void expect_frame_hex(const fp_frame_t *f, const char *hex)
{
    uint8_t want[128];
    size_t n = hex_bytes(hex, want, sizeof(want));
    assert_non_null(f);
    assert_true(n > 0);
    assert_int_equal(f->len, n);
    assert_memory_equal(f->bytes, want, n);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void connect_chip(fake_port_t *fp, esploader_t *l, esploader_chip_t chip, bool stale)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    fp->stale_status = stale;
    fp_config(fp, &cfg);
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(l), chip);
}

/* A rule answering SPI_FLASH_MD5 like the ROM: 32 lowercase hex characters + 4 status. */
static void rom_md5_rule(fake_port_t *fp, const uint8_t digest[16])
{
    static const char hexd[] = "0123456789abcdef";
    uint8_t text[32], out[128];
    static const uint8_t st[4] = {0, 0, 0, 0};
    size_t i, n;
    for (i = 0; i < 16; i++) {
        text[2 * i] = (uint8_t)hexd[digest[i] >> 4];
        text[2 * i + 1] = (uint8_t)hexd[digest[i] & 15];
    }
    n = fp_build_resp(out, 0x13, 0, text, 32, st, 4);
    fp_add_rule(fp, 0x13, out, n, 1);
}

static void md5_of(const uint8_t *d, size_t len, uint8_t out[16])
{
    esploader_md5_t c;
    esploader_md5_init(&c);
    esploader_md5_update(&c, d, len);
    esploader_md5_final(&c, out);
}

/* Check one FLASH_DATA frame: header, sub-header, data, 0xFF padding, checksum by hand. */
static void check_data_frame(const fp_frame_t *f, uint32_t seq, const uint8_t *data, size_t len,
                             size_t block)
{
    uint8_t chk = 0xEF;
    size_t i;
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 16 + block);
    assert_int_equal(f->bytes[1], 0x03);
    assert_int_equal(f->bytes[2] | f->bytes[3] << 8, 16 + block);
    assert_int_equal(le32(f->bytes + 8), block);
    assert_int_equal(le32(f->bytes + 12), seq);
    assert_int_equal(le32(f->bytes + 16), 0);
    assert_int_equal(le32(f->bytes + 20), 0);
    assert_memory_equal(f->bytes + 24, data, len);
    for (i = len; i < block; i++)
        assert_int_equal(f->bytes[24 + i], 0xFF);
    for (i = 0; i < block; i++)
        chk ^= f->bytes[24 + i];
    assert_int_equal(le32(f->bytes + 4), chk);
}

static void test_write_esp32_rom_trace(void **state)
{
    /* esptool --no-stub write-flash -u 0x10000 small.bin on the ESP32 ROM */
    fake_port_t fp;
    esploader_t l;
    uint8_t bin[SMALL_BIN_LEN], md5_reply[64];
    size_t n, k;
    (void)state;
    small_bin(bin);
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    n = hex_bytes("c0 01 13 24 00 00 00 00 00 38 65 63 63 61 30 34 63 37 63 36 35 63 35 31 63 32"
                  " 62 32 34 32 64 35 33 33 64 38 36 33 30 64 37 00 00 00 00 c0",
                  md5_reply, sizeof(md5_reply));
    assert_int_equal(n, 46);
    fp_add_rule(&fp, 0x13, md5_reply, n, 1);

    assert_int_equal(esploader_flash_start(&l, 0x10000, SMALL_BIN_LEN, 0), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0x02, 0), "00 02 10 00 00 00 00 00 00 0c 00 00 03 00 00 00"
                                               " 00 04 00 00 00 00 01 00");
    for (k = 0; k < 3; k++)
        assert_int_equal(esploader_flash_write(&l, bin + 1024 * k, 1024), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x03), 3);
    {
        static const char *hdr[3] = {
            "00 03 10 04 93 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
            "00 03 10 04 a6 00 00 00 00 04 00 00 01 00 00 00 00 00 00 00 00 00 00 00",
            "00 03 10 04 a1 00 00 00 00 04 00 00 02 00 00 00 00 00 00 00 00 00 00 00"};
        for (k = 0; k < 3; k++) {
            const fp_frame_t *f = fp_find_op(&fp, 0x03, k);
            uint8_t want[24];
            assert_int_equal(hex_bytes(hdr[k], want, 24), 24);
            assert_non_null(f);
            assert_int_equal(f->len, 24 + 1024);
            assert_memory_equal(f->bytes, want, 24);
            assert_memory_equal(f->bytes + 24, bin + 1024 * k, 1024);
        }
    }
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    expect_frame_hex(fp_find_op(&fp, 0x13, 0), "00 13 10 00 00 00 00 00 00 00 01 00 00 0c 00 00"
                                               " 00 00 00 00 00 00 00 00");
    /* the ROM gets no FLASH_END after a write: it would leave the loader (§5.7) */
    assert_int_equal(fp_count_op(&fp, 0x04), 0);
    fp_free(&fp);
}

static void test_write_c3_rom_five_words(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t bin[SMALL_BIN_LEN], d[16];
    size_t k;
    (void)state;
    small_bin(bin);
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, true); /* with stale status bytes */
    md5_of(bin, sizeof(bin), d);
    rom_md5_rule(&fp, d);
    assert_int_equal(esploader_flash_start(&l, 0x10000, SMALL_BIN_LEN, 0), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0x02, 0), "00 02 14 00 00 00 00 00 00 0c 00 00 03 00 00 00"
                                               " 00 04 00 00 00 00 01 00 00 00 00 00");
    for (k = 0; k < 3; k++)
        assert_int_equal(esploader_flash_write(&l, bin + 1024 * k, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    for (k = 0; k < 3; k++)
        check_data_frame(fp_find_op(&fp, 0x03, k), (uint32_t)k, bin + 1024 * k, 1024, 1024);
    fp_free(&fp);
}

static void test_write_padding_and_seq(void **state)
{
    /* 5000 bytes at 0x20000 on the ESP32 ROM: 5 blocks, the last one 904 bytes + 120 x 0xFF */
    fake_port_t fp;
    esploader_t l;
    uint8_t img[5000], d[16];
    const fp_frame_t *f;
    size_t i, off = 0;
    uint32_t seq;
    (void)state;
    for (i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i * 7 + (i >> 8));
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    md5_of(img, sizeof(img), d);
    rom_md5_rule(&fp, d);
    assert_int_equal(esploader_flash_start(&l, 0x20000, sizeof(img), 0), ESPLOADER_OK);
    f = fp_find_op(&fp, 0x02, 0);
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 16);
    assert_int_equal(le32(f->bytes + 8), sizeof(img)); /* ESP32 ROM: the byte count */
    assert_int_equal(le32(f->bytes + 12), 5);
    assert_int_equal(le32(f->bytes + 16), 0x400);
    assert_int_equal(le32(f->bytes + 20), 0x20000);
    while (off < sizeof(img)) {
        size_t n = sizeof(img) - off < 1024 ? sizeof(img) - off : 1024;
        assert_int_equal(esploader_flash_write(&l, img + off, (uint32_t)n), ESPLOADER_OK);
        off += n;
    }
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    assert_int_equal(fp_count_op(&fp, 0x03), 5);
    for (seq = 0; seq < 5; seq++) {
        size_t n = seq < 4 ? 1024 : 5000 - 4096;
        check_data_frame(fp_find_op(&fp, 0x03, seq), seq, img + 1024 * seq, n, 1024);
    }
    /* verified over what was written, without the block padding (§5.9) */
    f = fp_find_op(&fp, 0x13, 0);
    assert_non_null(f);
    assert_int_equal(le32(f->bytes + 8), 0x20000);
    assert_int_equal(le32(f->bytes + 12), sizeof(img));
    fp_free(&fp);
}

static void test_verify_mismatch(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t img[2048], d[16];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)i;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C6, false);
    md5_of(img, sizeof(img), d);
    d[15] ^= 1; /* the flash holds something else */
    rom_md5_rule(&fp, d);
    assert_int_equal(esploader_flash_start(&l, 0x8000, sizeof(img), 0), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img + 1024, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_ERR_VERIFY);
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

static void test_verify_md5_api(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t d[16], got[16];
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    hex_bytes("6ae59e64850377ee5470c854761551ea", d, 16); /* erased 4 KB (traces) */
    rom_md5_rule(&fp, d);                                 /* answers every MD5 request */
    assert_int_equal(esploader_flash_md5(&l, 0x3000, 0x1000, got), ESPLOADER_OK);
    assert_memory_equal(got, d, 16);
    assert_int_equal(esploader_flash_verify_md5(&l, 0x3000, 0x1000, d), ESPLOADER_OK);
    got[0] ^= 0x80;
    assert_int_equal(esploader_flash_verify_md5(&l, 0x3000, 0x1000, got), ESPLOADER_ERR_VERIFY);
    expect_frame_hex(fp_find_op(&fp, 0x13, 0), "00 13 10 00 00 00 00 00 00 30 00 00 00 10 00 00"
                                               " 00 00 00 00 00 00 00 00");
    fp_free(&fp);
}

static void test_verify_buffer_api(void **state)
{
    /* The target answers every MD5 with that of 4 KB of 0xFF: an erased buffer verifies, one
     * flipped byte does not, and the request names the buffer's region and size. */
    fake_port_t fp;
    esploader_t l;
    uint8_t d[16], buf[0x1000];
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    hex_bytes("6ae59e64850377ee5470c854761551ea", d, 16);
    rom_md5_rule(&fp, d);
    memset(buf, 0xFF, sizeof(buf));
    assert_int_equal(esploader_flash_verify_buffer(&l, 0x3000, buf, sizeof(buf)), ESPLOADER_OK);
    buf[100] = 0xFE;
    assert_int_equal(esploader_flash_verify_buffer(&l, 0x3000, buf, sizeof(buf)),
                     ESPLOADER_ERR_VERIFY);
    expect_frame_hex(fp_find_op(&fp, 0x13, 1), "00 13 10 00 00 00 00 00 00 30 00 00 00 10 00 00"
                                               " 00 00 00 00 00 00 00 00");
    assert_int_equal(esploader_flash_block_size(&l), 0x400); /* ROM */
    fp_free(&fp);
}

static void test_rejected_block(void **state)
{
    /* Block 5 (bytes 0x11400..) gets "01 07" (checksum error): the ROM's counter has moved on,
     * so the caller must restart at the sector holding the first unwritten byte: 0x11000. */
    fake_port_t fp;
    esploader_t l;
    uint8_t img[6144], rej[16];
    const esploader_failure_t *fail;
    size_t n, k;
    fp_rule_t *r;
    (void)state;
    memset(img, 0x3C, sizeof(img));
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    n = hex_bytes("c0 01 03 04 00 00 00 00 00 01 07 00 00 c0", rej, sizeof(rej));
    r = fp_add_rule(&fp, 0x03, rej, n, 1);
    hex_bytes("00 04 00 00 05 00 00 00", r->prefix, 8); /* data_len 1024, seq 5 */
    r->prefix_len = 8;
    assert_int_equal(esploader_flash_start(&l, 0x10000, sizeof(img), 0), ESPLOADER_OK);
    for (k = 0; k < 5; k++)
        assert_int_equal(esploader_flash_write(&l, img + 1024 * k, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img + 5 * 1024, 1024), ESPLOADER_ERR_TARGET);
    assert_int_equal(r->matched, 1);
    fail = esploader_last_failure(&l);
    assert_non_null(fail);
    assert_int_equal(fail->command, 0x03);
    assert_int_equal(fail->status, 1);
    assert_int_equal(fail->reason, 7);
    assert_false(fail->stub);
    assert_int_equal(esploader_flash_resume_offset(&l), 0x11000);
    /* the block was not blindly re-sent (it cannot succeed on a real ROM) */
    assert_int_equal(fp_count_op(&fp, 0x03), 6);
    fp_free(&fp);
}

static void test_rejected_first_block(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t img[2048], rej[16];
    size_t n;
    fp_rule_t *r;
    (void)state;
    memset(img, 0x11, sizeof(img));
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, true);
    n = hex_bytes("c0 01 03 04 00 00 00 00 00 01 08 02 03 c0", rej, sizeof(rej)); /* write err */
    r = fp_add_rule(&fp, 0x03, rej, n, 1);
    r->uses = 1;
    assert_int_equal(esploader_flash_start(&l, 0x9000, sizeof(img), 0), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img, 1024), ESPLOADER_ERR_TARGET);
    assert_int_equal(esploader_last_failure(&l)->reason, 8);
    assert_int_equal(esploader_flash_resume_offset(&l), 0x9000);
    fp_free(&fp);
}

static void test_write_without_start(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t b[16] = {0};
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    assert_int_equal(esploader_flash_write(&l, b, sizeof(b)), ESPLOADER_ERR_STATE);
    assert_int_equal(fp_count_op(&fp, 0x03), 0);
    fp_free(&fp);
}

static void test_esp8266_rom_write(void **state)
{
    /* ESP8266 ROM: 4 words with the erase-size workaround, no MD5 (not verified). */
    fake_port_t fp;
    esploader_t l;
    uint8_t img[1024];
    const fp_frame_t *f;
    (void)state;
    memset(img, 0xA5, sizeof(img));
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    assert_int_equal(esploader_flash_start(&l, 0x3000, sizeof(img), 0), ESPLOADER_OK);
    /* the FLASH_BEGIN carrying our data (a FLASH_BEGIN(0,0) may precede it on ESP8266) */
    f = fp_find_op(&fp, 0x02, fp_count_op(&fp, 0x02) - 1);
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 16);
    /* n=1, s=3, head=1 -> (1+1)/2 sectors = 0x1000 */
    assert_int_equal(le32(f->bytes + 8), 0x1000);
    assert_int_equal(le32(f->bytes + 12), 1);
    assert_int_equal(le32(f->bytes + 20), 0x3000);
    assert_int_equal(esploader_flash_write(&l, img, sizeof(img)), ESPLOADER_OK);
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_false(esploader_flash_verified(&l));
    assert_int_equal(fp_count_op(&fp, 0x13), 0);
    fp_free(&fp);
}

static void test_baud_esp8266_rom(void **state)
{
    fake_port_t fp;
    esploader_t l;
    size_t i;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    assert_int_equal(esploader_change_baudrate(&l, 460800), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp_count_op(&fp, 0x0F), 0);
    for (i = 0; i < fp.nevents; i++)
        assert_int_not_equal(fp.events[i].kind, FP_EV_BAUD);
    assert_int_equal(fp.baud, 115200);
    fp_free(&fp);
}

static void test_baud_c3_rom(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint32_t v = 0;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    assert_int_equal(esploader_change_baudrate(&l, 460800), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0x0F, 0), "00 0f 08 00 00 00 00 00 00 08 07 00 00 00 00 00");
    assert_int_equal(fp.baud, 460800);
    /* the C0 C0 after the reply does not disturb the next command */
    fp_set_reg(&fp, 0x60008844, 0x00C0FFEE);
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_OK);
    assert_int_equal(v, 0x00C0FFEE);
    fp_free(&fp);
}

static void test_baud_stub(void **state)
{
    fake_port_t fp;
    esploader_t l;
    esploader_config_t cfg;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_stub_mode(&fp);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_true(esploader_stub_running(&l));
    /* stub: the second word is the current baud (§5.12) */
    assert_int_equal(esploader_change_baudrate(&l, 921600), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0x0F, 0), "00 0f 08 00 00 00 00 00 00 10 0e 00 00 c2 01 00");
    assert_int_equal(fp.baud, 921600);
    fp_free(&fp);
}

static void test_mac_esp32(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t mac[6];
    static const uint8_t want[6] = {0xE5, 0xF6, 0xA1, 0xB2, 0xC3, 0xD4};
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    fp_set_reg(&fp, 0x3FF5A004, 0xA1B2C3D4); /* word1: MAC bytes 2..5 */
    fp_set_reg(&fp, 0x3FF5A008, 0x00ABE5F6); /* word2: low 16 bits = bytes 0..1 (CRC above) */
    assert_int_equal(esploader_read_mac(&l, mac), ESPLOADER_OK);
    assert_memory_equal(mac, want, 6);
    fp_free(&fp);
}

static void test_mac_c3(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t mac[6];
    static const uint8_t want[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, true);
    fp_set_reg(&fp, 0x60008844, 0x33445566); /* mac0 */
    fp_set_reg(&fp, 0x60008848, 0xFFFF1122); /* mac1: only the low 16 bits are MAC */
    assert_int_equal(esploader_read_mac(&l, mac), ESPLOADER_OK);
    assert_memory_equal(mac, want, 6);
    fp_free(&fp);
}

static int mac_8266(uint32_t mac0, uint32_t mac1, uint32_t mac3, uint8_t mac[6])
{
    fake_port_t fp;
    esploader_t l;
    int rc;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    fp_set_reg(&fp, 0x3FF00050, mac0);
    fp_set_reg(&fp, 0x3FF00054, mac1);
    fp_set_reg(&fp, 0x3FF0005C, mac3);
    rc = esploader_read_mac(&l, mac);
    fp_free(&fp);
    return rc;
}

static void test_mac_esp8266(void **state)
{
    uint8_t mac[6];
    static const uint8_t oui0[6] = {0x18, 0xFE, 0x34, 0xCD, 0xEF, 0xAB};
    static const uint8_t oui1[6] = {0xAC, 0xD0, 0x74, 0xCD, 0xEF, 0xAB};
    static const uint8_t oui3[6] = {0x12, 0x34, 0x56, 0xCD, 0xEF, 0xAB};
    (void)state;
    assert_int_equal(mac_8266(0xAB000077, 0x0000CDEF, 0, mac), ESPLOADER_OK);
    assert_memory_equal(mac, oui0, 6);
    assert_int_equal(mac_8266(0xAB000077, 0x0001CDEF, 0, mac), ESPLOADER_OK);
    assert_memory_equal(mac, oui1, 6);
    assert_int_equal(mac_8266(0xAB000077, 0x0002CDEF, 0x00123456, mac), ESPLOADER_OK);
    assert_memory_equal(mac, oui3, 6);
    /* OUI selector 2 and no MAC3: no known OUI, an error (never a made-up MAC) */
    assert_int_not_equal(mac_8266(0xAB000077, 0x0002CDEF, 0, mac), ESPLOADER_OK);
}

static void test_registers(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint32_t v = 0;
    size_t before;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    fp_set_reg(&fp, 0x3FF40014, 0x15A);
    before = fp.nframes;
    assert_int_equal(esploader_read_register(&l, 0x3FF40014, &v), ESPLOADER_OK);
    assert_int_equal(v, 0x15A);
    assert_int_equal(fp.nframes, before + 1);
    expect_frame_hex(&fp.frames[before], "00 0a 04 00 00 00 00 00 14 00 f4 3f");

    assert_int_equal(esploader_write_register(&l, 0x3FF42024, 0x7000009F), ESPLOADER_OK);
    expect_frame_hex(&fp.frames[fp.nframes - 1],
                     "00 09 10 00 00 00 00 00 24 20 f4 3f 9f 00 00 70 ff ff ff ff 00 00 00 00");
    assert_int_equal(esploader_write_register_masked(&l, 0x3FF42024, 0x00001200, 0x0000FF00, 5),
                     ESPLOADER_OK);
    expect_frame_hex(&fp.frames[fp.nframes - 1],
                     "00 09 10 00 00 00 00 00 24 20 f4 3f 00 12 00 00 00 ff 00 00 05 00 00 00");
    assert_int_equal(esploader_read_register(&l, 0x3FF42024, &v), ESPLOADER_OK);
    assert_int_equal(v, 0x7000129F);
    fp_free(&fp);
}

static void test_register_failure_kept(void **state)
{
    /* The ROM refuses a WRITE_REG: the caller gets ERR_TARGET and {command, status, reason}. */
    fake_port_t fp;
    esploader_t l;
    uint8_t rej[16];
    size_t n;
    const esploader_failure_t *f;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32S3, false);
    n = hex_bytes("c0 01 09 04 00 00 00 00 00 01 01 00 00 c0", rej, sizeof(rej));
    fp_add_rule(&fp, 0x09, rej, n, 1);
    assert_int_equal(esploader_write_register(&l, 0x60000080, 1), ESPLOADER_ERR_TARGET);
    f = esploader_last_failure(&l);
    assert_int_equal(f->command, 0x09);
    assert_int_equal(f->status, 1);
    assert_int_equal(f->reason, 1);
    assert_false(f->stub);
    fp_free(&fp);
}

static void test_run_user_code(void **state)
{
    /* §10.5 soft reset. ROM: FLASH_BEGIN(0, 0) then FLASH_END(1) (run user code). */
    fake_port_t fp;
    esploader_t l;
    esploader_config_t cfg;
    size_t n;
    long b, e;
    uint32_t v;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    n = fp.nframes;
    assert_int_equal(esploader_run_user_code(&l), ESPLOADER_OK);
    b = fp_index_of(&fp, 0x02, n);
    e = fp_index_of(&fp, 0x04, n);
    assert_true(b >= 0 && e > b);
    assert_int_equal(fp.frames[b].len, 8 + 16); /* ESP32 ROM: 4 words */
    assert_int_equal(le32(fp.frames[b].bytes + 8), 0);
    assert_int_equal(le32(fp.frames[b].bytes + 12), 0);
    assert_int_equal(le32(fp.frames[b].bytes + 20), 0);
    expect_frame_hex(&fp.frames[e], "00 04 04 00 00 00 00 00 01 00 00 00");
    /* the session is closed: talking to the loader again needs a new connect */
    assert_int_not_equal(esploader_read_register(&l, 0x40001000, &v), ESPLOADER_OK);
    fp_free(&fp);

    /* ESP8266 stub: RUN_USER_CODE, which gets no reply (§5.18) */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP8266);
    fp_stub_mode(&fp);
    {
        fp_rule_t *r = fp_add_rule(&fp, 0xD3, NULL, 0, 0);
        r->silent = true;
    }
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_run_user_code(&l), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0xD3, 0), "00 d3 00 00 00 00 00 00");
    fp_free(&fp);

    /* any other stub: unsupported, nothing sent, the session stays usable */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_stub_mode(&fp);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    n = fp.nframes;
    assert_int_equal(esploader_run_user_code(&l), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp.nframes, n);
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_OK);
    fp_free(&fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_esp32_rom_trace),
        cmocka_unit_test(test_write_c3_rom_five_words),
        cmocka_unit_test(test_write_padding_and_seq),
        cmocka_unit_test(test_verify_mismatch),
        cmocka_unit_test(test_verify_md5_api),
        cmocka_unit_test(test_verify_buffer_api),
        cmocka_unit_test(test_rejected_block),
        cmocka_unit_test(test_rejected_first_block),
        cmocka_unit_test(test_write_without_start),
        cmocka_unit_test(test_esp8266_rom_write),
        cmocka_unit_test(test_baud_esp8266_rom),
        cmocka_unit_test(test_baud_c3_rom),
        cmocka_unit_test(test_baud_stub),
        cmocka_unit_test(test_mac_esp32),
        cmocka_unit_test(test_mac_c3),
        cmocka_unit_test(test_mac_esp8266),
        cmocka_unit_test(test_registers),
        cmocka_unit_test(test_register_failure_kept),
        cmocka_unit_test(test_run_user_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
