/* Flash read: stub stream (§5.17) and ROM slow read (§5.15). */
#include "loader.h"

#define READ_PACKET 0x1000u

static int read_stream(esploader_t *l, uint32_t offset, uint8_t *buf, uint32_t size)
{
    uint8_t digest[16];
    uint32_t got = 0;
    int r = espl_cmd(l, espl_proto_enc_read_flash(l->cmd, offset, size, READ_PACKET, 64), 0);

    esploader_md5_init(&l->md5);
    while (r == 0 && got < size) {
        uint32_t want = size - got < READ_PACKET ? size - got : READ_PACKET;
        /* Raw data frames decode straight into the caller's buffer. */
        espl_slip_dec_set_buf(&l->slip, buf + got, want);
        r = espl_read_frame(l, espl_now(l) + espl_timeout(l) + want * 20000 / l->baud);
        espl_slip_dec_set_buf(&l->slip, l->frame, sizeof(l->frame));
        if (r >= 0 && (uint32_t)r != want) {
            r = ESPLOADER_ERR_PROTOCOL; /* only the last frame may be short */
        }
        if (r >= 0) {
            esploader_md5_update(&l->md5, buf + got, want);
            got += want;
            /* flow control: acknowledge with the total received so far */
            espl_put_le32(l->cmd, got);
            r = espl_send(l, 4, NULL, 0, 0, espl_now(l) + espl_timeout(l));
        }
    }
    if (r == 0) {
        r = espl_read_frame(l, espl_now(l) + espl_timeout(l));
        esploader_md5_final(&l->md5, digest);
        if (r >= 0) {
            r = (r == 16 && espl_mem_equal(l->frame, digest, 16)) ? 0 : ESPLOADER_ERR_VERIFY;
        }
    }
    if (r != 0) {
        espl_drain(l, 100); /* the stub may still be streaming */
    }
    return r;
}

int esploader_flash_read(esploader_t *l, uint32_t offset, void *buf, uint32_t size)
{
    uint8_t *out = (uint8_t *)buf;
    uint32_t done;
    int r = 0;

    if (buf == NULL || size == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (l->stub) {
        return read_stream(l, offset, out, size);
    }
    if ((espl_flags(l) & ESP_T_8266)) {
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    /* Nothing protects the ROM's 64-byte replies on the wire: check the whole range against
     * the chip's MD5 of it at the end, so corruption is an error, never silently wrong data. */
    esploader_md5_init(&l->md5);
    for (done = 0; done < size && r == 0; done += 64) {
        uint32_t n = size - done < 64 ? size - done : 64;
        r = espl_cmd(l, espl_proto_enc_read_flash_slow(l->cmd, offset + done, n), 64);
        espl_mem_copy(out + done, l->frame + 8, n);
        esploader_md5_update(&l->md5, out + done, n);
    }
    if (r == 0) {
        uint8_t digest[16];
        esploader_md5_final(&l->md5, digest);
        r = esploader_flash_verify_md5(l, offset, size, digest);
    }
    return r;
}
