/*
 * Test harness: one virtual chip (sim_t), the in-process link on its virtual clock, and an
 * esploader_t talking to it through the sim port -- wrapped in a watchdog port that turns
 * "the library would hang" into a test failure instead of a stuck test run.
 *
 * Expectations about chips (what each ROM can do) come from docs/protocol.md §4 / §8.1 and are
 * written down here, not taken from the library's or the sim's own tables.
 */
#ifndef SIM_HARNESS_H
#define SIM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader_port_sim.h"
#include "esp_sim.h"
#include "esp_sim_link.h"
#include "esploader/esploader.h"

/* What the spec says about one chip (docs/protocol.md §4, §8.1). */
typedef struct h_chip {
    sim_chip_id_t sim;
    esploader_chip_t lib;
    const char *key; /* "esp32c3" */
    bool rom_md5, rom_deflate, rom_baud, rom_read_slow;
    bool sdm_capable;              /* S2 and later */
    bool secinfo_has_id;           /* GET_SECURITY_INFO carries a chip id (S3 and later) */
    uint32_t mac_reg;              /* MAC_EFUSE_REG (ESP8266: OTP MAC0) */
    uint32_t stub_text, stub_data; /* made-up stub load addresses in the chip's IRAM / DRAM */
} h_chip_t;

extern const h_chip_t h_chips[SIM_CHIP_COUNT];
const h_chip_t *h_chip(sim_chip_id_t id);
const h_chip_t *h_chip_by_key(const char *key); /* NULL if unknown */

typedef struct h_opts {
    uint32_t flash_size; /* 0 = 4 MB */
    bool strict;
    bool secure_download;
    bool no_timing;
    uint8_t stub_family; /* the sim's stub conventions: 0/1 legacy, 2 esp-flasher-stub */
    uint64_t budget_us;  /* watchdog: virtual time one armed operation may take; 0 = 900 s */
} h_opts_t;

/* Frame counters filled by the trace hook. */
typedef struct h_trace {
    uint32_t tx_ops[256];     /* commands sent, by opcode */
    uint32_t rx_err_ops[256]; /* replies carrying a failure status, by opcode */
    uint32_t rx_frames;
    uint32_t rx_unsupported;   /* replies with status 01 05 (any opcode) */
    uint8_t last_rx_status[2]; /* status bytes of the last reply to a data command */
} h_trace_t;

/* A fault placed relative to a frame the library is about to send: when the trace hook sees
 * command `op` (data commands: with sequence number `seq`), `fault` is added at the link's
 * current to-chip position + `offset` (the frame's opening C0 is at + 0). */
typedef struct h_frame_fault {
    bool armed, fired;
    uint8_t op;
    bool match_seq;
    uint32_t seq;
    uint32_t offset;
    sim_fault_t fault;
} h_frame_fault_t;

typedef struct harness {
    const h_chip_t *chip;
    h_opts_t opts;
    sim_t *sim;
    sim_link_t *link;
    esploader_config_t cfg;
    esploader_t loader;
    h_trace_t trace;
    h_frame_fault_t frame_fault;
    /* watchdog */
    uint64_t armed_at;
    uint64_t port_calls;
    bool blown; /* virtual-time or call budget exceeded: the library would hang */
    bool trace_on;
} harness_t;

harness_t *h_new(sim_chip_id_t chip, const h_opts_t *opts);
void h_free(harness_t *h);

/* Restart the watchdog's budget (call before each library operation under test). */
void h_arm(harness_t *h);
uint64_t h_now_us(const harness_t *h);

int h_connect(harness_t *h);
/* Upload this chip's made-up stub (the sim does not execute it; it only needs MEM_END with
 * an entry point) and wait for OHAI. */
int h_run_stub(harness_t *h);
const esploader_stub_t *h_stub_image(sim_chip_id_t chip);

/* True if the rc is one of the library's defined codes (OK or a negative esploader_err_t). */
bool h_defined_rc(int rc);

/* Deterministic test data. */
void h_fill_pattern(uint8_t *buf, size_t len, uint32_t seed);
void h_fill_text(uint8_t *buf, size_t len, uint32_t seed); /* printable ASCII, no C0/DB */
/* zlib (level 9) stream of in; *out malloc'd; returns its length. */
size_t h_deflate(const uint8_t *in, size_t len, uint8_t **out);
void h_md5(const void *data, size_t len, uint8_t out[16]);

/* Write with the library's streaming API (plain: FLASH_*; compressed: FLASH_DEFL_*), blocks
 * of the loader's size (ROM 0x400, stub 0x4000). Returns the first failing rc. */
int h_write_plain(harness_t *h, uint32_t offset, const uint8_t *data, uint32_t size);
int h_write_deflated(harness_t *h, uint32_t offset, const uint8_t *data, uint32_t size);

/* The chip's MAC as docs/protocol.md §8.3 assembles it from the sim's eFuse words. */
void h_expected_mac(const harness_t *h, uint8_t mac[6]);

/* Compare flash[offset..offset+len) with data; returns the first differing index or -1. */
long h_flash_diff(const harness_t *h, uint32_t offset, const uint8_t *data, size_t len);
/* True if flash[offset..offset+len) is all `byte`. */
bool h_flash_all(const harness_t *h, uint32_t offset, size_t len, uint8_t byte);

/* Real-time guard for a whole test program: abort after `seconds` of wall time. */
void h_wall_guard(unsigned seconds);

#endif
