/*
 * libFuzzer target: the library's SLIP decoder (src/slip.c), the first parser every byte
 * from the target goes through. Input: byte 0 picks the frame buffer size, byte 1 the
 * chunking; the rest is the line. Invariants besides "no crash, no sanitizer report":
 *  - a frame is 1..cap bytes, the decoder never consumes more than it was given and always
 *    makes progress;
 *  - noise (bytes outside frames) never exceeds the bytes fed;
 *  - without any 0xC0 on the line, no frame is ever reported;
 *  - round trip: the line read as a frame body, encoded with espl_slip_encode() and wrapped in
 *    0xC0, decodes back to exactly that body (when it fits the buffer), chunked either way.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "slip.h"

#define T "fuzz_slip"

static size_t decode_all(const uint8_t *in, size_t n, size_t cap, size_t chunk, uint8_t *last,
                         size_t *last_len)
{
    static uint8_t buf[2048];
    espl_slip_dec_t d;
    espl_slip_dec_init(&d, buf, cap);
    size_t frames = 0, fed = 0;
    *last_len = 0;
    while (fed < n) {
        size_t piece = n - fed < chunk ? n - fed : chunk;
        size_t off = 0;
        while (off < piece) {
            size_t used = 0;
            espl_slip_status_t st = espl_slip_dec_feed(&d, in + fed + off, piece - off, &used);
            if (used > piece - off) {
                fuzz_fail(T, "consumed more than it was given");
            }
            if (used == 0) {
                fuzz_fail(T, "no progress");
            }
            off += used;
            if (st == ESP_SLIP_FRAME) {
                if (d.len == 0 || d.len > cap) {
                    fuzz_fail(T, "frame length out of 1..cap");
                }
                frames++;
                memcpy(last, buf, d.len);
                *last_len = d.len;
            }
        }
        fed += piece;
        if (d.noise > fed) {
            fuzz_fail(T, "more noise than input");
        }
    }
    return frames;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    static const size_t caps[] = {1, 2, 8, 16, 96, 100, 1024, 2048};
    size_t cap = caps[data[0] & 7];
    size_t chunk = 1 + (data[1] & 0x3F);
    const uint8_t *line = data + 2;
    size_t n = size - 2;
    static uint8_t last[2048];
    size_t last_len;

    size_t frames = decode_all(line, n, cap, chunk, last, &last_len);
    if (memchr(line, 0xC0, n) == NULL && frames != 0) {
        fuzz_fail(T, "a frame without any delimiter");
    }

    /* round trip */
    if (n == 0 || n > 1024) {
        return 0;
    }
    static uint8_t enc[2 + 2 * 1024];
    size_t k = 0;
    enc[k++] = 0xC0;
    /* the sender's byte-wise encoder (slip.h) */
    for (size_t i = 0; i < n; i++) {
        if (espl_slip_is_special(line[i])) {
            enc[k++] = ESP_SLIP_ESC;
            enc[k++] = (uint8_t)espl_slip_escaped(line[i]);
        } else {
            enc[k++] = line[i];
        }
    }
    enc[k++] = 0xC0;
    frames = decode_all(enc, k, cap, chunk, last, &last_len);
    if (n <= cap) {
        if (frames != 1 || last_len != n || memcmp(last, line, n) != 0) {
            fuzz_fail(T, "encode -> decode is not the identity");
        }
    } else if (frames != 0) {
        fuzz_fail(T, "an oversize frame was delivered");
    }
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    /* a SYNC reply, a frame with both escapes, boot-log noise then a frame, garbage */
    static const uint8_t s1[] = {6,    10,   0xC0, 0x01, 0x08, 0x04, 0x00, 0x07,
                                 0x07, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00, 0xC0};
    static const uint8_t s2[] = {5,    3,    0xC0, 0x01, 0xDB, 0xDC, 0xDB,
                                 0xDD, 0x02, 0xC0, 0xC0, 0xC0, 0x03, 0xC0};
    static const uint8_t s3[] = {4,    64,   'e',  't',  's',  ' ',  'J',  'u',  'n',
                                 '\r', '\n', 0xC0, 0x01, 0x02, 0xC0, 0xDB, 0x00, 0xC0};
    static const uint8_t s4[] = {0, 1, 0xC0, 0xDB, 0xC0, 0xDB, 0xDB, 0xDC, 0xC0};
    emit("sync-reply", s1, sizeof(s1));
    emit("escapes", s2, sizeof(s2));
    emit("bootlog-then-frame", s3, sizeof(s3));
    emit("bad-escapes", s4, sizeof(s4));
}
