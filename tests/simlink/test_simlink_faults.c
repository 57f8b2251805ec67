/*
 * The in-process link's own rules, checked against a predictable echo chip (fake_chip.c):
 * the virtual clock, split reads, and each fault kind hitting the right byte in the right
 * direction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esp_sim_link.h"
#include "fake_chip.h"

typedef struct fixture {
    sim_t *chip;
    sim_link_t *link;
} fixture_t;

static int setup(void **state)
{
    static fixture_t f;
    f.chip = fake_chip_new();
    f.link = sim_link_new(f.chip);
    if (f.chip == NULL || f.link == NULL) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    sim_link_free(f->link);
    fake_chip_free(f->chip);
    return 0;
}

static void add(sim_link_t *k, sim_fault_kind_t kind, sim_dir_t dir, uint64_t at, uint32_t p)
{
    sim_fault_t f = {kind, dir, at, p};
    assert_int_equal(sim_link_add_fault(k, &f), 0);
}

/* Read everything that arrives within timeout_ms (each read waiting up to 10 ms). */
static size_t read_all(sim_link_t *k, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    size_t n = 0;
    uint64_t end = sim_link_now_us(k) + (uint64_t)timeout_ms * 1000;
    while (sim_link_now_us(k) < end && n < cap) {
        int32_t r = sim_link_read(k, buf + n, cap - n, 10);
        assert_true(r >= 0);
        n += (size_t)r;
    }
    return n;
}

static void test_read_timeout_advances_clock(void **state)
{
    fixture_t *f = *state;
    uint8_t b[4];
    assert_int_equal(sim_link_now_us(f->link), 0);
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 250), 0);
    assert_int_equal(sim_link_now_us(f->link), 250000);
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 0), 0);
    assert_int_equal(sim_link_now_us(f->link), 250000);
    sim_link_advance_us(f->link, 17);
    assert_int_equal(sim_link_now_us(f->link), 250017);
}

static void test_read_waits_only_until_first_byte(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[3] = {'a', 'b', 'c'};
    uint8_t b[8];
    assert_int_equal(sim_link_write(f->link, msg, 3, 100), 0);
    /* 'a' comes back at 100 us, 'b' at 110, 'c' at 120: a read returns what is there. */
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 1000), 1);
    assert_int_equal(b[0], 'a');
    assert_int_equal(sim_link_now_us(f->link), FAKE_ECHO_US);
    sim_link_advance_us(f->link, 50);
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 1000), 2);
    assert_memory_equal(b, "bc", 2);
    assert_int_equal(sim_link_now_us(f->link), FAKE_ECHO_US + 50);
    /* The chip saw the bytes at the time they were written. */
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    assert_int_equal(log->rx_count, 3);
    assert_int_equal(log->rx_time[2], 0);
}

static void test_read_honours_len(void **state)
{
    fixture_t *f = *state;
    uint8_t msg[20];
    uint8_t b[20];
    for (int i = 0; i < 20; i++) {
        msg[i] = (uint8_t)i;
    }
    assert_int_equal(sim_link_write(f->link, msg, 20, 100), 0);
    sim_link_advance_us(f->link, 10000);
    assert_int_equal(sim_link_read(f->link, b, 7, 0), 7);
    assert_int_equal(sim_link_read(f->link, b + 7, 20, 0), 13);
    assert_memory_equal(b, msg, 20);
    assert_int_equal(sim_link_bytes(f->link, SIM_DIR_TO_CHIP), 20);
    assert_int_equal(sim_link_bytes(f->link, SIM_DIR_TO_HOST), 20);
}

