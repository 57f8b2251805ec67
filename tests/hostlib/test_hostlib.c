/* hostlib: ESP image parser/builder/patcher and the partition-table iterator/table/CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eh_image.h"
#include "eh_parttable.h"
#include "eh_sha256.h"

static uint8_t seg_a[64], seg_b[100];

/* A 2-segment ESP32-C3 image with the digest, built by hostlib. */
static size_t build(esploader_chip_t chip, bool hash, uint8_t *out, size_t cap)
{
    for (size_t i = 0; i < sizeof seg_a; i++) {
        seg_a[i] = (uint8_t)(i * 7 + 1);
    }
    for (size_t i = 0; i < sizeof seg_b; i++) {
        seg_b[i] = (uint8_t)(i * 13 + 5);
    }
    eh_image_spec_t s;
    memset(&s, 0, sizeof s);
    s.chip = chip;
    s.flash_mode = 2;
    s.flash_size_freq = 0x2F;
    s.entry = 0x40380000;
    s.max_rev_full = 199;
    s.hash = hash;
    s.segment_count = 2;
    s.seg[0].addr = 0x3FC88000;
    s.seg[0].data = seg_a;
    s.seg[0].len = sizeof seg_a;
    s.seg[1].addr = 0x40380000;
    s.seg[1].data = seg_b;
    s.seg[1].len = sizeof seg_b;
    size_t n = eh_image_build(&s, out, cap);
    assert_int_equal(n, eh_image_build_len(&s));
    return n;
}

static void image_round_trip(void **state)
{
    (void)state;
    uint8_t img[512];
    size_t n = build(ESPLOADER_CHIP_ESP32C3, true, img, sizeof img);
    /* 24 + 8 + 64 + 8 + 100 = 204 -> checksum at 207, digest after: 240 bytes. */
    assert_int_equal(n, 240);
    eh_image_t im;
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_OK);
    assert_int_equal(im.segment_count, 2);
    assert_int_equal(im.chip_id, esploader_chip_info(ESPLOADER_CHIP_ESP32C3)->image_chip_id);
    assert_int_equal(im.seg[1].addr, 0x40380000);
    assert_int_equal(im.seg[1].offset, 24 + 8 + 64 + 8);
    assert_memory_equal(img + im.seg[1].offset, seg_b, sizeof seg_b);
    assert_int_equal(im.checksum_offset, 207);
    assert_int_equal(im.checksum, im.checksum_calc);
    assert_int_equal(im.checksum, eh_checksum(seg_b, sizeof seg_b,
                                              eh_checksum(seg_a, sizeof seg_a, EH_CHECKSUM_SEED)));
    assert_int_equal(eh_image_sha256_ok(img, &im), 1);
    assert_int_equal(im.image_len, n);
    assert_int_equal(eh_image_detect_chip(img, n), ESPLOADER_CHIP_ESP32C3);
    assert_string_equal(eh_flash_mode_name(im.flash_mode), "dio");
    assert_string_equal(eh_flash_freq_name(ESPLOADER_CHIP_ESP32C3, im.flash_size_freq), "80m");
    assert_string_equal(eh_flash_size_name_of_code(ESPLOADER_CHIP_ESP32C3, im.flash_size_freq),
                        "4MB");
}

static void image_truncated_everywhere(void **state)
{
    (void)state;
    uint8_t img[512];
    size_t n = build(ESPLOADER_CHIP_ESP32C3, true, img, sizeof img);
    /* Every shorter length is refused, from an exact-size heap copy (ASan sees any overread). */
    for (size_t len = 0; len < n; len++) {
        uint8_t *c = malloc(len ? len : 1);
        memcpy(c, img, len);
        eh_image_t im;
        eh_image_err_t e = eh_image_parse(c, len, ESPLOADER_CHIP_ESP32C3, &im);
        assert_int_equal(e, EH_IMAGE_TRUNCATED);
        free(c);
    }
}

