/* Personalities, NOR flash, SPI register model, flash file, reset circuit, baud, garbage. */
#define _POSIX_C_SOURCE 200809L
#include "simhost.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* esptool's run_spiflash_command as a register script (docs/protocol.md §8.2). */
typedef struct spi_regs {
    uint32_t base, usr, usr1, usr2, mosi, miso, w0;
    bool left;
} spi_regs_t;

static spi_regs_t spi_of(sim_chip_id_t c)
{
    spi_regs_t r;
    if (c == SIM_CHIP_ESP32) {
        r = (spi_regs_t){0x3FF42000, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80, true};
    } else if (c == SIM_CHIP_ESP32C6) {
        r = (spi_regs_t){0x60003000, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, false};
    } else {
        r = (spi_regs_t){0x60002000, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, false};
    }
    return r;
}

static uint32_t spi_cmd(host_t *h, sim_chip_id_t c, uint8_t op, uint32_t mosi, int mosi_bits,
                        int read_bits, uint32_t addr, int addr_len, int dummy)
{
    spi_regs_t r = spi_of(c);
    uint32_t old_usr = host_read_reg(h, r.base + r.usr);
    uint32_t old_usr2 = host_read_reg(h, r.base + r.usr2);
    if (mosi_bits)
        host_write_reg(h, r.base + r.mosi, (uint32_t)mosi_bits - 1);
    if (read_bits)
        host_write_reg(h, r.base + r.miso, (uint32_t)read_bits - 1);
    uint32_t f =
        (dummy ? (uint32_t)dummy - 1 : 0) | (addr_len ? (uint32_t)(addr_len - 1) << 26 : 0);
    if (f)
        host_write_reg(h, r.base + r.usr1, f);
    uint32_t usr = 1u << 31 | (read_bits ? 1u << 28 : 0) | (mosi_bits ? 1u << 27 : 0) |
                   (addr_len ? 1u << 30 : 0) | (dummy ? 1u << 29 : 0);
    host_write_reg(h, r.base + r.usr, usr);
    host_write_reg(h, r.base + r.usr2, 7u << 28 | op);
    if (addr_len)
        host_write_reg(h, r.base + 4, r.left ? addr << (32 - addr_len) : addr);
    host_write_reg(h, r.base + r.w0, mosi_bits ? mosi : 0);
    host_write_reg(h, r.base, 1u << 18);
    CHECK_EQ(host_read_reg(h, r.base) & (1u << 18), 0);
    uint32_t v = host_read_reg(h, r.base + r.w0);
    host_write_reg(h, r.base + r.usr, old_usr);
    host_write_reg(h, r.base + r.usr2, old_usr2);
    return v;
}

