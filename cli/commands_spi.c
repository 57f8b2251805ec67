/* SPI flash registers through the chip's SPI controller: read-flash-status, write-flash-status,
 * read-flash-sfdp (esptool's commands of the same names; the library's esploader_spi_flash_cmd
 * runs each flash command). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "util.h"

enum {
    SPI_WRSR = 0x01,
    SPI_WRDI = 0x04,
    SPI_RDSR = 0x05,
    SPI_WREN = 0x06,
    SPI_WRSR3 = 0x11,
    SPI_RDSR3 = 0x15,
    SPI_WRSR2 = 0x31,
    SPI_RDSR2 = 0x35,
    SPI_WEVSR = 0x50,
    SPI_SFDP = 0x5A,
};

static int spi(cli_session_t *s, uint8_t cmd, uint8_t tx_bits, uint32_t tx, uint8_t rx_bits,
               uint32_t *rx)
{
    esploader_spi_cmd_t c = {cmd, 0, 0, tx_bits, rx_bits, 0, tx};
    return esploader_spi_flash_cmd(&s->loader, &c, rx);
}

/* RDSR, RDSR2, RDSR3 for 1-3 bytes, as esptool: the first byte is the low one. */
static int read_status(cli_session_t *s, int bytes, uint32_t *status)
{
    static const uint8_t rd[3] = {SPI_RDSR, SPI_RDSR2, SPI_RDSR3};
    *status = 0;
    for (int i = 0; i < bytes; i++) {
        uint32_t v = 0;
        int rc = spi(s, rd[i], 0, 0, 8, &v);
        if (rc != 0) {
            return rc;
        }
        *status |= (v & 0xFF) << (8 * i);
    }
    return 0;
}

typedef struct spi_args {
    uint32_t value, addr, count;
} spi_args_t;

static spi_args_t g_spi;

static void status_text(char *buf, size_t len, int bytes, uint32_t v)
{
    snprintf(buf, len, "0x%0*x", 2 * bytes, (unsigned)v);
}

int cli_run_read_flash_status(cli_session_t *s, void *ctx)
{
    (void)ctx;
    int bytes = s->o->status_bytes;
    uint32_t st;
    int rc = read_status(s, bytes, &st);
    if (rc != 0) {
        return cli_lib_fail(s, "reading the flash status", rc);
    }
    char t[16];
    status_text(t, sizeof(t), bytes, st);
    cli_info("Flash memory status: %s", t);
    cJSON_AddNumberToObject(cli_result(), "status", st);
    cJSON_AddNumberToObject(cli_result(), "bytes", bytes);
    return CLI_EXIT_OK;
}

int cli_prep_write_flash_status(cli_opts_t *o, void **ctx)
{
    if (!cli_parse_u32(o->pos[0], &g_spi.value) ||
        (o->status_bytes < 3 && g_spi.value >> (8 * o->status_bytes))) {
        cli_error("write-flash-status: VALUE '%s' is not a number of at most %d bytes", o->pos[0],
                  o->status_bytes);
        return CLI_EXIT_USAGE;
    }
    if (g_spi.value > 0xFFFFFFu) {
        cli_error("write-flash-status: VALUE '%s' is more than 3 bytes", o->pos[0]);
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_spi;
    return CLI_EXIT_OK;
}

/* As esptool: WEVSR (volatile) or WREN (--non-volatile) before each write; with 2 bytes a
 * 16-bit WRSR first (some flash takes SR2 that way), then WRSR / WRSR2 / WRSR3 byte by byte;
 * WRDI at the end. */
int cli_run_write_flash_status(cli_session_t *s, void *ctx)
{
    spi_args_t *a = ctx;
    const cli_opts_t *o = s->o;
    int bytes = o->status_bytes;
    uint8_t enable = o->non_volatile ? SPI_WREN : SPI_WEVSR;
    static const uint8_t wr[3] = {SPI_WRSR, SPI_WRSR2, SPI_WRSR3};
    uint32_t before, after;
    char t[16];
    int rc = read_status(s, bytes, &before);
    if (rc == 0) {
        status_text(t, sizeof(t), bytes, before);
        cli_info("Initial flash memory status: %s", t);
        status_text(t, sizeof(t), bytes, a->value);
        cli_info("Setting flash memory status: %s", t);
    }
    if (rc == 0 && bytes == 2 && (rc = spi(s, enable, 0, 0, 0, NULL)) == 0) {
        rc = spi(s, SPI_WRSR, 16, a->value & 0xFFFF, 0, NULL);
    }
    uint32_t v = a->value;
    for (int i = 0; rc == 0 && i < bytes; i++, v >>= 8) {
        if ((rc = spi(s, enable, 0, 0, 0, NULL)) == 0) {
            rc = spi(s, wr[i], 8, v & 0xFF, 0, NULL);
        }
    }
    if (rc == 0) {
        rc = spi(s, SPI_WRDI, 0, 0, 0, NULL);
    }
    if (rc == 0) {
        rc = read_status(s, bytes, &after);
    }
    if (rc != 0) {
        return cli_lib_fail(s, "writing the flash status", rc);
    }
    status_text(t, sizeof(t), bytes, after);
    cli_info("After flash memory status:   %s", t);
    cJSON_AddNumberToObject(cli_result(), "before", before);
    cJSON_AddNumberToObject(cli_result(), "value", a->value);
    cJSON_AddNumberToObject(cli_result(), "after", after);
    cJSON_AddBoolToObject(cli_result(), "non_volatile", o->non_volatile);
    /* Bits the flash keeps fixed (or that need --non-volatile) read back differently. */
    uint32_t mask = bytes == 3 ? 0xFFFFFFu : (1u << (8 * bytes)) - 1u;
    if ((after & mask) != (a->value & mask)) {
        cli_warn("the status reads back as %s, not as written (read-only bits, or the flash "
                 "does not take this write)",
                 t);
    }
    return CLI_EXIT_OK;
}

int cli_prep_read_flash_sfdp(cli_opts_t *o, void **ctx)
{
    if (!cli_parse_u32(o->pos[0], &g_spi.addr) || !cli_parse_u32(o->pos[1], &g_spi.count) ||
        g_spi.count < 1 || g_spi.count > 4 || g_spi.addr > 0xFFFFFFu) {
        cli_error("read-flash-sfdp: expected ADDRESS (24-bit) and BYTES (1-4)");
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_spi;
    return CLI_EXIT_OK;
}

int cli_run_read_flash_sfdp(cli_session_t *s, void *ctx)
{
    spi_args_t *a = ctx;
    esploader_spi_cmd_t c = {SPI_SFDP, 24, 8, 0, (uint8_t)(8 * a->count), a->addr, 0};
    uint32_t v = 0;
    int rc = esploader_spi_flash_cmd(&s->loader, &c, &v);
    if (rc != 0) {
        return cli_lib_fail(s, "reading SFDP", rc);
    }
    char line[64];
    size_t n = 0;
    cJSON *arr = cJSON_AddArrayToObject(cli_result(), "data");
    for (uint32_t i = 0; i < a->count; i++) {
        unsigned b = (v >> (8 * i)) & 0xFF;
        n += (size_t)snprintf(line + n, sizeof(line) - n, "0x%02x ", b);
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(b));
    }
    cli_info("Flash memory SFDP[%u..%u]: %s", (unsigned)a->addr, (unsigned)(a->addr + a->count - 1),
             line);
    cJSON_AddNumberToObject(cli_result(), "address", a->addr);
    return CLI_EXIT_OK;
}
