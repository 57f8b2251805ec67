/* The core's compact chip table (expanded from ESP_CHIP_TABLE) and lookups on it. */
#include "targets.h"

#include <stddef.h>

#define ESP_COMPACT(chip, name, magic, id, boot, mac, date, spi, flags)                            \
    {magic, mac, spi, id, flags},

static const esp_target_t targets[ESP_LOADER_CHIP_COUNT - 1] = {ESP_CHIP_TABLE(ESP_COMPACT)};

const esp_target_t *esp_target(esp_loader_chip_t chip)
{
    if (chip <= ESP_LOADER_CHIP_AUTO || chip >= ESP_LOADER_CHIP_COUNT) {
        return NULL;
    }
    return &targets[chip - 1];
}

uint32_t esp_target_spi_usr(const esp_target_t *t)
{
    return t->flags & ESP_T_4WORDS ? 0x1C : 0x18; /* ESP8266 / ESP32 vs. the newer layout */
}

uint32_t esp_target_spi_w0(const esp_target_t *t)
{
    return t->flags & ESP_T_8266 ? 0x40 : t->flags & ESP_T_4WORDS ? 0x80 : 0x58;
}

esp_loader_chip_t esp_target_find(uint32_t v, int by_id)
{
    int i;
    for (i = 0; i < ESP_LOADER_CHIP_COUNT - 1; i++) {
        const esp_target_t *t = &targets[i];
        if (by_id ? (t->magic == 0 && t->image_id == v) : (t->magic != 0 && t->magic == v)) {
            return (esp_loader_chip_t)(i + 1);
        }
    }
    return ESP_LOADER_CHIP_AUTO;
}

uint32_t esp_target_flash_size_from_id(uint32_t id)
{
    uint32_t cap = (id >> 16) & 0xFF;

    id &= 0xFFFFFF;
    if (id == 0xFFFFFF || id == 0 || id == 0xFFFF3F) {
        return 0;
    }
    if ((id & 0xFF) == 0x1F) {
        /* Adesto: size code in the low 5 bits of the device byte, 4 = 512 KB ... 9 = 16 MB */
        uint32_t code = (id >> 8) & 0x1F;
        return (code >= 4 && code <= 9) ? 0x80000u << (code - 4) : 0;
    }
    if (cap >= 0x12 && cap <= 0x1C) {
        return 0x40000u << (cap - 0x12); /* 0x12 = 256 KB ... 0x1C = 256 MB */
    }
    if (cap >= 0x32 && cap <= 0x3A) {
        return 0x40000u << (cap - 0x32);
    }
    if (cap >= 0x20 && cap <= 0x22) {
        return 0x4000000u << (cap - 0x20); /* 0x20 = 64 MB ... 0x22 = 256 MB */
    }
    return 0;
}