static void image_bad_headers(void **state)
{
    (void)state;
    uint8_t img[512], c[512];
    size_t n = build(ESPLOADER_CHIP_ESP32C3, true, img, sizeof img);
    eh_image_t im;
    memcpy(c, img, n);
    c[0] = 0xEA;
    assert_int_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_BAD_MAGIC);
    memcpy(c, img, n);
    c[1] = 0;
    assert_int_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_BAD_SEGMENTS);
    c[1] = 17;
    assert_int_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_BAD_SEGMENTS);
    memcpy(c, img, n);
    c[23] = 2;
    assert_int_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_BAD_HASH_FLAG);
    /* A segment length that would wrap a 32-bit offset: refused, not wrapped. */
    memcpy(c, img, n);
    c[28] = 0xF0;
    c[29] = c[30] = c[31] = 0xFF;
    assert_int_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_TRUNCATED);
    /* More segments claimed than the data holds. */
    memcpy(c, img, n);
    c[1] = 3;
    assert_int_not_equal(eh_image_parse(c, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_OK);
    assert_int_equal(eh_image_detect_chip((const uint8_t *)"hello", 5), ESPLOADER_CHIP_AUTO);
    assert_non_null(eh_image_strerror(EH_IMAGE_TRUNCATED));
}

static void image_checksum_and_digest_fix(void **state)
{
    (void)state;
    uint8_t img[512];
    size_t n = build(ESPLOADER_CHIP_ESP32S3, true, img, sizeof img);
    img[40] ^= 0x55; /* a data byte: checksum and digest now wrong */
    eh_image_t im;
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP32S3, &im), EH_IMAGE_OK);
    assert_int_not_equal(im.checksum, im.checksum_calc);
    assert_int_equal(eh_image_sha256_ok(img, &im), 0);
    eh_image_fix(img, &im);
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP32S3, &im), EH_IMAGE_OK);
    assert_int_equal(im.checksum, im.checksum_calc);
    assert_int_equal(eh_image_sha256_ok(img, &im), 1);
}

static void image_esp8266(void **state)
{
    (void)state;
    uint8_t img[512];
    size_t n = build(ESPLOADER_CHIP_ESP8266, true, img, sizeof img); /* hash ignored: no ext */
    assert_int_equal(n, 192);                                        /* 8+8+64+8+100 -> 192 */
    eh_image_t im;
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP8266, &im), EH_IMAGE_OK);
    assert_false(im.extended);
    assert_false(im.hash_appended);
    assert_int_equal(eh_image_sha256_ok(img, &im), -1);
    assert_int_equal(eh_flash_size_code(ESPLOADER_CHIP_ESP8266, "4MB"), 0x40);
    assert_int_equal(eh_flash_size_code(ESPLOADER_CHIP_ESP32, "4MB"), 0x20);
}

static void image_patch(void **state)
{
    (void)state;
    uint8_t img[512];
    char note[160];
    size_t n = build(ESPLOADER_CHIP_ESP32C3, true, img, sizeof img);
    assert_int_equal(
        eh_image_patch(img, n, ESPLOADER_CHIP_ESP32C3, "qio", "40m", "2MB", note, sizeof note), 1);
    assert_int_equal(img[2], 0);
    assert_int_equal(img[3], 0x10);
    eh_image_t im;
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP32C3, &im), EH_IMAGE_OK);
    assert_int_equal(eh_image_sha256_ok(img, &im), 1);
    assert_int_equal(
        eh_image_patch(img, n, ESPLOADER_CHIP_ESP32C3, "keep", NULL, "keep", note, sizeof note), 0);
    assert_int_equal(
        eh_image_patch(img, n, ESPLOADER_CHIP_ESP32C3, "fast", NULL, NULL, note, sizeof note), -1);
    assert_non_null(strstr(note, "--flash-mode"));
    /* Not an image: left alone, with a note. */
    uint8_t junk[64];
    memset(junk, 0x11, sizeof junk);
    assert_int_equal(eh_image_patch(junk, sizeof junk, ESPLOADER_CHIP_ESP32C3, "dio", NULL, NULL,
                                    note, sizeof note),
                     0);
    assert_int_equal(junk[2], 0x11);
    assert_non_null(strstr(note, "not a valid image"));
    /* The C6's 80m is code 0; 26m does not exist on the C5. */
    assert_int_equal(eh_flash_freq_code(ESPLOADER_CHIP_ESP32C6, "80m"), 0);
    assert_int_equal(eh_flash_freq_code(ESPLOADER_CHIP_ESP32C5, "26m"), -1);
}

