/*
 * esploader-campaign: randomized, fault-injected flash jobs, library <-> simulator over the
 * in-process link on the virtual clock (docs/reliability.md).
 *
 * Run s (seed s) is a random job -- chip, ROM or stub, write API (esploader_flash_write_buffer,
 * the plain start/write/finish stream, the compressed defl stream, or the write pipeline
 * esploader_flash_write_job with no compressor, the core's deflate or zlib, data from memory
 * or from a read callback), 1 KB - 2 MB image,
 * skip-unchanged on or off, a baud change or not, strict ROM status bytes or not -- with
 * 0-4 random line faults: bytes dropped, flipped, garbage inserted, reads split, a delay,
 * the line cut, a stale reply repeated, a data block damaged so its checksum fails, the
 * target resetting mid-job. Afterwards the sim's flash is compared with the image inside the
 * region and with its previous contents outside (the region is the image's sectors: a write
 * erases whole 4 KB sectors, so the bytes after the image's end in its last sector are the
 * only ones allowed to change without being checked). Each run is one of:
 *   ok        the job reported success and the flash is right
 *   clean     the job reported an error (which one is counted) and nothing outside the region
 *             changed; the same job is then run again without faults on the same (possibly
 *             half-written) chip and must end verified with the flash right ("run it again")
 *   reported  the job reported an error that says flash outside the region changed (the
 *             guard MD5, esploader_flash_guard_md5: a command damaged on the line erased
 *             past the region, or below it); the fault-free rerun must then end verified
 *             with the region right
 *   SILENT    success reported but the bytes differ, or bytes outside the region changed
 *             (and no error said so)
 *   HANG      the virtual-time / port-call watchdog fired, or the run exceeded its wall time
 *   CRASH     the run's process died on a signal (build with ESPLOADER_SANITIZE=ON for
 *             ASan/UBSan: any report aborts)
 *   unverified  ESP8266 ROM only: the job reported success "not verified" (that ROM has no
 *             MD5 and cannot read flash); counted apart, with how many of them hold wrong
 *             bytes inside the region (outside it, any change is still SILENT)
 * Each run is forked, so a crash is counted and the campaign goes on. The last line is the
 * summary; the seeds of bad runs are printed before it, replay one with --seed S (-v).
 *
 * Usage: esploader-campaign [--runs N] [--first S] [--seed S] [-v] [--no-fork]
 *                           [--max-image BYTES] [--wall SECONDS] [--tamper]
 * --tamper checks the checker: after every successful job one flash byte is changed behind
 * the library's back (inside the region, or in the sector before it), so every run that
 * ended ok must be counted as a silent corruption. CAMPAIGN_TRACE=1 prints every frame.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "esp_sim.h"
#include "esp_sim_link.h"
#include "esploader/esploader.h"
#include "esploader/esploader_deflate.h"
#include "esploader/esploader_md5.h"
#include "esploader_zlib_compress.h"
#include "esploader_port_sim.h"

#define FLASH_SIZE  (4u << 20)
#define SECTOR      0x1000u
#define MAX_FAULTS  4
#define CALL_BUDGET 50000000u /* port calls in one session before it counts as a spin */

/* Per chip: made-up stub load addresses inside its IRAM / DRAM (the sim does not run the
 * code, it needs MEM_BEGIN/DATA/END with an entry point) and what its ROM can do
 * (PROTOCOL.md §4, §8.1: the ESP8266 ROM has no MD5, no deflate, no baud change). */
static const struct {
    sim_chip_id_t sim;
    uint32_t text, data;
} chips[SIM_CHIP_COUNT] = {
    {SIM_CHIP_ESP8266, 0x4010E000, 0x3FFE8000},  {SIM_CHIP_ESP32, 0x400BE000, 0x3FFBE000},
    {SIM_CHIP_ESP32S2, 0x40028000, 0x3FFE8000},  {SIM_CHIP_ESP32S3, 0x40378000, 0x3FCB0000},
    {SIM_CHIP_ESP32C2, 0x4038C000, 0x3FCC0000},  {SIM_CHIP_ESP32C3, 0x40380000, 0x3FC96000},
    {SIM_CHIP_ESP32C5, 0x40800000, 0x40840000},  {SIM_CHIP_ESP32C6, 0x40800000, 0x40840000},
    {SIM_CHIP_ESP32C61, 0x40800000, 0x40830000}, {SIM_CHIP_ESP32H2, 0x40800000, 0x40830000},
    {SIM_CHIP_ESP32P4, 0x4FF10000, 0x4FF40000},
};

/* ---- randomness (splitmix64: one seed gives one run, reproducibly) ---------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n) /* 0 .. n-1 */
{
    return n ? (uint32_t)(rnd64() % n) : 0;
}

/* ---- the job ------------------------------------------------------------------------------ */

enum api { API_BUFFER, API_STREAM, API_DEFL, API_JOB };
static const char *const api_name[] = {"write_buffer", "start/write/finish", "defl stream",
                                       "write_job"};

