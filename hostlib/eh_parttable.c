/* Whole partition tables: parse + validate, find, write, CSV, names (see eh_parttable.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eh_parttable.h"
#include "esploader/esploader_md5.h"

int eh_ptable_validate(const eh_ptable_t *t, char *err, size_t err_len)
{
    if (t->count == 0) {
        snprintf(err, err_len, "partition table: no entries (is there a table at this offset?)");
        return -1;
    }
    for (unsigned i = 0; i < t->count; i++) {
        const eh_partition_t *a = &t->entries[i];
        if (a->size == 0 || a->offset + (uint64_t)a->size > 0x100000000ull) {
            snprintf(err, err_len, "partition table: '%s' has a bad size", a->name);
            return -1;
        }
        for (unsigned j = i + 1; j < t->count; j++) {
            const eh_partition_t *b = &t->entries[j];
            if (strcmp(a->name, b->name) == 0) {
                snprintf(err, err_len, "partition table: name '%s' used twice", a->name);
                return -1;
            }
            if (a->offset < (uint64_t)b->offset + b->size &&
                b->offset < (uint64_t)a->offset + a->size) {
                snprintf(err, err_len, "partition table: '%s' and '%s' overlap", a->name, b->name);
                return -1;
            }
        }
    }
    return 0;
}

int eh_ptable_parse(const uint8_t *data, size_t len, eh_ptable_t *t, char *err, size_t err_len)
{
    memset(t, 0, sizeof(*t));
    eh_pt_iter_t it;
    eh_pt_iter_init(&it, data, len);
    eh_partition_t p;
    eh_pt_status_t st;
    while ((st = eh_pt_iter_next(&it, &p)) == EH_PT_ENTRY) {
        if (t->count == EH_PT_MAX_ENTRIES) {
            snprintf(err, err_len, "partition table: too many entries");
            return -1;
        }
        t->entries[t->count++] = p;
    }
    t->has_md5 = it.has_md5;
    t->md5_ok = it.md5_ok;
    if (st == EH_PT_BAD_MD5) {
        snprintf(err, err_len,
                 "partition table: MD5 entry does not match the entries (corrupted table)");
        return -1;
    }
    if (st == EH_PT_BAD_MAGIC) {
        snprintf(err, err_len,
                 "partition table: bad entry at byte %u (magic %02X %02X, expected AA 50)",
                 (unsigned)it.pos, data[it.pos], data[it.pos + 1]);
        return -1;
    }
    return eh_ptable_validate(t, err, err_len);
}

const eh_partition_t *eh_ptable_find(const eh_ptable_t *t, const char *name)
{
    for (unsigned i = 0; i < t->count; i++) {
        if (strcmp(t->entries[i].name, name) == 0) {
            return &t->entries[i];
        }
    }
    return NULL;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

void eh_ptable_write(const eh_ptable_t *t, uint8_t out[EH_PT_LEN])
{
    memset(out, 0xFF, EH_PT_LEN);
    uint8_t *e = out;
    for (unsigned i = 0; i < t->count && i < EH_PT_MAX_ENTRIES; i++, e += EH_PT_ENTRY_LEN) {
        const eh_partition_t *p = &t->entries[i];
        e[0] = 0xAA; /* magic 0x50AA, little-endian */
        e[1] = 0x50;
        e[2] = p->type;
        e[3] = p->subtype;
        put_le32(e + 4, p->offset);
        put_le32(e + 8, p->size);
        memset(e + 12, 0, 16);
        memcpy(e + 12, p->name, strnlen(p->name, 16));
        put_le32(e + 28, p->flags);
    }
    /* The MD5 entry lets the bootloader reject a corrupted table. */
    e[0] = 0xEB;
    e[1] = 0xEB;
    memset(e + 2, 0xFF, 14);
    esploader_md5(out, (size_t)(e - out), e + 16);
}

/* ---- names -------------------------------------------------------------------------------- */

typedef struct named {
    const char *name;
    uint8_t value;
} named_t;

/* Subtype names of ESP-IDF's gen_esp32part CSV format. */
static const named_t app_subtypes[] = {{"factory", 0x00}, {"test", 0x20}};
static const named_t data_subtypes[] = {
    {"ota", 0x00},      {"phy", 0x01},    {"nvs", 0x02},       {"coredump", 0x03},
    {"nvs_keys", 0x04}, {"efuse", 0x05},  {"undefined", 0x06}, {"esphttpd", 0x80},
    {"fat", 0x81},      {"spiffs", 0x82}, {"littlefs", 0x83},
};
static const named_t types[] = {
    {"app", 0x00}, {"data", 0x01}, {"bootloader", 0x02}, {"partition_table", 0x03}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *eh_pt_type_name(uint8_t type)
{
    for (size_t i = 0; i < COUNT(types); i++) {
        if (types[i].value == type) {
            return types[i].name;
        }
    }
    return "custom";
}

const char *eh_pt_subtype_name(uint8_t type, uint8_t subtype, char *buf, size_t len)
{
    if (type == EH_PT_TYPE_APP && subtype >= 0x10 && subtype <= 0x1F) {
        snprintf(buf, len, "ota_%u", (unsigned)(subtype - 0x10));
        return buf;
    }
    const named_t *t = type == EH_PT_TYPE_APP ? app_subtypes : data_subtypes;
    size_t n = type == EH_PT_TYPE_APP ? COUNT(app_subtypes) : COUNT(data_subtypes);
    for (size_t i = 0; type <= EH_PT_TYPE_DATA && i < n; i++) {
        if (t[i].value == subtype) {
            return t[i].name;
        }
    }
    snprintf(buf, len, "0x%02x", subtype);
    return buf;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

static int parse_number(const char *s, uint32_t *out)
{
    char *end;
    if (*s == '-') {
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s) {
        return -1;
    }
    if (*end == 'K' || *end == 'k') {
        v *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        v *= 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v > 0xFFFFFFFFull) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int lookup(const named_t *tab, size_t n, const char *s, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tab[i].name, s) == 0) {
            *out = tab[i].value;
            return 0;
        }
    }
    uint32_t v;
    if (parse_number(s, &v) == 0 && v <= 0xFF) {
        *out = (uint8_t)v;
        return 0;
    }
    return -1;
}

