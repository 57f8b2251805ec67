/* SLIP codec (docs/protocol.md §1): escapes, empty frames, noise, resync, every split point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "slip.h"
#include "trace_data.h"

#define MAX_FRAMES 8
#define CAP        64

/* What a stream decoded into: the frames (copied out), the errors, the noise count. */
typedef struct {
    uint8_t frame[MAX_FRAMES][CAP];
    size_t len[MAX_FRAMES];
    size_t nframes;
    int errors[MAX_FRAMES];
    size_t nerrors;
} result_t;

/* Feed one chunk completely, as a caller would: call again with the unused rest. */
static void feed(espl_slip_dec_t *d, const uint8_t *in, size_t len, result_t *r)
{
    while (len > 0) {
        size_t used = 0;
        espl_slip_status_t st = espl_slip_dec_feed(d, in, len, &used);
        assert_true(used <= len);
        if (st == ESP_SLIP_FRAME) {
            assert_true(r->nframes < MAX_FRAMES);
            assert_true(d->len <= CAP);
            memcpy(r->frame[r->nframes], d->buf, d->len);
            r->len[r->nframes++] = d->len;
        } else if (st == ESP_SLIP_NEED_MORE) {
            assert_int_equal(used, len); /* NEED_MORE means everything was consumed */
        } else {
            assert_true(st == ESP_SLIP_ERR_OVERSIZE || st == ESP_SLIP_ERR_ESCAPE);
            assert_true(r->nerrors < MAX_FRAMES);
            r->errors[r->nerrors++] = st;
        }
        assert_true(used > 0); /* progress on every call */
        in += used;
        len -= used;
    }
}

static void decode_all(const uint8_t *in, size_t len, size_t cap, result_t *r, size_t *noise)
{
    uint8_t buf[CAP];
    espl_slip_dec_t d;
    memset(r, 0, sizeof(*r));
    espl_slip_dec_init(&d, buf, cap);
    feed(&d, in, len, r);
    if (noise)
        *noise = d.noise;
}

static void expect_frame(const result_t *r, size_t i, const uint8_t *want, size_t want_len)
{
    assert_true(i < r->nframes);
    assert_int_equal(r->len[i], want_len);
    assert_memory_equal(r->frame[i], want, want_len);
}

static void test_unescape(void **state)
{
    /* body 01 C0 DB 02 on the wire: C0 01 DB DC DB DD 02 C0 */
    static const uint8_t wire[] = {0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xC0};
    static const uint8_t body[] = {0x01, 0xC0, 0xDB, 0x02};
    result_t r;
    size_t noise;
    (void)state;
    decode_all(wire, sizeof(wire), CAP, &r, &noise);
    assert_int_equal(r.nframes, 1);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(noise, 0);
    expect_frame(&r, 0, body, sizeof(body));
}

static void test_trace_frame(void **state)
{
    /* The ROM's READ_FLASH_SLOW reply at 0x100C0 (esp32-rom-read-flash trace), 2 escapes. */
    uint8_t wire[128], body[128];
    size_t wl = hex_bytes("c0 01 0e 44 00 00 00 00 00 db dc c1 c2 c3 c4 c5 c6 c7 c8 c9 ca cb cc cd"
                          " ce cf d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 da db dd dc dd de df e0 e1 e2 e3 e4"
                          " e5 e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc"
                          " fd fe ff 00 00 00 00 c0",
                          wire, sizeof(wire));
    size_t i;
    uint8_t dbuf[128];
    espl_slip_dec_t d;
    size_t used = 0;
    (void)state;
    assert_int_equal(wl, 80); /* the trace says: wire length 80 = body 76 + 2 + 2 */
    body[0] = 0x01;
    body[1] = 0x0E;
    body[2] = 0x44;
    body[3] = 0;
    memset(body + 4, 0, 4);
    for (i = 0; i < 64; i++)
        body[8 + i] = (uint8_t)(0xC0 + i);
    memset(body + 72, 0, 4);
    espl_slip_dec_init(&d, dbuf, sizeof(dbuf));
    assert_int_equal(espl_slip_dec_feed(&d, wire, wl, &used), ESP_SLIP_FRAME);
    assert_int_equal(used, wl);
    assert_int_equal(d.len, 76);
    assert_memory_equal(dbuf, body, 76);
}