/* Fault kinds the campaign draws; CHECKSUM is placed by the trace hook (below). */
enum {
    FK_DROP,
    FK_FLIP,
    FK_GARBAGE,
    FK_SPLIT,
    FK_DELAY,
    FK_CUT,
    FK_STALE,
    FK_CHECKSUM,
    FK_RESET,
    FK_COUNT
};
static const char *const fk_name[FK_COUNT] = {"drop", "flip",  "garbage",  "split", "delay",
                                              "cut",  "stale", "checksum", "reset"};

typedef struct job {
    uint64_t seed;
    sim_chip_id_t chip;
    bool stub, strict, skip, set_size, baud_first;
    enum api api;
    uint32_t baud; /* 0: stay at 115200 */
    uint32_t offset, size;
    int zlevel;
    int job_comp; /* API_JOB: 0 plain, 1 core deflate, 2 zlib */
    bool job_read;
    int nfaults;
    int fk[MAX_FAULTS];
    sim_fault_t fault[MAX_FAULTS];
    uint32_t cks_frame, cks_offset; /* FK_CHECKSUM: which data frame, where in it */
} job_t;

typedef struct world {
    const job_t *job;
    uint8_t *image, *prev; /* the intended image; the flash before the job */
    uint8_t *z;            /* compressed image (API_DEFL) */
    uint32_t zlen;
    uint8_t md5[16];
    sim_t *sim;
    sim_link_t *link;
    /* watchdog */
    uint64_t budget_us, started_us, calls;
    bool blown;
    /* checksum fault placement */
    bool cks_armed;
    uint32_t data_frames;
    bool reported; /* the library said flash outside the region changed */
    /* to-chip stream ranges of the FLASH_BEGIN / FLASH_DEFL_BEGIN frames of the faulted
     * session, to tell a line fault inside one (a command no checksum covers) */
    uint64_t fault_base;
    uint64_t begin_at[16], begin_end[16];
    int begins;
    bool faulted_session;
    esploader_t l;
} world_t;

static bool verbose, trace_on, tamper; /* -v; CAMPAIGN_TRACE=1: every frame; --tamper */

static bool rom_can(sim_chip_id_t c)
{
    return c != SIM_CHIP_ESP8266; /* MD5, deflate, baud change in the ROM */
}

static void make_job(uint64_t seed, uint32_t max_image, job_t *j)
{
    memset(j, 0, sizeof(*j));
    rng_state = seed * 0xD1B54A32D192ED03ull + 1;
    j->seed = seed;
    j->chip = (sim_chip_id_t)rnd(SIM_CHIP_COUNT);
    j->stub = rnd(2);
    j->strict = rnd(2);
    j->api = (enum api)rnd(4);
    if (j->api == API_DEFL && !j->stub && !rom_can(j->chip)) {
        j->api = API_STREAM;
    }
    j->skip = (j->api == API_BUFFER || j->api == API_JOB) && rnd(2);
    /* write_job: compressor none / the core's deflate / zlib; data from memory or a read
     * callback */
    j->job_comp = j->api == API_JOB ? (int)rnd(3) : 0;
    j->job_read = j->api == API_JOB && rnd(2);
    j->zlevel = 1 + (int)rnd(9);
    static const uint32_t bauds[] = {230400, 460800, 921600, 1500000, 2000000};
    if (rnd(2) && (j->stub || rom_can(j->chip))) {
        j->baud = bauds[rnd(5)];
    }
    j->baud_first = rnd(2);
    /* 1 KB .. max_image, spread evenly over the powers of two */
    uint32_t lo = 1024, span = 0;
    while ((lo << (span + 1)) <= max_image) {
        span++;
    }
    uint32_t base = lo << rnd(span + 1);
    j->size = base + rnd(base);
    if (j->size > max_image) {
        j->size = max_image;
    }
    uint32_t sectors = (j->size + SECTOR - 1) / SECTOR;
    j->offset = rnd(FLASH_SIZE / SECTOR - sectors + 1) * SECTOR;
    j->set_size = rnd(2);

    /* Faults: none in one run of six, else 1-4, placed over the bytes the job will move. */
    j->nfaults = rnd(6) == 0 ? 0 : 1 + (int)rnd(MAX_FAULTS);
    uint64_t to_chip = 2000 + (j->stub ? 3500 : 0) + (uint64_t)j->size * 103 / 100;
    uint64_t blocks = j->size / (j->stub ? 0x4000 : 0x400) + 1;
    uint64_t to_host = 600 + blocks * 14 + (j->skip ? 2000 : 0);
    for (int i = 0; i < j->nfaults; i++) {
        int k = (int)rnd(FK_COUNT);
        sim_fault_t *f = &j->fault[i];
        j->fk[i] = k;
        f->dir = rnd(2) ? SIM_DIR_TO_CHIP : SIM_DIR_TO_HOST;
        switch (k) {
        case FK_DROP:
            f->kind = SIM_FAULT_DROP;
            f->param = 1 + rnd(16);
            break;
        case FK_FLIP:
            f->kind = SIM_FAULT_FLIP;
            f->param = 1 + rnd(255);
            break;
        case FK_GARBAGE:
            f->kind = SIM_FAULT_GARBAGE;
            f->param = 1 + rnd(64);
            break;
        case FK_SPLIT:
            f->kind = SIM_FAULT_SPLIT;
            f->param = 1 + rnd(64);
            break;
        case FK_DELAY:
            f->kind = SIM_FAULT_DELAY;
            f->param = rnd(2) ? 1000 + rnd(200000) : 1000000 + rnd(5000000); /* 1 ms .. 6 s */
            break;
        case FK_CUT:
            f->kind = SIM_FAULT_CUT;
            break;
        case FK_STALE:
            f->kind = SIM_FAULT_STALE;
            f->dir = SIM_DIR_TO_HOST;
            break;
        case FK_RESET:
            f->kind = SIM_FAULT_RESET;
            f->dir = SIM_DIR_TO_CHIP;
            break;
        case FK_CHECKSUM:
            /* a flip inside the data of one FLASH_DATA / FLASH_DEFL_DATA frame: frame start +
             * 1 (C0) + 24 (header, at most 24 more bytes when escaped) + up to half a block
             * lands in the data, whatever the escaping */
            f->kind = SIM_FAULT_FLIP;
            f->dir = SIM_DIR_TO_CHIP;
            f->param = 1 + rnd(255);
            j->cks_frame = rnd((uint32_t)blocks);
            j->cks_offset = 49 + rnd(j->stub ? 0x1000 : 0x100);
            break;
        }
        f->at_byte = rnd64() % (f->dir == SIM_DIR_TO_CHIP ? to_chip : to_host);
    }
}

