/*
 * Response decoding (docs/protocol.md §2.2 sharpened by traces/README.md): where the status bytes
 * sit, which of them count (only byte 0, and byte 1 when byte 0 says "error"), the sticky value
 * field, short and truncated frames, the "unsupported" reply under a stale opcode. Plus the
 * ESP8266 erase-size workaround (§5.5.1) and the ROM's hex MD5 text (§5.13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "trace_data.h"

/* Parse a frame body given as hex (the trace's wire bytes without the C0s and no escapes). */
static espl_proto_resp_status_t parse_hex(const char *hex, size_t resp_len, espl_proto_resp_t *r,
                                          uint8_t *buf, size_t cap)
{
    size_t n = hex_bytes(hex, buf, cap);
    assert_true(n > 0);
    memset(r, 0x5A, sizeof(*r));
    return espl_proto_parse_resp(buf, n, resp_len, r);
}

static void test_rom_ok(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* READ_REG reply of the ESP32 magic (esp32-rom-chip-id) */
    assert_int_equal(parse_hex("01 0a 04 00 83 1d f0 00 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.op, 0x0A);
    assert_int_equal(r.size, 4);
    assert_int_equal(r.value, 0x00F01D83);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.data_len, 0);
    /* SYNC reply: value 0x20120707 */
    assert_int_equal(parse_hex("01 08 04 00 07 07 12 20 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.op, 0x08);
    assert_int_equal(r.value, 0x20120707);
    assert_int_equal(r.status, 0);
}

static void test_rom_stale_status_bytes(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* Successes whose bytes 1..3 are leftovers (esp32-rom-probes A25, A27, A34): only byte 0
     * decides. */
    assert_int_equal(parse_hex("01 02 04 00 83 1d f0 00 00 0a 02 03", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0);
    assert_int_equal(parse_hex("01 03 04 00 83 1d f0 00 00 07 02 03", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0);
    assert_int_equal(parse_hex("01 08 04 00 07 07 12 20 00 00 38 31", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0);
    assert_int_equal(parse_hex("01 03 04 00 5a 01 00 00 00 05 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0);
}

static void test_rom_failures(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* FLASH_DATA bad checksum: 01 07 with stale 02 03 (probe A26) */
    assert_int_equal(parse_hex("01 03 04 00 83 1d f0 00 01 07 02 03", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.op, 0x03);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.reason, 0x07);
    /* FLASH_BEGIN with the wrong word count: 01 05 38 31 (probe A32) */
    assert_int_equal(parse_hex("01 02 04 00 83 1d f0 00 01 05 38 31", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.reason, 0x05);
    /* C3: FLASH_DATA without FLASH_BEGIN: 01 64 */
    assert_int_equal(parse_hex("01 03 04 00 00 00 00 00 01 64 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.reason, 0x64);
}

static void test_esp8266_rom(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* 2 status bytes (§2.2) */
    assert_int_equal(parse_hex("01 0a 02 00 01 c1 f0 ff 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.value, 0xFFF0C101);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.size, 2);
    assert_int_equal(parse_hex("01 03 02 00 00 00 00 00 01 07", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.reason, 7);
}

static void test_stub(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* stub READ_REG (esp32-stub-write-flash-z): size 2, value 0x001640C8 */
    assert_int_equal(parse_hex("01 0a 02 00 c8 40 16 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.value, 0x001640C8);
    assert_int_equal(r.status, 0);
    /* stub error: code in the FIRST byte (0xC1 bad checksum) */
    assert_int_equal(parse_hex("01 03 02 00 00 00 00 00 c1 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0xC1);
    assert_int_equal(r.reason, 0);
    /* stub GET_SECURITY_INFO on ESP32: CMD_NOT_IMPLEMENTED, echoing the opcode */
    assert_int_equal(parse_hex("01 14 02 00 00 00 00 00 ff 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 0xFF);
    assert_false(espl_proto_is_unsupported(&r, 0x14)); /* same opcode: a plain failure */
}

static void test_md5_replies(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* ROM: 32 hex chars + 4 status (esp32-rom-write-flash-u) */
    assert_int_equal(parse_hex("01 13 24 00 00 00 00 00 38 65 63 63 61 30 34 63 37 63 36 35 63"
                               " 35 31 63 32 62 32 34 32 64 35 33 33 64 38 36 33 30 64 37"
                               " 00 00 00 00",
                               32, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.size, 36);
    assert_int_equal(r.data_len, 32);
    assert_memory_equal(r.data, "8ecca04c7c65c51c2b242d533d8630d7", 32);
    assert_int_equal(r.status, 0);
    /* stub: 16 raw bytes + 2 status (esp32-stub-write-flash-z) */
    assert_int_equal(parse_hex("01 13 12 00 00 00 00 00 8e cc a0 4c 7c 65 c5 1c 2b 24 2d 53 3d 86"
                               " 30 d7 00 00",
                               16, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.data_len, 16);
    assert_int_equal(r.data[0], 0x8E);
    assert_int_equal(r.data[15], 0xD7);
    assert_int_equal(r.status, 0);
    /* the data pointer points into the frame */
    assert_ptr_equal(r.data, b + 8);
}

static void test_security_info(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    static const char c3[] = "01 14 18 00 07 07 12 20 00 00 00 00 00 00 00 00 00 00 00 0c 05 00 00"
                             " 00 01 00 00 00 00 00 00 00";
    static const char s2[] = "01 14 10 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00"
                             " 00 00 00 00";
    (void)state;
    /* C3: 20 bytes + 4 status, stale value (esp32c3-rom-chip-id) */
    assert_int_equal(parse_hex(c3, 20, &r, b, sizeof(b)), ESP_PROTO_RESP_OK);
    assert_int_equal(r.data_len, 20);
    assert_int_equal(espl_get_le32(r.data + 12), 5);
    assert_int_equal(r.status, 0);
    /* S2: 12 bytes. Parsed as 20 it is too short (and its first byte is 0: no failure code),
     * parsed as 12 it is fine (esptool tries 20, then 12). */
    assert_int_equal(parse_hex(s2, 20, &r, b, sizeof(b)), ESP_PROTO_RESP_SHORT);
    assert_int_equal(parse_hex(s2, 12, &r, b, sizeof(b)), ESP_PROTO_RESP_OK);
    assert_int_equal(r.data_len, 12);
    assert_int_equal(espl_get_le32(r.data), 0x100); /* flags: DIS_USB */
    assert_int_equal(r.status, 0);
}

static void test_read_flash_slow_reply(void **state)
{
    uint8_t frame[8 + 68];
    espl_proto_resp_t r;
    size_t i;
    (void)state;
    /* 64 data bytes + 4 status (esp32-rom-read-flash), and the failing 01 0a case (A24) */
    frame[0] = 0x01;
    frame[1] = 0x0E;
    frame[2] = 68;
    frame[3] = 0;
    memset(frame + 4, 0, 4);
    for (i = 0; i < 64; i++)
        frame[8 + i] = (uint8_t)i;
    memset(frame + 72, 0, 4);
    assert_int_equal(espl_proto_parse_resp(frame, sizeof(frame), 64, &r), ESP_PROTO_RESP_OK);
    assert_int_equal(r.data_len, 64);
    assert_memory_equal(r.data, frame + 8, 64);
    assert_int_equal(r.status, 0);
    frame[72] = 0x01;
    frame[73] = 0x0A;
    assert_int_equal(espl_proto_parse_resp(frame, sizeof(frame), 64, &r), ESP_PROTO_RESP_OK);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.reason, 0x0A);
}

static void test_not_responses(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* direction 0 (an echo of a host command) */
    assert_int_equal(parse_hex("00 0a 04 00 00 00 00 00 00 10 00 40", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_NOT_RESP);
    /* direction 2 */
    assert_int_equal(parse_hex("02 0a 04 00 00 00 00 00 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_NOT_RESP);
    /* shorter than 8 bytes: OHAI, a READ_FLASH ack, a 7-byte stump */
    assert_int_equal(parse_hex("4f 48 41 49", 0, &r, b, sizeof(b)), ESP_PROTO_RESP_NOT_RESP);
    assert_int_equal(parse_hex("01 0a 04 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_NOT_RESP);
    assert_int_equal(espl_proto_parse_resp(b, 0, 0, &r), ESP_PROTO_RESP_NOT_RESP);
}

static void test_short_and_truncated(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    espl_proto_resp_status_t st;
    (void)state;
    /* header only, size 0: no status bytes at all */
    assert_int_equal(parse_hex("01 0a 00 00 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_SHORT);
    /* one status byte */
    assert_int_equal(parse_hex("01 0a 01 00 00 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_SHORT);
    /* ROM MD5 expected, but only 4 bytes of data with a zero first byte */
    assert_int_equal(parse_hex("01 13 04 00 00 00 00 00 00 00 00 00", 32, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_SHORT);
    /* size field says 4 but only 2 bytes came: truncated, never a success */
    st = parse_hex("01 0a 04 00 00 00 00 00 00 00", 0, &r, b, sizeof(b));
    assert_int_not_equal(st, ESP_PROTO_RESP_OK);
    /* size field says 36 (an MD5 reply) but the frame stops after 20 data bytes */
    st = parse_hex("01 13 24 00 00 00 00 00 38 65 63 63 61 30 34 63 37 63 36 35 63 35 31 63 32"
                   " 62 32 34",
                   32, &r, b, sizeof(b));
    assert_int_not_equal(st, ESP_PROTO_RESP_OK);
    /* size field 4 but 36 bytes follow: only the announced 4 bytes are the reply, so this is no
     * 32-byte MD5 result with a success status behind it */
    st = parse_hex("01 13 04 00 00 00 00 00 38 65 63 63 61 30 34 63 37 63 36 35 63 35 31 63 32 62"
                   " 32 34 32 64 35 33 33 64 38 36 33 30 64 37 00 00 00 00",
                   32, &r, b, sizeof(b));
    assert_false(st == ESP_PROTO_RESP_OK && r.status == 0);
    /* a failure too short for the result bytes must still not read as a success (§2.2: a
     * non-zero first byte of data[0:2] is a failure) */
    st = parse_hex("01 13 04 00 00 00 00 00 01 05 00 00", 32, &r, b, sizeof(b));
    assert_false(st == ESP_PROTO_RESP_OK && r.status == 0);
}

static void test_unsupported_reply(void **state)
{
    uint8_t b[64];
    espl_proto_resp_t r;
    (void)state;
    /* ESP32 GET_SECURITY_INFO right after SYNC: the stale SYNC header with 01 05, 8 times
     * (esp32-rom-chip-id). */
    assert_int_equal(parse_hex("01 08 04 00 07 07 12 20 01 05 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_int_equal(r.op, 0x08);
    assert_int_equal(r.status, 1);
    assert_int_equal(r.reason, 5);
    assert_true(espl_proto_is_unsupported(&r, ESP_OP_GET_SECURITY_INFO));
    assert_true(espl_proto_is_unsupported(&r, ESP_OP_READ_REG));
    assert_false(espl_proto_is_unsupported(&r, ESP_OP_SYNC)); /* own opcode: ordinary failure */
    /* after a READ_REG: stale READ_REG header (probe A04) */
    assert_int_equal(parse_hex("01 0a 04 00 83 1d f0 00 01 05 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_true(espl_proto_is_unsupported(&r, ESP_OP_GET_SECURITY_INFO));
    /* first frame after boot: opcode 0x00, value 0 */
    assert_int_equal(parse_hex("01 00 04 00 00 00 00 00 01 05 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_true(espl_proto_is_unsupported(&r, ESP_OP_READ_REG));
    /* ESP8266 ROM form: 2 status bytes */
    assert_int_equal(parse_hex("01 08 02 00 07 07 12 20 01 05", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_true(espl_proto_is_unsupported(&r, ESP_OP_GET_SECURITY_INFO));
    /* not unsupported: a success under another opcode (a late SYNC reply), or 01 07 */
    assert_int_equal(parse_hex("01 08 04 00 07 07 12 20 00 00 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_false(espl_proto_is_unsupported(&r, ESP_OP_READ_REG));
    assert_int_equal(parse_hex("01 03 04 00 00 00 00 00 01 07 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_false(espl_proto_is_unsupported(&r, ESP_OP_READ_REG));
    /* a stale success byte 1 = 05 is no "unsupported" either (only byte 0 = 1 counts) */
    assert_int_equal(parse_hex("01 0a 04 00 5a 01 00 00 00 05 00 00", 0, &r, b, sizeof(b)),
                     ESP_PROTO_RESP_OK);
    assert_false(espl_proto_is_unsupported(&r, ESP_OP_FLASH_DATA));
}

static void test_esp8266_erase_size(void **state)
{
    (void)state;
    /* the spec's examples (§5.5.1) */
    assert_int_equal(espl_proto_esp8266_erase_size(0x3000, 50000), 0x7000);
    assert_int_equal(espl_proto_esp8266_erase_size(0, 1u << 20), 0xF0000);
    /* by hand from the formula: n sectors, head = 16 - s%16 capped at n */
    /* n=1 head=1: n < 2*head -> (1+1)/2 sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0, 1), 0x1000);
    assert_int_equal(espl_proto_esp8266_erase_size(0x3000, 1), 0x1000);
    assert_int_equal(espl_proto_esp8266_erase_size(0, 4096), 0x1000);
    /* n=16 at a block start: head 16, 16 < 32 -> 17/2 = 8 sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0x10000, 0x10000), 0x8000);
    /* n=3 at sector 15: head 1, 3 >= 2 -> (3-1) sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0xF000, 0x3000), 0x2000);
    /* n=64 at 0: head 16 -> 48 sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0, 0x40000), 0x30000);
    /* n=9 at sector 8: head 8, 9 < 16 -> 10/2 = 5 sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0x8000, 0x9000), 0x5000);
    /* n=2 (4097 bytes round up) at sector 0: head 2, 2 < 4 -> 3/2 = 1 sector */
    assert_int_equal(espl_proto_esp8266_erase_size(0, 4097), 0x1000);
    /* n=20 at sector 14: head 2, 20 >= 4 -> 18 sectors */
    assert_int_equal(espl_proto_esp8266_erase_size(0xE000, 20 * 4096), 18 * 4096);
    /* nothing to erase */
    assert_int_equal(espl_proto_esp8266_erase_size(0x10000, 0), 0);
}

static void test_hex_md5(void **state)
{
    uint8_t out[16];
    static const uint8_t want[16] = {0x8e, 0xcc, 0xa0, 0x4c, 0x7c, 0x65, 0xc5, 0x1c,
                                     0x2b, 0x24, 0x2d, 0x53, 0x3d, 0x86, 0x30, 0xd7};
    static const uint8_t empty[16] = {0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04,
                                      0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e};
    uint8_t bad[33];
    (void)state;
    assert_true(espl_proto_hex_md5((const uint8_t *)"8ecca04c7c65c51c2b242d533d8630d7", out));
    assert_memory_equal(out, want, 16);
    assert_true(espl_proto_hex_md5((const uint8_t *)"d41d8cd98f00b204e9800998ecf8427e", out));
    assert_memory_equal(out, empty, 16);
    /* not hex: a 'g', a space, a NUL in the middle */
    memcpy(bad, "8ecca04c7c65c51c2b242d533d8630dg", 33);
    assert_false(espl_proto_hex_md5(bad, out));
    memcpy(bad, "8ecca04c7c65c51c 2b242d533d8630d", 33);
    assert_false(espl_proto_hex_md5(bad, out));
    memcpy(bad, "8ecca04c7c65c51c2b242d533d8630d7", 33);
    bad[5] = 0;
    assert_false(espl_proto_hex_md5(bad, out));
    /* upper case is not what the ROM sends, but it is hex */
    if (espl_proto_hex_md5((const uint8_t *)"8ECCA04C7C65C51C2B242D533D8630D7", out))
        assert_memory_equal(out, want, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rom_ok),
        cmocka_unit_test(test_rom_stale_status_bytes),
        cmocka_unit_test(test_rom_failures),
        cmocka_unit_test(test_esp8266_rom),
        cmocka_unit_test(test_stub),
        cmocka_unit_test(test_md5_replies),
        cmocka_unit_test(test_security_info),
        cmocka_unit_test(test_read_flash_slow_reply),
        cmocka_unit_test(test_not_responses),
        cmocka_unit_test(test_short_and_truncated),
        cmocka_unit_test(test_unsupported_reply),
        cmocka_unit_test(test_esp8266_erase_size),
        cmocka_unit_test(test_hex_md5),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
