/*
 * Connect and chip detection through the public API, against the scripted fake target:
 * every chip (GET_SECURITY_INFO chip id, else the magic register, docs/protocol.md §7), with clean
 * and with stale ROM status bytes, the wrong-chip and unknown-chip diagnostics, the ESP32-S2's
 * 12-byte security info, the S2 in Secure Download Mode, a stub that is already running, and a
 * stub upload ending in OHAI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"
#include "trace_data.h"

static void expect_frame_hex(const fp_frame_t *f, const char *hex)
{
    uint8_t want[128];
    size_t n = hex_bytes(hex, want, sizeof(want));
    assert_non_null(f);
    assert_true(n > 0);
    assert_int_equal(f->len, n);
    assert_memory_equal(f->bytes, want, n);
}

static const char sync_hex[] = "00 08 24 00 00 00 00 00 07 07 12 20"
                               " 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55"
                               " 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55";

/* Index of the READ_REG(0x40001000) frame, or -1. */
static long magic_read_index(const fake_port_t *fp)
{
    static const uint8_t magic_rd[12] = {0x00, 0x0A, 0x04, 0x00, 0,    0,
                                         0,    0,    0x00, 0x10, 0x00, 0x40};
    size_t i;
    for (i = 0; i < fp->nframes; i++)
        if (fp->frames[i].len == 12 && memcmp(fp->frames[i].bytes, magic_rd, 12) == 0)
            return (long)i;
    return -1;
}

static bool uses_magic(esploader_chip_t c)
{
    return c == ESPLOADER_CHIP_ESP8266 || c == ESPLOADER_CHIP_ESP32 || c == ESPLOADER_CHIP_ESP32S2;
}

typedef struct {
    esploader_chip_t chip;
    bool stale;
} detect_case_t;

static void detect(const detect_case_t *c)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    long sec, magic;

    fp_init(&fp);
    fp_chip_rom(&fp, c->chip);
    fp.stale_status = c->stale;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), c->chip);
    assert_false(esploader_stub_running(&l));
    assert_false(esploader_secure_download_mode(&l));
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_NONE);

    /* one SYNC was enough, and it is byte-exact */
    assert_int_equal(fp_count_op(&fp, 0x08), 1);
    expect_frame_hex(&fp.frames[0], sync_hex);

    sec = fp_index_of(&fp, 0x14, 0);
    magic = magic_read_index(&fp);
    if (c->chip == ESPLOADER_CHIP_ESP8266 || c->chip == ESPLOADER_CHIP_ESP32) {
        /* GET_SECURITY_INFO is optional here (it is rejected), the magic read is not */
        assert_true(magic > 0);
        if (sec >= 0)
            assert_true(sec < magic);
    } else {
        assert_true(sec > 0);
        expect_frame_hex(&fp.frames[sec], "00 14 00 00 00 00 00 00");
        if (uses_magic(c->chip))
            assert_true(magic > sec); /* S2: no chip id in its 12 bytes, so the magic next */
        else
            assert_int_equal(magic, -1); /* the chip id decided: no magic read needed */
    }

    /* ESP32+ ROMs get SPI_ATTACH(0) in the ROM's 8-byte form; the ESP8266 ROM has none */
    if (c->chip == ESPLOADER_CHIP_ESP8266) {
        assert_int_equal(fp_count_op(&fp, 0x0D), 0);
    } else {
        assert_int_equal(fp_count_op(&fp, 0x0D), 1);
        expect_frame_hex(fp_find_op(&fp, 0x0D, 0),
                         "00 0d 08 00 00 00 00 00 00 00 00 00 00 00 00 00");
    }
    /* the port is read in chunks, never one call per byte */
    assert_true(fp.read_bytes_asked_max >= 14);
    fp_free(&fp);
}

static void test_detect(void **state)
{
    detect((const detect_case_t *)*state);
}

#define CASES(c)                                                                                   \
    static detect_case_t c##_clean = {ESPLOADER_CHIP_##c, false};                                  \
    static detect_case_t c##_stale = {ESPLOADER_CHIP_##c, true};
