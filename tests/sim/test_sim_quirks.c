/*
 * Library <-> sim: the ROM quirks the library must live with (traces README), baud changes on
 * every chip, Secure Download Mode limits, big flash, wrong-chip and running-stub detection.
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

#define OFFSET 0x20000u
#define SIZE   9000u

static uint32_t magic_of(sim_chip_id_t c)
{
    /* docs/protocol.md §8.1 (v5 magic), the traces (C3: 0x19F1506F) */
    switch (c) {
    case SIM_CHIP_ESP8266:
        return 0xFFF0C101;
    case SIM_CHIP_ESP32:
        return 0x00F01D83;
    case SIM_CHIP_ESP32S2:
        return 0x000007C6;
    default:
        return 0;
    }
}

/*
 * ESP8266 / ESP32 ROMs answer GET_SECURITY_INFO with the stale-opcode "unsupported" reply
 * (8 copies when the previous command was SYNC). Detection must still pick the right chip
 * and the next command must get its own reply, not a leftover copy.
 */
static void test_stale_unsupported(void **state)
{
    (void)state;
    for (sim_chip_id_t c = SIM_CHIP_ESP8266; c <= SIM_CHIP_ESP32; c++) {
        for (int strict = 0; strict < 2; strict++) {
            h_opts_t o = {.strict = strict != 0};
            harness_t *h = h_new(c, &o);
            assert_non_null(h);
            assert_int_equal(h_connect(h), ESPLOADER_OK);
            assert_int_equal(esploader_get_target(&h->loader), h->chip->lib);
            if (h->trace.tx_ops[0x14] > 0) {
                /* detection asked; each ask right after SYNC draws 8 stale replies */
                assert_true(h->trace.rx_unsupported >= 1);
            }
            esploader_security_info_t si;
            h_arm(h);
            assert_int_equal(esploader_get_security_info(&h->loader, &si),
                             ESPLOADER_ERR_UNSUPPORTED);
            uint32_t v = 0;
            assert_int_equal(esploader_read_register(&h->loader, 0x40001000, &v), ESPLOADER_OK);
            assert_int_equal(v, magic_of(c));
            assert_int_equal(esploader_read_register(&h->loader, h->chip->mac_reg, &v),
                             ESPLOADER_OK);
            assert_int_not_equal(v, magic_of(c));
            assert_false(h->blown);
            h_free(h);
        }
    }
}

/* Chips with GET_SECURITY_INFO report their IMAGE_CHIP_ID (§5.14); S2 has the 12-byte form. */
static void test_security_info(void **state)
{
    (void)state;
    static const uint32_t image_id[SIM_CHIP_COUNT] = {0,  0,  2,  9,  12, 5,  23, 13,
                                                      20, 16, 18, 32, 31, 25, 28};
    for (int c = SIM_CHIP_ESP32S2; c < SIM_CHIP_COUNT; c++) {
        harness_t *h = h_new((sim_chip_id_t)c, NULL);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        esploader_security_info_t si;
        memset(&si, 0xAA, sizeof(si));
        assert_int_equal(esploader_get_security_info(&h->loader, &si), ESPLOADER_OK);
        assert_int_equal(si.flags & ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE, 0);
        assert_int_equal(si.has_chip_id, h->chip->secinfo_has_id);
        if (si.has_chip_id) {
            assert_int_equal(si.chip_id, image_id[c]);
        }
        h_free(h);
    }
}

/* Write SIZE bytes plain, check flash and verification. */
static void write_and_check(harness_t *h, uint32_t seed)
{
    static uint8_t data[SIZE];
    h_fill_pattern(data, SIZE, seed);
    h_arm(h);
    assert_int_equal(h_write_plain(h, OFFSET, data, SIZE), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, data, SIZE), -1);
    bool rom8266 = h->chip->sim == SIM_CHIP_ESP8266 && !esploader_stub_running(&h->loader);
    assert_int_equal(esploader_flash_verified(&h->loader), !rom8266);
    assert_false(h->blown);
}

/*
 * CHANGE_BAUDRATE on every chip, ROM and stub (ROM replies, then sends C0 C0 at the new rate).
 * ESP8266 ROM cannot (§5.12): UNSUPPORTED and the session stays at 115200.
 */
static void test_baud(void **state)
{
    const int c = (int)(*(const sim_chip_id_t *)*state);
    static const uint32_t bauds[] = {460800, 921600, 2000000};
    for (int stub = 0; stub < 2; stub++) {
        h_opts_t o = {.strict = stub == 0 && c % 2 == 1};
        harness_t *h = h_new((sim_chip_id_t)c, &o);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        if (stub) {
            assert_int_equal(h_run_stub(h), ESPLOADER_OK);
        }
        uint32_t baud = bauds[(c + stub) % 3];
        h_arm(h);
        int rc = esploader_change_baudrate(&h->loader, baud);
        if (c == SIM_CHIP_ESP8266 && !stub) {
            assert_int_equal(rc, ESPLOADER_ERR_UNSUPPORTED);
            assert_int_equal(sim_uart_baud(h->sim), 115200);
        } else {
            assert_int_equal(rc, ESPLOADER_OK);
            assert_int_equal(sim_uart_baud(h->sim), baud);
        }
        uint8_t mac[6], want[6];
        assert_int_equal(esploader_read_mac(&h->loader, mac), ESPLOADER_OK);
        h_expected_mac(h, want);
        assert_memory_equal(mac, want, 6);
        write_and_check(h, (uint32_t)c * 3u + (uint32_t)stub);
        h_free(h);
    }
}

