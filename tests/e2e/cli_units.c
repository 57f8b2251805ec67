/* Checks of the CLI's own helpers against published vectors (ctest e2e_cli_units): SHA-256
 * (FIPS 180-4 examples), base64 (RFC 4648 section 10), size parsing, image header patching and
 * the partition-table parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "eh_image.h"
#include "eh_parttable.h"
#include "eh_sha256.h"
#include "util.h"

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", d[i]);
    }
}

static void test_sha256(void)
{
    uint8_t d[32];
    char h[65];
    eh_sha256("abc", 3, d);
    hex(d, 32, h);
    CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    eh_sha256("", 0, d);
    hex(d, 32, h);
    CHECK(strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    eh_sha256(m, strlen(m), d);
    hex(d, 32, h);
    CHECK(strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
    /* Fed in odd pieces: same digest. */
    eh_sha256_ctx_t c;
    eh_sha256_init(&c);
    for (size_t i = 0; i < strlen(m); i += 7) {
        size_t n = strlen(m) - i < 7 ? strlen(m) - i : 7;
        eh_sha256_update(&c, m + i, n);
    }
    uint8_t d2[32];
    eh_sha256_final(&c, d2);
    CHECK(memcmp(d, d2, 32) == 0);
}

static void test_base64(void)
{
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *const dec[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    for (int i = 0; i < 7; i++) {
        uint8_t *out;
        size_t n;
        CHECK(cli_base64_decode(enc[i], &out, &n) == 0);
        CHECK(n == strlen(dec[i]) && memcmp(out, dec[i], n) == 0);
        free(out);
    }
    uint8_t *out;
    size_t n;
    CHECK(cli_base64_decode("Zm9v!", &out, &n) != 0);
    CHECK(cli_base64_decode("Zg==Zg", &out, &n) != 0);
}

static void test_sizes(void)
{
    uint32_t v;
    CHECK(cli_parse_u32("0x1000", &v) && v == 0x1000);
    CHECK(cli_parse_u32("64k", &v) && v == 65536);
    CHECK(cli_parse_u32("4MB", &v) && v == 4u << 20);
    CHECK(cli_parse_u32("123", &v) && v == 123);
    CHECK(!cli_parse_u32("12x", &v));
    CHECK(!cli_parse_u32("-1", &v));
    CHECK(!cli_parse_u32("8192M", &v)); /* > 4 GB */
    /* found by fuzz_args: the multiplication wrapped (2^54 * 1M = 2^74 -> 0) and passed */
    CHECK(!cli_parse_u32("0x40000000000000M", &v));
    CHECK(!cli_parse_u32("18014398509481985k", &v));
    CHECK(cli_parse_u32("4194303k", &v) && v == 4194303u * 1024u);
}

/* A 1-segment ESP32-C3 image with an appended SHA-256. */
static size_t make_image(uint8_t *img)
{
    memset(img, 0, 256);
    img[0] = 0xE9;
    img[1] = 1;
    img[2] = 2;    /* dio */
    img[3] = 0x20; /* 4MB, 40m */
    img[8] = 0xEE;
    img[12] = 5;                                                    /* ESP32-C3 */
    img[23] = 1;                                                    /* hash appended */
    img[24] = 0x00, img[25] = 0x00, img[26] = 0xC8, img[27] = 0x3F; /* load address */
    img[28] = 16;                                                   /* length */
    uint8_t cs = 0xEF;
    for (int i = 0; i < 16; i++) {
        img[32 + i] = (uint8_t)(i * 7);
        cs ^= img[32 + i];
    }
    /* 48 bytes so far; the checksum ends the 16-byte block: offset 63. */
    img[63] = cs;
    eh_sha256(img, 64, img + 64);
    return 96;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static void test_image_patch(void)
{
    uint8_t img[256];
    size_t len = make_image(img);
    eh_image_t info;
    CHECK(eh_image_parse(img, len, ESPLOADER_CHIP_ESP32C3, &info) == EH_IMAGE_OK);
    CHECK(info.chip_id == 5 && info.hash_appended && info.checked_len == 64);
    char note[128];
    CHECK(eh_image_patch(img, len, ESPLOADER_CHIP_ESP32C3, "qio", "80m", "2MB", note,
                         sizeof(note)) == 1);
    CHECK(img[2] == 0 && img[3] == 0x1F);
    uint8_t d[32];
    eh_sha256(img, 64, d);
    CHECK(memcmp(d, img + 64, 32) == 0); /* digest recomputed */
    CHECK(eh_image_patch(img, len, ESPLOADER_CHIP_ESP32C3, "keep", "keep", "keep", note,
                         sizeof(note)) == 0);
    CHECK(eh_image_patch(img, len, ESPLOADER_CHIP_ESP32H2, NULL, "80m", NULL, note, sizeof(note)) ==
          -1); /* H2 has no 80m */
    CHECK(eh_flash_freq_code(ESPLOADER_CHIP_ESP32H2, "48m") == 0xF);
    CHECK(eh_flash_freq_code(ESPLOADER_CHIP_ESP32C6, "80m") == 0x0);
    CHECK(eh_flash_size_code(ESPLOADER_CHIP_ESP8266, "4MB") == 0x40);
    /* Found by fuzz_image: an ESP8266 image (8-byte header) whose byte 23 -- segment data --
     * happens to be 1 got a SHA-256 written over the 32 bytes after its checksum. */
    uint8_t e8[64];
    memset(e8, 0x11, sizeof(e8));
    e8[0] = 0xE9, e8[1] = 1, e8[2] = 0, e8[3] = 0x20;
    put32(e8 + 8, 0x40100000);
    put32(e8 + 12, 12); /* one 12-byte segment: data 16..27, checksum block ends at 32 */
    e8[23] = 1;
    uint8_t e8_copy[64];
    memcpy(e8_copy, e8, sizeof(e8));
    CHECK(eh_image_parse(e8, sizeof(e8), ESPLOADER_CHIP_ESP8266, &info) == EH_IMAGE_OK);
    CHECK(eh_image_patch(e8, sizeof(e8), ESPLOADER_CHIP_ESP8266, "dio", NULL, NULL, note,
                         sizeof(note)) == 1);
    CHECK(e8[2] == 2 && memcmp(e8 + 32, e8_copy + 32, 32) == 0); /* header only */
    /* A truncated image does not parse, and is left alone. */
    uint8_t copy[256];
    memcpy(copy, img, len);
    CHECK(eh_image_parse(copy, 40, ESPLOADER_CHIP_ESP32C3, &info) != EH_IMAGE_OK);
    CHECK(eh_image_patch(copy, 40, ESPLOADER_CHIP_ESP32C3, "dout", NULL, NULL, note,
                         sizeof(note)) == 0 &&
          copy[2] == img[2]);
}

static void test_parttable(void)
{
    uint8_t t[EH_PT_LEN];
    memset(t, 0xFF, sizeof(t));
    const struct {
        const char *name;
        uint8_t type, sub;
        uint32_t off, size;
    } e[] = {{"nvs", 1, 2, 0x9000, 0x6000}, {"factory", 0, 0, 0x10000, 0x100000}};
    for (int i = 0; i < 2; i++) {
        uint8_t *p = t + 32 * i;
        memset(p, 0, 32);
        p[0] = 0xAA, p[1] = 0x50, p[2] = e[i].type, p[3] = e[i].sub;
        put32(p + 4, e[i].off);
        put32(p + 8, e[i].size);
        memcpy(p + 12, e[i].name, strlen(e[i].name));
    }
    eh_ptable_t pt;
    char err[200];
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) == 0);
    CHECK(pt.count == 2 && !pt.has_md5);
    const eh_partition_t *f = eh_ptable_find(&pt, "factory");
    CHECK(f && f->offset == 0x10000 && f->size == 0x100000);
    CHECK(eh_ptable_find(&pt, "ota_0") == NULL);
    /* A wrong MD5 entry is an error. */
    uint8_t *m = t + 64;
    memset(m, 0xFF, 32);
    m[0] = 0xEB, m[1] = 0xEB;
    memset(m + 16, 0x11, 16);
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) != 0);
    CHECK(strstr(err, "MD5") != NULL);
    /* Overlap is an error. */
    memset(m, 0xFF, 32);
    put32(t + 32 + 4, 0xA000);
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) != 0);
    CHECK(strstr(err, "overlap") != NULL);
    /* Found by fuzz_parttable: a partition ending exactly at 4 GB wrapped its end to 0 in the
     * overlap test, so it could overlap anything. */
    put32(t + 32 + 4, 0xA000); /* overlaps nvs (0x9000..0xF000), ends at 2^32 */
    put32(t + 32 + 8, 0xFFFF6000u);
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) != 0);
    CHECK(strstr(err, "overlap") != NULL);
    put32(t + 32 + 4, 0xFFFF0000u);
    put32(t + 32 + 8, 0x10000);
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) == 0); /* alone at the top */
    /* Garbage where an entry should be. */
    t[32] = 0x12;
    CHECK(eh_ptable_parse(t, sizeof(t), &pt, err, sizeof(err)) != 0);
}

int main(void)
{
    test_sha256();
    test_base64();
    test_sizes();
    test_image_patch();
    test_parttable();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
