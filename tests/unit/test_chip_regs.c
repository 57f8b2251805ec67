/*
 * Per-chip register facts through the public API: flash size detection by RDID through each
 * chip's SPI controller (docs/protocol.md §8.2), with the bad-id and unknown-capacity failures, and
 * the MAC address of every ESP32-S2-and-later chip from its eFuse words (§8.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"

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
    assert_int_equal(esploader_get_target(l), chip);
}

static const esploader_chip_t all_chips[] = {
    ESPLOADER_CHIP_ESP8266,  ESPLOADER_CHIP_ESP32,    ESPLOADER_CHIP_ESP32S2,
    ESPLOADER_CHIP_ESP32S3,  ESPLOADER_CHIP_ESP32C2,  ESPLOADER_CHIP_ESP32C3,
    ESPLOADER_CHIP_ESP32C5,  ESPLOADER_CHIP_ESP32C6,  ESPLOADER_CHIP_ESP32C61,
    ESPLOADER_CHIP_ESP32H2,  ESPLOADER_CHIP_ESP32P4,  ESPLOADER_CHIP_ESP32S31,
    ESPLOADER_CHIP_ESP32E22, ESPLOADER_CHIP_ESP32H21, ESPLOADER_CHIP_ESP32H4,
};

static void test_detect_size_every_chip(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(all_chips) / sizeof(all_chips[0]); i++) {
        fake_port_t fp;
        esploader_t l;
        uint32_t size = 0, id = 0;
        int rc;
        connect_chip(&fp, &l, all_chips[i], false);
        fp.jedec = 0x001840EF; /* Winbond, capacity 0x18: 16 MB */
        rc = esploader_flash_detect_size(&l, &size, &id);
        if (rc != ESPLOADER_OK)
            fail_msg("%s: detect_size returned %d", esploader_chip_info(all_chips[i])->name, rc);
        assert_int_equal(size, 16u << 20);
        /* the id as the SPI controller delivers it (mfr in the low byte), or big-endian */
        assert_true(id == 0x1840EF || id == 0xEF4018);
        /* (the fake only answers RDID at this chip's CMD/USR2/W0 addresses, so a right size
         * means the register script used this chip's SPI controller) */
        fp_free(&fp);
    }
}

static int size_for(uint32_t jedec, uint32_t *size)
{
    fake_port_t fp;
    esploader_t l;
    int rc;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    fp.jedec = jedec;
    *size = 0xDEAD;
    rc = esploader_flash_detect_size(&l, size, NULL);
    fp_free(&fp);
    return rc;
}

static void test_capacity_codes(void **state)
{
    uint32_t size;
    (void)state;
    assert_int_equal(size_for(0x001640C8, &size), ESPLOADER_OK); /* the traces' c8 40 16 */
    assert_int_equal(size, 4u << 20);
    assert_int_equal(size_for(0x001540C8, &size), ESPLOADER_OK);
    assert_int_equal(size, 2u << 20);
    assert_int_equal(size_for(0x00394020, &size), ESPLOADER_OK); /* 0x39: 32 MB */
    assert_int_equal(size, 32u << 20);
    assert_int_equal(size_for(0x002040EF, &size), ESPLOADER_OK); /* 0x20: 64 MB */
    assert_int_equal(size, 64u << 20);
    assert_int_equal(size_for(0x001240C8, &size), ESPLOADER_OK); /* 0x12: 256 KB */
    assert_int_equal(size, 256u << 10);
    /* Adesto: size code = (id >> 8) & 0x1F, 4 = 512 KB ... 9 = 16 MB */
    assert_int_equal(size_for(0x0001881F, &size), ESPLOADER_OK);
    assert_int_equal(size, 8u << 20);
    assert_int_equal(size_for(0x0001841F, &size), ESPLOADER_OK);
    assert_int_equal(size, 512u << 10);
}

