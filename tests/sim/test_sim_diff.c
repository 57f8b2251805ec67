/*
 * Library <-> sim: "flash only what changed" (esploader_flash_write_buffer with
 * ESPLOADER_WRITE_SKIP_UNCHANGED) and leaving the loader with esploader_run_user_code().
 *
 * Every diff case: the region holds old data, the host writes new data differing in chosen
 * sectors; afterwards the flash equals the new data, the flash around the region is
 * untouched, and exactly the changed sectors were erased and programmed. The search: one
 * SPI_FLASH_MD5 of the whole region (equal: done), then one per 64 KB block, one per sector
 * inside differing blocks, plus one MD5 per rewritten run.
 *
 * Also the stub schedule helpers (esploader_stub_segment / esploader_stub_block): a write
 * planned with them lands byte for byte, plain and compressed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_harness.h"

#define OFFSET         0x20000u
#define SIZE           0x3D000u /* 244 KB: three full 64 KB blocks and a 52 KB one */
#define SECTORS        (SIZE / 0x1000u)
#define GUARD          0x2000u /* checked on both sides of the region */
#define OP_FLASH_BEGIN 0x02
#define OP_MD5         0x13

static uint8_t old_data[SIZE], new_data[SIZE], guard_lo[GUARD], guard_hi[GUARD];

typedef struct dcase {
    const char *name;
    int changed[SECTORS + 1]; /* sector indexes, -1 terminated; -2 = all */
} dcase_t;

static const dcase_t cases[] = {
    {"middle", {30, -1}},
    {"start", {0, -1}},
    {"end", {SECTORS - 1, -1}},
    {"two far apart", {2, 50, -1}},
    {"run across a 64 KB border", {15, 16, 17, -1}},
    {"none", {-1}},
    {"all", {-2}},
};

typedef struct target {
    sim_chip_id_t chip;
    bool stub;
} target_t;

static const target_t targets[] = {
    {SIM_CHIP_ESP32, false},   /* ROM MD5 as hex text */
    {SIM_CHIP_ESP32, true},    /* stub MD5 as raw bytes */
    {SIM_CHIP_ESP32C3, false}, /* 5-word FLASH_BEGIN */
    {SIM_CHIP_ESP8266, true},  /* the ESP8266 stub can MD5 */
};

