/*
 * The write pipeline (esploader_flash_write_job) against the fake target: what goes on the
 * wire for compressed runs (FLASH_DEFL_BEGIN announcing the block count of the counting pass,
 * the sending pass's bytes in order), the two passes making identical compressor calls, the
 * plain fallback for data that does not shrink, a compressor that lies or fails, a read
 * callback as the source, work-memory fitting, argument checks, verification mismatches and
 * the ESP8266 ROM. (The fake does not inflate, so compressed runs here are not MD5-checked:
 * tests/sim/test_sim_pipeline.c does that against the simulator with zlib.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esploader/esploader.h"
#include "fake_port.h"
#include "trace_data.h"

#define FLASH_SIZE (256 * 1024)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void setup(fake_port_t *fp, esploader_t *l, esploader_chip_t chip, bool stub)
{
    esploader_config_t cfg;
    fp_init(fp);
    fp_chip_rom(fp, chip);
    if (stub)
        fp_stub_mode(fp);
    fp_with_flash(fp, FLASH_SIZE);
    fp_config(fp, &cfg);
    assert_int_equal(esploader_init(l, &cfg), ESPLOADER_OK);
    assert_int_equal(esploader_connect(l), ESPLOADER_OK);
}

static void pattern(uint8_t *d, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* A stand-in compressor: one output byte per two input bytes (not deflate: the fake does
 * not inflate), keeping an odd byte back until more input or finish, plus a 3-byte trailer.
 * It logs its calls per stream, and can misbehave on request. */
#define LOG_MAX 4096
typedef struct call {
    uint32_t in_len, out_cap;
    bool finish;
} call_t;

typedef struct halver {
    int streams; /* begin() calls */
    uint32_t ncalls[4];
    call_t calls[4][LOG_MAX];
    int held;         /* the odd byte kept back, or -1 */
    uint32_t trailer; /* trailer bytes still to write */
    bool in_trailer;
    int fail_begin;     /* begin() returns this if non-zero */
    int fail_stream;    /* in this stream (1-based) ... */
    uint32_t fail_call; /* ... this run() call (1-based) returns -5 */
    int liar_stream;    /* in this stream the trailer is one byte longer */
    bool fat;           /* output = 2 bytes per input byte (does not shrink) */
} halver_t;

static int h_begin(void *ctx)
{
    halver_t *z = ctx;
    if (z->fail_begin)
        return z->fail_begin;
    z->streams++;
    z->held = -1;
    z->in_trailer = false;
    z->trailer = z->liar_stream == z->streams ? 4 : 3;
    if (z->streams <= 4)
        z->ncalls[z->streams - 1] = 0;
    return 0;
}

static int h_run(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                 size_t out_cap, size_t *out_len, bool finish)
{
    halver_t *z = ctx;
    size_t i = 0, o = 0;
    if (z->streams >= 1 && z->streams <= 4 && z->ncalls[z->streams - 1] < LOG_MAX) {
        call_t *c = &z->calls[z->streams - 1][z->ncalls[z->streams - 1]++];
        c->in_len = (uint32_t)in_len;
        c->out_cap = (uint32_t)out_cap;
        c->finish = finish;
        if (z->streams == z->fail_stream && z->ncalls[z->streams - 1] == z->fail_call)
            return -5;
    }
    while (i < in_len && o < out_cap) {
        if (z->fat) {
            if (out_cap - o < 2)
                break;
            out[o++] = in[i];
            out[o++] = (uint8_t)~in[i++];
        } else if (z->held < 0) {
            z->held = in[i++];
        } else {
            out[o++] = (uint8_t)(z->held ^ in[i++]);
            z->held = -1;
        }
    }
    *in_used = i;
    if (finish && i == in_len) {
        if (z->held >= 0 && o < out_cap) {
            out[o++] = (uint8_t)z->held;
            z->held = -1;
        }
        while (z->held < 0 && z->trailer > 0 && o < out_cap) {
            out[o++] = 0xA5;
            z->trailer--;
        }
        *out_len = o;
        return z->held < 0 && z->trailer == 0 ? ESPLOADER_COMPRESS_END : ESPLOADER_COMPRESS_MORE;
    }
    *out_len = o;
    return ESPLOADER_COMPRESS_MORE;
}

static const esploader_compressor_ops_t halver_ops = {h_begin, h_run};

