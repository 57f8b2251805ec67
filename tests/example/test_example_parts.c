/*
 * Unit tests of the example's pieces that the end-to-end runs cannot push into their failure
 * paths: the --check comparison (it must name the first differing byte), the partition-table
 * lookup of the app offset, and chip-name matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flash_flow.h"
#include "sim_flash_check.h"

/* An in-memory binaries store with one target folder. */
typedef struct mem_file {
    const char *name;
    const uint8_t *data;
    uint32_t size;
} mem_file_t;

typedef struct mem_store {
    const char *target;
    mem_file_t files[3];
    uint32_t pos[3];
} mem_store_t;

static int mem_list(void *ctx, char names[][EXAMPLE_TARGET_NAME_MAX], int max)
{
    mem_store_t *m = ctx;
    if (max < 1)
        return 0;
    strcpy(names[0], m->target);
    return 1;
}

static void *mem_open(void *ctx, const char *target, const char *file, uint32_t *size)
{
    mem_store_t *m = ctx;
    if (strcmp(target, m->target) != 0)
        return NULL;
    for (int i = 0; i < 3; i++) {
        if (m->files[i].name && strcmp(m->files[i].name, file) == 0) {
            m->pos[i] = 0;
            *size = m->files[i].size;
            return &m->files[i];
        }
    }
    return NULL;
}

static int32_t mem_read(void *ctx, void *h, void *buf, uint32_t len)
{
    mem_store_t *m = ctx;
    mem_file_t *f = h;
    uint32_t *pos = &m->pos[f - m->files];
    uint32_t n = f->size - *pos < len ? f->size - *pos : len;
    memcpy(buf, f->data + *pos, n);
    *pos += n;
    return (int32_t)n;
}

static void mem_close(void *ctx, void *h)
{
    (void)ctx;
    (void)h;
}

static uint8_t flash[0x20000];
static uint8_t boot[5000], table[0xC00], app[9000];
static mem_store_t mem;
static example_store_t store = {mem_list, mem_open, mem_read, mem_close, &mem};
static example_image_result_t results[3];

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof boot; i++)
        boot[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof app; i++)
        app[i] = (uint8_t)(i * 13 + 1);
    /* A data partition first, then the app: the lookup must skip to the first app. */
    memset(table, 0xFF, sizeof table);
    uint8_t *e = table;
    e[0] = 0xAA, e[1] = 0x50, e[2] = 0x01, e[3] = 0x02;
    put_le32(e + 4, 0x9000), put_le32(e + 8, 0x6000);
    memset(e + 12, 0, 16), memcpy(e + 12, "nvs", 3), put_le32(e + 28, 0);
    e += 32;
    e[0] = 0xAA, e[1] = 0x50, e[2] = 0x00, e[3] = 0x10;
    put_le32(e + 4, 0x10000), put_le32(e + 8, 0x10000);
    memset(e + 12, 0, 16), memcpy(e + 12, "ota_0", 5), put_le32(e + 28, 0);
    e[32] = 0xEB, e[33] = 0xEB;

    memset(flash, 0xFF, sizeof flash);
    memcpy(flash + 0x1000, boot, sizeof boot);
    memcpy(flash + 0x8000, table, sizeof table);
    memcpy(flash + 0x10000, app, sizeof app);
    mem = (mem_store_t){"ESP32",
                        {{"bootloader.bin", boot, sizeof boot},
                         {"partition-table.bin", table, sizeof table},
                         {"app.bin", app, sizeof app}},
                        {0, 0, 0}};
    results[0] = (example_image_result_t){"bootloader.bin", 0x1000, sizeof boot, 0, 0, 0};
    results[1] = (example_image_result_t){"partition-table.bin", 0x8000, sizeof table, 0, 0, 0};
    results[2] = (example_image_result_t){"app.bin", 0x10000, sizeof app, 0, 0, 0};
    return 0;
}

