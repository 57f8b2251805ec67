/*
 * Timeouts, retries and reset sequences with the fake clock (now_ms advances only on delay_ms
 * and on read timeouts, so elapsed virtual time is exactly what the library waited for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"
#include "trace_data.h"

/* ---------------------------------------------------------------------------------------- */
/* SYNC retries and timeouts                                                                */

static void test_no_reply_timeout(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t start, elapsed;
    (void)state;
    fp_init(&fp);
    fp.present = false;
    fp_config(&fp, &cfg);
    cfg.connect_attempts = 2;
    cfg.sync_tries = 3;
    cfg.sync_timeout_ms = 100;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    start = fp.now;
    assert_int_equal(esploader_connect(&l), ESPLOADER_ERR_TIMEOUT);
    elapsed = fp.now - start;
    /* 2 attempts x 3 SYNCs, each waited for 100 ms; at most a 50 ms pause between tries */
    assert_int_equal(fp_count_op(&fp, 0x08), 6);
    assert_true(elapsed >= 600);
    assert_true(elapsed <= 600 + 6 * 60);
    assert_int_equal(esploader_connect_diag(&l), ESPLOADER_DIAG_NO_SERIAL_DATA);
    fp_free(&fp);
}

static void test_zero_config_defaults(void **state)
{
    /* A zero config means 7 attempts x 5 SYNCs with 100 ms per reply (docs/protocol.md §6). */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t start, elapsed;
    (void)state;
    fp_init(&fp);
    fp.present = false;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    start = fp.now;
    assert_int_equal(esploader_connect(&l), ESPLOADER_ERR_TIMEOUT);
    elapsed = fp.now - start;
    assert_int_equal(fp_count_op(&fp, 0x08), 35);
    assert_true(elapsed >= 35 * 100);
    assert_true(elapsed <= 35 * 100 + 35 * 60);
    fp_free(&fp);
}

static void test_sync_third_try(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t start;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp.sync_ignore = 2;
    fp_config(&fp, &cfg);
    cfg.sync_timeout_ms = 100;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    start = fp.now;
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x08), 3);
    assert_true(fp.now - start >= 200); /* two unanswered SYNCs were waited out */
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32C3);
    fp_free(&fp);
}

static void test_sync_second_attempt(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp.sync_ignore = 3;
    fp_config(&fp, &cfg);
    cfg.connect_attempts = 3;
    cfg.sync_tries = 2;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x08), 4);
    fp_free(&fp);
}

static void test_partial_sync_replies(void **state)
{
    /* Only 3 of the 8 SYNC replies arrive: the try fails (esptool needs all 8 within the
     * timeout); the next SYNC, answered in full, succeeds. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint8_t reply[32];
    size_t n;
    fp_rule_t *r;
    static const uint8_t st[4] = {0, 0, 0, 0};
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    n = fp_build_resp(reply, 0x08, 0x20120707, NULL, 0, st, 4);
    r = fp_add_rule(&fp, 0x08, reply, n, 3);
    r->uses = 1;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_true(fp_count_op(&fp, 0x08) >= 1);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32C3);
    fp_free(&fp);
}

static void command_timeout(uint32_t timeout_ms, uint32_t expect_ms)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t start, elapsed, v = 0;
    fp_rule_t *r;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.timeout_ms = timeout_ms;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    r = fp_add_rule(&fp, 0x0A, NULL, 0, 0);
    r->silent = true;
    start = fp.now;
    assert_int_equal(esploader_read_register(&l, 0x60008844, &v), ESPLOADER_ERR_TIMEOUT);
    elapsed = fp.now - start;
    assert_true(elapsed >= expect_ms);
    assert_true(elapsed <= expect_ms + 50);
    /* one READ_REG: a register read is not retried behind the caller's back */
    assert_int_equal(r->matched, 1);
    fp_free(&fp);
}

static void test_command_timeout(void **state)
{
    (void)state;
    command_timeout(500, 500);
    command_timeout(0, 3000); /* the default */
}

