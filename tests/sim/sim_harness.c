/* See sim_harness.h. */
#define _POSIX_C_SOURCE 200809L

#include "sim_harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sim_internal.h" /* only for the sim's eFuse defaults: the MAC's ground truth */

/*
 * docs/protocol.md §4 / §8.1 per chip. Stub load addresses are our own, picked inside each chip's
 * instruction RAM (text) and data RAM (data) as real stubs are; the sim never runs the code,
 * it only needs MEM_BEGIN/DATA/END with an entry point to switch to the stub personality.
 */
const h_chip_t h_chips[SIM_CHIP_COUNT] = {
    {SIM_CHIP_ESP8266, ESPLOADER_CHIP_ESP8266, "esp8266", false, false, false, false, false, false,
     0x3FF00050, 0x4010E000, 0x3FFE8000},
    {SIM_CHIP_ESP32, ESPLOADER_CHIP_ESP32, "esp32", true, true, true, true, false, false,
     0x3FF5A004, 0x400BE000, 0x3FFBE000},
    {SIM_CHIP_ESP32S2, ESPLOADER_CHIP_ESP32S2, "esp32s2", true, true, true, true, true, false,
     0x3F41A044, 0x40028000, 0x3FFE8000},
    {SIM_CHIP_ESP32S3, ESPLOADER_CHIP_ESP32S3, "esp32s3", true, true, true, true, true, true,
     0x60007044, 0x40378000, 0x3FCB0000},
    {SIM_CHIP_ESP32C2, ESPLOADER_CHIP_ESP32C2, "esp32c2", true, true, true, true, true, true,
     0x60008840, 0x4038C000, 0x3FCC0000},
    {SIM_CHIP_ESP32C3, ESPLOADER_CHIP_ESP32C3, "esp32c3", true, true, true, true, true, true,
     0x60008844, 0x40380000, 0x3FC96000},
    {SIM_CHIP_ESP32C5, ESPLOADER_CHIP_ESP32C5, "esp32c5", true, true, true, true, true, true,
     0x600B4844, 0x40800000, 0x40840000},
    {SIM_CHIP_ESP32C6, ESPLOADER_CHIP_ESP32C6, "esp32c6", true, true, true, true, true, true,
     0x600B0844, 0x40800000, 0x40840000},
    {SIM_CHIP_ESP32C61, ESPLOADER_CHIP_ESP32C61, "esp32c61", true, true, true, true, true, true,
     0x600B4844, 0x40800000, 0x40830000},
    {SIM_CHIP_ESP32H2, ESPLOADER_CHIP_ESP32H2, "esp32h2", true, true, true, true, true, true,
     0x600B0844, 0x40800000, 0x40830000},
    {SIM_CHIP_ESP32P4, ESPLOADER_CHIP_ESP32P4, "esp32p4", true, true, true, true, true, true,
     0x5012D044, 0x4FF10000, 0x4FF40000},
    {SIM_CHIP_ESP32S31, ESPLOADER_CHIP_ESP32S31, "esp32s31", true, true, true, true, true, true,
     0x20715050, 0x2F010000, 0x2F040000},
    {SIM_CHIP_ESP32E22, ESPLOADER_CHIP_ESP32E22, "esp32e22", true, true, true, true, true, true,
     0xC4008044, 0x30FE0000, 0x31040000},
    {SIM_CHIP_ESP32H21, ESPLOADER_CHIP_ESP32H21, "esp32h21", true, true, true, true, true, true,
     0x600B4044, 0x40800000, 0x40830000},
    {SIM_CHIP_ESP32H4, ESPLOADER_CHIP_ESP32H4, "esp32h4", true, true, true, true, true, true,
     0x600B1844, 0x40810000, 0x40840000},
};

const h_chip_t *h_chip(sim_chip_id_t id)
{
    return (unsigned)id < SIM_CHIP_COUNT ? &h_chips[id] : NULL;
}

const h_chip_t *h_chip_by_key(const char *key)
{
    for (int i = 0; i < SIM_CHIP_COUNT; i++) {
        if (strcmp(h_chips[i].key, key) == 0) {
            return &h_chips[i];
        }
    }
    return NULL;
}

/* ---- watchdog port: the sim port, plus budgets on virtual time and call count ---------- */

#define H_CALL_BUDGET 20000000u /* port calls per armed operation before we call it a spin */

