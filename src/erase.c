/* Chip and region erase (docs/protocol.md §5.16). */
#include "loader.h"

int esploader_flash_erase(esploader_t *l)
{
    if (!l->stub && l->chip != ESPLOADER_CHIP_AUTO) {
        return ESPLOADER_ERR_UNSUPPORTED; /* chip erase is a stub command */
    }
    return espl_xfer(l, espl_proto_enc_simple(l->cmd, ESP_OP_ERASE_FLASH), NULL, 0, 0, 0, 120000);
}

int esploader_flash_erase_region(esploader_t *l, uint32_t offset, uint32_t size)
{
    int r;

    if (((offset | size) & (ESP_SECTOR - 1)) || size == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (l->stub) {
        return espl_xfer(l, espl_proto_enc_erase_region(l->cmd, offset, size), NULL, 0, 0, 0,
                         espl_scaled_timeout(size, 30000));
    }
    /* The ROM erases at FLASH_BEGIN: begin a write and send nothing. */
    r = esploader_flash_start(l, offset, size, 0);
    l->state = ESP_STATE_IDLE;
    return r;
}