static void test_late_reply_after_timeout(void **state)
{
    /* A command times out; the reply to it arrives late, before the next command's reply. The
     * next command must not take the stale reply as its own (it has the old opcode). */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    uint32_t v = 0;
    fp_rule_t *r;
    uint8_t late[32];
    size_t n;
    static const uint8_t st[4] = {0, 0, 0, 0};
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.timeout_ms = 200;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    r = fp_add_rule(&fp, 0x09, NULL, 0, 0); /* WRITE_REG: silent once */
    r->silent = true;
    r->uses = 1;
    assert_int_equal(esploader_write_register(&l, 0x6000007C, 1), ESPLOADER_ERR_TIMEOUT);
    n = fp_build_resp(late, 0x09, 0xDEAD, NULL, 0, st, 4);
    fp_queue(&fp, late, n);
    fp_set_reg(&fp, 0x60008848, 0x1234);
    assert_int_equal(esploader_read_register(&l, 0x60008848, &v), ESPLOADER_OK);
    assert_int_equal(v, 0x1234);
    fp_free(&fp);
}

/* ---------------------------------------------------------------------------------------- */
/* Reset sequence strings                                                                   */

static void expect_step(const esploader_reset_step_t *s, int op, int a, int b, uint32_t ms)
{
    assert_int_equal(s->op, op);
    if (op == ESPLOADER_RESET_WAIT) {
        assert_int_equal(s->ms, ms);
    } else {
        assert_int_equal(s->a, a);
        if (op == ESPLOADER_RESET_SET_BOTH)
            assert_int_equal(s->b, b);
    }
}

static void test_reset_parse_classic(void **state)
{
    esploader_reset_step_t s[16];
    (void)state;
    memset(s, 0xEE, sizeof(s));
    assert_int_equal(esploader_reset_parse("D0|R1|W0.1|D1|R0|W0.05|D0", s, 16), 7);
    expect_step(&s[0], ESPLOADER_RESET_SET_DTR, 0, 0, 0);
    expect_step(&s[1], ESPLOADER_RESET_SET_RTS, 1, 0, 0);
    expect_step(&s[2], ESPLOADER_RESET_WAIT, 0, 0, 100);
    expect_step(&s[3], ESPLOADER_RESET_SET_DTR, 1, 0, 0);
    expect_step(&s[4], ESPLOADER_RESET_SET_RTS, 0, 0, 0);
    expect_step(&s[5], ESPLOADER_RESET_WAIT, 0, 0, 50);
    expect_step(&s[6], ESPLOADER_RESET_SET_DTR, 0, 0, 0);
}

static void test_reset_parse_tight(void **state)
{
    esploader_reset_step_t s[16];
    (void)state;
    assert_int_equal(esploader_reset_parse("U0,1|W0.1|U1,0|W0.05|U0,0", s, 16), 5);
    expect_step(&s[0], ESPLOADER_RESET_SET_BOTH, 0, 1, 0);
    expect_step(&s[1], ESPLOADER_RESET_WAIT, 0, 0, 100);
    expect_step(&s[2], ESPLOADER_RESET_SET_BOTH, 1, 0, 0);
    expect_step(&s[3], ESPLOADER_RESET_WAIT, 0, 0, 50);
    expect_step(&s[4], ESPLOADER_RESET_SET_BOTH, 0, 0, 0);
}

static void test_reset_parse_waits(void **state)
{
    esploader_reset_step_t s[4];
    (void)state;
    assert_int_equal(esploader_reset_parse("W0.55", s, 4), 1);
    expect_step(&s[0], ESPLOADER_RESET_WAIT, 0, 0, 550);
    assert_int_equal(esploader_reset_parse("W2", s, 4), 1);
    expect_step(&s[0], ESPLOADER_RESET_WAIT, 0, 0, 2000);
    assert_int_equal(esploader_reset_parse("W0.001", s, 4), 1);
    expect_step(&s[0], ESPLOADER_RESET_WAIT, 0, 0, 1);
    assert_int_equal(esploader_reset_parse("R1|W7", s, 4), 2);
    expect_step(&s[1], ESPLOADER_RESET_WAIT, 0, 0, 7000);
}