static harness_t *setup(sim_chip_id_t chip, bool stub)
{
    harness_t *h = h_new(chip, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    sim_flash_fill(h->sim, OFFSET - GUARD, guard_lo, GUARD);
    sim_flash_fill(h->sim, OFFSET, old_data, SIZE);
    sim_flash_fill(h->sim, OFFSET + SIZE, guard_hi, GUARD);
    return h;
}

static void assert_guards(const harness_t *h)
{
    assert_int_equal(h_flash_diff(h, OFFSET - GUARD, guard_lo, GUARD), -1);
    assert_int_equal(h_flash_diff(h, OFFSET + SIZE, guard_hi, GUARD), -1);
}

/* Expected MD5 commands: the whole region; if it differs, one per 64 KB block, 16 more per
 * differing full block (a partial block has its own sector count), one per rewritten run. */
static uint32_t expected_md5s(const bool *chg, uint32_t *runs)
{
    uint32_t n = 1, r = 0, closed = 0;
    for (uint32_t b = 0; b < SECTORS; b += 16) {
        uint32_t e = b + 16 < SECTORS ? b + 16 : SECTORS;
        bool any = false;
        for (uint32_t s = b; s < e; s++) {
            any |= chg[s];
        }
        n += 1 + (any ? e - b : 0);
    }
    for (uint32_t s = 0; s < SECTORS; s++) {
        r += chg[s] && (s == 0 || !chg[s - 1]);
        closed += chg[s] && s + 1 < SECTORS && !chg[s + 1];
    }
    *runs = r;
    /* with runs: the guard's two spans (after the region, below it) before and after, and one
     * recheck per run an equal sector closes (the closing sector, or the rest of its block
     * when that block was judged equal as a whole) */
    return r == 0 ? 1 : n + r + 4 + closed;
}

static void run_case(const target_t *t, const dcase_t *c)
{
    bool chg[SECTORS] = {false};
    uint32_t nchg = 0, runs;
    memcpy(new_data, old_data, SIZE);
    for (int i = 0; c->changed[i] != -1; i++) {
        if (c->changed[i] == -2) {
            for (uint32_t s = 0; s < SECTORS; s++) {
                chg[s] = true;
            }
            break;
        }
        chg[c->changed[i]] = true;
    }
    for (uint32_t s = 0; s < SECTORS; s++) {
        if (chg[s]) {
            nchg++;
            /* one byte in the middle of the sector, one at its end */
            new_data[s * 0x1000 + 0x7F3] ^= 0x5A;
            new_data[s * 0x1000 + 0xFFF] ^= 0x01;
        }
    }
    uint32_t md5s = expected_md5s(chg, &runs);

    harness_t *h = setup(t->chip, t->stub);
    sim_stats_t s0, s1;
    sim_get_stats(h->sim, &s0);
    h_trace_t tr0 = h->trace;
    h_arm(h);
    assert_int_equal(esploader_flash_write_buffer(&h->loader, OFFSET, new_data, SIZE,
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL),
                     ESPLOADER_OK);
    sim_get_stats(h->sim, &s1);
    if (h_flash_diff(h, OFFSET, new_data, SIZE) != -1) {
        fail_msg("%s %s: flash differs from the new data at +0x%lx", h->chip->key, c->name,
                 h_flash_diff(h, OFFSET, new_data, SIZE));
    }
    assert_guards(h);
    assert_true(esploader_flash_verified(&h->loader));
    /* exactly the changed sectors were erased and programmed (16 pages of 256 B each) */
    if (s1.sectors_erased - s0.sectors_erased != nchg ||
        s1.pages_programmed - s0.pages_programmed != nchg * 16) {
        fail_msg("%s%s %s: %u sectors changed, %u erased, %u pages programmed", h->chip->key,
                 t->stub ? " stub" : "", c->name, nchg, s1.sectors_erased - s0.sectors_erased,
                 s1.pages_programmed - s0.pages_programmed);
    }
    /* one FLASH_BEGIN per run; one MD5 pass plus one MD5 per run */
    assert_int_equal(h->trace.tx_ops[OP_FLASH_BEGIN] - tr0.tx_ops[OP_FLASH_BEGIN], runs);
    assert_int_equal(h->trace.tx_ops[OP_MD5] - tr0.tx_ops[OP_MD5], md5s);
    if (nchg == 0) {
        assert_int_equal(s1.sectors_erased, s0.sectors_erased);
        assert_int_equal(s1.pages_programmed, s0.pages_programmed);
    }
    assert_false(h->blown);
    h_free(h);
}

static void test_diff_cases(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            run_case(&targets[t], &cases[c]);
        }
    }
}

/* FINISH_NO_VERIFY with SKIP_UNCHANGED: the search pass still runs (it decides what to write),
 * the per-run MD5 does not, and nothing claims verification. */
