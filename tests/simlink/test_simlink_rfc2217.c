/*
 * The RFC2217 server codec of esploader-sim on its own: telnet negotiation, IAC escaping,
 * COM-PORT answers and the DTR/RTS reset pattern of docs/protocol.md §10.6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rfc2217_server.h"

typedef struct rec {
    uint8_t data[256];
    size_t data_len;
    uint8_t reply[1024];
    size_t reply_len;
    uint32_t baud;
    int baud_calls;
    int download_resets, run_resets;
    int purges;
    char order[64]; /* 'D' download reset, 'R' run reset, in order */
} rec_t;

static void h_data(void *ctx, const uint8_t *d, size_t n)
{
    rec_t *r = ctx;
    assert_true(r->data_len + n <= sizeof(r->data));
    memcpy(r->data + r->data_len, d, n);
    r->data_len += n;
}

static void h_reply(void *ctx, const uint8_t *d, size_t n)
{
    rec_t *r = ctx;
    assert_true(r->reply_len + n <= sizeof(r->reply));
    memcpy(r->reply + r->reply_len, d, n);
    r->reply_len += n;
}

static void h_baud(void *ctx, uint32_t baud)
{
    rec_t *r = ctx;
    r->baud = baud;
    r->baud_calls++;
}

static void h_reset(void *ctx, bool download)
{
    rec_t *r = ctx;
    size_t k = strlen(r->order);
    if (k + 1 < sizeof(r->order)) {
        r->order[k] = download ? 'D' : 'R';
    }
    if (download) {
        r->download_resets++;
    } else {
        r->run_resets++;
    }
}

static void h_purge(void *ctx, bool rx, bool tx)
{
    rec_t *r = ctx;
    (void)tx;
    r->purges += rx ? 1 : 0;
}

static void start(rfc2217_server_t *s, rec_t *r)
{
    memset(r, 0, sizeof(*r));
    rfc2217_hooks_t h = {r, h_data, h_reply, h_baud, h_reset, h_purge};
    rfc2217_server_start(s, &h, 115200);
}

static void feed(rfc2217_server_t *s, const uint8_t *d, size_t n)
{
    rfc2217_server_feed(s, d, n);
}

static void set_control(rfc2217_server_t *s, uint8_t v)
{
    const uint8_t m[] = {255, 250, 44, 5, v, 255, 240};
    feed(s, m, sizeof(m));
}

static void test_opening_negotiation(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    const uint8_t want[] = {255, 251, 0, 255, 253, 0, 255, 251, 3, 255, 253, 44};
    assert_int_equal(r.reply_len, sizeof(want));
    assert_memory_equal(r.reply, want, sizeof(want));

    /* Answers to what we asked for are not answered again (no negotiation loop). */
    r.reply_len = 0;
    const uint8_t agree[] = {255, 251, 44, 255, 251, 0, 255, 253, 0, 255, 253, 3};
    feed(&s, agree, sizeof(agree));
    assert_int_equal(r.reply_len, 0);

    /* New requests get exactly one answer: SGA from the client accepted, ECHO refused. */
    const uint8_t ask[] = {255, 251, 3, 255, 251, 1, 255, 253, 1};
    feed(&s, ask, sizeof(ask));
    const uint8_t ans[] = {255, 253, 3, 255, 254, 1, 255, 252, 1};
    assert_int_equal(r.reply_len, sizeof(ans));
    assert_memory_equal(r.reply, ans, sizeof(ans));
    assert_int_equal(r.data_len, 0);
}

static void test_data_and_iac_escaping(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    r.reply_len = 0;
    /* "ab" IAC IAC "c" IAC NOP "d" IAC WILL ECHO "e": data is a b FF c d e */
    const uint8_t in[] = {'a', 'b', 255, 255, 'c', 255, 241, 'd', 255, 251, 1, 'e'};
    /* Byte by byte and all at once must give the same. */
    for (size_t i = 0; i < sizeof(in); i++) {
        feed(&s, &in[i], 1);
    }
    const uint8_t want[] = {'a', 'b', 255, 'c', 'd', 'e'};
    assert_int_equal(r.data_len, sizeof(want));
    assert_memory_equal(r.data, want, sizeof(want));
    r.data_len = 0;
    feed(&s, in, sizeof(in));
    assert_int_equal(r.data_len, sizeof(want));
    assert_memory_equal(r.data, want, sizeof(want));

    uint8_t out[8];
    const uint8_t chip[3] = {0xC0, 0xFF, 0x01};
    assert_int_equal(rfc2217_escape(chip, 3, out), 4);
    const uint8_t esc[4] = {0xC0, 0xFF, 0xFF, 0x01};
    assert_memory_equal(out, esc, 4);
}

static void test_set_baudrate(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    r.reply_len = 0;
    /* 921600 = 00 0E 10 00 */
    const uint8_t set[] = {255, 250, 44, 1, 0x00, 0x0E, 0x10, 0x00, 255, 240};
    feed(&s, set, sizeof(set));
    assert_int_equal(r.baud, 921600);
    const uint8_t ans[] = {255, 250, 44, 101, 0x00, 0x0E, 0x10, 0x00, 255, 240};
    assert_int_equal(r.reply_len, sizeof(ans));
    assert_memory_equal(r.reply, ans, sizeof(ans));

    /* A value with an FF byte travels escaped both ways: 0x0001FF00 = 130816. */
    r.reply_len = 0;
    const uint8_t set2[] = {255, 250, 44, 1, 0x00, 0x01, 255, 255, 0x00, 255, 240};
    feed(&s, set2, sizeof(set2));
    assert_int_equal(r.baud, 130816);
    const uint8_t ans2[] = {255, 250, 44, 101, 0x00, 0x01, 255, 255, 0x00, 255, 240};
    assert_int_equal(r.reply_len, sizeof(ans2));
    assert_memory_equal(r.reply, ans2, sizeof(ans2));

    /* Baud 0 is a query: answered with the current rate, no change. */
    r.reply_len = 0;
    const uint8_t q[] = {255, 250, 44, 1, 0, 0, 0, 0, 255, 240};
    feed(&s, q, sizeof(q));
    assert_int_equal(r.baud_calls, 2);
    assert_memory_equal(r.reply, ans2, sizeof(ans2));
    assert_int_equal(r.data_len, 0);
}