static void test_reset_parse_bad(void **state)
{
    static const char *bad[] = {"",    "X1",    "D2", "R",      "W",     "Wabc",
                                "D0|", "|D0",   "U0", "U0,2",   "U1,",   "D0||R1",
                                "W-1", "D0 R1", "d0", "U0,1,1", "W0.1x", "D01"};
    esploader_reset_step_t s[16];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = esploader_reset_parse(bad[i], s, 16);
        if (rc != ESPLOADER_ERR_INVALID_ARG)
            fail_msg("\"%s\" was accepted (%d)", bad[i], rc);
    }
    /* more steps than room */
    assert_int_equal(esploader_reset_parse("D0|R1|W0.1", s, 2), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(esploader_reset_parse("D0|R1", s, 2), 2);
}

/* ---------------------------------------------------------------------------------------- */
/* Reset lines during connect                                                               */

typedef struct {
    bool is_delay;
    int dtr, rts;
    uint32_t ms;
} step_t;

/* Line states (only changes) and delays from the events before the first host frame. */
static size_t reset_steps(const fake_port_t *fp, step_t *out, size_t cap, size_t from_event,
                          size_t *next_event)
{
    int dtr = 0, rts = 0; /* the fake starts with both lines released */
    size_t i, n = 0;
    bool any_lines = false;
    for (i = from_event; i < fp->nevents; i++) {
        const fp_event_t *e = &fp->events[i];
        if (e->kind == FP_EV_WRITE && any_lines)
            break;
        if (e->kind == FP_EV_LINES) {
            any_lines = true;
            if (e->dtr == dtr && e->rts == rts)
                continue;
            dtr = e->dtr;
            rts = e->rts;
            assert_true(n < cap);
            out[n].is_delay = false;
            out[n].dtr = dtr;
            out[n].rts = rts;
            n++;
        } else if (e->kind == FP_EV_DELAY && any_lines) {
            assert_true(n < cap);
            out[n].is_delay = true;
            out[n].ms = e->ms;
            n++;
        }
    }
    if (next_event)
        *next_event = i;
    return n;
}

static void test_connect_custom_reset_order(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    esploader_reset_step_t seq[8];
    step_t st[32];
    size_t n;
    int k;
    (void)state;
    k = esploader_reset_parse("D0|R1|W0.1|D1|R0|W0.05|D0", seq, 8);
    assert_int_equal(k, 7);
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_CUSTOM_RESET;
    cfg.custom_reset = seq;
    cfg.custom_reset_len = (size_t)k;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    /* exactly the sequence, before the first SYNC: RTS on (EN low), 100 ms, DTR on (IO0 low),
     * RTS off (EN rises: download boot), 50 ms, DTR off */
    n = reset_steps(&fp, st, 32, 0, NULL);
    assert_int_equal(n, 6);
    assert_false(st[0].is_delay);
    assert_int_equal(st[0].dtr, 0);
    assert_int_equal(st[0].rts, 1);
    assert_true(st[1].is_delay);
    assert_int_equal(st[1].ms, 100);
    assert_int_equal(st[2].dtr, 1);
    assert_int_equal(st[2].rts, 1);
    assert_int_equal(st[3].dtr, 1);
    assert_int_equal(st[3].rts, 0);
    assert_true(st[4].is_delay);
    assert_int_equal(st[4].ms, 50);
    assert_false(st[5].is_delay);
    assert_int_equal(st[5].dtr, 0);
    assert_int_equal(st[5].rts, 0);
    fp_free(&fp);
}

/* For the built-in sequences: find EN low (DTR off, RTS on), then download strap (DTR on, RTS
 * off), then release (both off), and return the waits spent in the first two states. */
static void check_reset_shape(const step_t *st, size_t n, bool tight, uint32_t *hold,
                              uint32_t *boot)
{
    size_t i = 0;
    *hold = *boot = 0;
    while (i < n && (st[i].is_delay || !(st[i].dtr == 0 && st[i].rts == 1)))
        i++;
    assert_true(i < n); /* EN was pulled low with IO0 high */
    for (i++; i < n && !(!st[i].is_delay && st[i].dtr == 1 && st[i].rts == 0); i++) {
        if (st[i].is_delay)
            *hold += st[i].ms;
        else if (tight)
            fail_msg("unix-tight reset passed through DTR=%d RTS=%d", st[i].dtr, st[i].rts);
        else
            assert_true(st[i].dtr == 1 && st[i].rts == 1); /* classic: via (T, T) only */
    }
    assert_true(i < n); /* released into download mode */
    for (i++; i < n && !(!st[i].is_delay && st[i].dtr == 0 && st[i].rts == 0); i++) {
        assert_true(st[i].is_delay); /* nothing else between strap and release */
        *boot += st[i].ms;
    }
    assert_true(i < n); /* IO0 released */
}

