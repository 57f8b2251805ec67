/*
 * Every fault kind of the in-process link (split, delay, drop, flip, garbage, cut), in both
 * directions, at several positions, during connect (argv[1] = "connect") and during a flash
 * write (argv[1] = "write"). Every run must end in a defined result code within a bounded
 * virtual time (the harness watchdog), and:
 *   - OK      => the flash holds exactly the data (and it was MD5-verified where possible);
 *   - failure => flash outside the written region is untouched.
 * Faults that only change timing or chunking (split, short delay) must not fail at all.
 *
 * Positions are fractions of the bytes a fault-free run moves in that phase and direction,
 * measured by a dry run of the same scenario, so they land inside the phase under test.
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

#define FLASH  0x200000u
#define OFFSET 0x30000u
#define SIZE   16000u /* 4 sectors: an even count, which the ESP8266 ROM rule erases exactly */
#define REGION (4 * 4096u)

typedef struct variant {
    sim_fault_kind_t kind;
    uint32_t param;
    bool harmless; /* must end in OK */
    const char *name;
} variant_t;

static const variant_t variants[] = {
    {SIM_FAULT_SPLIT, 1, true, "split1"},         {SIM_FAULT_SPLIT, 7, true, "split7"},
    {SIM_FAULT_DELAY, 20000, true, "delay20ms"},  {SIM_FAULT_DELAY, 60000, false, "delay60ms"},
    {SIM_FAULT_DELAY, 4000000, false, "delay4s"}, {SIM_FAULT_DROP, 1, false, "drop1"},
    {SIM_FAULT_DROP, 40, false, "drop40"},        {SIM_FAULT_FLIP, 0x01, false, "flip01"},
    {SIM_FAULT_FLIP, 0xFF, false, "flipFF"},      {SIM_FAULT_GARBAGE, 1, false, "garbage1"},
    {SIM_FAULT_GARBAGE, 64, false, "garbage64"},  {SIM_FAULT_CUT, 0, false, "cut"},
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))

static const unsigned fractions[] = {0, 15, 35, 55, 75, 97}; /* percent */
#define NPOS (sizeof(fractions) / sizeof(fractions[0]))

typedef struct scenario {
    const char *name;
    sim_chip_id_t chip;
    bool stub, compressed;
    bool diff; /* the region already holds the data but for one sector: SKIP_UNCHANGED write */
} scenario_t;

static uint8_t background[FLASH];
static uint8_t data[SIZE];
static uint8_t old_data[SIZE]; /* data with its second sector different */
static unsigned failures;      /* in the current scenario; every case runs, failures listed */

/* Record a failed expectation and go on, so one run lists every failing case. */
#define BAD(...)                                                                                   \
    do {                                                                                           \
        printf("FAIL: " __VA_ARGS__);                                                              \
        printf("\n");                                                                              \
        failures++;                                                                                \
    } while (0)
/* Outcome tally for the summary printed at the end (informative; assertions are above it). */
static unsigned tally[NVAR][9]; /* [variant][-rc] */

static harness_t *new_h(const scenario_t *sc)
{
    h_opts_t o = {.flash_size = FLASH, .budget_us = 600ull * 1000000u};
    harness_t *h = h_new(sc->chip, &o);
    assert_non_null(h);
    sim_flash_fill(h->sim, 0, background, FLASH);
    if (sc->diff) {
        sim_flash_fill(h->sim, OFFSET, old_data, SIZE);
    }
    return h;
}

/*
 * Flash outside [OFFSET, OFFSET + REGION) must be untouched. One exception, from the spec: the
 * ESP8266 ROM erases an even number of sectors from where a (re)start begins (§5.5.1), so a
 * restart that covers an odd number of sectors loses one more sector to erasure (esptool's
 * formula does the same). That sector may be erased (0xFF), never written.
 */
