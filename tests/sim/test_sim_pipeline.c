/*
 * Library <-> sim: the write pipeline (esploader_flash_write_job) with the zlib adapter as its
 * compressor, on ROM and stub loaders: unchanged / partly changed / erased regions, compressed
 * and skipping together, the data read through a callback with little work memory, the
 * ESP8266 ROM (no FLASH_DEFL, no MD5), a compressor that fails, a flash that does not hold what
 * was written (verification catches it). Every case checks the sim's flash byte for byte and
 * counts the commands on the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "esploader_zlib_compress.h"
#include "sim_harness.h"

#define OFFSET              0x30000u
#define SIZE                0x2D000u /* 180 KB: two full 64 KB blocks and a 52 KB one */
#define SECTORS             (SIZE / 0x1000u)
#define OP_FLASH_BEGIN      0x02
#define OP_FLASH_DATA       0x03
#define OP_FLASH_DEFL_BEGIN 0x10
#define OP_MD5              0x13

static uint8_t old_data[SIZE], new_data[SIZE];

typedef struct target {
    sim_chip_id_t chip;
    bool stub;
} target_t;

static const target_t targets[] = {
    {SIM_CHIP_ESP32, false},   /* ROM: 1 KB blocks, MD5 as hex text, FLASH_DEFL in ROM */
    {SIM_CHIP_ESP32, true},    /* stub: 16 KB blocks, raw MD5 */
    {SIM_CHIP_ESP32C3, false}, /* 5-word BEGIN */
    {SIM_CHIP_ESP8266, true},  /* the ESP8266 stub inflates and MD5s */
};

static harness_t *setup(const target_t *t, const uint8_t *flash_data)
{
    harness_t *h = h_new(t->chip, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (t->stub) {
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    }
    if (flash_data) {
        sim_flash_fill(h->sim, OFFSET, flash_data, SIZE);
    }
    h_arm(h);
    return h;
}

static uint32_t ops(const harness_t *h, const h_trace_t *t0, uint8_t op)
{
    return h->trace.tx_ops[op] - t0->tx_ops[op];
}

/* new_data = old_data with the given sectors changed (-1 ends the list). */
static uint32_t make_new(const int *sectors, bool *chg)
{
    uint32_t n = 0;
    memcpy(new_data, old_data, SIZE);
    memset(chg, 0, SECTORS * sizeof(bool));
    for (int i = 0; sectors[i] >= 0; i++) {
        chg[sectors[i]] = true;
        new_data[sectors[i] * 0x1000 + 0x321] ^= 0x41;
        n++;
    }
    return n;
}

static uint32_t runs_of(const bool *chg)
{
    uint32_t r = 0;
    for (uint32_t s = 0; s < SECTORS; s++) {
        r += chg[s] && (s == 0 || !chg[s - 1]);
    }
    return r;
}

/* Compressed + skipping together: only the changed sectors are erased, programmed and sent,
 * each run as one FLASH_DEFL transfer verified by its own MD5. */
static void test_compressed_skip(void **state)
{
    static const int cases[][8] = {
        {20, -1},         /* one sector in the middle */
        {15, 16, 17, -1}, /* a run across a 64 KB border */
        {0, 40, -1},      /* two runs */
        {-1},             /* nothing changed: one MD5, nothing else */
    };
    esploader_compressor_t zc;
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&zc, 9), 0);
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            bool chg[SECTORS];
            uint32_t nchg = make_new(cases[c], chg), runs = runs_of(chg);
            harness_t *h = setup(&targets[t], old_data);
            h_trace_t t0 = h->trace;
            sim_stats_t s0, s1;
            static uint8_t work[0x4000];
            esploader_write_job_t job = {0};
            sim_get_stats(h->sim, &s0);
            job.offset = OFFSET;
            job.size = SIZE;
            job.data = new_data;
            job.compressor = &zc;
            job.work = work;
            job.work_size = sizeof(work);
            job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
            assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
            sim_get_stats(h->sim, &s1);
            assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
            assert_true(esploader_flash_verified(&h->loader));
            assert_int_equal(job.changed, nchg * 0x1000);
            assert_int_equal(s1.sectors_erased - s0.sectors_erased, nchg);
            assert_int_equal(ops(h, &t0, OP_FLASH_DEFL_BEGIN), runs);
            assert_int_equal(ops(h, &t0, OP_FLASH_BEGIN), 0);
            assert_int_equal(job.deflated, runs);
            assert_true(nchg == 0 || job.wire < job.changed); /* it did compress */
            /* whole region; if it differs: 3 blocks, 16 sectors per differing full block (12
             * in the last, partial one), one MD5 per run, the guard's two spans (after the
             * region, below it) before and after, and per run that an equal sector closes one
             * recheck of that sector (all these cases sit in blocks that differ) */
            if (nchg == 0) {
                assert_int_equal(ops(h, &t0, OP_MD5), 1);
            } else {
                uint32_t want = 1 + 3 + runs + 4 + runs - (chg[SECTORS - 1] ? 1 : 0);
                for (uint32_t b = 0; b < 3; b++) {
                    bool any = false;
                    for (uint32_t s = b * 16; s < SECTORS && s < b * 16 + 16; s++) {
                        any |= chg[s];
                    }
                    want += any ? (b < 2 ? 16 : SECTORS - 32) : 0;
                }
                assert_int_equal(ops(h, &t0, OP_MD5), want);
            }
            assert_int_equal(job.md5s, ops(h, &t0, OP_MD5));
            assert_false(h->blown);
            h_free(h);
        }
    }
    esploader_zlib_compressor_close(&zc);
}

