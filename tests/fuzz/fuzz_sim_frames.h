/*
 * Fuzz harness for the simulator's frame and command handling (fuzz_sim_frames.c), its input
 * format, and the seeds built from the golden ROM traces (fuzz_seeds.c).
 *
 * Input: byte 0 picks the chip (mod SIM_CHIP_COUNT); byte 1 holds flags (FUZZ_FLAG_*); the
 * rest is a list of operations, each an opcode byte (FUZZ_OP_*, taken mod 8) and its operand
 * bytes. A truncated last operation is ignored.
 */
#ifndef FUZZ_SIM_FRAMES_H
#define FUZZ_SIM_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_FLAG_STUB      0x01 /* upload a (dummy) stub first: run in stub mode */
#define FUZZ_FLAG_STRICT    0x02 /* sim_config_t.strict */
#define FUZZ_FLAG_SDM       0x04 /* sim_config_t.secure_download */
#define FUZZ_FLAG_NO_TIMING 0x08 /* sim_config_t.no_timing */

enum {
    FUZZ_OP_WRITE = 0,   /* n = next byte + 1, then n bytes to the chip */
    FUZZ_OP_READ = 1,    /* read until quiet for (next byte) * 4 ms of virtual time */
    FUZZ_OP_LINES = 2,   /* next byte: bit 0 DTR, bit 1 RTS (asserted) */
    FUZZ_OP_BAUD = 3,    /* next byte picks a host baud rate */
    FUZZ_OP_ADVANCE = 4, /* let (next byte) * 100 us of virtual time pass */
    FUZZ_OP_RESET = 5,   /* next byte bit 0: sim_reset into download (1) or run mode (0) */
    FUZZ_OP_FLUSH = 6,   /* drop what the host has not read */
    FUZZ_OP_FAULT = 7,   /* 4 bytes: a to-chip link fault (kind, at_byte lo, hi, param) */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the last input did (for the replay runner's report: a seed that never reaches the
 * chip's command handling would be a useless seed). */
typedef struct fuzz_stats {
    size_t bytes_to_chip, bytes_from_chip;
    unsigned frames_checked; /* complete frames the invariant checker judged */
    int stub_reached;        /* FUZZ_FLAG_STUB: the chip entered stub mode */
    int checked_to_end;      /* nothing disabled the checker */
} fuzz_stats_t;
extern fuzz_stats_t fuzz_last_stats;

/* Seeds. Each returns the input length written to out (0 if it did not fit / no frames). */
size_t fuzz_seed_from_trace(const char *path, uint8_t *out, size_t cap);
size_t fuzz_seed_builtin(unsigned idx, uint8_t *out, size_t cap); /* idx < fuzz_seed_count */
unsigned fuzz_seed_builtin_count(void);

#endif