static void test_other_settings_answered(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    r.reply_len = 0;
    const uint8_t in[] = {255, 250, 44, 2,  8,   255, 240, /* datasize 8 */
                          255, 250, 44, 3,  1,   255, 240, /* parity none */
                          255, 250, 44, 4,  1,   255, 240, /* 1 stop bit */
                          255, 250, 44, 12, 1,   255, 240, /* purge rx */
                          255, 250, 44, 0,  255, 240};     /* signature query */
    feed(&s, in, sizeof(in));
    const uint8_t want_head[] = {255, 250, 44,  102, 8,   255, 240, 255, 250, 44,  103,
                                 1,   255, 240, 255, 250, 44,  104, 1,   255, 240, 255,
                                 250, 44,  112, 1,   255, 240, 255, 250, 44,  100, 'e'};
    assert_true(r.reply_len > sizeof(want_head));
    assert_memory_equal(r.reply, want_head, sizeof(want_head));
    assert_int_equal(r.purges, 1);
}

static void test_classic_reset_pattern(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    /* esptool's ClassicReset over RFC2217, with the DTR re-send after each RTS change:
     * D0 R1 D0 | W0.1 | D1 R0 D1 | W0.05 | D0 */
    const uint8_t seq[] = {9, 11, 9, 8, 12, 8, 9};
    for (size_t i = 0; i < sizeof(seq); i++) {
        set_control(&s, seq[i]);
    }
    assert_int_equal(r.download_resets, 1);
    assert_int_equal(r.run_resets, 0);
    assert_string_equal(r.order, "D");

    /* --after hard-reset: R1 D0 | W0.1 | R0 D0 -> one normal boot. */
    const uint8_t hard[] = {11, 9, 12, 9};
    for (size_t i = 0; i < sizeof(hard); i++) {
        set_control(&s, hard[i]);
    }
    assert_int_equal(r.download_resets, 1);
    assert_int_equal(r.run_resets, 1);
    assert_string_equal(r.order, "DR");

    /* UnixTight-style pairs, DTR sent before RTS: (T,T) (F,T) (T,F) (F,F). The final
     * "RTS off" repeats a released line, so it must not reboot the chip out of download
     * mode; the first pair already counts as a download reset (DTR on). */
    const uint8_t tight[] = {8, 11, 9, 11, 8, 12, 9, 12};
    for (size_t i = 0; i < sizeof(tight); i++) {
        set_control(&s, tight[i]);
    }
    assert_string_equal(r.order, "DRDD");

    /* A repeated "RTS off" alone never resets; an RTS pulse always does. */
    set_control(&s, 12);
    assert_int_equal(r.run_resets, 1);
    set_control(&s, 11);
    set_control(&s, 12);
    assert_int_equal(r.run_resets, 2);
    assert_string_equal(r.order, "DRDDR");
}

static void test_control_answers(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    set_control(&s, 8);
    r.reply_len = 0;
    set_control(&s, 7); /* request DTR state */
    set_control(&s, 10);
    set_control(&s, 0); /* request flow control: none */
    const uint8_t want[] = {255, 250, 44,  105, 8,   255, 240, 255, 250, 44, 105,
                            12,  255, 240, 255, 250, 44,  105, 1,   255, 240};
    assert_int_equal(r.reply_len, sizeof(want));
    assert_memory_equal(r.reply, want, sizeof(want));
    assert_int_equal(r.download_resets, 1);
}

static void test_garbage_never_breaks_it(void **state)
{
    (void)state;
    rfc2217_server_t s;
    rec_t r;
    start(&s, &r);
    uint32_t x = 12345;
    uint8_t junk[97];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(junk); i++) {
            x = x * 1103515245u + 12345u;
            junk[i] = (uint8_t)(x >> 16);
        }
        r.data_len = 0;
        r.reply_len = 0;
        feed(&s, junk, sizeof(junk));
        assert_true(r.data_len <= sizeof(junk));
    }
    /* An over-long subnegotiation is ignored, and the codec is in step afterwards. */
    uint8_t longsb[200];
    memset(longsb, 1, sizeof(longsb));
    longsb[0] = 255;
    longsb[1] = 250;
    longsb[2] = 44;
    longsb[3] = 1;
    longsb[198] = 255;
    longsb[199] = 240;
    /* Resynchronise first: whatever state the junk left is ended by a complete IAC SE. */
    const uint8_t resync[] = {255, 240, 255, 240};
    feed(&s, resync, sizeof(resync));
    int calls = r.baud_calls;
    feed(&s, longsb, sizeof(longsb));
    assert_int_equal(r.baud_calls, calls);
    r.data_len = 0;
    const uint8_t tail[] = {'o', 'k'};
    feed(&s, tail, 2);
    assert_int_equal(r.data_len, 2);
    assert_memory_equal(r.data, "ok", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opening_negotiation),
        cmocka_unit_test(test_data_and_iac_escaping),
        cmocka_unit_test(test_set_baudrate),
        cmocka_unit_test(test_other_settings_answered),
        cmocka_unit_test(test_classic_reset_pattern),
        cmocka_unit_test(test_control_answers),
        cmocka_unit_test(test_garbage_never_breaks_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
