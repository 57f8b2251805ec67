/*
 * esploader-bench: how close libesploader gets to the physical limit of a flash job, measured
 * against the in-process simulator on its virtual clock (so the figures are exact and
 * repeatable, and cost no real time).
 *
 * Workload (bench_workload.c): ESP32 bootloader + partition table + 1 MiB app, written at
 * 115200 / 460800 / 921600 / 2000000 baud, by the ROM loader and by the stub, plain and
 * compressed. Per row:
 *   wire floor  = 10 bit-times per byte at the baud. Stub: the host->chip bytes (the stub's
 *                 short acks travel the other way at the same time). ROM: both directions,
 *                 because the ROM answers a block only after programming it, so nothing
 *                 overlaps.
 *   flash floor = sim_flash_floor_us() per image (the sim's timing table).
 *   limit       = stub: max(wire, flash) (double buffered); ROM: wire + flash.
 *   write time  = from sending BEGIN to the end of the last block (stub: FLASH_END's reply,
 *                 which the stub sends once the last block is programmed); no verification.
 *   data time   = the same from after the BEGIN reply (DESIGN.md §4 "data transfer only").
 *   efficiency  = limit / write time.
 * Also: connect time (reset to ready-to-write: sync, detect, stub upload, baud change), MD5
 * verification time, and the "flash only what changed" reflash of the app with one changed
 * 4 KB sector (ESPLOADER_WRITE_SKIP_UNCHANGED) against a full write.
 *
 * Usage: esploader-bench [--csv] [--baud N] [--chip NAME] [--core-deflate]
 *        (--csv: machine-readable rows only; --chip: the same workload on another chip model,
 *        default esp32; --core-deflate: compress with the core's own deflate, src/deflate.c,
 *        instead of zlib level 9, as a host MCU would)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bench_workload.h"
#ifdef BENCH_HAVE_PROCESS
#include "bench_process.h"
#endif
#include "esploader_port_sim.h"
#include "esp_sim.h"
#include "eh_timeline.h"
#include "esp_sim_link.h"
#include "esploader/esploader.h"
#include "esploader/esploader_deflate.h"

#define FLASH_SIZE (4u << 20)
static sim_chip_id_t chip = SIM_CHIP_ESP32; /* --chip: other chips, same workload */

typedef struct zimage {
    uint8_t *z;
    uint32_t zlen;
    uint8_t md5[16];
} zimage_t;

typedef struct row {
    uint32_t baud;
    bool stub, compressed;
    uint64_t image_bytes, payload_bytes; /* uncompressed / as sent (compressed) */
    uint64_t to_chip, to_host;
    uint32_t blocks;
    double wire_ms, flash_ms, limit_ms, write_ms, data_ms, connect_ms, verify_ms, total_ms;
    double host_ms; /* library-chosen waits between a reply and the next command */
    /* the whole job by phase (hostlib/eh_timeline.c: the CLI's --timings rule), and each
     * phase's wire floor: its bytes, both directions, at the baud they went at */
    double ph_ms[EH_PH_COUNT], ph_floor_ms[EH_PH_COUNT];
    bool ok, verified;
} row_t;

typedef struct session {
    sim_t *sim;
    sim_link_t *link;
    esploader_config_t cfg;
    esploader_t l;
    /* host turnaround: virtual time from a reply's arrival to the host's next command, summed
     * while `counting`. The virtual clock does not move while host code runs, so anything here
     * is a wait the library chose (a sleep, a timeout, a needless read). */
    bool counting;
    uint64_t last_rx_us, turnaround_us;
    eh_timeline_t tl;
    uint32_t baud;        /* the link's rate now */
    sim_stats_t ph_stats; /* at the last phase switch */
    int ph_cur;           /* the phase those bytes belong to */
    double ph_floor_ms[EH_PH_COUNT];
} session_t;

static bool trace_on; /* --trace: one line per frame with the virtual time, on stderr */

static bool core_deflate; /* --core-deflate: the core's compressor instead of zlib -9 */

static uLong bench_bound(uLong n)
{
    uLong a = compressBound(n), b = ESPLOADER_DEFLATE_BOUND(n);
    return a > b ? a : b;
}

/* The workload's compressor: zlib level 9, or the core's deflate (host CPU time is outside
 * the virtual clock either way). */
static int bench_compress(uint8_t *dst, uLongf *cap, const uint8_t *src, uLong n)
{
    static esploader_deflate_t dz;
    size_t il = n, ol = *cap;
    if (!core_deflate) {
        return compress2(dst, cap, src, n, 9);
    }
    esploader_deflate_init(&dz, 0);
    if (esploader_deflate(&dz, src, &il, dst, &ol, 1) != ESPLOADER_DEFLATE_DONE || il != n) {
        return Z_BUF_ERROR;
    }
    *cap = ol;
    return Z_OK;
}

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static uint64_t now_us(const session_t *s)
{
    return sim_link_now_us(s->link);
}

/* Charge the bytes since the last phase switch to that phase, at the current baud. */
static void phase_bytes(session_t *s)
{
    sim_stats_t st;
    sim_get_stats(s->sim, &st);
    if (s->ph_cur >= 0 && s->ph_cur < EH_PH_COUNT) {
        uint64_t b = st.bytes_from_host - s->ph_stats.bytes_from_host + st.bytes_to_host -
                     s->ph_stats.bytes_to_host;
        s->ph_floor_ms[s->ph_cur] += 10.0 * (double)b / s->baud * 1000.0;
    }
    s->ph_stats = st;
    s->ph_cur = s->tl.cur;
}

