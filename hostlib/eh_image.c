#include "eh_image.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "eh_sha256.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint8_t eh_checksum(const uint8_t *data, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed ^= data[i];
    }
    return seed;
}

eh_image_err_t eh_image_parse(const uint8_t *data, size_t len, esploader_chip_t chip,
                              eh_image_t *img)
{
    memset(img, 0, sizeof(*img));
    size_t hdr = chip == ESPLOADER_CHIP_ESP8266 ? EH_IMAGE_HEADER_LEN : EH_IMAGE_EXT_HEADER_LEN;
    if (len < 1) {
        return EH_IMAGE_TRUNCATED;
    }
    if (data[0] != EH_IMAGE_MAGIC) {
        return EH_IMAGE_BAD_MAGIC;
    }
    if (len < hdr) {
        return EH_IMAGE_TRUNCATED;
    }
    if (data[1] == 0 || data[1] > EH_IMAGE_MAX_SEGMENTS) {
        return EH_IMAGE_BAD_SEGMENTS;
    }
    img->segment_count = data[1];
    img->flash_mode = data[2];
    img->flash_size_freq = data[3];
    img->entry = le32(data + 4);
    if (hdr == EH_IMAGE_EXT_HEADER_LEN) {
        img->extended = true;
        img->wp_pin = data[8];
        img->chip_id = le16(data + 12);
        img->min_rev = data[14];
        img->min_rev_full = le16(data + 15);
        img->max_rev_full = le16(data + 17);
        if (data[23] > 1) {
            return EH_IMAGE_BAD_HASH_FLAG;
        }
        img->hash_appended = data[23] == 1;
    }
    size_t pos = hdr;
    uint8_t sum = EH_CHECKSUM_SEED;
    for (unsigned i = 0; i < img->segment_count; i++) {
        if (len - pos < 8) {
            return EH_IMAGE_TRUNCATED;
        }
        eh_segment_t *s = &img->seg[i];
        s->addr = le32(data + pos);
        s->len = le32(data + pos + 4);
        pos += 8;
        if (s->len > len - pos) {
            return EH_IMAGE_TRUNCATED;
        }
        s->offset = pos;
        sum = eh_checksum(data + pos, s->len, sum);
        pos += s->len;
    }
    /* The checksum byte ends a 16-byte-aligned block. */
    size_t end = (pos + 16) & ~(size_t)15;
    if (end > len) {
        return EH_IMAGE_TRUNCATED;
    }
    img->checksum_offset = end - 1;
    img->checksum = data[end - 1];
    img->checksum_calc = sum;
    img->checked_len = end;
    img->image_len = end + (img->hash_appended ? 32 : 0);
    if (img->image_len > len) {
        return EH_IMAGE_TRUNCATED;
    }
    return EH_IMAGE_OK;
}

const char *eh_image_strerror(eh_image_err_t e)
{
    switch (e) {
    case EH_IMAGE_OK:
        return "valid";
    case EH_IMAGE_TRUNCATED:
        return "truncated (a header, segment, checksum or digest runs past the end)";
    case EH_IMAGE_BAD_MAGIC:
        return "not an ESP image (first byte is not 0xE9)";
    case EH_IMAGE_BAD_SEGMENTS:
        return "segment count not in 1..16";
    case EH_IMAGE_BAD_HASH_FLAG:
        return "hash-appended byte (23) is neither 0 nor 1";
    }
    return "invalid";
}

esploader_chip_t eh_image_detect_chip(const uint8_t *data, size_t len)
{
    eh_image_t img;
    if (eh_image_parse(data, len, ESPLOADER_CHIP_ESP32, &img) == EH_IMAGE_OK) {
        esploader_chip_t c = esploader_chip_from_image_id(img.chip_id);
        if (c != ESPLOADER_CHIP_AUTO) {
            return c;
        }
    }
    if (eh_image_parse(data, len, ESPLOADER_CHIP_ESP8266, &img) == EH_IMAGE_OK) {
        return ESPLOADER_CHIP_ESP8266;
    }
    return ESPLOADER_CHIP_AUTO;
}

