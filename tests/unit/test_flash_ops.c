/*
 * Flash operations against the fake target's flash model: ROM and stub writes land where they
 * should, stub conventions (5-word BEGIN, 0x4000 blocks, FLASH_END(1) before the MD5, raw MD5),
 * compressed writes (ROM size rounding, unpadded chunks, DEFL_END only to the stub), ROM slow
 * read and the stub's acknowledged READ_FLASH stream, erase, RAM load.
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

#define FLASH_SIZE (256 * 1024)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void expect_frame_hex(const fp_frame_t *f, const char *hex)
{
    uint8_t want[128];
    size_t n = hex_bytes(hex, want, sizeof(want));
    assert_non_null(f);
    assert_true(n > 0);
    assert_int_equal(f->len, n);
    assert_memory_equal(f->bytes, want, n);
}

static void setup(fake_port_t *fp, esploader_t *l, esploader_chip_t chip, bool stub)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    if (stub)
        fp_stub_mode(fp);
    fp_with_flash(fp, FLASH_SIZE);
    fp_config(fp, &cfg);
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
    assert_int_equal(esploader_stub_running(l), stub);
}

static void pattern(uint8_t *d, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        d[i] = (uint8_t)(i * 13 + seed + (i >> 9));
}

static void md5_of(const uint8_t *d, size_t len, uint8_t out[16])
{
    esploader_md5_t c;
    esploader_md5_init(&c);
    esploader_md5_update(&c, d, len);
    esploader_md5_final(&c, out);
}

static int write_all(esploader_t *l, uint32_t off, const uint8_t *d, uint32_t n, uint32_t blk)
{
    uint32_t pos = 0;
    int rc = esploader_flash_start(l, off, n, 0);
    while (rc == ESPLOADER_OK && pos < n) {
        uint32_t k = n - pos < blk ? n - pos : blk;
        rc = esploader_flash_write(l, d + pos, k);
        pos += k;
    }
    return rc == ESPLOADER_OK ? esploader_flash_finish(l, 0) : rc;
}

static void test_rom_write_lands(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[5000];
    (void)state;
    pattern(img, sizeof(img), 1);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32S3, false);
    assert_int_equal(write_all(&l, 0x20000, img, sizeof(img), 1024), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    assert_memory_equal(fp.flash + 0x20000, img, sizeof(img));
    assert_int_equal(fp.flash[0x20000 + sizeof(img)], 0xFF); /* block padding is 0xFF */
    assert_int_equal(fp.flash[0x1FFFF], 0xFF);
    fp_free(&fp);
}

static void test_stub_write(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[20000];
    const fp_frame_t *f;
    long end_i, md5_i;
    (void)state;
    pattern(img, sizeof(img), 2);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, true);
    memset(fp.flash + 0x1000 + sizeof(img), 0x00, 64); /* to see that padding is not written */
    assert_int_equal(esploader_flash_block_size(&l), 0x4000); /* the stub's default block */
    assert_int_equal(write_all(&l, 0x1000, img, sizeof(img), 0x4000), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    /* stub FLASH_BEGIN: 5 words, exact size, 0x4000 blocks (§5.5) */
    f = fp_find_op(&fp, 0x02, 0);
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 20);
    assert_int_equal(le32(f->bytes + 8), sizeof(img));
    assert_int_equal(le32(f->bytes + 12), 2);
    assert_int_equal(le32(f->bytes + 16), 0x4000);
    assert_int_equal(le32(f->bytes + 20), 0x1000);
    assert_int_equal(le32(f->bytes + 24), 0);
    assert_int_equal(fp_count_op(&fp, 0x03), 2);
    /* FLASH_END(1) after the last block and before the MD5 (the stub acks before writing) */
    end_i = fp_index_of(&fp, 0x04, 0);
    md5_i = fp_index_of(&fp, 0x13, 0);
    assert_true(end_i > 0);
    assert_true(md5_i > end_i);
    expect_frame_hex(&fp.frames[end_i], "00 04 04 00 00 00 00 00 01 00 00 00");
    assert_memory_equal(fp.flash + 0x1000, img, sizeof(img));
    fp_free(&fp);
}