static void phase_mark(session_t *s, eh_phase_t p)
{
    eh_tl_mark(&s->tl, p, sim_link_now_us(s->link));
    phase_bytes(s);
}

static void trace_hook(void *user, bool tx, const uint8_t *f, size_t len)
{
    session_t *s = user;
    uint64_t now = sim_link_now_us(s->link);
    int before = s->tl.cur;
    eh_tl_frame(&s->tl, tx, f, len, now);
    if (s->tl.cur != before) {
        phase_bytes(s);
    }
    if (!tx) {
        s->last_rx_us = now;
    } else if (s->counting && s->last_rx_us != UINT64_MAX) {
        s->turnaround_us += now - s->last_rx_us;
        s->last_rx_us = UINT64_MAX;
    }
    if (!trace_on) {
        return;
    }
    fprintf(stderr, "%12.3f %s len %5zu", ms(sim_link_now_us(s->link)), tx ? "H->C" : "C->H", len);
    for (size_t i = 0; i < len && i < 24; i++) {
        fprintf(stderr, " %02x", f[i]);
    }
    fprintf(stderr, "\n");
}

static int session_open(session_t *s)
{
    memset(s, 0, sizeof(*s));
    sim_config_t sc = {0};
    sc.chip = chip;
    sc.flash_size = FLASH_SIZE;
    char err[128] = "";
    s->sim = sim_new(&sc, err, sizeof(err));
    if (s->sim == NULL) {
        fprintf(stderr, "sim_new: %s\n", err);
        return -1;
    }
    s->link = sim_link_new(s->sim);
    s->cfg.port = &esploader_port_sim_ops;
    s->cfg.port_ctx = s->link;
    s->cfg.trace = trace_hook;
    s->cfg.hook_user = s;
    s->last_rx_us = UINT64_MAX;
    eh_tl_init(&s->tl);
    s->baud = 115200;
    s->ph_cur = EH_PH_NONE;
    return esploader_init(&s->l, &s->cfg);
}

static void session_close(session_t *s)
{
    sim_link_free(s->link);
    sim_free(s->sim);
}

/* Reset to ready-to-write. Returns 0 or the failing rc. */
static int session_ready(session_t *s, bool stub, uint32_t baud)
{
    phase_mark(s, EH_PH_RESET_SYNC);
    int rc = esploader_connect(&s->l);
    /* raise the baud in the ROM first: the ~10 KB stub upload then goes at the fast rate
     * (DESIGN.md §7); the stub keeps the UART setting it starts with */
    if (rc == 0 && baud != 115200) {
        phase_mark(s, EH_PH_BAUD);
        rc = esploader_change_baudrate(&s->l, baud);
        s->baud = baud;
    }
    if (rc == 0 && stub) {
        phase_mark(s, EH_PH_STUB);
        rc = esploader_run_stub(&s->l, bench_stub_image());
    }
    if (rc == 0) {
        phase_mark(s, EH_PH_SETUP);
        rc = esploader_flash_set_size(&s->l, FLASH_SIZE);
    }
    phase_mark(s, EH_PH_HOST);
    return rc;
}

static const char *step = "";

/*
 * The flash floor of one image. sim_flash_floor_us() models ROM writes as 1 KB blocks of
 * uncompressed data, each with the ROM's per-block overhead; a compressed ROM write sends
 * fewer (compressed) blocks and the sim charges that overhead per block received, so the
 * difference is corrected here. The per-page and per-block costs are recovered from the
 * public floor function itself: 256 B vs 1 KB differ by 3 pages, 1 KB vs 2 KB (same sector)
 * by 4 pages and one block.
 */
static uint64_t flash_floor_us(bool stub, bool compressed, uint32_t bytes, uint32_t blocks_sent)
{
    uint64_t us = sim_flash_floor_us(chip, stub, bytes);
    if (stub || !compressed) {
        return us;
    }
    uint64_t page =
        (sim_flash_floor_us(chip, false, 1024) - sim_flash_floor_us(chip, false, 256)) / 3;
    uint64_t block =
        sim_flash_floor_us(chip, false, 2048) - sim_flash_floor_us(chip, false, 1024) - 4 * page;
    uint64_t plain_blocks = (bytes + 1023u) / 1024u;
    return us - plain_blocks * block + (uint64_t)blocks_sent * block;
}

/* --no-plan: esptool's schedule for the stub too (one transfer per image, full blocks) */
static bool no_plan;

/*
 * Does the stub schedule pay at this baud? The stub's greedy erase-ahead stalls the link when
 * the wire time of one 16 KB block is shorter than the stub's work for it plus one 64 KB
 * erase (each wait for data starts an erase), and the flash then idles later if that wire
 * time is longer than the stub's work alone. Outside that window the schedule only costs
 * (separate zlib streams, a few more blocks). Work per block with the sim's ESP32 figures
 * (fitted to the silicon measurements of DESIGN.md §4): 1 ms per 256-byte page, 0.8 us per
 * inflated byte; 64 KB erase 325 ms. `expand` = image bytes per wire byte.
 */
static bool plan_pays(uint32_t baud, double expand)
{
    double wire_ms = 10.0 * 16384.0 / baud * 1000.0;
    double out = 16384.0 * expand;
    double work_ms = out / 256.0 * 1.0 + (expand > 1.0 ? out * 0.0008 : 0.0);
    return wire_ms > work_ms && wire_ms < work_ms + 325.0;
}

