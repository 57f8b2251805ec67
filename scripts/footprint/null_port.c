/* The do-nothing port of the footprint programs: every call succeeds at once. */
#include "null_port.h"

#include <string.h>

static int32_t np_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    (void)data;
    (void)len;
    (void)timeout_ms;
    return 0;
}

static int32_t np_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    (void)buf;
    (void)len;
    (void)timeout_ms;
    return 0;
}

static int32_t np_set_lines(void *ctx, int dtr, int rts)
{
    (void)ctx;
    (void)dtr;
    (void)rts;
    return 0;
}

static int32_t np_set_baudrate(void *ctx, uint32_t baud)
{
    (void)ctx;
    (void)baud;
    return 0;
}

static void np_delay(void *ctx, uint32_t ms)
{
    (void)ctx;
    (void)ms;
}

static uint32_t np_now(void *ctx)
{
    (void)ctx;
    return 0;
}

const esploader_port_ops_t null_port_ops = {
    .write = np_write,
    .read = np_read,
    .set_lines = np_set_lines,
    .set_baudrate = np_set_baudrate,
    .delay_ms = np_delay,
    .now_ms = np_now,
};

#if defined(ESPLOADER_LOG_LEVEL) && ESPLOADER_LOG_LEVEL > 0
static void np_log(void *user, esploader_log_level_t level, const char *msg, int32_t value)
{
    (void)user;
    (void)level;
    (void)msg;
    (void)value;
}
#endif

void null_port_config(esploader_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = &null_port_ops;
#if defined(ESPLOADER_LOG_LEVEL) && ESPLOADER_LOG_LEVEL > 0
    cfg->log = np_log;
#endif
}
