#include "parttable.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esploader/esploader_md5.h"

#define ENTRY_LEN 32
#define TYPE_APP  0x00
#define TYPE_DATA 0x01

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

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int parse_number(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        return -1;
    if (*end == 'K' || *end == 'k') {
        v *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        v *= 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v > 0xFFFFFFFFull)
        return -1;
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
    if (type == TYPE_APP && strncmp(s, "ota_", 4) == 0) {
        uint32_t n;
        if (parse_number(s + 4, &n) == 0 && n < 16) {
            *out = (uint8_t)(0x10 + n);
            return 0;
        }
        return -1;
    }
    if (type == TYPE_APP)
        return lookup(app_subtypes, sizeof app_subtypes / sizeof app_subtypes[0], s, out);
    if (type == TYPE_DATA)
        return lookup(data_subtypes, sizeof data_subtypes / sizeof data_subtypes[0], s, out);
    return lookup(NULL, 0, s, out);
}

static int parse_line(char *line, mk_partition_t *p, char *why, size_t why_len)
{
    char *field[6] = {0};
    int n = 0;
    char *s = line;
    while (n < 6) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        field[n++] = trim(s);
        if (!comma)
            break;
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
    if (strcmp(field[1], "app") == 0)
        p->type = TYPE_APP;
    else if (strcmp(field[1], "data") == 0)
        p->type = TYPE_DATA;
    else if (lookup(NULL, 0, field[1], &p->type) != 0) {
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
            if (colon)
                *colon = '\0';
            char *name = trim(f);
            if (strcmp(name, "encrypted") == 0)
                p->flags |= 1u << 0;
            else if (strcmp(name, "readonly") == 0)
                p->flags |= 1u << 1;
            else if (*name) {
                snprintf(why, why_len, "unknown flag '%s'", name);
                return -1;
            }
            f = colon ? colon + 1 : NULL;
        }
    }
    return 0;
}

int mk_ptable_parse_csv(const char *text, mk_ptable_t *t, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    uint32_t next = MK_PT_OFFSET + 0x1000;
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
        if (hash)
            *hash = '\0';
        char *body = trim(line);
        if (*body == '\0')
            continue;
        if (t->count == MK_PT_MAX_ENTRIES) {
            snprintf(err, err_len, "line %u: more than %d partitions", lineno, MK_PT_MAX_ENTRIES);
            return -1;
        }
        mk_partition_t *p = &t->part[t->count];
        char why[96];
        if (parse_line(body, p, why, sizeof why) != 0) {
            snprintf(err, err_len, "line %u: %s", lineno, why);
            return -1;
        }
        uint32_t align = p->type == TYPE_APP ? 0x10000 : 0x1000;
        if (p->offset == 0)
            p->offset = (next + align - 1) & ~(align - 1);
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
        next = p->offset + p->size;
        t->count++;
    }
    if (t->count == 0) {
        snprintf(err, err_len, "no partitions in the CSV");
        return -1;
    }
    return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void mk_ptable_to_binary(const mk_ptable_t *t, uint8_t out[MK_PT_LEN])
{
    memset(out, 0xFF, MK_PT_LEN);
    uint8_t *e = out;
    for (unsigned i = 0; i < t->count; i++, e += ENTRY_LEN) {
        const mk_partition_t *p = &t->part[i];
        e[0] = 0xAA; /* magic 0x50AA, little-endian */
        e[1] = 0x50;
        e[2] = p->type;
        e[3] = p->subtype;
        put_le32(e + 4, p->offset);
        put_le32(e + 8, p->size);
        memset(e + 12, 0, 16);
        memcpy(e + 12, p->name, strlen(p->name));
        put_le32(e + 28, p->flags);
    }
    /* The MD5 entry lets the bootloader reject a corrupted table. */
    e[0] = 0xEB;
    e[1] = 0xEB;
    memset(e + 2, 0xFF, 14);
    esploader_md5_t md5;
    esploader_md5_init(&md5);
    esploader_md5_update(&md5, out, (size_t)(e - out));
    esploader_md5_final(&md5, e + 16);
}
