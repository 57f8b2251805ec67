/* Predictable stand-in for the chip model, for the link's unit tests (see fake_chip.c). */
#ifndef FAKE_CHIP_H
#define FAKE_CHIP_H

#include "esp_sim.h"

#define FAKE_MAX     4096
#define FAKE_ECHO_US 100 /* a written byte comes back this long after it arrived */
#define FAKE_BYTE_US 10  /* echoed bytes leave at least this far apart */

typedef struct fake_chip_log {
    uint8_t rx[FAKE_MAX]; /* bytes the chip received, with arrival times */
    uint64_t rx_time[FAKE_MAX];
    size_t rx_count;
    size_t write_calls, max_write;
    size_t lines_calls;
    bool dtr, rts;
    uint64_t lines_time;
    uint32_t host_baud;
    bool echo;
    size_t resets; /* EN pulled low (sim_set_pins) */
    uint64_t reset_time;
    size_t rx_at_reset; /* bytes received when the last reset began */
} fake_chip_log_t;

sim_t *fake_chip_new(void);
void fake_chip_free(sim_t *s);
const fake_chip_log_t *fake_chip_log(const sim_t *s);
void fake_chip_set_echo(sim_t *s, bool echo);
/* Queue chip output readable from at_us on (never earlier than what is already queued). */
void fake_chip_emit(sim_t *s, const uint8_t *data, size_t len, uint64_t at_us);

#endif
