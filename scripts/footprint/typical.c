/* Footprint program 1, the typical flow: connect, flash write with MD5 verify, reset. */
#include "null_port.h"

int main(void)
{
    esploader_config_t cfg;
    esploader_t l;
    uint8_t block[1024];
    uint32_t off;
    int rc;

    null_port_config(&cfg);
    for (off = 0; off < sizeof(block); off++)
        block[off] = (uint8_t)off;
    rc = esploader_init(&l, &cfg);
    if (rc == ESPLOADER_OK)
        rc = esploader_connect(&l);
    if (rc == ESPLOADER_OK)
        rc = esploader_flash_start(&l, 0x10000, 64 * 1024, 0);
    for (off = 0; rc == ESPLOADER_OK && off < 64 * 1024; off += sizeof(block))
        rc = esploader_flash_write(&l, block, sizeof(block));
    if (rc == ESPLOADER_OK)
        rc = esploader_flash_finish(&l, 0);
    if (rc == ESPLOADER_OK)
        rc = esploader_reset_target(&l);
    return rc;
}
