/*
 * Parses an ESP image or a partition-table binary back and checks it against docs/protocol.md §11
 * (written independently of esploader-mkimage's builder, sharing only the SHA-256 code, which
 * is checked against the FIPS 180-4 test vectors first). Exit 0 = valid.
 *
 *   image_check image FILE CHIP [--flip OFFSET]
 *   image_check partition-table FILE [--expect-app OFFSET] [--flip OFFSET]
 *
 * --flip XORs one byte before checking, so a test can prove the checker notices corruption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esploader/esploader_md5.h"
#include "esp_host_sha256.h"

static int fail(const char *what, long at)
{
    printf("INVALID: %s (at 0x%lx)\n", what, at);
    return 1;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* IMAGE_CHIP_ID per chip, docs/protocol.md §8.1; -1 = ESP8266 (no extended header). */
static int chip_id(const char *name)
{
    static const struct {
        const char *name;
        int id;
    } ids[] = {{"ESP8266", -1},   {"ESP32", 0},     {"ESP32-S2", 2},  {"ESP32-S3", 9},
               {"ESP32-C2", 12},  {"ESP32-C3", 5},  {"ESP32-C5", 23}, {"ESP32-C6", 13},
               {"ESP32-C61", 20}, {"ESP32-H2", 16}, {"ESP32-P4", 18}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (strcmp(ids[i].name, name) == 0)
            return ids[i].id;
    }
    return -2;
}

/*
 * Flash-mapped address windows (instruction and data) per chip, from the chips' memory maps.
 * A segment loaded there is mapped by the MMU in 64 KB pages, so its data must sit at a file
 * offset congruent to its address modulo 64 KB (the app is flashed at a 64 KB-aligned offset).
 */
static int flash_mapped(const char *chip, uint32_t a)
{
    if (strcmp(chip, "ESP32") == 0)
        return (a >= 0x3F400000u && a < 0x3F800000u) || (a >= 0x400C2000u && a < 0x40C00000u);
    if (strcmp(chip, "ESP32-S2") == 0)
        return (a >= 0x3F000000u && a < 0x3FF80000u) || (a >= 0x40080000u && a < 0x40800000u);
    if (strcmp(chip, "ESP32-S3") == 0 || strcmp(chip, "ESP32-C3") == 0 ||
        strcmp(chip, "ESP32-C2") == 0)
        return (a >= 0x3C000000u && a < 0x3E000000u) || (a >= 0x42000000u && a < 0x44000000u);
    if (strcmp(chip, "ESP32-P4") == 0)
        return a >= 0x40000000u && a < 0x44000000u;
    if (strcmp(chip, "ESP8266") == 0)
        return 0;                               /* its own flash mapping; not checked here */
    return a >= 0x42000000u && a < 0x44000000u; /* C5, C6, C61, H2 */
}

static int sha256_self_test(void)
{
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                    0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                    0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[32];
    esp_host_sha256("abc", 3, d);
    return memcmp(d, abc, 32) == 0 ? 0 : -1;
}