/* One transfer: BEGIN, blocks, END (no verification). plan: blocks by esploader_stub_block(). */
static int write_transfer(session_t *s, uint32_t offset, uint32_t size, const uint8_t *src,
                          uint32_t len, bool stub, bool compressed, bool plan, row_t *r,
                          uint64_t *t_b)
{
    uint32_t blk = stub ? 0x4000 : 0x400;
    int rc = compressed ? esploader_flash_defl_start(&s->l, offset, size, len, blk)
                        : esploader_flash_start(&s->l, offset, size, blk);
    step = "begin";
    if (rc != 0) {
        return rc;
    }
    if (*t_b == 0) {
        *t_b = now_us(s);
    }
    step = "data";
    for (uint32_t done = 0; done < len;) {
        uint32_t n = plan               ? esploader_stub_block(len - done, blk)
                     : len - done < blk ? len - done
                                        : blk;
        rc = compressed ? esploader_flash_defl_write(&s->l, src + done, n)
                        : esploader_flash_write(&s->l, src + done, n);
        if (rc != 0) {
            return rc;
        }
        done += n;
        r->blocks++;
    }
    /* FLASH_END / DEFL_END only (the stub answers it once the last block is programmed) */
    step = "finish";
    return compressed ? esploader_flash_defl_finish(&s->l, NULL, ESPLOADER_FINISH_NO_VERIFY)
                      : esploader_flash_finish(&s->l, ESPLOADER_FINISH_NO_VERIFY);
}

static int write_image(session_t *s, const bench_image_t *im, const zimage_t *zi, bool stub,
                       bool compressed, row_t *r)
{
    /* The stub gets the planned schedule (docs/performance.md "stub schedule": one transfer
     * per 64 KB flash block, each compressed on its own, blocks tapered at the end of each)
     * where it pays; the ROM (and --no-plan) gets one transfer of full blocks, as esptool. */
    bool plan =
        stub && !no_plan && plan_pays(r->baud, compressed ? (double)im->size / zi->zlen : 1.0);
    int rc = 0;
    sim_stats_t st_a, st_d;
    sim_get_stats(s->sim, &st_a);
    uint64_t t_a = now_us(s), t_b = 0;
    uint32_t blocks_before = r->blocks, payload = 0;
    s->counting = true;
    s->last_rx_us = UINT64_MAX;
    if (!plan) {
        rc = write_transfer(s, im->offset, im->size, compressed ? zi->z : im->data,
                            compressed ? zi->zlen : im->size, stub, compressed, false, r, &t_b);
        payload = compressed ? zi->zlen : im->size;
    }
    for (uint32_t off = 0; plan && rc == 0 && off < im->size;) {
        uint32_t n = esploader_stub_segment(im->offset + off, im->size - off);
        const uint8_t *src = im->data + off;
        uint32_t len = n;
        uint8_t *z = NULL;
        if (compressed) { /* host CPU: outside the virtual clock */
            uLongf cap = bench_bound(n);
            z = malloc(cap);
            if (z == NULL || bench_compress(z, &cap, src, n) != Z_OK) {
                free(z);
                return -1;
            }
            src = z;
            len = (uint32_t)cap;
        }
        rc = write_transfer(s, im->offset + off, n, src, len, stub, compressed, true, r, &t_b);
        free(z);
        payload += len;
        off += n;
    }
    if (rc != 0) {
        return rc;
    }
    uint64_t t_d = now_us(s);
    s->counting = false;
    sim_get_stats(s->sim, &st_d);
    r->to_chip += st_d.bytes_from_host - st_a.bytes_from_host;
    r->to_host += st_d.bytes_to_host - st_a.bytes_to_host;
    step = "verify";
    rc = esploader_flash_verify_md5(&s->l, im->offset, im->size, zi->md5);
    uint64_t t_e = now_us(s);
    r->write_ms += ms(t_d - t_a);
    r->data_ms += ms(t_d - t_b);
    r->verify_ms += ms(t_e - t_d);
    r->image_bytes += im->size;
    r->payload_bytes += payload;
    r->flash_ms += ms(flash_floor_us(stub, compressed, im->size, r->blocks - blocks_before));
    return rc;
}

static void run_row(const bench_image_t *imgs, const zimage_t *zis, row_t *r)
{
    session_t s;
    if (session_open(&s) != 0) {
        r->ok = false;
        return;
    }
    uint64_t t0 = now_us(&s);
    step = "connect";
    int rc = session_ready(&s, r->stub, r->baud);
    r->connect_ms = ms(now_us(&s) - t0);
    for (int i = 0; rc == 0 && i < BENCH_NIMAGES; i++) {
        rc = write_image(&s, &imgs[i], &zis[i], r->stub, r->compressed, r);
    }
    r->total_ms = ms(now_us(&s) - t0);
    r->host_ms = ms(s.turnaround_us);
    phase_bytes(&s);
    eh_tl_stop(&s.tl, now_us(&s));
    for (int p = 0; p < EH_PH_COUNT; p++) {
        r->ph_ms[p] = ms(s.tl.us[p]);
        r->ph_floor_ms[p] = s.ph_floor_ms[p];
    }
    r->ok = rc == 0;
    if (rc != 0) {
        fprintf(stderr, "row %u %s %s failed in %s: %s (%d)\n", r->baud, r->stub ? "stub" : "rom",
                r->compressed ? "z" : "plain", step, esploader_strerror(rc), rc);
    }
    /* the flash must hold every image, byte for byte */
    size_t fsize;
    const uint8_t *f = sim_flash(s.sim, &fsize);
    r->verified = r->ok;
    for (int i = 0; i < BENCH_NIMAGES; i++) {
        if (memcmp(f + imgs[i].offset, imgs[i].data, imgs[i].size) != 0) {
            r->verified = false;
        }
    }
    /* wire floor: the bytes of the write phases (BEGIN .. FLASH_END, no MD5) */
    double bits = 10.0 * (double)(r->stub ? r->to_chip : r->to_chip + r->to_host);
    r->wire_ms = bits / r->baud * 1000.0;
    r->limit_ms =
        r->stub ? (r->wire_ms > r->flash_ms ? r->wire_ms : r->flash_ms) : r->wire_ms + r->flash_ms;
    session_close(&s);
}

