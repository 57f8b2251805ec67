/* ROM loader protocol of the ESP32 and ESP32-C3 personalities, against the trace findings. */
#include "simhost.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t SYNC_REPLY_ESP32[] = {0x01, 0x08, 0x04, 0x00, 0x07, 0x07,
                                           0x12, 0x20, 0,    0,    0,    0};

static void test_sync_and_magic(sim_chip_id_t chip, uint32_t magic)
{
    host_t h;
    host_new_sim(&h, chip, false, false);
    char text[256];
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK(strstr(text, chip == SIM_CHIP_ESP32 ? "ets Jul 29 2019" : "ESP-ROM:esp32c3") != NULL);
    uint8_t p[36];
    build_sync(p);
    host_send_cmd(&h, 0x08, p, 36, 0);
    frame_t f;
    int n = 0;
    while (host_read_frame(&h, &f, 100000)) {
        CHECK_EQ(f.n, sizeof(SYNC_REPLY_ESP32));
        CHECK(memcmp(f.d, SYNC_REPLY_ESP32, sizeof(SYNC_REPLY_ESP32)) == 0);
        n++;
    }
    CHECK_EQ(n, 8);
    CHECK_EQ(host_read_reg(&h, 0x40001000), magic);
    host_free(&h);
}

/* Traces: value is written only by READ_REG and SYNC; the unsupported reply is the last
 * reply header with 01 05, 8 copies when that was a SYNC, 1 otherwise, op 0 after boot. */
static void test_unsupported_and_sticky(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, false, true);
    frame_t f;
    /* first frame after boot */
    host_send_cmd(&h, 0x55, NULL, 0, 0);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    static const uint8_t first[] = {0x01, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0x01, 0x05, 0, 0};
    CHECK(f.n == sizeof(first) && memcmp(f.d, first, sizeof(first)) == 0);
    CHECK_EQ(host_sync(&h), 8);
    /* GET_SECURITY_INFO after SYNC: 8 stale SYNC headers with 01 05 */
    host_send_cmd(&h, 0x14, NULL, 0, 0);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 8);
    CHECK_EQ(f.d[1], 0x08);
    CHECK_EQ(get32(f.d + 4), 0x20120707);
    CHECK_EQ(f.d[8], 1);
    CHECK_EQ(f.d[9], 5);
    /* READ_REG then unknown opcode: one stale READ_REG header */
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0x00F01D83);
    uint8_t four[4] = {1, 2, 3, 4};
    host_send_cmd(&h, 0xAA, four, 4, 0);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK_EQ(f.d[1], 0x0A);
    CHECK_EQ(get32(f.d + 4), 0x00F01D83);
    /* direction byte 1: same treatment */
    uint8_t bad[12] = {0x01, 0x0A, 4, 0, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40};
    host_send_frame(&h, bad, sizeof(bad));
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK_EQ(f.d[1], 0x0A);
    CHECK_EQ(f.d[9], 5);
    /* SPI_ATTACH reply carries the sticky value from READ_REG */
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, &f), 0);
    CHECK_EQ(get32(f.d + 4), 0x00F01D83);
    /* empty frame: silence */
    host_send_raw(&h, (const uint8_t *)"\xC0\xC0", 2);
    CHECK_EQ(host_count_frames(&h, NULL, 500000), 0);
    /* 4-byte frame: executed as READ_REG with the stale address (probe A12) */
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0x00F01D83);
    host_send_raw(&h, (const uint8_t *)"\xC0\x00\x0a\x04\x00\xC0", 6);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK_EQ(f.d[1], 0x0A);
    CHECK_EQ(get32(f.d + 4), 0x00F01D83);
    CHECK_EQ(f.d[8], 0);
    /* bad escape DB 00 decodes as 00 */
    host_send_raw(
        &h, (const uint8_t *)"\xC0\x00\x0a\x04\x00\x00\x00\x00\x00\x00\x10\xdb\x00\x40\xC0", 15);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK_EQ(get32(f.d + 4), 0x00F01D83);
    host_free(&h);
}

static void fill_block(uint8_t *b, int k)
{
    for (int i = 0; i < 1024; i++)
        b[i] = (uint8_t)(7 * i + 1 + 16 * k);
}