static void builtin_reset(esploader_before_t before, bool tight)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    step_t st[32];
    size_t n;
    uint32_t hold, boot;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp_config(&fp, &cfg);
    cfg.before = before;
    cfg.reset_hold_ms = 250;
    cfg.boot_delay_ms = 70;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    n = reset_steps(&fp, st, 32, 0, NULL);
    check_reset_shape(st, n, tight, &hold, &boot);
    assert_int_equal(hold, 250);
    assert_int_equal(boot, 70);
    fp_free(&fp);
}

static void test_connect_classic_reset(void **state)
{
    (void)state;
    builtin_reset(ESPLOADER_BEFORE_CLASSIC_RESET, false);
}

static void test_connect_tight_reset(void **state)
{
    (void)state;
    builtin_reset(ESPLOADER_BEFORE_UNIX_TIGHT_RESET, true);
}

static void test_default_reset_alternates(void **state)
{
    /* Nobody answers: each attempt resets; the second attempt uses the long boot delay. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    step_t st[32];
    size_t n, ev = 0;
    uint32_t hold, boot1, boot2;
    (void)state;
    fp_init(&fp);
    fp.present = false;
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_DEFAULT_RESET;
    cfg.connect_attempts = 2;
    cfg.sync_tries = 1;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_ERR_TIMEOUT);
    assert_int_equal(fp_count_op(&fp, 0x08), 2);
    n = reset_steps(&fp, st, 32, 0, &ev);
    check_reset_shape(st, n, false, &hold, &boot1);
    assert_true(hold >= 100);
    assert_int_equal(boot1, 50);
    n = reset_steps(&fp, st, 32, ev, NULL);
    check_reset_shape(st, n, false, &hold, &boot2);
    assert_int_equal(boot2, 550);
    fp_free(&fp);
}

static void test_no_reset_leaves_lines(void **state)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    size_t i;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp_config(&fp, &cfg); /* BEFORE_NO_RESET */
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    for (i = 0; i < fp.nevents; i++)
        if (fp.events[i].kind == FP_EV_LINES)
            assert_true(fp.events[i].dtr == 0 && fp.events[i].rts == 0);
    fp_free(&fp);
}

/* ---------------------------------------------------------------------------------------- */
/* Connect diagnostics from the boot log                                                    */

static esploader_connect_diag_t diag_for(const char *banner, bool *log_has_boot)
{
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    const char *log;
    size_t len = 0, i;
    esploader_connect_diag_t d;
    fp_init(&fp);
    fp.present = false;
    fp.banner = banner;
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_CLASSIC_RESET;
    cfg.connect_attempts = 1;
    cfg.sync_tries = 2;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_not_equal(esploader_connect(&l), ESPLOADER_OK);
    d = esploader_connect_diag(&l);
    log = esploader_boot_log(&l, &len);
    *log_has_boot = false;
    for (i = 0; log && i + 5 <= len; i++)
        if (memcmp(log + i, "boot:", 5) == 0)
            *log_has_boot = true;
    fp_free(&fp);
    return d;
}

static void test_connect_diag(void **state)
{
    bool has;
    (void)state;
    assert_int_equal(diag_for("ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 "
                              "(SPI_FAST_FLASH_BOOT)\r\n",
                              &has),
                     ESPLOADER_DIAG_WRONG_BOOT_MODE);
    assert_true(has);
    assert_int_equal(
        diag_for("ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 "
                 "(DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n",
                 &has),
        ESPLOADER_DIAG_DOWNLOAD_NO_SYNC);
    assert_true(has);
    assert_int_equal(diag_for(NULL, &has), ESPLOADER_DIAG_NO_SERIAL_DATA);
    assert_false(has);
}

/* ---------------------------------------------------------------------------------------- */
/* Size-scaled timeouts (docs/protocol.md §6: t = max(3 s, s_per_MB * bytes / 1e6), cap 240 s)    */

