/* ESP firmware images (docs/protocol.md §11): parsing, the chip-id check and header patching. */
#ifndef CLI_IMAGE_H
#define CLI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader.h"

#define CLI_IMAGE_MAX_SEGMENTS 16

typedef struct cli_image {
    uint8_t segment_count;
    uint8_t flash_mode, flash_size_freq;
    uint32_t entry;
    bool extended;      /* 24-byte header (ESP32 and later) */
    uint16_t chip_id;   /* extended header chip id */
    bool hash_appended; /* a SHA-256 follows the checksum */
    size_t checked_len; /* bytes up to and including the checksum byte */
    uint32_t seg_addr[CLI_IMAGE_MAX_SEGMENTS];
    uint32_t seg_len[CLI_IMAGE_MAX_SEGMENTS];
    size_t seg_off[CLI_IMAGE_MAX_SEGMENTS]; /* where each segment's data starts in the file */
} cli_image_t;

/* Parse data as an image for chip (ESP8266: 8-byte header; others 24). 0 if it parses. */
int cli_image_parse(const uint8_t *data, size_t len, esploader_chip_t chip, cli_image_t *img);

/* Header byte values for the options; -1 if the name is unknown for this chip. "keep" is
 * handled by the caller. */
int cli_flash_mode_code(const char *name);
int cli_flash_freq_code(esploader_chip_t chip, const char *name);
int cli_flash_size_code(esploader_chip_t chip, const char *name);
/* "4MB" from a byte count (for --flash-size detect). */
const char *cli_flash_size_name(uint32_t bytes, char *buf, size_t len);
/* Flash size in bytes from a name ("4MB"), 0 if unknown. */
uint32_t cli_flash_size_bytes(const char *name);

/*
 * Apply --flash-mode/--flash-freq/--flash-size ("keep" or NULL = leave) to an image written at
 * the chip's bootloader offset, recomputing the appended SHA-256. Returns 1 if the data was
 * changed, 0 if not (note explains why, if useful), -1 on a bad option value (note says which).
 */
int cli_image_patch(uint8_t *data, size_t len, esploader_chip_t chip, const char *mode,
                    const char *freq, const char *size, char *note, size_t note_len);

#endif
