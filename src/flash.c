/* Flash writes, plain and compressed, and MD5 verification (PROTOCOL.md §5.5-§5.9, §5.13). */
#include "loader.h"

int esp_flash_begin(esp_loader_t *l, uint8_t op, uint32_t offset, uint32_t size,
                    uint32_t erase_size, uint32_t blocks, uint32_t block_size, uint32_t timeout_ms)
{
    int five = l->stub || !(esp_chip(l)->flags & ESP_T_4WORDS);
    int r;

    l->state = ESP_STATE_IDLE;
    l->resume_offset = offset;
    r = esp_xfer(l,
                 esp_proto_enc_begin(l->cmd, op, erase_size, blocks, block_size, offset, five, 0),
                 NULL, 0, 0, 0, timeout_ms);
    if (r == 0) {
        l->state = op == ESP_OP_FLASH_BEGIN ? ESP_STATE_FLASH : ESP_STATE_DEFL;
        l->xfer_offset = offset;
        l->xfer_size = size;
        l->xfer_block = block_size;
        l->xfer_seq = 0;
        l->xfer_written = 0;
        l->verified = 0;
        esp_loader_md5_init(&l->md5);
    }
    return r;
}

/* Common argument checks of plain and compressed writes; fills in the default block size. */
static int check_start(esp_loader_t *l, uint32_t offset, uint32_t size, uint32_t *block_size)
{
    int r = esp_ready(l);
    if (r != 0) {
        return r;
    }
    if (*block_size == 0) {
        *block_size = l->stub ? 0x4000 : 0x400;
    }
    if (*block_size > 0x4000 || size == 0 || offset + size < offset) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    if (!l->stub && ((offset & (ESP_SECTOR - 1)) || offset + size > ESP_ROM_FLASH_LIMIT)) {
        return ESP_LOADER_ERR_INVALID_ARG; /* the ROM erases whole sectors, addresses 16 MB */
    }
    return ESP_LOADER_OK;
}

int esp_loader_flash_start(esp_loader_t *l, uint32_t offset, uint32_t image_size,
                           uint32_t block_size)
{
    uint32_t erase = image_size;
    int r = check_start(l, offset, image_size, &block_size);

    if (r != 0) {
        return r;
    }
    if (esp_is_8266_rom(l)) {
        erase = esp_proto_esp8266_erase_size(offset, image_size);
    }
    /* The ROM erases before answering; the stub erases lazily. */
    return esp_flash_begin(l, ESP_OP_FLASH_BEGIN, offset, image_size, erase,
                           (image_size + block_size - 1) / block_size, block_size,
                           l->stub ? esp_timeout(l) : esp_scaled_timeout(image_size, 30000));
}

/* One FLASH_DATA / FLASH_DEFL_DATA block. On a rejected block the transfer is over: the ROM's
 * sequence counter has moved on, so the caller restarts at resume_offset. */
static int write_block(esp_loader_t *l, uint8_t op, const uint8_t *data, uint32_t size,
                       uint32_t pad, uint32_t timeout_ms)
{
    int r = esp_xfer(l, esp_proto_enc_data_hdr_pad(l->cmd, op, data, size, pad, l->xfer_seq), data,
                     size, pad, 0, timeout_ms);
    if (r != 0) {
        ESP_LOG(l, ESP_LOADER_LOG_WARN, "block failed, seq", l->xfer_seq);
        l->state = ESP_STATE_IDLE;
        return r;
    }
    l->xfer_seq++;
    return ESP_LOADER_OK;
}

int esp_loader_flash_write(esp_loader_t *l, const void *data, uint32_t size)
{
    int r;

    if (l->state != ESP_STATE_FLASH) {
        return ESP_LOADER_ERR_STATE;
    }
    if (data == NULL || size == 0 || size > l->xfer_block ||
        size > l->xfer_size - l->xfer_written) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    /* Blocks are padded with 0xFF to the block size, the last one too (as esptool does). */
    r = write_block(l, ESP_OP_FLASH_DATA, (const uint8_t *)data, size, l->xfer_block - size,
                    esp_timeout(l));
    if (r != 0) {
        l->resume_offset = (l->xfer_offset + l->xfer_written) & ~(ESP_SECTOR - 1);
        return r;
    }
    esp_loader_md5_update(&l->md5, data, size);
    l->xfer_written += size;
    l->resume_offset = l->xfer_offset + l->xfer_written;
    return ESP_LOADER_OK;
}

/* Stub: FLASH_END / FLASH_DEFL_END(1) so that its last write completes. Both: optional reboot. */
static int finish(esp_loader_t *l, uint8_t end_op, uint32_t timeout_ms)
{
    int r = ESP_LOADER_OK;

    if (l->stub) {
        r = esp_xfer(l, esp_proto_enc_flash_end(l->cmd, end_op, 1), NULL, 0, 0, 0, timeout_ms);
    }
    l->state = ESP_STATE_IDLE;
    return r;
}

/* Leave the loader and run the application: ROM FLASH_END(1) (run user code), stub
 * FLASH_END(0) (reboot). The reply may never come: the chip is gone. */
void esp_flash_leave(esp_loader_t *l, uint8_t end_op)
{
    (void)esp_xfer(l, esp_proto_enc_flash_end(l->cmd, end_op, l->stub ? 0 : 1), NULL, 0, 0, 0, 200);
    l->chip = ESP_LOADER_CHIP_AUTO;
    l->stub = 0;
}

