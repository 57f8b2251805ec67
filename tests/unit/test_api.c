/* Public API edges: configuration checks, error strings, arguments the library must refuse
 * before anything goes on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"

static void test_init_checks_config(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_port_ops_t ops;
    esploader_t l;
    (void)state;
    fp_init(&fp);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, NULL), ESPLOADER_ERR_INVALID_ARG);
    cfg.port = NULL;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_ERR_INVALID_ARG);
    /* write, read, delay_ms and now_ms are required */
    ops = fp_ops;
    ops.read = NULL;
    cfg.port = &ops;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_ERR_INVALID_ARG);
    ops = fp_ops;
    ops.write = NULL;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_ERR_INVALID_ARG);
    ops = fp_ops;
    ops.now_ms = NULL;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_ERR_INVALID_ARG);
    ops = fp_ops;
    ops.delay_ms = NULL;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_ERR_INVALID_ARG);
    /* the optional ones may be missing */
    ops = fp_ops;
    ops.set_lines = NULL;
    ops.set_baudrate = NULL;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    fp_free(&fp);
}

static void test_optional_ops_missing(void **state)
{
    /* Connect without the optional ops; no set_lines and a reset requested: an error, not a
     * crash. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_port_ops_t ops = fp_ops;
    esploader_t l;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.port = &ops;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32C3);
    fp_free(&fp);

    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    ops = fp_ops;
    ops.set_lines = NULL;
    cfg.port = &ops;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_reset_target(&l), ESPLOADER_ERR_UNSUPPORTED);
    fp_free(&fp);
}

static void test_strerror(void **state)
{
    int codes[] = {ESPLOADER_OK,
                   ESPLOADER_ERR_TIMEOUT,
                   ESPLOADER_ERR_IO,
                   ESPLOADER_ERR_PROTOCOL,
                   ESPLOADER_ERR_TARGET,
                   ESPLOADER_ERR_VERIFY,
                   ESPLOADER_ERR_UNSUPPORTED,
                   ESPLOADER_ERR_INVALID_ARG,
                   ESPLOADER_ERR_STATE,
                   ESPLOADER_ERR_HOST};
    size_t i, j;
    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *s = esploader_strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (j = 0; j < i; j++)
            assert_string_not_equal(s, esploader_strerror(codes[j]));
    }
    assert_non_null(esploader_strerror(-1000));
    assert_non_null(esploader_strerror(12345));
}

static void connect_chip(fake_port_t *fp, esploader_t *l, esploader_chip_t chip, bool stub)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    if (stub)
        fp_stub_mode(fp);
    fp_config(fp, &cfg);
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
}

static void test_rom_needs_sector_alignment(void **state)
{
    fake_port_t fp;
    esploader_t l;
    (void)state;
    /* ROM: the write offset must be sector aligned (the ROM erases whole sectors at BEGIN) */
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    assert_int_equal(esploader_flash_start(&l, 0x10100, 4096, 0), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(fp_count_op(&fp, 0x02), 0);
    fp_free(&fp);
    /* the stub takes any offset (§5.5) */
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    assert_int_equal(esploader_flash_start(&l, 0x10100, 4096, 0), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x02), 1);
    fp_free(&fp);
}