/* What the halver makes of data: the expected stream. */
static size_t halve(const uint8_t *d, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        out[o++] = (uint8_t)(d[i] ^ d[i + 1]);
    if (n & 1)
        out[o++] = d[n - 1];
    for (int k = 0; k < 3; k++)
        out[o++] = 0xA5;
    return o;
}

/* ROM, 1 KB blocks: DEFL_BEGIN says size rounded to 1 KB, ceil(clen / 1 KB) blocks of 1 KB;
 * the DEFL_DATA blocks carry the halver's stream in order, the last one short; the two passes
 * made exactly the same calls; no plain FLASH_BEGIN. */
static void test_defl_wire_and_two_passes(void **state)
{
    static uint8_t img[10000], want[6000];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    uint8_t work[0x400];
    esploader_compressor_t c = {&halver_ops, &z};
    esploader_write_job_t job = {0};
    size_t wlen, k, got = 0;
    (void)state;
    memset(&z, 0, sizeof(z));
    pattern(img, sizeof(img), 3);
    wlen = halve(img, sizeof(img), want);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32C3, false);
    job.offset = 0x10000;
    job.size = sizeof(img);
    job.data = img;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_FINISH_NO_VERIFY;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_OK);
    assert_int_equal(z.streams, 2);
    assert_int_equal(z.ncalls[0], z.ncalls[1]);
    assert_memory_equal(z.calls[0], z.calls[1], z.ncalls[0] * sizeof(call_t));
    assert_int_equal(fp_count_op(&fp, 0x02), 0);
    assert_int_equal(fp_count_op(&fp, 0x10), 1);
    const fp_frame_t *b = fp_find_op(&fp, 0x10, 0);
    assert_int_equal(le32(b->bytes + 8), (sizeof(img) + 0x3FF) & ~0x3FFu); /* ROM: whole KB */
    assert_int_equal(le32(b->bytes + 12), (wlen + 0x3FF) / 0x400);         /* num_blocks */
    assert_int_equal(le32(b->bytes + 16), 0x400);
    assert_int_equal(le32(b->bytes + 20), 0x10000);
    assert_int_equal(fp_count_op(&fp, 0x11), (wlen + 0x3FF) / 0x400);
    for (k = 0; k < fp_count_op(&fp, 0x11); k++) {
        const fp_frame_t *d = fp_find_op(&fp, 0x11, k);
        uint32_t n = le32(d->bytes + 8);
        assert_int_equal(le32(d->bytes + 12), k); /* seq */
        assert_true(n == 0x400 || k + 1 == fp_count_op(&fp, 0x11));
        assert_memory_equal(d->bytes + 24, want + got, n);
        got += n;
    }
    assert_int_equal(got, wlen);
    assert_int_equal(job.wire, wlen);
    assert_int_equal(job.deflated, 1);
    assert_int_equal(job.transfers, 1);
    assert_int_equal(job.changed, sizeof(img));
    fp_free(&fp);
}

/* Output that does not shrink: the counting pass stops early and the run goes plain. */
static void test_incompressible_goes_plain(void **state)
{
    static uint8_t img[8192];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    uint8_t work[0x400];
    esploader_compressor_t c = {&halver_ops, &z};
    esploader_write_job_t job = {0};
    (void)state;
    memset(&z, 0, sizeof(z));
    z.fat = true;
    pattern(img, sizeof(img), 4);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    job.offset = 0x20000;
    job.size = sizeof(img);
    job.data = img;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_OK);
    assert_int_equal(z.streams, 1);    /* counted once, never sent */
    assert_true(z.ncalls[0] <= 8 + 1); /* stopped once 8 KB of output were reached */
    assert_int_equal(fp_count_op(&fp, 0x10), 0);
    assert_int_equal(fp_count_op(&fp, 0x02), 1);
    assert_memory_equal(fp.flash + 0x20000, img, sizeof(img));
    assert_true(esploader_flash_verified(&l));
    assert_int_equal(job.deflated, 0);
    assert_int_equal(job.wire, sizeof(img));
    fp_free(&fp);
}

/* A compressor whose sending pass makes more than its counting pass: refused before the
 * loader gets a byte more than announced (ESPLOADER_ERR_HOST), not retried. */