static bool h_over(harness_t *h)
{
    h->port_calls++;
    if (sim_link_now_us(h->link) - h->armed_at > h->opts.budget_us ||
        h->port_calls > H_CALL_BUDGET) {
        h->blown = true;
    }
    return h->blown;
}

static int32_t hp_write(void *ctx, const uint8_t *d, size_t n, uint32_t t)
{
    harness_t *h = ctx;
    if (h_over(h)) {
        return ESPLOADER_ERR_IO; /* stop a runaway operation so the test can report it */
    }
    return esploader_port_sim_ops.write(h->link, d, n, t);
}

static int32_t hp_read(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    harness_t *h = ctx;
    if (h_over(h)) {
        return ESPLOADER_ERR_IO;
    }
    return esploader_port_sim_ops.read(h->link, b, n, t);
}

static int32_t hp_set_lines(void *ctx, int dtr, int rts)
{
    harness_t *h = ctx;
    (void)h_over(h);
    return esploader_port_sim_ops.set_lines(h->link, dtr, rts);
}

static int32_t hp_set_baud(void *ctx, uint32_t baud)
{
    harness_t *h = ctx;
    return esploader_port_sim_ops.set_baudrate(h->link, baud);
}

static void hp_delay(void *ctx, uint32_t ms)
{
    harness_t *h = ctx;
    if (!h_over(h)) {
        esploader_port_sim_ops.delay_ms(h->link, ms);
    }
}

static uint32_t hp_now(void *ctx)
{
    harness_t *h = ctx;
    (void)h_over(h);
    return esploader_port_sim_ops.now_ms(h->link);
}

static const esploader_port_ops_t h_port_ops = {
    .write = hp_write,
    .read = hp_read,
    .set_lines = hp_set_lines,
    .set_baudrate = hp_set_baud,
    .delay_ms = hp_delay,
    .now_ms = hp_now,
};

/* Commands whose reply has no result bytes, so the status sits at data[0]. */
static bool status_first(uint8_t op)
{
    return op != 0x13 && op != 0x14 && op != 0x0E;
}

static void h_trace_hook(void *user, bool tx, const uint8_t *f, size_t len)
{
    harness_t *h = user;
    if (getenv("H_TRACE") != NULL) {
        /* debugging aid: H_TRACE=1 prints every frame with its virtual time */
        fprintf(stderr, "%10.3f ms %s", (double)sim_link_now_us(h->link) / 1000.0,
                tx ? "H->C" : "C->H");
        for (size_t i = 0; i < len && i < 40; i++) {
            fprintf(stderr, " %02x", f[i]);
        }
        fprintf(stderr, len > 40 ? " ... (%zu)\n" : "\n", len);
    }
    if (len < 8) {
        return; /* OHAI, READ_FLASH data, acks: raw frames */
    }
    if (tx) {
        if (f[0] == 0x00) {
            h->trace.tx_ops[f[1]]++;
        }
        h_frame_fault_t *ff = &h->frame_fault;
        if (ff->armed && f[1] == ff->op &&
            (!ff->match_seq || (len >= 16 && sim_le32(f + 12) == ff->seq))) {
            /* the hook runs before the frame's bytes reach the port: the sim has received
             * exactly what the link passed so far (no faults in force yet) */
            sim_stats_t st;
            sim_get_stats(h->sim, &st);
            ff->fault.at_byte = st.bytes_from_host + ff->offset;
            ff->armed = false;
            ff->fired = sim_link_add_fault(h->link, &ff->fault) == 0;
        }
        return;
    }
    if (f[0] != 0x01) {
        return;
    }
    h->trace.rx_frames++;
    size_t size = (size_t)f[2] | (size_t)f[3] << 8;
    if (size + 8 > len || size < 2) {
        return;
    }
    const uint8_t *d = f + 8;
    if ((size == 2 || size == 4) && d[0] == 0x01 && d[1] == 0x05) {
        h->trace.rx_unsupported++;
    }
    if (status_first(f[1]) && d[0] != 0) {
        h->trace.rx_err_ops[f[1]]++;
        h->trace.last_rx_status[0] = d[0];
        h->trace.last_rx_status[1] = d[1];
    }
}