static void test_block_too_big(void **state)
{
    fake_port_t fp;
    esploader_t l;
    static uint8_t b[2048];
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    assert_int_equal(esploader_flash_start(&l, 0x10000, sizeof(b), 0), ESPLOADER_OK);
    /* ROM blocks are 0x400: a 2 KB write in one call is refused, nothing sent */
    assert_int_equal(esploader_flash_write(&l, b, sizeof(b)), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(fp_count_op(&fp, 0x03), 0);
    fp_free(&fp);
}

static void test_stub_only_ops_on_rom(void **state)
{
    fake_port_t fp;
    esploader_t l;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    /* no compressed writes on the ESP8266 ROM (§4) */
    assert_int_equal(esploader_flash_defl_start(&l, 0, 4096, 100, 0), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp_count_op(&fp, 0x10), 0);
    assert_int_equal(esploader_flash_erase(&l), ESPLOADER_ERR_UNSUPPORTED);
    fp_free(&fp);
}

static void test_chip_from_name(void **state)
{
    (void)state;
    /* Every chip's own name, and the spellings people type: case, '-' and '_' ignored. */
    for (int c = ESPLOADER_CHIP_AUTO + 1; c < ESPLOADER_CHIP_COUNT; c++) {
        assert_int_equal(esploader_chip_from_name(esploader_chip_info(c)->name), c);
    }
    assert_int_equal(esploader_chip_from_name("esp32c3"), ESPLOADER_CHIP_ESP32C3);
    assert_int_equal(esploader_chip_from_name("ESP32_S2"), ESPLOADER_CHIP_ESP32S2);
    assert_int_equal(esploader_chip_from_name("esp32-c61"), ESPLOADER_CHIP_ESP32C61);
    assert_int_equal(esploader_chip_from_name("esp32c6"), ESPLOADER_CHIP_ESP32C6);
    /* Prefixes and extensions of a name are not that chip. */
    assert_int_equal(esploader_chip_from_name("esp32c"), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_name("esp32c3x"), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_name(""), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_name("auto"), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_name(NULL), ESPLOADER_CHIP_AUTO);
}

static void test_rom_16mb_limit(void **state)
{
    /* The ROM loaders address 16 MB of flash; beyond needs the stub. */
    fake_port_t fp;
    esploader_t l;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32S3, false);
    assert_int_equal(esploader_flash_start(&l, 0xFFF000, 0x2000, 0), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(esploader_flash_start(&l, 0x1000000, 0x1000, 0), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(fp_count_op(&fp, 0x02), 0);
    assert_int_equal(esploader_flash_start(&l, 0xFFF000, 0x1000, 0), ESPLOADER_OK);
    fp_free(&fp);
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32S3, true);
    assert_int_equal(esploader_flash_start(&l, 0x1000000, 0x1000, 0), ESPLOADER_OK);
    fp_free(&fp);
}

/* Issue 12 item 16: GPIO reset-line polarity for the ports that drive pins (POSIX libgpiod,
 * ESP-IDF). Asserted = low by default; active-high lines (boards with an inverter) invert. A
 * fake line layer: the levels a port would write for one reset sequence, both polarities. */
static void test_line_polarity(void **state)
{
    static const int seq[] = {ESPLOADER_LINE_RELEASE, ESPLOADER_LINE_ASSERT, ESPLOADER_LINE_KEEP,
                              ESPLOADER_LINE_RELEASE};
    int pins_low[4], pins_high[4];
    size_t i;
    (void)state;
    for (i = 0; i < 4; i++) {
        pins_low[i] = esploader_line_level(seq[i], 0);
        pins_high[i] = esploader_line_level(seq[i], 1);
    }
    assert_int_equal(pins_low[0], 1); /* released: high */
    assert_int_equal(pins_low[1], 0); /* asserted: low */
    assert_int_equal(pins_low[2], -1);
    assert_int_equal(pins_high[0], 0); /* active-high: released is low */
    assert_int_equal(pins_high[1], 1); /* and asserted high */
    assert_int_equal(pins_high[2], -1);
    assert_int_equal(pins_high[3], 0);
    assert_int_equal(esploader_line_level(ESPLOADER_LINE_ASSERT, 7), 1); /* any non-zero flag */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_checks_config),
        cmocka_unit_test(test_optional_ops_missing),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_rom_needs_sector_alignment),
        cmocka_unit_test(test_block_too_big),
        cmocka_unit_test(test_stub_only_ops_on_rom),
        cmocka_unit_test(test_rom_16mb_limit),
        cmocka_unit_test(test_chip_from_name),
        cmocka_unit_test(test_line_polarity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