static void test_nondeterministic_compressor(void **state)
{
    static uint8_t img[5000];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    uint8_t work[0x400];
    esploader_compressor_t c = {&halver_ops, &z};
    esploader_write_job_t job = {0};
    size_t k, sent = 0;
    (void)state;
    memset(&z, 0, sizeof(z));
    z.liar_stream = 2;
    pattern(img, sizeof(img), 5);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    job.offset = 0x10000;
    job.size = sizeof(img);
    job.data = img;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, ESPLOADER_ERR_PROTOCOL);
    assert_int_equal(job.fail_offset, 0x10000);
    assert_int_equal(fp_count_op(&fp, 0x10), 1);
    for (k = 0; k < fp_count_op(&fp, 0x11); k++)
        sent += le32(fp_find_op(&fp, 0x11, k)->bytes + 8);
    assert_true(sent <= le32(fp_find_op(&fp, 0x10, 0)->bytes + 12) * 0x400u);
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

/* A compressor failing at begin (nothing sent at all) or in its sending pass (one DEFL
 * transfer, then stop): ESPLOADER_ERR_HOST with the compressor's own code. */
static void test_compressor_errors(void **state)
{
    static uint8_t img[6000];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    uint8_t work[0x400];
    esploader_compressor_t c = {&halver_ops, &z};
    esploader_write_job_t job = {0};
    (void)state;
    pattern(img, sizeof(img), 6);
    memset(&z, 0, sizeof(z));
    z.fail_begin = -9999;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, true);
    job.offset = 0x10000;
    job.size = sizeof(img);
    job.data = img;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, -9999);
    assert_int_equal(fp_count_op(&fp, 0x10), 0);
    assert_int_equal(fp_count_op(&fp, 0x02), 0);

    memset(&z, 0, sizeof(z));
    z.fail_stream = 2;
    z.fail_call = 2;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, -5);
    assert_int_equal(fp_count_op(&fp, 0x10), 1);
    assert_int_equal(z.streams, 2);
    fp_free(&fp);
}

/* The source is a read callback; the work memory decides the block size (halved from the
 * stub's 16 KB to what fits), reads never exceed it, and a failing read ends the write. */
typedef struct src {
    const uint8_t *data;
    uint32_t reads, max_len;
    int fail_at;
} src_t;

static int src_read(void *user, uint32_t pos, void *buf, uint32_t len)
{
    src_t *s = user;
    s->reads++;
    s->max_len = len > s->max_len ? len : s->max_len;
    if (s->fail_at && (int)s->reads == s->fail_at)
        return -3;
    memcpy(buf, s->data + pos, len);
    return 0;
}

static void test_read_source_and_block_fit(void **state)
{
    static uint8_t img[40000], work[5000];
    fake_port_t fp;
    esploader_t l;
    src_t src = {img, 0, 0, 0};
    esploader_write_job_t job = {0};
    (void)state;
    pattern(img, sizeof(img), 7);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32S3, true);
    job.offset = 0x8000;
    job.size = sizeof(img);
    job.read = src_read;
    job.read_user = &src;
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_OK);
    assert_memory_equal(fp.flash + 0x8000, img, sizeof(img));
    assert_true(esploader_flash_verified(&l));
    /* 16 KB -> 8 KB -> 4 KB fits in 5000 B */
    assert_int_equal(le32(fp_find_op(&fp, 0x02, 0)->bytes + 16), 0x1000);
    assert_true(src.max_len <= sizeof(work));

    /* an explicit block size must fit as it is */
    job.block_size = 0x2000;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.block_size = 0;

    src.fail_at = src.reads + 2;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_HOST);
    assert_int_equal(job.host_err, -3);
    fp_free(&fp);
}

static void test_bad_arguments(void **state)
{
    static uint8_t img[4096], work[512];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    esploader_compressor_t c = {&halver_ops, &z}, no_ops = {NULL, &z};
    esploader_write_job_t job = {0};
    (void)state;
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    job.offset = 0x10000;
    job.size = sizeof(img);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG); /* no src */
    job.data = img;
    job.size = 0;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.size = 0xFFFFF000u;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.size = sizeof(img);
    job.compressor = &c; /* compressed from a buffer: one block of work at least */
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.work = work;
    job.work_size = sizeof(work);
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.compressor = &no_ops;
    job.block_size = 256;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    job.read = src_read; /* plain from a read callback: one block */
    job.data = NULL;
    job.compressor = NULL;
    job.block_size = 0;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_INVALID_ARG);
    assert_int_equal(fp_count_op(&fp, 0x02) + fp_count_op(&fp, 0x10) + fp_count_op(&fp, 0x13), 0);
    /* nothing was sent, and the session is fine */
    assert_int_equal(esploader_flash_write_buffer(&l, 0x10000, img, sizeof(img), 0, NULL, NULL),
                     ESPLOADER_OK);
    fp_free(&fp);
}

