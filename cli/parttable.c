#include "parttable.h"

#include <stdio.h>
#include <string.h>

#include "esploader/esploader_md5.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cli_parttable_parse(const uint8_t *data, size_t len, cli_parttable_t *pt, char *err,
                        size_t err_len)
{
    memset(pt, 0, sizeof(*pt));
    if (len > CLI_PT_MAX_LEN) {
        len = CLI_PT_MAX_LEN;
    }
    size_t pos;
    for (pos = 0; pos + 32 <= len; pos += 32) {
        const uint8_t *e = data + pos;
        if (e[0] == 0xAA && e[1] == 0x50) {
            if (pt->count == CLI_PT_MAX_ENTRIES) {
                snprintf(err, err_len, "partition table: too many entries");
                return -1;
            }
            cli_partition_t *p = &pt->entries[pt->count++];
            p->type = e[2];
            p->subtype = e[3];
            p->offset = le32(e + 4);
            p->size = le32(e + 8);
            memcpy(p->name, e + 12, 16);
            p->name[16] = '\0';
            p->flags = le32(e + 28);
            continue;
        }
        if (e[0] == 0xEB && e[1] == 0xEB) {
            /* MD5 entry: MD5 of every entry before it. */
            esploader_md5_t md5;
            uint8_t digest[16];
            esploader_md5_init(&md5);
            esploader_md5_update(&md5, data, pos);
            esploader_md5_final(&md5, digest);
            pt->has_md5 = true;
            pt->md5_ok = memcmp(digest, e + 16, 16) == 0;
            if (!pt->md5_ok) {
                snprintf(err, err_len,
                         "partition table: MD5 entry does not match the entries "
                         "(corrupted table)");
                return -1;
            }
            continue;
        }
        bool all_ff = true;
        for (int i = 0; i < 32; i++) {
            all_ff = all_ff && e[i] == 0xFF;
        }
        if (all_ff) {
            break;
        }
        snprintf(err, err_len,
                 "partition table: bad entry at byte %u (magic %02X %02X, expected AA 50)",
                 (unsigned)pos, e[0], e[1]);
        return -1;
    }
    if (pt->count == 0) {
        snprintf(err, err_len, "partition table: no entries (is there a table at this offset?)");
        return -1;
    }
    for (int i = 0; i < pt->count; i++) {
        const cli_partition_t *a = &pt->entries[i];
        if (a->size == 0 || a->offset + (uint64_t)a->size > 0x100000000ull) {
            snprintf(err, err_len, "partition table: '%s' has a bad size", a->name);
            return -1;
        }
        for (int j = i + 1; j < pt->count; j++) {
            const cli_partition_t *b = &pt->entries[j];
            if (strcmp(a->name, b->name) == 0) {
                snprintf(err, err_len, "partition table: name '%s' used twice", a->name);
                return -1;
            }
            if (a->offset < b->offset + b->size && b->offset < a->offset + a->size) {
                snprintf(err, err_len, "partition table: '%s' and '%s' overlap", a->name, b->name);
                return -1;
            }
        }
    }
    return 0;
}

const cli_partition_t *cli_parttable_find(const cli_parttable_t *pt, const char *name)
{
    for (int i = 0; i < pt->count; i++) {
        if (strcmp(pt->entries[i].name, name) == 0) {
            return &pt->entries[i];
        }
    }
    return NULL;
}

const char *cli_part_type_name(uint8_t type)
{
    switch (type) {
    case 0x00:
        return "app";
    case 0x01:
        return "data";
    case 0x02:
        return "bootloader";
    case 0x03:
        return "partition_table";
    default:
        return "custom";
    }
}

const char *cli_part_subtype_name(uint8_t type, uint8_t subtype, char *buf, size_t len)
{
    if (type == 0x00) {
        if (subtype == 0x00) {
            return "factory";
        }
        if (subtype >= 0x10 && subtype <= 0x1F) {
            snprintf(buf, len, "ota_%u", (unsigned)(subtype - 0x10));
            return buf;
        }
        if (subtype == 0x20) {
            return "test";
        }
    } else if (type == 0x01) {
        static const char *const names[] = {"ota",      "phy",    "nvs",       "coredump",
                                            "nvs_keys", "efuse",  "undefined", "esphttpd",
                                            "fat",      "spiffs", "littlefs"};
        static const uint8_t codes[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                        0x06, 0x80, 0x81, 0x82, 0x83};
        for (size_t i = 0; i < sizeof(codes); i++) {
            if (codes[i] == subtype) {
                return names[i];
            }
        }
    }
    snprintf(buf, len, "0x%02x", subtype);
    return buf;
}