/* An erased region (the usual first flash): the whole-region MD5 equals all-0xFF, so there is
 * no search: one transfer, one MD5 to compare, one to verify and the guard's two spans twice. */
static void test_erased_region(void **state)
{
    esploader_compressor_t zc;
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&zc, 6), 0);
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        for (int z = 0; z < 2; z++) {
            harness_t *h = setup(&targets[t], NULL); /* the sim's flash starts erased */
            h_trace_t t0 = h->trace;
            static uint8_t work[0x4000];
            esploader_write_job_t job = {0};
            assert_true(h_flash_all(h, OFFSET, SIZE, 0xFF));
            job.offset = OFFSET;
            job.size = SIZE;
            job.data = old_data;
            job.compressor = z ? &zc : NULL;
            job.work = work;
            job.work_size = sizeof(work);
            job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
            assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
            assert_int_equal(h_flash_diff(h, OFFSET, old_data, SIZE), -1);
            assert_true(esploader_flash_verified(&h->loader));
            assert_int_equal(ops(h, &t0, OP_MD5), 2 + 4);
            assert_int_equal(ops(h, &t0, z ? OP_FLASH_DEFL_BEGIN : OP_FLASH_BEGIN), 1);
            assert_int_equal(job.changed, SIZE);
            h_free(h);
        }
    }
    esploader_zlib_compressor_close(&zc);
}

