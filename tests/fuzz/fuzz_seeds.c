/*
 * Seed inputs for fuzz_sim_frames: the host frames of the golden ROM traces (tests/traces),
 * replayed as FUZZ_OP_WRITE / FUZZ_OP_READ operations against the traced chip, plus a few
 * built-in sessions for every chip. Frames a trace shows shortened ("... bytes omitted ...")
 * are skipped.
 */
#include "fuzz_sim_frames.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "esp_sim.h"

typedef struct seed_buf {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
} seed_buf_t;

static void put(seed_buf_t *b, uint8_t v)
{
    if (b->len < b->cap) {
        b->p[b->len++] = v;
    } else {
        b->overflow = true;
    }
}

/* One host frame as WRITE operations of up to 256 bytes, then a READ. */
static void put_frame(seed_buf_t *b, const uint8_t *f, size_t n, uint8_t quiet)
{
    while (n > 0) {
        size_t k = n > 256 ? 256 : n;
        put(b, FUZZ_OP_WRITE);
        put(b, (uint8_t)(k - 1));
        for (size_t i = 0; i < k; i++) {
            put(b, f[i]);
        }
        f += k;
        n -= k;
    }
    put(b, FUZZ_OP_READ);
    put(b, quiet);
}

/* The hex bytes of one trace line ("           c0 00 08 ..."); -1 if it is not such a line. */
static int parse_hex_line(const char *line, uint8_t *out, size_t cap)
{
    if (line[0] != ' ') {
        return -1;
    }
    const char *p = line;
    while (*p == ' ') {
        p++;
    }
    int n = 0;
    while (*p != '\0' && *p != '\n' && *p != '\r') {
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
            (p[2] != ' ' && p[2] != '\0' && p[2] != '\n' && p[2] != '\r')) {
            return -1;
        }
        unsigned v = 0;
        sscanf(p, "%2x", &v);
        if ((size_t)n < cap) {
            out[n++] = (uint8_t)v;
        }
        p += 2;
        while (*p == ' ') {
            p++;
        }
    }
    return n;
}

static sim_chip_id_t chip_of_trace(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    sim_chip_id_t c = SIM_CHIP_ESP32;
    char name[16] = {0};
    size_t i = 0;
    while (base[i] != '\0' && base[i] != '-' && i < sizeof(name) - 1) {
        name[i] = base[i];
        i++;
    }
    if (!sim_chip_from_name(name, &c)) {
        c = SIM_CHIP_ESP32;
    }
    return c;
}

size_t fuzz_seed_from_trace(const char *path, uint8_t *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    seed_buf_t b = {out, 0, cap, false};
    put(&b, (uint8_t)chip_of_trace(path));
    put(&b, strstr(path, "-stub-") != NULL ? FUZZ_FLAG_STUB : 0);

    static uint8_t frame[8192];
    size_t flen = 0;
    bool in_host = false, truncated = false;
    int frames = 0;
    char line[1024];
    while (fgets(line, sizeof(line), f) != NULL) {
        bool header = line[0] == '[';
        if (header || strstr(line, "omitted") != NULL) {
            if (strstr(line, "omitted") != NULL) {
                truncated = true;
            }
            if (header) {
                if (in_host && !truncated && flen > 0) {
                    put_frame(&b, frame, flen, 60);
                    frames++;
                }
                in_host = strstr(line, "H->C") != NULL;
                truncated = false;
                flen = 0;
            }
            continue;
        }
        if (!in_host) {
            continue;
        }
        uint8_t bytes[64];
        int n = parse_hex_line(line, bytes, sizeof(bytes));
        if (n > 0 && flen + (size_t)n <= sizeof(frame)) {
            memcpy(frame + flen, bytes, (size_t)n);
            flen += (size_t)n;
        }
    }
    if (in_host && !truncated && flen > 0) {
        put_frame(&b, frame, flen, 60);
        frames++;
    }
    fclose(f);
    return (frames == 0 || b.overflow) ? 0 : b.len;
}

/* SYNC: 8-byte header, 07 07 12 20, 32 x 0x55 (docs/protocol.md §5.1), SLIP-framed. */
static const uint8_t sync_frame[] = {
    0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, 0x12, 0x20, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xC0};
/* READ_REG(0x40001000), the chip-detect magic word. */
static const uint8_t read_magic[] = {0xC0, 0x00, 0x0A, 0x04, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x10, 0x00, 0x40, 0xC0};
/* SPI_FLASH_MD5 of 0x1000 bytes at 0 (ROM: hex text; stub: raw). */
static const uint8_t md5_frame[] = {0xC0, 0x00, 0x13, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0};
/* GET_SECURITY_INFO (unsupported on ESP8266/ESP32 ROMs: the stale-opcode reply). */
static const uint8_t secinfo[] = {0xC0, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0};

unsigned fuzz_seed_builtin_count(void)
{
    return SIM_CHIP_COUNT * 2u;
}

size_t fuzz_seed_builtin(unsigned idx, uint8_t *out, size_t cap)
{
    if (idx >= fuzz_seed_builtin_count()) {
        return 0;
    }
    seed_buf_t b = {out, 0, cap, false};
    put(&b, (uint8_t)(idx / 2));
    put(&b, (idx & 1) ? FUZZ_FLAG_STUB : 0);
    put_frame(&b, sync_frame, sizeof(sync_frame), 30);
    put_frame(&b, read_magic, sizeof(read_magic), 30);
    put_frame(&b, secinfo, sizeof(secinfo), 30);
    put_frame(&b, md5_frame, sizeof(md5_frame), 100);
    return b.overflow ? 0 : b.len;
}
