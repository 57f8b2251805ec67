/*
 * The "flash multiple partitions" flow, shared by the Linux program and the ESP32 host
 * (examples/esp-idf): list the target folders, connect, detect the chip and pick its folder,
 * raise the baud rate where the ROM can, then write bootloader, partition table and app at
 * their offsets, verifying each, and reset the target.
 *
 * It uses only libesploader's public API, the binaries store (binaries_store.h) and the hooks
 * below; it allocates nothing and prints through the log hook only.
 */
#ifndef EXAMPLE_FLASH_FLOW_H
#define EXAMPLE_FLASH_FLOW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "binaries_store.h"
#include "esploader/esploader.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EXAMPLE_IMAGES                 3
#define EXAMPLE_DEFAULT_APP_OFFSET     0x10000u
#define EXAMPLE_PARTITION_TABLE_OFFSET 0x8000u

typedef enum example_err {
    EXAMPLE_OK = 0,
    EXAMPLE_ERR_STORE = -100, /* no target folders, missing or unreadable binary */
    EXAMPLE_ERR_CONNECT,      /* no answer from the target's ROM loader */
    EXAMPLE_ERR_WRONG_CHIP,   /* the configured target differs from the detected chip */
    EXAMPLE_ERR_NO_FOLDER,    /* no folder for the detected chip */
    EXAMPLE_ERR_FLASH,        /* flash start / write / finish failed */
    EXAMPLE_ERR_VERIFY,       /* MD5 or read-back mismatch */
    EXAMPLE_ERR_IMAGE,        /* an image does not fit where it has to go */
} example_err_t;

/* How an image was verified. */
typedef enum example_verified {
    EXAMPLE_NOT_VERIFIED = 0, /* the loader can't (ESP8266 ROM) and no read-back hook */
    EXAMPLE_VERIFIED_MD5,     /* the target's SPI_FLASH_MD5 matched the host's MD5 */
    EXAMPLE_VERIFIED_READBACK /* the read-back hook's bytes matched the file */
} example_verified_t;

typedef struct example_image_result {
    const char *file; /* "bootloader.bin" */
    uint32_t offset, size;
    uint32_t ms;     /* flash_start to verified, on the port's clock */
    uint32_t blocks; /* packets sent (acknowledged) */
    example_verified_t verified;
} example_image_result_t;

typedef struct example_flow {
    esploader_t *loader; /* esploader_init() done by the caller */
    const example_store_t *store;
    esploader_chip_t target; /* ESPLOADER_CHIP_AUTO: whatever is detected */
    uint32_t baud;           /* raise to this after connecting; 0 or 115200 = keep */

    /* Log sink, ESP-IDF style: level 'E', 'W' or 'I'; the host adds "I (ms) example: ". */
    void (*log)(void *user, char level, const char *fmt, va_list ap);
    /* Milliseconds on the same clock as the port (the virtual clock on the simulator). */
    uint32_t (*now_ms)(void *user);
    /* Optional: read target flash by other means, for loaders that cannot MD5 (the ESP8266
     * ROM has neither SPI_FLASH_MD5 nor a read command). Return 0 on success. NULL: none. */
    int (*read_back)(void *user, uint32_t offset, void *buf, uint32_t len);
    void *user;
    /* Optional: compress what is sent (esploader_compress.h), e.g. zlib on Linux, the core's
     * deflate on an MCU. NULL: plain packets. Unchanged sectors are skipped either way where
     * the loader can MD5. */
    const esploader_compressor_t *compressor;

    /* Results, filled in as the images are written. */
    esploader_chip_t chip;
    char folder[EXAMPLE_TARGET_NAME_MAX];
    example_image_result_t image[EXAMPLE_IMAGES];
    int images_done;
} example_flow_t;

/* Run the whole flow. Returns EXAMPLE_OK or an example_err_t; the log says why. */
int example_flow_run(example_flow_t *f);

/* "ESP32-C3", "esp32c3", "esp32_c3" -> chip; ESPLOADER_CHIP_AUTO if unknown or "auto". */
esploader_chip_t example_chip_from_name(const char *name);

/* The first app partition's offset and size in a partition-table binary (0x50AA entries).
 * Returns 0, or -1 if there is none. */
int example_find_app_partition(const uint8_t *table, uint32_t len, uint32_t *offset, uint32_t *size,
                               char label[17]);

#ifdef __cplusplus
}
#endif

#endif