/* A partly erased region: the erased 64 KB block is written whole without a sector search. */
static void test_erased_block(void **state)
{
    harness_t *h;
    h_trace_t t0;
    (void)state;
    memcpy(new_data, old_data, SIZE);
    h = setup(&targets[1], old_data);
    static uint8_t ff[0x10000];
    memset(ff, 0xFF, sizeof(ff));
    sim_flash_fill(h->sim, OFFSET + 0x10000, ff, sizeof(ff)); /* block 1 erased */
    t0 = h->trace;
    assert_int_equal(esploader_flash_write_buffer(&h->loader, OFFSET, new_data, SIZE,
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, NULL, NULL),
                     ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
    /* region + 3 blocks + the run's MD5 + the guard's two spans twice + the recheck of block 2
     * (judged equal as a whole before the run was written): no sector MD5s */
    assert_int_equal(ops(h, &t0, OP_MD5), 1 + 3 + 1 + 4 + 1);
    assert_int_equal(ops(h, &t0, OP_FLASH_BEGIN), 1);
    h_free(h);
}

/* The data through a read callback, with a few hundred bytes of staging: the pipeline never
 * sees the image as a whole, and re-reads what it compares, compresses twice and verifies. */
typedef struct src {
    const uint8_t *data;
    uint32_t reads, max_len, bytes;
    int fail_at_read; /* 0 = never */
} src_t;

static int src_read(void *user, uint32_t pos, void *buf, uint32_t len)
{
    src_t *s = user;
    s->reads++;
    s->bytes += len;
    s->max_len = len > s->max_len ? len : s->max_len;
    if (s->fail_at_read && (int)s->reads == s->fail_at_read) {
        return -42;
    }
    memcpy(buf, s->data + pos, len);
    return 0;
}

static void test_read_source(void **state)
{
    esploader_compressor_t zc;
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&zc, 9), 0);
    for (size_t t = 0; t < 2; t++) {
        for (int z = 0; z < 2; z++) {
            static const int changed[] = {3, 4, 33, -1};
            bool chg[SECTORS];
            (void)make_new(changed, chg);
            harness_t *h = setup(&targets[t], old_data);
            uint8_t work[0x400 + 300]; /* one 1 KB block + 300 B of staging */
            src_t src = {new_data, 0, 0, 0, 0};
            esploader_write_job_t job = {0};
            job.offset = OFFSET;
            job.size = SIZE;
            job.read = src_read;
            job.read_user = &src;
            job.compressor = z ? &zc : NULL;
            job.work = work;
            job.work_size = sizeof(work);
            job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
            assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
            assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
            assert_true(esploader_flash_verified(&h->loader));
            assert_int_equal(job.changed, 3 * 0x1000);
            assert_true(src.max_len <= sizeof(work));
            assert_true(src.bytes >= SIZE); /* the whole-region MD5 read it all once */
            h_free(h);
        }
    }
    esploader_zlib_compressor_close(&zc);
}

/* The ESP8266 ROM: no FLASH_DEFL, no MD5. A compressor and SKIP_UNCHANGED are accepted and
 * simply cannot apply: one plain transfer, no MD5, the write stands unverified. */
static void test_esp8266_rom(void **state)
{
    const target_t t = {SIM_CHIP_ESP8266, false};
    esploader_compressor_t zc;
    static uint8_t work[0x4000];
    esploader_write_job_t job = {0};
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&zc, 9), 0);
    harness_t *h = setup(&t, old_data);
    h_trace_t t0 = h->trace;
    memcpy(new_data, old_data, SIZE);
    new_data[0x7000] ^= 1;
    job.offset = OFFSET;
    job.size = SIZE;
    job.data = new_data;
    job.compressor = &zc;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, new_data, SIZE), -1);
    assert_false(esploader_flash_verified(&h->loader));
    assert_int_equal(ops(h, &t0, OP_MD5), 0);
    assert_int_equal(ops(h, &t0, OP_FLASH_DEFL_BEGIN), 0);
    assert_int_equal(ops(h, &t0, OP_FLASH_BEGIN), 1);
    assert_int_equal(job.deflated, 0);
    assert_int_equal(job.changed, SIZE);
    assert_false(h->blown);
    h_free(h);
    esploader_zlib_compressor_close(&zc);
}

/* Secure Download Mode refuses FLASH_DEFL_* and MD5: a compressor and SKIP_UNCHANGED are
 * accepted and cannot apply; one plain transfer, unverified (and no refused command sent). */
