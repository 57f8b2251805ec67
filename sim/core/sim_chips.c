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

/* Flash and ROM timing. ESP32 and ESP8266 are fitted to the DESIGN.md §4 measurements (see
 * docs/simulator.md); other chips use the ESP32 figures except where a measurement exists. */
#define T_ESP32                                                                                    \
    {                                                                                              \
        45000, 325000, 500, 7000, 1000, 800, 26000, 100, 1000, 20000                               \
    }
#define T_ESP8266                                                                                  \
    {                                                                                              \
        45000, 325000, 450, 3900, 1000, 800, 26000, 100, 1000, 20000                               \
    }
#define T_ESP32C6                                                                                  \
    {                                                                                              \
        58000, 325000, 500, 7000, 1000, 800, 26000, 100, 1000, 20000                               \
    }

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

static const sim_chip_info_t chips[SIM_CHIP_COUNT] = {
    [SIM_CHIP_ESP8266] =
        {
            .id = SIM_CHIP_ESP8266,
            .name = "ESP8266",
            .key = "esp8266",
            .magic = 0xFFF0C101,
            .image_id = 0,
            .rom_status_len = 2,
            .begin_words = 4,
            .rom_full_cmds = false,
            .secinfo_len = 0,
            .data_nobegin_err = 0x05,
            .sdm_capable = false,
            .bootloader_offset = 0x0,
            .boot_baud = 74880,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 52000000,
            .uart_date_addr = 0x60000078,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = {0x60000200, 0x1C, 0x20, 0x24, 0, 0, 0x40, true},
            .regs = regs_esp8266,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = "\r\n ets Jan  8 2013,rst cause:1, boot mode:(1,7)\r\n\r\n",
            .banner_run = "\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,7)\r\n\r\n",
            .banner_sw_reset = "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n\r\n",
            .t = T_ESP8266,
        },
    [SIM_CHIP_ESP32] =
        {
            .id = SIM_CHIP_ESP32,
            .name = "ESP32",
            .key = "esp32",
            .magic = 0x00F01D83,
            .image_id = 0,
            .rom_status_len = 4,
            .begin_words = 4,
            .rom_full_cmds = true,
            .secinfo_len = 0,
            .data_nobegin_err = 0x05,
            .sdm_capable = false,
            .bootloader_offset = 0x1000,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x3FF40014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x60000078,
            .strap_addr = 0x3FF44038,
            .strap_dl = 0x0F,
            .strap_run = 0x13,
            .spi = SPI_OLD(0x3FF42000, 0x80),
            .regs = regs_esp32,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0xf "
                               "(UART_BOOT(UART0))\r\n",
            .banner_run = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 "
                          "(SPI_FAST_FLASH_BOOT)\r\n",
            .banner_sw_reset = "ets Jul 29 2019 12:21:46\r\n\r\nrst:0x3 (SW_RESET),boot:0xf "
                               "(UART_BOOT(UART0))\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32S2] =
        {
            .id = SIM_CHIP_ESP32S2,
            .name = "ESP32-S2",
            .key = "esp32s2",
            .magic = 0x000007C6,
            .image_id = 2,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 12,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x1000,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x3F400014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x60000078,
            .strap_addr = 0x3F404038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x3F402000),
            .regs = regs_esp32s2,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download =
                ESP_ROM_BANNER("esp32s2-rc4-20191025", "Oct 25 2019", "0x0 (DOWNLOAD(USB/UART0/1))",
                               "waiting for download"),
            .banner_run = ESP_ROM_BANNER("esp32s2-rc4-20191025", "Oct 25 2019",
                                         "0x8 (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\nrst:0x3 "
                               "(RTC_SW_SYS_RST),boot:0x0 "
                               "(DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32S3] =
        {
            .id = SIM_CHIP_ESP32S3,
            .name = "ESP32-S3",
            .key = "esp32s3",
            .magic = 0x00000009,
            .image_id = 9,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x60000080,
            .strap_addr = 0x60004038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32s3,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = ESP_ROM_BANNER("esp32s3-20210327", "Mar 27 2021",
                                              "0x0 (DOWNLOAD(USB/UART0))", "waiting for download"),
            .banner_run =
                ESP_ROM_BANNER("esp32s3-20210327", "Mar 27 2021", "0x8 (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x3 "
                               "(RTC_SW_SYS_RST),boot:0x0 "
                               "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32C2] =
        {
            .id = SIM_CHIP_ESP32C2,
            .name = "ESP32-C2",
            .key = "esp32c2",
            .magic = 0x6F51306F,
            .image_id = 12,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32c2,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = ESP_ROM_BANNER("esp8684-api2-20220127", "Jan 27 2022",
                                              "0x4 (DOWNLOAD(UART0))", "waiting for download"),
            .banner_run = ESP_ROM_BANNER("esp8684-api2-20220127", "Jan 27 2022",
                                         "0xc (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\nrst:0x3 "
                               "(RTC_SW_SYS_RST),boot:0x4 "
                               "(DOWNLOAD(UART0))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32C3] =
        {
            .id = SIM_CHIP_ESP32C3,
            .name = "ESP32-C3",
            .key = "esp32c3",
            .magic = 0x19F1506F,
            .image_id = 5,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0x60004038,
            .strap_dl = 0x2,
            .strap_run = 0xc,
            .spi = SPI_NEW(0x60002000),
            .regs = regs_esp32c3,
            .key_purpose_last = 0x0c,
            .secinfo_api = 1,
            .banner_download = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 "
                               "2022\r\nrst:0x1 (POWERON),boot:0x2 "
                               "(UART0_BOOT)\r\nwait uart0 download\r\n",
            .banner_run = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 2022\r\nrst:0x1 "
                          "(POWERON),boot:0xc "
                          "(SPI_FAST_FLASH_BOOT)\r\n",
            .banner_sw_reset = "ESP-ROM:esp32c3-api1-20210111-dirty\r\nBuild:Sep 30 "
                               "2022\r\nrst:0x3 (RTC_SW_SYS_RST),"
                               "boot:0x2 (UART0_BOOT)\r\nwait uart0 download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32C5] =
        {
            .id = SIM_CHIP_ESP32C5,
            .name = "ESP32-C5",
            .key = "esp32c5",
            .magic = 0x1101406F,
            .image_id = 23,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x2000,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 48000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c5,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download =
                ESP_ROM_BANNER("esp32c5-eco2-20250121", "Jan 21 2025",
                               "0x18 (DOWNLOAD(USB/UART0/SPI))", "waiting for download"),
            .banner_run = ESP_ROM_BANNER("esp32c5-eco2-20250121", "Jan 21 2025",
                                         "0x38 (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset = "ESP-ROM:esp32c5-eco2-20250121\r\nBuild:Jan 21 2025\r\nrst:0x3 "
                               "(SW_SYS_RESET),boot:0x18 "
                               "(DOWNLOAD(USB/UART0/SPI))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32C6] =
        {
            .id = SIM_CHIP_ESP32C6,
            .name = "ESP32-C6",
            .key = "esp32c6",
            .magic = 0x2CE0806F,
            .image_id = 13,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c6,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download =
                ESP_ROM_BANNER("esp32c6-20220919", "Sep 19 2022",
                               "0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))", "waiting for download"),
            .banner_run =
                ESP_ROM_BANNER("esp32c6-20220919", "Sep 19 2022", "0xc (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset =
                "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\nrst:0x3 (SW_SYS_RESET),boot:0x4 "
                "(DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\nwaiting for download\r\n",
            .t = T_ESP32C6,
        },
    [SIM_CHIP_ESP32C61] =
        {
            .id = SIM_CHIP_ESP32C61,
            .name = "ESP32-C61",
            .key = "esp32c61",
            .magic = 0x33F0206F,
            .image_id = 20,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32c61,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = ESP_ROM_BANNER("esp32c61-20240926", "Sep 26 2024",
                                              "0x4 (DOWNLOAD(USB/UART0))", "waiting for download"),
            .banner_run =
                ESP_ROM_BANNER("esp32c61-20240926", "Sep 26 2024", "0xc (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset =
                "ESP-ROM:esp32c61-20240926\r\nBuild:Sep 26 2024\r\nrst:0x3 (SW_SYS_RESET),boot:0x4 "
                "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32H2] =
        {
            .id = SIM_CHIP_ESP32H2,
            .name = "ESP32-H2",
            .key = "esp32h2",
            .magic = 0xD7B73E80,
            .image_id = 16,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x0,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x60000014,
            .uart_clk_hz = 32000000,
            .uart_date_addr = 0x6000007C,
            .strap_addr = 0,
            .strap_dl = 0,
            .strap_run = 0,
            .spi = SPI_NEW(0x60003000),
            .regs = regs_esp32h2,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download = ESP_ROM_BANNER("esp32h2-20221101", "Nov  1 2022",
                                              "0x4 (DOWNLOAD(USB/UART0))", "waiting for download"),
            .banner_run =
                ESP_ROM_BANNER("esp32h2-20221101", "Nov  1 2022", "0xc (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset =
                "ESP-ROM:esp32h2-20221101\r\nBuild:Nov  1 2022\r\nrst:0x3 (SW_SYS_RESET),boot:0x4 "
                "(DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
    [SIM_CHIP_ESP32P4] =
        {
            .id = SIM_CHIP_ESP32P4,
            .name = "ESP32-P4",
            .key = "esp32p4",
            .magic = 0x0ADDBAD0,
            .image_id = 18,
            .rom_status_len = 4,
            .begin_words = 5,
            .rom_full_cmds = true,
            .secinfo_len = 20,
            .data_nobegin_err = 0x64,
            .sdm_capable = true,
            .bootloader_offset = 0x2000,
            .boot_baud = 115200,
            .uart_clkdiv_addr = 0x500CA014,
            .uart_clk_hz = 40000000,
            .uart_date_addr = 0x500CA08C,
            .strap_addr = 0x500E0038,
            .strap_dl = 0x0,
            .strap_run = 0x8,
            .spi = SPI_NEW(0x5008D000),
            .regs = regs_esp32p4,
            .key_purpose_last = 0,
            .secinfo_api = 0,
            .banner_download =
                ESP_ROM_BANNER("esp32p4-eco2-20240710", "Jul 10 2024",
                               "0x4 (DOWNLOAD(USB/UART0/SPI))", "waiting for download"),
            .banner_run = ESP_ROM_BANNER("esp32p4-eco2-20240710", "Jul 10 2024",
                                         "0xc (SPI_FAST_FLASH_BOOT)", ""),
            .banner_sw_reset = "ESP-ROM:esp32p4-eco2-20240710\r\nBuild:Jul 10 2024\r\nrst:0x3 "
                               "(SW_SYS_RESET),boot:0x4 "
                               "(DOWNLOAD(USB/UART0/SPI))\r\nwaiting for download\r\n",
            .t = T_ESP32,
        },
};

const sim_chip_info_t *sim_chip_info(sim_chip_id_t chip)
{
    if ((unsigned)chip >= SIM_CHIP_COUNT)
        return NULL;
    return &chips[chip];
}