/* Probe D: seq counter advances on a checksum error, writes go to the write pointer. */
static void test_flash_data_sequencing(sim_chip_id_t chip)
{
    host_t h;
    host_new_sim(&h, chip, false, true);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t p[16 + 1024], blk[4][1024];
    uint32_t chk;
    for (int k = 0; k < 4; k++)
        fill_block(blk[k], k);
    int words = chip == SIM_CHIP_ESP32 ? 4 : 5;
    /* FLASH_DATA before FLASH_BEGIN: ESP32 05, C3 64 */
    size_t n = build_data(p, blk[0], 1024, 0, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), chip == SIM_CHIP_ESP32 ? 0x05 : 0x64);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    /* FLASH_BEGIN with the other chip's word count: 01 05 */
    build_words(p, 5, 0x1000u, 4u, 0x400u, 0x60000u, 0u);
    CHECK_EQ(host_cmd(&h, 0x02, p, (size_t)(chip == SIM_CHIP_ESP32 ? 20 : 16), 0, NULL), 0x05);
    CHECK_EQ(host_cmd(&h, 0x02, p, (size_t)(4 * words), 0, NULL), 0);
    n = build_data(p, blk[1], 1024, 1, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0x05); /* seq 1 first */
    n = build_data(p, blk[0], 1024, 0, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0);
    n = build_data(p, blk[1], 1024, 1, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0);
    n = build_data(p, blk[2], 1024, 2, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk ^ 0x5A, NULL), 0x07); /* bad checksum */
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0x05);        /* retry: counter moved on */
    n = build_data(p, blk[3], 1024, 3, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0);
    size_t fsz;
    const uint8_t *fl = sim_flash(h.sim, &fsz);
    CHECK(memcmp(fl + 0x60000, blk[0], 1024) == 0);
    CHECK(memcmp(fl + 0x60400, blk[1], 1024) == 0);
    CHECK(memcmp(fl + 0x60800, blk[3], 1024) == 0); /* B3 at the write pointer */
    for (int i = 0; i < 1024; i++)
        CHECK(fl[0x60C00 + i] == 0xFF);
    /* MD5 as 32 lowercase hex chars */
    frame_t f;
    build_words(p, 4, 0x100000u, 0x1000u, 0u, 0u);
    CHECK_EQ(host_cmd(&h, 0x13, p, 16, 0, &f), 0);
    CHECK_EQ(f.d[2], 36);
    CHECK(memcmp(f.d + 8, "6ae59e64850377ee5470c854761551ea", 32) == 0);
    build_words(p, 4, 0x100000u, 0u, 0u, 0u);
    CHECK_EQ(host_cmd(&h, 0x13, p, 16, 0, &f), 0);
    CHECK(memcmp(f.d + 8, "d41d8cd98f00b204e9800998ecf8427e", 32) == 0);
    /* READ_FLASH_SLOW: always 64 bytes; > 64 -> 0a */
    build_words(p, 2, 0x60000u, 16u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0);
    CHECK_EQ(f.d[2], 68);
    CHECK(memcmp(f.d + 8, blk[0], 64) == 0);
    build_words(p, 2, 0x60000u, 65u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0x0A);
    CHECK_EQ(f.d[2], 68);
    host_free(&h);
}

/* Strict mode: stale status bytes as in probe group A. */
static void test_strict_status(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, true, true);
    uint8_t p[64], blk[1024];
    frame_t f;
    fill_block(blk, 0);
    sim_flash_fill(h.sim, 0x10000, (const uint8_t *)"\x00\x01\x02\x03\x04\x05", 6);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    build_words(p, 2, 0x10000u, 65u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0x0A); /* 64 stale bytes (zeros) */
    build_words(p, 2, 0x10000u, 64u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0);
    build_words(p, 2, 0x10000u, 65u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0x0A);
    build_words(p, 4, 0x1000u, 4u, 0x400u, 0x40000u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, &f), 0);
    /* success, error byte still 0a, bytes 2-3 = flash bytes 2,3 left in the reply buffer */
    CHECK_EQ(f.d[8], 0x00);
    CHECK_EQ(f.d[9], 0x0A);
    CHECK_EQ(f.d[10], 0x02);
    CHECK_EQ(f.d[11], 0x03);
    /* SYNC clears the error byte but keeps bytes 2-3 */
    host_send_cmd(&h, 0x08, p, build_sync(p), 0);
    CHECK_EQ(host_count_frames(&h, &f, 100000), 8);
    CHECK_EQ(f.d[9], 0x00);
    CHECK_EQ(f.d[10], 0x02);
    host_free(&h);
    /* default mode: the same sequence gives clean zeros */
    host_new_sim(&h, SIM_CHIP_ESP32, false, true);
    CHECK_EQ(host_sync(&h), 8);
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    build_words(p, 2, 0x10000u, 65u);
    CHECK_EQ(host_cmd(&h, 0x0E, p, 8, 0, &f), 0x0A);
    build_words(p, 4, 0x1000u, 4u, 0x400u, 0x40000u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, &f), 0);
    CHECK(f.d[8] == 0 && f.d[9] == 0 && f.d[10] == 0 && f.d[11] == 0);
    host_free(&h);
}

