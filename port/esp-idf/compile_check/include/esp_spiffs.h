/*
 * STAND-IN for ESP-IDF, used ONLY by the compile check (port/esp-idf/compile_check). It
 * declares just the few ESP-IDF names the ESP-IDF port and example use, written from the
 * ESP-IDF API reference, so CI can compile them without ESP-IDF. It is not ESP-IDF, is never
 * linked, and says nothing about whether the code works on hardware.
 */
#ifndef STANDIN_ESP_SPIFFS_H
#define STANDIN_ESP_SPIFFS_H

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"

typedef struct {
    const char *base_path;
    const char *partition_label;
    size_t max_files;
    bool format_if_mount_failed;
} esp_vfs_spiffs_conf_t;

esp_err_t esp_vfs_spiffs_register(const esp_vfs_spiffs_conf_t *conf);

#endif