static void app_desc(void **state)
{
    (void)state;
    eh_app_desc_t d, back;
    memset(&d, 0, sizeof d);
    strcpy(d.version, "v1.2.3");
    strcpy(d.project_name, "blink");
    strcpy(d.idf_ver, "v5.3");
    d.secure_version = 7;
    d.app_elf_sha256[0] = 0xAB;
    static uint8_t rodata[512];
    eh_app_desc_write(&d, rodata);
    eh_image_spec_t s;
    memset(&s, 0, sizeof s);
    s.chip = ESPLOADER_CHIP_ESP32;
    s.segment_count = 1;
    s.seg[0].addr = 0x3F400020;
    s.seg[0].data = rodata;
    s.seg[0].len = sizeof rodata;
    static uint8_t img[1024];
    size_t n = eh_image_build(&s, img, sizeof img);
    assert_true(n > 0);
    eh_image_t im;
    assert_int_equal(eh_image_parse(img, n, ESPLOADER_CHIP_ESP32, &im), EH_IMAGE_OK);
    assert_true(eh_image_app_desc(img, &im, &back));
    assert_string_equal(back.version, "v1.2.3");
    assert_string_equal(back.project_name, "blink");
    assert_int_equal(back.secure_version, 7);
    assert_int_equal(back.app_elf_sha256[0], 0xAB);
    /* A bootloader-like image has none. */
    uint8_t plain[512];
    size_t m = build(ESPLOADER_CHIP_ESP32, false, plain, sizeof plain);
    assert_int_equal(eh_image_parse(plain, m, ESPLOADER_CHIP_ESP32, &im), EH_IMAGE_OK);
    assert_false(eh_image_app_desc(plain, &im, &back));
    /* Bad specs build nothing. */
    s.seg[0].len = 6;
    assert_int_equal(eh_image_build(&s, img, sizeof img), 0);
    s.seg[0].len = sizeof rodata;
    assert_int_equal(eh_image_build(&s, img, 100), 0);
}

/* ---- partition tables ---------------------------------------------------------------------- */

static const char csv[] = "# name, type, subtype, offset, size, flags\n"
                          "nvs,      data, nvs,     0x9000,  0x6000,\n"
                          "phy_init, data, phy,     ,        0x1000\n"
                          "factory,  app,  factory, 0x10000, 1M\n"
                          "ota_1,    app,  ota_1,   ,        1M, readonly\n"
                          "storage,  data, spiffs,  ,        256K, encrypted\n";

static void ptable_csv_round_trip(void **state)
{
    (void)state;
    static eh_ptable_t t, back;
    char err[200];
    assert_int_equal(eh_ptable_parse_csv(csv, &t, err, sizeof err), 0);
    assert_int_equal(t.count, 5);
    assert_int_equal(t.entries[1].offset, 0xF000);
    assert_int_equal(t.entries[3].offset, 0x110000);
    assert_int_equal(t.entries[3].subtype, 0x11);
    assert_int_equal(t.entries[3].flags, EH_PT_FLAG_READONLY);
    assert_int_equal(t.entries[4].subtype, 0x82);
    uint8_t bin[EH_PT_LEN];
    eh_ptable_write(&t, bin);
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &back, err, sizeof err), 0);
    assert_true(back.has_md5 && back.md5_ok);
    assert_int_equal(back.count, 5);
    /* Field by field (a memcmp of the structs would also compare their padding byte, whose
     * value depends on whatever the stack held when the parser built the entry). */
    for (int i = 0; i < 5; i++) {
        assert_string_equal(back.entries[i].name, t.entries[i].name);
        assert_int_equal(back.entries[i].type, t.entries[i].type);
        assert_int_equal(back.entries[i].subtype, t.entries[i].subtype);
        assert_int_equal(back.entries[i].offset, t.entries[i].offset);
        assert_int_equal(back.entries[i].size, t.entries[i].size);
        assert_int_equal(back.entries[i].flags, t.entries[i].flags);
    }
    const eh_partition_t *f = eh_ptable_find(&back, "factory");
    assert_non_null(f);
    assert_int_equal(f->offset, 0x10000);
    assert_null(eh_ptable_find(&back, "nosuch"));
    eh_partition_t p;
    assert_int_equal(eh_pt_find_first(bin, sizeof bin, EH_PT_TYPE_APP, 0x11, &p), 0);
    assert_string_equal(p.name, "ota_1");
    assert_int_equal(eh_pt_find_first(bin, sizeof bin, 0x40, -1, &p), -1);
    char b[16];
    assert_string_equal(eh_pt_subtype_name(0, 0x11, b, sizeof b), "ota_1");
    assert_string_equal(eh_pt_subtype_name(1, 0x82, b, sizeof b), "spiffs");
    assert_string_equal(eh_pt_subtype_name(0x40, 0x82, b, sizeof b), "0x82");
    assert_string_equal(eh_pt_type_name(1), "data");
    assert_string_equal(eh_pt_type_name(0x40), "custom");
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void entry(uint8_t *e, const char *name, uint8_t type, uint32_t off, uint32_t size)
{
    memset(e, 0, 32);
    e[0] = 0xAA;
    e[1] = 0x50;
    e[2] = type;
    put32(e + 4, off);
    put32(e + 8, size);
    memcpy(e + 12, name, strlen(name));
}