/*
 * Secure Download Mode (S2 and later): only SYNC, SPI_ATTACH, SPI_SET_PARAMS,
 * CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END, GET_SECURITY_INFO work (§4). No stub, no MD5, no
 * compression, no register reads, no flash reads; a plain write works but cannot be verified.
 */
static void test_secure_download_mode(void **state)
{
    const int c = (int)(*(const sim_chip_id_t *)*state);
    {
        h_opts_t o = {.secure_download = true, .strict = c % 2 == 0};
        harness_t *h = h_new((sim_chip_id_t)c, &o);
        assert_non_null(h);
        esploader_t *l = &h->loader;
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        assert_int_equal(esploader_get_target(l), h->chip->lib);
        assert_true(esploader_secure_download_mode(l));

        esploader_security_info_t si;
        assert_int_equal(esploader_get_security_info(l, &si), ESPLOADER_OK);
        assert_true(si.flags & ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE);

        assert_int_equal(h_run_stub(h), ESPLOADER_ERR_UNSUPPORTED);
        assert_false(sim_stub_running(h->sim));
        uint32_t v;
        int rc = esploader_read_register(l, h->chip->mac_reg, &v);
        assert_true(rc == ESPLOADER_ERR_UNSUPPORTED || rc == ESPLOADER_ERR_TARGET);
        uint8_t mac[6];
        rc = esploader_read_mac(l, mac);
        assert_true(rc == ESPLOADER_ERR_UNSUPPORTED || rc == ESPLOADER_ERR_TARGET);

        static uint8_t data[SIZE];
        h_fill_pattern(data, SIZE, 77u + (uint32_t)c);
        h_arm(h);
        assert_int_equal(h_write_deflated(h, OFFSET, data, SIZE), ESPLOADER_ERR_UNSUPPORTED);
        assert_true(h_flash_all(h, OFFSET, SIZE, 0xFF));

        h_arm(h);
        assert_int_equal(esploader_flash_write_buffer(l, OFFSET, data, SIZE, 0, NULL, NULL),
                         ESPLOADER_OK);
        assert_int_equal(h_flash_diff(h, OFFSET, data, SIZE), -1);
        assert_false(esploader_flash_verified(l));

        uint8_t md5[16];
        assert_int_equal(esploader_flash_md5(l, OFFSET, SIZE, md5), ESPLOADER_ERR_UNSUPPORTED);
        assert_int_equal(esploader_flash_read(l, OFFSET, md5, 16), ESPLOADER_ERR_UNSUPPORTED);
        assert_int_equal(esploader_flash_erase(l), ESPLOADER_ERR_UNSUPPORTED);
        uint32_t size;
        rc = esploader_flash_detect_size(l, &size, NULL);
        assert_true(rc == ESPLOADER_ERR_UNSUPPORTED || rc == ESPLOADER_ERR_TARGET);

        /* CHANGE_BAUDRATE is on the whitelist, but C2 / C5 need a crystal-dependent baud
         * correction read from registers SDM hides: esptool refuses there (§5.12) */
        if (c == SIM_CHIP_ESP32C2 || c == SIM_CHIP_ESP32C5) {
            assert_int_equal(esploader_change_baudrate(l, 460800), ESPLOADER_ERR_UNSUPPORTED);
            assert_int_equal(sim_uart_baud(h->sim), 115200);
        } else {
            assert_int_equal(esploader_change_baudrate(l, 460800), ESPLOADER_OK);
            assert_int_equal(sim_uart_baud(h->sim), 460800);
        }
        assert_false(h->blown);
        h_free(h);
    }
}