static void setup_delay(fake_port_t *fp, esploader_t *l, esploader_chip_t chip, bool stub)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    if (stub)
        fp_stub_mode(fp);
    fp_with_flash(fp, 4u << 20);
    fp_config(fp, &cfg);
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
}

static int rom_begin_with_erase_time(uint32_t size, uint32_t erase_ms)
{
    fake_port_t fp;
    esploader_t l;
    int rc;
    setup_delay(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    fp.op_delay_ms[0x02] = erase_ms; /* the ROM erases before it answers FLASH_BEGIN */
    rc = esploader_flash_start(&l, 0, size, 0);
    fp_free(&fp);
    return rc;
}

static void test_rom_erase_timeout_scales(void **state)
{
    (void)state;
    /* 2 MiB: 30 s/MB -> 62.9 s */
    assert_int_equal(rom_begin_with_erase_time(2u << 20, 50000), ESPLOADER_OK);
    assert_int_equal(rom_begin_with_erase_time(2u << 20, 70000), ESPLOADER_ERR_TIMEOUT);
    /* 4 KB: the 3 s minimum */
    assert_int_equal(rom_begin_with_erase_time(4096, 2500), ESPLOADER_OK);
    assert_int_equal(rom_begin_with_erase_time(4096, 3500), ESPLOADER_ERR_TIMEOUT);
}

static void test_md5_timeout_scales(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint8_t d[16];
    (void)state;
    /* 4 MiB: 8 s/MB -> 33.5 s */
    setup_delay(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    fp.op_delay_ms[0x13] = 25000;
    assert_int_equal(esploader_flash_md5(&l, 0, 4u << 20, d), ESPLOADER_OK);
    fp.op_delay_ms[0x13] = 40000;
    assert_int_equal(esploader_flash_md5(&l, 0, 4u << 20, d), ESPLOADER_ERR_TIMEOUT);
    fp_free(&fp);
}

static void test_stub_erase_timeouts(void **state)
{
    fake_port_t fp;
    esploader_t l;
    uint32_t v;
    (void)state;
    setup_delay(&fp, &l, ESPLOADER_CHIP_ESP32S3, true);
    /* ERASE_FLASH: 120 s */
    fp.op_delay_ms[0xD0] = 100000;
    assert_int_equal(esploader_flash_erase(&l), ESPLOADER_OK);
    /* ERASE_REGION of 1 MiB: 30 s/MB -> 31.5 s */
    fp.op_delay_ms[0xD1] = 25000;
    assert_int_equal(esploader_flash_erase_region(&l, 0x100000, 0x100000), ESPLOADER_OK);
    /* an ordinary command keeps the 3 s default */
    fp.op_delay_ms[0x0A] = 3500;
    assert_int_equal(esploader_read_register(&l, 0x60007044, &v), ESPLOADER_ERR_TIMEOUT);
    fp_free(&fp);
}

static int rom_defl_block_with_time(uint32_t ms)
{
    /* 1 MB inflating from 10 KB: each 1 KB chunk inflates to ~100 KB, which the ROM writes
     * before it answers; the block timeout scales with that (40 s/MB, at least 3 s, §5.8). */
    fake_port_t fp;
    esploader_t l;
    static uint8_t z[1024];
    int rc;
    setup_delay(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    rc = esploader_flash_defl_start(&l, 0x100000, 1000000, 10 * 1024, 0);
    assert_int_equal(rc, ESPLOADER_OK);
    fp.op_delay_ms[0x11] = ms;
    rc = esploader_flash_defl_write(&l, z, sizeof(z));
    fp_free(&fp);
    return rc;
}

static void test_defl_block_timeout_scales(void **state)
{
    (void)state;
    assert_int_equal(rom_defl_block_with_time(3500), ESPLOADER_OK);
    assert_int_equal(rom_defl_block_with_time(30000), ESPLOADER_ERR_TIMEOUT);
}

static void test_defl_rejected_resume(void **state)
{
    /* How much a rejected compressed block had inflated is unknown: resume from the start. */
    fake_port_t fp;
    esploader_t l;
    static uint8_t z[1024];
    uint8_t rej[16];
    size_t n = hex_bytes("c0 01 11 04 00 00 00 00 00 01 0b 00 00 c0", rej, sizeof(rej));
    fp_rule_t *r;
    (void)state;
    setup_delay(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    assert_int_equal(esploader_flash_defl_start(&l, 0x40000, 100000, 3000, 0), ESPLOADER_OK);
    assert_int_equal(esploader_flash_defl_write(&l, z, sizeof(z)), ESPLOADER_OK);
    r = fp_add_rule(&fp, 0x11, rej, n, 1);
    (void)r;
    assert_int_equal(esploader_flash_defl_write(&l, z, sizeof(z)), ESPLOADER_ERR_TARGET);
    assert_int_equal(esploader_last_failure(&l)->reason, 0x0B); /* deflate failed */
    assert_int_equal(esploader_flash_resume_offset(&l), 0x40000);
    fp_free(&fp);
}

static void test_no_reset_no_sync(void **state)
{
    /* A loader that is already synced: no reset, no SYNC, straight to detection. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    size_t i;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32S3);
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_NO_RESET_NO_SYNC;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(fp_count_op(&fp, 0x08), 0);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32S3);
    for (i = 0; i < fp.nevents; i++)
        assert_int_not_equal(fp.events[i].kind, FP_EV_LINES);
    fp_free(&fp);
}

static void test_io_error_stops_connect(void **state)
{
    /* A port that fails is not a chip that does not answer: no 35 retries, the error as is. */
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    (void)state;
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32C3);
    fp.write_error = ESPLOADER_ERR_IO;
    fp_config(&fp, &cfg);
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_ERR_IO);
    assert_true(fp.calls < 100);
    fp_free(&fp);
}

static void test_long_boot_log(void **state)
{
    /* A boot log far longer than the kept bytes: kept up to the buffer, nothing overruns, and
     * the connect that follows works. */
    static char banner[4000];
    static const char head[] = "rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0))\r\n";
    fake_port_t fp;
    esploader_config_t cfg;
    esploader_t l;
    size_t len = 0;
    const char *log;
    (void)state;
    memset(banner, 'x', sizeof(banner) - 1);
    banner[sizeof(banner) - 1] = 0;
    memcpy(banner, head, strlen(head));
    fp_init(&fp);
    fp_chip_rom(&fp, ESPLOADER_CHIP_ESP32);
    fp.banner = banner;
    fp_config(&fp, &cfg);
    cfg.before = ESPLOADER_BEFORE_CLASSIC_RESET;
    assert_int_equal(esploader_init(&l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(&l), ESPLOADER_OK);
    assert_int_equal(esploader_get_target(&l), ESPLOADER_CHIP_ESP32);
    log = esploader_boot_log(&l, &len);
    assert_true(len <= ESPLOADER_BOOT_LOG);
    if (len > 0) {
        assert_non_null(log);
        assert_memory_equal(log, banner, len < 8 ? len : 8); /* the start is kept */
    }
    assert_true(len > strlen(head)); /* more than the first line was kept */
    fp_free(&fp);
}

/* Issue 12 item 12: a failed usb-reset leaves a download-mode banner, then the chip resets
 * again and boots normally. The diagnosis follows the latest banner in the kept bytes: wrong
 * boot mode, not "download mode but no SYNC". */
static void test_boot_log_latest_banner_decides(void **state)
{
    static const char log2[] = "rst:0x15 (USB_UART_CHIP_RESET),boot:0x7 (DOWNLOAD(USB/UART0))\r\n"
                               "waiting for download\r\n"
                               "rst:0x15 (USB_UART_CHIP_RESET),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n";
    static const char back[] =
        "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n"
        "rst:0x3 (SW_RESET),boot:0x2 (UART0_BOOT)\r\nwait uart0 download\r\n";
    bool has;
    (void)state;
    assert_true(sizeof(log2) - 1 <= ESPLOADER_BOOT_LOG);
    assert_int_equal(diag_for(log2, &has), ESPLOADER_DIAG_WRONG_BOOT_MODE);
    assert_true(has);
    /* and the other way round: normal boot first, then download mode */
    assert_int_equal(diag_for(back, &has), ESPLOADER_DIAG_DOWNLOAD_NO_SYNC);
}

/* Issue 12 item 12: a failed usb-reset whose normal boot prints more than the kept bytes.
 * The download-mode banner fills the kept head, the normal-boot banner after it is not kept;
 * the diagnosis must still say wrong boot mode (it said "download mode but no SYNC"). */
static void test_boot_log_failed_usb_reset_long(void **state)
{
    static char log[1200];
    static const char dl[] = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n"
                             "rst:0x15 (USB_UART_CHIP_RESET),boot:0x0 (DOWNLOAD(USB/UART0))\r\n"
                             "waiting for download\r\n";
    static const char boot[] = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n"
                               "rst:0x15 (USB_UART_CHIP_RESET),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
                               "SPIWP:0xee\r\nmode:DIO, clock div:1\r\n"
                               "load:0x3fce3810,len:0x178c\r\nload:0x403c9700,len:0x4\r\n"
                               "load:0x403c9704,len:0xcb8\r\nload:0x403cc700,len:0x2d9c\r\n"
                               "entry 0x403c9914\r\n";
    static const char app[] = "I (31) boot: ESP-IDF v5.1 2nd stage bootloader\r\n";
    bool has;
    (void)state;
    snprintf(log, sizeof(log), "%s%s%s%s%s", dl, boot, app, app, app);
    assert_true(strlen(dl) + strlen("ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x15 "
                                    "(USB_UART_CHIP_RESET),boot:0x") >
                ESPLOADER_BOOT_LOG); /* the normal boot's "boot:0x" is past the kept bytes */
    assert_true(strlen(log) > 2 * ESPLOADER_BOOT_LOG);
    assert_int_equal(diag_for(log, &has), ESPLOADER_DIAG_WRONG_BOOT_MODE);
    assert_true(has); /* the kept head: the download-mode banner */
}

/* ... while a download-mode banner longer than the kept bytes (a "Saved PC" line, some line
 * noise) is still download mode: a ROM waiting in download mode prints nothing more. */
static void test_boot_log_long_download_banner(void **state)
{
    static char log[400];
    bool has;
    (void)state;
    snprintf(log, sizeof(log), "%s",
             "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
             "rst:0x15 (USB_UART_CHIP_RESET),boot:0x3 (DOWNLOAD(USB/UART0/1))\r\n"
             "Saved PC:0x40380a6e\r\n0x40380a6e: esp_cpu_wait_for_intr at cpu.c:121\r\n"
             "waiting for download\r\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n");
    assert_true(strlen(log) > ESPLOADER_BOOT_LOG && strlen(log) <= 2 * ESPLOADER_BOOT_LOG);
    assert_int_equal(diag_for(log, &has), ESPLOADER_DIAG_DOWNLOAD_NO_SYNC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_reply_timeout),
        cmocka_unit_test(test_zero_config_defaults),
        cmocka_unit_test(test_sync_third_try),
        cmocka_unit_test(test_sync_second_attempt),
        cmocka_unit_test(test_partial_sync_replies),
        cmocka_unit_test(test_command_timeout),
        cmocka_unit_test(test_late_reply_after_timeout),
        cmocka_unit_test(test_reset_parse_classic),
        cmocka_unit_test(test_reset_parse_tight),
        cmocka_unit_test(test_reset_parse_waits),
        cmocka_unit_test(test_reset_parse_bad),
        cmocka_unit_test(test_connect_custom_reset_order),
        cmocka_unit_test(test_connect_classic_reset),
        cmocka_unit_test(test_connect_tight_reset),
        cmocka_unit_test(test_default_reset_alternates),
        cmocka_unit_test(test_no_reset_leaves_lines),
        cmocka_unit_test(test_connect_diag),
        cmocka_unit_test(test_rom_erase_timeout_scales),
        cmocka_unit_test(test_md5_timeout_scales),
        cmocka_unit_test(test_stub_erase_timeouts),
        cmocka_unit_test(test_defl_block_timeout_scales),
        cmocka_unit_test(test_defl_rejected_resume),
        cmocka_unit_test(test_no_reset_no_sync),
        cmocka_unit_test(test_io_error_stops_connect),
        cmocka_unit_test(test_long_boot_log),
        cmocka_unit_test(test_boot_log_latest_banner_decides),
        cmocka_unit_test(test_boot_log_failed_usb_reset_long),
        cmocka_unit_test(test_boot_log_long_download_banner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