static void test_diff_no_verify(void **state)
{
    (void)state;
    memcpy(new_data, old_data, SIZE);
    new_data[0x5000] ^= 0xFF;
    harness_t *h = setup(SIM_CHIP_ESP32, true);
    h_trace_t tr0 = h->trace;
    h_arm(h);
    assert_int_equal(esploader_flash_write_buffer(
                         &h->loader, OFFSET, new_data, SIZE,
                         ESPLOADER_WRITE_SKIP_UNCHANGED | ESPLOADER_FINISH_NO_VERIFY, NULL, NULL),
                     ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
    assert_guards(h);
    assert_false(esploader_flash_verified(&h->loader));
    /* the search only: the region, 4 blocks, 16 sectors of the changed block; no run MD5 */
    assert_int_equal(h->trace.tx_ops[OP_MD5] - tr0.tx_ops[OP_MD5], 1 + 4 + 16);
    h_free(h);
}

/* The ESP8266 ROM has no MD5 (§4): SKIP_UNCHANGED falls back to one plain full write. */
static void test_diff_esp8266_rom(void **state)
{
    (void)state;
    memcpy(new_data, old_data, SIZE);
    new_data[0x9000] ^= 0xFF;
    harness_t *h = setup(SIM_CHIP_ESP8266, false);
    h_trace_t tr0 = h->trace;
    h_arm(h);
    assert_int_equal(esploader_flash_write_buffer(&h->loader, OFFSET, new_data, SIZE,
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL),
                     ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
    assert_int_equal(h->trace.tx_ops[OP_MD5] - tr0.tx_ops[OP_MD5], 0);
    assert_int_equal(h->trace.tx_ops[OP_FLASH_BEGIN] - tr0.tx_ops[OP_FLASH_BEGIN], 1);
    assert_false(esploader_flash_verified(&h->loader));
    assert_false(h->blown);
    h_free(h);
}

/* esploader_run_user_code(): ROM -> FLASH_BEGIN(0,0) + FLASH_END(1), the chip leaves the
 * loader; ESP8266 stub -> RUN_USER_CODE; other stubs -> UNSUPPORTED, nothing sent, the
 * session still works. */
static void test_run_user_code(void **state)
{
    (void)state;
    static const target_t leave[] = {
        {SIM_CHIP_ESP32, false},  {SIM_CHIP_ESP32C3, false}, {SIM_CHIP_ESP8266, false},
        {SIM_CHIP_ESP8266, true}, {SIM_CHIP_ESP32S3, false},
    };
    for (size_t i = 0; i < sizeof(leave) / sizeof(leave[0]); i++) {
        harness_t *h = h_new(leave[i].chip, NULL);
        assert_non_null(h);
        assert_int_equal(esploader_run_user_code(&h->loader), ESPLOADER_ERR_STATE);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        if (leave[i].stub) {
            assert_int_equal(h_run_stub(h), ESPLOADER_OK);
        }
        assert_true(sim_in_download_mode(h->sim));
        h_arm(h);
        assert_int_equal(esploader_run_user_code(&h->loader), ESPLOADER_OK);
        /* let the last bytes cross the wire */
        uint8_t buf[64];
        (void)sim_link_read(h->link, buf, sizeof(buf), 50);
        if (sim_in_download_mode(h->sim)) {
            fail_msg("%s%s: still in download mode after run_user_code", h->chip->key,
                     leave[i].stub ? " stub" : "");
        }
        /* the session is over: operations need a new connect */
        uint32_t v;
        assert_int_equal(esploader_read_register(&h->loader, 0x3FF00000, &v), ESPLOADER_ERR_STATE);
        assert_false(h->blown);
        h_free(h);
    }

    /* a stub other than the ESP8266's cannot start the app */
    harness_t *h = h_new(SIM_CHIP_ESP32, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    h_trace_t tr0 = h->trace;
    assert_int_equal(esploader_run_user_code(&h->loader), ESPLOADER_ERR_UNSUPPORTED);
    assert_int_equal(h->trace.tx_ops[OP_FLASH_BEGIN], tr0.tx_ops[OP_FLASH_BEGIN]);
    assert_true(sim_in_download_mode(h->sim));
    assert_true(sim_stub_running(h->sim));
    uint8_t md5[16];
    h_arm(h);
    assert_int_equal(esploader_flash_md5(&h->loader, 0, 0x1000, md5), ESPLOADER_OK);
    h_free(h);
}

/* esploader_stub_segment(): up to the next 64 KB flash border. esploader_stub_block(): full
 * blocks, then halving over the last two blocks' worth, down to 1 KB; never more than asked. */
static void test_stub_plan_helpers(void **state)
{
    (void)state;
    assert_int_equal(esploader_stub_segment(0x10000, 0x100000), 0x10000);
    assert_int_equal(esploader_stub_segment(0x1000, 25776), 25776);
    assert_int_equal(esploader_stub_segment(0x1000, 0x20000), 0xF000);
    assert_int_equal(esploader_stub_segment(0x1F000, 0x800), 0x800);
    assert_int_equal(esploader_stub_block(100000, 0x4000), 0x4000);
    assert_int_equal(esploader_stub_block(0x8000, 0x4000), 0x4000);
    assert_int_equal(esploader_stub_block(0x7FFF, 0x4000), 0x3FFF);
    assert_int_equal(esploader_stub_block(0x400, 0x4000), 0x400);
    assert_int_equal(esploader_stub_block(5, 0), 5);
    assert_int_equal(esploader_stub_block(0x9000, 0), 0x4000); /* 0 = 16 KB */
    /* every size: blocks add up, none above the block size, none empty, tail ends small */
    for (uint32_t left0 = 1; left0 < 0x12000; left0 += 97) {
        uint32_t left = left0, last = 0, n = 0;
        while (left > 0) {
            uint32_t b = esploader_stub_block(left, 0x4000);
            assert_true(b > 0 && b <= 0x4000 && b <= left);
            last = b;
            left -= b;
            n++;
        }
        assert_true(last <= 0x400 || left0 <= 0x400);
        assert_true(n <= left0 / 0x4000 + 8);
    }
}

/* A 300 KB image at an address that is not 64 KB aligned, written through the stub as
 * planned: segments up to each 64 KB border, each compressed on its own (or plain), tapered
 * blocks. The flash holds the image, the MD5 agrees. */
static void test_stub_plan_write(void **state)
{
    (void)state;
    enum { IMG = 300 * 1024 };
    const uint32_t at = 0x23000;
    static uint8_t img[IMG];
    h_fill_text(img, sizeof(img), 0x77u);
    for (int z = 0; z < 2; z++) {
        harness_t *h = h_new(SIM_CHIP_ESP32, NULL);
        assert_non_null(h);
        assert_int_equal(h_connect(h), ESPLOADER_OK);
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
        esploader_t *l = &h->loader;
        uint32_t segments = 0;
        h_arm(h);
        for (uint32_t off = 0; off < IMG;) {
            uint32_t n = esploader_stub_segment(at + off, IMG - off);
            const uint8_t *src = img + off;
            uint8_t *zd = NULL;
            uint32_t len = n;
            if (z) {
                len = (uint32_t)h_deflate(src, n, &zd);
                src = zd;
                assert_int_equal(esploader_flash_defl_start(l, at + off, n, len, 0), ESPLOADER_OK);
            } else {
                assert_int_equal(esploader_flash_start(l, at + off, n, 0), ESPLOADER_OK);
            }
            for (uint32_t done = 0; done < len;) {
                uint32_t b = esploader_stub_block(len - done, 0);
                assert_int_equal(z ? esploader_flash_defl_write(l, src + done, b)
                                   : esploader_flash_write(l, src + done, b),
                                 ESPLOADER_OK);
                done += b;
            }
            uint8_t md5[16];
            h_md5(img + off, n, md5);
            assert_int_equal(z ? esploader_flash_defl_finish(l, md5, 0)
                               : esploader_flash_finish(l, 0),
                             ESPLOADER_OK);
            assert_true(esploader_flash_verified(l));
            free(zd);
            off += n;
            segments++;
        }
        /* 0x23000 .. 0x6E000: borders at 0x30000, 0x40000, 0x50000, 0x60000 */
        assert_int_equal(segments, 5);
        assert_int_equal(h_flash_diff(h, at, img, IMG), -1);
        assert_false(h->blown);
        h_free(h);
    }
}

int main(void)
{
    h_wall_guard(200);
    h_fill_pattern(old_data, sizeof(old_data), 0xD1Fu);
    h_fill_pattern(guard_lo, sizeof(guard_lo), 0x10u);
    h_fill_pattern(guard_hi, sizeof(guard_hi), 0x11u);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_cases),        cmocka_unit_test(test_diff_no_verify),
        cmocka_unit_test(test_diff_esp8266_rom),  cmocka_unit_test(test_run_user_code),
        cmocka_unit_test(test_stub_plan_helpers), cmocka_unit_test(test_stub_plan_write),
    };
    return cmocka_run_group_tests_name("sim_diff", tests, NULL, NULL);
}