/* Verify (offset, size) against md5 unless the loader cannot MD5 or flags say no. */
static int verify(esp_loader_t *l, uint32_t offset, uint32_t size, const uint8_t *md5,
                  uint32_t flags)
{
    int r = ESP_LOADER_OK;

    if (md5 != NULL && !(flags & ESP_LOADER_FINISH_NO_VERIFY) && !esp_is_8266_rom(l) && !l->sdm) {
        r = esp_loader_flash_verify_md5(l, offset, size, md5);
        l->verified = r == 0;
    }
    return r;
}

int esp_loader_flash_finish(esp_loader_t *l, uint32_t flags)
{
    uint8_t digest[16];
    int r;

    if (l->state != ESP_STATE_FLASH || l->xfer_written != l->xfer_size) {
        return ESP_LOADER_ERR_STATE;
    }
    r = finish(l, ESP_OP_FLASH_END, esp_timeout(l));
    esp_loader_md5_final(&l->md5, digest);
    if (r == 0) {
        r = verify(l, l->xfer_offset, l->xfer_size, digest, flags);
    }
    if (r == 0 && (flags & ESP_LOADER_FINISH_REBOOT)) {
        esp_flash_leave(l, ESP_OP_FLASH_END);
    }
    return r;
}

int esp_loader_flash_defl_start(esp_loader_t *l, uint32_t offset, uint32_t image_size,
                                uint32_t compressed_size, uint32_t block_size)
{
    uint32_t blocks, per_block, size = image_size;
    int r = check_start(l, offset, image_size, &block_size);

    if (r == 0 && compressed_size == 0) {
        r = ESP_LOADER_ERR_INVALID_ARG;
    }
    if (r != 0) {
        return r;
    }
    if (!l->stub && (esp_chip(l)->flags & ESP_T_8266)) {
        return ESP_LOADER_ERR_UNSUPPORTED;
    }
    if (!l->stub) {
        size = (image_size + 0x3FF) & ~0x3FFu; /* the ROM wants whole KB here */
    }
    blocks = (compressed_size + block_size - 1) / block_size;
    r = esp_flash_begin(l, ESP_OP_FLASH_DEFL_BEGIN, offset, image_size, size, blocks, block_size,
                        l->stub ? esp_timeout(l) : esp_scaled_timeout(size, 30000));
    /* What one block may inflate to, for its timeout: the average with a factor 2 margin. */
    per_block = image_size / blocks * 2;
    l->xfer_timeout = esp_scaled_timeout(per_block, 40000);
    l->xfer_total = compressed_size;
    return r;
}

int esp_loader_flash_defl_write(esp_loader_t *l, const void *data, uint32_t size)
{
    int r;

    if (l->state != ESP_STATE_DEFL) {
        return ESP_LOADER_ERR_STATE;
    }
    if (data == NULL || size == 0 || size > l->xfer_block ||
        size > l->xfer_total - l->xfer_written) {
        return ESP_LOADER_ERR_INVALID_ARG;
    }
    r = write_block(l, ESP_OP_FLASH_DEFL_DATA, (const uint8_t *)data, size, 0, l->xfer_timeout);
    if (r == 0) {
        l->xfer_written += size;
    }
    /* How much of the image got written is not known host-side: restart from the beginning. */
    l->resume_offset = l->xfer_offset;
    return r;
}

int esp_loader_flash_defl_finish(esp_loader_t *l, const uint8_t expected_md5[16], uint32_t flags)
{
    int r;

    if (l->state != ESP_STATE_DEFL || l->xfer_written != l->xfer_total) {
        return ESP_LOADER_ERR_STATE;
    }
    r = finish(l, ESP_OP_FLASH_DEFL_END, l->xfer_timeout);
    if (r == 0) {
        r = verify(l, l->xfer_offset, l->xfer_size, expected_md5, flags);
    }
    if (r == 0 && (flags & ESP_LOADER_FINISH_REBOOT)) {
        esp_flash_leave(l, ESP_OP_FLASH_DEFL_END);
    }
    return r;
}

int esp_loader_flash_md5(esp_loader_t *l, uint32_t offset, uint32_t size, uint8_t md5[16])
{
    int r = esp_ready(l);

    if (r != 0) {
        return r;
    }
    if (esp_is_8266_rom(l)) {
        return ESP_LOADER_ERR_UNSUPPORTED;
    }
    r = esp_xfer(l, esp_proto_enc_md5(l->cmd, offset, size), NULL, 0, 0, l->stub ? 16 : 32,
                 esp_scaled_timeout(size, 8000));
    if (r != 0) {
        return r;
    }
    if (l->stub) {
        esp_mem_copy(md5, l->frame + 8, 16);
    } else if (!esp_proto_hex_md5(l->frame + 8, md5)) {
        return ESP_LOADER_ERR_PROTOCOL; /* the ROM sends 32 lowercase hex characters */
    }
    return ESP_LOADER_OK;
}

int esp_loader_flash_verify_md5(esp_loader_t *l, uint32_t offset, uint32_t size,
                                const uint8_t md5[16])
{
    uint8_t got[16];
    int r = esp_loader_flash_md5(l, offset, size, got);

    if (r == 0 && !esp_mem_equal(got, md5, 16)) {
        ESP_LOG(l, ESP_LOADER_LOG_ERROR, "MD5 mismatch at", offset);
        r = ESP_LOADER_ERR_VERIFY;
    }
    return r;
}