static void describe(const job_t *j, FILE *o)
{
    static const char *const comp[] = {"", " plain", " deflate(core)", " deflate(zlib)"};
    fprintf(o, "seed %llu: %s %s, %s%s%s%s, %u bytes at 0x%06x, baud %u%s%s%s",
            (unsigned long long)j->seed, sim_chip_name(j->chip), j->stub ? "stub" : "ROM",
            api_name[j->api], j->api == API_JOB ? comp[1 + j->job_comp] : "",
            j->job_read ? " read-callback" : "", j->skip ? " skip-unchanged" : "",
            (unsigned)j->size, (unsigned)j->offset, j->baud ? (unsigned)j->baud : 115200u,
            j->strict ? ", strict" : "", j->set_size ? ", set-size" : "",
            j->nfaults ? ", faults:" : ", no faults");
    for (int i = 0; i < j->nfaults; i++) {
        const sim_fault_t *f = &j->fault[i];
        if (j->fk[i] == FK_CHECKSUM) {
            fprintf(o, " checksum(data frame %u +%u)", (unsigned)j->cks_frame,
                    (unsigned)j->cks_offset);
        } else {
            fprintf(o, " %s(%s @%llu p%u)", fk_name[j->fk[i]],
                    f->dir == SIM_DIR_TO_CHIP ? "to-chip" : "to-host",
                    (unsigned long long)f->at_byte, (unsigned)f->param);
        }
    }
    fputc('\n', o);
}

/* Image and previous flash contents. */
static void fill_data(world_t *w)
{
    const job_t *j = w->job;
    for (uint32_t i = 0; i < FLASH_SIZE; i += 8) {
        uint64_t v = rnd64();
        memcpy(w->prev + i, &v, 8);
    }
    uint32_t kind = rnd(4);
    for (uint32_t i = 0; i < j->size; i++) {
        switch (kind) {
        case 0: /* incompressible */
            w->image[i] = (uint8_t)rnd64();
            break;
        case 1: /* text-like, compressible */
            w->image[i] = (uint8_t)(' ' + (i * 7 + (i >> 9)) % 90);
            break;
        case 2: /* erased flash with a few patches */
            w->image[i] = (i & 0x3FF) < 40 ? (uint8_t)rnd64() : 0xFF;
            break;
        default: /* SLIP-hostile: C0 / DB everywhere */
            w->image[i] = (i & 1) ? 0xC0 : (uint8_t)(0xDB ^ (i & 0x10));
            break;
        }
    }
    if (j->skip || rnd(4) == 0) {
        /* a reflash: some of the region's sectors already hold the image */
        for (uint32_t s = 0; s < j->size; s += SECTOR) {
            if (rnd(2)) {
                uint32_t n = j->size - s < SECTOR ? j->size - s : SECTOR;
                memcpy(w->prev + j->offset + s, w->image + s, n);
            }
        }
    }
}

/* ---- the watchdog port -------------------------------------------------------------------- */

static bool over(world_t *w)
{
    w->calls++;
    if (sim_link_now_us(w->link) - w->started_us > w->budget_us || w->calls > CALL_BUDGET) {
        w->blown = true;
    }
    return w->blown;
}

static int32_t wp_write(void *ctx, const uint8_t *d, size_t n, uint32_t t)
{
    world_t *w = ctx;
    return over(w) ? ESPLOADER_ERR_IO : esploader_port_sim_ops.write(w->link, d, n, t);
}

static int32_t wp_read(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    world_t *w = ctx;
    return over(w) ? ESPLOADER_ERR_IO : esploader_port_sim_ops.read(w->link, b, n, t);
}

static int32_t wp_set_lines(void *ctx, int dtr, int rts)
{
    world_t *w = ctx;
    (void)over(w);
    return esploader_port_sim_ops.set_lines(w->link, dtr, rts);
}