static int md5_self_test(void)
{
    /* RFC 1321 test suite: MD5("abc"). */
    static const uint8_t abc[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                    0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
    esploader_md5_t m;
    uint8_t d[16];
    esploader_md5_init(&m);
    esploader_md5_update(&m, "abc", 3);
    esploader_md5_final(&m, d);
    return memcmp(d, abc, 16) == 0 ? 0 : -1;
}

static int check_image(const uint8_t *img, long len, const char *chip)
{
    int id = chip_id(chip);
    if (id == -2)
        return fail("unknown chip name", 0);
    if (len < 24 || img[0] != 0xE9)
        return fail("no 0xE9 magic", 0);
    unsigned nseg = img[1];
    if (nseg == 0 || nseg > 16)
        return fail("segment count not in 1..16", 1);
    if (img[2] > 3)
        return fail("flash mode not qio/qout/dio/dout", 2);
    /* Byte 3 (§11.1): size code in the high nibble (ESP8266: 0x0-0x6, 0x8, 0x9; others
     * 0x0-0x7), frequency code in the low nibble (0x0, 0x1, 0x2 or 0xF on every chip). */
    unsigned size_code = img[3] >> 4, freq_code = img[3] & 0xF;
    if (id == -1 ? (size_code == 7 || size_code > 9) : size_code > 7)
        return fail("flash size code not valid for this chip family", 3);
    if (freq_code > 2 && freq_code != 0xF)
        return fail("flash frequency code not 0x0/0x1/0x2/0xF", 3);
    long pos = 8;
    int hash = 0;
    if (id >= 0) {
        if (le32(img + 19) != 0)
            return fail("reserved extended-header bytes not zero", 19);
        int got = img[12] | img[13] << 8;
        if (got != id)
            return fail("chip id in the extended header is not this chip's", 12);
        unsigned min_full = img[15] | img[16] << 8, max_full = img[17] | img[18] << 8;
        if (max_full != 0xFFFF && max_full < min_full)
            return fail("max revision below min revision", 17);
        if (img[23] > 1)
            return fail("hash-appended byte is neither 0 nor 1", 23);
        hash = img[23];
        pos = 24;
    }
    uint8_t sum = 0xEF;
    for (unsigned s = 0; s < nseg; s++) {
        if (pos + 8 > len)
            return fail("segment header beyond the end", pos);
        uint32_t addr = le32(img + pos), slen = le32(img + pos + 4);
        if (slen % 4 != 0)
            return fail("segment length not a multiple of 4", pos + 4);
        if (addr < 0x3C000000u || addr >= 0x50000000u)
            return fail("segment load address outside the chips' memory maps", pos);
        if (pos + 8 + (long)slen > len)
            return fail("segment data beyond the end", pos);
        if (flash_mapped(chip, addr) && ((uint32_t)(pos + 8) & 0xFFFFu) != (addr & 0xFFFFu))
            return fail("flash-mapped segment not at its address modulo 64 KB", pos);
        for (uint32_t i = 0; i < slen; i++)
            sum ^= img[pos + 8 + i];
        pos += 8 + (long)slen;
    }
    /* Zero padding, then the checksum as the last byte of a 16-byte block. */
    while (pos % 16 != 15) {
        if (pos >= len || img[pos] != 0)
            return fail("padding before the checksum is not zero", pos);
        pos++;
    }
    if (pos >= len)
        return fail("no checksum byte", pos);
    if (img[pos] != sum)
        return fail("checksum byte does not match the segment data", pos);
    pos++;
    if (hash) {
        if (pos + 32 > len)
            return fail("SHA-256 missing", pos);
        uint8_t d[32];
        esp_host_sha256(img, (size_t)pos, d);
        if (memcmp(d, img + pos, 32) != 0)
            return fail("appended SHA-256 does not match", pos);
        pos += 32;
    }
    if (pos != len)
        return fail("trailing bytes after the image", pos);
    printf("valid %s image: %u segments, entry 0x%08x, flash byte 0x%02x, %ld bytes%s\n", chip,
           nseg, (unsigned)le32(img + 4), img[3], len, hash ? ", SHA-256 ok" : "");
    return 0;
}

static int check_ptable(const uint8_t *t, long len, long expect_app)
{
    if (len != 0xC00)
        return fail("partition table is not 0xC00 bytes", len);
    long at = 0;
    long app = -1;
    unsigned n = 0;
    while (at + 32 <= len && t[at] == 0xAA && t[at + 1] == 0x50) {
        if (t[at + 2] == 0 && app < 0)
            app = (long)le32(t + at + 4);
        n++;
        at += 32;
    }
    if (n == 0)
        return fail("no 0x50AA entries", 0);
    if (at + 32 > len || t[at] != 0xEB || t[at + 1] != 0xEB)
        return fail("no 0xEBEB MD5 entry after the entries", at);
    for (int i = 2; i < 16; i++) {
        if (t[at + i] != 0xFF)
            return fail("MD5 entry bytes 2..15 are not 0xFF", at + i);
    }
    uint8_t d[16];
    esploader_md5_t m;
    esploader_md5_init(&m);
    esploader_md5_update(&m, t, (size_t)at);
    esploader_md5_final(&m, d);
    if (memcmp(d, t + at + 16, 16) != 0)
        return fail("MD5 entry does not match the entries", at + 16);
    for (long i = at + 32; i < len; i++) {
        if (t[i] != 0xFF)
            return fail("padding after the MD5 entry is not 0xFF", i);
    }
    if (expect_app >= 0 && app != expect_app)
        return fail("first app partition is not at the expected offset", app);
    printf("valid partition table: %u entries, MD5 ok, first app at 0x%lx\n", n, app);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: image_check image FILE CHIP | partition-table FILE "
                        "[--expect-app OFF] [--flip OFF]\n");
        return 2;
    }
    if (sha256_self_test() != 0 || md5_self_test() != 0) {
        printf("INVALID: digest self-test failed\n");
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    static uint8_t buf[8u << 20];
    long len = (long)fread(buf, 1, sizeof buf, f);
    fclose(f);
    long flip = -1, expect_app = -1;
    int first_opt = strcmp(argv[1], "image") == 0 ? 4 : 3;
    for (int i = first_opt; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--flip") == 0)
            flip = strtol(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--expect-app") == 0)
            expect_app = strtol(argv[i + 1], NULL, 0);
    }
    if (flip >= 0 && flip < len)
        buf[flip] ^= 0x01;
    if (strcmp(argv[1], "image") == 0 && argc >= 4)
        return check_image(buf, len, argv[3]);
    if (strcmp(argv[1], "partition-table") == 0)
        return check_ptable(buf, len, expect_app);
    fprintf(stderr, "image_check: unknown mode '%s'\n", argv[1]);
    return 2;
}
