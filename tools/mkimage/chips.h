/*
 * Per-chip facts esploader-mkimage needs to make images the chip's ROM bootloader and
 * esptool would accept (docs/protocol.md §8.1 and §11): folder name, flash-frequency code, and
 * plausible load addresses for the sections of a second-stage
 * bootloader and of an application. The addresses follow the chips' public memory maps
 * (instruction RAM, data RAM, flash-mapped code and data windows); they are "plausible", not
 * copied from any particular build. The image chip id and the header layout come from the
 * library's chip table (esploader_chip_info) through hostlib's image builder.
 */
#ifndef MKIMAGE_CHIPS_H
#define MKIMAGE_CHIPS_H

#include <stdbool.h>
#include <stdint.h>

#include "esploader/esploader_chip.h"

typedef struct mk_chip {
    const char *name;      /* folder name and display name: "ESP32-C3" */
    bool esp8266;          /* no extended header, different flash-size codes */
    bool riscv;            /* instruction-word shapes for the content generator */
    uint16_t max_rev_full; /* extended header bytes 17-18 (major*100+minor) */
    uint8_t freq_code;     /* header byte 3 low nibble: the chip's usual flash clock */
    /* Application sections. */
    uint32_t app_drom, app_dram, app_iram, app_irom;
    /* Second-stage bootloader sections (it runs from RAM: data, loader code, main code). */
    uint32_t bl_dram, bl_iram_loader, bl_iram;
} mk_chip_t;

/* NULL if unknown. Accepts "ESP32-C3", "esp32c3", "esp32-c3" (case-insensitive). */
const mk_chip_t *mk_chip_find(const char *name);
/* The table, for --list-chips and the build-time loop. */
const mk_chip_t *mk_chip_at(unsigned index); /* NULL past the end */

/* The library's chip for a table row. */
esploader_chip_t mk_chip_id(const mk_chip_t *chip);

#endif
