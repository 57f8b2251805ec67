/* Registers, MAC and security info (docs/protocol.md §5.2, §5.3, §5.14, §8.3). */
#include "loader.h"

int espl_read_reg(esploader_t *l, uint32_t addr, uint32_t *value)
{
    int r = espl_cmd(l, espl_proto_enc_read_reg(l->cmd, addr), 0);
    *value = l->value; /* the only reply besides SYNC whose value field means something */
    return r;
}

int espl_write_regs(esploader_t *l, const uint32_t *addr_value, unsigned n)
{
    unsigned i = n;

    /* Each record is encoded as a one-record packet 16 bytes further on; going backwards, a
     * record's 8 header bytes land on the previous record's mask / delay, which the previous
     * record's own encoding then rewrites. The real header goes on last. */
    while (i-- > 0) {
        espl_proto_enc_write_reg(l->cmd + 16 * i, addr_value[2 * i], addr_value[2 * i + 1],
                                 0xFFFFFFFF, 0);
    }
    espl_proto_header(l->cmd, ESP_OP_WRITE_REG, (uint16_t)(16 * n), 0);
    return espl_cmd(l, 8 + 16 * n, 0);
}

int esploader_read_register(esploader_t *l, uint32_t address, uint32_t *value)
{
    return value == NULL ? ESPLOADER_ERR_INVALID_ARG : espl_read_reg(l, address, value);
}

int esploader_write_register(esploader_t *l, uint32_t address, uint32_t value)
{
    return esploader_write_register_masked(l, address, value, 0xFFFFFFFF, 0);
}

int esploader_write_register_masked(esploader_t *l, uint32_t address, uint32_t value, uint32_t mask,
                                    uint32_t delay_us)
{
    return espl_cmd(l, espl_proto_enc_write_reg(l->cmd, address, value, mask, delay_us), 0);
}

int esploader_read_mac(esploader_t *l, uint8_t mac[6])
{
    uint32_t w[3] = {0, 0, 0}, reg, is8266, oui;
    int r = espl_ready(l), i;

    if (r != 0) {
        return r;
    }
    reg = espl_target_mac(l->chip);
    is8266 = espl_flags(l) & ESP_T_8266; /* 1: ESP8266, 0: the rest */
    /* ESP32+: two words from MAC_EFUSE_REG; ESP8266: OTP MAC0, MAC1 and MAC3 */
    for (i = 0; r == 0 && i < 2 + (int)is8266; i++) {
        r = espl_read_reg(l, reg + 4u * (uint32_t)i + (i == 2 ? 4u : 0u), &w[i]);
    }
    if (r != 0) {
        return r;
    }
    if (is8266) {
        oui = w[2] & 0xFFFFFF;
        if (oui == 0) {
            uint32_t kind = (w[1] >> 16) & 0xFF;
            if (kind > 1) {
                return ESPLOADER_ERR_PROTOCOL; /* eFuse holds no OUI we know */
            }
            oui = kind == 0 ? 0x18FE34 : 0xACD074;
        }
        /* the same 48-bit packing as below: OUI, MAC1 bits 15:0, MAC0 bits 31:24 */
        w[0] = oui << 24 | (w[1] & 0xFFFF) << 8 | w[0] >> 24;
        w[1] = oui >> 8;
    }
    /* bytes 2..7 of the big-endian packing of word1:word0 */
    mac[0] = (uint8_t)(w[1] >> 8);
    mac[1] = (uint8_t)w[1];
    for (i = 0; i < 4; i++) {
        mac[2 + i] = (uint8_t)(w[0] >> (24 - 8 * i));
    }
    return ESPLOADER_OK;
}

int esploader_get_security_info(esploader_t *l, esploader_security_info_t *info)
{
    const uint8_t *d = l->frame + 8;
    int r;

    if (espl_flags(l) & ESP_T_NOSEC) {
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    r = espl_cmd(l, espl_proto_enc_simple(l->cmd, ESP_OP_GET_SECURITY_INFO), ESP_RESP_VAR);
    if (r == 0 && l->rlen < 12) {
        r = ESPLOADER_ERR_PROTOCOL;
    }
    if (r != 0) {
        return r;
    }
    espl_mem_fill(info, 0, sizeof(*info));
    info->flags = espl_get_le32(d);
    info->flash_crypt_cnt = d[4];
    espl_mem_copy(info->key_purposes, d + 5, 7);
    if (l->rlen >= 20) {
        info->chip_id = espl_get_le32(d + 12);
        info->eco_version = espl_get_le32(d + 16);
        info->has_chip_id = true;
    }
    return ESPLOADER_OK;
}