static void test_empty_frames_skipped(void **state)
{
    static const uint8_t wire[] = {0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0x05, 0xC0, 0xC0, 0xC0};
    static const uint8_t want[] = {0x05};
    result_t r;
    uint8_t buf[CAP];
    espl_slip_dec_t d;
    size_t used = 0;
    (void)state;
    /* C0 C0 alone is no frame */
    espl_slip_dec_init(&d, buf, CAP);
    assert_int_equal(espl_slip_dec_feed(&d, wire, 2, &used), ESP_SLIP_NEED_MORE);
    assert_int_equal(used, 2);
    decode_all(wire, sizeof(wire), CAP, &r, NULL);
    assert_int_equal(r.nframes, 1);
    assert_int_equal(r.nerrors, 0);
    expect_frame(&r, 0, want, 1);
}

static void test_noise_before_frame(void **state)
{
    /* A boot banner before the first frame, as after every reset. */
    static const char banner[] = "ets Jul 29 2019 12:21:46\r\n\r\n";
    uint8_t wire[64];
    size_t n = strlen(banner), noise = 0;
    static const uint8_t want[] = {0x01, 0x08};
    result_t r;
    (void)state;
    memcpy(wire, banner, n);
    wire[n++] = 0xC0;
    wire[n++] = 0x01;
    wire[n++] = 0x08;
    wire[n++] = 0xC0;
    decode_all(wire, n, CAP, &r, &noise);
    assert_int_equal(r.nframes, 1);
    expect_frame(&r, 0, want, 2);
    assert_int_equal(noise, strlen(banner));
}

static void test_noise_between_frames(void **state)
{
    /* Each frame has its own pair of C0; text in between is noise, not a frame. */
    static const uint8_t wire[] = {0xC0, 0x01, 0x02, 0xC0, 'x', 'y', 0xC0, 0x03, 0x04, 0xC0};
    static const uint8_t f0[] = {0x01, 0x02}, f1[] = {0x03, 0x04};
    result_t r;
    size_t noise = 0;
    (void)state;
    decode_all(wire, sizeof(wire), CAP, &r, &noise);
    assert_int_equal(r.nframes, 2);
    expect_frame(&r, 0, f0, 2);
    expect_frame(&r, 1, f1, 2);
    assert_int_equal(noise, 2);
}

static void test_bad_escape_resync(void **state)
{
    /* DB 05 is an invalid escape: that frame is dropped, the next frame decodes. */
    static const uint8_t wire[] = {0xC0, 0x01, 0xDB, 0x05, 0x02, 0xC0, 0xC0, 0x03, 0xC0};
    static const uint8_t want[] = {0x03};
    result_t r;
    uint8_t buf[CAP];
    espl_slip_dec_t d;
    size_t used = 0;
    (void)state;
    espl_slip_dec_init(&d, buf, CAP);
    /* the error is reported at the offending byte, not later */
    assert_int_equal(espl_slip_dec_feed(&d, wire, sizeof(wire), &used), ESP_SLIP_ERR_ESCAPE);
    assert_int_equal(used, 4);
    decode_all(wire, sizeof(wire), CAP, &r, NULL);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0], ESP_SLIP_ERR_ESCAPE);
    assert_int_equal(r.nframes, 1);
    expect_frame(&r, 0, want, 1);
}

