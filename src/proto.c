/* Command encoders and response decoder (docs/protocol.md §2-§5): explicit little-endian bytes. */
#include "proto.h"

void espl_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void espl_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint32_t espl_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint16_t espl_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

void espl_mem_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    while (n--) {
        *d++ = *s++;
    }
}

/* GCC would turn this loop back into a memset() call, the very thing it is here to avoid. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void espl_mem_fill(void *dst, uint8_t v, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    while (n--) {
        *d++ = v;
    }
}

bool espl_mem_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    while (n--) {
        if (*x++ != *y++) {
            return false;
        }
    }
    return true;
}

uint8_t espl_proto_checksum(const uint8_t *data, size_t len, uint8_t seed)
{
    while (len--) {
        seed ^= *data++;
    }
    return seed;
}

void espl_proto_header(uint8_t out[8], uint8_t op, uint16_t size, uint32_t checksum)
{
    out[0] = 0x00;
    out[1] = op;
    espl_put_le16(out + 2, size);
    espl_put_le32(out + 4, checksum);
}

/* Header plus n payload words: the shape of almost every command. */
size_t espl_proto_enc_words(uint8_t *out, uint8_t op, const uint32_t *words, size_t n)
{
    size_t i;
    espl_proto_header(out, op, (uint16_t)(n * 4), 0);
    for (i = 0; i < n; i++) {
        espl_put_le32(out + 8 + 4 * i, words[i]);
    }
    return 8 + 4 * n;
}

size_t espl_proto_enc_sync(uint8_t out[8 + 36])
{
    static const uint8_t magic[4] = {0x07, 0x07, 0x12, 0x20};
    espl_proto_header(out, ESP_OP_SYNC, 36, 0);
    espl_mem_copy(out + 8, magic, 4);
    espl_mem_fill(out + 12, 0x55, 32);
    return 8 + 36;
}

size_t espl_proto_enc_read_reg(uint8_t out[8 + 4], uint32_t addr)
{
    return espl_proto_enc_words(out, ESP_OP_READ_REG, &addr, 1);
}

size_t espl_proto_enc_write_reg(uint8_t out[8 + 16], uint32_t addr, uint32_t value, uint32_t mask,
                                uint32_t delay_us)
{
    const uint32_t w[4] = {addr, value, mask, delay_us};
    return espl_proto_enc_words(out, ESP_OP_WRITE_REG, w, 4);
}

size_t espl_proto_enc_begin(uint8_t out[8 + 20], uint8_t op, uint32_t size, uint32_t blocks,
                            uint32_t block_size, uint32_t offset, bool five_words,
                            uint32_t encrypted)
{
    const uint32_t w[5] = {size, blocks, block_size, offset, encrypted};
    return espl_proto_enc_words(out, op, w, five_words ? 5 : 4);
}

size_t espl_proto_enc_flash_end(uint8_t out[8 + 4], uint8_t op, uint32_t flag)
{
    return espl_proto_enc_words(out, op, &flag, 1);
}

size_t espl_proto_enc_mem_end(uint8_t out[8 + 8], uint32_t entry)
{
    const uint32_t w[2] = {entry == 0 ? 1u : 0u, entry};
    return espl_proto_enc_words(out, ESP_OP_MEM_END, w, 2);
}

size_t espl_proto_enc_data_hdr_pad(uint8_t out[8 + 16], uint8_t op, const uint8_t *data,
                                   uint32_t len, uint32_t pad, uint32_t seq)
{
    const uint32_t w[4] = {len + pad, seq, 0, 0};
    uint8_t sum = espl_proto_checksum(data, len, ESP_PROTO_CHECKSUM_SEED);
    if (pad & 1) {
        sum ^= 0xFF; /* XOR of an even number of 0xFF bytes is 0 */
    }
    espl_proto_enc_words(out, op, w, 4);
    espl_proto_header(out, op, (uint16_t)(16 + len + pad), sum);
    return 8 + 16;
}

size_t espl_proto_enc_data_hdr(uint8_t out[8 + 16], uint8_t op, const uint8_t *data, uint32_t len,
                               uint32_t seq)
{
    return espl_proto_enc_data_hdr_pad(out, op, data, len, 0, seq);
}

size_t espl_proto_enc_spi_attach(uint8_t out[8 + 8], uint32_t config, bool rom)
{
    const uint32_t w[2] = {config, 0};
    return espl_proto_enc_words(out, ESP_OP_SPI_ATTACH, w, rom ? 2 : 1);
}