/*
 * Experiment: the app written by the stub as several BEGIN .. END transfers of `seg` bytes
 * (each compressed on its own when compressed), to see what bounding the stub's erase-ahead
 * to one segment is worth under the sim's greedy erase model. Returns the write time in ms
 * (BEGIN of the first segment to the end of the last), or < 0 on failure.
 */
static double run_segmented(const bench_image_t *app, uint32_t baud, bool compressed, uint32_t seg,
                            bool taper, double *limit_ms)
{
    session_t s;
    if (session_open(&s) != 0 || session_ready(&s, true, baud) != 0) {
        return -1;
    }
    int rc = 0;
    sim_stats_t st0, st1;
    sim_get_stats(s.sim, &st0);
    uint64_t t0 = now_us(&s);
    for (uint32_t off = 0; rc == 0 && off < app->size; off += seg) {
        uint32_t n = app->size - off < seg ? app->size - off : seg;
        const uint8_t *src = app->data + off;
        uint8_t *z = NULL;
        uint32_t len = n;
        if (compressed) {
            uLongf cap = bench_bound(n);
            z = malloc(cap);
            if (z == NULL || bench_compress(z, &cap, src, n) != Z_OK) {
                free(z);
                rc = -1;
                break;
            }
            len = (uint32_t)cap;
            rc = esploader_flash_defl_start(&s.l, app->offset + off, n, len, 0x4000);
            src = z;
        } else {
            rc = esploader_flash_start(&s.l, app->offset + off, n, 0x4000);
        }
        for (uint32_t done = 0; rc == 0 && done < len;) {
            uint32_t k = len - done < 0x4000 ? len - done : 0x4000;
            if (taper) {
                k = esploader_stub_block(len - done, 0x4000);
            }
            rc = compressed ? esploader_flash_defl_write(&s.l, src + done, k)
                            : esploader_flash_write(&s.l, src + done, k);
            done += k;
        }
        if (rc == 0) {
            rc = compressed ? esploader_flash_defl_finish(&s.l, NULL, ESPLOADER_FINISH_NO_VERIFY)
                            : esploader_flash_finish(&s.l, ESPLOADER_FINISH_NO_VERIFY);
        }
        free(z);
    }
    double t = ms(now_us(&s) - t0);
    sim_get_stats(s.sim, &st1);
    /* the stub's limit: max(host->chip wire time, flash floor of the whole app) */
    double wire = 10.0 * (double)(st1.bytes_from_host - st0.bytes_from_host) / baud * 1000.0;
    double flash = ms(sim_flash_floor_us(chip, true, app->size));
    *limit_ms = wire > flash ? wire : flash;
    size_t fsize;
    const uint8_t *f = sim_flash(s.sim, &fsize);
    if (rc == 0 && memcmp(f + app->offset, app->data, app->size) != 0) {
        rc = -1;
    }
    session_close(&s);
    return rc == 0 ? t : -1;
}

static void print_segmented(const bench_image_t *app, const uint32_t *bauds, size_t nbauds,
                            uint32_t only_baud, bool csv)
{
    enum { NSEG = 6 };
    static const uint32_t segs[NSEG] = {1024 * 1024, 256 * 1024,  128 * 1024,
                                        64 * 1024,   1024 * 1024, 64 * 1024};
    static const bool taper[NSEG] = {false, false, false, false, true, true};
    if (csv) {
        printf("\nsegmented_baud,mode,seg_1M_ms,seg_256K_ms,seg_128K_ms,seg_64K_ms,"
               "seg_1M_taper_ms,seg_64K_taper_ms,eff_1M,eff_256K,eff_128K,eff_64K,"
               "eff_1M_taper,eff_64K_taper\n");
    } else {
        printf("\nexperiment: the 1 MiB app by the stub in separate BEGIN..END transfers "
               "(bounds the stub's erase-ahead), full 16 KB blocks or tapered "
               "(esploader_stub_block); write ms (efficiency):\n");
        printf("%8s %-5s %15s %15s %15s %15s %15s %15s\n", "baud", "mode", "1 x 1M", "4 x 256K",
               "8 x 128K", "16 x 64K", "1 x 1M taper", "16x64K taper");
    }
    for (size_t b = 0; b < nbauds; b++) {
        if (only_baud != 0 && bauds[b] != only_baud) {
            continue;
        }
        for (int z = 0; z < 2; z++) {
            double t[NSEG], lim[NSEG], e[NSEG];
            for (int i = 0; i < NSEG; i++) {
                t[i] = run_segmented(app, bauds[b], z != 0, segs[i], taper[i], &lim[i]);
                e[i] = t[i] > 0 ? lim[i] / t[i] : 0;
            }
            if (csv) {
                printf("%u,%s", bauds[b], z ? "deflate" : "plain");
                for (int i = 0; i < NSEG; i++) {
                    printf(",%.1f", t[i]);
                }
                for (int i = 0; i < NSEG; i++) {
                    printf(",%.4f", e[i]);
                }
                printf("\n");
            } else {
                printf("%8u %-5s", bauds[b], z ? "defl" : "plain");
                for (int i = 0; i < NSEG; i++) {
                    printf(" %7.0f (%.3f)", t[i], e[i]);
                }
                printf("\n");
            }
            fflush(stdout);
        }
    }
}

