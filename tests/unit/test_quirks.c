/*
 * Chip quirks and a hostile link: the ESP32 / ESP32-C2 ROM baud-rate clock corrections
 * (docs/protocol.md §5.12), the USB-Serial/JTAG reset order (§10.4), and replies that arrive one
 * byte at a time, wrapped in boot-log noise, truncated, badly escaped or with a wrong size
 * field. Every case must end in a defined result, never a hang.
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

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void connect_chip(fake_port_t *fp, esploader_t *l, esploader_chip_t chip)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    fp_config(fp, &cfg);
    cfg.timeout_ms = 300;
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
}

/* Change baud and return what the ROM was asked for; the host port must get the request. */
static uint32_t rom_baud_sent(fake_port_t *fp, esploader_t *l, uint32_t baud)
{
    const fp_frame_t *f;
    assert_int_equal(esploader_change_baudrate(l, baud), ESPLOADER_OK);
    f = fp_find_op(fp, 0x0F, fp_count_op(fp, 0x0F) - 1);
    assert_non_null(f);
    assert_int_equal(f->len, 16);
    assert_int_equal(le32(f->bytes + 12), 0); /* ROM: old baud 0 */
    assert_int_equal(fp->baud, baud);
    return le32(f->bytes + 8);
}

static void esp32_baud(uint32_t ck8m_word, uint32_t baud, uint32_t expect)
{
    fake_port_t fp;
    esploader_t l;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32);
    fp_set_reg(&fp, 0x3FF5F06C, 1280u << 7); /* RTCCALICFG1: cali 1280 (as in the trace) */
    fp_set_reg(&fp, 0x3FF5A010, ck8m_word);  /* eFuse word 4: ck8m in the low byte */
    assert_int_equal(rom_baud_sent(&fp, &l, baud), expect);
    fp_free(&fp);
}

static void test_esp32_baud_quirk(void **state)
{
    (void)state;
    /* rom_freq = cali * 15625 * ck8m / 40; nominal 40 MHz above 33 MHz, else 26 MHz */
    esp32_baud(80, 460800, 460800);               /* exactly 40 MHz */
    esp32_baud(0xABCD0000u | 82, 460800, 472320); /* 41 MHz: x 41/40 (needs 64-bit math) */
    esp32_baud(53, 460800, 469661);               /* 26.5 MHz vs 26: 469661.5 rounded down */
    esp32_baud(53, 921600, 939323);
}

static void c2_baud(uint32_t clkdiv, uint32_t expect)
{
    fake_port_t fp;
    esploader_t l;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C2);
    fp_set_reg(&fp, 0x60000014, clkdiv); /* UART_CLKDIV: crystal = 115200 * div / 1e6 */
    assert_int_equal(rom_baud_sent(&fp, &l, 460800), expect);
    fp_free(&fp);
}

static void test_c2_baud_quirk(void **state)
{
    (void)state;
    c2_baud(0x00F00000u | 226, 708923); /* 26 MHz crystal: x 40/26; bits above 19 ignored */
    c2_baud(347, 460800);               /* 40 MHz crystal: as asked */
}

static void test_c3_no_baud_quirk(void **state)
{
    fake_port_t fp;
    esploader_t l;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3);
    assert_int_equal(rom_baud_sent(&fp, &l, 921600), 921600);
    fp_free(&fp);
}

static void test_usb_jtag_reset_order(void **state)
{
    /* §10.4: idle, DTR on, then reset passing through (T,T) - never (F,F) - then both off. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    size_t i;
    int dtr = 0, rts = 0, phase = 0;
    bool seen_both = false;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_USB_JTAG_RESET;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    for (i = 0; i < fp.nevents && fp.events[i].kind != FP_EV_WRITE; i++) {
        const fp_event_t *e = &fp.events[i];
        if (e->kind != FP_EV_LINES || (e->dtr == dtr && e->rts == rts))
            continue;
        dtr = e->dtr;
        rts = e->rts;
        if (phase == 0 && dtr == 1 && rts == 0)
            phase = 1; /* boot strap requested */
        else if (phase == 1 && dtr == 1 && rts == 1)
            seen_both = true;
        else if (phase == 1 && dtr == 0 && rts == 1)
            phase = 2; /* in reset */
        else if (phase == 1)
            fail_msg("USB-JTAG reset passed through DTR=%d RTS=%d", dtr, rts);
        else if (phase == 2 && dtr == 0 && rts == 0)
            phase = 3; /* released into download mode */
    }
    assert_int_equal(phase, 3);
    assert_true(seen_both);
    assert_int_equal(dtr, 0);
    assert_int_equal(rts, 0);
    fp_free(&fp);
}

