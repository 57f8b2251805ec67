/*
 * libFuzzer target: arbitrary host bytes, line and baud events (decoded from the input, see
 * fuzz_sim_frames.h) against a simulated chip chosen by the first byte, in ROM or stub mode,
 * over the in-process link on a virtual clock.
 *
 * Invariants checked besides "no crash, no sanitizer report":
 *  - while nothing can garble the line (host baud = chip baud, no reset since start), every
 *    byte the chip sends belongs to a well-formed SLIP frame: no bad escape, and in ROM mode
 *    every non-empty frame is a response (direction 1) whose size field matches its length;
 *  - the flash keeps its size; virtual time never runs backwards.
 * A violation aborts, which libFuzzer (and the replay runner) report as a crash.
 */
#include "fuzz_sim_frames.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_sim.h"
#include "esp_sim_link.h"

#define FUZZ_FLASH_SIZE (2u * 1024u * 1024u)

fuzz_stats_t fuzz_last_stats;

/* FUZZ_TRACE=1 in the environment: print every operation and the chip's output (triage). */
static int trace_on = -1;

static void trace_bytes(const char *what, const uint8_t *d, size_t n, uint64_t now)
{
    if (!trace_on) {
        return;
    }
    fprintf(stderr, "[%10llu us] %s %zu:", (unsigned long long)now, what, n);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, " %02x", d[i]);
    }
    fprintf(stderr, "\n");
}

typedef struct checker {
    bool enabled; /* false once something legitimately garbles the stream */
    bool in_frame;
    bool escape;
    bool raw_ok;         /* stub mode: raw frames (OHAI, READ_FLASH data, MD5) are allowed */
    uint32_t host_baud;  /* what the harness set; the chip leaving it garbles what follows */
    bool switch_pending; /* the chip changed its baud: stop after the frame in flight (its
                            reply to CHANGE_BAUDRATE, still at the old rate) */
    uint8_t head[8];
    size_t len;
} checker_t;

static void violation(const char *what)
{
    fprintf(stderr, "fuzz_sim_frames: invariant violated: %s\n", what);
    abort();
}

static void frame_done(checker_t *c)
{
    if (c->len == 0) {
        return;
    }
    fuzz_last_stats.frames_checked++;
    if (c->raw_ok) {
        return;
    }
    if (c->len < 8) {
        violation("ROM frame shorter than a response header");
    }
    if (c->head[0] != 0x01) {
        violation("ROM frame with direction byte != 1");
    }
    size_t size = (size_t)c->head[2] | ((size_t)c->head[3] << 8);
    if (size + 8 != c->len) {
        violation("response size field does not match the frame length");
    }
}

static void check_bytes(checker_t *c, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n && c->enabled; i++) {
        uint8_t x = b[i];
        if (x == 0xC0) {
            /* As esptool reads: outside a frame a C0 opens one, inside it closes it (an empty
             * "C0 C0" is a zero-length frame); text may sit between frames (boot banners). */
            if (!c->in_frame) {
                c->in_frame = true;
                c->len = 0;
                continue;
            }
            if (c->escape) {
                violation("frame ends inside an escape");
            }
            frame_done(c);
            c->in_frame = false;
            if (c->switch_pending && c->len > 0) {
                c->enabled = false; /* what follows was sent at the new rate */
                return;
            }
            continue;
        }
        if (!c->in_frame) {
            continue; /* text between frames (boot banners, app output) */
        }
        if (c->escape) {
            if (x != 0xDC && x != 0xDD) {
                violation("0xDB followed by something else than 0xDC/0xDD");
            }
            x = x == 0xDC ? 0xC0 : 0xDB;
            c->escape = false;
        } else if (x == 0xDB) {
            c->escape = true;
            continue;
        }
        if (c->len < sizeof(c->head)) {
            c->head[c->len] = x;
        }
        c->len++;
    }
}