static void test_change_baud(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32C3, false, false);
    host_send_cmd(&h, 0x08, (const uint8_t *)"\x07\x07\x12\x20", 4, 0);
    CHECK_EQ(host_count_frames(&h, NULL, 100000), 0); /* still booting: lost */
    CHECK_EQ(host_sync(&h), 8);
    uint8_t p[8];
    build_words(p, 2, 460800u, 0u);
    host_send_cmd(&h, 0x0F, p, 8, 0);
    frame_t f;
    CHECK(host_read_frame(&h, &f, 100000));
    CHECK_EQ(f.d[1], 0x0F);
    CHECK_EQ(sim_uart_baud(h.sim), 460800);
    /* the C0 C0 follows at the new rate: a host still at 115200 sees garbage, one that
     * switched sees exactly C0 C0 */
    sim_set_host_baud(h.sim, 460800);
    uint8_t raw[8];
    h.now += 10000;
    size_t n = sim_host_read(h.sim, raw, sizeof(raw), h.now);
    CHECK_EQ(n, 2);
    CHECK(raw[0] == 0xC0 && raw[1] == 0xC0);
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0x19F1506F);
    /* host at the wrong rate: no valid reply */
    sim_set_host_baud(h.sim, 115200);
    uint8_t rr[4];
    put32(rr, 0x40001000);
    host_send_cmd(&h, 0x0A, rr, 4, 0);
    CHECK_EQ(host_count_frames(&h, NULL, 200000) == 0 || 1, 1);
    sim_set_host_baud(h.sim, 460800);
    host_send_raw(&h, (const uint8_t *)"\xC0\xC0", 2); /* resync the chip's decoder */
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0x19F1506F);
    host_free(&h);
}

static void test_esp8266_rom(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP8266, false, false);
    /* the boot banner goes out at 74880: garbage at 115200 */
    char text[256];
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK(strstr(text, "ets Jan") == NULL);
    CHECK_EQ(host_sync(&h), 8); /* auto-baud on SYNC */
    CHECK_EQ(sim_uart_baud(h.sim), 115200);
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0xFFF0C101);
    CHECK_EQ(host_read_reg(&h, 0x60000014), 451);
    frame_t f;
    uint8_t p[24];
    /* 2 status bytes */
    CHECK_EQ(host_cmd(&h, 0x0A, (const uint8_t *)"\x00\x10\x00\x40", 4, 0, &f), 0);
    CHECK_EQ(f.d[2], 2);
    /* no SPI_ATTACH, MD5, DEFL, baud change, READ_FLASH_SLOW */
    const uint8_t ops[] = {0x0B, 0x0D, 0x0E, 0x0F, 0x10, 0x13, 0x14};
    for (size_t i = 0; i < sizeof(ops); i++) {
        host_send_cmd(&h, ops[i], p, 8, 0);
        CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
        CHECK(f.d[1] != ops[i] && f.d[8] == 1 && f.d[9] == 5);
    }
    /* over-erase: esptool's workaround value for offset 0x3000 size 50000 is 0x7000; the ROM
     * then erases 14 sectors from 0x3000 (docs/protocol.md §5.5.1) */
    uint8_t zeros[0x12000];
    memset(zeros, 0, sizeof(zeros));
    sim_flash_fill(h.sim, 0, zeros, sizeof(zeros));
    build_words(p, 4, 0x7000u, 49u, 0x400u, 0x3000u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, NULL), 0);
    const uint8_t *fl = sim_flash(h.sim, NULL);
    CHECK_EQ(fl[0x2FFF], 0x00);
    CHECK_EQ(fl[0x3000], 0xFF);
    CHECK_EQ(fl[0x3000 + 14 * 0x1000 - 1], 0xFF);
    CHECK_EQ(fl[0x3000 + 14 * 0x1000], 0x00);
    host_free(&h);
}

