#include "trace_data.h"

#include <stdio.h>
#include <string.h>

void small_bin(uint8_t out[SMALL_BIN_LEN])
{
    size_t n = 0;
    unsigned line = 0;
    char text[64];
    for (n = 0; n < 256; n++)
        out[n] = (uint8_t)n;
    while (n < SMALL_BIN_LEN) {
        int len =
            snprintf(text, sizeof(text), "ESP serial-loader trace test data, line %04u.\n", line++);
        int i;
        for (i = 0; i < len && n < SMALL_BIN_LEN; i++)
            out[n++] = (uint8_t)text[i];
    }
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t hex_bytes(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*text) {
        int hi, lo;
        if (*text == ' ' || *text == '\n') {
            text++;
            continue;
        }
        hi = nibble(text[0]);
        lo = text[1] ? nibble(text[1]) : -1;
        if (hi < 0 || lo < 0 || n >= cap)
            return 0; /* a typo in a test vector must not pass silently */
        out[n++] = (uint8_t)(hi << 4 | lo);
        text += 2;
    }
    return n;
}