CASES(ESP8266)
CASES(ESP32)
CASES(ESP32S2)
CASES(ESP32S3)
CASES(ESP32C2)
CASES(ESP32C3)
CASES(ESP32C5)
CASES(ESP32C6)
CASES(ESP32C61)
CASES(ESP32H2)
CASES(ESP32P4)
CASES(ESP32S31)
CASES(ESP32E22)
CASES(ESP32H21)
CASES(ESP32H4)

/* The exact ESP32 chip-id trace: 8 x SYNC reply, 8 x the stale-opcode unsupported reply to
 * GET_SECURITY_INFO, then the magic, given as the trace's wire bytes. */
static void test_esp32_trace_bytes(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint8_t sync_reply[16], unsup[16], magic[16];
    size_t ns = hex_bytes("c0 01 08 04 00 07 07 12 20 00 00 00 00 c0", sync_reply, 16);
    size_t nu = hex_bytes("c0 01 08 04 00 07 07 12 20 01 05 00 00 c0", unsup, 16);
    size_t nm = hex_bytes("c0 01 0a 04 00 83 1d f0 00 00 00 00 00 c0", magic, 16);
    fp_rule_t *r;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp_add_rule(&fp, 0x08, sync_reply, ns, 8);
    fp_add_rule(&fp, 0x14, unsup, nu, 8);
    r = fp_add_rule(&fp, 0x0A, magic, nm, 1);
    r->prefix[0] = 0x00; /* only READ_REG(0x40001000) */
    r->prefix[1] = 0x10;
    r->prefix[2] = 0x00;
    r->prefix[3] = 0x40;
    r->prefix_len = 4;
    fp.max_read_chunk = 5; /* replies trickle in, split inside frames */
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32);
    assert_true(magic_read_index(&fp) > 0);
    fp_free(&fp);
}

static void wrong_chip(esploader_chip_t actual, esploader_chip_t configured)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    fp_init(&fp);
    fp_chip_rom(&fp, actual);
    fp_config(&fp, &cfg);
    cfg.chip = configured;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_not_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_WRONG_CHIP);
    /* the session is unusable, but the caller learns what is there without reconnecting */
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_AUTO);
    assert_int_equal(esploader_detected_chip(&l), actual);
    assert_string_not_equal(esploader_diag_str(esploader_connect_diag(&l)), "");
    fp_free(&fp);
}

static void test_wrong_chip(void **state)
{
    (void)state;
    wrong_chip(ESPLOADER_CHIP_ESP32, ESPLOADER_CHIP_ESP32C3);   /* magic vs configured id */
    wrong_chip(ESPLOADER_CHIP_ESP32C3, ESPLOADER_CHIP_ESP32C6); /* chip id mismatch */
    wrong_chip(ESPLOADER_CHIP_ESP32S2, ESPLOADER_CHIP_ESP32);   /* magic mismatch */
    wrong_chip(ESPLOADER_CHIP_ESP8266, ESPLOADER_CHIP_ESP32S3);
}

static void test_right_chip_configured(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32H2);
    fp_config(&fp, &cfg);
    cfg.chip = ESPLOADER_CHIP_ESP32H2;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32H2);
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_NONE);
    fp_free(&fp);
}

static void test_unknown_chip(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    (void)state;
    /* an unknown chip id (retired 7 = C6-beta) */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp.sec_info[12] = 7;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_not_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_UNKNOWN_CHIP);
    fp_free(&fp);
    /* no security info and an unknown magic value */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp_set_reg(&fp, 0x40001000, 0x12345678);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_not_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_UNKNOWN_CHIP);
    fp_free(&fp);
}

static void test_s2_sdm(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_security_info_t info;
    uint32_t v = 0;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32S2);
    fp.sec_info[0] = 0x04; /* SECURE_DOWNLOAD_ENABLE */
    fp.read_reg_unsupported = true;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32S2);
    assert_true(esploader_secure_download_mode(&l));
    /* READ_REG is refused in SDM: an error, not a made-up value */
    assert_int_not_equal(esploader_read_register(&l, 0x3F41A044, &v), ESPLOADER_OK);
    /* security info still works and has no chip id */
    assert_int_equal(esploader_get_security_info(&l, &info), ESPLOADER_OK);
    assert_false(info.has_chip_id);
    assert_true(info.flags & ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE);
    fp_free(&fp);
}

