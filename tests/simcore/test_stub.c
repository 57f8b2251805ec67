/* Stub mode: OHAI, stub conventions, lazy erase, double buffering, DEFL, READ_FLASH stream. */
#include "simhost.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint8_t big[0x40000];

static void rnd_fill(uint8_t *d, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        d[i] = (uint8_t)(seed >> 16);
    }
}

static host_t *start(sim_chip_id_t chip, bool no_timing)
{
    static host_t h;
    host_new_sim(&h, chip, false, no_timing);
    host_advance(&h, 100000);
    CHECK_EQ(host_sync(&h), 8);
    CHECK(host_start_stub(&h));
    CHECK(sim_stub_running(h.sim));
    return &h;
}

/* A sim whose stub mode plays the given family (1 legacy, 2 esp-flasher-stub). */
static host_t *start_family(sim_chip_id_t chip, uint8_t family)
{
    static host_t h;
    memset(&h, 0, sizeof(h));
    sim_config_t cfg = {0};
    cfg.chip = chip;
    cfg.no_timing = true;
    cfg.stub_family = family;
    char err[128];
    h.sim = sim_new(&cfg, err, sizeof(err));
    CHECK(h.sim != NULL);
    host_advance(&h, 100000);
    CHECK_EQ(host_sync(&h), 8);
    CHECK(host_start_stub(&h));
    CHECK(sim_stub_running(h.sim));
    return &h;
}

/* What differs between the two stub families (docs/chips.md), and what does not. */
static void test_families(void)
{
    for (uint8_t fam = 1; fam <= 2; fam++) {
        bool v2 = fam == 2;
        host_t *h = start_family(SIM_CHIP_ESP32C3, fam);
        uint8_t p[16 + 0x1000];
        uint32_t chk;
        frame_t f;
        CHECK_EQ(host_cmd(h, 0xF5, NULL, 0, 0, NULL), v2 ? 0xC3 : 0xFF); /* unknown opcode */
        CHECK_EQ(host_cmd(h, 0xD5, p, 4, 0, NULL), 0xFF);          /* plugin slot, nothing loaded */
        CHECK_EQ(host_cmd(h, 0x0D, p, 8, 0, NULL), v2 ? 0xC0 : 0); /* SPI_ATTACH, 8 bytes */
        CHECK_EQ(host_cmd(h, 0x0D, p, 4, 0, NULL), 0);
        CHECK_EQ(host_cmd(h, 0x09, p, 12, 0, NULL), v2 ? 0xC8 : 0xC0); /* WRITE_REG length */
        build_words(p, 2, 0x1001u, 0x1000u);
        CHECK_EQ(host_cmd(h, 0xD1, p, 8, 0, NULL), v2 ? 0xC0 : 0x32); /* unaligned erase */
        build_words(p, 4, 0u, 0x2000u, 0x2000u, 64u);
        CHECK_EQ(host_cmd(h, 0xD2, p, 16, 0, NULL), v2 ? 0xC0 : 0); /* 8 KB read packets */
        if (!v2) {
            while (host_read_frame(h, &f, 100000)) /* legacy: the stream starts; drop it */
                ;
            host_free(h);
            h = start_family(SIM_CHIP_ESP32C3, fam);
        }
        /* FLASH_END with bytes still announced */
        build_words(p, 5, 8192u, 2u, 0x1000u, 0x10000u, 0u);
        CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
        uint8_t end[4] = {1, 0, 0, 0};
        CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), v2 ? 0xC0 : 0xC8);
        /* a bad deflate stream: legacy says so in the block's reply, family 2 in the reply to
         * the next command, which it does not execute */
        build_words(p, 5, 4096u, 1u, 0x1000u, 0x20000u, 0u);
        CHECK_EQ(host_cmd(h, 0x10, p, 20, 0, NULL), 0);
        uint8_t junk[64];
        memset(junk, 0xA5, sizeof(junk));
        size_t n = build_data(p, junk, sizeof(junk), 0, &chk);
        CHECK_EQ(host_cmd(h, 0x11, p, n, chk, NULL), v2 ? 0 : 0xC7);
        build_words(p, 1, 0x40001000u);
        CHECK_EQ(host_cmd(h, 0x0A, p, 4, 0, NULL), v2 ? 0xC7 : 0);
        CHECK_EQ(host_cmd(h, 0x0A, p, 4, 0, NULL), 0); /* and then it is over */
        /* blank sectors: family 2 checks and skips them, legacy erases all it was told */
        sim_stats_t before, after;
        sim_get_stats(h->sim, &before);
        rnd_fill(big, 0x3000, 9);
        build_words(p, 5, 0x3000u, 3u, 0x1000u, 0x40000u, 0u);
        CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
        for (uint32_t seq = 0; seq < 3; seq++) {
            n = build_data(p, big + seq * 0x1000, 0x1000, seq, &chk);
            CHECK_EQ(host_cmd(h, 0x03, p, n, chk, NULL), 0);
        }
        CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), 0);
        sim_get_stats(h->sim, &after);
        CHECK_EQ(after.sectors_erased - before.sectors_erased, v2 ? 0u : 3u);
        CHECK(memcmp(sim_flash(h->sim, NULL) + 0x40000, big, 0x3000) == 0);
        /* rewriting the now-programmed sectors erases them in both families */
        sim_get_stats(h->sim, &before);
        rnd_fill(big, 0x3000, 10);
        build_words(p, 5, 0x3000u, 3u, 0x1000u, 0x40000u, 0u);
        CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
        for (uint32_t seq = 0; seq < 3; seq++) {
            n = build_data(p, big + seq * 0x1000, 0x1000, seq, &chk);
            CHECK_EQ(host_cmd(h, 0x03, p, n, chk, NULL), 0);
        }
        CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), 0);
        sim_get_stats(h->sim, &after);
        CHECK_EQ(after.sectors_erased - before.sectors_erased, 3u);
        CHECK(memcmp(sim_flash(h->sim, NULL) + 0x40000, big, 0x3000) == 0);
        /* the same in both: raw 16-byte MD5, SYNC with value 0 */
        build_words(p, 4, 0x40000u, 0x3000u, 0u, 0u);
        CHECK_EQ(host_cmd(h, 0x13, p, 16, 0, &f), 0);
        CHECK_EQ(f.d[2], 18);
        host_free(h);
    }
    /* bad family values are refused */
    sim_config_t cfg = {0};
    cfg.chip = SIM_CHIP_ESP32;
    cfg.stub_family = 3;
    char err[128];
    CHECK(sim_new(&cfg, err, sizeof(err)) == NULL);
}