static int parse_subtype(uint8_t type, const char *s, uint8_t *out)
{
    if (type == EH_PT_TYPE_APP && strncmp(s, "ota_", 4) == 0) {
        uint32_t n;
        if (parse_number(s + 4, &n) == 0 && n < 16) {
            *out = (uint8_t)(0x10 + n);
            return 0;
        }
        return -1;
    }
    if (type == EH_PT_TYPE_APP) {
        return lookup(app_subtypes, COUNT(app_subtypes), s, out);
    }
    if (type == EH_PT_TYPE_DATA) {
        return lookup(data_subtypes, COUNT(data_subtypes), s, out);
    }
    return lookup(NULL, 0, s, out);
}

static int parse_line(char *line, eh_partition_t *p, char *why, size_t why_len)
{
    char *field[6] = {0};
    int n = 0;
    char *s = line;
    while (n < 6) {
        char *comma = strchr(s, ',');
        if (comma) {
            *comma = '\0';
        }
        field[n++] = trim(s);
        if (!comma) {
            break;
        }
        s = comma + 1;
    }
    if (n < 5) {
        snprintf(why, why_len, "expected name, type, subtype, offset, size[, flags]");
        return -1;
    }
    if (strlen(field[0]) == 0 || strlen(field[0]) > 16) {
        snprintf(why, why_len, "partition name must be 1-16 characters");
        return -1;
    }
    memset(p, 0, sizeof *p);
    memcpy(p->name, field[0], strlen(field[0]));
    if (lookup(types, 2, field[1], &p->type) != 0) {
        snprintf(why, why_len, "unknown type '%s'", field[1]);
        return -1;
    }
    if (parse_subtype(p->type, field[2], &p->subtype) != 0) {
        snprintf(why, why_len, "unknown subtype '%s'", field[2]);
        return -1;
    }
    if (field[3][0] != '\0' && parse_number(field[3], &p->offset) != 0) {
        snprintf(why, why_len, "bad offset '%s'", field[3]);
        return -1;
    }
    if (parse_number(field[4], &p->size) != 0 || p->size == 0) {
        snprintf(why, why_len, "bad size '%s'", field[4]);
        return -1;
    }
    if (n == 6 && field[5][0] != '\0') {
        /* Flags are separated by ':' in the CSV format. */
        char *f = field[5];
        while (f && *f) {
            char *colon = strchr(f, ':');
            if (colon) {
                *colon = '\0';
            }
            char *name = trim(f);
            if (strcmp(name, "encrypted") == 0) {
                p->flags |= EH_PT_FLAG_ENCRYPTED;
            } else if (strcmp(name, "readonly") == 0) {
                p->flags |= EH_PT_FLAG_READONLY;
            } else if (*name) {
                snprintf(why, why_len, "unknown flag '%s'", name);
                return -1;
            }
            f = colon ? colon + 1 : NULL;
        }
    }
    return 0;
}

int eh_ptable_parse_csv(const char *text, eh_ptable_t *t, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    uint64_t next = EH_PT_OFFSET + 0x1000;
    unsigned lineno = 0;
    const char *s = text;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char line[256];
        lineno++;
        if (len >= sizeof line) {
            snprintf(err, err_len, "line %u: too long", lineno);
            return -1;
        }
        memcpy(line, s, len);
        line[len] = '\0';
        s = eol ? eol + 1 : s + len;
        char *hash = strchr(line, '#');
        if (hash) {
            *hash = '\0';
        }
        char *body = trim(line);
        if (*body == '\0') {
            continue;
        }
        if (t->count == EH_PT_MAX_ENTRIES) {
            snprintf(err, err_len, "line %u: more than %u partitions", lineno, EH_PT_MAX_ENTRIES);
            return -1;
        }
        eh_partition_t *p = &t->entries[t->count];
        char why[96];
        if (parse_line(body, p, why, sizeof why) != 0) {
            snprintf(err, err_len, "line %u: %s", lineno, why);
            return -1;
        }
        uint32_t align = p->type == EH_PT_TYPE_APP ? 0x10000 : 0x1000;
        if (p->offset == 0) {
            uint64_t o = (next + align - 1) & ~(uint64_t)(align - 1);
            if (o > 0xFFFFFFFFu) {
                snprintf(err, err_len, "line %u: '%s' does not fit below 4 GB", lineno, p->name);
                return -1;
            }
            p->offset = (uint32_t)o;
        }
        if (p->offset % align) {
            snprintf(err, err_len, "line %u: offset 0x%x of '%s' is not %u KB aligned", lineno,
                     (unsigned)p->offset, p->name, (unsigned)(align / 1024));
            return -1;
        }
        if (p->offset < next) {
            snprintf(err, err_len,
                     "line %u: '%s' at 0x%x overlaps the table or the previous "
                     "partition (next free 0x%x)",
                     lineno, p->name, (unsigned)p->offset, (unsigned)next);
            return -1;
        }
        next = (uint64_t)p->offset + p->size;
        t->count++;
    }
    if (t->count == 0) {
        snprintf(err, err_len, "no partitions in the CSV");
        return -1;
    }
    return eh_ptable_validate(t, err, err_len);
}