static void test_oversize_resync(void **state)
{
    /* cap 8: a 9-byte body is dropped; an exactly-8-byte body fits; the next frame decodes. */
    static const uint8_t wire[] = {0xC0, 1, 2, 3, 4, 5, 6, 7,    8,    9,    0xC0, 0xC0, 1,
                                   2,    3, 4, 5, 6, 7, 8, 0xC0, 0xC0, 0xAA, 0xDB, 0xDC, 0xC0};
    static const uint8_t f0[] = {1, 2, 3, 4, 5, 6, 7, 8}, f1[] = {0xAA, 0xC0};
    result_t r;
    (void)state;
    decode_all(wire, sizeof(wire), 8, &r, NULL);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0], ESP_SLIP_ERR_OVERSIZE);
    assert_int_equal(r.nframes, 2);
    expect_frame(&r, 0, f0, 8);
    expect_frame(&r, 1, f1, 2);
}

static void test_oversize_escaped_tail(void **state)
{
    /* The byte that overflows is an escaped one (DB DC after 8 bytes). */
    static const uint8_t wire[] = {0xC0, 1, 2, 3, 4, 5, 6, 7, 8, 0xDB, 0xDC, 0xC0, 0xC0, 7, 0xC0};
    static const uint8_t f0[] = {7};
    result_t r;
    (void)state;
    decode_all(wire, sizeof(wire), 8, &r, NULL);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0], ESP_SLIP_ERR_OVERSIZE);
    assert_int_equal(r.nframes, 1);
    expect_frame(&r, 0, f0, 1);
}

/* A stream with noise, escapes at the edges, back-to-back frames and an empty frame (C0 C0)
 * between two frames; its expected frames. */
static const uint8_t stream[] = {'b',  'o',  'o',  't',  '\n', 0xC0, 0x01, 0x0A, 0xDB, 0xDC, 0x00,
                                 0xDB, 0xDD, 0xC0, 0xC0, 0xDB, 0xDC, 0xC0, 0xC0, 0x11, 0x22, 0x33,
                                 0xDB, 0xDD, 0xC0, 0xC0, 0xC0, 0xC0, 0x4F, 0x48, 0x41, 0x49, 0xC0};
static const uint8_t s0[] = {0x01, 0x0A, 0xC0, 0x00, 0xDB}, s1[] = {0xC0},
                     s2[] = {0x11, 0x22, 0x33, 0xDB}, s3[] = {'O', 'H', 'A', 'I'};

static void check_stream(const result_t *r, size_t noise)
{
    assert_int_equal(r->nerrors, 0);
    assert_int_equal(r->nframes, 4);
    expect_frame(r, 0, s0, sizeof(s0));
    expect_frame(r, 1, s1, sizeof(s1));
    expect_frame(r, 2, s2, sizeof(s2));
    expect_frame(r, 3, s3, sizeof(s3));
    assert_int_equal(noise, 5);
}

static void test_split_every_boundary(void **state)
{
    size_t k;
    (void)state;
    for (k = 0; k <= sizeof(stream); k++) {
        uint8_t buf[CAP];
        espl_slip_dec_t d;
        result_t r;
        memset(&r, 0, sizeof(r));
        espl_slip_dec_init(&d, buf, CAP);
        feed(&d, stream, k, &r);
        feed(&d, stream + k, sizeof(stream) - k, &r);
        check_stream(&r, d.noise);
    }
}

static void test_byte_by_byte(void **state)
{
    size_t k;
    uint8_t buf[CAP];
    espl_slip_dec_t d;
    result_t r;
    (void)state;
    memset(&r, 0, sizeof(r));
    espl_slip_dec_init(&d, buf, CAP);
    for (k = 0; k < sizeof(stream); k++)
        feed(&d, stream + k, 1, &r);
    check_stream(&r, d.noise);
}