static int32_t wp_set_baud(void *ctx, uint32_t baud)
{
    world_t *w = ctx;
    return esploader_port_sim_ops.set_baudrate(w->link, baud);
}

static void wp_delay(void *ctx, uint32_t ms)
{
    world_t *w = ctx;
    if (!over(w)) {
        esploader_port_sim_ops.delay_ms(w->link, ms);
    }
}

static uint32_t wp_now(void *ctx)
{
    world_t *w = ctx;
    (void)over(w);
    return esploader_port_sim_ops.now_ms(w->link);
}

static const esploader_port_ops_t watchdog_ops = {
    .write = wp_write,
    .read = wp_read,
    .set_lines = wp_set_lines,
    .set_baudrate = wp_set_baud,
    .delay_ms = wp_delay,
    .now_ms = wp_now,
};

/* Frame hook: place the checksum fault in the chosen data frame (it runs before the frame's
 * bytes reach the port). */
static void trace_hook(void *user, bool tx, const uint8_t *f, size_t len)
{
    world_t *w = user;
    if (tx && w->faulted_session && len >= 2 && (f[1] == 0x02 || f[1] == 0x10) && w->begins < 16) {
        uint64_t at = sim_link_bytes(w->link, SIM_DIR_TO_CHIP), n = 2 + len;
        for (size_t i = 0; i < len; i++) {
            n += f[i] == 0xC0 || f[i] == 0xDB; /* escaped: two wire bytes */
        }
        w->begin_at[w->begins] = at;
        w->begin_end[w->begins++] = at + n;
    }
    if (trace_on) {
        fprintf(stderr, "%10.3f ms @%-7llu %s", (double)sim_link_now_us(w->link) / 1000.0,
                (unsigned long long)sim_link_bytes(w->link, tx ? SIM_DIR_TO_CHIP : SIM_DIR_TO_HOST),
                tx ? "H->C" : "C->H");
        for (size_t i = 0; i < len && i < 32; i++) {
            fprintf(stderr, " %02x", f[i]);
        }
        fprintf(stderr, len > 32 ? " ... (%zu)\n" : "\n", len);
    }
    if (!tx || !w->cks_armed || len < 8 || f[0] != 0x00 || (f[1] != 0x03 && f[1] != 0x11)) {
        return;
    }
    if (w->data_frames++ == w->job->cks_frame) {
        const job_t *j = w->job;
        for (int i = 0; i < j->nfaults; i++) {
            if (j->fk[i] == FK_CHECKSUM) {
                sim_fault_t fl = j->fault[i];
                fl.at_byte = sim_link_bytes(w->link, SIM_DIR_TO_CHIP) + j->cks_offset;
                sim_link_add_fault(w->link, &fl);
            }
        }
        w->cks_armed = false;
    }
}

static int job_read(void *user, uint32_t pos, void *buf, uint32_t len)
{
    const world_t *w = user;
    if ((uint64_t)pos + len > w->job->size) {
        return -1;
    }
    memcpy(buf, w->image + pos, len);
    return 0;
}

static esploader_stub_t stub_image(sim_chip_id_t chip)
{
    static uint8_t text[3000], data[200];
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = (uint8_t)(i * 31 + 7);
    }
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 17 + 3);
    }
    esploader_stub_t s = {0};
    s.text = text;
    s.text_size = sizeof(text);
    s.text_addr = chips[chip].text;
    s.data = data;
    s.data_size = sizeof(data);
    s.data_addr = chips[chip].data;
    s.bss_start = chips[chip].data + 0x400;
    s.entry = chips[chip].text + 0x2A4;
    return s;
}

