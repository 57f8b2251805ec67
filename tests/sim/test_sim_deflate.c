/*
 * Library <-> sim: the core's own deflate (esploader_deflate_compressor) as the write
 * pipeline's compressor, as a host MCU would use it, on ROM and stub loaders: a full write to
 * erased flash and a reflash with one sector changed. Checks the sim's flash byte for byte,
 * the MD5 verification, that every run went compressed, and that the bytes on the wire are
 * exactly the core's one-shot compression of the same data (the pipeline compresses each run
 * twice, in pieces; the output must not depend on that). Prints the virtual write time next
 * to a plain write (a figure, not checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deflate_check.h"
#include "fwgen.h"
#include "sim_harness.h"

#define OFFSET 0x40000u
#define SIZE   0x40000u /* 256 KB */

static uint8_t data[SIZE], old_data[SIZE];

typedef struct target {
    sim_chip_id_t chip;
    bool stub;
} target_t;

static const target_t targets[] = {
    {SIM_CHIP_ESP32, false},
    {SIM_CHIP_ESP32, true},
    {SIM_CHIP_ESP32C3, false},
    {SIM_CHIP_ESP8266, true},
};

static harness_t *setup(const target_t *t)
{
    harness_t *h = h_new(t->chip, NULL);
    assert_non_null(h);
    assert_int_equal(h_connect(h), ESPLOADER_OK);
    if (t->stub)
        assert_int_equal(h_run_stub(h), ESPLOADER_OK);
    h_arm(h);
    return h;
}

/* Write data through the pipeline; returns the virtual time it took. */
static uint64_t write(harness_t *h, const esploader_compressor_t *c, uint32_t flags,
                      esploader_write_job_t *job)
{
    static uint8_t work[0x4000 + 0x400];
    uint64_t t0 = h_now_us(h);
    memset(job, 0, sizeof(*job));
    job->offset = OFFSET;
    job->size = SIZE;
    job->data = data;
    job->compressor = c;
    job->work = work;
    job->work_size = sizeof(work);
    job->flags = flags;
    assert_int_equal(esploader_flash_write_job(&h->loader, job), ESPLOADER_OK);
    assert_int_equal(h_flash_diff(h, OFFSET, data, SIZE), -1);
    assert_true(esploader_flash_verified(&h->loader));
    return h_now_us(h) - t0;
}

static void test_full_write(void **state)
{
    static esploader_deflate_t z;
    size_t cap = ESPLOADER_DEFLATE_BOUND(SIZE), want;
    uint8_t *ref = malloc(cap);
    esploader_compressor_t c;
    mk_fwgen_t g;
    (void)state;
    assert_non_null(ref);
    mk_fwgen_init(&g, 21, false, 0x400d0000u, 0x3ffb0000u);
    mk_fwgen_fill(&g, MK_FW_CODE, data, SIZE / 2);
    mk_fwgen_fill(&g, MK_FW_RODATA, data + SIZE / 2, SIZE / 4);
    memset(data + SIZE * 3 / 4, 0xff, SIZE / 4);
    want = dc_compress(data, SIZE, ref, cap, 0, NULL);
    assert_true(want != (size_t)-1 && want < SIZE * 3 / 4);
    esploader_deflate_compressor(&c, &z, 0);
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        esploader_write_job_t job;
        harness_t *h = setup(&targets[t]);
        uint64_t tz = write(h, &c, 0, &job), tp;
        assert_int_equal(job.deflated, job.transfers);
        assert_true(job.deflated >= 1);
        assert_int_equal(job.wire, want); /* one run: the one-shot stream, byte count equal */
        h_free(h);
        h = setup(&targets[t]);
        tp = write(h, NULL, 0, &job);
        print_message("  %-8s %-4s 256 KB at 115200: plain %.2f s, core deflate %.2f s (%zu B "
                      "on the wire, %.1f %%): %.2fx\n",
                      h->chip->key, targets[t].stub ? "stub" : "rom", (double)tp / 1e6,
                      (double)tz / 1e6, want, 100.0 * (double)want / SIZE, (double)tp / (double)tz);
        h_free(h);
    }
    free(ref);
}

/* Reflash with one changed sector: only that run is sent, compressed, verified. */
static void test_changed_sector(void **state)
{
    static esploader_deflate_t z;
    esploader_compressor_t c;
    (void)state;
    esploader_deflate_compressor(&c, &z, 8);
    h_fill_pattern(old_data, SIZE, 5);
    memcpy(data, old_data, SIZE);
    data[0x13000 + 0x77] ^= 0x5a;
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        esploader_write_job_t job;
        harness_t *h = setup(&targets[t]);
        if (targets[t].chip == SIM_CHIP_ESP8266 && !targets[t].stub) {
            h_free(h);
            continue;
        }
        sim_flash_fill(h->sim, OFFSET, old_data, SIZE);
        write(h, &c, ESPLOADER_WRITE_SKIP_UNCHANGED, &job);
        assert_int_equal(job.changed, 0x1000);
        assert_int_equal(job.transfers, 1);
        assert_true(job.deflated == 1 || job.wire == 0x1000); /* compressed unless it grew */
        h_free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_write),
        cmocka_unit_test(test_changed_sector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
