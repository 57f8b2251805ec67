/*
 * The benchmark's standard workload: an ESP32 bootloader (~25 KB at 0x1000), a partition table
 * (3 KB at 0x8000) and a 1 MiB application (at 0x10000) whose bytes compress with zlib level 9
 * about as well as a real ESP-IDF app (55-65 %). Deterministic: the same bytes on every run.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_image {
    const char *name;
    uint32_t offset;
    uint8_t *data;
    uint32_t size;
} bench_image_t;

#define BENCH_NIMAGES 3

/* Fill imgs[0..2] (malloc'd data; free with bench_workload_free). 0 on success. */
int bench_workload_make(bench_image_t imgs[BENCH_NIMAGES]);
void bench_workload_free(bench_image_t imgs[BENCH_NIMAGES]);

/* Pseudo-firmware bytes: code-like instruction streams, string tables, pointer tables. */
void bench_fill_firmware(uint8_t *buf, size_t len, uint32_t seed);

/* The made-up ~10 KB flasher stub image the benchmark uploads (not executed by the sim). */
struct esploader_stub;
const struct esploader_stub *bench_stub_image(void);

#endif
