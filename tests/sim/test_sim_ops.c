/*
 * Library <-> sim: the public operations not covered by the flash cycle -- registers, RAM
 * download, boot log, progress callback, reset into the app, error strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_harness.h"

/* WRITE_REG / READ_REG round trip, masked writes keep the other bits (§5.3). Scratch
 * addresses in each chip's data RAM, where the sim keeps a sparse register/RAM map. */
static void test_registers(void **state)
{
    (void)state;
    for (int c = 0; c < SIM_CHIP_COUNT; c++) {
        for (int stub = 0; stub < 2; stub++) {
            harness_t *h = h_new((sim_chip_id_t)c, NULL);
            assert_non_null(h);
            assert_int_equal(h_connect(h), ESPLOADER_OK);
            if (stub) {
                assert_int_equal(h_run_stub(h), ESPLOADER_OK);
            }
            esploader_t *l = &h->loader;
            uint32_t a = h->chip->stub_data + 0x8000, v = 0;
            assert_int_equal(esploader_write_register(l, a, 0x12345678), ESPLOADER_OK);
            assert_int_equal(esploader_read_register(l, a, &v), ESPLOADER_OK);
            assert_int_equal(v, 0x12345678);
            assert_int_equal(esploader_write_register_masked(l, a, 0xABCD0000, 0xFFFF0000, 5),
                             ESPLOADER_OK);
            assert_int_equal(esploader_read_register(l, a, &v), ESPLOADER_OK);
            assert_int_equal(v, 0xABCD5678);
            assert_false(h->blown);
            h_free(h);
        }
    }
}

/* MEM_BEGIN / MEM_DATA / MEM_END(0): bytes land in RAM (read back with READ_REG), the ROM
 * stays in the loader because entry 0 means "just finish" (§5.4). */
static void test_ram_download(void **state)
{
    (void)state;
    for (int c = 0; c < SIM_CHIP_COUNT; c++) {
        harness_t *h = h_new((sim_chip_id_t)c, NULL);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        esploader_t *l = &h->loader;
        uint8_t img[7000];
        h_fill_pattern(img, sizeof(img), 0x3A3u + (uint32_t)c);
        uint32_t a = h->chip->stub_data + 0x1000;
        assert_int_equal(esploader_mem_start(l, a, sizeof(img), 0x1800), ESPLOADER_OK);
        for (uint32_t done = 0; done < sizeof(img);) {
            uint32_t n = sizeof(img) - done < 0x1800 ? sizeof(img) - done : 0x1800;
            assert_int_equal(esploader_mem_write(l, img + done, n), ESPLOADER_OK);
            done += n;
        }
        assert_int_equal(esploader_mem_finish(l, 0), ESPLOADER_OK);
        for (uint32_t off = 0; off < sizeof(img); off += 1020) {
            uint32_t v = 0, want = (uint32_t)img[off] | (uint32_t)img[off + 1] << 8 |
                                   (uint32_t)img[off + 2] << 16 | (uint32_t)img[off + 3] << 24;
            assert_int_equal(esploader_read_register(l, a + off, &v), ESPLOADER_OK);
            assert_int_equal(v, want);
        }
        assert_true(sim_in_download_mode(h->sim));
        assert_false(sim_stub_running(h->sim));
        h_free(h);
    }
}

/* The boot banner printed by the reset is kept for diagnostics (§7 step 2). */
static void test_boot_log(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    size_t n = 0;
    const char *log = esploader_boot_log(&h->loader, &n);
    assert_non_null(log);
    assert_true(n > 20);
    char buf[ESPLOADER_BOOT_LOG + 1];
    memcpy(buf, log, n < sizeof(buf) - 1 ? n : sizeof(buf) - 1);
    buf[n < sizeof(buf) - 1 ? n : sizeof(buf) - 1] = 0;
    assert_non_null(strstr(buf, "boot:0xf"));
    assert_int_equal(esploader_connect_diag(&h->loader), ESPLOADER_DIAG_NONE);
    h_free(h);
}

typedef struct prog {
    uint32_t calls, last_done, last_total;
    bool monotonic;
} prog_t;

