/*
 * The command table: every command the CLI has, what it needs and its help, in one place.
 * main.c and multi.c dispatch from it and know no command by name.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

#define NEED_FLASH_IO (CLI_NEED_STUB | CLI_NEED_FLASH | CLI_NEED_BAUD)
#define NEED_ERASE    (CLI_NEED_STUB | CLI_NEED_FLASH)

#define WRITE_DETAILS                                                                              \
    "  -z, --compress          compress (the default wherever the loader inflates: every stub\n"   \
    "                          and every ROM but the ESP8266's)\n"                                 \
    "  -u, --no-compress       don't compress\n"                                                   \
    "  --flash-mode, -fm MODE  qio|qout|dio|dout|keep (patches the bootloader image header)\n"     \
    "  --flash-freq, -ff FREQ  e.g. 40m, 80m (chip dependent) | keep\n"                            \
    "  --flash-size, -fs SIZE  1MB..128MB | detect | keep\n"                                       \
    "  --no-verify             don't compare the MD5 after writing\n"                              \
    "  --no-diff               write even regions/sectors that already hold the data\n"            \
    "  --diff                  skip unchanged sectors (the default wherever the loader has MD5:\n" \
    "                          every stub and every ROM but the ESP8266's)\n"                      \
    "  -e, --erase-all         erase the whole flash first\n"                                      \
    "  --force                 skip the image chip-id and flash-size checks (warns instead)\n"     \
    "  Addresses take 0x..., decimal, or k/M suffixes. Files are padded to 4 bytes; unaligned\n"   \
    "  addresses are written from the start of their 4 KB sector with 0xFF in front.\n"

#define PART_DETAILS                                                                               \
    "  --file F                       take the table from a binary file instead of the device\n"   \
    "  --partition-table-offset ADDR  where the table is on the device (default 0x8000)\n"

/* name, prepare, run, connection, needs, multi-board, leaves loader, positional min/max,
 * usage, help, details */
