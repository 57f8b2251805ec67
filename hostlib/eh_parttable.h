/*
 * ESP-IDF partition tables (binary at 0x8000 by default, up to 0xC00 bytes): 32-byte entries
 * (magic AA 50, type, subtype, offset, size, 16-byte label, flags), an MD5 entry (EB EB, 14 x
 * 0xFF, MD5 of the entries before it), then 0xFF. For the host-side programs and the example.
 *
 * Two layers:
 *   - eh_pt_iter_*: a bounds-checked walk over a binary table. Needs nothing but <string.h>
 *     and the library's MD5, allocates nothing: it also runs on an MCU host (the example).
 *   - eh_ptable_*: a whole table in a struct: parse (= iterate + validate), validate, find,
 *     write the binary, read the CSV of ESP-IDF's gen_esp32part, type/subtype names
 *     (eh_parttable.c; uses snprintf for its messages).
 */
#ifndef EH_PARTTABLE_H
#define EH_PARTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EH_PT_OFFSET         0x8000u /* default place in flash */
#define EH_PT_LEN            0xC00u  /* the table's flash space */
#define EH_PT_ENTRY_LEN      32u
#define EH_PT_MAX_ENTRIES    95u /* (0xC00 - MD5 entry) / 32 */
#define EH_PT_TYPE_APP       0x00u
#define EH_PT_TYPE_DATA      0x01u
#define EH_PT_FLAG_ENCRYPTED 0x1u
#define EH_PT_FLAG_READONLY  0x2u

typedef struct eh_partition {
    char name[17];
    uint8_t type, subtype;
    uint32_t offset, size, flags;
} eh_partition_t;

/* ---- iterator ----------------------------------------------------------------------------- */

typedef enum eh_pt_status {
    EH_PT_ENTRY = 1,      /* *p holds the next partition */
    EH_PT_END = 0,        /* erased flash / the end of the data: no more entries */
    EH_PT_BAD_MAGIC = -1, /* an entry that is neither a partition, the MD5 entry nor 0xFF */
    EH_PT_BAD_MD5 = -2,   /* the MD5 entry does not match the entries before it */
} eh_pt_status_t;

typedef struct eh_pt_iter {
    const uint8_t *data;
    size_t len; /* capped at EH_PT_LEN */
    size_t pos; /* offset of the next entry; on an error, of the bad one */
    bool has_md5, md5_ok;
} eh_pt_iter_t;

void eh_pt_iter_init(eh_pt_iter_t *it, const uint8_t *data, size_t len);
/* The next partition. An MD5 entry is checked and skipped; a trailing part shorter than an
 * entry ends the walk. */
eh_pt_status_t eh_pt_iter_next(eh_pt_iter_t *it, eh_partition_t *p);
/* The first partition of type (and subtype, or any subtype with -1): 0, or -1 if none / bad. */
int eh_pt_find_first(const uint8_t *data, size_t len, uint8_t type, int subtype, eh_partition_t *p);

/* ---- whole tables ------------------------------------------------------------------------- */

typedef struct eh_ptable {
    eh_partition_t entries[EH_PT_MAX_ENTRIES];
    unsigned count;
    bool has_md5, md5_ok;
} eh_ptable_t;

/* Parse a binary table and validate it. 0, or -1 with the reason in err. */
int eh_ptable_parse(const uint8_t *data, size_t len, eh_ptable_t *t, char *err, size_t err_len);
/* No entries, a zero size, an end past 4 GB, a name used twice, overlapping partitions: -1
 * with the reason; else 0. */
int eh_ptable_validate(const eh_ptable_t *t, char *err, size_t err_len);
const eh_partition_t *eh_ptable_find(const eh_ptable_t *t, const char *name);
/* The EH_PT_LEN-byte binary with its MD5 entry. */
void eh_ptable_write(const eh_ptable_t *t, uint8_t out[EH_PT_LEN]);
/* CSV text (name, type, subtype, offset, size[, flags]; '#' comments). Empty offsets are
 * placed in order after the table (data 4 KB-, app 64 KB-aligned). 0, or -1 with
 * "line N: reason" in err. */
int eh_ptable_parse_csv(const char *text, eh_ptable_t *t, char *err, size_t err_len);

const char *eh_pt_type_name(uint8_t type);
const char *eh_pt_subtype_name(uint8_t type, uint8_t subtype, char *buf, size_t len);

#endif
