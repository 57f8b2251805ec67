/*
 * Calibration of the timing model against the public measurements in DESIGN.md §4 (±15 %).
 * The test drives the sim itself, the way esptool does: one command at a time, the next block
 * sent as soon as the previous reply is in, on the virtual clock (so the ~10 minutes of
 * simulated serial traffic cost a few seconds of CPU, mostly zlib).
 * Figures: erase = FLASH_BEGIN round trip; data = from the BEGIN reply to the last block's
 * reply (stub: plus esptool's dummy READ_REG that waits for the last write to finish).
 */
#include "simhost.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int within(const char *what, double got, double want)
{
    double dev = (got - want) / want * 100.0;
    int ok = dev >= -15.0 && dev <= 15.0;
    printf("  %-48s sim %8.2f s  measured %8.2f s  %+6.1f %%  %s\n", what, got, want, dev,
           ok ? "ok" : "OUT OF RANGE");
    CHECK(ok);
    return ok;
}

static uint32_t lcg;
static uint32_t rnd(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return lcg >> 16;
}

static void random_bytes(uint8_t *d, size_t n, uint32_t seed)
{
    lcg = seed;
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)rnd();
}

/* Firmware-like data: 4-byte words from a 256-word vocabulary, a fraction q/256 of them
 * random; q sets the zlib ratio (q = 60 gives ~0.60 at level 9). */
static void firmware_like(uint8_t *d, size_t n, unsigned q, uint32_t seed)
{
    uint8_t vocab[256][4];
    lcg = seed;
    for (int i = 0; i < 256; i++)
        for (int k = 0; k < 4; k++)
            vocab[i][k] = (uint8_t)rnd();
    for (size_t i = 0; i < n; i += 4) {
        uint8_t w[4];
        if ((rnd() & 0xFF) < q) {
            for (int k = 0; k < 4; k++)
                w[k] = (uint8_t)rnd();
        } else {
            memcpy(w, vocab[rnd() % 256], 4);
        }
        memcpy(d + i, w, n - i < 4 ? n - i : 4);
    }
}

static void boot(host_t *h, sim_chip_id_t chip, uint32_t sync_baud)
{
    host_new_sim(h, chip, false, false);
    host_advance(h, 100000);
    sim_set_host_baud(h->sim, sync_baud);
    CHECK_EQ(host_sync(h), 8);
}

static void change_baud(host_t *h, uint32_t baud, uint32_t old)
{
    uint8_t p[8];
    build_words(p, 2, baud, old);
    CHECK_EQ(host_cmd(h, 0x0F, p, 8, 0, NULL), 0);
    sim_set_host_baud(h->sim, baud);
    host_advance(h, 50000); /* esptool: sleep 50 ms, flush */
    uint8_t sink[64];
    while (sim_host_read(h->sim, sink, sizeof(sink), h->now) > 0) {
    }
    h->rxn = 0;
    h->c0s = 0;
}

