/* The public per-chip facts (esploader_chip_info_t), expanded from ESP_CHIP_TABLE. A separate
 * file so that programs which never ask for names and offsets do not link them. */
#include <stddef.h>

#include "targets.h"

#define ESP_PUBLIC(chip, name, magic, id, boot, mac, date, spi, f)                                 \
    {name,                                                                                         \
     magic,                                                                                        \
     id,                                                                                           \
     boot,                                                                                         \
     mac,                                                                                          \
     date,                                                                                         \
     (f)&ESP_T_8266 ? 2 : 4,                                                                       \
     (f)&ESP_T_4WORDS ? 4 : 5,                                                                     \
     !((f)&ESP_T_8266),                                                                            \
     !((f)&ESP_T_8266),                                                                            \
     !((f)&ESP_T_8266),                                                                            \
     !((f)&ESP_T_8266),                                                                            \
     !((f)&ESP_T_NOSEC)},

static const esploader_chip_info_t info[ESPLOADER_CHIP_COUNT - 1] = {ESP_CHIP_TABLE(ESP_PUBLIC)};

const esploader_chip_info_t *esploader_chip_info(esploader_chip_t chip)
{
    if (chip <= ESPLOADER_CHIP_AUTO || chip >= ESPLOADER_CHIP_COUNT) {
        return NULL;
    }
    return &info[chip - 1];
}

esploader_chip_t esploader_chip_from_image_id(uint16_t image_chip_id)
{
    int i;
    if (image_chip_id == 0xFFFF) {
        return ESPLOADER_CHIP_AUTO; /* the ESP8266 has no extended header to carry an id */
    }
    for (i = 0; i < ESPLOADER_CHIP_COUNT - 1; i++) {
        if (info[i].image_chip_id == image_chip_id) {
            return (esploader_chip_t)(i + 1);
        }
    }
    return ESPLOADER_CHIP_AUTO;
}

/* Next character that counts in a chip name: '-' and '_' are skipped, letters folded to lower
 * case (ASCII by hand: the core calls no libc beyond mem*). */
static char name_char(const char **p)
{
    char c;
    while (**p == '-' || **p == '_') {
        (*p)++;
    }
    c = **p;
    if (c != '\0') {
        (*p)++;
    }
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

esploader_chip_t esploader_chip_from_name(const char *name)
{
    int i;
    for (i = 0; name != NULL && i < ESPLOADER_CHIP_COUNT - 1; i++) {
        const char *a = info[i].name, *b = name;
        char ca, cb;
        do {
            ca = name_char(&a);
            cb = name_char(&b);
        } while (ca == cb && ca != '\0');
        if (ca == cb) {
            return (esploader_chip_t)(i + 1);
        }
    }
    return ESPLOADER_CHIP_AUTO;
}