static void test_secure_download_mode(void **state)
{
    h_opts_t o = {0};
    esploader_compressor_t zc;
    static uint8_t work[0x4000];
    esploader_write_job_t job = {0};
    (void)state;
    o.secure_download = true;
    assert_int_equal(esploader_zlib_compressor_open(&zc, 9), 0);
    harness_t *h = h_new(SIM_CHIP_ESP32S3, &o);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    assert_true(esploader_secure_download_mode(&h->loader));
    h_arm(h);
    h_trace_t t0 = h->trace;
    job.offset = OFFSET;
    job.size = SIZE;
    job.data = old_data;
    job.compressor = &zc;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, old_data, SIZE), -1);
    assert_false(esploader_flash_verified(&h->loader));
    assert_int_equal(ops(h, &t0, OP_FLASH_DEFL_BEGIN), 0);
    assert_int_equal(ops(h, &t0, OP_MD5), 0);
    assert_int_equal(ops(h, &t0, OP_FLASH_BEGIN), 1);
    assert_int_equal(h->trace.rx_unsupported, t0.rx_unsupported);
    h_free(h);
    esploader_zlib_compressor_close(&zc);
}

/* A compressor that fails half-way through its sending pass (after FLASH_DEFL_BEGIN): the
 * write fails with ESPLOADER_ERR_HOST and the compressor's own code, naming the run; it is not
 * retried, and the session goes on working (the next write lands). */
typedef struct failing {
    esploader_compressor_t inner;
    uint32_t runs, fail_after; /* run() calls in all; fail once this many were made */
} failing_t;

static int f_begin(void *ctx)
{
    failing_t *f = ctx;
    return f->inner.ops->begin(f->inner.ctx);
}

static int f_run(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                 size_t out_cap, size_t *out_len, bool finish)
{
    failing_t *f = ctx;
    if (++f->runs > f->fail_after) {
        return -77;
    }
    return f->inner.ops->run(f->inner.ctx, in, in_len, in_used, out, out_cap, out_len, finish);
}

static const esploader_compressor_ops_t failing_ops = {f_begin, f_run};

static void test_compressor_fails(void **state)
{
    failing_t f = {{0}, 0, 0};
    esploader_compressor_t c = {&failing_ops, &f};
    static uint8_t work[0x4000];
    esploader_write_job_t job = {0};
    (void)state;
    assert_int_equal(esploader_zlib_compressor_open(&f.inner, 9), 0);
    /* count the calls of a whole counting pass first */
    f.fail_after = 0xFFFFFFFFu;
    harness_t *h = setup(&targets[0], NULL);
    job.offset = OFFSET;
    job.size = SIZE;
    job.data = old_data;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_FINISH_NO_VERIFY;
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
    uint32_t per_pass = f.runs / 2;
    assert_int_equal(f.runs, 2 * per_pass); /* the two passes made the same calls */
    h_free(h);

    h = setup(&targets[0], NULL);
    h_trace_t t0 = h->trace;
    f.runs = 0;
    f.fail_after = per_pass + per_pass / 2; /* half-way through sending */
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, -77);
    assert_int_equal(job.fail_offset, OFFSET);
    assert_int_equal(ops(h, &t0, OP_FLASH_DEFL_BEGIN), 1); /* not retried */
    /* the session still works */
    assert_int_equal(
        esploader_flash_write_buffer(&h->loader, OFFSET, old_data, SIZE, 0, NULL, NULL),
        ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, old_data, SIZE), -1);
    assert_false(h->blown);
    h_free(h);
    esploader_zlib_compressor_close(&f.inner);
}

/* The flash does not keep what was written (here: a byte changes behind the loader's back
 * after the last block): the run's MD5 catches it, ESPLOADER_ERR_VERIFY names the run. */
typedef struct spoil {
    harness_t *h;
    uint32_t at;
    bool done;
} spoil_t;

/* After the first acknowledged block (the ROM programs a block before it answers). */
static void spoil_on_first(void *user, uint32_t done, uint32_t total)
{
    spoil_t *s = user;
    (void)done;
    (void)total;
    if (!s->done) {
        uint8_t b = 0x00;
        sim_flash_fill(s->h->sim, s->at, &b, 1);
        s->done = true;
    }
}

