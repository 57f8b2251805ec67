/*
 * An in-process link between a host and a sim_t on a virtual clock, with fault injection
 * (littlefs lfs_emubd / nanopb flaky-stream style). Reads advance the virtual clock to the
 * next byte the chip sends (or the deadline), so timeouts and retries cost no real time and
 * are deterministic.
 */
#ifndef ESP_SIM_LINK_H
#define ESP_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sim_fault_kind {
    SIM_FAULT_SPLIT = 1, /* deliver reads in pieces of at most param bytes */
    SIM_FAULT_DELAY,     /* add param microseconds before byte at_byte is delivered */
    SIM_FAULT_DROP,      /* lose param bytes starting at at_byte */
    SIM_FAULT_FLIP,      /* XOR byte at_byte with param (0 = 0x01) */
    SIM_FAULT_GARBAGE,   /* insert param bytes of garbage before byte at_byte */
    SIM_FAULT_CUT,       /* the line goes dead from byte at_byte on (nothing more passes) */
    SIM_FAULT_STALE,     /* to-host: a copy of the last complete frame the chip sent arrives
                            again before byte at_byte (a stale, already-seen reply) */
    SIM_FAULT_RESET,     /* to-chip: the target resets (watchdog, brown-out) as byte at_byte
                            would arrive; that byte is lost. EN pulses low and rises with IO0
                            as the modem lines leave it (released lines: the app boots) */
} sim_fault_kind_t;

typedef enum sim_dir {
    SIM_DIR_TO_CHIP = 0, /* host -> chip */
    SIM_DIR_TO_HOST = 1, /* chip -> host */
} sim_dir_t;

/*
 * Stream indices count the bytes the sender produced in that direction since sim_link_new,
 * before any fault (inserted garbage has no index, dropped bytes keep theirs); see
 * sim_link_bytes() to place a fault relative to now. SPLIT and CUT hold from at_byte on; the
 * other kinds hit one byte (DROP: param bytes). A to-chip SPLIT hands the chip its input in
 * pieces of at most param bytes. Garbage is a fixed pseudo-random sequence (reproducible).
 */
typedef struct sim_fault {
    sim_fault_kind_t kind;
    sim_dir_t dir;
    uint64_t at_byte; /* index in that direction's byte stream, from 0 */
    uint32_t param;
} sim_fault_t;

typedef struct sim_link sim_link_t;

sim_link_t *sim_link_new(sim_t *sim); /* virtual clock starts at 0 */
void sim_link_free(sim_link_t *k);
int sim_link_add_fault(sim_link_t *k, const sim_fault_t *f); /* 0 ok, -1 table full (32) */
void sim_link_clear_faults(sim_link_t *k);
sim_t *sim_link_sim(sim_link_t *k);

uint64_t sim_link_now_us(const sim_link_t *k);
/* Bytes that have entered the link so far in direction dir (before faults): the at_byte of a
 * fault meant for the very next byte. Counting starts at sim_link_new, so a boot banner the
 * chip printed counts too. */
uint64_t sim_link_bytes(const sim_link_t *k, sim_dir_t dir);
void sim_link_advance_us(sim_link_t *k, uint64_t us);

/* Host side. Return conventions match esploader_port_ops_t: write 0 / negative, read count
 * (> 0), 0 on timeout, negative on failure. */
int32_t sim_link_write(sim_link_t *k, const uint8_t *data, size_t len, uint32_t timeout_ms);
int32_t sim_link_read(sim_link_t *k, uint8_t *buf, size_t len, uint32_t timeout_ms);
void sim_link_set_lines(sim_link_t *k, int dtr, int rts); /* 1 assert, 0 release, -1 keep */
void sim_link_set_baud(sim_link_t *k, uint32_t baud);
void sim_link_flush_input(sim_link_t *k);

#ifdef __cplusplus
}
#endif

#endif
