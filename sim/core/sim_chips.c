/*
 * One personality per chip, as data. Sources: docs/protocol.md §8 (ids, registers, eFuse layout,
 * SPI map, bootloader offset), the ESP32 / ESP32-C3 ROM traces (magic 0x19F1506F on the C3,
 * banners, APB_CTRL_DATE, SPI register reset values), DESIGN.md §4 (timing). eFuse words are
 * chosen so that esptool-style decoding yields a plausible, distinct MAC and a sane revision;
 * where a value is ours and not the silicon's, docs/simulator.md says so.
 */
#include "sim_internal.h"

#include <stddef.h>

/* ESP8266: OTP MAC words; (MAC1 >> 16) & 0xFF == 0 selects OUI 18:FE:34 -> 18:fe:34:a1:b2:c3. */
static const sim_reg_default_t regs_esp8266[] = {
    {0x3FF00050, 0xC3000000},
    {0x3FF00054, 0x0000A1B2},
    {0x3FF00058, 0x00000000},
    {0x3FF0005C, 0x00000000},
    {0, 0},
};

/* ESP32: MAC 24:0a:c4:12:34:56 (word2 low 16 bits = bytes 0-1, word1 = bytes 2-5).
 * Revision v3.0: w3[15] = 1, w5[20] = 1, APB_CTRL_DATE[31] = 1 (date value from the trace).
 * word4 low byte (ck8m) and RTCCALICFG1 make esptool's ROM-clock estimate exactly 40 MHz,
 * so the baud it asks for is the baud it gets. */
static const sim_reg_default_t regs_esp32[] = {
    {0x3FF5A004, 0xC4123456}, {0x3FF5A008, 0x0000240A}, {0x3FF5A00C, 0x00008000},
    {0x3FF5A010, 0x00000064}, {0x3FF5A014, 0x00100000}, {0x3FF6607C, 0x96042000},
    {0x3FF5F06C, 1024u << 7}, {0x3FF42024, 0x40000000}, {0, 0},
};

/* ESP32-S2: MAC 7c:df:a1:02:03:04, v1.0 (BLOCK1 w3[19:18] = 1). */
static const sim_reg_default_t regs_esp32s2[] = {
    {0x3F41A044, 0xA1020304},
    {0x3F41A048, 0x00007CDF},
    {0x3F41A050, 0x00040000},
    {0, 0},
};

/* ESP32-S3: MAC f4:12:fa:05:06:07, v0.2 (w3[20:18] = 2). */
static const sim_reg_default_t regs_esp32s3[] = {
    {0x60007044, 0xFA050607},
    {0x60007048, 0x0000F412},
    {0x60007050, 0x00080000},
    {0, 0},
};

/* ESP32-C3: MAC 58:cf:79:08:09:10, v0.4 (w3[20:18] = 4). SPI USER reset value from the trace. */
static const sim_reg_default_t regs_esp32c3[] = {
    {0x60008844, 0x79080910},
    {0x60008848, 0x000058CF},
    {0x60008850, 0x00100000},
    {0x60002018, 0x000000C0},
    {0, 0},
};

/* ESP32-C2: MAC 10:97:bd:0a:0b:0c; revision in the MAC word: w1[21:20] = 1 -> v1.0. */
static const sim_reg_default_t regs_esp32c2[] = {
    {0x60008840, 0xBD0A0B0C},
    {0x60008844, 0x00101097},
    {0, 0},
};

/* ESP32-C6: MAC 40:4c:ca:0d:0e:0f, MAC_EXT ff:fe, v0.1 (w3[21:18] = 1). */
static const sim_reg_default_t regs_esp32c6[] = {
    {0x600B0844, 0xCA0D0E0F},
    {0x600B0848, 0xFFFE404C},
    {0x600B0850, 0x00040000},
    {0, 0},
};