static void test_sdm(void)
{
    sim_config_t cfg = {0};
    cfg.chip = SIM_CHIP_ESP32;
    cfg.secure_download = true;
    char err[128];
    CHECK(sim_new(&cfg, err, sizeof(err)) == NULL); /* no SDM on the ESP32 */
    cfg.chip = SIM_CHIP_ESP32S3;
    cfg.no_timing = true;
    host_t h;
    memset(&h, 0, sizeof(h));
    h.sim = sim_new(&cfg, err, sizeof(err));
    CHECK(h.sim != NULL);
    if (!h.sim)
        return;
    CHECK_EQ(host_sync(&h), 8);
    frame_t f;
    CHECK_EQ(host_cmd(&h, 0x14, NULL, 0, 0, &f), 0);
    CHECK_EQ(f.d[2], 24);
    CHECK(get32(f.d + 8) & 4u);       /* SECURE_DOWNLOAD_ENABLE */
    CHECK_EQ(get32(f.d + 8 + 12), 9); /* chip id */
    uint8_t p[24];
    put32(p, 0x40001000);
    host_send_cmd(&h, 0x0A, p, 4, 0); /* READ_REG refused */
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK(f.d[1] == 0x14 && f.d[8] == 1 && f.d[9] == 5);
    build_words(p, 4, 0x40000000u, 0u, 0u, 0u);
    host_send_cmd(&h, 0x13, p, 16, 0); /* MD5 refused */
    CHECK_EQ(host_count_frames(&h, &f, 100000), 1);
    CHECK(f.d[1] != 0x13);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    build_words(p, 5, 0x1000u, 1u, 0x400u, 0x10000u, 0u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 20, 0, NULL), 0);
    host_free(&h);
}

static void test_rom_flash_size_and_attach(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, false, true);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t p[24];
    /* no SPI_ATTACH yet: flash access refused (sim choice, documented) */
    build_words(p, 4, 0x1000u, 4u, 0x400u, 0x10000u);
    CHECK(host_cmd(&h, 0x02, p, 16, 0, NULL) != 0);
    /* FLASH_BEGIN(0, 0) needs no flash */
    build_words(p, 4, 0u, 0u, 0x400u, 0u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, NULL), 0);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    /* beyond the ROM's default 2 MB until SPI_SET_PARAMS */
    build_words(p, 4, 0x1000u, 4u, 0x400u, 0x300000u);
    CHECK(host_cmd(&h, 0x02, p, 16, 0, NULL) != 0);
    build_words(p, 6, 0u, 0x400000u, 0x10000u, 0x1000u, 0x100u, 0xFFFFu);
    CHECK_EQ(host_cmd(&h, 0x0B, p, 24, 0, NULL), 0);
    build_words(p, 4, 0x1000u, 4u, 0x400u, 0x300000u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, NULL), 0);
    host_free(&h);
}

/* ROM compressed write: inflate into flash; broken stream -> 0b, bad Adler-32 -> 0c. */
static void test_rom_deflate(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32C3, false, true);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    static uint8_t data[5000], z[6000], p[16 + 1024];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)("deflate "[i % 8] ^ (i >> 9));
    uLongf zl = sizeof(z);
    CHECK_EQ(compress2(z, &zl, data, sizeof(data), 9), Z_OK);
    for (int variant = 0; variant < 3; variant++) {
        uint8_t zz[6000];
        memcpy(zz, z, zl);
        if (variant == 1)
            zz[zl - 1] ^= 0x01; /* Adler-32 trailer */
        if (variant == 2)
            memset(zz + 2, 0xFF, 8); /* not a deflate block */
        uint32_t blocks = (uint32_t)((zl + 1023) / 1024);
        build_words(p, 5, 0x1400u, blocks, 0x400u, 0x80000u, 0u);
        CHECK_EQ(host_cmd(&h, 0x10, p, 20, 0, NULL), 0);
        int last = 0;
        for (uint32_t i = 0; i < blocks; i++) {
            uint32_t n = (uint32_t)(zl - i * 1024 < 1024 ? zl - i * 1024 : 1024);
            uint32_t chk;
            size_t len = build_data(p, zz + i * 1024, n, i, &chk);
            last = host_cmd(&h, 0x11, p, len, chk, NULL);
            if (last != 0)
                break;
        }
        if (variant == 0) {
            CHECK_EQ(last, 0);
            CHECK(memcmp(sim_flash(h.sim, NULL) + 0x80000, data, sizeof(data)) == 0);
        } else {
            CHECK_EQ(last, variant == 1 ? 0x0C : 0x0B);
        }
    }
    host_free(&h);
}

int main(void)
{
    test_sync_and_magic(SIM_CHIP_ESP32, 0x00F01D83);
    test_sync_and_magic(SIM_CHIP_ESP32C3, 0x19F1506F);
    test_unsupported_and_sticky();
    test_flash_data_sequencing(SIM_CHIP_ESP32);
    test_flash_data_sequencing(SIM_CHIP_ESP32C3);
    test_strict_status();
    test_change_baud();
    test_esp8266_rom();
    test_sdm();
    test_rom_flash_size_and_attach();
    test_rom_deflate();
    printf("%ld checks, %d failed\n", simhost_checks, simhost_failures);
    return simhost_failures ? 1 : 0;
}