static void test_split_to_host(void **state)
{
    fixture_t *f = *state;
    uint8_t msg[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    uint8_t b[10];
    add(f->link, SIM_FAULT_SPLIT, SIM_DIR_TO_HOST, 0, 3);
    assert_int_equal(sim_link_write(f->link, msg, 10, 100), 0);
    sim_link_advance_us(f->link, 10000);
    assert_int_equal(sim_link_read(f->link, b, 10, 0), 3);
    assert_int_equal(sim_link_read(f->link, b + 3, 10, 0), 3);
    assert_int_equal(sim_link_read(f->link, b + 6, 10, 0), 3);
    assert_int_equal(sim_link_read(f->link, b + 9, 10, 0), 1);
    assert_memory_equal(b, msg, 10);
}

static void test_split_to_chip(void **state)
{
    fixture_t *f = *state;
    uint8_t msg[10] = {0};
    add(f->link, SIM_FAULT_SPLIT, SIM_DIR_TO_CHIP, 0, 4);
    assert_int_equal(sim_link_write(f->link, msg, 10, 100), 0);
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    assert_int_equal(log->rx_count, 10);
    assert_int_equal(log->max_write, 4);
    assert_int_equal(log->write_calls, 3);
}

static void test_drop_to_chip(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[6] = {'0', '1', '2', '3', '4', '5'};
    add(f->link, SIM_FAULT_DROP, SIM_DIR_TO_CHIP, 2, 2);
    assert_int_equal(sim_link_write(f->link, msg, 3, 100), 0);
    assert_int_equal(sim_link_write(f->link, msg + 3, 3, 100), 0);
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    assert_int_equal(log->rx_count, 4);
    assert_memory_equal(log->rx, "0145", 4);
    /* The host side is untouched: the echo carries what the chip got. */
    uint8_t b[8];
    assert_int_equal(read_all(f->link, b, sizeof(b), 5), 4);
    assert_memory_equal(b, "0145", 4);
}

static void test_drop_to_host(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[6] = {'0', '1', '2', '3', '4', '5'};
    add(f->link, SIM_FAULT_DROP, SIM_DIR_TO_HOST, 4, 1);
    assert_int_equal(sim_link_write(f->link, msg, 6, 100), 0);
    uint8_t b[8];
    assert_int_equal(read_all(f->link, b, sizeof(b), 5), 5);
    assert_memory_equal(b, "01235", 5);
    assert_int_equal(fake_chip_log(f->chip)->rx_count, 6);
}

static void test_flip_each_direction(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[4] = {0x10, 0x20, 0x30, 0x40};
    add(f->link, SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, 1, 0);    /* default mask 0x01 */
    add(f->link, SIM_FAULT_FLIP, SIM_DIR_TO_HOST, 3, 0x80); /* explicit mask */
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    const uint8_t at_chip[4] = {0x10, 0x21, 0x30, 0x40};
    assert_memory_equal(log->rx, at_chip, 4);
    uint8_t b[8];
    assert_int_equal(read_all(f->link, b, sizeof(b), 5), 4);
    const uint8_t at_host[4] = {0x10, 0x21, 0x30, 0xC0};
    assert_memory_equal(b, at_host, 4);
}

static void test_garbage_each_direction(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[4] = {'w', 'x', 'y', 'z'};
    add(f->link, SIM_FAULT_GARBAGE, SIM_DIR_TO_CHIP, 2, 5);
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    assert_int_equal(log->rx_count, 9);
    assert_memory_equal(log->rx, "wx", 2);
    assert_memory_equal(log->rx + 7, "yz", 2);

    uint8_t b[16];
    size_t n = read_all(f->link, b, sizeof(b), 5);
    assert_int_equal(n, 9);
    /* Everything the chip got comes back (garbage included) and nothing more. */
    assert_memory_equal(b, log->rx, 9);

    add(f->link, SIM_FAULT_GARBAGE, SIM_DIR_TO_HOST, 10, 2);
    assert_int_equal(sim_link_write(f->link, msg, 2, 100), 0); /* echo bytes 9 and 10 */
    n = read_all(f->link, b, sizeof(b), 5);
    assert_int_equal(n, 4);
    assert_int_equal(b[0], 'w');
    assert_int_equal(b[3], 'x');
}

static void test_cut_to_chip(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[4] = {1, 2, 3, 4};
    add(f->link, SIM_FAULT_CUT, SIM_DIR_TO_CHIP, 3, 0);
    add(f->link, SIM_FAULT_GARBAGE, SIM_DIR_TO_CHIP, 5, 4); /* a dead line carries nothing */
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    assert_int_equal(fake_chip_log(f->chip)->rx_count, 3);
    uint8_t b[8];
    assert_int_equal(read_all(f->link, b, sizeof(b), 5), 3);
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 100), 0);
}