typedef struct reflash {
    uint32_t baud;
    bool stub;
    double full_ms, diff_ms;
    uint64_t full_bytes, diff_bytes;
    bool ok;
} reflash_t;

/* Full write of the app with write_buffer, then the same app with one 4 KB sector changed
 * and ESPLOADER_WRITE_SKIP_UNCHANGED. Both verified by the library (MD5) and checked
 * against the sim's flash. */
static void run_reflash(const bench_image_t *app, reflash_t *rf)
{
    session_t s;
    rf->ok = false;
    if (session_open(&s) != 0 || session_ready(&s, rf->stub, rf->baud) != 0) {
        fprintf(stderr, "reflash %u: connect failed\n", rf->baud);
        return;
    }
    sim_stats_t a, b, c;
    sim_get_stats(s.sim, &a);
    uint64_t t0 = now_us(&s);
    int rc = esploader_flash_write_buffer(&s.l, app->offset, app->data, app->size, 0, NULL, NULL);
    uint64_t t1 = now_us(&s);
    sim_get_stats(s.sim, &b);
    bool v1 = rc == 0 && esploader_flash_verified(&s.l);
    uint8_t *app2 = malloc(app->size);
    memcpy(app2, app->data, app->size);
    for (uint32_t i = 0; i < 4096; i++) {
        app2[100 * 4096 + i] ^= (uint8_t)(0x5A + i); /* sector 100 of the app changes */
    }
    int rc2 = esploader_flash_write_buffer(&s.l, app->offset, app2, app->size,
                                           ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL);
    uint64_t t2 = now_us(&s);
    sim_get_stats(s.sim, &c);
    bool v2 = rc2 == 0 && esploader_flash_verified(&s.l);
    size_t fsize;
    const uint8_t *f = sim_flash(s.sim, &fsize);
    rf->full_ms = ms(t1 - t0);
    rf->diff_ms = ms(t2 - t1);
    rf->full_bytes = (b.bytes_from_host - a.bytes_from_host) + (b.bytes_to_host - a.bytes_to_host);
    rf->diff_bytes = (c.bytes_from_host - b.bytes_from_host) + (c.bytes_to_host - b.bytes_to_host);
    rf->ok = v1 && v2 && memcmp(f + app->offset, app2, app->size) == 0;
    if (rc != 0 || rc2 != 0) {
        fprintf(stderr, "reflash %u %s: full rc %d, diff rc %d\n", rf->baud,
                rf->stub ? "stub" : "rom", rc, rc2);
    }
    free(app2);
    session_close(&s);
}

/*
 * DESIGN.md §4 calibration points: public measurements on real chips, driven the way the
 * measuring tool drove them (ROM: plain 1 KB blocks; stub: zlib level 9, 16 KB blocks). Our
 * library drives the sim the same way; the figures compare the sim's timing model (through
 * our host) with silicon. "data" = from after the BEGIN reply to the last block's reply.
 */
typedef struct calpoint {
    sim_chip_id_t chip;
    bool stub, compressed, read;
    uint32_t baud, bytes, real_zlen; /* real_zlen: compressed size on silicon's run */
    double erase_s, data_s;          /* measured on silicon; erase_s < 0: not published */
    const char *label;
} calpoint_t;

static const calpoint_t calpoints[] = {
    {SIM_CHIP_ESP32, false, false, false, 115200, 144672, 0, 0.83, 14.42, "ESP32 ROM 115200 plain"},
    {SIM_CHIP_ESP32C6, false, false, false, 460800, 102400, 0, 0.85, 3.2,
     "ESP32-C6 ROM 460800 plain"},
    {SIM_CHIP_ESP8266, false, false, false, 115200, 524288, 0, 2.59, 50.5,
     "ESP8266 ROM 115200 plain"},
    {SIM_CHIP_ESP8266, false, false, false, 460800, 524288, 0, -1, 14.6,
     "ESP8266 ROM 460800 plain"},
    {SIM_CHIP_ESP32, true, true, false, 460800, 2507328, 1483599, -1, 35.2,
     "ESP32 stub 460800 zlib"},
    {SIM_CHIP_ESP32, true, true, false, 921600, 1851472, 1063799, -1, 17.6,
     "ESP32 stub 921600 zlib"},
    {SIM_CHIP_ESP32, true, true, false, 2000000, 2291152, 1366321, -1, 22.4,
     "ESP32 stub 2000000 zlib"},
    {SIM_CHIP_ESP32, true, false, true, 115200, 4u << 20, 0, -1, 394.5,
     "ESP32 stub 115200 READ_FLASH 4 MiB"},
};

typedef struct calresult {
    double erase_s, data_s, flush_s;
    uint32_t zlen;
    bool ok;
} calresult_t;