static void slip_write(sim_link_t *k, const uint8_t *body, size_t n)
{
    uint8_t out[2 * 64 + 2];
    size_t o = 0;
    out[o++] = 0xC0;
    for (size_t i = 0; i < n && i < 64; i++) {
        if (body[i] == 0xC0) {
            out[o++] = 0xDB;
            out[o++] = 0xDC;
        } else if (body[i] == 0xDB) {
            out[o++] = 0xDB;
            out[o++] = 0xDD;
        } else {
            out[o++] = body[i];
        }
    }
    out[o++] = 0xC0;
    sim_link_write(k, out, o, 100);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void command(sim_link_t *k, uint8_t op, const uint8_t *payload, size_t n, uint32_t chk)
{
    uint8_t body[64] = {0};
    body[1] = op;
    body[2] = (uint8_t)n;
    put32(body + 4, chk);
    memcpy(body + 8, payload, n);
    slip_write(k, body, 8 + n);
}

/* IRAM load address and entry of the flasher stub per chip (esptool's stub images). */
static void stub_addresses(sim_chip_id_t chip, uint32_t *text, uint32_t *entry)
{
    static const uint32_t tab[SIM_CHIP_COUNT][2] = {
        [SIM_CHIP_ESP8266] = {0x4010C500, 0x4010C504},
        [SIM_CHIP_ESP32] = {0x400A8000, 0x400A902C},
        [SIM_CHIP_ESP32S2] = {0x40028000, 0x400290A4},
        [SIM_CHIP_ESP32S3] = {0x40378000, 0x40379524},
        [SIM_CHIP_ESP32C2] = {0x40380000, 0x40380F90},
        [SIM_CHIP_ESP32C3] = {0x40380000, 0x40380E9A},
        [SIM_CHIP_ESP32C5] = {0x40800000, 0x408015D2},
        [SIM_CHIP_ESP32C6] = {0x40800000, 0x408011BC},
        [SIM_CHIP_ESP32C61] = {0x40800000, 0x40801130},
        [SIM_CHIP_ESP32H2] = {0x40800000, 0x40800E92},
        [SIM_CHIP_ESP32P4] = {0x4FF50000, 0x4FF51456},
        [SIM_CHIP_ESP32S31] = {0x2F001000, 0x2F00221E},
        [SIM_CHIP_ESP32E22] = {0x30FE0000, 0x30FE1000}, /* no stub exists: made up */
        [SIM_CHIP_ESP32H21] = {0x40800000, 0x40800E92}, /* no stub exists: made up */
        [SIM_CHIP_ESP32H4] = {0x40810000, 0x40810E92},
    };
    *text = tab[chip][0];
    *entry = tab[chip][1];
}

/* Read until the line has been quiet for quiet_ms; feed the checker. */
static void drain(sim_link_t *k, checker_t *c, uint32_t quiet_ms)
{
    uint8_t buf[2048];
    for (int guard = 0; guard < 4096; guard++) {
        int32_t n = sim_link_read(k, buf, sizeof(buf), quiet_ms);
        if (n <= 0) {
            return;
        }
        /* The stub's raw frames (OHAI first) follow its start at once. */
        c->raw_ok = c->raw_ok || sim_stub_running(sim_link_sim(k));
        /* After CHANGE_BAUDRATE the chip sends at the new rate (the empty frame after the
         * reply) before the host can follow: legitimately garbled from here on. */
        if (sim_uart_baud(sim_link_sim(k)) != c->host_baud) {
            c->switch_pending = true;
        }
        fuzz_last_stats.bytes_from_chip += (size_t)n;
        trace_bytes("chip->host", buf, (size_t)n, sim_link_now_us(k));
        check_bytes(c, buf, (size_t)n);
    }
}

/* A stub "upload": MEM_BEGIN/MEM_DATA/MEM_END(0, entry). The sim does not run the code. */
static void enter_stub(sim_link_t *k, sim_chip_id_t chip, checker_t *c)
{
    uint32_t text, entry;
    stub_addresses(chip, &text, &entry);
    uint8_t p[36];
    memset(p, 0x55, sizeof(p));
    put32(p, 0x20120707);
    command(k, 0x08, p, 36, 0); /* SYNC */
    drain(k, c, 20);
    put32(p, 16);
    put32(p + 4, 1);
    put32(p + 8, 0x1800);
    put32(p + 12, text);
    command(k, 0x05, p, 16, 0);
    drain(k, c, 50);
    memset(p, 0, sizeof(p));
    put32(p, 16); /* data_len, seq 0, two zero words, 16 zero bytes */
    command(k, 0x07, p, 32, 0xEF);
    drain(k, c, 50);
    put32(p, 0);
    put32(p + 4, entry);
    command(k, 0x06, p, 8, 0);
    drain(k, c, 100);
}

static uint32_t host_baud_pick(uint8_t b, const sim_t *s)
{
    static const uint32_t rates[] = {115200, 74880, 230400, 460800, 921600, 1500000, 2000000};
    size_t n = sizeof(rates) / sizeof(rates[0]);
    return (b % (n + 1)) == n ? sim_uart_baud(s) : rates[b % (n + 1)];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&fuzz_last_stats, 0, sizeof(fuzz_last_stats));
    if (trace_on < 0) {
        trace_on = getenv("FUZZ_TRACE") != NULL;
    }
    if (size < 2) {
        return 0;
    }
    sim_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chip = (sim_chip_id_t)(data[0] % SIM_CHIP_COUNT);
    cfg.flash_size = FUZZ_FLASH_SIZE;
    cfg.strict = (data[1] & FUZZ_FLAG_STRICT) != 0;
    cfg.secure_download = (data[1] & FUZZ_FLAG_SDM) != 0;
    cfg.no_timing = (data[1] & FUZZ_FLAG_NO_TIMING) != 0;
    char err[256];
    sim_t *s = sim_new(&cfg, err, sizeof(err));
    if (trace_on) {
        fprintf(stderr, "chip %s flags 0x%02x\n", sim_chip_name(cfg.chip), data[1]);
    }
    if (s == NULL) {
        return 0; /* e.g. SDM on a chip without it: a refused config, not a bug */
    }
    sim_link_t *k = sim_link_new(s);
    if (k == NULL) {
        sim_free(s);
        return 0;
    }
    checker_t c;
    memset(&c, 0, sizeof(c));
    uint32_t chip_baud = sim_uart_baud(s);
    sim_link_set_baud(k, chip_baud);
    c.host_baud = chip_baud;
    /* Let the power-on banner pass (it is sent at the boot baud, which may differ). */
    sim_link_advance_us(k, 300000);
    sim_link_flush_input(k);
    c.enabled = true;

    if (data[1] & FUZZ_FLAG_STUB) {
        enter_stub(k, cfg.chip, &c);
        fuzz_last_stats.stub_reached = sim_stub_running(s);
    }
    size_t i = 2;
    uint64_t last_now = sim_link_now_us(k);
    while (i < size) {
        uint8_t op = data[i++] % 8;
        if (trace_on && op != FUZZ_OP_WRITE) {
            fprintf(stderr, "op %u operand %d (checker %s)\n", op, i < size ? data[i] : -1,
                    c.enabled ? "on" : "off");
        }
        c.raw_ok = c.raw_ok || sim_stub_running(s);
        switch (op) {
        case FUZZ_OP_WRITE: {
            if (i >= size) {
                break;
            }
            size_t n = (size_t)data[i++] + 1;
            if (n > size - i) {
                n = size - i;
            }
            sim_link_write(k, data + i, n, 100);
            trace_bytes("host->chip", data + i, n, sim_link_now_us(k));
            fuzz_last_stats.bytes_to_chip += n;
            i += n;
            break;
        }
        case FUZZ_OP_READ:
            if (i < size) {
                drain(k, &c, (uint32_t)data[i++] * 4u);
            }
            break;
        case FUZZ_OP_LINES:
            if (i < size) {
                sim_link_set_lines(k, data[i] & 1, (data[i] >> 1) & 1);
                i++;
                c.enabled = false; /* a reset may print a banner at another baud */
            }
            break;
        case FUZZ_OP_BAUD:
            if (i < size) {
                uint32_t b = host_baud_pick(data[i++], s);
                sim_link_set_baud(k, b);
                c.host_baud = b;
                if (b != sim_uart_baud(s)) {
                    c.enabled = false;
                }
            }
            break;
        case FUZZ_OP_ADVANCE:
            if (i < size) {
                sim_link_advance_us(k, (uint64_t)data[i++] * 100u);
            }
            break;
        case FUZZ_OP_RESET:
            if (i < size) {
                sim_reset(s, data[i++] & 1, sim_link_now_us(k));
                c.enabled = false;
            }
            break;
        case FUZZ_OP_FLUSH:
            sim_link_flush_input(k);
            c.enabled = false; /* the checker would lose its place in the stream */
            break;
        case FUZZ_OP_FAULT:
            if (size - i >= 4) {
                /* Only towards the chip: what the chip sends must stay checkable. */
                static const sim_fault_kind_t kinds[] = {SIM_FAULT_SPLIT,   SIM_FAULT_DELAY,
                                                         SIM_FAULT_DROP,    SIM_FAULT_FLIP,
                                                         SIM_FAULT_GARBAGE, SIM_FAULT_CUT};
                sim_fault_t f;
                f.kind = kinds[data[i] % 6];
                f.dir = SIM_DIR_TO_CHIP;
                f.at_byte = (uint64_t)data[i + 1] | ((uint64_t)data[i + 2] << 8);
                f.param = data[i + 3];
                sim_link_add_fault(k, &f);
                i += 4;
            } else {
                i = size;
            }
            break;
        default:
            break;
        }
        /* The chip changed its own baud (CHANGE_BAUDRATE): follow it like the TCP front-end,
         * but stop judging bytes around the switch. */
        if (sim_uart_baud(s) != chip_baud) {
            chip_baud = sim_uart_baud(s);
            sim_link_set_baud(k, chip_baud);
            c.host_baud = chip_baud;
            c.enabled = false;
        }
        uint64_t now = sim_link_now_us(k);
        if (now < last_now) {
            violation("virtual time ran backwards");
        }
        last_now = now;
    }
    c.raw_ok = c.raw_ok || sim_stub_running(s);
    drain(k, &c, 200);
    fuzz_last_stats.checked_to_end = c.enabled;

    size_t flash_size = 0;
    const uint8_t *flash = sim_flash(s, &flash_size);
    if (flash == NULL || flash_size != FUZZ_FLASH_SIZE) {
        violation("flash size changed");
    }
    sim_link_free(k);
    sim_free(s);
    return 0;
}
