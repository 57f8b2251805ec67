#include "chipname.h"

#include <strings.h>

static const char *const slugs[ESPLOADER_CHIP_COUNT] = {
    [ESPLOADER_CHIP_AUTO] = "auto",         [ESPLOADER_CHIP_ESP8266] = "esp8266",
    [ESPLOADER_CHIP_ESP32] = "esp32",       [ESPLOADER_CHIP_ESP32S2] = "esp32s2",
    [ESPLOADER_CHIP_ESP32S3] = "esp32s3",   [ESPLOADER_CHIP_ESP32C2] = "esp32c2",
    [ESPLOADER_CHIP_ESP32C3] = "esp32c3",   [ESPLOADER_CHIP_ESP32C5] = "esp32c5",
    [ESPLOADER_CHIP_ESP32C6] = "esp32c6",   [ESPLOADER_CHIP_ESP32C61] = "esp32c61",
    [ESPLOADER_CHIP_ESP32H2] = "esp32h2",   [ESPLOADER_CHIP_ESP32P4] = "esp32p4",
    [ESPLOADER_CHIP_ESP32S31] = "esp32s31", [ESPLOADER_CHIP_ESP32E22] = "esp32e22",
    [ESPLOADER_CHIP_ESP32H21] = "esp32h21", [ESPLOADER_CHIP_ESP32H4] = "esp32h4",
};

bool cli_chip_parse(const char *name, esploader_chip_t *out)
{
    esploader_chip_t chip = esploader_chip_from_name(name);
    if (chip == ESPLOADER_CHIP_AUTO && strcasecmp(name, "auto") != 0) {
        return false;
    }
    *out = chip;
    return true;
}

const char *cli_chip_slug(esploader_chip_t chip)
{
    if ((int)chip < 0 || chip >= ESPLOADER_CHIP_COUNT) {
        return "unknown";
    }
    return slugs[chip];
}

const char *cli_chip_name(esploader_chip_t chip)
{
    const esploader_chip_info_t *info = esploader_chip_info(chip);
    return info ? info->name : (chip == ESPLOADER_CHIP_AUTO ? "auto" : "unknown");
}