int eh_image_sha256_ok(const uint8_t *data, const eh_image_t *img)
{
    if (!img->hash_appended) {
        return -1;
    }
    uint8_t d[32];
    eh_sha256(data, img->checked_len, d);
    return memcmp(d, data + img->checked_len, 32) == 0;
}

void eh_image_fix(uint8_t *data, const eh_image_t *img)
{
    data[img->checksum_offset] = img->checksum_calc;
    if (img->hash_appended) {
        eh_sha256(data, img->checked_len, data + img->checked_len);
    }
}

/* ---- flash-setting codes (header bytes 2 and 3) ------------------------------------------- */

typedef struct code_name {
    const char *name;
    int code;
} code_name_t;

static int lookup(const code_name_t *t, const char *name)
{
    for (; t->name; t++) {
        if (strcasecmp(t->name, name) == 0) {
            return t->code;
        }
    }
    return -1;
}

static const char *rlookup(const code_name_t *t, int code)
{
    for (; t->name; t++) {
        if (t->code == code) {
            return t->name;
        }
    }
    return NULL;
}

static const code_name_t modes[] = {{"qio", 0}, {"qout", 1}, {"dio", 2}, {"dout", 3}, {NULL, 0}};

/* Frequency codes (§11.1): most chips 40/26/20/80 MHz; C2 30/20/15/60; H2 24/16/12/48; C5 and
 * C61 have no 26m; on the C6 80m is written as 0 like 40m (its ROM's MSPI divider workaround). */
static const code_name_t freq_common[] = {
    {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}, {"80m", 0xF}, {NULL, 0}};
static const code_name_t freq_c2[] = {
    {"30m", 0x0}, {"20m", 0x1}, {"15m", 0x2}, {"60m", 0xF}, {NULL, 0}};
static const code_name_t freq_h2[] = {
    {"24m", 0x0}, {"16m", 0x1}, {"12m", 0x2}, {"48m", 0xF}, {NULL, 0}};
static const code_name_t freq_c5[] = {{"40m", 0x0}, {"20m", 0x2}, {"80m", 0xF}, {NULL, 0}};
static const code_name_t freq_c6[] = {{"40m", 0x0}, {"80m", 0x0}, {"20m", 0x2}, {NULL, 0}};

static const code_name_t *freq_table(esploader_chip_t chip)
{
    switch (chip) {
    case ESPLOADER_CHIP_ESP32C2:
        return freq_c2;
    case ESPLOADER_CHIP_ESP32H2:
        return freq_h2;
    case ESPLOADER_CHIP_ESP32C5:
    case ESPLOADER_CHIP_ESP32C61:
        return freq_c5;
    case ESPLOADER_CHIP_ESP32C6:
        return freq_c6;
    default:
        return freq_common;
    }
}

static const code_name_t size_esp8266[] = {
    {"512KB", 0x00},  {"256KB", 0x10},  {"1MB", 0x20}, {"2MB", 0x30},  {"4MB", 0x40},
    {"2MB-c1", 0x50}, {"4MB-c1", 0x60}, {"8MB", 0x80}, {"16MB", 0x90}, {NULL, 0}};
static const code_name_t size_esp32[] = {{"1MB", 0x00},  {"2MB", 0x10},   {"4MB", 0x20},
                                         {"8MB", 0x30},  {"16MB", 0x40},  {"32MB", 0x50},
                                         {"64MB", 0x60}, {"128MB", 0x70}, {NULL, 0}};

int eh_flash_mode_code(const char *name)
{
    return lookup(modes, name);
}

int eh_flash_freq_code(esploader_chip_t chip, const char *name)
{
    return lookup(freq_table(chip), name);
}

int eh_flash_size_code(esploader_chip_t chip, const char *name)
{
    return lookup(chip == ESPLOADER_CHIP_ESP8266 ? size_esp8266 : size_esp32, name);
}

const char *eh_flash_mode_name(uint8_t code)
{
    return rlookup(modes, code);
}

const char *eh_flash_freq_name(esploader_chip_t chip, uint8_t code)
{
    return rlookup(freq_table(chip), code & 0x0F);
}