static void ptable_bad_input(void **state)
{
    (void)state;
    static eh_ptable_t t;
    char err[200];
    uint8_t bin[EH_PT_LEN];
    memset(bin, 0xFF, sizeof bin);
    entry(bin, "a", 1, 0x9000, 0x2000);
    entry(bin + 32, "b", 1, 0xA000, 0x1000); /* inside a */
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "overlap"));
    entry(bin + 32, "a", 1, 0xB000, 0x1000);
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "used twice"));
    entry(bin + 32, "b", 1, 0xB000, 0);
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad size"));
    entry(bin + 32, "b", 1, 0xFFFFF000u, 0x2000); /* past 4 GB */
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    entry(bin + 32, "b", 1, 0xB000, 0x1000);
    bin[64] = 0x12; /* neither an entry, MD5 nor erased */
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad entry at byte 64"));
    memset(bin + 64, 0xFF, 32);
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), 0);
    assert_false(t.has_md5);
    /* A wrong MD5 entry. */
    eh_ptable_write(&t, bin);
    bin[64 + 20] ^= 1;
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "MD5"));
    /* Erased flash: no entries. */
    memset(bin, 0xFF, sizeof bin);
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "no entries"));
    /* Truncated: a 40-byte buffer holds one entry and 8 bytes; the walk stops inside it. */
    entry(bin, "a", 1, 0x9000, 0x2000);
    uint8_t *c = malloc(40);
    memcpy(c, bin, 40);
    eh_pt_iter_t it;
    eh_partition_t p;
    eh_pt_iter_init(&it, c, 40);
    assert_int_equal(eh_pt_iter_next(&it, &p), EH_PT_ENTRY);
    assert_int_equal(eh_pt_iter_next(&it, &p), EH_PT_END);
    eh_pt_iter_init(&it, c, 0);
    assert_int_equal(eh_pt_iter_next(&it, &p), EH_PT_END);
    free(c);
    /* 96 entries fill 0xC00 with no room for the MD5 entry: one too many. */
    for (unsigned i = 0; i < 96; i++) {
        char name[8];
        snprintf(name, sizeof name, "p%u", i);
        entry(bin + 32 * i, name, 1, 0x10000 + 0x1000 * i, 0x1000);
    }
    assert_int_equal(eh_ptable_parse(bin, sizeof bin, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "too many"));
}

static void ptable_bad_csv(void **state)
{
    (void)state;
    static eh_ptable_t t;
    char err[200];
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"nvs, data, nvs, 0x9000\n", "line 1: expected name"},
        {"nvs, data, nvs, 0x9000, 0x1000\nx, app, factory, 0x11000, 1M\n", "not 64 KB aligned"},
        {"a, data, nvs, 0x9000, 0x2000\nb, data, nvs, 0xa000, 0x1000\n", "line 2: 'b' at 0xa000"},
        {"a, data, nvs, 0x8000, 0x1000\n", "overlaps the table"},
        {"averyveryverylongname, data, nvs, , 0x1000\n", "1-16 characters"},
        {"a, data, nosuch, , 0x1000\n", "unknown subtype"},
        {"a, blob, nvs, , 0x1000\n", "unknown type"},
        {"a, data, nvs, , 0\n", "bad size"},
        {"a, data, nvs, , 0x1000, secret\n", "unknown flag"},
        {"# only a comment\n\n", "no partitions"},
        {"a, data, nvs, , -5\n", "bad size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(eh_ptable_parse_csv(bad[i].text, &t, err, sizeof err), -1);
        if (!strstr(err, bad[i].why)) {
            fail_msg("case %u: '%s' lacks '%s'", (unsigned)i, err, bad[i].why);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_round_trip),  cmocka_unit_test(image_truncated_everywhere),
        cmocka_unit_test(image_bad_headers), cmocka_unit_test(image_checksum_and_digest_fix),
        cmocka_unit_test(image_esp8266),     cmocka_unit_test(image_patch),
        cmocka_unit_test(app_desc),          cmocka_unit_test(ptable_csv_round_trip),
        cmocka_unit_test(ptable_bad_input),  cmocka_unit_test(ptable_bad_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
