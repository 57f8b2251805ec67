/* The core's view of the chip table (expanded from ESP_CHIP_TABLE, one array per column). */
#include "targets.h"

#include <stddef.h>

#define ESP_COL_MAGIC(chip, name, magic, id, boot, mac, date, spi, flags) magic,
#define ESP_COL_ID(chip, name, magic, id, boot, mac, date, spi, flags)    (uint8_t)(id),
#define ESP_COL_FLAGS(chip, name, magic, id, boot, mac, date, spi, flags) flags,
#define ESP_COL_MAC(chip, name, magic, id, boot, mac, date, spi, flags)   mac,
#define ESP_COL_SPI(chip, name, magic, id, boot, mac, date, spi, flags)   spi,

#define CHIPS (ESPLOADER_CHIP_COUNT - 1)
/* Magic values of the first rows only (ESP_CHIP_TABLE_MAGIC); the others have none. */
static const uint32_t col_magic[] = {ESP_CHIP_TABLE_MAGIC(ESP_COL_MAGIC)};
#define MAGIC_CHIPS ((int)(sizeof(col_magic) / sizeof(col_magic[0])))
/* Chip ids of the rows after them (ESP_CHIP_TABLE_ID), the ones detected by chip id. */
static const uint8_t col_id[] = {ESP_CHIP_TABLE_ID(ESP_COL_ID)};
static const uint8_t col_flags[CHIPS] = {ESP_CHIP_TABLE(ESP_COL_FLAGS)};
static const uint32_t col_mac[CHIPS] = {ESP_CHIP_TABLE(ESP_COL_MAC)};
static const uint32_t col_spi[CHIPS] = {ESP_CHIP_TABLE(ESP_COL_SPI)};

uint8_t espl_target_flags(esploader_chip_t chip)
{
    return chip != ESPLOADER_CHIP_AUTO ? col_flags[chip - 1] : 0;
}

uint32_t espl_target_mac(esploader_chip_t chip)
{
    return col_mac[chip - 1];
}

uint32_t espl_target_spi(esploader_chip_t chip)
{
    return col_spi[chip - 1];
}

esploader_chip_t espl_target_find(uint32_t v, int by_id)
{
    int i;
    for (i = 0; i < CHIPS; i++) {
        if (i < MAGIC_CHIPS ? (!by_id && col_magic[i] == v)
                            : (by_id && col_id[i - MAGIC_CHIPS] == v)) {
            return (esploader_chip_t)(i + 1);
        }
    }
    return ESPLOADER_CHIP_AUTO;
}

uint32_t espl_target_flash_size_from_id(uint32_t id)
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
