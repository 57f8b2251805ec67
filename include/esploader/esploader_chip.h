/* The chips libesploader knows, and the per-chip facts a host program may need. */
#ifndef ESPLOADER_CHIP_H
#define ESPLOADER_CHIP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Zero is "detect it" so that a zero-initialised config means auto-detection. */
typedef enum esploader_chip {
    ESPLOADER_CHIP_AUTO = 0,
    ESPLOADER_CHIP_ESP8266,
    ESPLOADER_CHIP_ESP32,
    ESPLOADER_CHIP_ESP32S2,
    ESPLOADER_CHIP_ESP32S3,
    ESPLOADER_CHIP_ESP32C2,
    ESPLOADER_CHIP_ESP32C3,
    ESPLOADER_CHIP_ESP32C5,
    ESPLOADER_CHIP_ESP32C6,
    ESPLOADER_CHIP_ESP32C61,
    ESPLOADER_CHIP_ESP32H2,
    ESPLOADER_CHIP_ESP32P4,
    /* Appended, so the values above keep their numbers (a program built against an older
     * header still names the same chips). */
    ESPLOADER_CHIP_ESP32S31,
    ESPLOADER_CHIP_ESP32E22,
    ESPLOADER_CHIP_ESP32H21,
    ESPLOADER_CHIP_ESP32H4,
    ESPLOADER_CHIP_COUNT
} esploader_chip_t;

/* Facts from docs/protocol.md §8 that host programs use (image checks, default offsets, names). */
typedef struct esploader_chip_info {
    const char *name;           /* "ESP32-C3" */
    uint32_t magic;             /* value at 0x40001000 for magic-detected chips, else 0 */
    uint16_t image_chip_id;     /* image header chip id; 0xFFFF for ESP8266 (no ext. header) */
    uint32_t bootloader_offset; /* 0x0, 0x1000 or 0x2000 */
    uint32_t mac_efuse_reg;     /* MAC_EFUSE_REG (ESP8266: MAC0 OTP word) */
    uint32_t uart_date_reg;     /* harmless register used for WRITE_REG delays */
    uint8_t rom_status_len;     /* 2 (ESP8266) or 4 */
    uint8_t rom_begin_words;    /* FLASH_BEGIN payload words the ROM takes: 4 or 5 */
    bool rom_has_md5;           /* SPI_FLASH_MD5 in ROM */
    bool rom_has_deflate;       /* FLASH_DEFL_* in ROM */
    bool rom_can_change_baud;   /* CHANGE_BAUDRATE in ROM */
    bool rom_has_read_slow;     /* READ_FLASH_SLOW in ROM */
    bool has_security_info;     /* GET_SECURITY_INFO in ROM (S2 and later) */
} esploader_chip_info_t;

/* NULL for ESPLOADER_CHIP_AUTO or an out-of-range value. */
const esploader_chip_info_t *esploader_chip_info(esploader_chip_t chip);

/* Chip from its image-header chip id (ESP32 and later); ESPLOADER_CHIP_AUTO if unknown. */
esploader_chip_t esploader_chip_from_image_id(uint16_t image_chip_id);

/* Chip from its name, ignoring case, '-' and '_' ("ESP32-C3", "esp32c3", "esp32_c3");
 * ESPLOADER_CHIP_AUTO if it names no chip (or name is NULL). */
esploader_chip_t esploader_chip_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_CHIP_H */
