/*
 * Core-internal chip facts. Every fact lives once, in ESP_CHIP_TABLE below; targets.c expands it
 * into the compact table the core uses, chip_info.c into the public esploader_chip_info_t
 * table (linked only by programs that ask for it, so small hosts do not pay for names).
 */
#ifndef ESP_TARGETS_H
#define ESP_TARGETS_H

#include <stdint.h>

#include "esploader/esploader_chip.h"

/* Chip quirks and ROM limits, as bits. */
#define ESP_T_8266       0x01 /* ESP8266 ROM: 2 status bytes; no MD5/deflate/baud/slow read */
#define ESP_T_4WORDS     0x02 /* ROM FLASH_BEGIN takes 4 words (ESP8266, ESP32) */
#define ESP_T_NOSEC      0x04 /* no GET_SECURITY_INFO (ESP8266, ESP32) */
#define ESP_T_BAUD_ESP32 0x08 /* ROM baud scaled by the RTC-calibrated clock (§5.12) */
#define ESP_T_BAUD_C2    0x10 /* 26 MHz crystal: ROM baud * 40 / 26 */
#define ESP_T_BAUD_C5    0x20 /* 40 / 48 MHz crystal vs. ROM expectation */
#define ESP_T_ROM        0x80 /* never in the table: marks "the ROM loader runs" in flag sets */

/* clang-format off */
/* X(chip, name, magic (0 = detected by chip id), image chip id, bootloader offset,
 *   MAC eFuse register, UART date register, SPI controller base, flags) — docs/protocol.md §8,
 * docs/chips.md (with the esptool source of every value). Rows are in esploader_chip_t order.
 * The chips told apart by the ROM magic value come first (ESP_CHIP_TABLE_MAGIC): the core
 * keeps a magic column for them only, and a chip-id column for the rest. */
#define ESP_CHIP_TABLE_MAGIC(X) \
    X(ESP8266, "ESP8266",   0xFFF0C101, 0xFFFF, 0x0000, 0x3FF00050, 0x60000078, 0x60000200, \
      ESP_T_8266 | ESP_T_4WORDS | ESP_T_NOSEC) \
    X(ESP32,   "ESP32",     0x00F01D83, 0,      0x1000, 0x3FF5A004, 0x60000078, 0x3FF42000, \
      ESP_T_4WORDS | ESP_T_NOSEC | ESP_T_BAUD_ESP32) \
    X(ESP32S2, "ESP32-S2",  0x000007C6, 2,      0x1000, 0x3F41A044, 0x60000078, 0x3F402000, 0)
#define ESP_CHIP_TABLE_ID(X) \
    X(ESP32S3, "ESP32-S3",  0,          9,      0x0000, 0x60007044, 0x60000080, 0x60002000, 0) \
    X(ESP32C2, "ESP32-C2",  0,          12,     0x0000, 0x60008840, 0x6000007C, 0x60002000, \
      ESP_T_BAUD_C2) \
    X(ESP32C3, "ESP32-C3",  0,          5,      0x0000, 0x60008844, 0x6000007C, 0x60002000, 0) \
    X(ESP32C5, "ESP32-C5",  0,          23,     0x2000, 0x600B4844, 0x6000007C, 0x60003000, \
      ESP_T_BAUD_C5) \
    X(ESP32C6, "ESP32-C6",  0,          13,     0x0000, 0x600B0844, 0x6000007C, 0x60003000, 0) \
    X(ESP32C61, "ESP32-C61", 0,         20,     0x0000, 0x600B4844, 0x6000007C, 0x60003000, 0) \
    X(ESP32H2, "ESP32-H2",  0,          16,     0x0000, 0x600B0844, 0x6000007C, 0x60003000, 0) \
    X(ESP32P4, "ESP32-P4",  0,          18,     0x2000, 0x5012D044, 0x500CA08C, 0x5008D000, 0) \
    X(ESP32S31, "ESP32-S31", 0,         32,     0x2000, 0x20715050, 0x2038A08C, 0x20501000, 0) \
    X(ESP32E22, "ESP32-E22", 0,         31,     0x0000, 0xC4008044, 0xC310208C, 0xC3003000, 0) \
    X(ESP32H21, "ESP32-H21", 0,         25,     0x0000, 0x600B4044, 0x6000007C, 0x60003000, 0) \
    X(ESP32H4, "ESP32-H4",  0,          28,     0x2000, 0x600B1844, 0x6001207C, 0x60099000, 0)
#define ESP_CHIP_TABLE(X) ESP_CHIP_TABLE_MAGIC(X) ESP_CHIP_TABLE_ID(X)
/* clang-format on */

/* The core reads the table through these, one array per column: with -fdata-sections a
 * program links only the columns it uses. All but the flags (0 for AUTO) take a known chip. */
uint8_t espl_target_flags(esploader_chip_t chip); /* ESP_T_* */
uint32_t espl_target_mac(esploader_chip_t chip);  /* MAC_EFUSE_REG (ESP8266: OTP MAC0) */
uint32_t espl_target_spi(esploader_chip_t chip);  /* SPI controller for flash scripts §8.2 */

#define ESP_MAGIC_REG       0x40001000u
#define ESP_UART_CLKDIV_REG 0x60000014u /* C2 and C5 */

/* Chip from a GET_SECURITY_INFO chip id (by_id, among chips without a magic value, §7 4a) or
 * from the ROM magic value; AUTO if none matches. */
esploader_chip_t espl_target_find(uint32_t value, int by_id);

/* Flash size in bytes implied by a JEDEC RDID value (§8.2); 0 for a bad or unknown id. */
uint32_t espl_target_flash_size_from_id(uint32_t id);

#endif