/* ROM, plain, 1 KB blocks padded with 0xFF. */
static void rom_write(sim_chip_id_t chip, uint32_t baud, uint32_t size, uint32_t offset,
                      double want_erase, double want_data, const char *label)
{
    host_t *h = calloc(1, sizeof(*h));
    bool esp8266 = chip == SIM_CHIP_ESP8266;
    boot(h, chip, esp8266 ? baud : 115200); /* the ESP8266 ROM auto-bauds on SYNC */
    if (!esp8266 && baud != 115200)
        change_baud(h, baud, 0);
    uint8_t p[16 + 1024];
    if (!esp8266) {
        CHECK_EQ(host_cmd(h, 0x0D, (const uint8_t *)"\0\0\0\0\0\0\0\0", 8, 0, NULL), 0);
        build_words(p, 6, 0u, 4u << 20, 0x10000u, 0x1000u, 0x100u, 0xFFFFu);
        CHECK_EQ(host_cmd(h, 0x0B, p, 24, 0, NULL), 0);
    }
    uint8_t *data = malloc(size);
    random_bytes(data, size, size);
    uint32_t blocks = (size + 1023) / 1024;
    uint32_t erase = size;
    if (esp8266) {
        /* esptool's ESP8266ROM.get_erase_size (docs/protocol.md §5.5.1) */
        uint32_t n = (size + 4095) / 4096, s = offset / 4096, head = 16 - s % 16;
        if (n < head)
            head = n;
        erase = n < 2 * head ? (n + 1) / 2 * 4096 : (n - head) * 4096;
    }
    int words = chip == SIM_CHIP_ESP32 || esp8266 ? 4 : 5;
    build_words(p, 5, erase, blocks, 0x400u, offset, 0u);
    uint64_t t0 = h->now;
    CHECK_EQ(host_cmd(h, 0x02, p, (size_t)(4 * words), 0, NULL), 0);
    uint64_t t1 = h->now;
    for (uint32_t i = 0; i < blocks; i++) {
        uint8_t blk[1024];
        memset(blk, 0xFF, sizeof(blk));
        uint32_t n = size - i * 1024 < 1024 ? size - i * 1024 : 1024;
        memcpy(blk, data + i * 1024, n);
        uint32_t chk;
        size_t len = build_data(p, blk, 1024, i, &chk);
        CHECK_EQ(host_cmd(h, 0x03, p, len, chk, NULL), 0);
    }
    uint64_t t2 = h->now;
    CHECK(memcmp(sim_flash(h->sim, NULL) + offset, data, size) == 0);
    printf("%s\n", label);
    /* the model's own account: flash busy time vs. the documented floor */
    sim_stats_t st;
    sim_get_stats(h->sim, &st);
    CHECK_EQ(st.pages_programmed, blocks * 4);
    uint64_t floor = sim_flash_floor_us(chip, false, blocks * 1024);
    uint64_t wire = 0; /* what the blocks and replies cost on the line */
    wire =
        (uint64_t)blocks * ((1024 + 16 + 8 + 2) * 10 + (esp8266 ? 12 : 14) * 10) * 1000000 / baud;
    double chip_time = (double)(t2 - t0) - (double)wire;
    printf("  floor %.2f s, model's chip time (total - wire, no escapes counted) %.2f s\n",
           (double)floor / 1e6, chip_time / 1e6);
    if (offset == 0)
        CHECK(chip_time > 0.9 * (double)floor && chip_time < 1.2 * (double)floor);
    within("erase at FLASH_BEGIN", (double)(t1 - t0) / 1e6, want_erase);
    if (want_data > 0)
        within("data", (double)(t2 - t1) / 1e6, want_data);
    free(data);
    host_free(h);
    free(h);
}

static void stub_write_z(uint32_t baud, uint32_t size, uint32_t want_z, unsigned q, double want,
                         const char *label)
{
    host_t *h = calloc(1, sizeof(*h));
    boot(h, SIM_CHIP_ESP32, 115200);
    CHECK(host_start_stub(h));
    change_baud(h, baud, 115200);
    uint8_t *data = malloc(size);
    firmware_like(data, size, q, size);
    uLongf zl = compressBound(size);
    uint8_t *z = malloc(zl);
    CHECK_EQ(compress2(z, &zl, data, size, 9), Z_OK);
    double ratio_dev = ((double)zl - want_z) / want_z * 100.0;
    printf("%s\n  compressed %u -> %lu bytes (measured workload: %u, %+.1f %%)\n", label, size,
           (unsigned long)zl, want_z, ratio_dev);
    CHECK(ratio_dev > -3.0 && ratio_dev < 3.0);
    uint8_t *p = malloc(16 + 0x4000);
    build_words(p, 6, 0u, 4u << 20, 0x10000u, 0x1000u, 0x100u, 0xFFFFu);
    CHECK_EQ(host_cmd(h, 0x0B, p, 24, 0, NULL), 0);
    uint32_t blocks = (uint32_t)((zl + 0x3FFF) / 0x4000);
    build_words(p, 5, size, blocks, 0x4000u, 0x10000u, 0u);
    CHECK_EQ(host_cmd(h, 0x10, p, 20, 0, NULL), 0);
    uint64_t t1 = h->now;
    for (uint32_t i = 0; i < blocks; i++) {
        uint32_t n =
            (uint32_t)(zl - (uLongf)i * 0x4000 < 0x4000 ? zl - (uLongf)i * 0x4000 : 0x4000);
        uint32_t chk;
        size_t len = build_data(p, z + (size_t)i * 0x4000, n, i, &chk);
        CHECK_EQ(host_cmd(h, 0x11, p, len, chk, NULL), 0);
    }
    uint64_t t_last = h->now;
    host_read_reg(h, 0x40001000); /* esptool: waits for the last write */
    uint64_t t2 = h->now;
    CHECK(memcmp(sim_flash(h->sim, NULL) + 0x10000, data, size) == 0);
    within("data (to the dummy READ_REG after the last block)", (double)(t2 - t1) / 1e6, want);
    printf("  (to the last block's reply: %.2f s)\n", (double)(t_last - t1) / 1e6);
    free(p);
    free(z);
    free(data);
    host_free(h);
    free(h);
}