static void test_bad_ids_fail_loudly(void **state)
{
    uint32_t size;
    (void)state;
    /* never a guessed size (issue 2) */
    assert_int_equal(size_for(0x00FFFFFF, &size), ESPLOADER_ERR_PROTOCOL);
    assert_int_equal(size_for(0x00000000, &size), ESPLOADER_ERR_PROTOCOL);
    assert_int_equal(size_for(0x003FFFFF, &size), ESPLOADER_ERR_PROTOCOL); /* FF FF 3F */
    assert_int_equal(size_for(0x001040C8, &size), ESPLOADER_ERR_PROTOCOL); /* capacity 0x10 */
    assert_int_equal(size_for(0x00FF40C8, &size), ESPLOADER_ERR_PROTOCOL); /* capacity 0xFF */
}

static void test_detect_size_stub(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint32_t size = 0;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    fp.jedec = 0x001740C8; /* 8 MB */
    assert_int_equal(esploader_flash_detect_size(&l, &size, NULL), ESPLOADER_OK);
    assert_int_equal(size, 8u << 20);
    fp_free(&fp);
}

static void test_mac_every_new_chip(void **state)
{
    static const struct {
        esploader_chip_t chip;
        uint32_t reg;
    } t[] = {
        {ESPLOADER_CHIP_ESP32S2, 0x3F41A044},  {ESPLOADER_CHIP_ESP32S3, 0x60007044},
        {ESPLOADER_CHIP_ESP32C2, 0x60008840},  {ESPLOADER_CHIP_ESP32C3, 0x60008844},
        {ESPLOADER_CHIP_ESP32C5, 0x600B4844},  {ESPLOADER_CHIP_ESP32C6, 0x600B0844},
        {ESPLOADER_CHIP_ESP32C61, 0x600B4844}, {ESPLOADER_CHIP_ESP32H2, 0x600B0844},
        {ESPLOADER_CHIP_ESP32P4, 0x5012D044},  {ESPLOADER_CHIP_ESP32S31, 0x20715050},
        {ESPLOADER_CHIP_ESP32E22, 0xC4008044}, {ESPLOADER_CHIP_ESP32H21, 0x600B4044},
        {ESPLOADER_CHIP_ESP32H4, 0x600B1844},
    };
    /* mac0 = 0x9A0B1C2D, mac1 = 0x..7E8F (upper half: revision bits / MAC_EXT, ignored) */
    static const uint8_t want[6] = {0x7E, 0x8F, 0x9A, 0x0B, 0x1C, 0x2D};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fake_port_t fp;
        esploader_t l;
        uint8_t mac[6];
        int rc;
        connect_chip(&fp, &l, t[i].chip, false);
        fp_set_reg(&fp, t[i].reg, 0x9A0B1C2D);
        fp_set_reg(&fp, t[i].reg + 4, 0x00357E8F);
        memset(mac, 0, sizeof(mac));
        rc = esploader_read_mac(&l, mac);
        if (rc != ESPLOADER_OK || memcmp(mac, want, 6) != 0)
            fail_msg("%s: rc %d mac %02x:%02x:%02x:%02x:%02x:%02x",
                     esploader_chip_info(t[i].chip)->name, rc, mac[0], mac[1], mac[2], mac[3],
                     mac[4], mac[5]);
        fp_free(&fp);
    }
}