static void test_verify_mismatch(void **state)
{
    static const target_t roms[] = {{SIM_CHIP_ESP32, false}, {SIM_CHIP_ESP32C3, false}};
    (void)state;
    for (size_t t = 0; t < 2; t++) {
        static const int changed[] = {40, -1};
        bool chg[SECTORS];
        (void)make_new(changed, chg);
        harness_t *h = setup(&roms[t], old_data);
        spoil_t sp = {h, OFFSET + 40 * 0x1000 + 0x10, false};
        esploader_write_job_t job = {0};
        job.offset = OFFSET;
        job.size = SIZE;
        job.data = new_data;
        job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
        job.progress = spoil_on_first;
        job.progress_user = &sp;
        assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_VERIFY);
        assert_int_equal(job.fail_offset, OFFSET + 40 * 0x1000);
        assert_false(esploader_flash_verified(&h->loader));
        h_free(h);
    }
}

/* A read callback that fails: ESPLOADER_ERR_HOST with its code, nothing retried. */
static void test_read_fails(void **state)
{
    harness_t *h = setup(&targets[1], NULL);
    uint8_t work[0x1000];
    src_t src = {old_data, 0, 0, 0, 3};
    esploader_write_job_t job = {0};
    (void)state;
    job.offset = OFFSET;
    job.size = SIZE;
    job.read = src_read;
    job.read_user = &src;
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, -42);
    assert_int_equal(src.reads, 3);
    h_free(h);
}

/* Flip erase-size byte `byte` of the next FLASH_BEGIN with `mask`: a line error in a
 * command, which no checksum covers (C0, 8 header bytes, then the erase size, LE). */
static void arm_begin_flip(harness_t *h, uint32_t byte, uint8_t mask)
{
    h_frame_fault_t *ff = &h->frame_fault;
    memset(ff, 0, sizeof(*ff));
    ff->armed = true;
    ff->op = OP_FLASH_BEGIN;
    ff->offset = 1 + 8 + byte;
    ff->fault = (sim_fault_t){SIM_FAULT_FLIP, SIM_DIR_TO_CHIP, 0, mask};
}

/* A damaged erase size that erases one sector past the region (seed 10877 of the campaign):
 * the region's MD5 matches, the guard span after it does not. ESPLOADER_ERR_VERIFY, with
 * fail_offset = offset + size (outside the region: the guard's), the region itself right. */
static void test_over_erase_after(void **state)
{
    static const uint32_t size = 0x2000; /* erase size 0x2000: byte 1 0x20 ^ 0x10 = 0x3000 */
    (void)state;
    for (size_t t = 0; t < 3; t++) {
        harness_t *h = setup(&targets[t], old_data);
        sim_stats_t s0, s1;
        esploader_write_job_t job = {0};
        sim_get_stats(h->sim, &s0);
        arm_begin_flip(h, 1, 0x10);
        job.offset = OFFSET;
        job.size = size;
        job.data = new_data;
        assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_VERIFY);
        sim_get_stats(h->sim, &s1);
        assert_true(h->frame_fault.fired);
        if (!targets[t].stub) {
            /* the ROM erased 3 sectors for 2: the damage the guard must see */
            assert_int_equal(s1.sectors_erased - s0.sectors_erased, 3);
        }
        assert_int_equal(job.fail_offset, OFFSET + size);
        assert_int_equal(h_flash_diff(h, OFFSET, new_data, size), -1);
        assert_false(esploader_flash_verified(&h->loader));
        h_free(h);
    }
}

/* Skip-unchanged with an equal sector between two runs: the first run's damaged erase size
 * erases the equal sector that closed it, inside the region, where no run's MD5 looks; the
 * pipeline's recheck of that sector after the run sees it and stops the job there. */