size_t espl_proto_enc_spi_set_params(uint8_t out[8 + 24], uint32_t total_size)
{
    const uint32_t w[6] = {0, total_size, 0x10000, 0x1000, 0x100, 0xFFFF};
    return espl_proto_enc_words(out, ESP_OP_SPI_SET_PARAMS, w, 6);
}

size_t espl_proto_enc_change_baud(uint8_t out[8 + 8], uint32_t new_baud, uint32_t old_baud)
{
    const uint32_t w[2] = {new_baud, old_baud};
    return espl_proto_enc_words(out, ESP_OP_CHANGE_BAUDRATE, w, 2);
}

size_t espl_proto_enc_md5(uint8_t out[8 + 16], uint32_t addr, uint32_t size)
{
    const uint32_t w[4] = {addr, size, 0, 0};
    return espl_proto_enc_words(out, ESP_OP_SPI_FLASH_MD5, w, 4);
}

size_t espl_proto_enc_read_flash_slow(uint8_t out[8 + 8], uint32_t addr, uint32_t len)
{
    const uint32_t w[2] = {addr, len};
    return espl_proto_enc_words(out, ESP_OP_READ_FLASH_SLOW, w, 2);
}

size_t espl_proto_enc_read_flash(uint8_t out[8 + 16], uint32_t addr, uint32_t len,
                                 uint32_t packet_size, uint32_t max_in_flight)
{
    const uint32_t w[4] = {addr, len, packet_size, max_in_flight};
    return espl_proto_enc_words(out, ESP_OP_READ_FLASH, w, 4);
}

size_t espl_proto_enc_erase_region(uint8_t out[8 + 8], uint32_t addr, uint32_t size)
{
    const uint32_t w[2] = {addr, size};
    return espl_proto_enc_words(out, ESP_OP_ERASE_REGION, w, 2);
}

size_t espl_proto_enc_simple(uint8_t out[8], uint8_t op)
{
    return espl_proto_enc_words(out, op, NULL, 0);
}

espl_proto_resp_status_t espl_proto_parse_resp(const uint8_t *frame, size_t len, size_t resp_len,
                                               espl_proto_resp_t *out)
{
    size_t n;
    const uint8_t *d;

    if (len < ESP_PROTO_HDR_LEN || frame[0] != 0x01) {
        return ESP_PROTO_RESP_NOT_RESP;
    }
    out->op = frame[1];
    out->size = espl_get_le16(frame + 2);
    out->value = espl_get_le32(frame + 4);
    d = frame + ESP_PROTO_HDR_LEN;
    n = len - ESP_PROTO_HDR_LEN;
    if (out->size < n) {
        n = out->size; /* trailing bytes beyond the announced size are not ours to read */
    }
    out->data = d;
    out->data_len = 0;
    out->status = 0;
    out->reason = 0;
    if (out->size > len - ESP_PROTO_HDR_LEN) {
        return ESP_PROTO_RESP_SHORT; /* truncated: the frame ended before its announced size */
    }
    if (n >= resp_len + 2) {
        out->data_len = (uint16_t)resp_len;
        out->status = d[resp_len];
        out->reason = d[resp_len + 1];
        return ESP_PROTO_RESP_OK;
    }
    /* Too short for the result: a failing loader may send just its status (esptool looks at
     * data[0:2] then). A zero first byte there is not a valid answer. */
    if (n >= 2) {
        out->status = d[0];
        out->reason = d[1];
    }
    return (n >= 2 && d[0] != 0) ? ESP_PROTO_RESP_OK : ESP_PROTO_RESP_SHORT;
}

bool espl_proto_is_unsupported(const espl_proto_resp_t *r, uint8_t req_op)
{
    return r->op != req_op && r->status == 1 && r->reason == 0x05;
}

uint32_t espl_proto_esp8266_erase_size(uint32_t offset, uint32_t size)
{
    const uint32_t sector = 4096, per_block = 16;
    uint32_t n = (size + sector - 1) / sector;
    uint32_t head = per_block - (offset / sector) % per_block;

    if (n < head) {
        head = n;
    }
    if (n < 2 * head) {
        return (n + 1) / 2 * sector;
    }
    return (n - head) * sector;
}

bool espl_proto_hex_md5(const uint8_t hex[32], uint8_t out[16])
{
    unsigned i;
    for (i = 0; i < 32; i++) {
        unsigned v = hex[i] - (unsigned)'0';
        if (v > 9) {
            v = (hex[i] | 0x20u) - (unsigned)'a' + 10; /* either case */
            if (v < 10 || v > 15) {
                return false;
            }
        }
        out[i / 2] = (uint8_t)((unsigned)out[i / 2] << 4 | v);
    }
    return true;
}
