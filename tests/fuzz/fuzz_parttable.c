/*
 * libFuzzer target: the ESP-IDF partition-table readers of hostlib/eh_parttable.c and
 * eh_pt_iter.c: the binary table as read from flash or a file (byte 0 even) and the CSV a
 * user gives (byte 0 odd: eh_ptable_parse_csv). Invariants besides "no crash, no sanitizer
 * report": the iterator stays inside the data and agrees with the parser; an
 * accepted table has 1..95 entries, NUL-terminated names, no empty partition, none beyond
 * 4 GB, no two with one name, no two overlapping (checked here in 64-bit arithmetic), and
 * every entry can be found by its name; a refused one comes with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "esploader/esploader_md5.h"
#include "fuzz_common.h"
#include "eh_parttable.h"

#define T "fuzz_parttable"

static void check_table(const eh_ptable_t *pt)
{
    if (pt->count < 1 || pt->count > EH_PT_MAX_ENTRIES) {
        fuzz_fail(T, "entry count out of range");
    }
    for (unsigned i = 0; i < pt->count; i++) {
        const eh_partition_t *a = &pt->entries[i];
        char buf[32];
        if (memchr(a->name, 0, sizeof(a->name)) == NULL) {
            fuzz_fail(T, "name not terminated");
        }
        if (a->size == 0 || (uint64_t)a->offset + a->size > 0x100000000ull) {
            fuzz_fail(T, "accepted a partition with a bad size");
        }
        if (eh_ptable_find(pt, a->name) != a) {
            fuzz_fail(T, "lookup by name finds another entry");
        }
        if (eh_pt_type_name(a->type) == NULL ||
            eh_pt_subtype_name(a->type, a->subtype, buf, sizeof(buf)) == NULL) {
            fuzz_fail(T, "no name for a type");
        }
        for (unsigned j = i + 1; j < pt->count; j++) {
            const eh_partition_t *b = &pt->entries[j];
            uint64_t ae = (uint64_t)a->offset + a->size, be = (uint64_t)b->offset + b->size;
            if (a->offset < be && b->offset < ae) {
                fuzz_fail(T, "accepted two overlapping partitions");
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eh_ptable_t pt;
    char err[256] = "";
    if (size < 1) {
        return 0;
    }
    if (data[0] & 1) {
        char *text = malloc(size);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        int rc = eh_ptable_parse_csv(text, &pt, err, sizeof(err));
        free(text);
        if (rc != 0) {
            if (err[0] == '\0') {
                fuzz_fail(T, "CSV refused without a message");
            }
            return 0;
        }
        check_table(&pt);
        /* what the CSV gives, written as a binary table, must parse back to the same */
        static uint8_t bin[EH_PT_LEN];
        static eh_ptable_t back;
        eh_ptable_write(&pt, bin);
        if (eh_ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)) != 0 ||
            back.count != pt.count) {
            fuzz_fail(T, "CSV -> binary -> parse is not the identity");
        }
        for (unsigned i = 0; i < pt.count; i++) { /* field by field: names end at their NUL */
            const eh_partition_t *a = &pt.entries[i], *b = &back.entries[i];
            if (strcmp(a->name, b->name) != 0 || a->type != b->type || a->subtype != b->subtype ||
                a->offset != b->offset || a->size != b->size || a->flags != b->flags) {
                fuzz_fail(T, "CSV -> binary -> parse changed an entry");
            }
        }
        return 0;
    }
    data++;
    size--;
    /* the iterator on its own: bounded, inside the data */
    eh_pt_iter_t it;
    eh_partition_t p;
    unsigned n = 0;
    eh_pt_iter_init(&it, data, size);
    eh_pt_status_t st;
    while ((st = eh_pt_iter_next(&it, &p)) == EH_PT_ENTRY) {
        if (++n > EH_PT_LEN / EH_PT_ENTRY_LEN || it.pos > size) {
            fuzz_fail(T, "iterator ran past the data");
        }
    }
    if (eh_ptable_parse(data, size, &pt, err, sizeof(err)) != 0) {
        if (err[0] == '\0') {
            fuzz_fail(T, "refused without a message");
        }
        return 0;
    }
    if (st != EH_PT_END || pt.count != n) {
        fuzz_fail(T, "parser and iterator disagree");
    }
    check_table(&pt);
    return 0;
}

static void entry(uint8_t *e, uint8_t type, uint8_t sub, uint32_t off, uint32_t size,
                  const char *name)
{
    memset(e, 0, 32);
    e[0] = 0xAA;
    e[1] = 0x50;
    e[2] = type;
    e[3] = sub;
    for (int i = 0; i < 4; i++) {
        e[4 + i] = (uint8_t)(off >> (8 * i));
        e[8 + i] = (uint8_t)(size >> (8 * i));
    }
    strncpy((char *)e + 12, name, 16);
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    /* the default single-app layout with its MD5 entry, then 0xFF */
    static uint8_t t[0xC00];
    memset(t, 0xFF, sizeof(t));
    entry(t, 1, 2, 0x9000, 0x6000, "nvs");
    entry(t + 32, 1, 1, 0xF000, 0x1000, "phy_init");
    entry(t + 64, 0, 0, 0x10000, 0x100000, "factory");
    esploader_md5_t m;
    esploader_md5_init(&m);
    esploader_md5_update(&m, t, 96);
    memset(t + 96, 0xFF, 32);
    t[96] = 0xEB;
    t[97] = 0xEB;
    esploader_md5_final(&m, t + 96 + 16);
    static uint8_t t1[1 + sizeof(t)];
    memcpy(t1 + 1, t, sizeof(t));
    emit("single-app", t1, sizeof(t1));
    /* OTA layout without MD5; one at the very top of the 4 GB space */
    static uint8_t o[1 + 256];
    memset(o, 0xFF, sizeof(o));
    o[0] = 0;
    entry(o + 1, 1, 0, 0xD000, 0x2000, "otadata");
    entry(o + 33, 0, 0x10, 0x10000, 0x100000, "ota_0");
    entry(o + 65, 0, 0x11, 0x110000, 0x100000, "ota_1");
    entry(o + 97, 0x40, 0x99, 0xFFFFF000u, 0x1000, "top");
    emit("ota", o, sizeof(o));
    static const char csv[] = "\x01# Name, Type, SubType, Offset, Size, Flags\n"
                              "nvs,      data, nvs,     0x9000,  0x6000,\n"
                              "phy_init, data, phy,     0xf000,  0x1000,\n"
                              "factory,  app,  factory, 0x10000, 1M,\n"
                              "ota_0,    app,  ota_0,   ,        1M,\n"
                              "storage,  data, fat,     ,        512K, encrypted\n";
    emit("partitions.csv", csv, sizeof(csv) - 1);
}
