/*
 * Command encoders and response decoders (docs/protocol.md §2-§5). Explicit little-endian, no
 * packed structs, no I/O. Encoders write the unescaped packet (8-byte header + payload) into
 * out and return its length; data-carrying commands write only header + sub-header and the
 * caller streams the data after them.
 */
#ifndef ESP_PROTO_H
#define ESP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    ESP_OP_FLASH_BEGIN = 0x02,
    ESP_OP_FLASH_DATA = 0x03,
    ESP_OP_FLASH_END = 0x04,
    ESP_OP_MEM_BEGIN = 0x05,
    ESP_OP_MEM_END = 0x06,
    ESP_OP_MEM_DATA = 0x07,
    ESP_OP_SYNC = 0x08,
    ESP_OP_WRITE_REG = 0x09,
    ESP_OP_READ_REG = 0x0A,
    ESP_OP_SPI_SET_PARAMS = 0x0B,
    ESP_OP_SPI_ATTACH = 0x0D,
    ESP_OP_READ_FLASH_SLOW = 0x0E,
    ESP_OP_CHANGE_BAUDRATE = 0x0F,
    ESP_OP_FLASH_DEFL_BEGIN = 0x10,
    ESP_OP_FLASH_DEFL_DATA = 0x11,
    ESP_OP_FLASH_DEFL_END = 0x12,
    ESP_OP_SPI_FLASH_MD5 = 0x13,
    ESP_OP_GET_SECURITY_INFO = 0x14,
    ESP_OP_ERASE_FLASH = 0xD0,
    ESP_OP_ERASE_REGION = 0xD1,
    ESP_OP_READ_FLASH = 0xD2,
    ESP_OP_RUN_USER_CODE = 0xD3,
};

#define ESP_PROTO_HDR_LEN       8
#define ESP_PROTO_DATA_HDR_LEN  16 /* data-packet sub-header */
#define ESP_PROTO_CHECKSUM_SEED 0xEF

void espl_put_le32(uint8_t *p, uint32_t v);
void espl_put_le16(uint8_t *p, uint16_t v);
uint32_t espl_get_le32(const uint8_t *p);
uint16_t espl_get_le16(const uint8_t *p);

/* Byte helpers used instead of string.h, so the core links no libc routine at all (newlib's
 * memcpy/memset/memcmp/strlen together cost ~780 bytes on Cortex-M). */
void espl_mem_copy(void *dst, const void *src, size_t n);
void espl_mem_fill(void *dst, uint8_t v, size_t n);
bool espl_mem_equal(const void *a, const void *b, size_t n);

/* 0xEF XOR every byte (§2.3). */
uint8_t espl_proto_checksum(const uint8_t *data, size_t len, uint8_t seed);

/* The 8-byte command header. */
void espl_proto_header(uint8_t out[8], uint8_t op, uint16_t size, uint32_t checksum);

/* Header + n little-endian payload words (the shape of most commands). Returns 8 + 4n. */
size_t espl_proto_enc_words(uint8_t *out, uint8_t op, const uint32_t *words, size_t n);

/* Whole packets (header + payload). Return the packet length. */
size_t espl_proto_enc_sync(uint8_t out[8 + 36]);
size_t espl_proto_enc_read_reg(uint8_t out[8 + 4], uint32_t addr);
/* One WRITE_REG record (address, value, mask, delay_us). */
size_t espl_proto_enc_write_reg(uint8_t out[8 + 16], uint32_t addr, uint32_t value, uint32_t mask,
                                uint32_t delay_us);
/* FLASH_BEGIN / FLASH_DEFL_BEGIN / MEM_BEGIN: 4 words, plus the 5th "encrypted" word when
 * five_words (ESP32-S2+ ROM, every stub). */
size_t espl_proto_enc_begin(uint8_t out[8 + 20], uint8_t op, uint32_t size, uint32_t blocks,
                            uint32_t block_size, uint32_t offset, bool five_words,
                            uint32_t encrypted);