/* One session: connect, prepare as the job says, write. Returns the library's rc. */
static int session(world_t *w, bool faults)
{
    const job_t *j = w->job;
    esploader_config_t cfg = {0};
    cfg.port = &watchdog_ops;
    cfg.port_ctx = w;
    cfg.trace = trace_hook;
    cfg.hook_user = w;
    w->started_us = sim_link_now_us(w->link);
    w->calls = 0;
    w->blown = false;
    w->data_frames = 0;
    w->cks_armed = false;
    w->reported = false;
    w->begins = 0;
    w->faulted_session = faults;
    w->fault_base = sim_link_bytes(w->link, SIM_DIR_TO_CHIP);
    /* a fresh session opens the port at 115200 with the lines released, as a new CLI run */
    sim_link_clear_faults(w->link);
    sim_link_set_baud(w->link, 115200);
    sim_link_set_lines(w->link, 0, 0);
    if (faults) {
        for (int i = 0; i < j->nfaults; i++) {
            if (j->fk[i] == FK_CHECKSUM) {
                w->cks_armed = true;
                continue;
            }
            sim_fault_t f = j->fault[i];
            f.at_byte += sim_link_bytes(w->link, f.dir);
            sim_link_add_fault(w->link, &f);
        }
    }
    if (trace_on) {
        fprintf(stderr, "---- session (%s) at %.3f ms\n", faults ? "faults" : "rerun",
                (double)sim_link_now_us(w->link) / 1000.0);
    }
    int rc = esploader_init(&w->l, &cfg);
    esploader_t *l = &w->l;
    if (rc == 0) {
        rc = esploader_connect(l);
    }
    esploader_stub_t stub = stub_image(j->chip);
    bool baud_now = j->baud && (j->baud_first ? rom_can(j->chip) : false);
    if (rc == 0 && baud_now) {
        rc = esploader_change_baudrate(l, j->baud);
    }
    if (rc == 0 && j->stub) {
        rc = esploader_run_stub(l, &stub);
    }
    if (rc == 0 && j->baud && !baud_now) {
        rc = esploader_change_baudrate(l, j->baud);
    }
    if (rc == 0 && j->set_size && (j->stub || rom_can(j->chip))) {
        uint32_t size = 0;
        rc = esploader_flash_detect_size(l, &size, NULL);
        if (rc == 0) {
            rc = esploader_flash_set_size(l, size);
        }
    }
    if (rc != 0) {
        return rc;
    }
    uint32_t blk = esploader_flash_block_size(l);
    /* The streams guard themselves as esploader.h tells their callers to: the guard MD5
     * before the start, compared after the finish. */
    uint8_t guard[16], guard_now[16];
    bool guarded = false, can_guard = j->stub || rom_can(j->chip);
    switch (j->api) {
    case API_BUFFER: {
        /* what esploader_flash_write_buffer() builds, spelled out to read fail_offset */
        esploader_write_job_t job = {0};
        job.offset = j->offset;
        job.size = j->size;
        job.data = w->image;
        job.flags = j->skip ? ESPLOADER_WRITE_SKIP_UNCHANGED : 0;
        rc = esploader_flash_write_job(l, &job);
        if (rc == ESPLOADER_ERR_VERIFY && job.fail_offset >= j->offset + j->size) {
            w->reported = true;
        }
        break;
    }
    case API_STREAM:
        if (!j->stub && rom_can(j->chip) && j->offset + j->size > 0x200000 && !j->set_size) {
            uint32_t size = 0; /* the ROM assumes 2 MB until told */
            rc = esploader_flash_detect_size(l, &size, NULL);
            rc = rc ? rc : esploader_flash_set_size(l, size);
        }
        /* the guard once the flash size is known: its spans depend on it */
        guarded =
            rc == 0 && can_guard && esploader_flash_guard_md5(l, j->offset, j->size, guard) > 0;
        rc = rc ? rc : esploader_flash_start(l, j->offset, j->size, 0);
        for (uint32_t pos = 0; rc == 0 && pos < j->size; pos += blk) {
            rc =
                esploader_flash_write(l, w->image + pos, j->size - pos < blk ? j->size - pos : blk);
        }
        rc = rc ? rc : esploader_flash_finish(l, 0);
        break;
    case API_JOB: {
        static uint8_t work[2 * 0x4000];
        static esploader_deflate_t z;
        esploader_compressor_t c = {0};
        esploader_write_job_t job = {0};
        job.offset = j->offset;
        job.size = j->size;
        job.data = j->job_read ? NULL : w->image;
        job.read = j->job_read ? job_read : NULL;
        job.read_user = w;
        job.work = work;
        job.work_size = sizeof(work);
        job.flags = j->skip ? ESPLOADER_WRITE_SKIP_UNCHANGED : 0;
        if (j->job_comp == 1) {
            esploader_deflate_compressor(&c, &z, 0);
            job.compressor = &c;
        } else if (j->job_comp == 2 && esploader_zlib_compressor_open(&c, j->zlevel) == 0) {
            job.compressor = &c;
        }
        rc = esploader_flash_write_job(l, &job);
        if (rc == ESPLOADER_ERR_VERIFY && job.fail_offset >= j->offset + j->size) {
            w->reported = true;
        }
        if (j->job_comp == 2) {
            esploader_zlib_compressor_close(&c);
        }
        break;
    }
    case API_DEFL:
        if (!j->stub && j->offset + j->size > 0x200000 && !j->set_size) {
            uint32_t size = 0;
            rc = esploader_flash_detect_size(l, &size, NULL);
            rc = rc ? rc : esploader_flash_set_size(l, size);
        }
        guarded =
            rc == 0 && can_guard && esploader_flash_guard_md5(l, j->offset, j->size, guard) > 0;
        rc = rc ? rc : esploader_flash_defl_start(l, j->offset, j->size, w->zlen, 0);
        for (uint32_t pos = 0; rc == 0 && pos < w->zlen; pos += blk) {
            rc = esploader_flash_defl_write(l, w->z + pos,
                                            w->zlen - pos < blk ? w->zlen - pos : blk);
        }
        rc = rc ? rc : esploader_flash_defl_finish(l, w->md5, 0);
        break;
    }
    /* compared as the pipeline does: after success, a verify failure or a refusal (not after a
     * timeout or a lost line) */
    if (guarded && (rc == 0 || rc == ESPLOADER_ERR_VERIFY || rc == ESPLOADER_ERR_TARGET) &&
        esploader_flash_guard_md5(l, j->offset, j->size, guard_now) > 0 &&
        memcmp(guard, guard_now, 16) != 0) {
        rc = ESPLOADER_ERR_VERIFY;
        w->reported = true;
    }
    return rc;
}

