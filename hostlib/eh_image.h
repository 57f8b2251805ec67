/*
 * ESP firmware images (docs/protocol.md, docs/protocol.md §11), for the host-side programs (CLI,
 * esploader-mkimage, the tests): a bounds-checked parser, the checksum and the appended SHA-256,
 * the flash-setting codes of header bytes 2-3 and their patching, the app description, and an
 * image builder. Per-chip facts (image chip id, header kind) come from the library's chip table,
 * esploader_chip_info(). Symbols: eh_ ("esploader host"). No allocation; not used by the core.
 *
 * Layout: 8-byte header (0xE9, segment count, flash mode, size<<4|freq, entry), on ESP32 and
 * later a 16-byte extended header (WP pin, SPI drive, chip id, min/max revision, hash flag),
 * then segments (load address, length, data); zero padding so that the 0xEF-seeded XOR checksum
 * of the segment data is the last byte of a 16-byte block; then, if byte 23 is 1, the SHA-256 of
 * everything before it.
 */
#ifndef EH_IMAGE_H
#define EH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_chip.h"

#define EH_IMAGE_MAGIC          0xE9u
#define EH_IMAGE_MAX_SEGMENTS   16u
#define EH_IMAGE_HEADER_LEN     8u
#define EH_IMAGE_EXT_HEADER_LEN 24u /* header + extended header */
#define EH_CHECKSUM_SEED        0xEFu
#define EH_APP_DESC_MAGIC       0xABCD5432u /* esp_app_desc_t magic_word */

typedef enum eh_image_err {
    EH_IMAGE_OK = 0,
    EH_IMAGE_TRUNCATED,    /* ends before the header, a segment, the checksum or the digest */
    EH_IMAGE_BAD_MAGIC,    /* first byte not 0xE9 */
    EH_IMAGE_BAD_SEGMENTS, /* segment count 0 or above 16 */
    EH_IMAGE_BAD_HASH_FLAG /* extended header byte 23 neither 0 nor 1 */
} eh_image_err_t;

typedef struct eh_segment {
    uint32_t addr, len;
    size_t offset; /* where its data starts in the file */
} eh_segment_t;

typedef struct eh_image {
    uint8_t segment_count;
    uint8_t flash_mode;      /* header byte 2 */
    uint8_t flash_size_freq; /* header byte 3: size code << 4 | frequency code */
    uint32_t entry;
    bool extended; /* the 24-byte header (every chip but the ESP8266) */
    uint8_t wp_pin;
    uint16_t chip_id; /* extended header bytes 12-13 */
    uint8_t min_rev;  /* byte 14 (legacy) */
    uint16_t min_rev_full, max_rev_full;
    bool hash_appended;     /* byte 23 == 1: a SHA-256 follows the checksum */
    size_t checksum_offset; /* the stored checksum byte */
    uint8_t checksum;       /* stored */
    uint8_t checksum_calc;  /* computed over the segment data */
    size_t checked_len;     /* bytes up to and including the checksum byte */
    size_t image_len;       /* checked_len, plus 32 with the digest */
    eh_segment_t seg[EH_IMAGE_MAX_SEGMENTS];
} eh_image_t;

/* Parse data as an image for chip (ESP8266: 8-byte header; every other chip: 24). Every offset
 * is checked against len: nothing past it is read. */
eh_image_err_t eh_image_parse(const uint8_t *data, size_t len, esploader_chip_t chip,
                              eh_image_t *img);
const char *eh_image_strerror(eh_image_err_t e);
/* The chip an image is for: the one its extended-header chip id names, else ESP8266 if it parses
 * with the short header; ESPLOADER_CHIP_AUTO if neither. */
esploader_chip_t eh_image_detect_chip(const uint8_t *data, size_t len);

/* The 0xEF-seeded XOR (seed: EH_CHECKSUM_SEED, or a running value). */
uint8_t eh_checksum(const uint8_t *data, size_t len, uint8_t seed);
/* 1 if the appended digest matches, 0 if it does not, -1 if there is none. */
int eh_image_sha256_ok(const uint8_t *data, const eh_image_t *img);
/* Recompute the checksum byte and (if appended) the SHA-256 in place. */
void eh_image_fix(uint8_t *data, const eh_image_t *img);

/* Header codes for flash settings (esptool's names); -1 if unknown for that chip. */
int eh_flash_mode_code(const char *name);                        /* qio qout dio dout */
int eh_flash_freq_code(esploader_chip_t chip, const char *name); /* "40m", "80m", ... */
int eh_flash_size_code(esploader_chip_t chip, const char *name); /* "4MB", ... */
/* The names back (NULL if the code has none on that chip). */
const char *eh_flash_mode_name(uint8_t code);
const char *eh_flash_freq_name(esploader_chip_t chip, uint8_t code);
const char *eh_flash_size_name_of_code(esploader_chip_t chip, uint8_t code);
/* Bytes for a size name ("4MB"), 0 if unknown; and a byte count as "4MB" / "512KB". */
uint32_t eh_flash_size_bytes(const char *name);
const char *eh_flash_size_name(uint32_t bytes, char *buf, size_t len);

/*
 * Set flash mode / frequency / size (NULL or "keep" leaves each) in the header of an image for
 * chip, then fix the SHA-256 if one is appended. Returns 1 if the bytes changed, 0 if not (note
 * says why when it matters: not an image), -1 on a bad value (note names it).
 */
int eh_image_patch(uint8_t *data, size_t len, esploader_chip_t chip, const char *mode,
                   const char *freq, const char *size, char *note, size_t note_len);

/* esp_app_desc_t at the start of the first segment of an app (ESP-IDF). */
typedef struct eh_app_desc {
    uint32_t secure_version;
    char version[33], project_name[33], time[17], date[17], idf_ver[33];
    uint8_t app_elf_sha256[32];
    uint16_t min_efuse_blk_rev_full, max_efuse_blk_rev_full; /* 0 where the IDF is older */
} eh_app_desc_t;
/* true if the image carries one (then *d is filled). */
bool eh_image_app_desc(const uint8_t *data, const eh_image_t *img, eh_app_desc_t *d);
/* The 256-byte esp_app_desc_t for d, as ESP-IDF lays it out. */
void eh_app_desc_write(const eh_app_desc_t *d, uint8_t out[256]);

/* What to build: chip, header fields, segments; data pointers are read only. */
typedef struct eh_image_spec {
    esploader_chip_t chip; /* short header for the ESP8266, else extended */
    uint8_t flash_mode, flash_size_freq;
    uint32_t entry;
    uint16_t min_rev_full, max_rev_full;
    bool hash; /* append the SHA-256 (never on the ESP8266) */
    unsigned segment_count;
    struct {
        uint32_t addr;
        const uint8_t *data;
        uint32_t len; /* a multiple of 4 */
    } seg[EH_IMAGE_MAX_SEGMENTS];
} eh_image_spec_t;
/* Bytes the image will take. */
size_t eh_image_build_len(const eh_image_spec_t *s);
/* Build into out (cap bytes, at least eh_image_build_len). Returns the length, 0 on bad spec
 * (no segments, too many, a length not a multiple of 4, too small a buffer, unknown chip). */
size_t eh_image_build(const eh_image_spec_t *s, uint8_t *out, size_t cap);

#endif