static void test_trickle_and_noise(void **state)
{
    /* One byte per read and boot-log text before every reply: a whole ROM flash write. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    static uint8_t img[3000];
    uint32_t pos;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i ^ 0xC0);
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_with_flash(&fp, 64 * 1024);
    fp.max_read_chunk = 1;
    fp.noise = "\r\nI (33) boot: noise\r\n";
    fp.stale_status = true;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32C3);
    assert_int_equal(esploader_flash_start(&l, 0x4000, sizeof(img), 0), ESPLOADER_OK);
    for (pos = 0; pos < sizeof(img); pos += 1024)
        assert_int_equal(esploader_flash_write(&l, img + pos,
                                               sizeof(img) - pos < 1024 ? sizeof(img) - pos : 1024),
                         ESPLOADER_OK);
    assert_int_equal(esploader_flash_finish(&l, 0), ESPLOADER_OK);
    assert_true(esploader_flash_verified(&l));
    assert_memory_equal(fp.flash + 0x4000, img, sizeof(img));
    fp_free(&fp);
}

/* READ_REG answered by the given wire bytes: the result must be a defined error (or, for
 * recoverable damage, the right value), within bounded virtual time. */
static int read_reg_with_reply(const char *hex, uint32_t *v, uint32_t *elapsed)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t reply[64];
    size_t n = hex_bytes(hex, reply, sizeof(reply));
    fp_rule_t *r;
    uint32_t start;
    int rc;
    assert_true(n > 0);
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3);
    r = fp_add_rule(&fp, 0x0A, reply, n, 1);
    r->uses = 1;
    start = fp.now;
    rc = esploader_read_register(&l, 0x60008844, v);
    *elapsed = fp.now - start;
    fp_free(&fp);
    return rc;
}

static void test_damaged_replies(void **state)
{
    uint32_t v = 0, t = 0;
    int rc;
    (void)state;
    /* truncated mid-frame: "Packet content transfer stopped" -> timeout */
    rc = read_reg_with_reply("c0 01 0a 04 00 83 1d", &v, &t);
    assert_int_equal(rc, ESPLOADER_ERR_TIMEOUT);
    assert_true(t >= 300 && t <= 400);
    /* bad escape inside the reply: the frame is dropped -> no valid answer */
    rc = read_reg_with_reply("c0 01 0a 04 00 db 05 1d f0 00 00 00 00 00 c0", &v, &t);
    assert_true(rc == ESPLOADER_ERR_TIMEOUT || rc == ESPLOADER_ERR_PROTOCOL);
    assert_true(t <= 400);
    /* size field larger than the frame: never a success */
    rc = read_reg_with_reply("c0 01 0a 08 00 83 1d f0 00 00 00 00 00 c0", &v, &t);
    assert_int_not_equal(rc, ESPLOADER_OK);
    assert_true(t <= 400);
    /* a reply header without status bytes */
    rc = read_reg_with_reply("c0 01 0a 00 00 83 1d f0 00 c0", &v, &t);
    assert_int_not_equal(rc, ESPLOADER_OK);
    /* garbage, a host-direction echo and an empty frame before the real reply: skipped */
    rc = read_reg_with_reply("41 42 c0 c0 c0 00 0a 04 00 00 00 00 00 44 88 00 60 c0"
                             " c0 01 0a 04 00 0d f0 fe ca 00 00 00 00 c0",
                             &v, &t);
    assert_int_equal(rc, ESPLOADER_OK);
    assert_int_equal(v, 0xCAFEF00D);
}

static void test_port_errors(void **state)
{
    /* A port that fails: the error comes back as it is (IO), not as a timeout or a hang. */
    fake_port_t fp;
    esploader_t l;
    uint32_t v;
    (void)state;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C3);
    fp.read_error = ESPLOADER_ERR_IO;
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_ERR_IO);
    fp.read_error = 0;
    fp.write_error = ESPLOADER_ERR_IO;
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_ERR_IO);
    fp_free(&fp);
}

static void c5_baud(uint32_t clkdiv, uint32_t rom_xtal_mhz, uint32_t expect)
{
    fake_port_t fp;
    esploader_t l;
    connect_chip(&fp, &l, ESPLOADER_CHIP_ESP32C5);
    fp_set_reg(&fp, 0x60000014, clkdiv);                                 /* crystal measured */
    fp_set_reg(&fp, 0x60096110, (rom_xtal_mhz << 24) | 0x80000000u | 5); /* ROM's belief */
    assert_int_equal(rom_baud_sent(&fp, &l, 460800), expect);
    fp_free(&fp);
}

static void test_c5_baud_quirk(void **state)
{
    (void)state;
    /* §5.12: 48 MHz crystal, ROM expects 40: x 40/48; 40 vs 48: x 48/40; equal: as asked */
    c5_baud(416, 40, 384000);
    c5_baud(347, 48, 552960);
    c5_baud(416, 48, 460800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esp32_baud_quirk),     cmocka_unit_test(test_c2_baud_quirk),
        cmocka_unit_test(test_c3_no_baud_quirk),     cmocka_unit_test(test_c5_baud_quirk),
        cmocka_unit_test(test_usb_jtag_reset_order), cmocka_unit_test(test_trickle_and_noise),
        cmocka_unit_test(test_damaged_replies),      cmocka_unit_test(test_port_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