/* 16 MB flash: detect it, tell the ROM (SPI_SET_PARAMS), write and read above 2 MB. */
static void test_big_flash(void **state)
{
    (void)state;
    for (int stub = 0; stub < 2; stub++) {
        h_opts_t o = {.flash_size = 16u << 20};
        harness_t *h = h_new(SIM_CHIP_ESP32, &o);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        if (stub) {
            assert_int_equal(h_run_stub(h), ESPLOADER_OK);
        }
        uint32_t size = 0, id = 0;
        assert_int_equal(esploader_flash_detect_size(&h->loader, &size, &id), ESPLOADER_OK);
        assert_int_equal(size, 16u << 20);
        assert_int_equal(id, 0x1840C8);
        assert_int_equal(esploader_flash_set_size(&h->loader, size), ESPLOADER_OK);
        static uint8_t data[SIZE], back[SIZE];
        h_fill_pattern(data, SIZE, 1600u + (uint32_t)stub);
        uint32_t off = 0xF00000;
        assert_int_equal(esploader_flash_write_buffer(&h->loader, off, data, SIZE, 0, NULL, NULL),
                         ESPLOADER_OK);
        assert_int_equal(h_flash_diff(h, off, data, SIZE), -1);
        assert_true(esploader_flash_verified(&h->loader));
        assert_int_equal(esploader_flash_read(&h->loader, off, back, SIZE), ESPLOADER_OK);
        assert_memory_equal(back, data, SIZE);
        h_free(h);
    }
}

/* config.chip names another chip: connect fails and says why. */
static void test_wrong_chip(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32C3, NULL);
    assert_non_null(h);
    h->cfg.chip = ESPLOADER_CHIP_ESP32S3;
    assert_int_equal(esploader_init(&h->loader, &h->cfg), ESPLOADER_OK);
    int rc = h_connect(h);
    assert_int_not_equal(rc, ESPLOADER_OK);
    assert_true(h_defined_rc(rc));
    assert_int_equal(esploader_connect_diag(&h->loader), ESPLOADER_DIAG_WRONG_CHIP);
    assert_false(h->blown);
    h_free(h);

    /* ... and the right explicit chip connects */
    h = h_new(SIM_CHIP_ESP32C3, NULL);
    h->cfg.chip = ESPLOADER_CHIP_ESP32C3;
    assert_int_equal(esploader_init(&h->loader, &h->cfg), ESPLOADER_OK);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    h_free(h);
}

/* A stub left running is found by SYNC (value 0) and not uploaded again (§5.1). */
static void test_stub_reuse(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32S3, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_int_equal(h_run_stub(h), ESPLOADER_OK);

    esploader_config_t cfg = h->cfg;
    cfg.before = ESPLOADER_BEFORE_NO_RESET;
    assert_int_equal(esploader_init(&h->loader, &cfg), ESPLOADER_OK);
    memset(&h->trace, 0, sizeof(h->trace));
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_true(esploader_stub_running(&h->loader));
    assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    assert_int_equal(h->trace.tx_ops[0x05], 0); /* no MEM_BEGIN */
    assert_true(sim_stub_running(h->sim));
    write_and_check(h, 99);
    h_free(h);
}

/* Without the auto-reset lines doing anything useful the loader reports no serial data. */
static void test_silent_target(void **state)
{
    (void)state;
    harness_t *h = h_new(SIM_CHIP_ESP32, NULL);
    assert_non_null(h);
    sim_fault_t cut = {SIM_FAULT_CUT, SIM_DIR_TO_HOST, 0, 0};
    assert_int_equal(sim_link_add_fault(h->link, &cut), 0);
    uint64_t t0 = h_now_us(h);
    int rc = h_connect(h);
    assert_int_equal(rc, ESPLOADER_ERR_TIMEOUT);
    assert_int_equal(esploader_connect_diag(&h->loader), ESPLOADER_DIAG_NO_SERIAL_DATA);
    assert_false(h->blown);
    /* 7 attempts x (reset + 5 SYNCs), esptool's budget: seconds, not minutes */
    assert_true(h_now_us(h) - t0 < 60ull * 1000000u);
    h_free(h);
}

int main(void)
{
    h_wall_guard(300);
    static sim_chip_id_t ids[SIM_CHIP_COUNT];
    static char names[2 * SIM_CHIP_COUNT][40];
    static struct CMUnitTest tests[2 * SIM_CHIP_COUNT + 8];
    size_t n = 0;
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_stale_unsupported), cmocka_unit_test(test_security_info),
        cmocka_unit_test(test_big_flash),         cmocka_unit_test(test_wrong_chip),
        cmocka_unit_test(test_stub_reuse),        cmocka_unit_test(test_silent_target),
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        tests[n++] = fixed[i];
    }
    /* CHANGE_BAUDRATE on every chip (ROM and stub); SDM on the chips that have it */
    for (int c = 0; c < SIM_CHIP_COUNT; c++) {
        ids[c] = (sim_chip_id_t)c;
        snprintf(names[2 * c], sizeof(names[0]), "baud_%s", h_chips[c].key);
        tests[n++] = (struct CMUnitTest){names[2 * c], test_baud, NULL, NULL, &ids[c]};
        if (h_chips[c].sdm_capable) {
            snprintf(names[2 * c + 1], sizeof(names[0]), "sdm_%s", h_chips[c].key);
            tests[n++] = (struct CMUnitTest){names[2 * c + 1], test_secure_download_mode, NULL,
                                             NULL, &ids[c]};
        }
    }
    return _cmocka_run_group_tests("sim_quirks", tests, n, NULL, NULL);
}