static void test_stub_rejected_block(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[0x8000];
    uint8_t rej[16];
    size_t n;
    fp_rule_t *r;
    const esploader_failure_t *f;
    (void)state;
    pattern(img, sizeof(img), 3);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C6, true);
    n = hex_bytes("c0 01 03 02 00 00 00 00 00 c1 00 c0", rej, sizeof(rej));
    r = fp_add_rule(&fp, 0x03, rej, n, 1);
    hex_bytes("00 40 00 00 01 00 00 00", r->prefix, 8); /* seq 1 */
    r->prefix_len = 8;
    assert_int_equal(esploader_flash_start(&l, 0x10000, sizeof(img), 0), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img, 0x4000), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img + 0x4000, 0x4000), ESPLOADER_ERR_TARGET);
    f = esploader_last_failure(&l);
    assert_int_equal(f->command, 0x03);
    assert_int_equal(f->status, 0xC1);
    assert_int_equal(f->reason, 0);
    assert_true(f->stub);
    /* the stub acks before writing: block 0 may not be on flash yet; resume at or before the
     * first byte of block 1, on a sector boundary */
    assert_true(esploader_flash_resume_offset(&l) <= 0x14000);
    assert_int_equal(esploader_flash_resume_offset(&l) & 0xFFF, 0);
    assert_true(esploader_flash_resume_offset(&l) >= 0x10000);
    fp_free(&fp);
}

static void test_verify_detects_bad_flash(void **state)
{
    /* The flash model reports a wrong MD5: finish must say VERIFY, not OK. */
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[3000];
    (void)state;
    pattern(img, sizeof(img), 4);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, true);
    fp.md5_corrupt = true;
    assert_int_equal(write_all(&l, 0x3000, img, sizeof(img), 0x4000), ESPLOADER_ERR_VERIFY);
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

static void test_defl_rom(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t z[2500], ff[3000];
    uint8_t want[16];
    const fp_frame_t *f;
    size_t k;
    (void)state;
    pattern(z, sizeof(z), 5);
    memset(ff, 0xFF, sizeof(ff));
    md5_of(ff, sizeof(ff), want); /* the flash model does not inflate: the region stays erased */
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    assert_int_equal(esploader_flash_defl_start(&l, 0x20000, 3000, sizeof(z), 0), ESPLOADER_OK);
    /* ROM: size rounded up to 0x400, blocks of the compressed data, 4 words on ESP32 (§5.8) */
    expect_frame_hex(fp_find_op(&fp, 0x10, 0), "00 10 10 00 00 00 00 00 00 0c 00 00 03 00 00 00"
                                               " 00 04 00 00 00 00 02 00");
    assert_int_equal(esploader_flash_defl_write(&l, z, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_defl_write(&l, z + 1024, 1024), ESPLOADER_OK);
    assert_int_equal(esploader_flash_defl_write(&l, z + 2048, 452), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x11), 3);
    for (k = 0; k < 3; k++) {
        size_t n = k < 2 ? 1024 : 452, i;
        uint8_t chk = 0xEF;
        f = fp_find_op(&fp, 0x11, k);
        assert_non_null(f);
        assert_int_equal(f->len, 24 + n); /* the last chunk is not padded */
        assert_int_equal(le32(f->bytes + 8), n);
        assert_int_equal(le32(f->bytes + 12), k);
        assert_memory_equal(f->bytes + 24, z + 1024 * k, n);
        for (i = 0; i < n; i++)
            chk ^= z[1024 * k + i];
        assert_int_equal(le32(f->bytes + 4), chk);
    }
    assert_int_equal(esploader_flash_defl_finish(&l, want, 0), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x12), 0); /* no DEFL_END to the ROM */
    f = fp_find_op(&fp, 0x13, 0);
    assert_non_null(f);
    assert_int_equal(le32(f->bytes + 8), 0x20000);
    assert_int_equal(le32(f->bytes + 12), 3000); /* the uncompressed size */
    fp_free(&fp);
}