static void check_outside(const harness_t *h, const char *what)
{
    uint32_t slack = 0;
    if (h->chip->sim == SIM_CHIP_ESP8266 && !esploader_stub_running(&h->loader) &&
        h_flash_diff(h, OFFSET + REGION, background + OFFSET + REGION, 4096) != -1) {
        if (!h_flash_all(h, OFFSET + REGION, 4096, 0xFF)) {
            BAD("%s: the sector after the region was written", what);
            return;
        }
        slack = 4096;
    }
    long a = h_flash_diff(h, 0, background, OFFSET);
    long b = h_flash_diff(h, OFFSET + REGION + slack, background + OFFSET + REGION + slack,
                          FLASH - OFFSET - REGION - slack);
    if (a != -1 || b != -1) {
        BAD("%s: flash outside the region changed (below at %ld, above at %ld)", what, a, b);
    }
}

static int do_write(harness_t *h, const scenario_t *sc)
{
    h_arm(h);
    if (sc->compressed) {
        return h_write_deflated(h, OFFSET, data, SIZE);
    }
    /* the buffer API: restarts after a rejected block; diff scenarios compare sector MD5s
     * first (a corrupted MD5 reply must never let a changed sector be skipped) */
    return esploader_flash_write_buffer(&h->loader, OFFSET, data, SIZE,
                                        sc->diff ? ESPLOADER_WRITE_SKIP_UNCHANGED : 0, NULL, NULL);
}

static void check_write_result(harness_t *h, const scenario_t *sc, int rc, const char *what)
{
    if (!h_defined_rc(rc)) {
        BAD("%s: undefined result %d", what, rc);
    }
    if (rc == ESPLOADER_OK) {
        long d = h_flash_diff(h, OFFSET, data, SIZE);
        if (d != -1) {
            BAD("%s: returned OK but flash differs at +%ld", what, d);
        }
        bool can_md5 = sc->stub || h->chip->rom_md5;
        if (can_md5 && !esploader_flash_verified(&h->loader)) {
            BAD("%s: returned OK without verification", what);
        }
    }
    check_outside(h, what);
}

static void run_connect_scenario(const scenario_t *sc)
{
    /* dry run: how many bytes does a fault-free connect move each way? */
    harness_t *h = new_h(sc);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    sim_stats_t st;
    sim_get_stats(h->sim, &st);
    uint64_t total[2] = {st.bytes_from_host, st.bytes_to_host};
    h_free(h);

    for (size_t v = 0; v < NVAR; v++) {
        for (int dir = 0; dir < 2; dir++) {
            for (size_t p = 0; p < NPOS; p++) {
                char what[96];
                uint64_t at = total[dir] * fractions[p] / 100u;
                snprintf(what, sizeof(what), "%s connect %s %s @%llu", sc->name, variants[v].name,
                         dir ? "to-host" : "to-chip", (unsigned long long)at);
                if (getenv("H_ONLY") != NULL && strstr(what, getenv("H_ONLY")) == NULL) {
                    continue; /* debugging aid: H_ONLY=substring runs the matching cases */
                }
                h = new_h(sc);
                sim_fault_t f = {variants[v].kind, (sim_dir_t)dir, at, variants[v].param};
                assert_int_equal(sim_link_add_fault(h->link, &f), 0);
                int rc = h_connect(h);
                if (h->blown) {
                    BAD("%s: no end within the virtual-time budget", what);
                }
                if (!h_defined_rc(rc)) {
                    BAD("%s: undefined result %d", what, rc);
                    h_free(h);
                    continue;
                }
                if (variants[v].harmless && rc != ESPLOADER_OK) {
                    BAD("%s: a timing-only fault made connect fail (%d)", what, rc);
                }
                tally[v][-rc]++;
                if (rc == ESPLOADER_OK) {
                    /* connected means: the right chip, and a session that works */
                    if (esploader_get_target(&h->loader) != h->chip->lib) {
                        BAD("%s: detected chip %d", what, (int)esploader_get_target(&h->loader));
                    }
                    sim_link_clear_faults(h->link);
                    rc = do_write(h, sc);
                    if (rc != ESPLOADER_OK) {
                        BAD("%s: connect OK but the session then failed (%d)", what, rc);
                    }
                    check_write_result(h, sc, rc, what);
                }
                h_free(h);
            }
        }
    }
}

