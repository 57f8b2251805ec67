/*
 * A stand-in for the chip model with exactly predictable behaviour, so the link's own rules
 * (clock, faults, splitting) can be checked byte by byte: every byte the host writes is
 * recorded with its arrival time and echoed back FAKE_ECHO_US after it arrived (bytes leave
 * one FAKE_BYTE_US apart). Only the functions the link calls are provided. Tests of the
 * link against the real chip model are in test_simlink_real.c.
 */
#include "fake_chip.h"

#include <stdlib.h>
#include <string.h>

struct sim {
    fake_chip_log_t log;
    uint8_t out[FAKE_MAX];
    uint64_t out_time[FAKE_MAX];
    size_t out_head, out_count;
    uint64_t last_out;
};

sim_t *fake_chip_new(void)
{
    sim_t *s = calloc(1, sizeof(sim_t));
    if (s != NULL) {
        s->log.echo = true;
    }
    return s;
}

void fake_chip_free(sim_t *s)
{
    free(s);
}

const fake_chip_log_t *fake_chip_log(const sim_t *s)
{
    return &s->log;
}

void fake_chip_emit(sim_t *s, const uint8_t *data, size_t len, uint64_t at_us)
{
    for (size_t i = 0; i < len && s->out_head + s->out_count < FAKE_MAX; i++) {
        uint64_t t = at_us;
        if (s->out_count > 0 && t < s->last_out) {
            t = s->last_out;
        }
        s->out[s->out_head + s->out_count] = data[i];
        s->out_time[s->out_head + s->out_count] = t;
        s->out_count++;
        s->last_out = t;
    }
}

void sim_host_write(sim_t *s, const uint8_t *data, size_t len, uint64_t now_us)
{
    s->log.write_calls++;
    if (len > s->log.max_write) {
        s->log.max_write = len;
    }
    for (size_t i = 0; i < len && s->log.rx_count < FAKE_MAX; i++) {
        s->log.rx[s->log.rx_count] = data[i];
        s->log.rx_time[s->log.rx_count] = now_us;
        s->log.rx_count++;
        uint64_t t = now_us + FAKE_ECHO_US;
        if (s->out_count > 0 && t < s->last_out + FAKE_BYTE_US) {
            t = s->last_out + FAKE_BYTE_US;
        }
        if (s->log.echo) {
            fake_chip_emit(s, &data[i], 1, t);
        }
    }
}

size_t sim_host_read(sim_t *s, uint8_t *buf, size_t cap, uint64_t now_us)
{
    size_t n = 0;
    while (n < cap && s->out_count > 0 && s->out_time[s->out_head] <= now_us) {
        buf[n++] = s->out[s->out_head++];
        s->out_count--;
    }
    return n;
}

uint64_t sim_next_event_us(const sim_t *s)
{
    return s->out_count ? s->out_time[s->out_head] : UINT64_MAX;
}

void sim_set_lines(sim_t *s, bool dtr, bool rts, uint64_t now_us)
{
    s->log.lines_calls++;
    s->log.dtr = dtr;
    s->log.rts = rts;
    s->log.lines_time = now_us;
}

void sim_set_host_baud(sim_t *s, uint32_t baud)
{
    s->log.host_baud = baud;
}

void fake_chip_set_echo(sim_t *s, bool echo)
{
    s->log.echo = echo;
}

void sim_set_pins(sim_t *s, bool en_high, bool io0_high, uint64_t now_us)
{
    (void)io0_high;
    if (!en_high) {
        s->log.resets++;
        s->log.reset_time = now_us;
        s->log.rx_at_reset = s->log.rx_count;
    }
}