static void test_cut_to_host(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[4] = {1, 2, 3, 4};
    add(f->link, SIM_FAULT_CUT, SIM_DIR_TO_HOST, 0, 0);
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    uint8_t b[8];
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 300), 0);
    assert_int_equal(sim_link_now_us(f->link), 300000);
    assert_int_equal(fake_chip_log(f->chip)->rx_count, 4); /* the other direction works */
}

static void test_delay_to_chip(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[3] = {'a', 'b', 'c'};
    add(f->link, SIM_FAULT_DELAY, SIM_DIR_TO_CHIP, 1, 5000);
    assert_int_equal(sim_link_write(f->link, msg, 3, 100), 0);
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    assert_int_equal(log->rx_count, 1); /* 'b' and 'c' are held back */
    uint8_t b[4];
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 1000), 1);
    assert_int_equal(b[0], 'a');
    /* Advancing past the hold releases them at their own time, not at the end. */
    sim_link_advance_us(f->link, 20000);
    assert_int_equal(log->rx_count, 3);
    assert_int_equal(log->rx_time[1], 5000);
    assert_int_equal(log->rx_time[2], 5000);
}

static void test_delay_to_host_read_waits(void **state)
{
    fixture_t *f = *state;
    const uint8_t msg[2] = {'a', 'b'};
    add(f->link, SIM_FAULT_DELAY, SIM_DIR_TO_HOST, 0, 7000);
    assert_int_equal(sim_link_write(f->link, msg, 2, 100), 0);
    uint8_t b[4];
    /* A 5 ms read times out although the chip answered after 100 us... */
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 5), 0);
    assert_int_equal(sim_link_now_us(f->link), 5000);
    /* ...and the byte arrives 7 ms after it left the chip; 'b' may not overtake it. */
    assert_int_equal(sim_link_read(f->link, b, 1, 100), 1);
    assert_int_equal(b[0], 'a');
    assert_int_equal(sim_link_now_us(f->link), FAKE_ECHO_US + 7000);
    assert_int_equal(sim_link_read(f->link, b, 1, 100), 1);
    assert_int_equal(b[0], 'b');
}

static void test_flush_input_drops_only_arrived(void **state)
{
    fixture_t *f = *state;
    const uint8_t now_msg[2] = {'o', 'l'};
    const uint8_t later[1] = {'n'};
    assert_int_equal(sim_link_write(f->link, now_msg, 2, 100), 0);
    sim_link_advance_us(f->link, 1000);
    fake_chip_emit(f->chip, later, 1, 5000); /* still on its way at the flush */
    sim_link_flush_input(f->link);
    uint8_t b[4];
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 0), 0);
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 10), 1);
    assert_int_equal(b[0], 'n');
    assert_int_equal(sim_link_now_us(f->link), 5000);
}

static void test_stale_to_host_repeats_last_frame(void **state)
{
    fixture_t *f = *state;
    fake_chip_set_echo(f->chip, false);
    const uint8_t out[8] = {0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0xC0, 'x'};
    fake_chip_emit(f->chip, out, sizeof(out), 0);
    add(f->link, SIM_FAULT_STALE, SIM_DIR_TO_HOST, 7, 0); /* before 'x' */
    add(f->link, SIM_FAULT_STALE, SIM_DIR_TO_HOST, 0, 0); /* nothing seen yet: no-op */
    uint8_t b[32];
    size_t n = read_all(f->link, b, sizeof(b), 50);
    const uint8_t want[11] = {0xC0, 0x01, 0x02, 0xC0, 0xC0, 0x03, 0xC0, 0xC0, 0x03, 0xC0, 'x'};
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(b, want, sizeof(want));
}