static void test_spi_model(sim_chip_id_t chip, uint32_t size, uint8_t cap)
{
    host_t h;
    memset(&h, 0, sizeof(h));
    sim_config_t cfg = {.chip = chip, .flash_size = size, .no_timing = true};
    h.sim = sim_new(&cfg, NULL, 0);
    CHECK(h.sim != NULL);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t att[8] = {0};
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    CHECK_EQ(spi_cmd(&h, chip, 0x9F, 0, 0, 24, 0, 0, 0) & 0xFFFFFF,
             0xC8u | 0x40u << 8 | (uint32_t)cap << 16);
    CHECK_EQ(spi_cmd(&h, chip, 0x5A, 0, 0, 32, 0, 24, 8), 0x50444653); /* "SFDP" */
    CHECK(spi_cmd(&h, chip, 0x5A, 0, 0, 8, 0x10, 24, 8) != 0x20);      /* not XMC */
    /* status registers: WRSR needs WREN; WEL shows in SR1 bit 1 */
    spi_cmd(&h, chip, 0x01, 0x3C, 8, 0, 0, 0, 0);
    CHECK_EQ(spi_cmd(&h, chip, 0x05, 0, 0, 8, 0, 0, 0) & 0xFF, 0);
    spi_cmd(&h, chip, 0x06, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(spi_cmd(&h, chip, 0x05, 0, 0, 8, 0, 0, 0) & 0xFF, 0x02);
    spi_cmd(&h, chip, 0x01, 0x3C, 8, 0, 0, 0, 0);
    CHECK_EQ(spi_cmd(&h, chip, 0x05, 0, 0, 8, 0, 0, 0) & 0xFF, 0x3C);
    spi_cmd(&h, chip, 0x06, 0, 0, 0, 0, 0, 0);
    spi_cmd(&h, chip, 0x31, 0x02, 8, 0, 0, 0, 0);
    CHECK_EQ(spi_cmd(&h, chip, 0x35, 0, 0, 8, 0, 0, 0) & 0xFF, 0x02);
    spi_cmd(&h, chip, 0x66, 0, 0, 0, 0, 0, 0);
    spi_cmd(&h, chip, 0x99, 0, 0, 0, 0, 0, 0);
    /* NOR: program can only clear bits; erase sets 0xFF */
    sim_flash_fill(h.sim, 0x1000, (const uint8_t *)"\x0F\xF0\xFF\x00", 4);
    spi_cmd(&h, chip, 0x06, 0, 0, 0, 0, 0, 0);
    spi_cmd(&h, chip, 0x02, 0x0F3CAA55u, 32, 0, 0x1000, 24, 0);
    const uint8_t *fl = sim_flash(h.sim, NULL);
    CHECK_EQ(fl[0x1000], 0x55 & 0x0F);
    CHECK_EQ(fl[0x1001], 0xAA & 0xF0);
    CHECK_EQ(fl[0x1002], 0x3C);
    CHECK_EQ(fl[0x1003], 0x00);
    CHECK_EQ(spi_cmd(&h, chip, 0x03, 0, 0, 32, 0x1000, 24, 0), 0x003CA005u);
    spi_cmd(&h, chip, 0x20, 0, 0, 0, 0x1234, 24, 0); /* no WREN: ignored */
    CHECK_EQ(fl[0x1000], 0x05);
    spi_cmd(&h, chip, 0x06, 0, 0, 0, 0, 0, 0);
    spi_cmd(&h, chip, 0x20, 0, 0, 0, 0x1234, 24, 0);
    CHECK(fl[0x1000] == 0xFF && fl[0x1003] == 0xFF && fl[0x1FFF] == 0xFF);
    host_free(&h);
}

static void test_rom_write_needs_erase(void)
{
    /* The ROM reads back what it wrote: programming unerased flash fails with 01 08. */
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, false, true);
    CHECK_EQ(host_sync(&h), 8);
    uint8_t att[8] = {0}, p[16 + 1024], blk[1024];
    CHECK_EQ(host_cmd(&h, 0x0D, att, 8, 0, NULL), 0);
    memset(blk, 0x0F, sizeof(blk));
    sim_flash_fill(h.sim, 0x8000, blk, sizeof(blk));
    build_words(p, 4, 0u, 1u, 0x400u, 0x8000u); /* erase size 0: nothing erased */
    CHECK_EQ(host_cmd(&h, 0x02, p, 16, 0, NULL), 0);
    memset(blk, 0xF3, sizeof(blk));
    uint32_t chk;
    size_t n = build_data(p, blk, 1024, 0, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0x08);
    CHECK_EQ(sim_flash(h.sim, NULL)[0x8000], 0x03); /* 0x0F AND 0xF3 */
    host_free(&h);
}