static void test_defl_stub_and_mismatch(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t z[527], ff[3072];
    uint8_t want[16];
    long end_i;
    (void)state;
    pattern(z, sizeof(z), 6);
    memset(ff, 0xFF, sizeof(ff));
    md5_of(ff, sizeof(ff), want);
    want[0] ^= 1; /* not what the flash holds */
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    assert_int_equal(esploader_flash_defl_start(&l, 0x30000, 3072, sizeof(z), 0), ESPLOADER_OK);
    /* the stub trace's FLASH_DEFL_BEGIN (esp32-stub-write-flash-z) */
    expect_frame_hex(fp_find_op(&fp, 0x10, 0), "00 10 14 00 00 00 00 00 00 0c 00 00 01 00 00 00"
                                               " 00 40 00 00 00 00 03 00 00 00 00 00");
    assert_int_equal(esploader_flash_defl_write(&l, z, sizeof(z)), ESPLOADER_OK);
    assert_int_equal(esploader_flash_defl_finish(&l, want, 0), ESPLOADER_ERR_VERIFY);
    end_i = fp_index_of(&fp, 0x12, 0);
    assert_true(end_i > 0);
    expect_frame_hex(&fp.frames[end_i], "00 12 04 00 00 00 00 00 01 00 00 00");
    assert_true(fp_index_of(&fp, 0x13, 0) > end_i);
    fp_free(&fp);
}

static void test_read_rom_slow(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t buf[200];
    size_t k;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    pattern(fp.flash + 0x10000, 0x1000, 7);
    fp.flash[0x10020] = 0xC0; /* SLIP escapes in the reply */
    fp.flash[0x10021] = 0xDB;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(esploader_flash_read(&l, 0x10010, buf, sizeof(buf)), ESPLOADER_OK);
    assert_memory_equal(buf, fp.flash + 0x10010, sizeof(buf));
    /* 64-byte steps (§5.15) */
    assert_int_equal(fp_count_op(&fp, 0x0E), 4);
    for (k = 0; k < 4; k++) {
        const fp_frame_t *f = fp_find_op(&fp, 0x0E, k);
        assert_int_equal(f->len, 16);
        assert_int_equal(le32(f->bytes + 8), 0x10010 + 64 * k);
        assert_true(le32(f->bytes + 12) <= 64);
    }
    fp_free(&fp);
}

static void test_read_esp8266_rom_unsupported(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t buf[16];
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    assert_int_equal(esploader_flash_read(&l, 0, buf, sizeof(buf)), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp_count_op(&fp, 0x0E), 0);
    assert_int_equal(fp_count_op(&fp, 0xD2), 0);
    fp_free(&fp);
}

static void test_read_stub_stream(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t buf[10000];
    const fp_frame_t *f;
    size_t i, acks = 0;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    pattern(fp.flash + 0x3000, sizeof(buf), 8);
    assert_int_equal(esploader_flash_read(&l, 0x3000, buf, sizeof(buf)), ESPLOADER_OK);
    assert_memory_equal(buf, fp.flash + 0x3000, sizeof(buf));
    f = fp_find_op(&fp, 0xD2, 0);
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 16);
    assert_int_equal(le32(f->bytes + 8), 0x3000);
    assert_int_equal(le32(f->bytes + 12), sizeof(buf));
    assert_true(le32(f->bytes + 16) > 0);
    /* every data frame acknowledged with the running total, the last one = the length */
    assert_int_equal(fp.rd.bad_acks, 0);
    assert_int_equal(fp.rd.acked, sizeof(buf));
    assert_false(fp.rd.active); /* the MD5 frame was sent, i.e. everything was acked */
    for (i = 0; i < fp.nframes; i++)
        if (fp.frames[i].len == 4)
            acks++;
    assert_int_equal(acks, (sizeof(buf) + le32(f->bytes + 16) - 1) / le32(f->bytes + 16));
    fp_free(&fp);
}