/* FLASH_END / FLASH_DEFL_END: one word; MEM_END: two words (flag, entry) with
 * flag = (entry == 0). */
size_t espl_proto_enc_flash_end(uint8_t out[8 + 4], uint8_t op, uint32_t flag);
size_t espl_proto_enc_mem_end(uint8_t out[8 + 8], uint32_t entry);
/* Header + 16-byte sub-header of FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA for data[0..len);
 * the checksum over data goes in the header. The caller sends data (and any padding, which
 * must be included in len and in the checksum) right after. Returns 24. */
size_t espl_proto_enc_data_hdr(uint8_t out[8 + 16], uint8_t op, const uint8_t *data, uint32_t len,
                               uint32_t seq);
/* Same, for data followed by pad bytes of 0xFF (uncompressed flash blocks are padded to the
 * block size): length field and checksum cover data and padding. Returns 24. */
size_t espl_proto_enc_data_hdr_pad(uint8_t out[8 + 16], uint8_t op, const uint8_t *data,
                                   uint32_t len, uint32_t pad, uint32_t seq);
size_t espl_proto_enc_spi_attach(uint8_t out[8 + 8], uint32_t config, bool rom);
size_t espl_proto_enc_spi_set_params(uint8_t out[8 + 24], uint32_t total_size);
/* ROM: old_baud must be 0; stub: the current baud. */
size_t espl_proto_enc_change_baud(uint8_t out[8 + 8], uint32_t new_baud, uint32_t old_baud);
size_t espl_proto_enc_md5(uint8_t out[8 + 16], uint32_t addr, uint32_t size);
size_t espl_proto_enc_read_flash_slow(uint8_t out[8 + 8], uint32_t addr, uint32_t len);
size_t espl_proto_enc_read_flash(uint8_t out[8 + 16], uint32_t addr, uint32_t len,
                                 uint32_t packet_size, uint32_t max_in_flight);
size_t espl_proto_enc_erase_region(uint8_t out[8 + 8], uint32_t addr, uint32_t size);
/* Commands with no payload: GET_SECURITY_INFO, ERASE_FLASH, RUN_USER_CODE. */
size_t espl_proto_enc_simple(uint8_t out[8], uint8_t op);

/* A decoded response (§2.2). */
typedef struct {
    uint8_t op;
    uint16_t size;       /* the header's size field */
    uint32_t value;      /* sticky on ROMs: only meaningful for READ_REG and SYNC */
    const uint8_t *data; /* result bytes (resp_len of them), points into the frame */
    uint16_t data_len;
    uint8_t status; /* first status byte: 0 = success */
    uint8_t reason; /* second status byte */
} espl_proto_resp_t;

typedef enum {
    ESP_PROTO_RESP_OK = 0,        /* well-formed response, status bytes read */
    ESP_PROTO_RESP_NOT_RESP = -1, /* shorter than 8 bytes or direction != 1: skip it */
    ESP_PROTO_RESP_SHORT = -2,    /* too short for resp_len + 2 status bytes */
} espl_proto_resp_status_t;

/*
 * Decode a frame. resp_len = result bytes the command returns before the status bytes
 * (0, 16, 20/12, 32, 64). Only the first two status bytes are examined (ROM bytes 2-3 are
 * stale leftovers on real chips); the size field is checked against the frame length.
 */
espl_proto_resp_status_t espl_proto_parse_resp(const uint8_t *frame, size_t len, size_t resp_len,
                                               espl_proto_resp_t *out);

/* The "unsupported command" reply: an opcode other than req_op with status 1 / reason 0x05
 * (the real ROMs re-send their last reply header under the stale opcode). */
bool espl_proto_is_unsupported(const espl_proto_resp_t *r, uint8_t req_op);

/* ESP8266 ROM erase-size workaround (§5.5.1). */
uint32_t espl_proto_esp8266_erase_size(uint32_t offset, uint32_t size);

/* Decode the ROM's 32 lowercase hex MD5 characters into 16 bytes; false if not hex. */
bool espl_proto_hex_md5(const uint8_t hex[32], uint8_t out[16]);

#endif