static void test_chip_info_table(void **state)
{
    /* docs/protocol.md §8.1 / §8.4, one row per chip */
    static const struct {
        esploader_chip_t chip;
        const char *name;
        uint32_t magic;
        uint16_t id;
        uint32_t boot, mac, date;
        uint8_t status, words;
        bool md5, defl, baud, slow, sec;
    } t[] = {
        {ESPLOADER_CHIP_ESP8266, "ESP8266", 0xFFF0C101, 0xFFFF, 0x0, 0x3FF00050, 0x60000078, 2, 4,
         false, false, false, false, false},
        {ESPLOADER_CHIP_ESP32, "ESP32", 0x00F01D83, 0, 0x1000, 0, 0x60000078, 4, 4, true, true,
         true, true, false},
        {ESPLOADER_CHIP_ESP32S2, "ESP32-S2", 0x000007C6, 2, 0x1000, 0x3F41A044, 0x60000078, 4, 5,
         true, true, true, true, true},
        {ESPLOADER_CHIP_ESP32S3, "ESP32-S3", 0, 9, 0x0, 0x60007044, 0x60000080, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32C2, "ESP32-C2", 0, 12, 0x0, 0x60008840, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32C3, "ESP32-C3", 0, 5, 0x0, 0x60008844, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32C5, "ESP32-C5", 0, 23, 0x2000, 0x600B4844, 0x6000007C, 4, 5, true,
         true, true, true, true},
        {ESPLOADER_CHIP_ESP32C6, "ESP32-C6", 0, 13, 0x0, 0x600B0844, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32C61, "ESP32-C61", 0, 20, 0x0, 0x600B4844, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32H2, "ESP32-H2", 0, 16, 0x0, 0x600B0844, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32P4, "ESP32-P4", 0, 18, 0x2000, 0x5012D044, 0x500CA08C, 4, 5, true,
         true, true, true, true},
        /* esptool 5.3's targets/esp32s31.py, esp32e22.py, esp32h21.py, esp32h4.py */
        {ESPLOADER_CHIP_ESP32S31, "ESP32-S31", 0, 32, 0x2000, 0x20715050, 0x2038A08C, 4, 5, true,
         true, true, true, true},
        {ESPLOADER_CHIP_ESP32E22, "ESP32-E22", 0, 31, 0x0, 0xC4008044, 0xC310208C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32H21, "ESP32-H21", 0, 25, 0x0, 0x600B4044, 0x6000007C, 4, 5, true, true,
         true, true, true},
        {ESPLOADER_CHIP_ESP32H4, "ESP32-H4", 0, 28, 0x2000, 0x600B1844, 0x6001207C, 4, 5, true,
         true, true, true, true},
    };
    /* every chip of the enum has a row here */
    assert_int_equal(sizeof(t) / sizeof(t[0]), ESPLOADER_CHIP_COUNT - 1);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const esploader_chip_info_t *c = esploader_chip_info(t[i].chip);
        assert_non_null(c);
        assert_string_equal(c->name, t[i].name);
        assert_int_equal(c->magic, t[i].magic);
        assert_int_equal(c->image_chip_id, t[i].id);
        assert_int_equal(c->bootloader_offset, t[i].boot);
        if (t[i].mac)
            assert_int_equal(c->mac_efuse_reg, t[i].mac);
        assert_int_equal(c->uart_date_reg, t[i].date);
        assert_int_equal(c->rom_status_len, t[i].status);
        assert_int_equal(c->rom_begin_words, t[i].words);
        assert_int_equal(c->rom_has_md5, t[i].md5);
        assert_int_equal(c->rom_has_deflate, t[i].defl);
        assert_int_equal(c->rom_can_change_baud, t[i].baud);
        assert_int_equal(c->rom_has_read_slow, t[i].slow);
        assert_int_equal(c->has_security_info, t[i].sec);
        if (t[i].chip != ESPLOADER_CHIP_ESP8266)
            assert_int_equal(esploader_chip_from_image_id(t[i].id), t[i].chip);
    }
    assert_null(esploader_chip_info(ESPLOADER_CHIP_AUTO));
    assert_null(esploader_chip_info(ESPLOADER_CHIP_COUNT));
    /* retired ids (S3-beta2 4, C6-beta 7) and unknown ones */
    assert_int_equal(esploader_chip_from_image_id(4), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_image_id(7), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_chip_from_image_id(0xFFFF), ESPLOADER_CHIP_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_size_every_chip), cmocka_unit_test(test_capacity_codes),
        cmocka_unit_test(test_bad_ids_fail_loudly),    cmocka_unit_test(test_detect_size_stub),
        cmocka_unit_test(test_mac_every_new_chip),     cmocka_unit_test(test_chip_info_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