static void test_stops_after_frame(void **state)
{
    /* Two frames in one feed: the decoder stops after the first and says how much it used. */
    static const uint8_t wire[] = {0xC0, 0x01, 0xC0, 0xC0, 0x02, 0xC0};
    uint8_t buf[CAP];
    espl_slip_dec_t d;
    size_t used = 0;
    (void)state;
    espl_slip_dec_init(&d, buf, CAP);
    assert_int_equal(espl_slip_dec_feed(&d, wire, sizeof(wire), &used), ESP_SLIP_FRAME);
    assert_int_equal(used, 3);
    assert_int_equal(d.len, 1);
    assert_int_equal(buf[0], 0x01);
    assert_int_equal(espl_slip_dec_feed(&d, wire + 3, 3, &used), ESP_SLIP_FRAME);
    assert_int_equal(used, 3);
    assert_int_equal(d.len, 1);
    assert_int_equal(buf[0], 0x02);
}

static void test_set_buf(void **state)
{
    static const uint8_t wire[] = {0xC0, 0x01, 0x02, 0x03, 0xC0};
    uint8_t a[CAP], b[2];
    espl_slip_dec_t d;
    size_t used = 0;
    (void)state;
    espl_slip_dec_init(&d, a, CAP);
    espl_slip_dec_set_buf(&d, b, sizeof(b));
    /* the new, smaller buffer is the one that counts */
    assert_int_equal(espl_slip_dec_feed(&d, wire, sizeof(wire), &used), ESP_SLIP_ERR_OVERSIZE);
}

/* A whole body through the byte-wise encoder, as the sender does it. */
static size_t encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (espl_slip_is_special(in[i])) {
            out[o++] = ESP_SLIP_ESC;
            out[o++] = (uint8_t)espl_slip_escaped(in[i]);
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

static void test_encode_escapes(void **state)
{
    static const uint8_t in[] = {0x01, 0xC0, 0xDB, 0x02, 0xDC, 0xDD};
    static const uint8_t want[] = {0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xDC, 0xDD};
    uint8_t out[16];
    (void)state;
    assert_int_equal(encode(in, sizeof(in), out), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
}

static void test_encode_trace_frame(void **state)
{
    /* READ_FLASH_SLOW(0x100C0, 64) as esptool put it on the wire (esp32-rom-read-flash). */
    uint8_t body[32], wire[32], out[32];
    size_t bl = hex_bytes("00 0e 08 00 00 00 00 00 c0 00 01 00 40 00 00 00", body, sizeof(body));
    size_t wl = hex_bytes("db dc 00 01 00 40 00 00 00", wire, sizeof(wire));
    (void)state;
    assert_int_equal(bl, 16);
    assert_int_equal(encode(body, bl, out), 17);
    assert_memory_equal(out, body, 8);
    assert_memory_equal(out + 8, wire, wl);
}

static void test_encode_every_byte_round_trip(void **state)
{
    /* Every byte value, twice, through the encoder and back through the decoder. */
    uint8_t in[512], wire[1 + 1024 + 1], buf[600];
    size_t i, n, u = 0;
    espl_slip_dec_t d;
    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 37);
    n = encode(in, sizeof(in), wire + 1);
    assert_int_equal(n, sizeof(in) + 4); /* two C0 and two DB, each doubled */
    wire[0] = wire[n + 1] = 0xC0;
    for (i = 1; i <= n; i++)
        assert_int_not_equal(wire[i], 0xC0); /* no delimiter inside the body */
    espl_slip_dec_init(&d, buf, sizeof(buf));
    assert_int_equal(espl_slip_dec_feed(&d, wire, n + 2, &u), ESP_SLIP_FRAME);
    assert_int_equal(d.len, sizeof(in));
    assert_memory_equal(buf, in, sizeof(in));
}

static void test_noise_after_empty_frame(void **state)
{
    /* C0 C0 is a whole (empty) frame (§1: esptool returns it as a zero-length packet), so what
     * follows it is outside any frame: noise. The ROMs send C0 C0 right after the CHANGE_BAUDRATE
     * reply, and whatever the line carries while both sides switch baud follows it; the next
     * reply must still be found. */
    static const uint8_t wire[] = {0xC0, 0xC0, 'x', 'y', 0xC0, 0x01, 0x02, 0xC0};
    static const uint8_t want[] = {0x01, 0x02};
    result_t r;
    size_t noise = 0;
    (void)state;
    decode_all(wire, sizeof(wire), CAP, &r, &noise);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nframes, 1);
    expect_frame(&r, 0, want, 2);
    assert_int_equal(noise, 2);
}