const char *eh_flash_size_name_of_code(esploader_chip_t chip, uint8_t code)
{
    return rlookup(chip == ESPLOADER_CHIP_ESP8266 ? size_esp8266 : size_esp32, code & 0xF0);
}

uint32_t eh_flash_size_bytes(const char *name)
{
    static const code_name_t sizes[] = {
        {"256KB", 256},  {"512KB", 512},    {"1MB", 1024}, {"2MB", 2048},   {"2MB-c1", 2048},
        {"4MB", 4096},   {"4MB-c1", 4096},  {"8MB", 8192}, {"16MB", 16384}, {"32MB", 32768},
        {"64MB", 65536}, {"128MB", 131072}, {NULL, 0}};
    int kb = lookup(sizes, name);
    return kb > 0 ? (uint32_t)kb * 1024u : 0;
}

const char *eh_flash_size_name(uint32_t bytes, char *buf, size_t len)
{
    if (bytes >= 1024u * 1024u) {
        snprintf(buf, len, "%uMB", (unsigned)(bytes / (1024u * 1024u)));
    } else {
        snprintf(buf, len, "%uKB", (unsigned)(bytes / 1024u));
    }
    return buf;
}

static bool is_keep(const char *v)
{
    return !v || strcasecmp(v, "keep") == 0;
}

int eh_image_patch(uint8_t *data, size_t len, esploader_chip_t chip, const char *mode,
                   const char *freq, const char *size, char *note, size_t note_len)
{
    if (note && note_len) {
        note[0] = '\0';
    }
    if (is_keep(mode) && is_keep(freq) && is_keep(size)) {
        return 0;
    }
    int mode_code = is_keep(mode) ? -2 : eh_flash_mode_code(mode);
    int freq_code = is_keep(freq) ? -2 : eh_flash_freq_code(chip, freq);
    int size_code = is_keep(size) ? -2 : eh_flash_size_code(chip, size);
    if (mode_code == -1 || freq_code == -1 || size_code == -1) {
        const esploader_chip_info_t *info = esploader_chip_info(chip);
        snprintf(note, note_len, "invalid %s '%s' for %s",
                 mode_code == -1   ? "--flash-mode"
                 : freq_code == -1 ? "--flash-freq"
                                   : "--flash-size",
                 mode_code == -1   ? mode
                 : freq_code == -1 ? freq
                                   : size,
                 info ? info->name : "this chip");
        return -1;
    }
    eh_image_t img;
    if (eh_image_parse(data, len, chip, &img) != EH_IMAGE_OK) {
        snprintf(note, note_len,
                 "the data at the bootloader offset is not a valid image: flash settings not "
                 "changed");
        return 0;
    }
    uint8_t b2 = data[2], b3 = data[3];
    if (mode_code >= 0) {
        b2 = (uint8_t)mode_code;
    }
    b3 = (uint8_t)((size_code >= 0 ? (uint8_t)size_code : (b3 & 0xF0)) +
                   (freq_code >= 0 ? (uint8_t)freq_code : (b3 & 0x0F)));
    if (b2 == data[2] && b3 == data[3]) {
        return 0;
    }
    data[2] = b2;
    data[3] = b3;
    /* The header is not under the checksum; only the digest covers it. */
    if (img.hash_appended) {
        eh_sha256(data, img.checked_len, data + img.checked_len);
    }
    return 1;
}