static void stub_read(uint32_t size, double want)
{
    host_t *h = calloc(1, sizeof(*h));
    boot(h, SIM_CHIP_ESP32, 115200);
    uint8_t *data = malloc(size);
    random_bytes(data, size, 4242);
    sim_flash_fill(h->sim, 0, data, size);
    CHECK(host_start_stub(h));
    uint8_t p[16];
    build_words(p, 4, 0u, size, 0x1000u, 64u);
    uint64_t t0 = h->now;
    CHECK_EQ(host_cmd(h, 0xD2, p, 16, 0, NULL), 0);
    uint32_t got = 0;
    frame_t *f = malloc(sizeof(*f));
    bool ok = true;
    while (got < size && ok) {
        ok = host_read_frame(h, f, 3000000);
        if (ok) {
            ok = memcmp(data + got, f->d, f->n) == 0;
            got += (uint32_t)f->n;
            uint8_t ack[4];
            put32(ack, got);
            host_send_frame(h, ack, 4);
        }
    }
    CHECK(ok);
    CHECK(host_read_frame(h, f, 3000000) && f->n == 16);
    uint64_t t1 = h->now;
    printf("ESP32 stub, 115200, READ_FLASH %u bytes (random content)\n", size);
    within("read", (double)(t1 - t0) / 1e6, want);
    free(f);
    free(data);
    host_free(h);
    free(h);
}

int main(void)
{
    rom_write(SIM_CHIP_ESP32, 115200, 144672, 0x10000, 0.83, 14.42,
              "ESP32 ROM, 115200, 144,672 B plain in 1 KB blocks at 0x10000");
    rom_write(SIM_CHIP_ESP32C6, 460800, 102400, 0x10000, 0.85, 3.2,
              "ESP32-C6 ROM, 460800, 102,400 B plain at 0x10000");
    rom_write(SIM_CHIP_ESP8266, 115200, 524288, 0x0, 2.59, 50.5,
              "ESP8266 ROM, 115200, 524,288 B plain at 0x0");
    rom_write(SIM_CHIP_ESP8266, 460800, 524288, 0x0, 2.59, 14.6,
              "ESP8266 ROM, 460800 (auto-baud), 524,288 B plain at 0x0");
    stub_write_z(460800, 2507328, 1483599, 60, 35.2,
                 "ESP32 stub, 460800, 2,507,328 B compressed (DEFL, 16 KB blocks)");
    stub_write_z(921600, 1851472, 1063799, 56, 17.6, "ESP32 stub, 921600, 1,851,472 B compressed");
    stub_write_z(2000000, 2291152, 1366321, 60, 22.4,
                 "ESP32 stub, 2000000, 2,291,152 B compressed");
    stub_read(4u << 20, 394.5);
    printf("%ld checks, %d failed\n", simhost_checks, simhost_failures);
    return simhost_failures ? 1 : 0;
}
