/*
 * Recovery from a rejected data block. The real ROMs advance their sequence counter on a
 * checksum error (traces README, probe D), so re-sending the block cannot work: the host must
 * restart with FLASH_BEGIN at esploader_flash_resume_offset(). We flip one byte inside the
 * data of block 3 on its way to the chip and check that
 *   - the streaming API fails at that block with the target's checksum error, offers a
 *     sector-aligned resume offset at or before the block, and a restart from there ends
 *     MD5-verified;
 *   - esploader_flash_write_buffer() does all that by itself.
 *
 * The flip is placed by the harness when the trace hook reports that block being sent (the
 * link's position + a fixed offset into the frame); the data is printable ASCII, so data
 * frames carry no SLIP escapes. The checksum-error reply confirms where it landed.
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

#define OFFSET    0x40000u
#define SIZE      (20u * 1024u + 300u)
#define BAD_BLOCK 3u

typedef struct rcase {
    sim_chip_id_t chip;
    bool stub;
    const char *name;
} rcase_t;

static uint8_t data[SIZE];

static harness_t *setup_case(const rcase_t *rc)
{
    harness_t *h = h_new(rc->chip, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (rc->stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    return h;
}

/* Flip one bit 256 bytes into the data of FLASH_DATA block `seq` (C0 + 8 header bytes + 16
 * sub-header bytes, then the data; printable data carries no escapes). */
static void arm_flip(harness_t *h, uint32_t seq)
{
    h_frame_fault_t *ff = &h->frame_fault;
    memset(ff, 0, sizeof(*ff));
    ff->armed = true;
    ff->op = 0x03;
    ff->match_seq = true;
    ff->seq = seq;
    ff->offset = 1 + 8 + 16 + 256; /* inside any block of more than 256 bytes */
    ff->fault = (sim_fault_t){SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, 0, 0x04};
}

static void assert_checksum_error_seen(const harness_t *h, bool stub)
{
    assert_true(h->trace.rx_err_ops[0x03] >= 1);
    if (stub) {
        assert_int_equal(h->trace.last_rx_status[0], 0xC1); /* BAD_DATA_CHECKSUM */
    } else {
        assert_int_equal(h->trace.last_rx_status[0], 0x01);
        assert_int_equal(h->trace.last_rx_status[1], 0x07);
    }
}

static void test_streaming_resume(void **state)
{
    const rcase_t *rc = *state;
    harness_t *h = setup_case(rc);
    esploader_t *l = &h->loader;
    uint32_t blk = rc->stub ? 0x4000 : 0x400;
    if (rc->stub) {
        blk = 0x1000; /* smaller blocks so block 3 exists in a 20 KB image */
    }
    arm_flip(h, BAD_BLOCK);
    h_arm(h);
    int r = esploader_flash_start(l, OFFSET, SIZE, blk);
    assert_int_equal(r, ESPLOADER_OK);
    uint32_t done = 0;
    int failed_block = -1;
    while (done < SIZE) {
        uint32_t n = SIZE - done < blk ? SIZE - done : blk;
        r = esploader_flash_write(l, data + done, n);
        if (r != ESPLOADER_OK) {
            failed_block = (int)(done / blk);
            break;
        }
        done += n;
    }
    if (r == ESPLOADER_OK) {
        r = esploader_flash_finish(l, 0);
    }
    /* the target refused: checksum error, kept with its cause */
    assert_true(h->frame_fault.fired);
    assert_int_equal(r, ESPLOADER_ERR_TARGET);
    assert_checksum_error_seen(h, rc->stub);
    const esploader_failure_t *f = esploader_last_failure(l);
    assert_non_null(f);
    assert_int_equal(f->command, 0x03);
    assert_int_equal(f->stub, rc->stub);
    if (rc->stub) {
        assert_int_equal(f->status, 0xC1);
    } else {
        assert_int_equal(f->status, 0x01);
        assert_int_equal(f->reason, 0x07);
    }
    /* ROM answers each block before the next: the error shows up at block 3 itself. The stub
     * acks on receipt, so the error may surface one block later or at finish. */
    if (!rc->stub) {
        assert_int_equal(failed_block, (int)BAD_BLOCK);
    }
    uint32_t resume = esploader_flash_resume_offset(l);
    assert_int_equal(resume % 4096, 0);
    assert_true(resume >= OFFSET);
    assert_true(resume <= OFFSET + BAD_BLOCK * blk);
    /* the part before resume is already right */
    assert_int_equal(h_flash_diff(h, OFFSET, data, resume - OFFSET), -1);

    /* restart from there, as the API says */
    sim_link_clear_faults(h->link);
    uint32_t rest = SIZE - (resume - OFFSET);
    assert_int_equal(esploader_flash_start(l, resume, rest, blk), ESPLOADER_OK);
    for (done = 0; done < rest;) {
        uint32_t n = rest - done < blk ? rest - done : blk;
        assert_int_equal(esploader_flash_write(l, data + (resume - OFFSET) + done, n),
                         ESPLOADER_OK);
        done += n;
    }
    assert_int_equal(esploader_flash_finish(l, 0), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, data, SIZE), -1);
    bool can_md5 = rc->stub || h->chip->rom_md5;
    if (can_md5) {
        uint8_t md5[16];
        h_md5(data, SIZE, md5);
        assert_int_equal(esploader_flash_verify_md5(l, OFFSET, SIZE, md5), ESPLOADER_OK);
    }
    assert_false(h->blown);
    h_free(h);
}