static void test_conventions(void)
{
    host_t *h = start(SIM_CHIP_ESP32, true);
    uint8_t p[36];
    frame_t f;
    host_send_cmd(h, 0x08, p, build_sync(p), 0);
    int n = 0;
    while (host_read_frame(h, &f, 100000)) {
        CHECK_EQ(f.n, 10);
        CHECK_EQ(get32(f.d + 4), 0); /* value 0: how esptool spots a running stub */
        n++;
    }
    CHECK_EQ(n, 8);
    CHECK_EQ(host_cmd(h, 0x14, NULL, 0, 0, &f), 0xFF); /* ESP32 stub: not implemented */
    CHECK_EQ(host_cmd(h, 0x0E, p, 8, 0, &f), 0xFF);    /* no READ_FLASH_SLOW */
    uint8_t bad[12] = {0x01, 0x0A, 4, 0, 0, 0, 0, 0, 0, 0x10, 0, 0x40};
    host_send_frame(h, bad, sizeof(bad));
    CHECK(host_read_frame(h, &f, 100000));
    CHECK_EQ(f.d[8], 0xC3);
    CHECK_EQ(host_read_reg(h, 0x40001000), 0x00F01D83);
    /* WRITE_REG length not a multiple of 16 */
    CHECK_EQ(host_cmd(h, 0x09, p, 12, 0, NULL), 0xC0);
    host_free(h);

    h = start(SIM_CHIP_ESP32C3, true);
    CHECK_EQ(host_cmd(h, 0x14, NULL, 0, 0, &f), 0);
    CHECK_EQ(f.d[2], 22);
    CHECK_EQ(get32(f.d + 8 + 12), 5);
    host_free(h);
}

