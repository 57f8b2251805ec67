/* SPI flash attach, parameters and JEDEC-id size detection (docs/protocol.md §5.10, §5.11, §8.2).
 */
#include "loader.h"

int esploader_spi_attach(esploader_t *l, uint32_t pin_config)
{
    if (espl_is_8266_rom(l)) {
        /* No SPI_ATTACH in this ROM: an empty FLASH_BEGIN attaches the flash instead. */
        return espl_cmd(
            l, espl_proto_enc_begin(l->cmd, ESP_OP_FLASH_BEGIN, 0, 0, 0x400, 0, false, 0), 0);
    }
    return espl_cmd(l, espl_proto_enc_spi_attach(l->cmd, pin_config, !l->stub), 0);
}

int esploader_flash_set_size(esploader_t *l, uint32_t size_bytes)
{
    int r = 0;
    if (!espl_is_8266_rom(l)) { /* the ESP8266 ROM has no SPI_SET_PARAMS */
        r = espl_cmd(l, espl_proto_enc_spi_set_params(l->cmd, size_bytes), 0);
    }
    if (r == 0) {
        l->flash_size = size_bytes;
    }
    return r;
}

/* SPI register offsets from the controller base per layout (§8.2): the data-length register
 * (ESP8266: USR1, which holds the lengths; others: MISO_DLEN), USR, USR2, W0, CMD. */
static const uint8_t spi_regs[3][5] = {
    {0x20, 0x1C, 0x24, 0x40, 0x00}, /* ESP8266 */
    {0x2C, 0x1C, 0x24, 0x80, 0x00}, /* ESP32 */
    {0x28, 0x18, 0x20, 0x58, 0x00}, /* ESP32-S2 and later */
};
/* What the script writes there: 24 bits in, COMMAND | MISO, 8-bit command RDID, W0 = 0, go. */
static const uint32_t spi_vals[5] = {24 - 1, 1u << 31 | 1u << 28, 7u << 28 | 0x9F, 0, 1u << 18};

/* RDID (0x9F) as a register script on the chip's SPI controller: save USR / USR2, set up and
 * start in one multi-record WRITE_REG, poll CMD, read W0, restore. */
static int read_jedec(esploader_t *l, uint32_t *id)
{
    uint8_t flags = espl_flags(l);
    const uint8_t *reg = spi_regs[flags & ESP_T_8266 ? 0 : flags & ESP_T_4WORDS ? 1 : 2];
    uint32_t base = espl_target_spi(l->chip), w[10], usr, usr2, v;
    int r, i;

    for (i = 0; i < 5; i++) {
        w[2 * i] = base + reg[i];
        w[2 * i + 1] = spi_vals[i];
    }
    if (flags & ESP_T_8266) {
        w[1] <<= 8; /* the read length sits at bit 8 of USR1 */
    }
    if ((r = espl_read_reg(l, w[2], &usr)) != 0 || (r = espl_read_reg(l, w[4], &usr2)) != 0) {
        return r;
    }
    r = espl_write_regs(l, w, 5);
    for (i = 0; r == 0; i++) {
        r = espl_read_reg(l, base, &v);
        if (r == 0 && !(v & (1u << 18))) {
            break;
        }
        if (i == 9) {
            r = ESPLOADER_ERR_TIMEOUT; /* SPI command did not complete */
        }
    }
    if (r == 0) {
        r = espl_read_reg(l, w[6], id);
    }
    w[0] = w[2];
    w[1] = usr;
    w[2] = w[4];
    w[3] = usr2;
    return r != 0 ? r : espl_write_regs(l, w, 2);
}

int esploader_flash_detect_size(esploader_t *l, uint32_t *size_bytes, uint32_t *jedec_id)
{
    uint32_t id = 0, size;
    int r = espl_ready(l);

    if (r == 0 && l->sdm) {
        return ESPLOADER_ERR_UNSUPPORTED; /* registers are off limits in SDM */
    }
    if (r != 0 || (r = read_jedec(l, &id)) != 0) {
        return r;
    }
    id &= 0xFFFFFF;
    if (jedec_id != NULL) {
        *jedec_id = id;
    }
    size = espl_target_flash_size_from_id(id);
    ESP_LOG(l, ESPLOADER_LOG_INFO, "flash JEDEC id", id);
    if (size == 0) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "bad/unknown flash id", id);
        return ESPLOADER_ERR_PROTOCOL; /* never a guessed size */
    }
    if (size_bytes != NULL) {
        *size_bytes = size;
    }
    return ESPLOADER_OK;
}