static void test_read_stub_bad_md5(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t buf[5000];
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32S3, true);
    fp.md5_corrupt = true;
    assert_int_equal(esploader_flash_read(&l, 0x0, buf, sizeof(buf)), ESPLOADER_ERR_VERIFY);
    fp_free(&fp);
}

static void test_erase_stub(void **state)
{
    fake_port_t fp;
    esploader_t l;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, true);
    memset(fp.flash, 0x00, FLASH_SIZE);
    assert_int_equal(esploader_flash_erase_region(&l, 0x2000, 0x3000), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0xD1, 0), "00 d1 08 00 00 00 00 00 00 20 00 00 00 30 00 00");
    assert_int_equal(fp.flash[0x1FFF], 0x00);
    assert_int_equal(fp.flash[0x2000], 0xFF);
    assert_int_equal(fp.flash[0x4FFF], 0xFF);
    assert_int_equal(fp.flash[0x5000], 0x00);
    assert_int_equal(esploader_flash_erase_region(&l, 0x2100, 0x1000), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(esploader_flash_erase(&l), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0xD0, 0), "00 d0 00 00 00 00 00 00");
    assert_int_equal(fp.flash[0x5000], 0xFF);
    assert_int_equal(fp.flash[FLASH_SIZE - 1], 0xFF);
    fp_free(&fp);
}

static void test_erase_rom(void **state)
{
    fake_port_t fp;
    esploader_t l;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    memset(fp.flash, 0x00, FLASH_SIZE);
    /* chip erase is stub-only */
    assert_int_equal(esploader_flash_erase(&l), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp_count_op(&fp, 0xD0), 0);
    /* region erase through FLASH_BEGIN, which erases on the ROM (§5.16) */
    assert_int_equal(esploader_flash_erase_region(&l, 0x8000, 0x2000), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0xD1), 0);
    assert_true(fp_count_op(&fp, 0x02) >= 1);
    assert_int_equal(fp.flash[0x7FFF], 0x00);
    assert_int_equal(fp.flash[0x8000], 0xFF);
    assert_int_equal(fp.flash[0x9FFF], 0xFF);
    assert_int_equal(fp.flash[0xA000], 0x00);
    fp_free(&fp);
}

static void test_mem_load(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t app[7000];
    const fp_frame_t *f;
    (void)state;
    pattern(app, sizeof(app), 9);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    assert_int_equal(esploader_mem_start(&l, 0x40380000, sizeof(app), 0), ESPLOADER_OK);
    /* ESP_RAM_BLOCK = 0x1800: 2 blocks */
    expect_frame_hex(fp_find_op(&fp, 0x05, 0), "00 05 10 00 00 00 00 00 58 1b 00 00 02 00 00 00"
                                               " 00 18 00 00 00 00 38 40");
    assert_int_equal(esploader_mem_write(&l, app, 0x1800), ESPLOADER_OK);
    assert_int_equal(esploader_mem_write(&l, app + 0x1800, sizeof(app) - 0x1800), ESPLOADER_OK);
    f = fp_find_op(&fp, 0x07, 1);
    assert_non_null(f);
    assert_int_equal(le32(f->bytes + 8), sizeof(app) - 0x1800);
    assert_int_equal(le32(f->bytes + 12), 1);
    assert_memory_equal(f->bytes + 24, app + 0x1800, sizeof(app) - 0x1800);
    assert_int_equal(esploader_mem_finish(&l, 0x40380400), ESPLOADER_OK);
    expect_frame_hex(fp_find_op(&fp, 0x06, 0), "00 06 08 00 00 00 00 00 00 00 00 00 00 04 38 40");
    fp_free(&fp);
}

typedef struct {
    uint32_t calls, last_done, total;
    bool monotonic;
} progress_t;

static void on_progress(void *user, uint32_t done, uint32_t total)
{
    progress_t *p = user;
    if (done < p->last_done || done > total)
        p->monotonic = false;
    p->calls++;
    p->last_done = done;
    p->total = total;
}

