/*
 * The link and the port adapter in front of the real chip model: SYNC answered 8 times, UART
 * pacing visible on the virtual clock, faults turning into the failures a host would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader_port_sim.h"
#include "esp_sim_link.h"

/* SYNC: 8-byte header, 07 07 12 20, 32 x 0x55 (docs/protocol.md §5.1), SLIP-framed. */
static uint8_t sync_frame[46];

static void build_sync(void)
{
    const uint8_t head[13] = {0xC0, 0, 0x08, 0x24, 0, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20};
    memcpy(sync_frame, head, sizeof(head));
    memset(sync_frame + 13, 0x55, 32);
    sync_frame[45] = 0xC0;
}

typedef struct fx {
    sim_t *sim;
    sim_link_t *link;
} fx_t;

static int setup_chip(void **state, sim_chip_id_t chip)
{
    static fx_t f;
    sim_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chip = chip;
    char err[200];
    f.sim = sim_new(&cfg, err, sizeof(err));
    if (f.sim == NULL) {
        return -1;
    }
    f.link = sim_link_new(f.sim);
    /* Let the power-on banner pass, then drop it like a host flushing its input. */
    sim_link_advance_us(f.link, 200000);
    sim_link_flush_input(f.link);
    *state = &f;
    return 0;
}

static int setup_esp32(void **state)
{
    return setup_chip(state, SIM_CHIP_ESP32);
}

static int setup_c3(void **state)
{
    return setup_chip(state, SIM_CHIP_ESP32C3);
}

static int teardown(void **state)
{
    fx_t *f = *state;
    sim_link_free(f->link);
    sim_free(f->sim);
    return 0;
}

typedef struct counted {
    int sync_ok; /* SYNC replies with status 0 */
    int frames;  /* all complete non-empty frames */
    size_t bytes;
} counted_t;

/* Read until quiet for quiet_ms, counting frames; in_frame: a 0xC0 was already read. */
static counted_t read_frames_from(sim_link_t *k, uint32_t quiet_ms, bool in_frame)
{
    counted_t c = {0, 0, 0};
    uint8_t fr[64];
    size_t fl = 0;
    bool in = in_frame;
    uint8_t buf[512];
    int32_t n;
    while ((n = sim_link_read(k, buf, sizeof(buf), quiet_ms)) > 0) {
        c.bytes += (size_t)n;
        for (int32_t i = 0; i < n; i++) {
            if (buf[i] == 0xC0) {
                if (in && fl > 0) {
                    c.frames++;
                    if (fl >= 12 && fr[0] == 1 && fr[1] == 8 && fr[8] == 0) {
                        c.sync_ok++;
                    }
                }
                in = true;
                fl = 0;
            } else if (in && fl < sizeof(fr)) {
                fr[fl++] = buf[i];
            }
        }
    }
    return c;
}

static counted_t read_frames(sim_link_t *k, uint32_t quiet_ms)
{
    return read_frames_from(k, quiet_ms, false);
}

static void test_sync_eight_replies_paced(void **state)
{
    fx_t *f = *state;
    uint64_t t0 = sim_link_now_us(f->link);
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    uint8_t first[1];
    assert_int_equal(sim_link_read(f->link, first, 1, 1000), 1);
    uint64_t t_first = sim_link_now_us(f->link) - t0;
    assert_int_equal(first[0], 0xC0);
    counted_t c = read_frames_from(f->link, 50, true);
    assert_int_equal(c.sync_ok, 8);
    /* At 115200 baud (10 bits a byte) the 46-byte request takes 4.0 ms on the wire, so no
     * answer can have arrived before that; the read returned as soon as one did. */
    assert_true(t_first >= 46u * 10u * 1000000u / 115200u);
    assert_true(t_first < 100000u);
}