/* ESP32-H2: MAC 60:55:f9:11:12:13, MAC_EXT ff:fe, v0.1 (w3[20:18] = 1). */
static const sim_reg_default_t regs_esp32h2[] = {
    {0x600B0844, 0xF9111213},
    {0x600B0848, 0xFFFE6055},
    {0x600B0850, 0x00040000},
    {0, 0},
};

/* ESP32-C5: MAC 3c:84:27:14:15:16, MAC_EXT ff:fe, v1.0 (w2[5:4] = 1). */
static const sim_reg_default_t regs_esp32c5[] = {
    {0x600B4844, 0x27141516},
    {0x600B4848, 0xFFFE3C84},
    {0x600B484C, 0x00000010},
    {0, 0},
};

/* ESP32-C61: MAC d4:f9:8d:17:18:19, v1.0 (w2[5:4] = 1). */
static const sim_reg_default_t regs_esp32c61[] = {
    {0x600B4844, 0x8D171819},
    {0x600B4848, 0xFFFED4F9},
    {0x600B484C, 0x00000010},
    {0, 0},
};

/* ESP32-P4: MAC 30:ed:a0:1a:1b:1c, v1.0 (w2[5:4] = 1). */
static const sim_reg_default_t regs_esp32p4[] = {
    {0x5012D044, 0xA01A1B1C},
    {0x5012D048, 0x000030ED},
    {0x5012D04C, 0x00000010},
    {0, 0},
};

/* The four chips esptool 5.3 added (values are ours, layout from esptool's targets/ files):
 * ESP32-S31: MAC 84:f7:03:1d:1e:1f, v0.1 (BLOCK1 w3[21:18] = 1, w3[23:22] = 0). */
static const sim_reg_default_t regs_esp32s31[] = {
    {0x20715050, 0x031D1E1F},
    {0x20715054, 0x000084F7},
    {0x2071505C, 0x00040000},
    {0, 0},
};

/* ESP32-E22: MAC a0:85:e3:20:21:22 (esptool reads no revision from it yet). */
static const sim_reg_default_t regs_esp32e22[] = {
    {0xC4008044, 0xE3202122},
    {0xC4008048, 0x0000A085},
    {0, 0},
};

/* ESP32-H21: MAC 74:4d:bd:23:24:25, MAC_EXT ff:fe, v0.1 (BLOCK1 w5[7:4] = 1). */
static const sim_reg_default_t regs_esp32h21[] = {
    {0x600B4044, 0xBD232425},
    {0x600B4048, 0xFFFE744D},
    {0x600B4058, 0x00000010},
    {0, 0},
};

/* ESP32-H4: MAC 98:a3:16:26:27:28, MAC_EXT ff:fe, v0.1 (BLOCK1 w3[21:18] = 1). */
static const sim_reg_default_t regs_esp32h4[] = {
    {0x600B1844, 0x16262728},
    {0x600B1848, 0xFFFE98A3},
    {0x600B1850, 0x00040000},
    {0, 0},
};

/*
 * Rows name a per-ROM-generation base first and then only what differs from it. A later
 * designated initializer overrides an earlier one for the same field (C99 6.7.9p19), which
 * is exactly "base row, then the differences"; the compilers' warning about it is off here.
 */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Winitializer-overrides"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

/* Flash and ROM timing (microseconds unless the name says ns per byte). ESP32 and ESP8266 are
 * fitted to the DESIGN.md §4 measurements (see docs/simulator.md); the other chips use the
 * ESP32 figures except where a measurement exists (C6 sector erase). */
#define T_ESP32_FIELDS                                                                             \
    .sector_erase_us = 45000, .block_erase_us = 325000, .rom_page_us = 500, .rom_block_us = 7000,  \
    .stub_page_us = 1000, .stub_inflate_ns_pb = 800, .stub_read_pkt_us = 26000, .cmd_us = 100,     \
    .md5_ns_pb = 1000, .boot_us = 20000

#define SPI_OLD(base, w0)                                                                          \
    {                                                                                              \
        base, 0x1C, 0x20, 0x24, 0x28, 0x2C, w0, true                                               \
    }