static void test_flash_file(void)
{
    char dir[] = "/tmp/simcore-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof(path), "%s/flash.bin", dir);
    sim_config_t cfg = {
        .chip = SIM_CHIP_ESP32C3, .flash_size = 1u << 20, .flash_file = path, .no_timing = true};
    char err[160];
    host_t h;
    memset(&h, 0, sizeof(h));
    h.sim = sim_new(&cfg, err, sizeof(err));
    CHECK(h.sim != NULL);
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    fseek(fp, 0, SEEK_END);
    CHECK_EQ(ftell(fp), 1 << 20);
    fclose(fp);
    CHECK_EQ(host_sync(&h), 8);
    CHECK(host_start_stub(&h));
    uint8_t p[16 + 64], data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)(i * 3);
    build_words(p, 5, 64u, 1u, 0x4000u, 0x5000u, 0u);
    CHECK_EQ(host_cmd(&h, 0x02, p, 20, 0, NULL), 0);
    uint32_t chk;
    size_t n = build_data(p, data, 64, 0, &chk);
    CHECK_EQ(host_cmd(&h, 0x03, p, n, chk, NULL), 0);
    /* the file is in sync while the sim runs */
    uint8_t back[64];
    fp = fopen(path, "rb");
    fseek(fp, 0x5000, SEEK_SET);
    CHECK_EQ(fread(back, 1, 64, fp), 64);
    fclose(fp);
    CHECK(memcmp(back, data, 64) == 0);
    host_free(&h);
    /* and is loaded again by the next sim */
    h.sim = sim_new(&cfg, err, sizeof(err));
    CHECK(h.sim && memcmp(sim_flash(h.sim, NULL) + 0x5000, data, 64) == 0);
    host_free(&h);
    cfg.flash_size = 2u << 20;
    CHECK(sim_new(&cfg, err, sizeof(err)) == NULL); /* size mismatch is reported */
    CHECK(strstr(err, "expected") != NULL);
    cfg.flash_size = 3u << 20;
    cfg.flash_file = NULL;
    CHECK(sim_new(&cfg, err, sizeof(err)) == NULL); /* not a flash size */
    unlink(path);
    rmdir(dir);
}

typedef struct expect {
    sim_chip_id_t chip;
    uint32_t magic;
    int secinfo; /* result bytes, 0 = unsupported */
    int words;
    uint32_t clkdiv_addr, clkdiv; /* 0 = not checked */
    uint32_t mac0, mac1;          /* MAC register addresses */
} expect_t;

static void test_personalities(void)
{
    static const expect_t ex[] = {
        {SIM_CHIP_ESP8266, 0xFFF0C101, 0, 4, 0x60000014, 451, 0x3FF00050, 0x3FF00054},
        {SIM_CHIP_ESP32, 0x00F01D83, 0, 4, 0x3FF40014, 347, 0x3FF5A004, 0x3FF5A008},
        {SIM_CHIP_ESP32S2, 0x000007C6, 12, 5, 0, 0, 0x3F41A044, 0x3F41A048},
        {SIM_CHIP_ESP32S3, 0x00000009, 20, 5, 0, 0, 0x60007044, 0x60007048},
        {SIM_CHIP_ESP32C2, 0x6F51306F, 20, 5, 0x60000014, 347, 0x60008840, 0x60008844},
        {SIM_CHIP_ESP32C3, 0x19F1506F, 20, 5, 0, 0, 0x60008844, 0x60008848},
        {SIM_CHIP_ESP32C5, 0x1101406F, 20, 5, 0x60000014, 416, 0x600B4844, 0x600B4848},
        {SIM_CHIP_ESP32C6, 0x2CE0806F, 20, 5, 0, 0, 0x600B0844, 0x600B0848},
        {SIM_CHIP_ESP32C61, 0x33F0206F, 20, 5, 0, 0, 0x600B4844, 0x600B4848},
        {SIM_CHIP_ESP32H2, 0xD7B73E80, 20, 5, 0, 0, 0x600B0844, 0x600B0848},
        {SIM_CHIP_ESP32P4, 0x0ADDBAD0, 20, 5, 0, 0, 0x5012D044, 0x5012D048},
        {SIM_CHIP_ESP32S31, 0, 20, 5, 0, 0, 0x20715050, 0x20715054},
        {SIM_CHIP_ESP32E22, 0, 20, 5, 0xC3102014, 347, 0xC4008044, 0xC4008048},
        {SIM_CHIP_ESP32H21, 0, 20, 5, 0, 0, 0x600B4044, 0x600B4048},
        {SIM_CHIP_ESP32H4, 0, 20, 5, 0, 0, 0x600B1844, 0x600B1848},
    };
    static const uint8_t ids[] = {0, 0, 2, 9, 12, 5, 23, 13, 20, 16, 18, 32, 31, 25, 28};
    uint64_t macs[SIM_CHIP_COUNT];
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        const expect_t *e = &ex[i];
        host_t h;
        host_new_sim(&h, e->chip, false, true);
        sim_chip_id_t back;
        CHECK(sim_chip_from_name(sim_chip_name(e->chip), &back) && back == e->chip);
        char text[300];
        host_read_text(&h, text, sizeof(text), 1000);
        CHECK(strlen(text) > 20);
        CHECK_EQ(host_sync(&h), 8);
        CHECK_EQ(host_read_reg(&h, 0x40001000), e->magic);
        if (e->clkdiv_addr)
            CHECK_EQ(host_read_reg(&h, e->clkdiv_addr), e->clkdiv);
        uint32_t m0 = host_read_reg(&h, e->mac0), m1 = host_read_reg(&h, e->mac1);
        CHECK(m0 != 0 && m0 != 0xFFFFFFFF && m1 != 0 && m1 != 0xFFFFFFFF);
        macs[i] = (uint64_t)m1 << 32 | m0;
        for (size_t j = 0; j < i; j++)
            CHECK(macs[j] != macs[i]);
        frame_t f;
        if (e->secinfo) {
            CHECK_EQ(host_cmd(&h, 0x14, NULL, 0, 0, &f), 0);
            CHECK_EQ(f.d[2], e->secinfo + 4);
            if (e->secinfo == 20)
                CHECK_EQ(get32(f.d + 8 + 12), ids[i]);
        } else {
            host_send_cmd(&h, 0x14, NULL, 0, 0);
            CHECK(host_read_frame(&h, &f, 100000));
            CHECK(f.d[1] != 0x14);
            CHECK_EQ(f.d[9], 5);
        }
        uint8_t p[24] = {0};
        if (e->chip != SIM_CHIP_ESP8266)
            CHECK_EQ(host_cmd(&h, 0x0D, p, 8, 0, NULL), 0);
        CHECK_EQ(host_cmd(&h, 0x02, p, (size_t)(4 * e->words), 0, NULL), 0);
        CHECK_EQ(host_cmd(&h, 0x02, p, (size_t)(4 * (9 - e->words)), 0, NULL), 5);
        if (e->chip == SIM_CHIP_ESP32C2) {
            uint32_t w1 = m1; /* C2: revision lives in the MAC word: major w1[21:20] */
            CHECK((w1 >> 20 & 3) >= 1);
        }
        host_free(&h);
    }
}

