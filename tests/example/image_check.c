/*
 * Parses an ESP image or a partition-table binary back (with hostlib's parser) and checks it
 * against the format rules of §11 with its own chip-id table and layout rules (zero padding,
 * MMU page alignment, no trailing bytes...), independently of esploader-mkimage's builder and
 * of the library's chip table. The digests are checked against the FIPS 180-4 / RFC 1321
 * vectors first. Exit 0 = valid.
 *
 *   image_check image FILE CHIP [--flip OFFSET]
 *   image_check partition-table FILE [--expect-app OFFSET] [--flip OFFSET]
 *
 * --flip XORs one byte before checking, so a test can prove the checker notices corruption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eh_image.h"
#include "eh_parttable.h"
#include "eh_sha256.h"
#include "esploader/esploader_md5.h"

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
    } ids[] = {{"ESP8266", -1},   {"ESP32", 0},      {"ESP32-S2", 2},  {"ESP32-S3", 9},
               {"ESP32-C2", 12},  {"ESP32-C3", 5},   {"ESP32-C5", 23}, {"ESP32-C6", 13},
               {"ESP32-C61", 20}, {"ESP32-H2", 16},  {"ESP32-P4", 18}, {"ESP32-S31", 32},
               {"ESP32-E22", 31}, {"ESP32-H21", 25}, {"ESP32-H4", 28}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (strcmp(ids[i].name, name) == 0)
            return ids[i].id;
    }
    return -2;
}

/* Whole address span of the chips' memory maps (esptool's MEMORY_MAP): 0x3C000000..0x50000000
 * for all but the ESP32-S31 (RAM at 0x2F000000, flash window up to 0x54000000) and the
 * ESP32-E22 (RAM at 0x30FE0000, flash window below 0x40000000). */
static int in_memory_map(const char *chip, uint32_t a)
{
    if (strcmp(chip, "ESP32-S31") == 0)
        return a >= 0x2E000000u && a < 0x54000000u;
    if (strcmp(chip, "ESP32-E22") == 0)
        return a >= 0x30000000u && a < 0x40000000u;
    return a >= 0x3C000000u && a < 0x50000000u;
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
    if (strcmp(chip, "ESP32-S31") == 0) /* esptool: IROM = DROM = 0x40000000..0x54000000 */
        return a >= 0x40000000u && a < 0x54000000u;
    if (strcmp(chip, "ESP32-E22") == 0) /* esptool: IROM = DROM = 0x3C000000..0x40000000 */
        return a >= 0x3C000000u && a < 0x40000000u;
    if (strcmp(chip, "ESP8266") == 0)
        return 0;                               /* its own flash mapping; not checked here */
    return a >= 0x42000000u && a < 0x44000000u; /* C5, C6, C61, H2, H21, H4 */
}

static int sha256_self_test(void)
{
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                    0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                    0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[32];
    eh_sha256("abc", 3, d);
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

/* The walk is hostlib's parser (its own unit tests cover it on bad input); what is checked here
 * on top of it is this file's own reading of the format, with the chip ids from its own table
 * above, not the library's: mkimage takes them from the library, so a wrong library id fails
 * here. */
static int check_image(const uint8_t *img, long len, const char *chip)
{
    int id = chip_id(chip);
    if (id == -2)
        return fail("unknown chip name", 0);
    if (len < 24 || img[0] != 0xE9)
        return fail("no 0xE9 magic", 0);
    eh_image_t im;
    eh_image_err_t e = eh_image_parse(
        img, (size_t)len, id == -1 ? ESPLOADER_CHIP_ESP8266 : ESPLOADER_CHIP_ESP32, &im);
    if (e != EH_IMAGE_OK)
        return fail(eh_image_strerror(e), 0);
    if (img[2] > 3)
        return fail("flash mode not qio/qout/dio/dout", 2);
    /* Byte 3 (§11.1): size code in the high nibble (ESP8266: 0x0-0x6, 0x8, 0x9; others
     * 0x0-0x7), frequency code in the low nibble (0x0, 0x1, 0x2 or 0xF on every chip). */
    unsigned size_code = img[3] >> 4, freq_code = img[3] & 0xF;
    if (id == -1 ? (size_code == 7 || size_code > 9) : size_code > 7)
        return fail("flash size code not valid for this chip family", 3);
    if (freq_code > 2 && freq_code != 0xF)
        return fail("flash frequency code not 0x0/0x1/0x2/0xF", 3);
    if (id >= 0) {
        if (le32(img + 19) != 0)
            return fail("reserved extended-header bytes not zero", 19);
        if (im.chip_id != id)
            return fail("chip id in the extended header is not this chip's", 12);
        if (im.max_rev_full != 0xFFFF && im.max_rev_full < im.min_rev_full)
            return fail("max revision below min revision", 17);
    }
    for (unsigned s = 0; s < im.segment_count; s++) {
        const eh_segment_t *g = &im.seg[s];
        long at = (long)g->offset - 8;
        if (g->len % 4 != 0)
            return fail("segment length not a multiple of 4", at + 4);
        if (!in_memory_map(chip, g->addr))
            return fail("segment load address outside the chips' memory maps", at);
        if (flash_mapped(chip, g->addr) && ((uint32_t)g->offset & 0xFFFFu) != (g->addr & 0xFFFFu))
            return fail("flash-mapped segment not at its address modulo 64 KB", at);
    }
    /* Zero padding, then the checksum as the last byte of a 16-byte block. */
    size_t end = im.seg[im.segment_count - 1].offset + im.seg[im.segment_count - 1].len;
    for (size_t p = end; p < im.checksum_offset; p++) {
        if (img[p] != 0)
            return fail("padding before the checksum is not zero", (long)p);
    }
    if (im.checksum != im.checksum_calc)
        return fail("checksum byte does not match the segment data", (long)im.checksum_offset);
    if (im.hash_appended && eh_image_sha256_ok(img, &im) != 1)
        return fail("appended SHA-256 does not match", (long)im.checked_len);
    if ((long)im.image_len != len)
        return fail("trailing bytes after the image", (long)im.image_len);
    printf("valid %s image: %u segments, entry 0x%08x, flash byte 0x%02x, %ld bytes%s\n", chip,
           im.segment_count, (unsigned)im.entry, img[3], len,
           im.hash_appended ? ", SHA-256 ok" : "");
    return 0;
}

/* The walk (and the MD5 check) is hostlib's iterator; the layout rules are checked here. */
static int check_ptable(const uint8_t *t, long len, long expect_app)
{
    if (len != 0xC00)
        return fail("partition table is not 0xC00 bytes", len);
    eh_pt_iter_t it;
    eh_partition_t p;
    eh_pt_status_t st;
    long app = -1;
    unsigned n = 0;
    eh_pt_iter_init(&it, t, (size_t)len);
    while ((st = eh_pt_iter_next(&it, &p)) == EH_PT_ENTRY) {
        if (p.type == 0 && app < 0)
            app = (long)p.offset;
        n++;
    }
    if (n == 0)
        return fail("no 0x50AA entries", 0);
    if (st == EH_PT_BAD_MD5)
        return fail("MD5 entry does not match the entries", (long)it.pos + 16);
    if (st == EH_PT_BAD_MAGIC || !it.has_md5)
        return fail("no 0xEBEB MD5 entry after the entries", (long)it.pos);
    long md5_at = (long)n * 32;
    for (int i = 2; i < 16; i++) {
        if (t[md5_at + i] != 0xFF)
            return fail("MD5 entry bytes 2..15 are not 0xFF", md5_at + i);
    }
    for (long i = md5_at + 32; i < len; i++) {
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
