#include "base64.h"

#include <stdlib.h>
#include <string.h>

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

int cli_base64_decode(const char *text, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(text);
    uint8_t *buf = malloc(n / 4 * 3 + 3);
    if (!buf) {
        return -1;
    }
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    int pad = 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            continue;
        }
        if (c == '=') {
            pad++;
            continue;
        }
        int v = value_of(c);
        if (v < 0 || pad) { /* nothing may follow padding */
            free(buf);
            return -1;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[k++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = k;
    return 0;
}