static void test_port_ops_sync(void **state)
{
    fx_t *f = *state;
    const esploader_port_ops_t *ops = &esploader_port_sim_ops;
    uint32_t ms0 = ops->now_ms(f->link);
    assert_int_equal(ops->write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    ops->delay_ms(f->link, 100);
    assert_int_equal(ops->now_ms(f->link) - ms0, 100);
    counted_t c = read_frames(f->link, 20);
    assert_int_equal(c.sync_ok, 8);
    /* Nothing more comes: a read times out after exactly its timeout. */
    uint32_t ms1 = ops->now_ms(f->link);
    uint8_t b[16];
    assert_int_equal(ops->read(f->link, b, sizeof(b), 250), 0);
    assert_int_equal(ops->now_ms(f->link) - ms1, 250);
}

static void test_flipped_request_not_answered_as_sync(void **state)
{
    fx_t *f = *state;
    /* Corrupt the opcode byte (index 2 of the wire stream): 0x08 -> 0x0A (READ_REG). (Not
     * WRITE_REG: the 0x55 run would ask for a 0x55555555 us delay, a 24-minute wait.) */
    sim_fault_t fl = {SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, 2, 0x02};
    assert_int_equal(sim_link_add_fault(f->link, &fl), 0);
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    counted_t c = read_frames(f->link, 100);
    assert_int_equal(c.sync_ok, 0);
    assert_int_equal(c.frames, 1); /* the READ_REG answer */
    /* The next, clean SYNC works: the fault hit one byte only. */
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    c = read_frames(f->link, 100);
    assert_int_equal(c.sync_ok, 8);
}

static void test_cut_line_times_out(void **state)
{
    fx_t *f = *state;
    /* Stream indices count from the link's creation (the boot banner is in there too). */
    uint64_t base = sim_link_bytes(f->link, SIM_DIR_TO_HOST);
    sim_fault_t cut = {SIM_FAULT_CUT, SIM_DIR_TO_HOST, base + 20, 0};
    assert_int_equal(sim_link_add_fault(f->link, &cut), 0);
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    counted_t c = read_frames(f->link, 100);
    assert_int_equal(c.bytes, 20); /* the first reply and 6 bytes of the second */
    assert_int_equal(c.sync_ok, 1);
    uint64_t t = sim_link_now_us(f->link);
    uint8_t b[4];
    assert_int_equal(sim_link_read(f->link, b, sizeof(b), 3000), 0);
    assert_int_equal(sim_link_now_us(f->link) - t, 3000000);
}

static void test_split_and_garbage_to_host(void **state)
{
    fx_t *f = *state;
    uint64_t base = sim_link_bytes(f->link, SIM_DIR_TO_HOST);
    sim_fault_t sp = {SIM_FAULT_SPLIT, SIM_DIR_TO_HOST, 0, 5};
    sim_fault_t gb = {SIM_FAULT_GARBAGE, SIM_DIR_TO_HOST, base + 14, 3}; /* after reply 1 */
    assert_int_equal(sim_link_add_fault(f->link, &sp), 0);
    assert_int_equal(sim_link_add_fault(f->link, &gb), 0);
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    sim_link_advance_us(f->link, 100000);
    uint8_t b[64];
    size_t total = 0;
    int32_t n;
    while ((n = sim_link_read(f->link, b, sizeof(b), 0)) > 0) {
        assert_true(n <= 5);
        total += (size_t)n;
    }
    assert_int_equal(total, 8 * 14 + 3);
}

static void test_reset_by_lines_prints_banner(void **state)
{
    fx_t *f = *state;
    /* The auto-reset circuit: (DTR=F,RTS=T) holds EN low, (DTR=T,RTS=F) releases it with IO0
     * low -> download mode, banner at the boot baud. */
    sim_link_set_lines(f->link, 0, 1);
    sim_link_advance_us(f->link, 100000);
    sim_link_set_lines(f->link, 1, 0);
    sim_link_advance_us(f->link, 50000);
    sim_link_set_lines(f->link, 0, 0);
    uint8_t b[512];
    size_t n = 0;
    int32_t r;
    while ((r = sim_link_read(f->link, b + n, sizeof(b) - n, 200)) > 0) {
        n += (size_t)r;
    }
    assert_true(n > 20);
    bool has_boot = false;
    for (size_t i = 0; i + 7 <= n; i++) {
        has_boot = has_boot || memcmp(b + i, "boot:0x", 7) == 0;
    }
    assert_true(has_boot);
    assert_true(sim_in_download_mode(f->sim));
    assert_int_equal(sim_link_write(f->link, sync_frame, sizeof(sync_frame), 100), 0);
    assert_int_equal(read_frames(f->link, 100).sync_ok, 8);
}

int main(void)
{
    build_sync();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_eight_replies_paced, setup_esp32, teardown),
        cmocka_unit_test_setup_teardown(test_sync_eight_replies_paced, setup_c3, teardown),
        cmocka_unit_test_setup_teardown(test_port_ops_sync, setup_esp32, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_request_not_answered_as_sync, setup_esp32,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cut_line_times_out, setup_esp32, teardown),
        cmocka_unit_test_setup_teardown(test_split_and_garbage_to_host, setup_esp32, teardown),
        cmocka_unit_test_setup_teardown(test_reset_by_lines_prints_banner, setup_esp32, teardown),
        cmocka_unit_test_setup_teardown(test_reset_by_lines_prints_banner, setup_c3, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