/* ---- classification ------------------------------------------------------------------------ */

enum cls {
    C_OK,
    C_CLEAN,
    C_SILENT,
    C_HANG,
    C_CRASH,
    C_RERUN_FAIL,
    C_SETUP,
    C_UNVERIFIED,       /* ESP8266 ROM: success, reported as not verified; bytes right */
    C_UNVERIFIED_WRONG, /* the same, and bytes inside the region wrong */
    C_REPORTED,         /* failed, saying flash outside the region changed */
    C_COUNT
};

typedef struct result {
    int cls;
    int rc, rerun_rc;
    long first_bad; /* flash offset of the first wrong byte, -1 if none */
    bool inside;    /* first_bad is inside the image */
    bool begin_hit; /* a to-chip drop / flip / garbage fault fell inside a BEGIN frame */
} result_t;

/* Did a line fault that changes bytes land inside one of the faulted session's BEGINs? */
static bool begin_hit(const world_t *w)
{
    const job_t *j = w->job;
    for (int i = 0; i < j->nfaults; i++) {
        const sim_fault_t *f = &j->fault[i];
        if (f->dir != SIM_DIR_TO_CHIP || (f->kind != SIM_FAULT_DROP && f->kind != SIM_FAULT_FLIP &&
                                          f->kind != SIM_FAULT_GARBAGE)) {
            continue;
        }
        uint64_t at = w->fault_base + f->at_byte;
        for (int k = 0; k < w->begins; k++) {
            if (at >= w->begin_at[k] && at < w->begin_end[k]) {
                return true;
            }
        }
    }
    return false;
}

/*
 * First flash offset outside the region whose byte changed; -1 if none. The region is the
 * image's sectors. The ESP8266 ROM's FLASH_BEGIN over-erases (PROTOCOL.md §5.5.1) and the
 * workaround cannot ask for an odd number n < 2 * head of sectors (it gets n + 1), so with
 * that ROM the one sector after the region may also come back erased (0xFF) -- the ROM's
 * limitation, documented in docs/reliability.md; nothing else may change.
 */
static long check_outside(const world_t *w)
{
    const job_t *j = w->job;
    size_t size;
    const uint8_t *f = sim_flash(w->sim, &size);
    uint32_t region_end = (j->offset + j->size + SECTOR - 1) / SECTOR * SECTOR;
    uint32_t erased_end = region_end + (!j->stub && j->chip == SIM_CHIP_ESP8266 ? SECTOR : 0);
    for (uint32_t i = 0; i < size; i++) {
        if ((i < j->offset || i >= region_end) && f[i] != w->prev[i] &&
            (i >= erased_end || f[i] != 0xFF)) {
            return (long)i;
        }
    }
    return -1;
}

/* First flash offset where the chip's flash is not what it should be; -1 if all right. */
static long check_flash(const world_t *w, bool *inside)
{
    const job_t *j = w->job;
    size_t size;
    const uint8_t *f = sim_flash(w->sim, &size);
    for (uint32_t i = 0; i < j->size; i++) {
        if (f[j->offset + i] != w->image[i]) {
            *inside = true;
            return (long)(j->offset + i);
        }
    }
    *inside = false;
    return check_outside(w);
}

/* The ESP8266 ROM cannot compute an MD5 (nor read flash): a write through it can only end
 * "done, not verified", which the library reports (esploader_flash_verified() false). */
static bool unverifiable(const world_t *w)
{
    return !w->job->stub && !rom_can(w->job->chip);
}

static bool ended_verified(const world_t *w)
{
    return esploader_flash_verified(&w->l) || unverifiable(w);
}

