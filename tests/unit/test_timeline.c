/* hostlib/eh_timeline.c: the phase rule of --timings, the benchmark and
 * bench/sidebyside.mjs, fed with frames and times chosen here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eh_timeline.h"

/* A command frame as the library's trace hook passes it: header + the first payload words. */
static void cmd(eh_timeline_t *t, uint8_t op, uint32_t w0, uint32_t w1, uint32_t w3, uint64_t at)
{
    uint8_t f[24] = {0x00, op};
    uint32_t w[4] = {w0, w1, 0, w3};
    for (int i = 0; i < 4; i++) {
        for (int b = 0; b < 4; b++) {
            f[8 + 4 * i + b] = (uint8_t)(w[i] >> (8 * b));
        }
    }
    eh_tl_frame(t, true, f, sizeof(f), at);
}

static void full_write_then_verify(void **state)
{
    (void)state;
    eh_timeline_t t;
    eh_tl_init(&t);
    eh_tl_mark(&t, EH_PH_RESET_SYNC, 1000); /* reset starts */
    cmd(&t, 0x08, 0, 0, 0, 1100);           /* SYNC: still connecting */
    cmd(&t, 0x14, 0, 0, 0, 1200);           /* GET_SECURITY_INFO: detect */
    cmd(&t, 0x0A, 0, 0, 0, 1250);           /* READ_REG stays in detect */
    cmd(&t, 0x0F, 0, 0, 0, 1300);           /* CHANGE_BAUDRATE */
    cmd(&t, 0x08, 0, 0, 0, 1350);           /* its proving SYNC stays in baud */
    cmd(&t, 0x05, 0, 0, 0, 1400);           /* MEM_BEGIN: the stub */
    cmd(&t, 0x07, 0, 0, 0, 1450);
    cmd(&t, 0x0B, 0, 0, 0, 1600);               /* SPI_SET_PARAMS: setup */
    cmd(&t, 0x13, 0x10000, 0x100000, 0, 1700);  /* MD5 before any write: diff */
    cmd(&t, 0x10, 0x100000, 64, 0x10000, 2700); /* DEFL_BEGIN 1 MiB @0x10000 */
    cmd(&t, 0x11, 0, 0, 0, 2710);               /* data */
    cmd(&t, 0x12, 0, 0, 0, 9000);               /* DEFL_END: still data */
    cmd(&t, 0x13, 0x10000, 0x100000, 0, 9100);  /* MD5 of what was written */
    cmd(&t, 0x13, 0x200000, 0x1000, 0, 10100);  /* MD5 elsewhere: diff again */
    eh_tl_mark(&t, EH_PH_RESET, 10200);
    eh_tl_stop(&t, 10300);

    assert_int_equal(t.us[EH_PH_RESET_SYNC], 200);
    assert_int_equal(t.us[EH_PH_DETECT], 100);
    assert_int_equal(t.us[EH_PH_BAUD], 100);
    assert_int_equal(t.us[EH_PH_STUB], 200);
    assert_int_equal(t.us[EH_PH_SETUP], 100);
    assert_int_equal(t.us[EH_PH_DIFF], 1000 + 100);
    assert_int_equal(t.us[EH_PH_ERASE], 10);
    assert_int_equal(t.us[EH_PH_DATA], 9100 - 2710);
    assert_int_equal(t.us[EH_PH_VERIFY], 1000);
    assert_int_equal(t.us[EH_PH_RESET], 100);
    assert_int_equal(eh_tl_total_us(&t), 9300);
    uint64_t sum = 0;
    for (int p = 0; p < EH_PH_COUNT; p++) {
        sum += t.us[p];
    }
    assert_int_equal(sum, 9300); /* the phases tile the job */
    assert_int_equal(t.frames[EH_PH_DIFF], 2);
    assert_string_equal(eh_phase_name(EH_PH_VERIFY), "verify");
}

static void received_frames_and_unmarked_start(void **state)
{
    (void)state;
    eh_timeline_t t;
    eh_tl_init(&t);
    uint8_t reply[12] = {0x01, 0x08};
    eh_tl_frame(&t, false, reply, sizeof(reply), 50); /* replies open nothing */
    assert_false(t.started);
    cmd(&t, 0x08, 0, 0, 0, 100);        /* the first SYNC opens reset_sync without a mark */
    cmd(&t, 0x02, 0x1000, 1, 0x0, 300); /* ROM FLASH_BEGIN: its reply waits for the erase */
    cmd(&t, 0x03, 0, 0, 0, 800);
    eh_tl_stop(&t, 900);
    assert_int_equal(t.us[EH_PH_RESET_SYNC], 200);
    assert_int_equal(t.us[EH_PH_ERASE], 500);
    assert_int_equal(t.us[EH_PH_DATA], 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_write_then_verify),
        cmocka_unit_test(received_frames_and_unmarked_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