static void test_plain_write(void)
{
    host_t *h = start(SIM_CHIP_ESP32, true);
    const uint32_t off = 0x21000, size = 40000;
    uint8_t *zeros = calloc(1, 0x20000);
    sim_flash_fill(h->sim, 0x20000, zeros, 0x20000);
    rnd_fill(big, size, 1);
    uint8_t p[16 + 0x4000];
    uint32_t chk;
    build_words(p, 5, size, 3u, 0x8000u, off, 0u);
    CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0xC2); /* block > 16 KB */
    build_words(p, 5, size, 3u, 0x4000u, off, 0u);
    CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
    for (uint32_t seq = 0; seq < 3; seq++) {
        uint8_t blk[0x4000];
        memset(blk, 0xFF, sizeof(blk));
        uint32_t n = size - seq * 0x4000 < 0x4000 ? size - seq * 0x4000 : 0x4000;
        memcpy(blk, big + seq * 0x4000, n);
        size_t len = build_data(p, blk, 0x4000, seq, &chk);
        if (seq == 1)
            CHECK_EQ(host_cmd(h, 0x03, p, len, chk ^ 1, NULL), 0xC1);
        CHECK_EQ(host_cmd(h, 0x03, p, len, chk, NULL), 0);
    }
    uint8_t end[4] = {1, 0, 0, 0};
    CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), 0);
    const uint8_t *fl = sim_flash(h->sim, NULL);
    CHECK(memcmp(fl + off, big, size) == 0);
    /* lazy erase: only the sectors touched; padding beyond `size` not written */
    CHECK_EQ(fl[0x20FFF], 0x00);
    CHECK_EQ(fl[off + size], 0xFF);
    CHECK_EQ(fl[0x2B000 - 1], 0xFF);
    CHECK_EQ(fl[0x2B000], 0x00);
    free(zeros);
    host_free(h);
}

static void test_deflate_write_and_read_back(void)
{
    host_t *h = start(SIM_CHIP_ESP32C3, true);
    const uint32_t off = 0x30000, size = 100000;
    for (uint32_t i = 0; i < size; i++)
        big[i] = (uint8_t)("flash me "[i % 9] + (i / 4096));
    uLongf clen = compressBound(size);
    uint8_t *comp = malloc(clen);
    CHECK_EQ(compress2(comp, &clen, big, size, 9), Z_OK);
    uint32_t blocks = (uint32_t)((clen + 0x3FFF) / 0x4000);
    uint8_t p[16 + 0x4000];
    uint32_t chk;
    build_words(p, 5, size, blocks, 0x4000u, off, 0u);
    CHECK_EQ(host_cmd(h, 0x10, p, 20, 0, NULL), 0);
    for (uint32_t seq = 0; seq < blocks; seq++) {
        uint32_t n = (uint32_t)(clen - seq * 0x4000u < 0x4000 ? clen - seq * 0x4000u : 0x4000);
        size_t len = build_data(p, comp + seq * 0x4000, n, seq, &chk);
        CHECK_EQ(host_cmd(h, 0x11, p, len, chk, NULL), 0);
    }
    uint8_t end[4] = {1, 0, 0, 0};
    CHECK_EQ(host_cmd(h, 0x12, end, 4, 0, NULL), 0);
    CHECK(memcmp(sim_flash(h->sim, NULL) + off, big, size) == 0);

    /* READ_FLASH: one packet in flight; nothing more until the ack */
    uint8_t rq[16];
    build_words(rq, 4, off, 10000u, 0x1000u, 64u);
    CHECK_EQ(host_cmd(h, 0xD2, rq, 16, 0, NULL), 0);
    frame_t f;
    uint32_t got = 0;
    uint8_t *back = malloc(10000);
    while (got < 10000) {
        CHECK(host_read_frame(h, &f, 1000000));
        CHECK_EQ(f.n, got + 0x1000 <= 10000 ? 0x1000 : 10000 - got);
        memcpy(back + got, f.d, f.n);
        got += (uint32_t)f.n;
        CHECK(!host_read_frame(h, &f, 2000000)); /* flow control: silent until acked */
        uint8_t ack[4];
        put32(ack, got);
        host_send_frame(h, ack, 4);
    }
    CHECK(host_read_frame(h, &f, 1000000));
    CHECK_EQ(f.n, 16);
    CHECK(memcmp(back, big, 10000) == 0);
    build_words(rq, 4, off, 10000u, 0u, 0u);
    frame_t m;
    CHECK_EQ(host_cmd(h, 0x13, rq, 16, 0, &m), 0);
    CHECK_EQ(m.d[2], 18);
    CHECK(memcmp(m.d + 8, f.d, 16) == 0); /* stream MD5 == SPI_FLASH_MD5 of the same range */

    /* a corrupt stream */
    build_words(p, 5, 4096u, 1u, 0x4000u, 0x50000u, 0u);
    CHECK_EQ(host_cmd(h, 0x10, p, 20, 0, NULL), 0);
    uint8_t junk[64];
    memset(junk, 0xA5, sizeof(junk));
    size_t len = build_data(p, junk, sizeof(junk), 0, &chk);
    CHECK_EQ(host_cmd(h, 0x11, p, len, chk, NULL), 0xC7);
    free(back);
    free(comp);
    host_free(h);
}