/* Deterministic pseudo-random streams: noise, empty frames, bad frames and good frames, fed in
 * random chunk sizes. Every good frame must come out, in order, nothing else. */
static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static void test_random_streams(void **state)
{
    static uint8_t wire[4096], want[16][CAP];
    size_t want_len[16];
    unsigned iter;
    (void)state;
    for (iter = 0; iter < 3000; iter++) {
        size_t n = 0, nwant = 0, noise = 0, pos = 0, k, i;
        unsigned nerr = 0;
        uint8_t buf[CAP];
        espl_slip_dec_t d;
        result_t r;
        unsigned parts = 1 + rnd(6);
        for (k = 0; k < parts; k++) {
            unsigned kind = rnd(10), len;
            /* noise between frames (anything but C0), also right after an empty or a dropped
             * frame: every frame ends at its closing C0, what follows is outside a frame */
            for (i = rnd(4); i > 0; i--, noise++)
                wire[n++] = (uint8_t)(0x20 + rnd(0x80));
            if (kind == 0) { /* empty frame */
                wire[n++] = 0xC0;
                wire[n++] = 0xC0;
                continue;
            }
            wire[n++] = 0xC0;
            len = 1 + rnd(kind == 1 ? CAP + 8 : CAP);
            if (kind == 2) { /* a bad escape somewhere in the body */
                for (i = 0; i < len; i++)
                    wire[n++] = (uint8_t)(rnd(2) ? 0x41 : 0xDD);
                wire[n++] = 0xDB;
                wire[n++] = 0x07;
                wire[n++] = 0xC0;
                nerr++;
                continue;
            }
            for (i = 0; i < len; i++) {
                uint8_t b = (uint8_t)(rnd(4) == 0 ? (rnd(2) ? 0xC0 : 0xDB) : rnd(256));
                if (i < CAP)
                    want[nwant][i] = b;
                if (b == 0xC0 || b == 0xDB) {
                    wire[n++] = 0xDB;
                    wire[n++] = b == 0xC0 ? 0xDC : 0xDD;
                } else {
                    wire[n++] = b;
                }
            }
            wire[n++] = 0xC0;
            if (len > CAP) {
                nerr++; /* oversize: dropped */
            } else {
                want_len[nwant++] = len;
            }
        }
        memset(&r, 0, sizeof(r));
        espl_slip_dec_init(&d, buf, CAP);
        while (pos < n) {
            size_t chunk = 1 + rnd(40);
            if (chunk > n - pos)
                chunk = n - pos;
            feed(&d, wire + pos, chunk, &r);
            pos += chunk;
        }
        assert_int_equal(r.nframes, nwant);
        for (k = 0; k < nwant; k++)
            expect_frame(&r, k, want[k], want_len[k]);
        assert_int_equal(r.nerrors, nerr);
        assert_int_equal(d.noise, noise);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_trace_frame),
        cmocka_unit_test(test_empty_frames_skipped),
        cmocka_unit_test(test_noise_before_frame),
        cmocka_unit_test(test_noise_between_frames),
        cmocka_unit_test(test_bad_escape_resync),
        cmocka_unit_test(test_oversize_resync),
        cmocka_unit_test(test_oversize_escaped_tail),
        cmocka_unit_test(test_split_every_boundary),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_stops_after_frame),
        cmocka_unit_test(test_set_buf),
        cmocka_unit_test(test_encode_escapes),
        cmocka_unit_test(test_encode_trace_frame),
        cmocka_unit_test(test_encode_every_byte_round_trip),
        cmocka_unit_test(test_noise_after_empty_frame),
        cmocka_unit_test(test_random_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
