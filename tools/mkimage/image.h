/*
 * Building ESP firmware images (docs/protocol.md §11): 8-byte header, the 16-byte extended header
 * on ESP32 and later, segments (load address, length, data), zero padding so that the 0xEF-XOR
 * checksum is the last byte of a 16-byte block, then an optional SHA-256 of all of it.
 */
#ifndef MKIMAGE_IMAGE_H
#define MKIMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips.h"

typedef enum mk_image_kind {
    MK_IMAGE_APP = 0,
    MK_IMAGE_BOOTLOADER,
} mk_image_kind_t;

#define MK_FLASH_MODE_QIO  0
#define MK_FLASH_MODE_QOUT 1
#define MK_FLASH_MODE_DIO  2
#define MK_FLASH_MODE_DOUT 3

typedef struct mk_image_opts {
    const mk_chip_t *chip;
    mk_image_kind_t kind;
    uint32_t size;       /* wanted total size in bytes (approximate: segments are 4-aligned) */
    uint64_t seed;       /* content seed: same seed, same bytes */
    uint8_t flash_mode;  /* MK_FLASH_MODE_* */
    uint32_t flash_size; /* bytes, for header byte 3 */
    bool no_hash;        /* don't append the SHA-256 (ESP32+ only; ESP8266 never has one) */
} mk_image_opts_t;

/* Returns 0 and a malloc'd image in *out, or -1 with a message in err. */
int mk_image_build(const mk_image_opts_t *o, uint8_t **out, size_t *out_len, char *err,
                   size_t err_len);

#endif