static void test_write_buffer_recovers(void **state)
{
    /* One block is rejected (01 07): write_buffer restarts at the sector of the first
     * unwritten byte with a new FLASH_BEGIN and ends with the right, verified contents. */
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[12 * 1024];
    uint8_t rej[16];
    size_t n;
    fp_rule_t *r;
    const fp_frame_t *f;
    progress_t p = {0, 0, 0, true};
    (void)state;
    pattern(img, sizeof(img), 10);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    n = hex_bytes("c0 01 03 04 00 00 00 00 00 01 07 00 00 c0", rej, sizeof(rej));
    r = fp_add_rule(&fp, 0x03, rej, n, 1);
    hex_bytes("00 04 00 00 05 00 00 00", r->prefix, 8); /* seq 5 = bytes 0x11400.. */
    r->prefix_len = 8;
    r->uses = 1;
    assert_int_equal(
        esploader_flash_write_buffer(&l, 0x10000, img, sizeof(img), 0, on_progress, &p),
        ESPLOADER_OK);
    assert_int_equal(r->matched, 1);
    assert_memory_equal(fp.flash + 0x10000, img, sizeof(img));
    assert_true(esploader_flash_verified(&l));
    assert_int_equal(fp_count_op(&fp, 0x02), 2);
    f = fp_find_op(&fp, 0x02, 1);
    assert_int_equal(le32(f->bytes + 20), 0x11000); /* restart offset */
    assert_int_equal(le32(f->bytes + 8), sizeof(img) - 0x1000);
    assert_true(p.calls > 0);
    assert_true(p.monotonic);
    assert_int_equal(p.last_done, sizeof(img));
    fp_free(&fp);
}

static void test_write_buffer_gives_up(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[4096];
    uint8_t rej[16];
    size_t n;
    (void)state;
    pattern(img, sizeof(img), 11);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    n = hex_bytes("c0 01 03 04 00 00 00 00 00 01 08 00 00 c0", rej, sizeof(rej));
    fp_add_rule(&fp, 0x03, rej, n, 1); /* every block fails */
    assert_int_equal(esploader_flash_write_buffer(&l, 0x8000, img, sizeof(img), 0, NULL, NULL),
                     ESPLOADER_ERR_TARGET);
    assert_int_equal(esploader_last_failure(&l)->reason, 8);
    /* the first try plus at most 3 restarts */
    assert_true(fp_count_op(&fp, 0x02) >= 2);
    assert_true(fp_count_op(&fp, 0x02) <= 4);
    fp_free(&fp);
}

static void test_write_buffer_skip_unchanged(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t img[16 * 1024];
    size_t k, data_bytes = 0;
    (void)state;
    pattern(img, sizeof(img), 12);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    memcpy(fp.flash + 0x20000, img, 8 * 1024); /* the first two sectors are already there */
    assert_int_equal(esploader_flash_write_buffer(&l, 0x20000, img, sizeof(img),
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL),
                     ESPLOADER_OK);
    assert_memory_equal(fp.flash + 0x20000, img, sizeof(img));
    for (k = 0; k < fp_count_op(&fp, 0x03); k++)
        data_bytes += le32(fp_find_op(&fp, 0x03, k)->bytes + 8);
    assert_true(data_bytes <= 8 * 1024);
    /* nothing changed at all: no FLASH_DATA */
    k = fp_count_op(&fp, 0x03);
    assert_int_equal(esploader_flash_write_buffer(&l, 0x20000, img, sizeof(img),
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL),
                     ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x03), k);
    fp_free(&fp);
}