/* ---- app description ---------------------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    while (k < n && k + 1 < cap && src[k]) {
        dst[k] = (char)src[k];
        k++;
    }
    dst[k] = '\0';
}

bool eh_image_app_desc(const uint8_t *data, const eh_image_t *img, eh_app_desc_t *d)
{
    memset(d, 0, sizeof(*d));
    if (!img->extended || img->segment_count == 0 || img->seg[0].len < 256) {
        return false;
    }
    const uint8_t *p = data + img->seg[0].offset;
    if (le32(p) != EH_APP_DESC_MAGIC) {
        return false;
    }
    d->secure_version = le32(p + 4);
    copy_str(d->version, sizeof(d->version), p + 16, 32);
    copy_str(d->project_name, sizeof(d->project_name), p + 48, 32);
    copy_str(d->time, sizeof(d->time), p + 80, 16);
    copy_str(d->date, sizeof(d->date), p + 96, 16);
    copy_str(d->idf_ver, sizeof(d->idf_ver), p + 112, 32);
    memcpy(d->app_elf_sha256, p + 144, 32);
    d->min_efuse_blk_rev_full = le16(p + 176);
    d->max_efuse_blk_rev_full = le16(p + 178);
    return true;
}

static void put_str(uint8_t *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    memcpy(dst, s, n < cap ? n : cap - 1);
}

void eh_app_desc_write(const eh_app_desc_t *d, uint8_t out[256])
{
    memset(out, 0, 256);
    put_le32(out, EH_APP_DESC_MAGIC);
    put_le32(out + 4, d->secure_version);
    put_str(out + 16, 32, d->version);
    put_str(out + 48, 32, d->project_name);
    put_str(out + 80, 16, d->time);
    put_str(out + 96, 16, d->date);
    put_str(out + 112, 32, d->idf_ver);
    memcpy(out + 144, d->app_elf_sha256, 32);
    put_le16(out + 176, d->min_efuse_blk_rev_full);
    put_le16(out + 178, d->max_efuse_blk_rev_full);
}

/* ---- builder ------------------------------------------------------------------------------ */

static bool spec_ok(const eh_image_spec_t *s)
{
    if (!esploader_chip_info(s->chip) || s->segment_count == 0 ||
        s->segment_count > EH_IMAGE_MAX_SEGMENTS) {
        return false;
    }
    for (unsigned i = 0; i < s->segment_count; i++) {
        if (s->seg[i].len % 4) {
            return false;
        }
    }
    return true;
}

size_t eh_image_build_len(const eh_image_spec_t *s)
{
    bool ext = s->chip != ESPLOADER_CHIP_ESP8266;
    size_t pos = ext ? EH_IMAGE_EXT_HEADER_LEN : EH_IMAGE_HEADER_LEN;
    for (unsigned i = 0; i < s->segment_count && i < EH_IMAGE_MAX_SEGMENTS; i++) {
        pos += 8 + s->seg[i].len;
    }
    pos = (pos + 16) & ~(size_t)15;
    return pos + (ext && s->hash ? 32 : 0);
}

size_t eh_image_build(const eh_image_spec_t *s, uint8_t *out, size_t cap)
{
    if (!spec_ok(s) || cap < eh_image_build_len(s)) {
        return 0;
    }
    bool ext = s->chip != ESPLOADER_CHIP_ESP8266;
    size_t pos = ext ? EH_IMAGE_EXT_HEADER_LEN : EH_IMAGE_HEADER_LEN;
    memset(out, 0, pos);
    out[0] = EH_IMAGE_MAGIC;
    out[1] = (uint8_t)s->segment_count;
    out[2] = s->flash_mode;
    out[3] = s->flash_size_freq;
    put_le32(out + 4, s->entry);
    if (ext) {
        out[8] = 0xEE; /* WP pin: not used */
        put_le16(out + 12, esploader_chip_info(s->chip)->image_chip_id);
        put_le16(out + 15, s->min_rev_full);
        put_le16(out + 17, s->max_rev_full);
        out[23] = s->hash ? 1 : 0;
    }
    uint8_t sum = EH_CHECKSUM_SEED;
    for (unsigned i = 0; i < s->segment_count; i++) {
        put_le32(out + pos, s->seg[i].addr);
        put_le32(out + pos + 4, s->seg[i].len);
        pos += 8;
        if (s->seg[i].len) {
            memmove(out + pos, s->seg[i].data, s->seg[i].len);
        }
        sum = eh_checksum(out + pos, s->seg[i].len, sum);
        pos += s->seg[i].len;
    }
    while (pos % 16 != 15) {
        out[pos++] = 0;
    }
    out[pos++] = sum;
    if (ext && s->hash) {
        eh_sha256(out, pos, out + pos);
        pos += 32;
    }
    return pos;
}