static void test_reset_to_chip(void **state)
{
    fixture_t *f = *state;
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    const uint8_t msg[4] = {'a', 'b', 'c', 'd'};
    add(f->link, SIM_FAULT_RESET, SIM_DIR_TO_CHIP, 2, 0);
    add(f->link, SIM_FAULT_RESET, SIM_DIR_TO_HOST, 0, 0); /* to-chip only: ignored */
    sim_link_advance_us(f->link, 77);
    assert_int_equal(sim_link_write(f->link, msg, 4, 100), 0);
    assert_int_equal(log->resets, 1);
    assert_int_equal(log->reset_time, 77);
    assert_int_equal(log->rx_at_reset, 2); /* 'a' and 'b' arrived before it */
    assert_int_equal(log->rx_count, 3);    /* 'c' was lost in the reset */
    assert_int_equal(log->rx[2], 'd');
}

static void test_lines_and_baud(void **state)
{
    fixture_t *f = *state;
    const fake_chip_log_t *log = fake_chip_log(f->chip);
    sim_link_advance_us(f->link, 42);
    sim_link_set_lines(f->link, 1, 0);
    assert_true(log->dtr);
    assert_false(log->rts);
    assert_int_equal(log->lines_time, 42);
    sim_link_set_lines(f->link, -1, 1); /* keep DTR */
    assert_true(log->dtr);
    assert_true(log->rts);
    sim_link_set_lines(f->link, 0, -1); /* keep RTS */
    assert_false(log->dtr);
    assert_true(log->rts);
    assert_int_equal(log->lines_calls, 3);
    sim_link_set_baud(f->link, 921600);
    assert_int_equal(log->host_baud, 921600);
}

static void test_fault_table_capacity(void **state)
{
    fixture_t *f = *state;
    sim_fault_t fl = {SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, 1000000, 1};
    int added = 0;
    while (sim_link_add_fault(f->link, &fl) == 0 && added < 1000) {
        added++;
    }
    assert_true(added >= 16);
    assert_true(added < 1000); /* the table is finite and says so */
    sim_link_clear_faults(f->link);
    assert_int_equal(sim_link_add_fault(f->link, &fl), 0);
    assert_ptr_equal(sim_link_sim(f->link), f->chip);
}

static void test_bad_arguments(void **state)
{
    fixture_t *f = *state;
    uint8_t b[1] = {0};
    assert_true(sim_link_write(NULL, b, 1, 0) < 0);
    assert_true(sim_link_read(NULL, b, 1, 0) < 0);
    assert_true(sim_link_write(f->link, NULL, 1, 0) < 0);
    assert_true(sim_link_read(f->link, NULL, 1, 0) < 0);
    assert_null(sim_link_new(NULL));
    assert_int_equal(sim_link_add_fault(f->link, NULL), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_read_timeout_advances_clock),
        T(test_read_waits_only_until_first_byte),
        T(test_read_honours_len),
        T(test_split_to_host),
        T(test_split_to_chip),
        T(test_drop_to_chip),
        T(test_drop_to_host),
        T(test_flip_each_direction),
        T(test_garbage_each_direction),
        T(test_cut_to_chip),
        T(test_cut_to_host),
        T(test_delay_to_chip),
        T(test_delay_to_host_read_waits),
        T(test_flush_input_drops_only_arrived),
        T(test_stale_to_host_repeats_last_frame),
        T(test_reset_to_chip),
        T(test_lines_and_baud),
        T(test_fault_table_capacity),
        T(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
