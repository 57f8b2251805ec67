/*
 * sim-pipeline-figures: what the write pipeline (esploader_flash_write_job) costs on the
 * in-process sim's virtual clock, for docs/library.md and the closing note. Not a timed
 * test: it prints figures; its exit status only says whether every write landed byte for byte
 * (the ctest sim_pipeline_figures checks that).
 *
 * Workload: the benchmark's 1 MiB pseudo-firmware app (bench/bench_workload.c, zlib -9 keeps
 * ~60 %) at 0x10000 on an ESP32, ROM loader and stub, at 460800 and 921600 baud (ROM: the
 * baud is raised in the ROM). Rows: plain, zlib level 9 (hostlib adapter), the core's deflate
 * (src/deflate.c through esploader_deflate_compressor). Per row: the first write onto erased
 * flash, an unchanged reflash, and a reflash with one 4 KB sector changed; for each the
 * virtual time of the write job (comparison + transfer + verification), the bytes sent to the
 * chip, and the SPI_FLASH_MD5 round trips.
 *
 * Usage: sim-pipeline-figures [--quick]   (--quick: 256 KB, one baud; for the ctest)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_workload.h"
#include "esploader/esploader_deflate.h"
#include "esploader_zlib_compress.h"
#include "sim_harness.h"

#define APP_AT 0x10000u

typedef struct figure {
    double ms;
    uint64_t to_chip;
    uint32_t md5s, wire;
} figure_t;

static int one(harness_t *h, const uint8_t *img, uint32_t size, const esploader_compressor_t *c,
               figure_t *f)
{
    static uint8_t work[0x4000];
    esploader_write_job_t job = {0};
    sim_stats_t s0, s1;
    uint64_t t0 = h_now_us(h);
    int rc;
    sim_get_stats(h->sim, &s0);
    job.offset = APP_AT;
    job.size = size;
    job.data = img;
    job.compressor = c;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    h_arm(h);
    rc = esploader_flash_write_job(&h->loader, &job);
    sim_get_stats(h->sim, &s1);
    f->ms = (double)(h_now_us(h) - t0) / 1000.0;
    f->to_chip = s1.bytes_from_host - s0.bytes_from_host;
    f->md5s = job.md5s;
    f->wire = job.wire;
    if (rc != ESPLOADER_OK || h_flash_diff(h, APP_AT, img, size) != -1 ||
        !esploader_flash_verified(&h->loader)) {
        fprintf(stderr, "write failed: %s\n", esploader_strerror(rc));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    static const uint32_t bauds[] = {460800, 921600};
    static const char *const modes[] = {"plain", "zlib-9", "core-deflate"};
    bench_image_t imgs[BENCH_NIMAGES];
    esploader_compressor_t zc, dc;
    static esploader_deflate_t dz;
    uint32_t size;
    uint8_t *changed;
    int bad = 0;

    if (bench_workload_make(imgs) != 0 || esploader_zlib_compressor_open(&zc, 9) != 0) {
        return 2;
    }
    esploader_deflate_compressor(&dc, &dz, 0);
    size = quick ? 0x40000u : imgs[2].size;
    changed = malloc(size);
    memcpy(changed, imgs[2].data, size);
    changed[0x23456 % size] ^= 0x5A; /* one sector changed */
    printf("sim-pipeline-figures: ESP32, %u B pseudo-firmware app at 0x%x, virtual clock\n",
           (unsigned)size, (unsigned)APP_AT);
    printf("%7s %4s %-12s | %9s %9s %7s %4s | %9s %9s %4s | %9s %9s %4s\n", "baud", "ldr", "mode",
           "first_ms", "to_chip", "wire%", "md5", "same_ms", "to_chip", "md5", "1sect_ms",
           "to_chip", "md5");
    for (size_t b = 0; b < (quick ? 1u : 2u); b++) {
        for (int stub = 0; stub < 2; stub++) {
            for (size_t m = 0; m < 3; m++) {
                const esploader_compressor_t *c = m == 0 ? NULL : m == 1 ? &zc : &dc;
                figure_t first, same, sect;
                harness_t *h = h_new(SIM_CHIP_ESP32, NULL);
                if (h == NULL || h_connect(h) != ESPLOADER_OK ||
                    (stub && h_run_stub(h) != ESPLOADER_OK) ||
                    esploader_change_baudrate(&h->loader, bauds[b]) != ESPLOADER_OK) {
                    fprintf(stderr, "setup failed\n");
                    return 2;
                }
                bad |= one(h, imgs[2].data, size, c, &first);
                bad |= one(h, imgs[2].data, size, c, &same);
                bad |= one(h, changed, size, c, &sect);
                printf("%7u %4s %-12s | %9.0f %9llu %6.1f%% %4u | %9.0f %9llu %4u | %9.0f %9llu "
                       "%4u\n",
                       (unsigned)bauds[b], stub ? "stub" : "rom", modes[m], first.ms,
                       (unsigned long long)first.to_chip, 100.0 * first.wire / size, first.md5s,
                       same.ms, (unsigned long long)same.to_chip, same.md5s, sect.ms,
                       (unsigned long long)sect.to_chip, sect.md5s);
                h_free(h);
            }
        }
    }
    printf("(first: onto erased flash; same: unchanged reflash; 1sect: one 4 KB sector "
           "changed. ms = the whole write job on the virtual clock: comparison MD5s, "
           "compression passes (host CPU, free on the virtual clock), transfer, run MD5s. "
           "wire%% = data bytes sent / image bytes)\n");
    esploader_zlib_compressor_close(&zc);
    bench_workload_free(imgs);
    free(changed);
    printf("%s\n", bad ? "FAILED" : "all writes verified, flash checked byte for byte");
    return bad ? 1 : 0;
}