static void test_security_info(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_security_info_t info;
    (void)state;
    /* C3 (values of the esp32c3-rom-chip-id trace) */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp.sec_info[4] = 0x03; /* flash_crypt_cnt */
    fp.sec_info[1] = 0x01; /* flags bit 8: DIS_USB */
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    memset(&info, 0x5A, sizeof(info));
    assert_int_equal(esploader_get_security_info(&l, &info), ESPLOADER_OK);
    assert_true(info.has_chip_id);
    assert_int_equal(info.chip_id, 5);
    assert_int_equal(info.eco_version, 1);
    assert_int_equal(info.flags, 0x100);
    assert_int_equal(info.flash_crypt_cnt, 3);
    assert_int_equal(info.key_purposes[6], 0x0C);
    assert_int_equal(info.key_purposes[0], 0);
    fp_free(&fp);
    /* S2: 12 bytes */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32S2);
    fp.sec_info[0] = 0x01; /* SECURE_BOOT_EN */
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_security_info(&l, &info), ESPLOADER_OK);
    assert_false(info.has_chip_id);
    assert_int_equal(info.flags, ESPLOADER_SEC_SECURE_BOOT_EN);
    assert_false(esploader_secure_download_mode(&l));
    fp_free(&fp);
    /* ESP32 ROM: unsupported */
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_security_info(&l, &info), ESPLOADER_ERR_UNSUPPORTED);
    /* and the session still works after the 8 unsupported frames */
    {
        uint32_t v = 0;
        assert_int_equal(esploader_read_register(&l, 0x40001000, &v), ESPLOADER_OK);
        assert_int_equal(v, 0x00F01D83);
    }
    fp_free(&fp);
}

static void stub_running(esploader_chip_t chip)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_stub_t stub;
    static const uint8_t text[16] = {1, 2, 3};
    fp_init(&fp);
    fp_chip_rom(&fp, chip);
    fp_stub_mode(&fp); /* SYNC value 0, 2 status bytes, ESP32 stub: 0xFF for security info */
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), chip);
    assert_true(esploader_stub_running(&l));
    /* no second upload */
    memset(&stub, 0, sizeof(stub));
    stub.entry = 0x40380004;
    stub.text = text;
    stub.text_size = sizeof(text);
    stub.text_addr = 0x40380000;
    assert_int_equal(esploader_run_stub(&l, &stub), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x05), 0);
    assert_int_equal(fp_count_op(&fp, 0x07), 0);
    fp_free(&fp);
}

static void test_stub_already_running(void **state)
{
    (void)state;
    stub_running(ESPLOADER_CHIP_ESP32C3);
    stub_running(ESPLOADER_CHIP_ESP32);
}

