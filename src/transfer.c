/* The transfer engine (docs/protocol.md §5.4-§5.9): one begin / blocks / end path for plain and
 * compressed flash writes and RAM downloads. */
#include "loader.h"

/*
 * Plain and compressed writes (and RAM downloads) share one path: begin (op = FLASH_BEGIN or
 * FLASH_DEFL_BEGIN), blocks, end. xfer_size = image bytes (what gets verified), xfer_total = bytes
 * on the wire.
 */
int espl_begin(esploader_t *l, uint8_t op, uint32_t offset, uint32_t image_size, uint32_t wire_size,
               uint32_t block_size)
{
    int defl = op == ESP_OP_FLASH_DEFL_BEGIN, mem = op == ESP_OP_MEM_BEGIN;
    uint32_t rom = 0, erase = image_size, blocks;
    int r;

    if (mem) {
        rom = ESP_T_4WORDS; /* RAM: always 4 words, no flash rules, default timeout */
    } else if (!l->stub) {
        rom = espl_flags(l) | ESP_T_ROM;
    }
    if (block_size == 0) {
        block_size = mem ? 0x1800 : rom ? 0x400 : 0x4000; /* = esploader_flash_block_size() */
    }
    if (block_size > 0x4000 || image_size == 0 || wire_size == 0 || offset + image_size < offset) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (rom & ESP_T_ROM) {
        if ((offset & (ESP_SECTOR - 1)) || offset + image_size > ESP_ROM_FLASH_LIMIT) {
            return ESPLOADER_ERR_INVALID_ARG; /* the ROM erases whole sectors, addresses 16 MB */
        }
        if (rom & ESP_T_8266) {
            if (defl) {
                return ESPLOADER_ERR_UNSUPPORTED;
            }
            erase = espl_proto_esp8266_erase_size(offset, image_size);
        } else if (defl) {
            erase = (image_size + 0x3FF) & ~0x3FFu; /* the ROM wants whole KB here */
        }
    }
    blocks = (wire_size + block_size - 1) / block_size;
    l->state = ESP_STATE_IDLE;
    l->resume_offset = offset;
    l->verified = 0;
    /* The ROM erases before answering BEGIN; the stub erases lazily. */
    r = espl_xfer(l,
                  espl_proto_enc_begin(l->cmd, op, erase, blocks, block_size, offset,
                                       !(rom & ESP_T_4WORDS), 0),
                  NULL, 0, 0, 0,
                  (rom & ESP_T_ROM) ? espl_scaled_timeout(erase, 30000) : espl_timeout(l));
    if (r == 0) {
        l->state = defl ? ESP_STATE_DEFL : mem ? ESP_STATE_MEM : ESP_STATE_FLASH;
        l->xfer_offset = offset;
        l->xfer_size = image_size;
        l->xfer_total = wire_size;
        l->xfer_block = block_size;
        l->xfer_seq = 0;
        l->xfer_written = 0;
        /* A compressed block may inflate to much more than its size: budget twice the
         * average (40 s/MB of inflated data, as esptool). */
        l->xfer_timeout =
            defl ? espl_scaled_timeout(image_size / blocks * 2, 40000) : espl_timeout(l);
        esploader_md5_init(&l->md5);
    }
    return r;
}

int esploader_flash_start(esploader_t *l, uint32_t offset, uint32_t image_size, uint32_t block_size)
{
    return espl_begin(l, ESP_OP_FLASH_BEGIN, offset, image_size, image_size, block_size);
}

int esploader_flash_defl_start(esploader_t *l, uint32_t offset, uint32_t image_size,
                               uint32_t compressed_size, uint32_t block_size)
{
    return espl_begin(l, ESP_OP_FLASH_DEFL_BEGIN, offset, image_size, compressed_size, block_size);
}

/* One FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA block. On a rejected block the transfer is over: the
 * ROM's sequence counter has moved on, so the caller restarts at resume_offset. */
int espl_block(esploader_t *l, uint8_t state, const void *data, uint32_t size)
{
    static const uint8_t data_op[] = {0, ESP_OP_FLASH_DATA, ESP_OP_FLASH_DEFL_DATA,
                                      ESP_OP_MEM_DATA};
    int plain = state == ESP_STATE_FLASH, r;
    /* Plain blocks go to a ROM padded with 0xFF to the block size, the last one too (as
     * esptool). The stub writes only the announced bytes, so its short last block stays
     * short: padding would be wire time for nothing (4x for one 4 KB sector). */
    uint32_t pad = plain && !l->stub ? l->xfer_block - size : 0;

    if (l->state != state) {
        return ESPLOADER_ERR_STATE;
    }
    if (data == NULL || size == 0 || size > l->xfer_block ||
        size > l->xfer_total - l->xfer_written) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    r = espl_xfer(l,
                  espl_proto_enc_data_hdr_pad(l->cmd, data_op[state], (const uint8_t *)data, size,
                                              pad, l->xfer_seq),
                  (const uint8_t *)data, size, pad, 0,
                  /* the deadline covers sending too: add the block's worst-case wire time
                   * (every byte escaped, 10 bits each) so slow links do not time out */
                  l->xfer_timeout + (size + pad) * 20000 / l->baud);
    if (r != 0) {
        ESP_LOG(l, ESPLOADER_LOG_WARN, "block failed, seq", l->xfer_seq);
        l->state = ESP_STATE_IDLE;
        /* Plain: from the sector holding the first unwritten byte. Compressed: how much got
         * inflated is unknown host-side, so from the beginning. */
        l->resume_offset =
            plain ? (l->xfer_offset + l->xfer_written) & ~(ESP_SECTOR - 1) : l->xfer_offset;
        return r;
    }
    l->xfer_seq++;
    l->xfer_written += size;
    if (plain) {
        esploader_md5_update(&l->md5, data, size);
        l->resume_offset = l->xfer_offset + l->xfer_written;
    }
    return ESPLOADER_OK;
}

