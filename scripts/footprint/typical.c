/* Footprint program 1, the typical flow: connect, flash write with MD5 verify, reset. */
#include "null_port.h"

int main(void)
{
    esp_loader_config_t cfg;
    esp_loader_t l;
    uint8_t block[1024];
    uint32_t off;
    int rc;

    null_port_config(&cfg);
    for (off = 0; off < sizeof(block); off++)
        block[off] = (uint8_t)off;
    rc = esp_loader_init(&l, &cfg);
    if (rc == ESP_LOADER_OK)
        rc = esp_loader_connect(&l);
    if (rc == ESP_LOADER_OK)
        rc = esp_loader_flash_start(&l, 0x10000, 64 * 1024, 0);
    for (off = 0; rc == ESP_LOADER_OK && off < 64 * 1024; off += sizeof(block))
        rc = esp_loader_flash_write(&l, block, sizeof(block));
    if (rc == ESP_LOADER_OK)
        rc = esp_loader_flash_finish(&l, 0);
    if (rc == ESP_LOADER_OK)
        rc = esp_loader_reset_target(&l);
    return rc;
}
