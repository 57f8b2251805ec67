/* Session basics: init, accessors, the clock and log hooks, error texts. */
#include "loader.h"

void espl_log(esploader_t *l, esploader_log_level_t level, const char *msg, int32_t value)
{
    if (l->cfg.log != NULL) {
        l->cfg.log(l->cfg.hook_user, level, msg, value);
    }
}

uint32_t espl_now(esploader_t *l)
{
    return l->cfg.port->now_ms(l->cfg.port_ctx);
}

void espl_delay(esploader_t *l, uint32_t ms)
{
    l->cfg.port->delay_ms(l->cfg.port_ctx, ms);
}

uint32_t espl_timeout(const esploader_t *l)
{
    return l->cfg.timeout_ms != 0 ? l->cfg.timeout_ms : 3000;
}

uint32_t espl_scaled_timeout(uint32_t bytes, uint32_t ms_per_mb)
{
    /* bytes / 1000 first: no 64-bit arithmetic, exact enough for a timeout */
    uint32_t t = bytes / 1000 * (ms_per_mb / 1000);
    return t < 3000 ? 3000 : t > 240000 ? 240000 : t;
}

int esploader_init(esploader_t *l, const esploader_config_t *cfg)
{
    const esploader_port_ops_t *p;

    if (l == NULL || cfg == NULL) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    p = cfg->port;
    if (p == NULL || p->write == NULL || p->read == NULL || p->delay_ms == NULL ||
        p->now_ms == NULL) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    espl_mem_fill(l, 0, sizeof(*l));
    espl_mem_copy(&l->cfg, cfg, sizeof(*cfg));
    l->baud = cfg->initial_baud != 0 ? cfg->initial_baud : 115200;
    /* the rest of the decoder state is already zero: espl_slip_dec_init() minus the stores */
    l->slip.buf = l->frame;
    l->slip.cap = sizeof(l->frame);
    return ESPLOADER_OK;
}

esploader_connect_diag_t esploader_connect_diag(const esploader_t *l)
{
    return (esploader_connect_diag_t)l->diag;
}

const char *esploader_boot_log(const esploader_t *l, size_t *len)
{
    if (len != NULL) {
        *len = l->boot_log_len;
    }
    return l->boot_log;
}

esploader_chip_t esploader_get_target(const esploader_t *l)
{
    return l->chip;
}

esploader_chip_t esploader_detected_chip(const esploader_t *l)
{
    return l->chip != ESPLOADER_CHIP_AUTO ? l->chip : (esploader_chip_t)l->detected;
}

bool esploader_stub_running(const esploader_t *l)
{
    return l->stub != 0;
}

bool esploader_secure_download_mode(const esploader_t *l)
{
    return l->sdm != 0;
}

const esploader_failure_t *esploader_last_failure(const esploader_t *l)
{
    return &l->failure;
}

uint32_t esploader_flash_resume_offset(const esploader_t *l)
{
    return l->resume_offset;
}

bool esploader_flash_verified(const esploader_t *l)
{
    return l->verified != 0;
}

uint8_t espl_flags(const esploader_t *l)
{
    return espl_target_flags(l->chip);
}

int espl_ready(const esploader_t *l)
{
    return l->chip != ESPLOADER_CHIP_AUTO ? ESPLOADER_OK : ESPLOADER_ERR_STATE;
}

int espl_is_8266_rom(const esploader_t *l)
{
    return l->chip == ESPLOADER_CHIP_ESP8266 && !l->stub;
}

const char *esploader_strerror(int err)
{
    static const char *const text[] = {
        "ok",
        "timeout",
        "port I/O error",
        "protocol error",
        "target refused the command",
        "verification failed (MD5 mismatch)",
        "unsupported by this chip/loader/mode",
        "invalid argument",
        "call out of order",
        "host data source or compressor failed",
    };
    if (err > 0 || err < ESPLOADER_ERR_HOST) {
        return "unknown error";
    }
    return text[-err];
}
