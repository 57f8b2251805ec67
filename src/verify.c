/* Flash MD5 and verification (docs/protocol.md §5.13). */
#include "loader.h"

int esploader_flash_md5(esploader_t *l, uint32_t offset, uint32_t size, uint8_t md5[16])
{
    int r;

    if (espl_is_8266_rom(l)) {
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    r = espl_xfer(l, espl_proto_enc_md5(l->cmd, offset, size), NULL, 0, 0, l->stub ? 16 : 32,
                  espl_scaled_timeout(size, 8000));
    if (r != 0) {
        return r;
    }
    if (l->stub) {
        espl_mem_copy(md5, l->frame + 8, 16);
    } else if (!espl_proto_hex_md5(l->frame + 8, md5)) {
        return ESPLOADER_ERR_PROTOCOL; /* the ROM sends 32 lowercase hex characters */
    }
    return ESPLOADER_OK;
}

int esploader_flash_verify_md5(esploader_t *l, uint32_t offset, uint32_t size,
                               const uint8_t md5[16])
{
    uint8_t got[16];
    int r = esploader_flash_md5(l, offset, size, got);

    if (r == 0 && !espl_mem_equal(got, md5, 16)) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "MD5 mismatch at", offset);
        r = ESPLOADER_ERR_VERIFY;
    }
    return r;
}

int esploader_flash_verify_buffer(esploader_t *l, uint32_t offset, const void *data, uint32_t size)
{
    uint8_t md5[16];
    esploader_md5(data, size, md5);
    return esploader_flash_verify_md5(l, offset, size, md5);
}