static void test_write_buffer_recovers(void **state)
{
    const rcase_t *rc = *state;
    harness_t *h = setup_case(rc);
    /* write_buffer uses the loader's block size (ROM 1 KB, stub 16 KB); with 16 KB stub
     * blocks block 3 does not exist, so aim at block 1 there. */
    arm_flip(h, rc->stub ? 1 : BAD_BLOCK);
    h_arm(h);
    int r = esploader_flash_write_buffer(&h->loader, OFFSET, data, SIZE, 0, NULL, NULL);
    assert_int_equal(r, ESPLOADER_OK);
    assert_true(h->frame_fault.fired);
    assert_checksum_error_seen(h, rc->stub);
    assert_true(h->trace.tx_ops[0x02] >= 2); /* restarted with a new FLASH_BEGIN */
    assert_int_equal(h_flash_diff(h, OFFSET, data, SIZE), -1);
    bool can_md5 = rc->stub || h->chip->rom_md5;
    assert_int_equal(esploader_flash_verified(&h->loader), can_md5);
    assert_false(h->blown);
    h_free(h);
}

/* A line that keeps corrupting: write_buffer gives up after its restarts, with an error. */
static void test_write_buffer_gives_up(void **state)
{
    (void)state;
    h_opts_t o = {.budget_us = 600ull * 1000000u};
    harness_t *h = h_new(SIM_CHIP_ESP32, &o);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    sim_stats_t st;
    sim_get_stats(h->sim, &st);
    /* flip a byte in the middle of every 1 KB of the host's stream from here on */
    for (uint64_t i = 0; i < 30; i++) {
        sim_fault_t f = {SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, st.bytes_from_host + 600 + i * 1024,
                         0x10};
        assert_int_equal(sim_link_add_fault(h->link, &f), 0);
    }
    h_arm(h);
    int r = esploader_flash_write_buffer(&h->loader, OFFSET, data, SIZE, 0, NULL, NULL);
    assert_int_not_equal(r, ESPLOADER_OK);
    assert_true(h_defined_rc(r));
    assert_false(h->blown);
    assert_true(h->trace.tx_ops[0x02] >= 2);
    assert_true(h->trace.tx_ops[0x02] <= 8); /* bounded restarts, not forever */
    h_free(h);
}

int main(void)
{
    h_wall_guard(120);
    h_fill_text(data, SIZE, 0x7E57u);
    static const rcase_t cases[] = {
        {SIM_CHIP_ESP32, false, "esp32_rom"},     {SIM_CHIP_ESP32C3, false, "esp32c3_rom"},
        {SIM_CHIP_ESP8266, false, "esp8266_rom"}, {SIM_CHIP_ESP32, true, "esp32_stub"},
        {SIM_CHIP_ESP32S3, true, "esp32s3_stub"},
    };
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    static struct CMUnitTest tests[2 * N + 1];
    static char names[2 * N][48];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[2 * i], 48, "%s_streaming_resume", cases[i].name);
        snprintf(names[2 * i + 1], 48, "%s_write_buffer", cases[i].name);
        tests[2 * i] =
            (struct CMUnitTest){names[2 * i], test_streaming_resume, NULL, NULL, (void *)&cases[i]};
        tests[2 * i + 1] = (struct CMUnitTest){names[2 * i + 1], test_write_buffer_recovers, NULL,
                                               NULL, (void *)&cases[i]};
    }
    tests[2 * N] =
        (struct CMUnitTest){"write_buffer_gives_up", test_write_buffer_gives_up, NULL, NULL, NULL};
    return _cmocka_run_group_tests("sim_recovery", tests, 2 * N + 1, NULL, NULL);
}