static const cli_cmd_t table[] = {
    {"chip-id", NULL, cli_run_chip_id, CLI_CONN_LOADER, 0, true, false, 0, 0, "",
     "connect and print the chip type, its chip id / revision and MAC", NULL},
    {"read-mac", NULL, cli_run_read_mac, CLI_CONN_LOADER, 0, true, false, 0, 0, "",
     "print the chip's MAC address", NULL},
    {"flash-id", NULL, cli_run_flash_id, CLI_CONN_LOADER, 0, true, false, 0, 0, "",
     "print the SPI flash JEDEC id and its size", NULL},
    {"read-mem", cli_prep_read_mem, cli_run_read_mem, CLI_CONN_LOADER, 0, true, false, 1, 1, "ADDR",
     "read a 32-bit word of memory / a register", NULL},
    {"write-mem", cli_prep_write_mem, cli_run_write_mem, CLI_CONN_LOADER, 0, true, false, 2, 3,
     "ADDR VALUE [MASK]", "write a 32-bit word (only the MASK bits)", NULL},
    {"load-ram", cli_prep_load_ram, cli_run_load_ram, CLI_CONN_LOADER, 0, true, false, 1, 1, "FILE",
     "load an ESP image's segments into RAM and run it",
     "  FILE is an ESP image (magic 0xE9), e.g. from esptool elf2image; no ELF.\n"
     "  Runs with the ROM loader (the stub is not needed).\n"},
    {"run", NULL, cli_run_run, CLI_CONN_LOADER, 0, true, true, 0, 0, "",
     "leave the loader and run the app in flash (no reset lines needed)", NULL},
    {"reset", NULL, cli_run_reset, CLI_CONN_PORT, 0, true, false, 0, 0, "",
     "hard-reset the chip through RTS/EN (no protocol)", NULL},
    {"write-flash", cli_prep_pairs, cli_run_write_flash, CLI_CONN_LOADER, NEED_FLASH_IO, true,
     false, 2, -1, "[options] ADDR FILE [ADDR FILE ...]",
     "write files to flash (compressed, verified, unchanged sectors skipped)", WRITE_DETAILS},
    {"verify-flash", cli_prep_pairs, cli_run_verify_flash, CLI_CONN_LOADER, NEED_FLASH_IO, true,
     false, 2, -1, "[--flash-mode/--flash-freq/--flash-size] ADDR FILE [ADDR FILE ...]",
     "compare flash with files (by MD5, header patched as write-flash would)", NULL},
    {"flash", cli_prep_flash_build, cli_run_write_flash, CLI_CONN_LOADER, NEED_FLASH_IO, true,
     false, 1, 1, "[options] BUILD_DIR",
     "flash an ESP-IDF build directory (flasher_args.json: files, offsets, settings, chip)",
     WRITE_DETAILS},
    {"read-flash", cli_prep_read_flash, cli_run_read_flash, CLI_CONN_LOADER, NEED_FLASH_IO, false,
     false, 3, 3, "ADDR SIZE FILE", "read flash into a file (SIZE may be 'all')", NULL},
    {"erase-flash", NULL, cli_run_erase_flash, CLI_CONN_LOADER, NEED_ERASE, true, false, 0, 0, "",
     "erase the whole flash", NULL},
    {"erase-region", cli_prep_erase_region, cli_run_erase_region, CLI_CONN_LOADER, NEED_ERASE, true,
     false, 2, 2, "ADDR SIZE", "erase a 4 KB-aligned region", NULL},
    {"partition-table", cli_prep_part_table, cli_run_part_table, CLI_CONN_UNLESS_FILE, NEED_ERASE,
     true, false, 0, 0, "[--file F]",
     "print the partition table (from the device or a file) and check its MD5", PART_DETAILS},
    {"write-partition", cli_prep_write_part, cli_run_write_part, CLI_CONN_LOADER, NEED_FLASH_IO,
     true, false, 2, 2, "NAME FILE", "write FILE into the partition NAME", PART_DETAILS},
    {"read-partition", cli_prep_part_name, cli_run_read_part, CLI_CONN_LOADER, NEED_FLASH_IO, false,
     false, 2, 2, "NAME FILE", "read the partition NAME into FILE", PART_DETAILS},
    {"erase-partition", cli_prep_part_name, cli_run_erase_part, CLI_CONN_LOADER, NEED_ERASE, true,
     false, 1, 1, "NAME", "erase the partition NAME", PART_DETAILS},
    {"get-security-info", NULL, cli_run_security_info, CLI_CONN_LOADER, 0, true, false, 0, 0, "",
     "print the security flags, key purposes, chip id and API version (ESP32-S2 and later)", NULL},
    {"read-flash-status", NULL, cli_run_read_flash_status, CLI_CONN_LOADER, 0, true, false, 0, 0,
     "[--bytes 1|2|3]", "read the SPI flash status register (RDSR, RDSR2, RDSR3)",
     "  --bytes N      status bytes to read, 1-3 (default 2)\n"},
    {"write-flash-status", cli_prep_write_flash_status, cli_run_write_flash_status, CLI_CONN_LOADER,
     0, true, false, 1, 1, "[--bytes 1|2|3] [--non-volatile] VALUE",
     "write the SPI flash status register (volatile unless --non-volatile)",
     "  --bytes N       status bytes to write, 1-3 (default 2)\n"
     "  --non-volatile  write the non-volatile bits too (WREN instead of WEVSR): careful, a\n"
     "                  wrong value can lock the flash\n"},
    {"read-flash-sfdp", cli_prep_read_flash_sfdp, cli_run_read_flash_sfdp, CLI_CONN_LOADER, 0, true,
     false, 2, 2, "ADDRESS BYTES", "read 1-4 bytes of the flash's SFDP table (JESD216) at ADDRESS",
     NULL},
    {"dump-mem", cli_prep_dump_mem, cli_run_dump_mem, CLI_CONN_LOADER, 0, false, false, 3, 3,
     "ADDRESS SIZE FILE", "dump memory (RAM, ROM, registers) word by word into FILE", NULL},
    {"image-info", cli_prep_image_info, cli_run_image_info, CLI_CONN_NONE, 0, false, false, 1, 1,
     "FILE", "print an ESP image's header, segments, checksum, SHA-256, chip id, app description",
     "  No board needed. The chip comes from the image's chip id (or --chip; the ESP8266's\n"
     "  images have no id: give -c esp8266 if it is not recognised).\n"},
    {"merge-bin", cli_prep_merge_bin, cli_run_merge_bin, CLI_CONN_NONE, 0, false, false, 2, -1,
     "-o FILE [options] ADDR FILE [ADDR FILE ...]",
     "merge files at their flash offsets into one raw or Intel HEX file (needs --chip)",
     "  -o, --output FILE          the merged file (required)\n"
     "  -f, --format raw|hex       raw binary, gaps filled with 0xFF (default), or Intel HEX\n"
     "  -t, --target-offset ADDR   raw: the flash offset the output will be written at (0)\n"
     "  --pad-to-size SIZE         raw: fill with 0xFF up to SIZE (256KB .. 128MB); alias\n"
     "                             --fill-flash-size\n"
     "  --flash-mode/--flash-freq/--flash-size   patch the bootloader's header, as write-flash\n"
     "  No board needed; -c/--chip is required. Files are padded to 4 bytes with 0xFF.\n"},
    {"version", NULL, cli_run_version, CLI_CONN_NONE, 0, false, false, 0, 0, "",
     "print the esploader version", NULL},
};

const cli_cmd_t *cli_cmd_table(int *count)
{
    *count = (int)(sizeof(table) / sizeof(table[0]));
    return table;
}

const cli_cmd_t *cli_cmd_find(const char *name)
{
    char norm[64];
    snprintf(norm, sizeof(norm), "%s", name);
    for (char *c = norm; *c; c++) {
        if (*c == '_') {
            *c = '-'; /* esptool v4 spelling: write_flash */
        }
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].name, norm) == 0) {
            return &table[i];
        }
    }
    return NULL;
}

bool cli_cmd_offline(const cli_cmd_t *c, const cli_opts_t *o)
{
    return c->conn == CLI_CONN_NONE || (c->conn == CLI_CONN_UNLESS_FILE && o->file);
}