static void test_stub_upload(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_stub_t stub;
    uint8_t text[100], data[20];
    const fp_frame_t *f;
    uint32_t v = 0;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(text); i++)
        text[i] = (uint8_t)(i * 3);
    text[7] = 0xC0; /* goes through SLIP escaping */
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0xA0 + i);
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    memset(&stub, 0, sizeof(stub));
    stub.entry = 0x40380F2E;
    stub.text = text;
    stub.text_size = sizeof(text);
    stub.text_addr = 0x40380000;
    stub.data = data;
    stub.data_size = sizeof(data);
    stub.data_addr = 0x3FC96D68;
    stub.bss_start = 0x3FC96D00;
    assert_int_equal(esploader_run_stub(&l, &stub), ESPLOADER_OK);
    assert_true(esploader_stub_running(&l));
    /* two segments of one block each (block 0x1800, §5.4), then MEM_END(0, entry) */
    assert_int_equal(fp_count_op(&fp, 0x05), 2);
    assert_int_equal(fp_count_op(&fp, 0x07), 2);
    expect_frame_hex(fp_find_op(&fp, 0x05, 0), "00 05 10 00 00 00 00 00 64 00 00 00 01 00 00 00"
                                               " 00 18 00 00 00 00 38 40");
    expect_frame_hex(fp_find_op(&fp, 0x05, 1), "00 05 10 00 00 00 00 00 14 00 00 00 01 00 00 00"
                                               " 00 18 00 00 68 6d c9 3f");
    f = fp_find_op(&fp, 0x07, 0);
    assert_non_null(f);
    assert_int_equal(f->len, 8 + 16 + sizeof(text));
    assert_int_equal(f->bytes[2], 16 + sizeof(text));
    assert_int_equal(f->bytes[8], sizeof(text)); /* data length */
    assert_int_equal(f->bytes[12], 0);           /* seq */
    assert_memory_equal(f->bytes + 24, text, sizeof(text));
    {
        uint8_t chk = 0xEF;
        for (i = 0; i < sizeof(text); i++)
            chk ^= text[i];
        assert_int_equal(f->bytes[4], chk);
    }
    f = fp_find_op(&fp, 0x07, 1);
    assert_non_null(f);
    assert_memory_equal(f->bytes + 24, data, sizeof(data));
    expect_frame_hex(fp_find_op(&fp, 0x06, 0), "00 06 08 00 00 00 00 00 00 00 00 00 2e 0f 38 40");
    /* the stub's 2-byte status replies are understood from now on */
    fp_set_reg(&fp, 0x60008844, 0xCAFEF00D);
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_OK);
    assert_int_equal(v, 0xCAFEF00D);
    fp_free(&fp);
}

static void test_stub_upload_no_ohai(void **state)
{
    /* MEM_END acknowledged but no OHAI (the v2 stub under QEMU, traces/README.md): an error,
     * not a hang and not "stub running". */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_stub_t stub;
    uint8_t text[32] = {0};
    uint8_t ok[16];
    size_t n = hex_bytes("c0 01 06 04 00 00 00 00 00 00 00 00 00 c0", ok, sizeof(ok));
    int rc;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_add_rule(&fp, 0x06, ok, n, 1);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    memset(&stub, 0, sizeof(stub));
    stub.entry = 0x40380004;
    stub.text = text;
    stub.text_size = sizeof(text);
    stub.text_addr = 0x40380000;
    rc = esploader_run_stub(&l, &stub);
    assert_int_not_equal(rc, ESPLOADER_OK);
    assert_false(esploader_stub_running(&l));
    fp_free(&fp);
}

typedef struct {
    unsigned tx, rx, rx_sync;
    uint8_t first_tx[64];
    size_t first_tx_len;
} trace_log_t;

static void on_trace(void *user, bool tx, const uint8_t *frame, size_t len)
{
    static const uint8_t sync_reply[12] = {0x01, 0x08, 0x04, 0x00, 0x07, 0x07,
                                           0x12, 0x20, 0x00, 0x00, 0x00, 0x00};
    trace_log_t *t = user;
    if (tx) {
        if (t->tx++ == 0 && len <= sizeof(t->first_tx)) {
            memcpy(t->first_tx, frame, len);
            t->first_tx_len = len;
        }
    } else {
        t->rx++;
        if (len == 12 && memcmp(frame, sync_reply, 12) == 0)
            t->rx_sync++;
    }
}

static void test_trace_hook(void **state)
{
    /* The frame-trace hook sees unescaped bodies both ways: the SYNC we sent, the 8 replies. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    trace_log_t t;
    uint8_t want[64];
    size_t n = hex_bytes(sync_hex, want, sizeof(want));
    (void)state;
    memset(&t, 0, sizeof(t));
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.trace = on_trace;
    cfg.hook_user = &t;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(t.first_tx_len, n);
    assert_memory_equal(t.first_tx, want, n);
    assert_int_equal(t.rx_sync, 8);
    assert_int_equal(t.tx, fp.nframes); /* every frame the fake got was traced */
    fp_free(&fp);
}

