/*
 * The chip as an event-driven state machine on the caller's clock. Host bytes travel on the
 * rx line at the host's baud; a SLIP frame is handed to the CPU when its last byte has
 * arrived and the CPU is free (busy_until); the command handlers (sim_rom.c, sim_stub.c)
 * emit their replies at the time the modelled work finishes. Events are processed lazily up
 * to the `now` the caller passes in; sim_next_event_us() runs the model forward until the
 * next chip->host byte is on its way (the host is waiting for it anyway).
 */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EN_RC_US 1000u /* EN rises slowly through the RC on dev boards: straps sampled later */

static const char *const chip_aliases[][2] = {
    {"esp8266", "esp8266"},   {"esp32", "esp32"},       {"esp32s2", "esp32s2"},
    {"esp32s3", "esp32s3"},   {"esp32c2", "esp32c2"},   {"esp8684", "esp32c2"},
    {"esp32c3", "esp32c3"},   {"esp32c5", "esp32c5"},   {"esp32c6", "esp32c6"},
    {"esp32c61", "esp32c61"}, {"esp32h2", "esp32h2"},   {"esp32p4", "esp32p4"},
    {"esp32s31", "esp32s31"}, {"esp32e22", "esp32e22"}, {"esp32h21", "esp32h21"},
    {"esp32h4", "esp32h4"},
};

bool sim_chip_from_name(const char *name, sim_chip_id_t *out)
{
    char norm[32];
    size_t n = 0;
    if (!name)
        return false;
    for (const char *p = name; *p && n + 1 < sizeof(norm); p++) {
        char c = *p;
        if (c == '-' || c == '_' || c == ' ')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        norm[n++] = c;
    }
    norm[n] = 0;
    for (size_t i = 0; i < sizeof(chip_aliases) / sizeof(chip_aliases[0]); i++) {
        if (strcmp(norm, chip_aliases[i][0]) != 0)
            continue;
        for (int c = 0; c < SIM_CHIP_COUNT; c++) {
            if (strcmp(sim_chip_info((sim_chip_id_t)c)->key, chip_aliases[i][1]) == 0) {
                *out = (sim_chip_id_t)c;
                return true;
            }
        }
    }
    return false;
}

const char *sim_chip_name(sim_chip_id_t chip)
{
    const sim_chip_info_t *c = sim_chip_info(chip);
    return c ? c->name : "unknown";
}

uint64_t sim_us(const sim_t *s, uint64_t us)
{
    return s->cfg.no_timing ? 0 : us;
}

void sim_emit_raw(sim_t *s, uint64_t t, const uint8_t *d, size_t n)
{
    sim_stream_push(&s->tx, d, n, t, s->chip_baud, s->cfg.no_timing);
    s->stats.bytes_to_host += n;
}

void sim_emit_frame(sim_t *s, uint64_t t, const uint8_t *body, size_t n)
{
    uint8_t *buf = malloc(2 * n + 2);
    if (!buf)
        return;
    size_t k = 0;
    buf[k++] = 0xC0;
    for (size_t i = 0; i < n; i++) {
        if (body[i] == 0xC0) {
            buf[k++] = 0xDB;
            buf[k++] = 0xDC;
        } else if (body[i] == 0xDB) {
            buf[k++] = 0xDB;
            buf[k++] = 0xDD;
        } else {
            buf[k++] = body[i];
        }
    }
    buf[k++] = 0xC0;
    sim_emit_raw(s, t, buf, k);
    free(buf);
}

void sim_xf_end(sim_t *s)
{
    if (s->zs_live)
        inflateEnd(&s->zs);
    s->zs_live = false;
    s->xf = XF_NONE;
}

uint8_t sim_checksum(const uint8_t *d, size_t n)
{
    uint8_t c = 0xEF;
    for (size_t i = 0; i < n; i++)
        c ^= d[i];
    return c;
}