static void check_passes_on_identical_flash(void **state)
{
    (void)state;
    char msg[200];
    assert_int_equal(
        example_sim_flash_check(flash, sizeof flash, &store, "ESP32", results, 3, msg, sizeof msg),
        0);
    char want[80];
    snprintf(want, sizeof want, "flash check: OK (3 images, %u bytes)",
             (unsigned)(sizeof boot + sizeof table + sizeof app));
    assert_string_equal(msg, want);
}

static void check_names_first_mismatch(void **state)
{
    (void)state;
    char msg[200];
    flash[0x10000 + 4321] ^= 0x40;
    flash[0x10000 + 5000] ^= 0x01; /* a later difference must not be the one reported */
    assert_int_equal(
        example_sim_flash_check(flash, sizeof flash, &store, "ESP32", results, 3, msg, sizeof msg),
        -1);
    assert_non_null(strstr(msg, "MISMATCH in app.bin at flash 0x110e1"));
    assert_non_null(strstr(msg, "file offset 4321"));
}

static void check_fails_when_image_is_beyond_flash(void **state)
{
    (void)state;
    char msg[200];
    results[2].offset = sizeof flash - 100;
    assert_int_equal(
        example_sim_flash_check(flash, sizeof flash, &store, "ESP32", results, 3, msg, sizeof msg),
        -1);
    assert_non_null(strstr(msg, "beyond"));
}

static void check_fails_without_images(void **state)
{
    (void)state;
    char msg[200];
    assert_int_equal(
        example_sim_flash_check(flash, sizeof flash, &store, "ESP32", results, 0, msg, sizeof msg),
        -1);
}

static void app_partition_is_found_after_data_partitions(void **state)
{
    (void)state;
    uint32_t off = 0, size = 0;
    char label[17];
    assert_int_equal(example_find_app_partition(table, sizeof table, &off, &size, label), 0);
    assert_int_equal(off, 0x10000);
    assert_int_equal(size, 0x10000);
    assert_string_equal(label, "ota_0");
}

static void no_app_partition_is_reported(void **state)
{
    (void)state;
    uint32_t off = 0, size = 0;
    char label[17];
    table[32 + 2] = 0x01; /* the app entry becomes a data entry */
    assert_int_equal(example_find_app_partition(table, sizeof table, &off, &size, label), -1);
    uint8_t erased[64];
    memset(erased, 0xFF, sizeof erased);
    assert_int_equal(example_find_app_partition(erased, sizeof erased, &off, &size, label), -1);
}

static void chip_names_match_loosely(void **state)
{
    (void)state;
    assert_int_equal(example_chip_from_name("ESP32-C3"), ESPLOADER_CHIP_ESP32C3);
    assert_int_equal(example_chip_from_name("esp32c3"), ESPLOADER_CHIP_ESP32C3);
    assert_int_equal(example_chip_from_name("esp32_s2"), ESPLOADER_CHIP_ESP32S2);
    assert_int_equal(example_chip_from_name("ESP32"), ESPLOADER_CHIP_ESP32);
    assert_int_equal(example_chip_from_name("esp8266"), ESPLOADER_CHIP_ESP8266);
    assert_int_equal(example_chip_from_name("ESP32-C61"), ESPLOADER_CHIP_ESP32C61);
    assert_int_equal(example_chip_from_name("ESP32-C6"), ESPLOADER_CHIP_ESP32C6);
    assert_int_equal(example_chip_from_name("ESP32-X9"), ESPLOADER_CHIP_AUTO);
    assert_int_equal(example_chip_from_name("ESP3"), ESPLOADER_CHIP_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(check_passes_on_identical_flash, setup),
        cmocka_unit_test_setup(check_names_first_mismatch, setup),
        cmocka_unit_test_setup(check_fails_when_image_is_beyond_flash, setup),
        cmocka_unit_test_setup(check_fails_without_images, setup),
        cmocka_unit_test_setup(app_partition_is_found_after_data_partitions, setup),
        cmocka_unit_test_setup(no_app_partition_is_reported, setup),
        cmocka_unit_test_setup(chip_names_match_loosely, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
