/*
 * libFuzzer target for esploader-sim's RFC2217 server codec (sim/app/rfc2217_server.c), the
 * parser that faces the network. Invariants besides "no crash, no sanitizer report":
 *  - it never invents data: serial bytes passed on <= bytes received, and input without any
 *    0xFF (IAC) byte passes through unchanged;
 *  - SET-BAUDRATE never reaches the chip as 0;
 *  - what it sends back is bounded by what it was sent.
 * The same input is fed once whole and once in pieces; the results must agree.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2217_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
    uint8_t data[4096];
    size_t data_len, data_total;
    size_t reply_total;
    unsigned resets;
} sink_t;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_rfc2217: invariant violated: %s\n", what);
    abort();
}

static void on_data(void *ctx, const uint8_t *d, size_t n)
{
    sink_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        if (s->data_len < sizeof(s->data)) {
            s->data[s->data_len++] = d[i];
        }
    }
    s->data_total += n;
}

static void on_reply(void *ctx, const uint8_t *d, size_t n)
{
    sink_t *s = ctx;
    (void)d;
    s->reply_total += n;
}

static void on_baud(void *ctx, uint32_t baud)
{
    (void)ctx;
    if (baud == 0) {
        fail("SET-BAUDRATE 0 passed on");
    }
}

static void on_reset(void *ctx, bool download)
{
    sink_t *s = ctx;
    (void)download;
    s->resets++;
}

static void on_purge(void *ctx, bool rx, bool tx)
{
    (void)ctx;
    (void)rx;
    (void)tx;
}

static void run(const uint8_t *data, size_t size, size_t piece, sink_t *s)
{
    memset(s, 0, sizeof(*s));
    rfc2217_server_t r;
    rfc2217_hooks_t h = {s, on_data, on_reply, on_baud, on_reset, on_purge};
    rfc2217_server_start(&r, &h, 115200);
    for (size_t i = 0; i < size; i += piece) {
        size_t n = size - i < piece ? size - i : piece;
        rfc2217_server_feed(&r, data + i, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sink_t whole, split;
    run(data, size, size ? size : 1, &whole);
    if (whole.data_total > size) {
        fail("more serial data out than bytes in");
    }
    /* Opening negotiation (12 bytes) + at most one answer per command byte sequence. */
    if (whole.reply_total > 12 + 140 * size) {
        fail("unbounded replies");
    }
    if (memchr(data, 0xFF, size) == NULL &&
        (whole.data_total != size || memcmp(whole.data, data, whole.data_len) != 0)) {
        fail("IAC-free input not passed through unchanged");
    }
    run(data, size, 1 + (size % 7), &split);
    if (split.data_total != whole.data_total || split.reply_total != whole.reply_total ||
        split.resets != whole.resets || memcmp(split.data, whole.data, whole.data_len) != 0) {
        fail("result depends on how the input was split");
    }
    return 0;
}