static result_t run_job(const job_t *j)
{
    result_t r = {C_SETUP, 0, 0, -1, false, false};
    world_t *w = calloc(1, sizeof(*w));
    w->job = j;
    w->image = malloc(j->size);
    w->prev = malloc(FLASH_SIZE);
    fill_data(w);
    esploader_md5(w->image, j->size, w->md5);
    if (j->api == API_DEFL) {
        uLongf zl = compressBound(j->size);
        w->z = malloc(zl);
        if (compress2(w->z, &zl, w->image, j->size, j->zlevel) != Z_OK) {
            return r;
        }
        w->zlen = (uint32_t)zl;
    }
    sim_config_t sc = {0};
    sc.chip = j->chip;
    sc.flash_size = FLASH_SIZE;
    sc.strict = j->strict;
    char err[128] = "";
    w->sim = sim_new(&sc, err, sizeof(err));
    if (w->sim == NULL) {
        fprintf(stderr, "sim_new: %s\n", err);
        return r;
    }
    sim_flash_fill(w->sim, 0, w->prev, FLASH_SIZE);
    w->link = sim_link_new(w->sim);
    /* Virtual-time budget of one session: generous against the slowest honest job (2 MB
     * through the ESP8266 ROM at 115200 is ~4 min with erase) plus every timeout a fault can
     * cost, far below what a retry loop without end reaches. */
    w->budget_us = 3600ull * 1000000u;

    r.rc = session(w, true);
    r.begin_hit = begin_hit(w);
    if (tamper && r.rc == 0) {
        /* --tamper: change one flash byte behind the library's back after a successful job,
         * inside the region or just outside it; the check below must call it corruption */
        uint32_t at = rnd(2) ? j->offset + rnd(j->size)
                             : (j->offset >= SECTOR ? j->offset - 1 - rnd(SECTOR) : 0);
        size_t fs;
        uint8_t b = (uint8_t)(sim_flash(w->sim, &fs)[at] ^ 0x20);
        sim_flash_fill(w->sim, at, &b, 1);
    }
    if (w->blown) {
        r.cls = C_HANG;
    } else if (r.rc == 0) {
        r.first_bad = check_flash(w, &r.inside);
        if (unverifiable(w) && !esploader_flash_verified(&w->l) && (r.first_bad < 0 || r.inside)) {
            /* success "not verified", as the library says: counted apart, with the bytes */
            r.cls = r.first_bad < 0 ? C_UNVERIFIED : C_UNVERIFIED_WRONG;
        } else {
            /* wrong bytes, or success without verifying where it could */
            r.cls = r.first_bad >= 0 || !ended_verified(w) ? C_SILENT : C_OK;
        }
    } else if ((r.first_bad = check_outside(w)) >= 0 && !w->reported) {
        r.cls = C_SILENT; /* failed, and silently damaged flash it was never asked to touch */
    } else if (r.first_bad >= 0) {
        /* the damage outside the region, reported; the rerun must still get the region right */
        r.cls = C_REPORTED;
        uint64_t now = sim_link_now_us(w->link);
        sim_link_free(w->link);
        w->link = sim_link_new(w->sim);
        sim_link_advance_us(w->link, now);
        r.rerun_rc = session(w, false);
        bool inside = false;
        if (w->blown) {
            r.cls = C_HANG;
        } else if (r.rerun_rc != 0 || !ended_verified(w) ||
                   ((void)check_flash(w, &inside), inside)) {
            r.cls = C_RERUN_FAIL;
        }
    } else {
        r.cls = C_CLEAN;
        if (verbose) {
            printf("  faulted run: %s\n", esploader_strerror(r.rc));
        }
        /* "Run it again": the same job, no faults, on the same chip as the failure left it,
         * through a newly opened port (a new link: what a stalled line still held back from
         * the failed run is gone, as when a new process opens the port). */
        uint64_t now = sim_link_now_us(w->link);
        sim_link_free(w->link);
        w->link = sim_link_new(w->sim);
        sim_link_advance_us(w->link, now);
        r.rerun_rc = session(w, false);
        if (w->blown) {
            r.cls = C_HANG;
        } else if (r.rerun_rc != 0 || !ended_verified(w) ||
                   (r.first_bad = check_flash(w, &r.inside)) >= 0) {
            r.cls = r.rerun_rc == 0 && r.first_bad >= 0 ? C_SILENT : C_RERUN_FAIL;
        }
    }
    sim_link_free(w->link);
    sim_free(w->sim);
    free(w->z);
    free(w->image);
    free(w->prev);
    free(w);
    return r;
}

/* ---- the campaign ------------------------------------------------------------------------- */

static result_t run_forked(const job_t *j, unsigned wall_s, bool fork_it)
{
    result_t r = {C_CRASH, 0, 0, -1, false, false};
    if (!fork_it) {
        return run_job(j);
    }
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(p[0]);
        alarm(wall_s); /* a spin that never calls the port: SIGALRM ends the run */
        result_t cr = run_job(j);
        ssize_t n = write(p[1], &cr, sizeof(cr));
        _exit(n == (ssize_t)sizeof(cr) ? 0 : 3);
    }
    close(p[1]);
    ssize_t n, got = 0;
    while (got < (ssize_t)sizeof(r) &&
           ((n = read(p[0], (char *)&r + got, sizeof(r) - (size_t)got)) > 0 ||
            (n < 0 && errno == EINTR))) {
        got += n > 0 ? n : 0;
    }
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (got != (ssize_t)sizeof(r) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        result_t bad = {C_CRASH, 0, 0, -1, false, false};
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
            bad.cls = C_HANG;
        }
        return bad;
    }
    return r;
}