void sim_flash_md5(const sim_t *s, uint32_t addr, uint32_t len, uint8_t out[16])
{
    sim_md5_t m;
    sim_md5_init(&m);
    sim_md5_update(&m, s->flash.mem + addr, len);
    sim_md5_final(&m, out);
}

void sim_erase_range(sim_t *s, uint32_t start, uint32_t end)
{
    start &= ~0xFFFu;
    end = (end + 0xFFFu) & ~0xFFFu;
    if (end > start)
        sim_nor_erase(&s->flash, start, end - start);
}

typedef enum { BANNER_POWERON, BANNER_SW } banner_kind_t;

/* Everything a reset does: the line state, the CPU, RAM and registers start afresh; flash
 * keeps its contents. The banner goes out at the boot baud once the ROM runs. */
static void reset_chip(sim_t *s, uint64_t t, bool download, banner_kind_t kind)
{
    sim_stream_cut(&s->rx, t);
    sim_stream_cut(&s->tx, t);
    sim_xf_end(s);
    s->mode = download ? SIM_MODE_ROM : SIM_MODE_RUN;
    s->stub_deferred = 0;
    s->chip_baud = s->chip->boot_baud;
    s->autobaud = true;
    s->listen_at = t + sim_us(s, s->chip->t.boot_us);
    s->busy_until = s->listen_at;
    s->in_frame = s->esc = false;
    s->rxlen = 0;
    s->frame_ready = false;
    memset(s->rxb, 0, sizeof(s->rxb));
    memset(s->rb, 0, sizeof(s->rb));
    s->value = 0;
    s->last_op = 0;
    s->err_byte = 0;
    s->attached = false;
    /* The ESP32+ ROMs assume 2 MB until SPI_SET_PARAMS (docs/protocol.md §5.11); the ESP8266 ROM
     * has no such command, so it is given the real size. */
    s->rom_flash_size = s->chip->id == SIM_CHIP_ESP8266 ? s->flash.size : 2u * 1024 * 1024;
    s->stub_flash_size = s->chip->id == SIM_CHIP_ESP32S3 ? 64u * 1024 * 1024 : 16u * 1024 * 1024;
    s->uploaded = false;
    s->prog_done_at = 0;
    s->flash_busy = 0;
    s->idle_from = 0;
    s->rf_active = false;
    s->flash.wel = false;
    sim_regs_reset(s);
    if (s->cfg.revision && s->chip->id == SIM_CHIP_ESP32P4) {
        /* eFuses survive resets. ESP32-P4 (esptool esp32p4.py): BLOCK1 word 2 = 0x5012D04C,
         * minor = bits 3:0, major = bit 23 << 2 | bits 5:4 (docs/protocol.md §8.3). */
        uint32_t maj = s->cfg.revision / 100u, min = s->cfg.revision % 100u;
        uint32_t w = sim_reg_read(s, 0x5012D04C) & ~(0xFu | 0x30u | (1u << 23));
        sim_reg_write(s, 0x5012D04C, w | min | (maj & 3u) << 4 | (maj >> 2) << 23, 0xFFFFFFFFu);
    }
    s->stats.resets++;
    const char *b = !download           ? s->chip->banner_run
                    : kind == BANNER_SW ? s->chip->banner_sw_reset
                                        : s->chip->banner_download;
    sim_emit_raw(s, s->listen_at, (const uint8_t *)b, strlen(b));
}

void sim_soft_reset(sim_t *s, uint64_t t, bool download)
{
    /* The reply that triggered the reset is sent first; the chip resets once it is out. */
    uint64_t at = s->tx.free_at > t ? s->tx.free_at : t;
    reset_chip(s, at, download, BANNER_SW);
}

