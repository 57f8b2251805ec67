#include "image.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esp_host_sha256.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cli_image_parse(const uint8_t *data, size_t len, esploader_chip_t chip, cli_image_t *img)
{
    memset(img, 0, sizeof(*img));
    size_t hdr = chip == ESPLOADER_CHIP_ESP8266 ? 8 : 24;
    if (len < hdr || data[0] != 0xE9 || data[1] == 0 || data[1] > CLI_IMAGE_MAX_SEGMENTS) {
        return -1;
    }
    img->segment_count = data[1];
    img->flash_mode = data[2];
    img->flash_size_freq = data[3];
    img->entry = le32(data + 4);
    if (hdr == 24) {
        img->extended = true;
        img->chip_id = (uint16_t)(data[12] | data[13] << 8);
        if (data[23] > 1) {
            return -1; /* only 0 and 1 are valid "hash appended" values */
        }
        img->hash_appended = data[23] == 1;
    }
    size_t pos = hdr;
    for (unsigned i = 0; i < img->segment_count; i++) {
        if (len - pos < 8) {
            return -1;
        }
        img->seg_addr[i] = le32(data + pos);
        img->seg_len[i] = le32(data + pos + 4);
        pos += 8;
        if (img->seg_len[i] > len - pos) {
            return -1;
        }
        img->seg_off[i] = pos;
        pos += img->seg_len[i];
    }
    /* The checksum byte ends a 16-byte-aligned block. */
    size_t end = (pos + 16) & ~(size_t)15;
    if (end > len) {
        return -1;
    }
    img->checked_len = end;
    if (img->hash_appended && len - end < 32) {
        return -1;
    }
    return 0;
}

int cli_flash_mode_code(const char *name)
{
    static const char *const modes[] = {"qio", "qout", "dio", "dout"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(name, modes[i]) == 0) {
            return i;
        }
    }
    return -1;
}

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

int cli_flash_freq_code(esploader_chip_t chip, const char *name)
{
    static const code_name_t common[] = {
        {"40m", 0x0}, {"26m", 0x1}, {"20m", 0x2}, {"80m", 0xF}, {NULL, 0}};
    static const code_name_t c2[] = {
        {"30m", 0x0}, {"20m", 0x1}, {"15m", 0x2}, {"60m", 0xF}, {NULL, 0}};
    static const code_name_t h2[] = {
        {"24m", 0x0}, {"16m", 0x1}, {"12m", 0x2}, {"48m", 0xF}, {NULL, 0}};
    static const code_name_t c5[] = {{"40m", 0x0}, {"20m", 0x2}, {"80m", 0xF}, {NULL, 0}};
    /* The C6 ROM's MSPI divider workaround: 80m is written as 0 like 40m (§11.1). */
    static const code_name_t c6[] = {{"40m", 0x0}, {"80m", 0x0}, {"20m", 0x2}, {NULL, 0}};
    switch (chip) {
    case ESPLOADER_CHIP_ESP32C2:
        return lookup(c2, name);
    case ESPLOADER_CHIP_ESP32H2:
        return lookup(h2, name);
    case ESPLOADER_CHIP_ESP32C5:
    case ESPLOADER_CHIP_ESP32C61:
        return lookup(c5, name);
    case ESPLOADER_CHIP_ESP32C6:
        return lookup(c6, name);
    default:
        return lookup(common, name);
    }
}

int cli_flash_size_code(esploader_chip_t chip, const char *name)
{
    static const code_name_t esp8266[] = {
        {"512KB", 0x00},  {"256KB", 0x10},  {"1MB", 0x20}, {"2MB", 0x30},  {"4MB", 0x40},
        {"2MB-c1", 0x50}, {"4MB-c1", 0x60}, {"8MB", 0x80}, {"16MB", 0x90}, {NULL, 0}};
    static const code_name_t esp32[] = {{"1MB", 0x00},  {"2MB", 0x10},   {"4MB", 0x20},
                                        {"8MB", 0x30},  {"16MB", 0x40},  {"32MB", 0x50},
                                        {"64MB", 0x60}, {"128MB", 0x70}, {NULL, 0}};
    return lookup(chip == ESPLOADER_CHIP_ESP8266 ? esp8266 : esp32, name);
}

uint32_t cli_flash_size_bytes(const char *name)
{
    static const code_name_t sizes[] = {
        {"256KB", 256},  {"512KB", 512},    {"1MB", 1024}, {"2MB", 2048},   {"2MB-c1", 2048},
        {"4MB", 4096},   {"4MB-c1", 4096},  {"8MB", 8192}, {"16MB", 16384}, {"32MB", 32768},
        {"64MB", 65536}, {"128MB", 131072}, {NULL, 0}};
    int kb = lookup(sizes, name);
    return kb > 0 ? (uint32_t)kb * 1024u : 0;
}

const char *cli_flash_size_name(uint32_t bytes, char *buf, size_t len)
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

int cli_image_patch(uint8_t *data, size_t len, esploader_chip_t chip, const char *mode,
                    const char *freq, const char *size, char *note, size_t note_len)
{
    if (note && note_len) {
        note[0] = '\0';
    }
    if (is_keep(mode) && is_keep(freq) && is_keep(size)) {
        return 0;
    }
    int mode_code = is_keep(mode) ? -2 : cli_flash_mode_code(mode);
    int freq_code = is_keep(freq) ? -2 : cli_flash_freq_code(chip, freq);
    int size_code = is_keep(size) ? -2 : cli_flash_size_code(chip, size);
    if (mode_code == -1 || freq_code == -1 || size_code == -1) {
        snprintf(note, note_len, "invalid %s '%s' for %s",
                 mode_code == -1   ? "--flash-mode"
                 : freq_code == -1 ? "--flash-freq"
                                   : "--flash-size",
                 mode_code == -1   ? mode
                 : freq_code == -1 ? freq
                                   : size,
                 esploader_chip_info(chip) ? esploader_chip_info(chip)->name : "this chip");
        return -1;
    }
    cli_image_t img;
    if (len < 8 || data[0] != 0xE9 || cli_image_parse(data, len, chip, &img) != 0) {
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
    /* Byte 23 is read even for ESP8266 images, as esptool does (§11.4): harmless there. */
    if (len >= 24 && data[23] == 1 && img.checked_len + 32 <= len) {
        esp_host_sha256(data, img.checked_len, data + img.checked_len);
    }
    return 1;
}
