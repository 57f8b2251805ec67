#include "chipname.h"

#include <strings.h>

static const char *const slugs[ESP_LOADER_CHIP_COUNT] = {
    [ESP_LOADER_CHIP_AUTO] = "auto",       [ESP_LOADER_CHIP_ESP8266] = "esp8266",
    [ESP_LOADER_CHIP_ESP32] = "esp32",     [ESP_LOADER_CHIP_ESP32S2] = "esp32s2",
    [ESP_LOADER_CHIP_ESP32S3] = "esp32s3", [ESP_LOADER_CHIP_ESP32C2] = "esp32c2",
    [ESP_LOADER_CHIP_ESP32C3] = "esp32c3", [ESP_LOADER_CHIP_ESP32C5] = "esp32c5",
    [ESP_LOADER_CHIP_ESP32C6] = "esp32c6", [ESP_LOADER_CHIP_ESP32C61] = "esp32c61",
    [ESP_LOADER_CHIP_ESP32H2] = "esp32h2", [ESP_LOADER_CHIP_ESP32P4] = "esp32p4",
};

bool cli_chip_parse(const char *name, esp_loader_chip_t *out)
{
    esp_loader_chip_t chip = esp_loader_chip_from_name(name);
    if (chip == ESP_LOADER_CHIP_AUTO && strcasecmp(name, "auto") != 0) {
        return false;
    }
    *out = chip;
    return true;
}

const char *cli_chip_slug(esp_loader_chip_t chip)
{
    if ((int)chip < 0 || chip >= ESP_LOADER_CHIP_COUNT) {
        return "unknown";
    }
    return slugs[chip];
}

const char *cli_chip_name(esp_loader_chip_t chip)
{
    const esp_loader_chip_info_t *info = esp_loader_chip_info(chip);
    return info ? info->name : (chip == ESP_LOADER_CHIP_AUTO ? "auto" : "unknown");
}