sim_t *sim_new(const sim_config_t *cfg, char *err, size_t err_len)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        err_len = sizeof(dummy);
    }
    if (!cfg) {
        snprintf(err, err_len, "no configuration");
        return NULL;
    }
    const sim_chip_info_t *chip = sim_chip_info(cfg->chip);
    if (!chip) {
        snprintf(err, err_len, "unknown chip %d", (int)cfg->chip);
        return NULL;
    }
    if (cfg->secure_download && !chip->sdm_capable) {
        snprintf(err, err_len, "%s has no Secure Download Mode", chip->name);
        return NULL;
    }
    if (cfg->revision &&
        (chip->id != SIM_CHIP_ESP32P4 || cfg->revision / 100 > 7 || cfg->revision % 100 > 15)) {
        snprintf(err, err_len,
                 "revision v%u.%u: only ESP32-P4 revisions v0.0 to v7.15 are modelled",
                 (unsigned)cfg->revision / 100, (unsigned)cfg->revision % 100);
        return NULL;
    }
    if (cfg->stub_family > 2) {
        snprintf(err, err_len, "stub family %u: 1 (legacy) or 2 (esp-flasher-stub)",
                 (unsigned)cfg->stub_family);
        return NULL;
    }
    sim_t *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->cfg.flash_file = NULL; /* only needed while opening */
    if (s->cfg.stub_family == 0)
        s->cfg.stub_family = 1;
    s->chip = chip;
    uint32_t size = cfg->flash_size ? cfg->flash_size : 4u * 1024 * 1024;
    if (sim_nor_open(&s->flash, size, cfg->flash_file, err, err_len) != 0) {
        free(s);
        return NULL;
    }
    s->host_baud = 115200;
    s->en_high = true;
    s->io0_high = cfg->start_in_run_mode;
    reset_chip(s, 0, !cfg->start_in_run_mode, BANNER_POWERON);
    s->io0_high = true;
    s->stats.resets = 0;
    return s;
}

void sim_free(sim_t *s)
{
    if (!s)
        return;
    sim_xf_end(s);
    sim_stream_free(&s->rx);
    sim_stream_free(&s->tx);
    sim_regs_free(s);
    sim_nor_close(&s->flash);
    free(s);
}

/* ---- the event loop ---- */

static bool listening(const sim_t *s)
{
    return s->mode == SIM_MODE_ROM || s->mode == SIM_MODE_STUB;
}

static uint64_t next_event(const sim_t *s)
{
    uint64_t t = UINT64_MAX;
    if (s->boot_pending)
        t = s->boot_at;
    if (s->frame_ready) {
        uint64_t f = s->frame_at > s->busy_until ? s->frame_at : s->busy_until;
        if (f < t)
            t = f;
    } else {
        uint64_t b = sim_stream_peek_time(&s->rx);
        if (b < t)
            t = b;
    }
    return t;
}

static void feed_byte(sim_t *s, uint8_t b, uint64_t at, uint32_t baud)
{
    /* SLIP as the ROM decodes it: bytes outside a frame are ignored, C0 opens and closes a
     * frame, DB DC / DB DD unescape and DB x becomes x (traces README, probe A14). */
    if (!s->in_frame) {
        if (b == 0xC0) {
            s->in_frame = true;
            s->esc = false;
            s->rxlen = 0;
            s->frame_garbled = false;
        }
        return;
    }
    if (b == 0xC0) {
        s->in_frame = false;
        if (s->rxlen == 0)
            return; /* empty frame: ignored (probe A13) */
        s->frame_ready = true;
        s->frame_at = at;
        s->frame_baud = baud;
        return;
    }
    if (s->esc) {
        s->esc = false;
        b = b == 0xDC ? 0xC0 : b == 0xDD ? 0xDB : b;
    } else if (b == 0xDB) {
        s->esc = true;
        return;
    }
    if (s->rxlen < SIM_RXCAP)
        s->rxb[s->rxlen] = b; /* longer frames are truncated to the buffer */
    s->rxlen++;
}

static bool is_sync_frame(const sim_t *s)
{
    return s->rxlen >= 8 && s->rxb[0] == 0 && s->rxb[1] == 0x08;
}

