/*
 * Where the binaries live: the only thing the example needs from its host besides a
 * libesploader port. One folder per target chip ("ESP32", "ESP32-C3", "ESP8266", ...), each
 * holding bootloader.bin, partition-table.bin and app.bin. On Linux a directory implements it
 * (binaries_dir.c), on the ESP32 host a SPIFFS partition (examples/esp-idf/...).
 *
 * Files are read in chunks, so a host with little RAM never holds a whole image.
 */
#ifndef EXAMPLE_BINARIES_STORE_H
#define EXAMPLE_BINARIES_STORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXAMPLE_TARGET_NAME_MAX 24 /* "ESP32-C61" and friends, with room to spare */
#define EXAMPLE_MAX_TARGETS     16

typedef struct example_store {
    /* Fill names with up to max target folder names. Returns how many (>= 0), or -1 if the
     * store cannot be read at all. */
    int (*list_targets)(void *ctx, char names[][EXAMPLE_TARGET_NAME_MAX], int max);
    /* Open target/file for reading. Returns a handle and the file's size, or NULL if it does
     * not exist or cannot be opened. */
    void *(*open)(void *ctx, const char *target, const char *file, uint32_t *size);
    /* Read up to len bytes. Returns the count (0 at the end), or -1 on a read error. */
    int32_t (*read)(void *ctx, void *handle, void *buf, uint32_t len);
    void (*close)(void *ctx, void *handle);
    void *ctx;
} example_store_t;

#ifdef __cplusplus
}
#endif

#endif
