/*
 * esploader-bench --process: the same flash job against an esploader-sim *process* over
 * RFC2217 (baud and DTR/RTS travel with the link), timed with the wall clock. Slower (real
 * time) and noisier than the in-process run, but it is the setup other tools (esptool) can
 * be run against side by side.
 */
#ifndef BENCH_PROCESS_H
#define BENCH_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_job {
    uint32_t offset, size; /* where, and the uncompressed size */
    const uint8_t *z;      /* zlib stream */
    uint32_t zlen;
    uint8_t md5[16]; /* of the uncompressed bytes */
} bench_job_t;

/* Run the stub + compressed job at each baud against a fresh `sim_path --chip chip_key`
 * process per row. Prints one row per baud (CSV or table). Returns 0 if every row verified. */
int bench_process_run(const char *sim_path, const char *chip_key, const bench_job_t *jobs,
                      size_t njobs, const uint32_t *bauds, size_t nbauds, bool csv);

#endif