static void execute_frame(sim_t *s, uint64_t t)
{
    s->frame_ready = false;
    if (s->rxlen > SIM_RXCAP)
        s->rxlen = SIM_RXCAP;
    s->stats.frames_from_host++;
    if (s->mode == SIM_MODE_ROM) {
        if (s->frame_garbled) {
            /* Sent at another rate. Before the first command the ROM measures the rate of a
             * SYNC (its 0x55 run) and adopts it; anything else is noise to it. */
            if (!(s->autobaud && is_sync_frame(s)))
                return;
            s->chip_baud = s->frame_baud;
        }
        s->autobaud = false;
        sim_rom_command(s, t);
    } else if (s->mode == SIM_MODE_STUB) {
        if (s->frame_garbled)
            return;
        sim_stub_command(s, t);
    }
}

static void step(sim_t *s)
{
    uint64_t t = next_event(s);
    if (s->boot_pending && s->boot_at == t) {
        s->boot_pending = false;
        if (s->en_high)
            reset_chip(s, t, !s->io0_high, BANNER_POWERON);
        return;
    }
    if (s->frame_ready) {
        execute_frame(s, t);
        return;
    }
    uint8_t b;
    uint64_t at;
    uint32_t baud;
    if (!sim_stream_pop(&s->rx, &b, &at, &baud))
        return;
    if (!listening(s) || !s->en_high || at < s->listen_at)
        return; /* in reset, booting, or not in a loader: the byte is lost */
    bool mismatch = !s->cfg.no_timing && sim_baud_mismatch(baud, s->chip_baud);
    if (s->cfg.no_timing && baud != s->chip_baud)
        mismatch = true;
    if (s->cfg.link_fail_above && s->chip_baud > s->cfg.link_fail_above) {
        b = sim_garble(b, s->chip_baud, s->cfg.link_fail_above); /* the link-fault model */
        mismatch = false;
    }
    if (mismatch) {
        if (s->mode == SIM_MODE_ROM && s->autobaud)
            s->frame_garbled = true; /* decoded as sent; judged at execution (auto-baud) */
        else
            b = sim_garble(b, baud, s->chip_baud);
    }
    bool was_in = s->in_frame;
    feed_byte(s, b, at, baud);
    if (mismatch && !was_in && s->in_frame && s->mode == SIM_MODE_ROM && s->autobaud)
        s->frame_garbled = true; /* the opening C0 itself came at the other rate */
}

static void advance(sim_t *s, uint64_t t)
{
    while (next_event(s) <= t)
        step(s);
    if (t > s->now)
        s->now = t;
}

/* ---- public API ---- */

void sim_host_write(sim_t *s, const uint8_t *data, size_t len, uint64_t now_us)
{
    if (!s || (!data && len))
        return;
    advance(s, now_us);
    s->stats.bytes_from_host += len;
    sim_stream_push(&s->rx, data, len, now_us, s->host_baud, s->cfg.no_timing);
}

size_t sim_host_read(sim_t *s, uint8_t *buf, size_t cap, uint64_t now_us)
{
    if (!s)
        return 0;
    advance(s, now_us);
    size_t n = 0;
    while (n < cap && sim_stream_peek_time(&s->tx) <= now_us) {
        uint8_t b;
        uint32_t baud;
        sim_stream_pop(&s->tx, &b, NULL, &baud);
        bool mismatch =
            s->cfg.no_timing ? baud != s->host_baud : sim_baud_mismatch(baud, s->host_baud);
        if (s->cfg.link_fail_above && baud > s->cfg.link_fail_above)
            mismatch = true; /* the link-fault model (sim_config_t.link_fail_above) */
        buf[n++] = mismatch ? sim_garble(b, baud, s->host_baud) : b;
    }
    return n;
}

