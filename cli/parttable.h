/* ESP-IDF partition tables (binary, at 0x8000 by default): parse, validate, look up by name. */
#ifndef CLI_PARTTABLE_H
#define CLI_PARTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_PT_DEFAULT_OFFSET 0x8000u
#define CLI_PT_MAX_LEN        0xC00u /* the table may take up to 3 KB */
#define CLI_PT_MAX_ENTRIES    95

typedef struct cli_partition {
    char name[17];
    uint8_t type, subtype;
    uint32_t offset, size, flags;
} cli_partition_t;

typedef struct cli_parttable {
    cli_partition_t entries[CLI_PT_MAX_ENTRIES];
    int count;
    bool has_md5, md5_ok;
} cli_parttable_t;

/* Parse a binary table. 0, or -1 with the reason in err (bad magic, MD5 mismatch, overlap...). */
int cli_parttable_parse(const uint8_t *data, size_t len, cli_parttable_t *pt, char *err,
                        size_t err_len);
const cli_partition_t *cli_parttable_find(const cli_parttable_t *pt, const char *name);
const char *cli_part_type_name(uint8_t type);
const char *cli_part_subtype_name(uint8_t type, uint8_t subtype, char *buf, size_t len);

#endif