static void run_calpoint(const calpoint_t *cp, calresult_t *out)
{
    memset(out, 0, sizeof(*out));
    sim_chip_id_t saved = chip;
    chip = cp->chip;
    session_t s;
    uint8_t *data = malloc(cp->bytes), *z = NULL;
    int rc = data ? session_open(&s) : -1;
    chip = saved;
    if (rc != 0) {
        free(data);
        return;
    }
    bench_fill_firmware(data, cp->bytes, cp->bytes);
    if (!cp->stub && cp->baud != 115200 && cp->chip == SIM_CHIP_ESP8266) {
        /* the ESP8266 ROM cannot change baud: the host opens the port at the fast rate and
         * the ROM auto-bauds on the first SYNC */
        sim_link_set_baud(s.link, cp->baud);
        s.cfg.initial_baud = cp->baud;
        esploader_init(&s.l, &s.cfg);
        rc = esploader_connect(&s.l);
    } else {
        rc = esploader_connect(&s.l);
        if (rc == 0 && cp->baud != 115200) {
            rc = esploader_change_baudrate(&s.l, cp->baud);
        }
    }
    if (rc == 0 && cp->stub) {
        rc = esploader_run_stub(&s.l, bench_stub_image());
    }
    if (rc == 0 && cp->chip != SIM_CHIP_ESP8266) {
        rc = esploader_flash_set_size(&s.l, FLASH_SIZE);
    }
    if (rc == 0 && cp->read) {
        uint64_t t0 = now_us(&s);
        rc = esploader_flash_read(&s.l, 0, data, cp->bytes);
        out->data_s = (double)(now_us(&s) - t0) / 1e6;
    } else if (rc == 0) {
        uint32_t blk = cp->stub ? 0x4000 : 0x400, len = cp->bytes;
        const uint8_t *src = data;
        if (cp->compressed) {
            uLongf cap = compressBound(cp->bytes);
            z = malloc(cap);
            if (z == NULL || compress2(z, &cap, data, cp->bytes, 9) != Z_OK) {
                rc = -1;
            }
            len = out->zlen = (uint32_t)cap;
            src = z;
        }
        uint64_t t0 = now_us(&s);
        if (rc == 0) {
            rc = cp->compressed ? esploader_flash_defl_start(&s.l, 0x10000, cp->bytes, len, blk)
                                : esploader_flash_start(&s.l, 0x10000, cp->bytes, blk);
        }
        uint64_t t1 = now_us(&s);
        for (uint32_t done = 0; rc == 0 && done < len;) {
            uint32_t n = len - done < blk ? len - done : blk;
            rc = cp->compressed ? esploader_flash_defl_write(&s.l, src + done, n)
                                : esploader_flash_write(&s.l, src + done, n);
            done += n;
        }
        uint64_t t2 = now_us(&s);
        if (rc == 0) {
            rc = cp->compressed
                     ? esploader_flash_defl_finish(&s.l, NULL, ESPLOADER_FINISH_NO_VERIFY)
                     : esploader_flash_finish(&s.l, ESPLOADER_FINISH_NO_VERIFY);
        }
        out->erase_s = (double)(t1 - t0) / 1e6;
        out->data_s = (double)(t2 - t1) / 1e6;
        out->flush_s = (double)(now_us(&s) - t2) / 1e6;
        size_t fsize;
        const uint8_t *f = sim_flash(s.sim, &fsize);
        if (rc == 0 && memcmp(f + 0x10000, data, cp->bytes) != 0) {
            rc = -1;
        }
    }
    out->ok = rc == 0;
    free(z);
    free(data);
    session_close(&s);
}

/*
 * The whole job by phase for the stub + compressed rows (the CLI's --timings phases), each
 * next to its floor. Connect phases: their bytes on the wire (both directions) at the baud
 * they went at; erase + data: the row's limit (max(wire, flash)); verify: the MD5 of the
 * images as the sim models it (one command per image, so the measured time is its floor to
 * within a round trip). The job floor is the one of issue 13: max(wire, flash) + one MD5 pass.
 */
static void print_phases(const row_t *rows, size_t n, bool csv)
{
    static const eh_phase_t cols[] = {EH_PH_RESET_SYNC, EH_PH_DETECT, EH_PH_BAUD, EH_PH_STUB,
                                      EH_PH_SETUP};
    const size_t nc = sizeof(cols) / sizeof(cols[0]);
    if (csv) {
        printf("\nphase_baud");
        for (size_t c = 0; c < nc; c++) {
            printf(",%s_ms,%s_floor_ms", eh_phase_name(cols[c]), eh_phase_name(cols[c]));
        }
        printf(",write_ms,write_floor_ms,verify_ms,total_ms,job_floor_ms,job_efficiency\n");
    } else {
        printf("\nthe whole job by phase (stub, compressed; virtual ms, each as measured/floor; "
               "write = erase + data):\n");
        printf("%8s", "baud");
        for (size_t c = 0; c < nc; c++) {
            printf(" %13s", eh_phase_name(cols[c]));
        }
        printf(" %13s %8s %8s %9s %5s\n", "write", "verify", "total", "job_floor", "eff");
    }
    for (size_t i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        double write = r->ph_ms[EH_PH_ERASE] + r->ph_ms[EH_PH_DATA];
        double verify = r->ph_ms[EH_PH_VERIFY];
        double job_floor = r->limit_ms + verify;
        double eff = r->total_ms > 0 ? job_floor / r->total_ms : 0;
        if (csv) {
            printf("%u", r->baud);
            for (size_t c = 0; c < nc; c++) {
                printf(",%.1f,%.1f", r->ph_ms[cols[c]], r->ph_floor_ms[cols[c]]);
            }
            printf(",%.1f,%.1f,%.1f,%.1f,%.1f,%.4f\n", write, r->limit_ms, verify, r->total_ms,
                   job_floor, eff);
        } else {
            printf("%8u", r->baud);
            for (size_t c = 0; c < nc; c++) {
                printf(" %6.0f/%-6.0f", r->ph_ms[cols[c]], r->ph_floor_ms[cols[c]]);
            }
            printf(" %6.0f/%-6.0f %8.0f %8.0f %9.0f %5.3f\n", write, r->limit_ms, verify,
                   r->total_ms, job_floor, eff);
        }
    }
}