static void on_progress(void *user, uint32_t done, uint32_t total)
{
    prog_t *p = user;
    if (done < p->last_done) {
        p->monotonic = false;
    }
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

/* write_buffer's progress hook: called per block, ends at done == total. */
static void test_progress(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32C3, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    static uint8_t data[10000];
    h_fill_pattern(data, sizeof(data), 5);
    prog_t p = {0, 0, 0, true};
    assert_int_equal(
        esploader_flash_write_buffer(&h->loader, 0x5000, data, sizeof(data), 0, on_progress, &p),
        ESPLOADER_OK);
    assert_true(p.calls >= 2);
    assert_true(p.monotonic);
    assert_int_equal(p.last_done, p.last_total);
    assert_true(p.last_total >= sizeof(data));
    assert_int_equal(h_flash_diff(h, 0x5000, data, sizeof(data)), -1);
    h_free(h);
}

/* Hard reset through EN leaves download mode: the chip runs its app (§10.5). */
static void test_reset_to_app(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32S3, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_true(sim_in_download_mode(h->sim));
    sim_stats_t s0, s1;
    sim_get_stats(h->sim, &s0);
    assert_int_equal(esploader_reset_target(&h->loader), ESPLOADER_OK);
    /* collect what the chip prints while it boots: the normal-boot banner */
    char buf[512];
    size_t n = 0;
    for (int32_t r = 1; r > 0 && n<sizeof(buf) - 1; n += r> 0 ? (size_t)r : 0) {
        r = sim_link_read(h->link, (uint8_t *)buf + n, sizeof(buf) - 1 - n, 300);
    }
    buf[n] = 0;
    assert_non_null(strstr(buf, "SPI_FAST_FLASH_BOOT"));
    sim_get_stats(h->sim, &s1);
    assert_true(s1.resets > s0.resets);
    assert_false(sim_in_download_mode(h->sim));
    h_free(h);
}

/* Every code has a message; calls out of order say so instead of sending garbage. */
static void test_errors_and_state(void **state)
{
    (void)state;
    for (int e = ESPLOADER_OK; e >= ESPLOADER_ERR_STATE; e--) {
        const char *m = esploader_strerror(e);
        assert_non_null(m);
        assert_true(strlen(m) > 0);
    }
    harness_t *h = h_new(SIM_CHIP_ESP32C6, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    uint8_t b[16] = {0};
    assert_int_equal(esploader_flash_write(&h->loader, b, sizeof(b)), ESPLOADER_ERR_STATE);
    assert_int_equal(esploader_mem_write(&h->loader, b, sizeof(b)), ESPLOADER_ERR_STATE);
    /* ROM flash writes must start on a sector (§5.5) */
    assert_int_equal(esploader_flash_start(&h->loader, 0x10010, 100, 0), ESPLOADER_ERR_INVALID_ARG);
    sim_stats_t st;
    sim_get_stats(h->sim, &st);
    assert_int_equal(st.sectors_erased, 0);
    h_free(h);
}

/* Every reset strategy of the config reaches download mode through the sim's auto-reset
 * circuit (§10.1-10.3); a custom sequence comes from an esptool-style string. NO_RESET_NO_SYNC
 * reuses a loader that is already listening. */
static void test_reset_strategies(void **state)
{
    (void)state;
    static const esploader_before_t befores[] = {
        ESPLOADER_BEFORE_DEFAULT_RESET, ESPLOADER_BEFORE_CLASSIC_RESET,
        ESPLOADER_BEFORE_UNIX_TIGHT_RESET, ESPLOADER_BEFORE_CUSTOM_RESET};
    esploader_reset_step_t steps[16];
    int nsteps = esploader_reset_parse("D0|R1|W0.1|D1|R0|W0.05|D0", steps, 16);
    assert_int_equal(nsteps, 7);
    for (size_t i = 0; i < sizeof(befores) / sizeof(befores[0]); i++) {
        harness_t *h = h_new(SIM_CHIP_ESP32C3, NULL);
        assert_non_null(h);
        /* start the chip running its app, so only a working reset gets us a loader */
        sim_reset(h->sim, false, h_now_us(h));
        h->cfg.before = befores[i];
        h->cfg.custom_reset = steps;
        h->cfg.custom_reset_len = (size_t)nsteps;
        assert_int_equal(esploader_init(&h->loader, &h->cfg), ESPLOADER_OK);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        assert_true(sim_in_download_mode(h->sim));
        assert_int_equal(esploader_get_target(&h->loader), ESPLOADER_CHIP_ESP32C3);
        h_free(h);
    }

    /* NO_RESET on a chip running its app: nothing answers, and the loader says so */
    harness_t *h = h_new(SIM_CHIP_ESP32C3, NULL);
    sim_reset(h->sim, false, h_now_us(h));
    h->cfg.before = ESPLOADER_BEFORE_NO_RESET;
    assert_int_equal(esploader_init(&h->loader, &h->cfg), ESPLOADER_OK);
    assert_int_equal(h_connect(h), ESPLOADER_ERR_TIMEOUT);
    assert_false(h->blown);
    h_free(h);

    /* NO_RESET_NO_SYNC after a session: the loader is still listening */
    h = h_new(SIM_CHIP_ESP32H2, NULL);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    h->cfg.before = ESPLOADER_BEFORE_NO_RESET_NO_SYNC;
    assert_int_equal(esploader_init(&h->loader, &h->cfg), ESPLOADER_OK);
    memset(&h->trace, 0, sizeof(h->trace));
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_int_equal(h->trace.tx_ops[0x08], 0); /* no SYNC */
    assert_int_equal(esploader_get_target(&h->loader), ESPLOADER_CHIP_ESP32H2);
    uint8_t mac[6], want[6];
    assert_int_equal(esploader_read_mac(&h->loader, mac), ESPLOADER_OK);
    h_expected_mac(h, want);
    assert_memory_equal(mac, want, 6);
    h_free(h);
}

/* An explicit SPI_ATTACH (ROM: 2 words) keeps flash access working. */
static void test_spi_attach(void **state)
{
    (void)state;
    for (int stub = 0; stub < 2; stub++) {
        harness_t *h = h_new(SIM_CHIP_ESP32S3, NULL);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        if (stub) {
            assert_int_equal(h_run_stub(h), ESPLOADER_OK);
        }
        assert_int_equal(esploader_spi_attach(&h->loader, 0), ESPLOADER_OK);
        uint32_t size = 0;
        assert_int_equal(esploader_flash_detect_size(&h->loader, &size, NULL), ESPLOADER_OK);
        assert_int_equal(size, 4u << 20);
        h_free(h);
    }
}

int main(void)
{
    h_wall_guard(120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registers),        cmocka_unit_test(test_ram_download),
        cmocka_unit_test(test_boot_log),         cmocka_unit_test(test_progress),
        cmocka_unit_test(test_reset_to_app),     cmocka_unit_test(test_errors_and_state),
        cmocka_unit_test(test_reset_strategies), cmocka_unit_test(test_spi_attach),
    };
    return cmocka_run_group_tests_name("sim_ops", tests, NULL, NULL);
}