static void run_write_scenario(const scenario_t *sc)
{
    harness_t *h = new_h(sc);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (sc->stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    sim_stats_t s0, s1;
    sim_get_stats(h->sim, &s0);
    assert_int_equal(do_write(h, sc), ESPLOADER_OK);
    sim_get_stats(h->sim, &s1);
    h_free(h);
    uint64_t base[2] = {s0.bytes_from_host, s0.bytes_to_host};
    uint64_t span[2] = {s1.bytes_from_host - s0.bytes_from_host,
                        s1.bytes_to_host - s0.bytes_to_host};

    for (size_t v = 0; v < NVAR; v++) {
        for (int dir = 0; dir < 2; dir++) {
            for (size_t p = 0; p < NPOS; p++) {
                char what[96];
                uint64_t at = base[dir] + span[dir] * fractions[p] / 100u;
                snprintf(what, sizeof(what), "%s write %s %s @%llu", sc->name, variants[v].name,
                         dir ? "to-host" : "to-chip", (unsigned long long)at);
                if (getenv("H_ONLY") != NULL && strstr(what, getenv("H_ONLY")) == NULL) {
                    continue;
                }
                h = new_h(sc);
                assert_int_equal(h_connect(h), ESPLOADER_OK);
                if (sc->stub) {
                    assert_int_equal(h_run_stub(h), ESPLOADER_OK);
                }
                sim_fault_t f = {variants[v].kind, (sim_dir_t)dir, at, variants[v].param};
                assert_int_equal(sim_link_add_fault(h->link, &f), 0);
                int rc = do_write(h, sc);
                if (h->blown) {
                    BAD("%s: no end within the virtual-time budget", what);
                }
                if (variants[v].harmless && rc != ESPLOADER_OK) {
                    BAD("%s: a timing-only fault made the write fail (%d)", what, rc);
                }
                check_write_result(h, sc, rc, what);
                if (h_defined_rc(rc)) {
                    tally[v][-rc]++;
                }
                h_free(h);
            }
        }
    }
}

/*
 * Reads under faults: READ_FLASH (stub: stream with ack flow control and a final MD5) and
 * READ_FLASH_SLOW (ROM: 64-byte replies without any checksum). OK must mean the bytes are
 * the flash's bytes; anything else must be a defined error.
 */
#define READ_OFFSET 0x50000u
static void run_read_scenario(const scenario_t *sc)
{
    uint32_t len = sc->stub ? 16384u : 2048u;
    static uint8_t buf[16384];
    harness_t *h = new_h(sc);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (sc->stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    sim_stats_t s0, s1;
    sim_get_stats(h->sim, &s0);
    assert_int_equal(esploader_flash_read(&h->loader, READ_OFFSET, buf, len), ESPLOADER_OK);
    sim_get_stats(h->sim, &s1);
    assert_memory_equal(buf, background + READ_OFFSET, len);
    h_free(h);
    uint64_t base[2] = {s0.bytes_from_host, s0.bytes_to_host};
    uint64_t span[2] = {s1.bytes_from_host - s0.bytes_from_host,
                        s1.bytes_to_host - s0.bytes_to_host};

    for (size_t v = 0; v < NVAR; v++) {
        for (int dir = 0; dir < 2; dir++) {
            for (size_t p = 0; p < NPOS; p++) {
                char what[96];
                uint64_t at = base[dir] + span[dir] * fractions[p] / 100u;
                snprintf(what, sizeof(what), "%s read %s %s @%llu", sc->name, variants[v].name,
                         dir ? "to-host" : "to-chip", (unsigned long long)at);
                if (getenv("H_ONLY") != NULL && strstr(what, getenv("H_ONLY")) == NULL) {
                    continue;
                }
                h = new_h(sc);
                assert_int_equal(h_connect(h), ESPLOADER_OK);
                if (sc->stub) {
                    assert_int_equal(h_run_stub(h), ESPLOADER_OK);
                }
                sim_fault_t f = {variants[v].kind, (sim_dir_t)dir, at, variants[v].param};
                assert_int_equal(sim_link_add_fault(h->link, &f), 0);
                memset(buf, 0, len);
                h_arm(h);
                int rc = esploader_flash_read(&h->loader, READ_OFFSET, buf, len);
                if (h->blown) {
                    BAD("%s: no end within the virtual-time budget", what);
                }
                if (!h_defined_rc(rc)) {
                    BAD("%s: undefined result %d", what, rc);
                } else {
                    tally[v][-rc]++;
                }
                if (variants[v].harmless && rc != ESPLOADER_OK) {
                    BAD("%s: a timing-only fault made the read fail (%d)", what, rc);
                }
                if (rc == ESPLOADER_OK && memcmp(buf, background + READ_OFFSET, len) != 0) {
                    size_t i = 0;
                    while (buf[i] == background[READ_OFFSET + i]) {
                        i++;
                    }
                    BAD("%s: returned OK but byte %zu differs (%02x, flash has %02x)", what, i,
                        buf[i], background[READ_OFFSET + i]);
                }
                h_free(h);
            }
        }
    }
}

/*
 * Faults while the stub is uploaded and started (MEM_*, OHAI) or while the baud rate
 * changes (CHANGE_BAUDRATE, the C0 C0 that follows, the switch). OK must mean the chip is
 * really in that state, and the session must then work; a failure must be a defined code.
 */
static int phase_op(harness_t *h, bool baud)
{
    h_arm(h);
    return baud ? esploader_change_baudrate(&h->loader, 921600) : h_run_stub(h);
}

static void run_phase_scenario(const scenario_t *sc, bool baud)
{
    harness_t *h = new_h(sc);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (baud && sc->stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    sim_stats_t s0, s1;
    sim_get_stats(h->sim, &s0);
    assert_int_equal(phase_op(h, baud), ESPLOADER_OK);
    sim_get_stats(h->sim, &s1);
    h_free(h);
    uint64_t base[2] = {s0.bytes_from_host, s0.bytes_to_host};
    uint64_t span[2] = {s1.bytes_from_host - s0.bytes_from_host,
                        s1.bytes_to_host - s0.bytes_to_host};

    for (size_t v = 0; v < NVAR; v++) {
        for (int dir = 0; dir < 2; dir++) {
            for (size_t p = 0; p < NPOS; p++) {
                char what[96];
                uint64_t at = base[dir] + span[dir] * fractions[p] / 100u;
                snprintf(what, sizeof(what), "%s %s %s @%llu", sc->name, variants[v].name,
                         dir ? "to-host" : "to-chip", (unsigned long long)at);
                if (getenv("H_ONLY") != NULL && strstr(what, getenv("H_ONLY")) == NULL) {
                    continue;
                }
                h = new_h(sc);
                assert_int_equal(h_connect(h), ESPLOADER_OK);
                if (baud && sc->stub) {
                    assert_int_equal(h_run_stub(h), ESPLOADER_OK);
                }
                sim_fault_t f = {variants[v].kind, (sim_dir_t)dir, at, variants[v].param};
                assert_int_equal(sim_link_add_fault(h->link, &f), 0);
                int rc = phase_op(h, baud);
                if (h->blown) {
                    BAD("%s: no end within the virtual-time budget", what);
                }
                if (!h_defined_rc(rc)) {
                    BAD("%s: undefined result %d", what, rc);
                    h_free(h);
                    continue;
                }
                tally[v][-rc]++;
                if (variants[v].harmless && rc != ESPLOADER_OK) {
                    BAD("%s: a timing-only fault made it fail (%d)", what, rc);
                }
                if (rc == ESPLOADER_OK) {
                    /* a UART tolerates a few % of baud error: within 2 % is the same link */
                    uint32_t ub = sim_uart_baud(h->sim);
                    if (baud && (ub < 921600u / 100u * 98u || ub > 921600u / 100u * 102u)) {
                        BAD("%s: OK but the chip is at %u baud", what, ub);
                    }
                    if (!baud &&
                        !(sim_stub_running(h->sim) && esploader_stub_running(&h->loader))) {
                        BAD("%s: OK but stub running: sim %d, library %d", what,
                            sim_stub_running(h->sim), esploader_stub_running(&h->loader));
                    }
                    sim_link_clear_faults(h->link);
                    rc = do_write(h, sc);
                    if (rc != ESPLOADER_OK) {
                        BAD("%s: OK but the session then failed (%d)", what, rc);
                    }
                    check_write_result(h, sc, rc, what);
                }
                h_free(h);
            }
        }
    }
}

static void test_scenario(void **state)
{
    const scenario_t *sc = *state;
    failures = 0;
    if (strstr(sc->name, "connect") != NULL) {
        run_connect_scenario(sc);
    } else if (strstr(sc->name, "read") != NULL) {
        run_read_scenario(sc);
    } else if (strstr(sc->name, "stub_upload") != NULL) {
        run_phase_scenario(sc, false);
    } else if (strstr(sc->name, "baud") != NULL) {
        run_phase_scenario(sc, true);
    } else {
        run_write_scenario(sc);
    }
    if (failures != 0) {
        fail_msg("%s: %u failing cases (FAIL lines above)", sc->name, failures);
    }
}

static const scenario_t connect_scenarios[] = {
    {"esp32_rom_connect", SIM_CHIP_ESP32, false, false, false},
    {"esp32c3_rom_connect", SIM_CHIP_ESP32C3, false, false, false},
    {"esp8266_rom_connect", SIM_CHIP_ESP8266, false, false, false},
};
static const scenario_t phase_scenarios[] = {
    {"esp32_stub_upload", SIM_CHIP_ESP32, true, false, false},
    {"esp32c3_stub_upload", SIM_CHIP_ESP32C3, true, false, false},
    {"esp32c3_rom_baud", SIM_CHIP_ESP32C3, false, false, false},
    {"esp32_stub_baud", SIM_CHIP_ESP32, true, false, false},
};
static const scenario_t read_scenarios[] = {
    {"esp32_stub_read", SIM_CHIP_ESP32, true, false, false},
    {"esp32c3_rom_read", SIM_CHIP_ESP32C3, false, false, false},
};
static const scenario_t write_scenarios[] = {
    {"esp32_rom_plain", SIM_CHIP_ESP32, false, false, false},
    {"esp32c3_rom_deflate", SIM_CHIP_ESP32C3, false, true, false},
    {"esp8266_rom_plain", SIM_CHIP_ESP8266, false, false, false},
    {"esp32_stub_deflate", SIM_CHIP_ESP32, true, true, false},
    {"esp32c6_stub_plain", SIM_CHIP_ESP32C6, true, false, false},
    {"esp32_stub_diff", SIM_CHIP_ESP32, true, false, true},
    {"esp32c3_rom_diff", SIM_CHIP_ESP32C3, false, false, true},
};

int main(int argc, char **argv)
{
    h_wall_guard(300);
    h_fill_pattern(background, sizeof(background), 0xFA17u);
    h_fill_pattern(data, sizeof(data), 0xDA7Au);
    memcpy(old_data, data, SIZE);
    for (size_t i = 4096; i < 8192; i++) {
        old_data[i] ^= 0x3C;
    }
    const char *mode = argc > 1 ? argv[1] : "write";
    const scenario_t *sc = write_scenarios;
    size_t n = sizeof(write_scenarios) / sizeof(write_scenarios[0]);
    if (strcmp(mode, "connect") == 0) {
        sc = connect_scenarios;
        n = sizeof(connect_scenarios) / sizeof(connect_scenarios[0]);
    } else if (strcmp(mode, "read") == 0) {
        sc = read_scenarios;
        n = sizeof(read_scenarios) / sizeof(read_scenarios[0]);
    } else if (strcmp(mode, "phases") == 0) {
        sc = phase_scenarios;
        n = sizeof(phase_scenarios) / sizeof(phase_scenarios[0]);
    }
    static struct CMUnitTest tests[8];
    for (size_t i = 0; i < n; i++) {
        tests[i] = (struct CMUnitTest){sc[i].name, test_scenario, NULL, NULL, (void *)&sc[i]};
    }
    char group[32];
    snprintf(group, sizeof(group), "sim_faults_%s", mode);
    int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    printf("\noutcomes per fault (OK / TIMEOUT / IO / PROTOCOL / TARGET / VERIFY / UNSUPP / "
           "INVAL / STATE):\n");
    for (size_t v = 0; v < NVAR; v++) {
        printf("  %-10s", variants[v].name);
        for (int k = 0; k < 9; k++) {
            printf(" %4u", tally[v][k]);
        }
        printf("\n");
    }
    return failed;
}