#define SPI_NEW(base)                                                                              \
    {                                                                                              \
        base, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, false                                            \
    }

#define ESP_ROM_BANNER(rom, build, boot, wait)                                                     \
    "ESP-ROM:" rom "\r\nBuild:" build "\r\nrst:0x1 (POWERON),boot:" boot "\r\n" wait "\r\n"
/* The three banners of an "ESP-ROM:" generation chip, from its ROM name, build date, the
 * download and run boot strings and its software-reset cause. */
#define ESP_ROM_BANNERS(rom, build, dl, run, sw)                                                   \
    .banner_download = ESP_ROM_BANNER(rom, build, dl, "waiting for download"),                     \
    .banner_run = ESP_ROM_BANNER(rom, build, run, ""),                                             \
    .banner_sw_reset = "ESP-ROM:" rom "\r\nBuild:" build "\r\nrst:0x3 (" sw "),boot:" dl           \
                       "\r\nwaiting for download\r\n"

/* ESP32 ROM generation (ESP32, ESP32-S2 and later): 4 status bytes, the full command set,
 * auto-baud from 115200, the ESP32's timing. */
#define GEN_ESP32                                                                                  \
    .rom_status_len = 4, .begin_words = 4, .rom_full_cmds = true, .secinfo_len = 0,                \
    .data_nobegin_err = 0x05, .sdm_capable = false, .bootloader_offset = 0x0, .boot_baud = 115200, \
    .uart_clkdiv_addr = 0x60000014, .uart_clk_hz = 40000000, .uart_date_addr = 0x60000078,         \
    .strap_addr = 0, .strap_dl = 0, .strap_run = 0, .key_purpose_last = 0, .secinfo_api = 0,       \
    .t = {T_ESP32_FIELDS}

/* ESP32-S2 and later ("ESP-ROM:" banners): FLASH_BEGIN takes 5 words, GET_SECURITY_INFO with
 * the chip id (20 bytes), Secure Download Mode, FLASH_DATA without BEGIN is error 0x64, the
 * RISC-V chips' UART date register. */
#define GEN_ESP_ROM                                                                                \
    GEN_ESP32, .begin_words = 5, .secinfo_len = 20, .data_nobegin_err = 0x64, .sdm_capable = true, \
               .uart_date_addr = 0x6000007C

#define CHIP(sym, nm, k) .id = SIM_CHIP_##sym, .name = nm, .key = k