static void test_esp8266_extra_sync_replies(void **state)
{
    /* Some ESP8266s answer SYNC more than 8 times (§5.1): the extras must not confuse
     * detection (they carry the SYNC opcode, not the one we wait for). */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint8_t reply[32];
    static const uint8_t st[2] = {0, 0};
    size_t n;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP8266);
    n = fp_build_resp(reply, 0x08, 0x20120707, NULL, 0, st, 2);
    fp_add_rule(&fp, 0x08, reply, n, 11);
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP8266);
    fp_free(&fp);
}

static void paced(esploader_chip_t chip, uint32_t pace)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t v = 0;
    fp_init(&fp);
    fp_chip_rom(&fp, chip);
    fp.pace_ms = pace;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), chip);
    assert_true(fp.now - 1000 >= 7 * pace); /* the 8 SYNC replies did trickle in */
    /* late copies of the unsupported reply must not pass for this command's reply */
    fp_set_reg(&fp, 0x3FF5A004, 0x12345678);
    assert_int_equal(esploader_read_register(&l, 0x3FF5A004, &v), ESPLOADER_OK);
    assert_int_equal(v, 0x12345678);
    fp_free(&fp);
}

static void test_paced_copies(void **state)
{
    /* The 8 SYNC replies and the 8 "unsupported" copies trickle in (the trace: 8 copies over
     * ~43 ms through a proxy). */
    (void)state;
    paced(ESPLOADER_CHIP_ESP32, 6);
    paced(ESPLOADER_CHIP_ESP32, 30);
    paced(ESPLOADER_CHIP_ESP32, 60);
    paced(ESPLOADER_CHIP_ESP8266, 30);
}

static void test_sdm_limits(void **state)
{
    /* Secure Download Mode (§4): no stub upload, and writes cannot be MD5-verified (the ROM
     * refuses SPI_FLASH_MD5): the write still works, but is reported unverified. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_stub_t stub;
    static uint8_t text[32], img[1024];
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32S2);
    fp.sec_info[0] = 0x04;
    fp.read_reg_unsupported = true;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_true(esploader_secure_download_mode(&l));
    memset(&stub, 0, sizeof(stub));
    stub.entry = 0x4002C400;
    stub.text = text;
    stub.text_size = sizeof(text);
    stub.text_addr = 0x4002C000;
    assert_int_equal(esploader_run_stub(&l, &stub), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(fp_count_op(&fp, 0x05), 0);
    assert_int_equal(esploader_flash_start(&l, 0x10000, sizeof(img), 0), ESPLOADER_OK);
    assert_int_equal(esploader_flash_write(&l, img, sizeof(img)), ESPLOADER_OK);
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

#define DETECT(c)                                                                                  \
    cmocka_unit_test_prestate(test_detect, &c##_clean),                                            \
        cmocka_unit_test_prestate(test_detect, &c##_stale)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DETECT(ESP8266),
        DETECT(ESP32),
        DETECT(ESP32S2),
        DETECT(ESP32S3),
        DETECT(ESP32C2),
        DETECT(ESP32C3),
        DETECT(ESP32C5),
        DETECT(ESP32C6),
        DETECT(ESP32C61),
        DETECT(ESP32H2),
        DETECT(ESP32P4),
        DETECT(ESP32S31),
        DETECT(ESP32E22),
        DETECT(ESP32H21),
        DETECT(ESP32H4),
        cmocka_unit_test(test_esp32_trace_bytes),
        cmocka_unit_test(test_wrong_chip),
        cmocka_unit_test(test_right_chip_configured),
        cmocka_unit_test(test_unknown_chip),
        cmocka_unit_test(test_s2_sdm),
        cmocka_unit_test(test_security_info),
        cmocka_unit_test(test_stub_already_running),
        cmocka_unit_test(test_stub_upload),
        cmocka_unit_test(test_stub_upload_no_ohai),
        cmocka_unit_test(test_trace_hook),
        cmocka_unit_test(test_esp8266_extra_sync_replies),
        cmocka_unit_test(test_paced_copies),
        cmocka_unit_test(test_sdm_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
