/*
 * libesploader port onto an in-process sim_link_t. Everything maps one to one onto the link;
 * the clock is the link's virtual clock, so the library's waits and timeouts cost no real
 * time and every run is deterministic.
 */
#include "esploader_port_sim.h"

#include "esploader/esploader.h"

static int32_t sim_port_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    /* The link fails only for a NULL link or buffer: a caller bug, not a line fault. */
    if (sim_link_write((sim_link_t *)ctx, data, len, timeout_ms) != 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    return 0;
}

static int32_t sim_port_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    int32_t n = sim_link_read((sim_link_t *)ctx, buf, len, timeout_ms);
    return n < 0 ? ESPLOADER_ERR_INVALID_ARG : n;
}

static int32_t sim_port_set_lines(void *ctx, int dtr, int rts)
{
    sim_link_set_lines((sim_link_t *)ctx, dtr, rts);
    return 0;
}

static int32_t sim_port_set_baudrate(void *ctx, uint32_t baud)
{
    sim_link_set_baud((sim_link_t *)ctx, baud);
    return 0;
}

static void sim_port_delay_ms(void *ctx, uint32_t ms)
{
    sim_link_advance_us((sim_link_t *)ctx, (uint64_t)ms * 1000u);
}

static uint32_t sim_port_now_ms(void *ctx)
{
    /* Truncated to 32 bits on purpose: the library works with wrapping differences. */
    return (uint32_t)(sim_link_now_us((const sim_link_t *)ctx) / 1000u);
}

const esploader_port_ops_t esploader_port_sim_ops = {
    .write = sim_port_write,
    .read = sim_port_read,
    .set_lines = sim_port_set_lines,
    .set_baudrate = sim_port_set_baudrate,
    .delay_ms = sim_port_delay_ms,
    .now_ms = sim_port_now_ms,
};