static void print_calibration(bool csv)
{
    if (csv) {
        printf("\ncalibration,real_erase_s,sim_erase_s,real_data_s,sim_data_s,deviation,"
               "stub_flush_s,real_zlen,our_zlen,ok\n");
    } else {
        printf("\ncalibration against silicon (DESIGN.md §4; sim timing model driven by "
               "libesploader; goal +-15 %%):\n");
        printf("%-36s %6s %6s %7s %7s %7s %6s %15s %s\n", "point", "erase", "sim", "data", "sim",
               "dev", "flush", "zlib real/ours", "check");
    }
    for (size_t i = 0; i < sizeof(calpoints) / sizeof(calpoints[0]); i++) {
        const calpoint_t *cp = &calpoints[i];
        calresult_t r;
        run_calpoint(cp, &r);
        double dev = (r.data_s - cp->data_s) / cp->data_s;
        if (csv) {
            printf("%s,%.2f,%.2f,%.2f,%.2f,%.3f,%.3f,%u,%u,%d\n", cp->label, cp->erase_s, r.erase_s,
                   cp->data_s, r.data_s, dev, r.flush_s, cp->real_zlen, r.zlen, r.ok ? 1 : 0);
        } else {
            char es[16] = "-";
            if (cp->erase_s >= 0) {
                snprintf(es, sizeof(es), "%.2f", cp->erase_s);
            }
            char zs[24] = "-";
            if (cp->real_zlen != 0) {
                snprintf(zs, sizeof(zs), "%.1f/%.1f %%", 100.0 * cp->real_zlen / cp->bytes,
                         100.0 * r.zlen / cp->bytes);
            }
            printf("%-36s %6s %6.2f %7.2f %7.2f %+6.1f%% %6.3f %15s %s\n", cp->label, es, r.erase_s,
                   cp->data_s, r.data_s, 100.0 * dev, r.flush_s, zs,
                   !r.ok                         ? "FAIL"
                   : (dev < -0.15 || dev > 0.15) ? "outside +-15 %"
                                                 : "ok");
        }
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    bool csv = false;
    uint32_t only_baud = 0;
    const char *process_path = NULL; /* --process PATH_TO_esploader-sim */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0) {
            csv = true;
        } else if (strcmp(argv[i], "--process") == 0 && i + 1 < argc) {
            process_path = argv[++i];
        } else if (strcmp(argv[i], "--trace") == 0) {
            trace_on = true;
        } else if (strcmp(argv[i], "--chip") == 0 && i + 1 < argc) {
            if (!sim_chip_from_name(argv[++i], &chip)) {
                fprintf(stderr, "unknown chip %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--core-deflate") == 0) {
            core_deflate = true;
        } else if (strcmp(argv[i], "--no-plan") == 0) {
            no_plan = true;
        } else if (strcmp(argv[i], "--baud") == 0 && i + 1 < argc) {
            only_baud = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr,
                    "usage: %s [--csv] [--baud N] [--no-plan] [--chip NAME] [--trace] "
                    "[--core-deflate] [--process "
                    "PATH_TO_esploader-sim]\n",
                    argv[0]);
            return 2;
        }
    }
    bench_image_t imgs[BENCH_NIMAGES];
    zimage_t zis[BENCH_NIMAGES];
    if (bench_workload_make(imgs) != 0) {
        return 1;
    }
    uint64_t total_in = 0, total_z = 0;
    for (int i = 0; i < BENCH_NIMAGES; i++) {
        uLongf cap = bench_bound(imgs[i].size);
        zis[i].z = malloc(cap);
        if (zis[i].z == NULL ||
            bench_compress(zis[i].z, &cap, imgs[i].data, imgs[i].size) != Z_OK) {
            return 1;
        }
        zis[i].zlen = (uint32_t)cap;
        esploader_md5(imgs[i].data, imgs[i].size, zis[i].md5);
        total_in += imgs[i].size;
        total_z += cap;
    }
    if (process_path != NULL) {
#ifdef BENCH_HAVE_PROCESS
        bench_job_t jobs[BENCH_NIMAGES];
        for (int i = 0; i < BENCH_NIMAGES; i++) {
            jobs[i].offset = imgs[i].offset;
            jobs[i].size = imgs[i].size;
            jobs[i].z = zis[i].z;
            jobs[i].zlen = zis[i].zlen;
            memcpy(jobs[i].md5, zis[i].md5, 16);
        }
        /* real time: by default only the fast rates (115200 would take a minute a row) */
        static const uint32_t fast[] = {921600, 2000000};
        uint32_t one[1] = {only_baud};
        int prc = bench_process_run(process_path, sim_chip_name(chip), jobs, BENCH_NIMAGES,
                                    only_baud ? one : fast, only_baud ? 1 : 2, csv);
        for (int i = 0; i < BENCH_NIMAGES; i++) {
            free(zis[i].z);
        }
        bench_workload_free(imgs);
        return prc;
#else
        fprintf(stderr, "esploader-bench: built without the POSIX port (ESPLOADER_BUILD_CLI=OFF): "
                        "--process is not available\n");
        return 2;
#endif
    }
    if (!csv) {
        printf("esploader-bench: %s on the in-process sim (virtual clock)\n", sim_chip_name(chip));
        printf("workload:");
        for (int i = 0; i < BENCH_NIMAGES; i++) {
            printf(" %s %u B @0x%X (%s %.1f %%)%s", imgs[i].name, imgs[i].size, imgs[i].offset,
                   core_deflate ? "core deflate" : "zlib-9", 100.0 * zis[i].zlen / imgs[i].size,
                   i + 1 < BENCH_NIMAGES ? ";" : "\n");
        }
        printf("total %llu B -> %llu B compressed (%.1f %%)\n\n", (unsigned long long)total_in,
               (unsigned long long)total_z, 100.0 * (double)total_z / (double)total_in);
        printf("%8s %-4s %-5s %9s %7s %8s %8s %8s %8s %8s %5s %6s %6s %7s %7s %7s %7s %s\n", "baud",
               "ldr", "mode", "to-chip", "to-host", "wire_ms", "flash_ms", "limit_ms", "write_ms",
               "data_ms", "eff", "KB/s", "ms/blk", "host_ms", "conn_ms", "md5_ms", "total_s",
               "check");
    } else {
        printf("baud,loader,mode,image_bytes,payload_bytes,to_chip,to_host,blocks,wire_ms,"
               "flash_ms,limit_ms,write_ms,data_ms,efficiency,rate_kBps,over_ms_per_block,"
               "host_ms,connect_ms,verify_ms,total_ms,verified\n");
    }
    static const uint32_t bauds[] = {115200, 460800, 921600, 2000000};
    bool all_ok = true;
    row_t phase_rows[4];
    size_t nphase = 0;
    for (size_t b = 0; b < sizeof(bauds) / sizeof(bauds[0]); b++) {
        if (only_baud != 0 && bauds[b] != only_baud) {
            continue;
        }
        for (int stub = 0; stub < 2; stub++) {
            for (int z = 0; z < 2; z++) {
                row_t r = {0};
                r.baud = bauds[b];
                r.stub = stub != 0;
                r.compressed = z != 0;
                run_row(imgs, zis, &r);
                all_ok = all_ok && r.verified;
                if (r.stub && r.compressed && nphase < 4) {
                    phase_rows[nphase++] = r;
                }
                double eff = r.write_ms > 0 ? r.limit_ms / r.write_ms : 0;
                double rate =
                    r.write_ms > 0 ? (double)r.image_bytes / 1024.0 / (r.write_ms / 1000.0) : 0;
                double over = r.blocks ? (r.write_ms - r.limit_ms) / r.blocks : 0;
                if (csv) {
                    printf("%u,%s,%s,%llu,%llu,%llu,%llu,%u,%.1f,%.1f,%.1f,%.1f,%.1f,%.4f,%.1f,"
                           "%.3f,%.1f,%.1f,%.1f,%.1f,%d\n",
                           r.baud, stub ? "stub" : "rom", z ? "deflate" : "plain",
                           (unsigned long long)r.image_bytes, (unsigned long long)r.payload_bytes,
                           (unsigned long long)r.to_chip, (unsigned long long)r.to_host, r.blocks,
                           r.wire_ms, r.flash_ms, r.limit_ms, r.write_ms, r.data_ms, eff, rate,
                           over, r.host_ms, r.connect_ms, r.verify_ms, r.total_ms,
                           r.verified ? 1 : 0);
                } else {
                    printf("%8u %-4s %-5s %9llu %7llu %8.0f %8.0f %8.0f %8.0f %8.0f %5.3f %6.1f "
                           "%6.2f %7.1f %7.0f %7.0f %7.1f %s\n",
                           r.baud, stub ? "stub" : "rom", z ? "defl" : "plain",
                           (unsigned long long)r.to_chip, (unsigned long long)r.to_host, r.wire_ms,
                           r.flash_ms, r.limit_ms, r.write_ms, r.data_ms, eff, rate, over,
                           r.host_ms, r.connect_ms, r.verify_ms, r.total_ms / 1000.0,
                           r.verified ? "ok" : "FAIL");
                }
                fflush(stdout);
            }
        }
    }
    print_phases(phase_rows, nphase, csv);
    if (!csv) {
        printf("\nreflash of the 1 MiB app with one changed 4 KB sector "
               "(write_buffer, SKIP_UNCHANGED vs full; both MD5-verified):\n");
        printf("%8s %-4s %10s %10s %12s %12s %7s %s\n", "baud", "ldr", "full_ms", "diff_ms",
               "full_bytes", "diff_bytes", "ratio", "check");
    } else {
        printf("\nreflash_baud,loader,full_ms,diff_ms,full_bytes,diff_bytes,ratio,verified\n");
    }
    for (size_t b = 0; b < sizeof(bauds) / sizeof(bauds[0]); b++) {
        if (only_baud != 0 && bauds[b] != only_baud) {
            continue;
        }
        for (int stub = 1; stub >= 0; stub--) {
            reflash_t rf = {0};
            rf.baud = bauds[b];
            rf.stub = stub != 0;
            run_reflash(&imgs[2], &rf);
            all_ok = all_ok && rf.ok;
            double ratio = rf.full_ms > 0 ? rf.diff_ms / rf.full_ms : 0;
            if (csv) {
                printf("%u,%s,%.1f,%.1f,%llu,%llu,%.4f,%d\n", rf.baud, stub ? "stub" : "rom",
                       rf.full_ms, rf.diff_ms, (unsigned long long)rf.full_bytes,
                       (unsigned long long)rf.diff_bytes, ratio, rf.ok ? 1 : 0);
            } else {
                printf("%8u %-4s %10.0f %10.0f %12llu %12llu %7.4f %s\n", rf.baud,
                       stub ? "stub" : "rom", rf.full_ms, rf.diff_ms,
                       (unsigned long long)rf.full_bytes, (unsigned long long)rf.diff_bytes, ratio,
                       rf.ok ? "ok (verified)" : "FAIL");
            }
            fflush(stdout);
        }
    }
    print_segmented(&imgs[2], bauds, sizeof(bauds) / sizeof(bauds[0]), only_baud, csv);
    if (only_baud == 0) {
        print_calibration(csv);
    }
    for (int i = 0; i < BENCH_NIMAGES; i++) {
        free(zis[i].z);
    }
    bench_workload_free(imgs);
    return all_ok ? 0 : 1;
}