static const sim_chip_info_t chips[SIM_CHIP_COUNT] = {
    [SIM_CHIP_ESP8266] =
        {
            CHIP(ESP8266, "ESP8266", "esp8266"),
            GEN_ESP32,
            .magic = 0xFFF0C101,
            .image_id = 0,
            .rom_status_len = 2,
            .rom_full_cmds = false,
            .boot_baud = 74880,
            .uart_clk_hz = 52000000,
            .spi = {0x60000200, 0x1C, 0x20, 0x24, 0, 0, 0x40, true},
            .regs = regs_esp8266,
            .banner_download = "\r\n ets Jan  8 2013,rst cause:1, boot mode:(1,7)\r\n\r\n",
            .banner_run = "\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,7)\r\n\r\n",
            .banner_sw_reset = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\n",
            .t = {T_ESP32_FIELDS, .rom_page_us = 450, .rom_block_us = 3900},
        },
    [SIM_CHIP_ESP32] =
        {
            CHIP(ESP32, "ESP32", "esp32"),
            GEN_ESP32,
            .magic = 0x00F01D83,
            .image_id = 0,
            .bootloader_offset = 0x1000,
            .uart_clkdiv_addr = 0x3FF40014,
            .strap_addr = 0x3FF44038,
            .strap_dl = 0x0F,
            .strap_run = 0x13,
            .spi = SPI_OLD(0x3FF42000, 0x80),
            .regs = regs_esp32,
            .banner_download = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0xf "
                               "(UART_BOOT(UART0))\r\n",
            .banner_run = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 "
                          "(SPI_FAST_FLASH_BOOT)\r\n",
            .banner_sw_reset = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x3 (SW_RESET),boot:0xf "
                               "(UART_BOOT(UART0))\r\n",
        },
    [SIM_CHIP_ESP32S2] =
        {
            CHIP(ESP32S2, "ESP32-S2", "esp32s2"),
            GEN_ESP_ROM,
            .magic = 0x000007C6,
            .image_id = 2,
            .secinfo_len = 12,
            .bootloader_offset = 0x1000,
            .uart_clkdiv_addr = 0x3F400014,
            .uart_date_addr = 0x60000078,
            .strap_addr = 0x3F404038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x3F402000),
            .regs = regs_esp32s2,
            ESP_ROM_BANNERS("esp32s2-rc4-20191025", "Oct 25 2019", "0x0 (DOWNLOAD(USB/UART0/1))",
                            "0x8 (SPI_FAST_FLASH_BOOT)", "RTC_SW_SYS_RST"),
        },
    [SIM_CHIP_ESP32S3] =
        {
            CHIP(ESP32S3, "ESP32-S3", "esp32s3"),
            GEN_ESP_ROM,
            .magic = 0x00000009,
            .image_id = 9,
            .uart_date_addr = 0x60000080,
            .strap_addr = 0x60004038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32s3,
            ESP_ROM_BANNERS("esp32s3-20210327", "Mar 27 2021", "0x0 (DOWNLOAD(USB/UART0))",
                            "0x8 (SPI_FAST_FLASH_BOOT)", "RTC_SW_SYS_RST"),
        },
    [SIM_CHIP_ESP32C2] =
        {
            CHIP(ESP32C2, "ESP32-C2", "esp32c2"),
            GEN_ESP_ROM,
            .magic = 0x6F51306F,
            .image_id = 12,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32c2,
            ESP_ROM_BANNERS("esp8684-api2-20220127", "Jan 27 2022", "0x4 (DOWNLOAD(UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "RTC_SW_SYS_RST"),
        },
    [SIM_CHIP_ESP32C3] =
        {
            CHIP(ESP32C3, "ESP32-C3", "esp32c3"),
            GEN_ESP_ROM,
            .magic = 0x19F1506F,
            .image_id = 5,
            .strap_addr = 0x60004038,
            .strap_dl = 0x2,
            .strap_run = 0xc,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32c3,
            .key_purpose_last = 0x0c,
            .secinfo_api = 1,
            /* from the C3 ROM trace, which differs from the generation's wording */
            .banner_download = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 "
                               "2022\r\nrst:0x1 (POWERON),boot:0x2 "
                               "(UART0_BOOT)\r\nwait uart0 download\r\n",
            .banner_run = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 2022\r\nrst:0x1 "
                          "(POWERON),boot:0xc "
                          "(SPI_FAST_FLASH_BOOT)\r\n",
            .banner_sw_reset = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 "
                               "2022\r\nrst:0x3 (RTC_SW_SYS_RST),"
                               "boot:0x2 (UART0_BOOT)\r\nwait uart0 download\r\n",
        },
    [SIM_CHIP_ESP32C5] =
        {
            CHIP(ESP32C5, "ESP32-C5", "esp32c5"),
            GEN_ESP_ROM,
            .magic = 0x1101406F,
            .image_id = 23,
            .bootloader_offset = 0x2000,
            .uart_clk_hz = 48000000,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c5,
            ESP_ROM_BANNERS("esp32c5-eco2-20250121", "Jan 21 2025",
                            "0x18 (DOWNLOAD(USB/UART0/SPI))", "0x38 (SPI_FAST_FLASH_BOOT)",
                            "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32C6] =
        {
            CHIP(ESP32C6, "ESP32-C6", "esp32c6"),
            GEN_ESP_ROM,
            .magic = 0x2CE0806F,
            .image_id = 13,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c6,
            ESP_ROM_BANNERS("esp32c6-20220919", "Sep 19 2022",
                            "0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))", "0xc (SPI_FAST_FLASH_BOOT)",
                            "SW_SYS_RESET"),
            .t = {T_ESP32_FIELDS, .sector_erase_us = 58000},
        },
    [SIM_CHIP_ESP32C61] =
        {
            CHIP(ESP32C61, "ESP32-C61", "esp32c61"),
            GEN_ESP_ROM,
            .magic = 0x33F0206F,
            .image_id = 20,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c61,
            ESP_ROM_BANNERS("esp32c61-20240926", "Sep 26 2024", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32H2] =
        {
            CHIP(ESP32H2, "ESP32-H2", "esp32h2"),
            GEN_ESP_ROM,
            .magic = 0xD7B73E80,
            .image_id = 16,
            .uart_clk_hz = 32000000,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32h2,
            ESP_ROM_BANNERS("esp32h2-20221101", "Nov  1 2022", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32P4] =
        {
            CHIP(ESP32P4, "ESP32-P4", "esp32p4"),
            GEN_ESP_ROM,
            .magic = 0x0ADDBAD0,
            .image_id = 18,
            .bootloader_offset = 0x2000,
            .uart_clkdiv_addr = 0x500CA014,
            .uart_date_addr = 0x500CA08C,
            .strap_addr = 0x500E0038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x5008D000),
            .regs = regs_esp32p4,
            ESP_ROM_BANNERS("esp32p4-eco2-20240710", "Jul 10 2024", "0x4 (DOWNLOAD(USB/UART0/SPI))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    /* esptool >= 5 tells these four apart by GET_SECURITY_INFO only and never reads the magic
     * register; no value is known, the sim answers 0 there (sim choice). ROM names and dates in
     * the banners are ours. */
    [SIM_CHIP_ESP32S31] =
        {
            CHIP(ESP32S31, "ESP32-S31", "esp32s31"),
            GEN_ESP_ROM,
            .magic = 0,
            .image_id = 32,
            .bootloader_offset = 0x2000,
            .uart_date_addr = 0x2038A08C,
            .spi = SPI_NEW(0x20501000),
            .regs = regs_esp32s31,
            ESP_ROM_BANNERS("esp32s31-20250801", "Aug  1 2025", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32E22] =
        {
            CHIP(ESP32E22, "ESP32-E22", "esp32e22"),
            GEN_ESP_ROM,
            .magic = 0,
            .image_id = 31,
            .uart_clkdiv_addr = 0xC3102014,
            .uart_date_addr = 0xC310208C,
            .spi = SPI_NEW(0xC3003000),
            .regs = regs_esp32e22,
            ESP_ROM_BANNERS("esp32e22-20251201", "Dec  1 2025", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32H21] =
        {
            CHIP(ESP32H21, "ESP32-H21", "esp32h21"),
            GEN_ESP_ROM,
            .magic = 0,
            .image_id = 25,
            .uart_clk_hz = 32000000,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32h21,
            ESP_ROM_BANNERS("esp32h21-20240806", "Aug  6 2024", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
    [SIM_CHIP_ESP32H4] =
        {
            CHIP(ESP32H4, "ESP32-H4", "esp32h4"),
            GEN_ESP_ROM,
            .magic = 0,
            .image_id = 28,
            .bootloader_offset = 0x2000,
            .uart_clk_hz = 32000000,
            .uart_date_addr = 0x6001207C,
            .spi = SPI_NEW(0x60099000),
            .regs = regs_esp32h4,
            ESP_ROM_BANNERS("esp32h4-20240912", "Sep 12 2024", "0x4 (DOWNLOAD(USB/UART0))",
                            "0xc (SPI_FAST_FLASH_BOOT)", "SW_SYS_RESET"),
        },
};

const sim_chip_info_t *sim_chip_info(sim_chip_id_t chip)
{
    if ((unsigned)chip >= SIM_CHIP_COUNT)
        return NULL;
    return &chips[chip];
}