static void test_reset_circuit(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, false, false);
    char text[400];
    host_read_text(&h, text, sizeof(text), 100000);
    /* hard reset (esptool --after hard-reset): RTS pulse with DTR off -> normal boot */
    sim_set_lines(h.sim, false, true, h.now);
    h.now += 100000;
    sim_set_lines(h.sim, false, false, h.now);
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK(strstr(text, "boot:0x13 (SPI_FAST_FLASH_BOOT)") != NULL);
    CHECK(!sim_in_download_mode(h.sim));
    CHECK_EQ(host_sync(&h), 0); /* the app ignores SLIP */
    /* both lines asserted does not reset */
    sim_set_lines(h.sim, true, true, h.now);
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK_EQ(strlen(text), 0);
    /* ClassicReset: D0 R1 W0.1 D1 R0 W0.05 D0 -> download mode */
    sim_set_lines(h.sim, false, false, h.now);
    sim_set_lines(h.sim, false, true, h.now);
    h.now += 100000;
    sim_set_lines(h.sim, true, true, h.now);
    sim_set_lines(h.sim, true, false, h.now);
    h.now += 50000;
    sim_set_lines(h.sim, false, false, h.now);
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK(strstr(text, "boot:0xf (UART_BOOT(UART0))") != NULL);
    CHECK(sim_in_download_mode(h.sim));
    CHECK_EQ(host_sync(&h), 8);
    /* GPIO host: IO0 low, pulse EN */
    sim_set_pins(h.sim, false, false, h.now);
    h.now += 10000;
    sim_set_pins(h.sim, true, false, h.now);
    h.now += 5000;
    sim_set_pins(h.sim, true, true, h.now);
    host_read_text(&h, text, sizeof(text), 100000);
    CHECK(strstr(text, "rst:0x1 (POWERON_RESET),boot:0xf") != NULL);
    sim_stats_t st;
    sim_get_stats(h.sim, &st);
    CHECK_EQ(st.resets, 3);
    sim_reset(h.sim, false, h.now);
    CHECK(!sim_in_download_mode(h.sim));
    sim_reset(h.sim, true, h.now);
    CHECK(sim_in_download_mode(h.sim));
    host_free(&h);
}

