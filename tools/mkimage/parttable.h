/*
 * ESP-IDF partition tables: a CSV (name, type, subtype, offset, size, flags) turned into the
 * binary the bootloader reads at 0x8000: 32-byte entries (magic 0x50AA, type, subtype, offset,
 * size, 16-byte label, flags), an MD5 entry (0xEBEB, 14 x 0xFF, MD5 of the entries before it),
 * then 0xFF up to 0xC00 bytes.
 */
#ifndef MKIMAGE_PARTTABLE_H
#define MKIMAGE_PARTTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MK_PT_LEN         0xC00  /* the table's flash space: 3 KB */
#define MK_PT_OFFSET      0x8000 /* where it lives; partitions start after it */
#define MK_PT_MAX_ENTRIES 95     /* (0xC00 - MD5 entry - end marker room) / 32 */

typedef struct mk_partition {
    char name[17];
    uint8_t type, subtype;
    uint32_t offset, size, flags;
} mk_partition_t;

typedef struct mk_ptable {
    mk_partition_t part[MK_PT_MAX_ENTRIES];
    unsigned count;
} mk_ptable_t;

/* Parse CSV text. Empty offsets are assigned in order (data 4 KB-aligned, app 64 KB-aligned)
 * after the table. Returns 0, or -1 with "line N: reason" in err. */
int mk_ptable_parse_csv(const char *text, mk_ptable_t *t, char *err, size_t err_len);

/* Write the MK_PT_LEN-byte binary. */
void mk_ptable_to_binary(const mk_ptable_t *t, uint8_t out[MK_PT_LEN]);

#endif