static void test_mem_finish_rom_reply_lost(void **state)
{
    /* MEM_END to the ROM: the started code may reset the UART before the reply drains, so a
     * missing reply is not an error, and it is waited for briefly (0.2 s, §5.4). */
    fake_port_t fp;
    esploader_t l;
    static uint8_t app[64];
    fp_rule_t *r;
    uint32_t start;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    assert_int_equal(esploader_mem_start(&l, 0x40080000, sizeof(app), 0), ESPLOADER_OK);
    assert_int_equal(esploader_mem_write(&l, app, sizeof(app)), ESPLOADER_OK);
    r = fp_add_rule(&fp, 0x06, NULL, 0, 0);
    r->silent = true;
    start = fp.now;
    assert_int_equal(esploader_mem_finish(&l, 0x40080400), ESPLOADER_OK);
    assert_true(fp.now - start <= 500);
    assert_int_equal(r->matched, 1);
    fp_free(&fp);
}

static void test_read_rom_slow_verified(void **state)
{
    /* The ROM read is checked against the region's MD5 too: a mismatch is VERIFY. */
    fake_port_t fp;
    esploader_t l;
    uint8_t buf[100];
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    fp.md5_corrupt = true;
    assert_int_equal(esploader_flash_read(&l, 0x1000, buf, sizeof(buf)), ESPLOADER_ERR_VERIFY);
    fp_free(&fp);
}

static void test_stub_upload_refused(void **state)
{
    /* MEM_END refused by the ROM (0x0F: invalid RAM binary address): an error with its cause. */
    fake_port_t fp;
    esploader_t l;
    esploader_stub_t stub;
    static uint8_t text[64];
    uint8_t rej[16];
    size_t n = hex_bytes("c0 01 06 04 00 00 00 00 00 01 0f 00 00 c0", rej, sizeof(rej));
    const esploader_failure_t *f;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    fp_add_rule(&fp, 0x06, rej, n, 1);
    memset(&stub, 0, sizeof(stub));
    stub.entry = 0x40380004;
    stub.text = text;
    stub.text_size = sizeof(text);
    stub.text_addr = 0x40380000;
    assert_int_equal(esploader_run_stub(&l, &stub), ESPLOADER_ERR_TARGET);
    f = esploader_last_failure(&l);
    assert_int_equal(f->command, 0x06);
    assert_int_equal(f->status, 1);
    assert_int_equal(f->reason, 0x0F);
    assert_false(esploader_stub_running(&l));
    fp_free(&fp);
}

static void test_reads_in_chunks(void **state)
{
    /* "Read many bytes per port call, never one": a 64 KB stream in far fewer calls than
     * bytes. */
    fake_port_t fp;
    esploader_t l;
    static uint8_t buf[64 * 1024];
    size_t calls;
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C6, true);
    pattern(fp.flash, sizeof(buf), 13);
    calls = fp.read_calls;
    assert_int_equal(esploader_flash_read(&l, 0, buf, sizeof(buf)), ESPLOADER_OK);
    assert_memory_equal(buf, fp.flash, sizeof(buf));
    assert_true(fp.read_calls - calls < sizeof(buf) / 64);
    assert_true(fp.read_bytes_asked_max >= 64);
    fp_free(&fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rom_write_lands),
        cmocka_unit_test(test_stub_write),
        cmocka_unit_test(test_stub_rejected_block),
        cmocka_unit_test(test_verify_detects_bad_flash),
        cmocka_unit_test(test_defl_rom),
        cmocka_unit_test(test_defl_stub_and_mismatch),
        cmocka_unit_test(test_read_rom_slow),
        cmocka_unit_test(test_read_esp8266_rom_unsupported),
        cmocka_unit_test(test_read_stub_stream),
        cmocka_unit_test(test_read_stub_bad_md5),
        cmocka_unit_test(test_erase_stub),
        cmocka_unit_test(test_erase_rom),
        cmocka_unit_test(test_mem_load),
        cmocka_unit_test(test_write_buffer_recovers),
        cmocka_unit_test(test_write_buffer_gives_up),
        cmocka_unit_test(test_write_buffer_skip_unchanged),
        cmocka_unit_test(test_mem_finish_rom_reply_lost),
        cmocka_unit_test(test_read_rom_slow_verified),
        cmocka_unit_test(test_stub_upload_refused),
        cmocka_unit_test(test_reads_in_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