harness_t *h_new(sim_chip_id_t chip, const h_opts_t *opts)
{
    harness_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return NULL;
    }
    h->chip = h_chip(chip);
    if (opts != NULL) {
        h->opts = *opts;
    }
    if (h->opts.budget_us == 0) {
        h->opts.budget_us = 900ull * 1000000u;
    }
    sim_config_t sc = {0};
    sc.chip = chip;
    sc.flash_size = h->opts.flash_size;
    sc.strict = h->opts.strict;
    sc.secure_download = h->opts.secure_download;
    sc.no_timing = h->opts.no_timing;
    sc.stub_family = h->opts.stub_family;
    char err[128] = "";
    h->sim = sim_new(&sc, err, sizeof(err));
    if (h->sim == NULL) {
        fprintf(stderr, "sim_new(%s): %s\n", h->chip->key, err);
        free(h);
        return NULL;
    }
    h->link = sim_link_new(h->sim);
    h->cfg.port = &h_port_ops;
    h->cfg.port_ctx = h;
    h->cfg.chip = ESPLOADER_CHIP_AUTO;
    h->cfg.trace = h_trace_hook;
    h->cfg.hook_user = h;
    if (esploader_init(&h->loader, &h->cfg) != ESPLOADER_OK) {
        fprintf(stderr, "esploader_init failed\n");
        h_free(h);
        return NULL;
    }
    h_arm(h);
    return h;
}

void h_free(harness_t *h)
{
    if (h == NULL) {
        return;
    }
    sim_link_free(h->link);
    sim_free(h->sim);
    free(h);
}

void h_arm(harness_t *h)
{
    h->armed_at = sim_link_now_us(h->link);
    h->port_calls = 0;
}

uint64_t h_now_us(const harness_t *h)
{
    return sim_link_now_us(h->link);
}

int h_connect(harness_t *h)
{
    h_arm(h);
    return esploader_connect(&h->loader);
}

/* ---- made-up stub images ------------------------------------------------------------- */

#define H_STUB_TEXT 3000
#define H_STUB_DATA 200
static uint8_t h_stub_text[H_STUB_TEXT];
static uint8_t h_stub_data[H_STUB_DATA];
static esploader_stub_t h_stubs[SIM_CHIP_COUNT];

const esploader_stub_t *h_stub_image(sim_chip_id_t chip)
{
    if (h_stub_text[0] == 0) {
        h_fill_pattern(h_stub_text, sizeof(h_stub_text), 0x5707u);
        h_stub_text[0] = 0x36; /* nonzero marks "initialised" */
        h_fill_pattern(h_stub_data, sizeof(h_stub_data), 0xDA7Au);
    }
    const h_chip_t *c = h_chip(chip);
    esploader_stub_t *s = &h_stubs[chip];
    s->text = h_stub_text;
    s->text_size = sizeof(h_stub_text);
    s->text_addr = c->stub_text;
    s->data = h_stub_data;
    s->data_size = sizeof(h_stub_data);
    s->data_addr = c->stub_data;
    s->bss_start = c->stub_data + 0x400;
    s->entry = c->stub_text + 0x2A4; /* somewhere inside text */
    return s;
}

int h_run_stub(harness_t *h)
{
    h_arm(h);
    return esploader_run_stub(&h->loader, h_stub_image(h->chip->sim));
}

bool h_defined_rc(int rc)
{
    return rc == ESPLOADER_OK || (rc <= ESPLOADER_ERR_TIMEOUT && rc >= ESPLOADER_ERR_STATE);
}

/* ---- data ---------------------------------------------------------------------------- */

static uint32_t xs(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

void h_fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(xs(&s) >> 24);
    }
}

void h_fill_text(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 7u;
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(0x20 + (xs(&s) >> 24) % 0x5F);
    }
}

size_t h_deflate(const uint8_t *in, size_t len, uint8_t **out)
{
    uLongf cap = compressBound((uLong)len);
    *out = malloc(cap);
    if (*out == NULL || compress2(*out, &cap, in, (uLong)len, 9) != Z_OK) {
        free(*out);
        *out = NULL;
        return 0;
    }
    return (size_t)cap;
}

void h_md5(const void *data, size_t len, uint8_t out[16])
{
    esploader_md5_t m;
    esploader_md5_init(&m);
    esploader_md5_update(&m, data, len);
    esploader_md5_final(&m, out);
}

/* ---- writes -------------------------------------------------------------------------- */

int h_write_plain(harness_t *h, uint32_t offset, const uint8_t *data, uint32_t size)
{
    uint32_t blk = esploader_stub_running(&h->loader) ? 0x4000 : 0x400;
    int rc = esploader_flash_start(&h->loader, offset, size, blk);
    for (uint32_t done = 0; rc == ESPLOADER_OK && done < size;) {
        uint32_t n = size - done < blk ? size - done : blk;
        rc = esploader_flash_write(&h->loader, data + done, n);
        done += n;
    }
    if (rc == ESPLOADER_OK) {
        rc = esploader_flash_finish(&h->loader, 0);
    }
    return rc;
}