int esploader_flash_write(esploader_t *l, const void *data, uint32_t size)
{
    return espl_block(l, ESP_STATE_FLASH, data, size);
}

int esploader_flash_defl_write(esploader_t *l, const void *data, uint32_t size)
{
    return espl_block(l, ESP_STATE_DEFL, data, size);
}

/* Leave the loader and run the application: ROM FLASH_END(1) (run user code), stub
 * FLASH_END(0) (reboot). The reply may never come: the chip is gone. */
void espl_flash_leave(esploader_t *l, uint8_t end_op)
{
    (void)espl_xfer(l, espl_proto_enc_flash_end(l->cmd, end_op, l->stub ? 0 : 1), NULL, 0, 0, 0,
                    200);
    l->chip = ESPLOADER_CHIP_AUTO;
    l->stub = 0;
}

/* Stub: FLASH_END / FLASH_DEFL_END(1) so that its last write completes (it acks blocks before
 * writing them). Then verify (offset, image size) unless the loader cannot MD5 or flags say no,
 * then optionally leave. */
static int end(esploader_t *l, uint8_t state, const uint8_t *md5, uint32_t flags)
{
    uint8_t end_op = state == ESP_STATE_FLASH ? ESP_OP_FLASH_END : ESP_OP_FLASH_DEFL_END;
    uint8_t digest[16];
    int r = ESPLOADER_OK;

    if (l->state != state || l->xfer_written != l->xfer_total) {
        return ESPLOADER_ERR_STATE;
    }
    l->state = ESP_STATE_IDLE;
    if (l->stub) {
        r = espl_xfer(l, espl_proto_enc_flash_end(l->cmd, end_op, 1), NULL, 0, 0, 0,
                      l->xfer_timeout);
    }
    if (state == ESP_STATE_FLASH) {
        esploader_md5_final(&l->md5, digest);
        md5 = digest;
    }
    if (r == 0 && md5 != NULL && !(flags & ESPLOADER_FINISH_NO_VERIFY)) {
        /* The ESP8266 ROM and SDM cannot MD5: then the write stands unverified. */
        r = esploader_flash_verify_md5(l, l->xfer_offset, l->xfer_size, md5);
        l->verified = r == 0;
        if (r == ESPLOADER_ERR_UNSUPPORTED) {
            r = ESPLOADER_OK;
        }
    }
    if (r == 0 && (flags & ESPLOADER_FINISH_REBOOT)) {
        espl_flash_leave(l, end_op);
    }
    return r;
}

int esploader_flash_finish(esploader_t *l, uint32_t flags)
{
    return end(l, ESP_STATE_FLASH, NULL, flags);
}

int esploader_flash_defl_finish(esploader_t *l, const uint8_t expected_md5[16], uint32_t flags)
{
    return end(l, ESP_STATE_DEFL, expected_md5, flags);
}

int esploader_mem_start(esploader_t *l, uint32_t address, uint32_t size, uint32_t block_size)
{
    return espl_begin(l, ESP_OP_MEM_BEGIN, address, size, size, block_size);
}

int esploader_mem_write(esploader_t *l, const void *data, uint32_t size)
{
    return espl_block(l, ESP_STATE_MEM, data, size);
}

int esploader_mem_finish(esploader_t *l, uint32_t entry)
{
    int r;

    if (l->state != ESP_STATE_MEM && l->state != ESP_STATE_IDLE) {
        return ESPLOADER_ERR_STATE;
    }
    l->state = ESP_STATE_IDLE;
    r = espl_xfer(l, espl_proto_enc_mem_end(l->cmd, entry), NULL, 0, 0, 0,
                  l->stub ? espl_timeout(l) : 200);
    /* A ROM that jumps to the code may reset the UART before the reply drains (§5.4). */
    return l->stub || entry == 0 ? r : ESPLOADER_OK;
}

uint32_t esploader_flash_block_size(const esploader_t *l)
{
    return l->stub ? 0x4000 : 0x400;
}