/* The target's MD5 of the written run differs: ESPLOADER_ERR_VERIFY, the run named. */
static void test_verify_mismatch(void **state)
{
    static uint8_t img[8192];
    fake_port_t fp;
    esploader_t l;
    uint8_t resp[64];
    esploader_write_job_t job = {0};
    size_t n;
    fp_rule_t *r;
    (void)state;
    pattern(img, sizeof(img), 8);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    /* every MD5 answers 32 hex zeros (a region that holds something else) */
    static const uint8_t ok[4] = {0, 0, 0, 0};
    n = fp_build_resp(resp, 0x13, 0, (const uint8_t *)"00000000000000000000000000000000", 32, ok,
                      sizeof(ok));
    r = fp_add_rule(&fp, 0x13, resp, n, 1);
    (void)r;
    job.offset = 0x10000;
    job.size = sizeof(img);
    job.data = img;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_ERR_VERIFY);
    assert_int_equal(job.fail_offset, 0x10000);
    /* the guard's two spans before and after (the same answers: unchanged) and the run */
    assert_int_equal(job.md5s, 5);
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

/* The ESP8266 ROM: the compressor is not used (no FLASH_DEFL), SKIP_UNCHANGED cannot apply
 * (no MD5): one plain transfer, unverified. */
static void test_esp8266_rom(void **state)
{
    static uint8_t img[6000];
    static halver_t z;
    fake_port_t fp;
    esploader_t l;
    uint8_t work[0x400];
    esploader_compressor_t c = {&halver_ops, &z};
    esploader_write_job_t job = {0};
    (void)state;
    memset(&z, 0, sizeof(z));
    pattern(img, sizeof(img), 9);
    setup(&fp, &l, ESPLOADER_CHIP_ESP8266, false);
    size_t begins = fp_count_op(&fp, 0x02); /* connect attached the flash with BEGIN(0,0) */
    job.offset = 0x10000;
    job.size = sizeof(img);
    job.data = img;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    assert_int_equal(esploader_flash_write_job(&l, &job), ESPLOADER_OK);
    assert_int_equal(z.streams, 0);
    assert_int_equal(fp_count_op(&fp, 0x10), 0);
    assert_int_equal(fp_count_op(&fp, 0x13), 0);
    assert_int_equal(fp_count_op(&fp, 0x02), begins + 1);
    assert_memory_equal(fp.flash + 0x10000, img, sizeof(img));
    assert_false(esploader_flash_verified(&l));
    fp_free(&fp);
}

/* Progress: per acknowledged block, monotonic, ends at total exactly once; an unchanged
 * region reports only the final call. */
typedef struct prog {
    uint32_t calls, last, at_total;
    bool monotonic;
} prog_t;

static void on_prog(void *user, uint32_t done, uint32_t total)
{
    prog_t *p = user;
    p->monotonic = p->monotonic && done >= p->last && done <= total;
    p->last = done;
    p->calls++;
    p->at_total += done == total;
}

static void test_progress(void **state)
{
    static uint8_t img[5 * 1024];
    fake_port_t fp;
    esploader_t l;
    prog_t p = {0, 0, 0, true};
    (void)state;
    pattern(img, sizeof(img), 10);
    setup(&fp, &l, ESPLOADER_CHIP_ESP32, false);
    assert_int_equal(esploader_flash_write_buffer(&l, 0x10000, img, sizeof(img),
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, on_prog, &p),
                     ESPLOADER_OK);
    assert_int_equal(p.calls, 5); /* five 1 KB ROM blocks */
    assert_int_equal(p.at_total, 1);
    assert_true(p.monotonic);
    memset(&p, 0, sizeof(p));
    p.monotonic = true;
    assert_int_equal(esploader_flash_write_buffer(&l, 0x10000, img, sizeof(img),
                                                  ESPLOADER_WRITE_SKIP_UNCHANGED, on_prog, &p),
                     ESPLOADER_OK);
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.last, sizeof(img));
    fp_free(&fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defl_wire_and_two_passes),
        cmocka_unit_test(test_incompressible_goes_plain),
        cmocka_unit_test(test_nondeterministic_compressor),
        cmocka_unit_test(test_compressor_errors),
        cmocka_unit_test(test_read_source_and_block_fit),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_verify_mismatch),
        cmocka_unit_test(test_esp8266_rom),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