int h_write_deflated(harness_t *h, uint32_t offset, const uint8_t *data, uint32_t size)
{
    uint32_t blk = esploader_stub_running(&h->loader) ? 0x4000 : 0x400;
    uint8_t *z = NULL;
    size_t zlen = h_deflate(data, size, &z);
    if (zlen == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    uint8_t md5[16];
    h_md5(data, size, md5);
    int rc = esploader_flash_defl_start(&h->loader, offset, size, (uint32_t)zlen, blk);
    for (size_t done = 0; rc == ESPLOADER_OK && done < zlen;) {
        size_t n = zlen - done < blk ? zlen - done : blk;
        rc = esploader_flash_defl_write(&h->loader, z + done, (uint32_t)n);
        done += n;
    }
    if (rc == ESPLOADER_OK) {
        rc = esploader_flash_defl_finish(&h->loader, md5, 0);
    }
    free(z);
    return rc;
}

/* ---- expectations -------------------------------------------------------------------- */

static uint32_t efuse_word(const harness_t *h, uint32_t addr)
{
    const sim_chip_info_t *ci = sim_chip_info(h->chip->sim);
    for (const sim_reg_default_t *r = ci->regs; r != NULL && r->addr != 0; r++) {
        if (r->addr == addr) {
            return r->value;
        }
    }
    return 0; /* unknown registers read as 0 (docs/protocol.md §5.2) */
}

void h_expected_mac(const harness_t *h, uint8_t mac[6])
{
    uint32_t a = h->chip->mac_reg;
    if (h->chip->sim == SIM_CHIP_ESP8266) {
        /* §8.3: MAC0 0x3FF00050, MAC1 +4, MAC3 +0xC; OUI from MAC3 or MAC1[23:16]. */
        uint32_t m0 = efuse_word(h, a), m1 = efuse_word(h, a + 4), m3 = efuse_word(h, a + 12);
        if (m3 != 0) {
            mac[0] = (uint8_t)(m3 >> 16);
            mac[1] = (uint8_t)(m3 >> 8);
            mac[2] = (uint8_t)m3;
        } else if (((m1 >> 16) & 0xFF) == 0) {
            mac[0] = 0x18, mac[1] = 0xFE, mac[2] = 0x34;
        } else {
            mac[0] = 0xAC, mac[1] = 0xD0, mac[2] = 0x74;
        }
        mac[3] = (uint8_t)(m1 >> 8);
        mac[4] = (uint8_t)m1;
        mac[5] = (uint8_t)(m0 >> 24);
        return;
    }
    /* ESP32: word1 = bytes 2-5, word2 low 16 bits = bytes 0-1; S2 and later: MAC_EFUSE_REG
     * and the next word, same packing. */
    uint32_t m0 = efuse_word(h, a), m1 = efuse_word(h, a + 4);
    mac[0] = (uint8_t)(m1 >> 8);
    mac[1] = (uint8_t)m1;
    mac[2] = (uint8_t)(m0 >> 24);
    mac[3] = (uint8_t)(m0 >> 16);
    mac[4] = (uint8_t)(m0 >> 8);
    mac[5] = (uint8_t)m0;
}

long h_flash_diff(const harness_t *h, uint32_t offset, const uint8_t *data, size_t len)
{
    size_t size = 0;
    const uint8_t *f = sim_flash(h->sim, &size);
    if (offset > size || len > size - offset) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (f[offset + i] != data[i]) {
            return (long)i;
        }
    }
    return -1;
}

bool h_flash_all(const harness_t *h, uint32_t offset, size_t len, uint8_t byte)
{
    size_t size = 0;
    const uint8_t *f = sim_flash(h->sim, &size);
    if (offset > size || len > size - offset) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (f[offset + i] != byte) {
            return false;
        }
    }
    return true;
}

static void h_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "sim test: wall-clock guard expired (a library call hangs?)\n";
    ssize_t r = write(2, msg, sizeof(msg) - 1);
    (void)r;
    _exit(2);
}

void h_wall_guard(unsigned seconds)
{
    signal(SIGALRM, h_alarm);
    alarm(seconds);
}