uint64_t sim_next_event_us(const sim_t *cs)
{
    if (!cs)
        return UINT64_MAX;
    /* The model is deterministic: running it forward to the next output changes nothing the
     * host could observe earlier. (A reset issued for an earlier time after this call is
     * applied at that time but cannot undo commands already executed.) */
    sim_t *s = (sim_t *)cs;
    for (;;) {
        uint64_t t = sim_stream_peek_time(&s->tx);
        if (t != UINT64_MAX)
            return t;
        if (next_event(s) == UINT64_MAX)
            return UINT64_MAX;
        step(s);
    }
}

void sim_set_pins(sim_t *s, bool en_high, bool io0_high, uint64_t now_us)
{
    if (!s)
        return;
    advance(s, now_us);
    if (s->en_high && !en_high) {
        /* Held in reset: the UART stops; what it was sending is cut off. */
        s->mode = SIM_MODE_RESET;
        s->boot_pending = false;
        sim_stream_cut(&s->tx, now_us);
        sim_stream_cut(&s->rx, now_us);
        s->frame_ready = false;
        s->in_frame = false;
        sim_xf_end(s);
    } else if (!s->en_high && en_high) {
        s->boot_pending = true;
        s->boot_at = now_us + EN_RC_US;
    }
    s->en_high = en_high;
    s->io0_high = io0_high;
}

void sim_set_lines(sim_t *s, bool dtr, bool rts, uint64_t now_us)
{
    /* docs/protocol.md §10.1: asserted = 0 V; EN low only for (DTR off, RTS on), IO0 low only for
     * (DTR on, RTS off); both asserted leaves the chip running. */
    sim_set_pins(s, !(rts && !dtr), !(dtr && !rts), now_us);
}

void sim_reset(sim_t *s, bool download, uint64_t now_us)
{
    if (!s)
        return;
    advance(s, now_us);
    s->boot_pending = false;
    s->en_high = true;
    s->io0_high = true;
    reset_chip(s, now_us, download, BANNER_POWERON);
}

void sim_set_host_baud(sim_t *s, uint32_t baud)
{
    if (s && baud)
        s->host_baud = baud;
}

uint32_t sim_uart_baud(const sim_t *s)
{
    return s ? s->chip_baud : 0;
}

const uint8_t *sim_flash(const sim_t *s, size_t *size)
{
    if (!s)
        return NULL;
    if (size)
        *size = s->flash.size;
    return s->flash.mem;
}

void sim_flash_fill(sim_t *s, uint32_t offset, const uint8_t *data, size_t len)
{
    if (s && data)
        sim_nor_fill(&s->flash, offset, data, len);
}

bool sim_stub_running(const sim_t *s)
{
    return s && s->mode == SIM_MODE_STUB;
}

bool sim_in_download_mode(const sim_t *s)
{
    return s && (s->mode == SIM_MODE_ROM || s->mode == SIM_MODE_STUB);
}

sim_chip_id_t sim_chip(const sim_t *s)
{
    return s->chip->id;
}

void sim_get_stats(const sim_t *s, sim_stats_t *out)
{
    if (s && out)
        *out = s->stats;
}

uint32_t sim_peek32(sim_t *s, uint32_t addr)
{
    return s ? sim_reg_read(s, addr) : 0;
}

void sim_poke32(sim_t *s, uint32_t addr, uint32_t value)
{
    if (s)
        sim_reg_write(s, addr, value, 0xFFFFFFFFu);
}

uint64_t sim_flash_floor_us(sim_chip_id_t chip, bool stub, uint32_t bytes)
{
    const sim_chip_info_t *c = sim_chip_info(chip);
    if (!c || bytes == 0)
        return 0;
    const sim_timing_t *t = &c->t;
    uint32_t end = (bytes + 0xFFFu) & ~0xFFFu;
    uint64_t us = sim_erase_plan_us(t, 0, end, NULL); /* from offset 0: blocks where they fit */
    uint64_t pages = (bytes + 255u) / 256u;
    if (stub) {
        us += pages * t->stub_page_us;
    } else {
        us += pages * t->rom_page_us + (uint64_t)((bytes + 1023u) / 1024u) * t->rom_block_us;
    }
    return us;
}