int main(int argc, char **argv)
{
    uint64_t first = 1, runs = 100;
    uint32_t max_image = 2u << 20;
    unsigned wall_s = 300;
    bool fork_it = true, single = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 0);
            runs = 1;
            single = true;
        } else if (strcmp(argv[i], "--max-image") == 0 && i + 1 < argc) {
            max_image = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--wall") == 0 && i + 1 < argc) {
            wall_s = (unsigned)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--tamper") == 0) {
            tamper = true;
        } else if (strcmp(argv[i], "--no-fork") == 0) {
            fork_it = false;
        } else {
            fprintf(stderr,
                    "usage: %s [--runs N] [--first S] [--seed S] [-v] [--no-fork] "
                    "[--max-image BYTES] [--wall SECONDS] [--tamper]\n",
                    argv[0]);
            return 2;
        }
    }
    if (max_image < 1024 || max_image > (2u << 20)) {
        fprintf(stderr, "--max-image: 1024 .. 2097152\n");
        return 2;
    }
    trace_on = getenv("CAMPAIGN_TRACE") != NULL;
    uint64_t count[C_COUNT] = {0}, rerun_ok = 0, silent_begin = 0, by_err[9] = {0},
             by_fault[FK_COUNT] = {0};
    uint64_t bytes = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char bad[4096] = "", uw[4096] = "";
    size_t bad_len = 0, uw_len = 0;
    for (uint64_t s = first; s < first + runs; s++) {
        job_t j;
        make_job(s, max_image, &j);
        bytes += j.size;
        for (int i = 0; i < j.nfaults; i++) {
            by_fault[j.fk[i]]++;
        }
        if (verbose || single) {
            describe(&j, stdout);
        }
        result_t r = run_forked(&j, wall_s, fork_it);
        count[r.cls]++;
        static const char *const cls_name[] = {"ok",
                                               "clean error",
                                               "SILENT CORRUPTION",
                                               "HANG",
                                               "CRASH",
                                               "RERUN FAILED",
                                               "SETUP FAILED",
                                               "unverified",
                                               "unverified, bytes wrong",
                                               "damage outside the region reported"};
        if (r.cls == C_SILENT && r.begin_hit) {
            silent_begin++;
        }
        if (r.cls == C_CLEAN) {
            rerun_ok++;
            by_err[-r.rc <= 8 ? -r.rc : 0]++;
        }
        if (r.cls == C_RERUN_FAIL) {
            by_err[-r.rc <= 8 && r.rc < 0 ? -r.rc : 0]++;
        }
        bool bad_run = r.cls != C_OK && r.cls != C_CLEAN && r.cls != C_UNVERIFIED &&
                       r.cls != C_UNVERIFIED_WRONG && r.cls != C_REPORTED;
        if (verbose || single || bad_run || r.cls == C_UNVERIFIED_WRONG || r.cls == C_REPORTED) {
            printf("seed %llu: %s (rc %s, rerun %s", (unsigned long long)s, cls_name[r.cls],
                   esploader_strerror(r.rc), esploader_strerror(r.rerun_rc));
            if (r.first_bad >= 0) {
                printf(", first wrong byte at 0x%06lx %s the region", r.first_bad,
                       r.inside ? "inside" : "outside");
            }
            if (r.begin_hit) {
                printf(", a line fault inside a FLASH_BEGIN");
            }
            printf(")\n");
            if (!verbose && !single) {
                describe(&j, stdout);
            }
        }
        if (bad_run && bad_len + 24 < sizeof(bad)) {
            bad_len += (size_t)snprintf(bad + bad_len, sizeof(bad) - bad_len, " %llu",
                                        (unsigned long long)s);
        }
        if (r.cls == C_UNVERIFIED_WRONG && uw_len + 24 < sizeof(uw)) {
            uw_len +=
                (size_t)snprintf(uw + uw_len, sizeof(uw) - uw_len, " %llu", (unsigned long long)s);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  %.1f s wall, %.1f MB of images; faults drawn:", secs, (double)bytes / 1048576.0);
    for (int k = 0; k < FK_COUNT; k++) {
        printf(" %s %llu", fk_name[k], (unsigned long long)by_fault[k]);
    }
    printf("\n  clean errors by code:");
    for (int e = 1; e <= 8; e++) {
        if (by_err[e]) {
            printf(" %s %llu", esploader_strerror(-e), (unsigned long long)by_err[e]);
        }
    }
    printf("\n");
    if (bad_len > 0) {
        printf("  bad seeds (replay with --seed S):%s\n", bad);
    }
    if (uw_len > 0) {
        printf("  unverified (ESP8266 ROM) with wrong bytes:%s\n", uw);
    }
    if (count[C_SILENT] > 0) {
        printf("  silent corruptions with a line fault inside a FLASH_BEGIN / FLASH_DEFL_BEGIN "
               "(a command no checksum covers): %llu of %llu\n",
               (unsigned long long)silent_begin, (unsigned long long)count[C_SILENT]);
    }
    if (count[C_SETUP] > 0) {
        printf("  %llu runs could not be set up\n", (unsigned long long)count[C_SETUP]);
    }
    uint64_t clean = count[C_CLEAN] + count[C_RERUN_FAIL];
    uint64_t unver = count[C_UNVERIFIED] + count[C_UNVERIFIED_WRONG];
    printf("runs %llu, ok %llu, clean errors %llu (rerun ok %llu), silent corruptions %llu, "
           "hangs %llu, crashes %llu; damage outside the region reported %llu; unverified "
           "(ESP8266 ROM, no MD5) %llu, bytes wrong in %llu\n",
           (unsigned long long)runs, (unsigned long long)count[C_OK], (unsigned long long)clean,
           (unsigned long long)rerun_ok, (unsigned long long)count[C_SILENT],
           (unsigned long long)count[C_HANG], (unsigned long long)count[C_CRASH],
           (unsigned long long)count[C_REPORTED], (unsigned long long)unver,
           (unsigned long long)count[C_UNVERIFIED_WRONG]);
    return count[C_OK] + rerun_ok + unver + count[C_REPORTED] == runs ? 0 : 1;
}
