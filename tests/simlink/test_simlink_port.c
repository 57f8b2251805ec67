/*
 * esploader_port_sim_ops: each entry maps onto the link and its virtual clock. Runs against
 * the predictable echo chip (fake_chip.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader_port_sim.h"
#include "fake_chip.h"

static void test_ops_complete(void **state)
{
    (void)state;
    const esploader_port_ops_t *ops = &esploader_port_sim_ops;
    assert_non_null(ops->write);
    assert_non_null(ops->read);
    assert_non_null(ops->set_lines);
    assert_non_null(ops->set_baudrate);
    assert_non_null(ops->delay_ms);
    assert_non_null(ops->now_ms);
}

static void test_clock_and_io(void **state)
{
    (void)state;
    sim_t *chip = fake_chip_new();
    sim_link_t *k = sim_link_new(chip);
    const esploader_port_ops_t *ops = &esploader_port_sim_ops;
    void *ctx = k;

    assert_int_equal(ops->now_ms(ctx), 0);
    ops->delay_ms(ctx, 1500);
    assert_int_equal(ops->now_ms(ctx), 1500);
    assert_int_equal(sim_link_now_us(k), 1500000);

    uint8_t b[8];
    assert_int_equal(ops->read(ctx, b, sizeof(b), 20), 0); /* timeout moves the clock */
    assert_int_equal(ops->now_ms(ctx), 1520);

    const uint8_t msg[3] = {7, 8, 9};
    assert_int_equal(ops->write(ctx, msg, 3, 100), 0);
    ops->delay_ms(ctx, 1);
    assert_int_equal(ops->read(ctx, b, sizeof(b), 100), 3);
    assert_memory_equal(b, msg, 3);

    assert_int_equal(ops->write(ctx, msg, 3, 100), 0);
    ops->delay_ms(ctx, 1);
    sim_link_flush_input(k);
    assert_int_equal(ops->read(ctx, b, sizeof(b), 0), 0);

    assert_int_equal(ops->set_lines(ctx, ESPLOADER_LINE_ASSERT, ESPLOADER_LINE_RELEASE), 0);
    assert_true(fake_chip_log(chip)->dtr);
    assert_false(fake_chip_log(chip)->rts);
    assert_int_equal(ops->set_lines(ctx, ESPLOADER_LINE_KEEP, ESPLOADER_LINE_ASSERT), 0);
    assert_true(fake_chip_log(chip)->dtr);
    assert_true(fake_chip_log(chip)->rts);
    assert_int_equal(ops->set_baudrate(ctx, 460800), 0);
    assert_int_equal(fake_chip_log(chip)->host_baud, 460800);

    /* The millisecond clock wraps at 2^32 like the library expects. */
    sim_link_advance_us(k, (uint64_t)UINT32_MAX * 1000u);
    assert_int_equal(ops->now_ms(ctx), (uint32_t)(1522u + UINT32_MAX));

    sim_link_free(k);
    fake_chip_free(chip);
}

static void test_errors_are_negative(void **state)
{
    (void)state;
    const esploader_port_ops_t *ops = &esploader_port_sim_ops;
    uint8_t b[1] = {0};
    assert_true(ops->write(NULL, b, 1, 0) < 0);
    assert_true(ops->read(NULL, b, 1, 0) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_complete),
        cmocka_unit_test(test_clock_and_io),
        cmocka_unit_test(test_errors_are_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
