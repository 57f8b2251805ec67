#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool cli_parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s || *s == '-') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || errno != 0) {
        return false;
    }
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1024ull;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1024ull * 1024ull;
        end++;
    }
    if ((*end == 'b' || *end == 'B') && mul != 1) {
        end++;
    }
    if (*end != '\0') {
        return false;
    }
    if (v > 0xFFFFFFFFull / mul) {
        return false; /* checked before multiplying: "0x40000000000000M" must not wrap to 0 */
    }
    v *= mul;
    *out = (uint32_t)v;
    return true;
}

int cli_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t err_len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = cli_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, err_len, "%s: out of memory", path);
                return -1;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, err_len, "%s: read error (is it a directory?)", path);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_write_file(const char *path, const uint8_t *data, size_t len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    if (fclose(f) != 0 || w != len) {
        snprintf(err, err_len, "%s: write error: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "esploader: out of memory\n");
        exit(1);
    }
    return p;
}

char *cli_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cli_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

const char *cli_fmt_size(uint32_t bytes, char *buf, size_t len)
{
    if (bytes >= 1024u * 1024u && bytes % (1024u * 1024u) == 0) {
        snprintf(buf, len, "%uMB", (unsigned)(bytes / (1024u * 1024u)));
    } else if (bytes >= 1024u && bytes % 1024u == 0) {
        snprintf(buf, len, "%uKB", (unsigned)(bytes / 1024u));
    } else {
        snprintf(buf, len, "%u bytes", (unsigned)bytes);
    }
    return buf;
}

double cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
