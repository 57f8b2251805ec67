/* SPI flash attach, parameters and JEDEC-id size detection (PROTOCOL.md §5.10, §5.11, §8.2). */
#include "loader.h"

int esp_loader_spi_attach(esp_loader_t *l, uint32_t pin_config)
{
    if (l->chip == ESP_LOADER_CHIP_AUTO) {
        return ESP_LOADER_ERR_STATE;
    }
    if (esp_is_8266_rom(l)) {
        /* No SPI_ATTACH in this ROM: an empty FLASH_BEGIN attaches the flash instead. */
        return esp_cmd(l, esp_proto_enc_begin(l->cmd, ESP_OP_FLASH_BEGIN, 0, 0, 0x400, 0, false, 0),
                       0);
    }
    return esp_cmd(l, esp_proto_enc_spi_attach(l->cmd, pin_config, !l->stub), 0);
}

int esp_loader_flash_set_size(esp_loader_t *l, uint32_t size_bytes)
{
    int r = esp_ready(l);
    if (r == 0 && !esp_is_8266_rom(l)) { /* the ESP8266 ROM has no SPI_SET_PARAMS */
        r = esp_cmd(l, esp_proto_enc_spi_set_params(l->cmd, size_bytes), 0);
    }
    if (r == 0) {
        l->flash_size = size_bytes;
    }
    return r;
}

/* RDID (0x9F, 24 bits in) as a register script on the chip's SPI controller (§8.2): set up and
 * start in one multi-record WRITE_REG, poll, read W0, restore USR / USR2. */
static int read_jedec(esp_loader_t *l, uint32_t *id)
{
    uint8_t flags = esp_flags(l);
    uint32_t base = esp_target_spi(l->chip), usr = base + esp_target_spi_usr(flags);
    uint32_t w0 = base + esp_target_spi_w0(flags), old_usr, old_usr2, v, w[10];
    int r, i, is8266 = flags & ESP_T_8266;

    if ((r = esp_read_reg(l, usr, &old_usr)) != 0 || (r = esp_read_reg(l, usr + 8, &old_usr2))) {
        return r;
    }
    w[0] = usr + (is8266 ? 4 : 0x10); /* ESP8266: lengths live in USR1; else MISO_DLEN */
    w[1] = is8266 ? (24 - 1) << 8 : 24 - 1;
    w[2] = usr;
    w[3] = 1u << 31 | 1u << 28; /* COMMAND | MISO */
    w[4] = usr + 8;
    w[5] = 7u << 28 | 0x9F; /* 8-bit command RDID */
    w[6] = w0;
    w[7] = 0;
    w[8] = base;
    w[9] = 1u << 18; /* CMD.USR: go */
    r = esp_write_regs(l, w, 5);
    for (i = 0; r == 0; i++) {
        r = esp_read_reg(l, base, &v);
        if (r == 0 && !(v & (1u << 18))) {
            break;
        }
        if (i == 9) {
            r = ESP_LOADER_ERR_TIMEOUT; /* SPI command did not complete */
        }
    }
    if (r == 0) {
        r = esp_read_reg(l, w0, id);
    }
    w[0] = usr;
    w[1] = old_usr;
    w[2] = usr + 8;
    w[3] = old_usr2;
    return r != 0 ? r : esp_write_regs(l, w, 2);
}

int esp_loader_flash_detect_size(esp_loader_t *l, uint32_t *size_bytes, uint32_t *jedec_id)
{
    uint32_t id = 0, size;
    int r = esp_ready(l);

    if (r == 0 && l->sdm) {
        return ESP_LOADER_ERR_UNSUPPORTED; /* registers are off limits in SDM */
    }
    if (r != 0 || (r = read_jedec(l, &id)) != 0) {
        return r;
    }
    id &= 0xFFFFFF;
    if (jedec_id != NULL) {
        *jedec_id = id;
    }
    size = esp_target_flash_size_from_id(id);
    ESP_LOG(l, ESP_LOADER_LOG_INFO, "flash JEDEC id", id);
    if (size == 0) {
        ESP_LOG(l, ESP_LOADER_LOG_ERROR, "bad/unknown flash id", id);
        return ESP_LOADER_ERR_PROTOCOL; /* never a guessed size */
    }
    if (size_bytes != NULL) {
        *size_bytes = size;
    }
    return ESP_LOADER_OK;
}