static void test_over_erase_inside(void **state)
{
    bool chg[SECTORS];
    static const int sectors[] = {0, 2, -1};
    (void)state;
    make_new(sectors, chg);
    harness_t *h = setup(&targets[0], old_data);
    sim_stats_t s0, s1;
    esploader_write_job_t job = {0};
    sim_get_stats(h->sim, &s0);
    arm_begin_flip(h, 1, 0x30); /* the first run's erase size 0x1000 -> 0x2000 */
    job.offset = OFFSET;
    job.size = 3 * 0x1000;
    job.data = new_data;
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_VERIFY);
    sim_get_stats(h->sim, &s1);
    assert_true(h->frame_fault.fired);
    assert_int_equal(s1.sectors_erased - s0.sectors_erased, 2); /* 2 for a run of 1 */
    assert_int_equal(job.fail_offset, OFFSET + 0x1000); /* stopped there: run 2 not written */
    assert_true(h_flash_all(h, OFFSET + 0x1000, 0x1000, 0xFF)); /* the equal sector, erased */
    assert_false(esploader_flash_verified(&h->loader));
    h_free(h);
}

/* Bytes lost from a FLASH_BEGIN (here the header's 4 checksum bytes, on an ESP32-C3, whose
 * BEGIN has 5 words): the size field still says 20, the ROM fills the tail from stale buffer
 * bytes (traces/README.md), and the words after the gap slide down: the encrypted flag (0)
 * becomes the offset, and the ROM erases and writes at 0. The region's MD5 fails (the run is
 * named) -- but the flash at 0 changed too, which only the guard's span below the region
 * sees: ESPLOADER_ERR_VERIFY with fail_offset past the region. A clean rerun then gets the
 * region right. */
static void test_begin_slides_to_zero(void **state)
{
    static const uint32_t size = 0x2000;
    h_frame_fault_t *ff;
    (void)state;
    harness_t *h = setup(&targets[2], old_data);
    esploader_write_job_t job = {0};
    sim_flash_fill(h->sim, 0, old_data, 0x10000); /* something at 0 that an erase would change */
    ff = &h->frame_fault;
    memset(ff, 0, sizeof(*ff));
    ff->armed = true;
    ff->op = OP_FLASH_BEGIN;
    ff->offset = 1 + 4; /* C0, direction, opcode, size (2): then the checksum field */
    ff->fault = (sim_fault_t){SIM_FAULT_DROP, SIM_DIR_TO_CHIP, 0, 4};
    job.offset = OFFSET;
    job.size = size;
    job.data = new_data;
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_ERR_VERIFY);
    assert_true(h->frame_fault.fired);
    assert_true(h_flash_diff(h, 0, old_data, 0x1000) != -1); /* the ROM did write at 0 */
    assert_int_equal(job.fail_offset, OFFSET + size);        /* outside: the guard said so */
    assert_false(esploader_flash_verified(&h->loader));
    assert_int_equal(esploader_flash_write_job(&h->loader, &job), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, new_data, size), -1);
    h_free(h);
}

int main(void)
{
    h_wall_guard(200);
    h_fill_text(old_data, sizeof(old_data), 0x5EEDu);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compressed_skip),   cmocka_unit_test(test_erased_region),
        cmocka_unit_test(test_erased_block),      cmocka_unit_test(test_read_source),
        cmocka_unit_test(test_esp8266_rom),       cmocka_unit_test(test_secure_download_mode),
        cmocka_unit_test(test_compressor_fails),  cmocka_unit_test(test_verify_mismatch),
        cmocka_unit_test(test_read_fails),        cmocka_unit_test(test_over_erase_after),
        cmocka_unit_test(test_over_erase_inside), cmocka_unit_test(test_begin_slides_to_zero),
    };
    return cmocka_run_group_tests_name("sim_pipeline", tests, NULL, NULL);
}