static void test_autobaud(void)
{
    host_t h;
    host_new_sim(&h, SIM_CHIP_ESP32, false, false);
    host_advance(&h, 100000);
    sim_set_host_baud(h.sim, 230400);
    /* before the first command a READ_REG at the wrong rate is noise; a SYNC is measured */
    uint8_t p[36];
    put32(p, 0x40001000);
    host_send_cmd(&h, 0x0A, p, 4, 0);
    CHECK_EQ(host_count_frames(&h, NULL, 100000), 0);
    CHECK_EQ(host_sync(&h), 8);
    CHECK_EQ(sim_uart_baud(h.sim), 230400);
    /* after that the rate is fixed: a host at another rate gets nothing usable */
    sim_set_host_baud(h.sim, 115200);
    CHECK_EQ(host_sync(&h), 0);
    sim_set_host_baud(h.sim, 230400);
    host_send_raw(&h, (const uint8_t *)"\xC0\xC0", 2);
    CHECK_EQ(host_read_reg(&h, 0x40001000), 0x00F01D83);
    host_free(&h);
}

static void test_garbage(void)
{
    uint32_t seed = 12345;
    for (int chip = 0; chip < SIM_CHIP_COUNT; chip++) {
        for (int stub = 0; stub < 2; stub++) {
            host_t h;
            host_new_sim(&h, (sim_chip_id_t)chip, stub, true);
            CHECK_EQ(host_sync(&h), 8);
            if (stub)
                CHECK(host_start_stub(&h));
            uint8_t buf[600];
            for (int round = 0; round < 300; round++) {
                size_t n = 1 + (seed >> 8) % sizeof(buf);
                for (size_t i = 0; i < n; i++) {
                    seed = seed * 1103515245u + 12345u;
                    buf[i] = (uint8_t)(seed >> 16);
                    if (i < 2 && round % 3 == 0)
                        buf[i] = i == 0 ? 0xC0 : 0x00; /* plausible frame starts */
                    if (i == 2 && round % 3 == 0)
                        buf[i] = (uint8_t)((seed >> 20) % 0x16); /* real opcodes too */
                }
                host_send_raw(&h, buf, n);
                uint8_t sink[4096];
                h.now += 1000;
                while (sim_host_read(h.sim, sink, sizeof(sink), h.now) > 0) {
                }
                if (!sim_in_download_mode(h.sim))
                    sim_reset(h.sim, true, h.now); /* garbage ran "user code": start over */
            }
            /* still alive: resynchronise and talk */
            host_send_raw(&h, (const uint8_t *)"\xC0\xC0\xC0", 3);
            h.now += 1000;
            uint8_t sink[4096];
            while (sim_host_read(h.sim, sink, sizeof(sink), h.now) > 0) {
            }
            int syncs = host_sync(&h);
            if (syncs != 8) {
                /* e.g. stuck in a READ_FLASH stream or a half-done transfer: reset */
                sim_reset(h.sim, true, h.now);
                h.stub = false;
                syncs = host_sync(&h);
            }
            CHECK_EQ(syncs, 8);
            host_free(&h);
        }
    }
}

int main(void)
{
    test_spi_model(SIM_CHIP_ESP32, 4u << 20, 0x16);
    test_spi_model(SIM_CHIP_ESP32C3, 2u << 20, 0x15);
    test_spi_model(SIM_CHIP_ESP32C6, 8u << 20, 0x17);
    test_spi_model(SIM_CHIP_ESP32, 16u << 20, 0x18);
    test_rom_write_needs_erase();
    test_flash_file();
    test_personalities();
    test_reset_circuit();
    test_autobaud();
    test_garbage();
    printf("%ld checks, %d failed\n", simhost_checks, simhost_failures);
    return simhost_failures ? 1 : 0;
}
