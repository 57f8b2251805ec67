/* Flash read (stub stream §5.17, ROM slow read §5.15) and erase (§5.16). */
#include "loader.h"

#define READ_PACKET 0x1000u

static int read_stream(esp_loader_t *l, uint32_t offset, uint8_t *buf, uint32_t size)
{
    uint8_t digest[16];
    uint32_t got = 0;
    int r = esp_cmd(l, esp_proto_enc_read_flash(l->cmd, offset, size, READ_PACKET, 64), 0);

    esp_loader_md5_init(&l->md5);
    while (r == 0 && got < size) {
        uint32_t want = size - got < READ_PACKET ? size - got : READ_PACKET;
        /* Raw data frames decode straight into the caller's buffer. */
        esp_slip_dec_set_buf(&l->slip, buf + got, want);
        r = esp_read_frame(l, esp_now(l) + esp_timeout(l) + want * 20000 / l->baud);
        esp_slip_dec_set_buf(&l->slip, l->frame, sizeof(l->frame));
        if (r >= 0 && (uint32_t)r != want) {
            r = ESP_LOADER_ERR_PROTOCOL; /* only the last frame may be short */
        }
        if (r >= 0) {
            esp_loader_md5_update(&l->md5, buf + got, want);
            got += want;
            /* flow control: acknowledge with the total received so far */
            esp_put_le32(l->cmd, got);
            r = esp_send(l, 4, NULL, 0, 0, esp_now(l) + esp_timeout(l));
        }
    }
    if (r == 0) {
        r = esp_read_frame(l, esp_now(l) + esp_timeout(l));
        esp_loader_md5_final(&l->md5, digest);
        if (r >= 0) {
            r = (r == 16 && esp_mem_equal(l->frame, digest, 16)) ? 0 : ESP_LOADER_ERR_VERIFY;
        }
    }
    if (r != 0) {
        esp_drain(l, 100); /* the stub may still be streaming */
    }
    return r;
}

int esp_loader_flash_read(esp_loader_t *l, uint32_t offset, void *buf, uint32_t size)
{
    uint8_t *out = (uint8_t *)buf;
    uint32_t done;
    int r = 0;

    if (buf == NULL || size == 0) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    if (l->stub) {
        return read_stream(l, offset, out, size);
    }
    if ((esp_flags(l) & ESP_T_8266)) {
        return ESP_LOADER_ERR_UNSUPPORTED;
    }
    /* Nothing protects the ROM's 64-byte replies on the wire: check the whole range against
     * the chip's MD5 of it at the end, so corruption is an error, never silently wrong data. */
    esp_loader_md5_init(&l->md5);
    for (done = 0; done < size && r == 0; done += 64) {
        uint32_t n = size - done < 64 ? size - done : 64;
        r = esp_cmd(l, esp_proto_enc_read_flash_slow(l->cmd, offset + done, n), 64);
        esp_mem_copy(out + done, l->frame + 8, n);
        esp_loader_md5_update(&l->md5, out + done, n);
    }
    if (r == 0) {
        uint8_t digest[16];
        esp_loader_md5_final(&l->md5, digest);
        r = esp_loader_flash_verify_md5(l, offset, size, digest);
    }
    return r;
}

int esp_loader_flash_erase(esp_loader_t *l)
{
    if (!l->stub && l->chip != ESP_LOADER_CHIP_AUTO) {
        return ESP_LOADER_ERR_UNSUPPORTED; /* chip erase is a stub command */
    }
    return esp_xfer(l, esp_proto_enc_simple(l->cmd, ESP_OP_ERASE_FLASH), NULL, 0, 0, 0, 120000);
}

int esp_loader_flash_erase_region(esp_loader_t *l, uint32_t offset, uint32_t size)
{
    int r;

    if (((offset | size) & (ESP_SECTOR - 1)) || size == 0) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    if (l->stub) {
        return esp_xfer(l, esp_proto_enc_erase_region(l->cmd, offset, size), NULL, 0, 0, 0,
                        esp_scaled_timeout(size, 30000));
    }
    /* The ROM erases at FLASH_BEGIN: begin a write and send nothing. */
    r = esp_loader_flash_start(l, offset, size, 0);
    l->state = ESP_STATE_IDLE;
    return r;
}