static void test_erase(void)
{
    host_t *h = start(SIM_CHIP_ESP32, true);
    uint8_t *zeros = calloc(1, 0x30000);
    sim_flash_fill(h->sim, 0, zeros, 0x30000);
    uint8_t p[8];
    build_words(p, 2, 0x1001u, 0x1000u);
    CHECK_EQ(host_cmd(h, 0xD1, p, 8, 0, NULL), 0x32);
    build_words(p, 2, 0x1000u, 0x1001u);
    CHECK_EQ(host_cmd(h, 0xD1, p, 8, 0, NULL), 0x33);
    build_words(p, 2, 0x2000u, 0x11000u);
    CHECK_EQ(host_cmd(h, 0xD1, p, 8, 0, NULL), 0);
    const uint8_t *fl = sim_flash(h->sim, NULL);
    CHECK_EQ(fl[0x1FFF], 0);
    CHECK_EQ(fl[0x2000], 0xFF);
    CHECK_EQ(fl[0x12FFF], 0xFF);
    CHECK_EQ(fl[0x13000], 0);
    CHECK_EQ(host_cmd(h, 0xD0, NULL, 0, 0, NULL), 0);
    size_t sz;
    fl = sim_flash(h->sim, &sz);
    size_t ff = 0;
    for (size_t i = 0; i < sz; i++)
        ff += fl[i] == 0xFF;
    CHECK_EQ(ff, sz);
    free(zeros);
    host_free(h);
}

/* Timing: acknowledge on receipt, program while the next block travels, FLASH_END waits. */
static void test_double_buffering(void)
{
    host_t *h = start(SIM_CHIP_ESP32, false);
    uint8_t p[16 + 0x4000], blk[0x4000];
    uint32_t chk;
    rnd_fill(blk, sizeof(blk), 7);
    build_words(p, 5, 0x8000u, 2u, 0x4000u, 0x100000u, 0u);
    CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
    size_t len = build_data(p, blk, 0x4000, 0, &chk);
    uint64_t t0 = h->now;
    CHECK_EQ(host_cmd(h, 0x03, p, len, chk, NULL), 0);
    uint64_t wire = (uint64_t)(len + 8 + 2) * 10 * 1000000 / 115200;
    /* block 0 acked about when it arrived, not after the 16 KB write (~0.25 s) */
    CHECK(h->now - t0 < wire + 20000);
    len = build_data(p, blk, 0x4000, 1, &chk);
    CHECK_EQ(host_cmd(h, 0x03, p, len, chk, NULL), 0);
    uint64_t t1 = h->now;
    uint8_t end[4] = {1, 0, 0, 0};
    CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), 0);
    /* FLASH_END answered only after the last block is programmed: 64 pages of 1 ms (the
     * sectors were erased in the background while block 0 was on the wire) */
    CHECK(h->now - t1 > 60000);
    host_free(h);
}

static void test_leave_stub(void)
{
    host_t *h = start(SIM_CHIP_ESP32, true);
    uint8_t p[20];
    build_words(p, 5, 0u, 0u, 0x4000u, 0u, 0u);
    CHECK_EQ(host_cmd(h, 0x02, p, 20, 0, NULL), 0);
    uint8_t end[4] = {0, 0, 0, 0};
    CHECK_EQ(host_cmd(h, 0x04, end, 4, 0, NULL), 0);
    char text[200];
    host_read_text(h, text, sizeof(text), 100000);
    CHECK(strstr(text, "rst:0x3 (SW_RESET),boot:0xf (UART_BOOT(UART0))") != NULL);
    CHECK(!sim_stub_running(h->sim));
    CHECK(sim_in_download_mode(h->sim));
    h->stub = false;
    CHECK_EQ(host_sync(h), 8);
    frame_t f;
    CHECK_EQ(host_cmd(h, 0x0A, (const uint8_t *)"\x00\x10\x00\x40", 4, 0, &f), 0);
    CHECK_EQ(f.d[2], 4); /* ROM status length again */
    CHECK(host_start_stub(h));
    host_send_cmd(h, 0xD3, NULL, 0, 0); /* RUN_USER_CODE: no reply, loader left */
    CHECK(!host_read_frame(h, &f, 500000));
    CHECK(!sim_in_download_mode(h->sim));
    host_free(h);
}

int main(void)
{
    test_conventions();
    test_plain_write();
    test_deflate_write_and_read_back();
    test_erase();
    test_double_buffering();
    test_leave_stub();
    test_families();
    printf("%ld checks, %d failed\n", simhost_checks, simhost_failures);
    return simhost_failures ? 1 : 0;
}
