/*
 * libFuzzer target: the POSIX port's RFC 2217 client codec (port/posix/posix_rfc2217.c), the
 * parser facing an rfc2217:// server. The input is what the server sends, delivered through a
 * socketpair in pieces (byte 0: piece size), with line and baud changes in between (byte 1).
 * Invariants besides "no crash, no sanitizer report": the codec never invents serial data
 * (bytes handed to the library <= bytes received; without any IAC byte the data passes
 * unchanged), the subnegotiation buffer stays in bounds, and what it answers is bounded.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "esploader/esploader.h"
#include "fuzz_common.h"
#include "posix_port_internal.h"

#define T "fuzz_posix_rfc2217"

static size_t drain(int fd)
{
    uint8_t b[4096];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, b, sizeof(b))) > 0) {
        total += (size_t)n;
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        abort();
    }
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    esploader_posix_port_t p;
    memset(&p, 0, sizeof(p));
    p.kind = POSIX_KIND_RFC2217;
    p.fd = sv[0];
    p.baud = 115200;
    p.ign_set_control = true; /* no waiting for acks (and server_silent after a first miss) */
    p.server_silent = true;
    size_t piece = 1 + data[0] % 64;
    uint8_t ops = data[1];
    const uint8_t *in = data + 2;
    size_t n = size - 2, sent = 0, got = 0, answers = 0;
    static uint8_t out[1 << 17];
    while (sent < n) {
        size_t k = n - sent < piece ? n - sent : piece;
        if (write(sv[1], in + sent, k) != (ssize_t)k) {
            abort();
        }
        sent += k;
        int32_t r;
        while ((r = posix_rfc2217_read(&p, out + got, sizeof(out) - got, 0)) > 0) {
            got += (size_t)r;
        }
        if (r < 0 || got > sent) {
            fuzz_fail(T, got > sent ? "more serial data than was received" : "read failed");
        }
        if (p.tn_sb_len > sizeof(p.tn_sb)) {
            fuzz_fail(T, "subnegotiation buffer overrun");
        }
        if (ops & 1) {
            posix_rfc2217_set_lines(&p, ESPLOADER_LINE_ASSERT, ESPLOADER_LINE_RELEASE);
        }
        if (ops & 2) {
            posix_rfc2217_set_baud(&p, 921600);
        }
        ops = (uint8_t)(ops >> 2 | ops << 6);
        answers += drain(sv[1]);
    }
    answers += drain(sv[1]);
    if (memchr(in, 0xFF, n) == NULL && (got != n || memcmp(out, in, n) != 0)) {
        fuzz_fail(T, "data without IAC did not pass unchanged");
    }
    /* every answer is a 3-byte refusal per option request, or our own SET-* requests */
    if (answers > 3 * n + 64 * (n / piece + 2)) {
        fuzz_fail(T, "answers out of proportion to the input");
    }
    close(sv[0]);
    close(sv[1]);
    free(p.pending);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    /* server negotiation, COM-PORT acks, data with doubled IAC, an unknown option, raw data */
    static const uint8_t a[] = {16,  3,   255, 251, 0,   255, 253, 0,   255, 251, 3,
                                255, 253, 3,   255, 253, 44,  255, 250, 44,  101, 0,
                                14,  16,  0,   255, 240, 'O', 'K', 255, 255, 0xC0};
    static const uint8_t b[] = {1,   0,  255, 251, 99,  255, 253, 77,  'x', 255,
                                250, 44, 105, 8,   255, 255, 255, 240, 255, 241};
    static const uint8_t c[] = {64,   0,    0xC0, 0x01, 0x08, 0x04, 0x00, 0x07,
                                0x07, 0x12, 0x20, 0x00, 0x00, 0x00, 0x00, 0xC0};
    emit("negotiation", a, sizeof(a));
    emit("options", b, sizeof(b));
    emit("plain-data", c, sizeof(c));
}
