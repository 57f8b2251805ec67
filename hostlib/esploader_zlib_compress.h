/*
 * The compressor interface (esploader/esploader_compress.h) on top of zlib, for Linux and
 * other hosts with zlib: used by the CLI, the tests and the benchmark. The library core never
 * links it; an MCU passes the core's own deflate instead.
 *
 *     esploader_compressor_t c;
 *     if (esploader_zlib_compressor_open(&c, 9) == 0) {
 *         ... esploader_flash_write_job() with job.compressor = &c ...
 *         esploader_zlib_compressor_close(&c);
 *     }
 *
 * The stream is zlib's deflate at the given level with the default 32 KB window (what esptool
 * sends), deterministic for a given call sequence as the contract requires.
 */
#ifndef ESPLOADER_ZLIB_COMPRESS_H
#define ESPLOADER_ZLIB_COMPRESS_H

#include "esploader/esploader_compress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Allocate a zlib deflate state at level (1..9; 0 = 6) and fill *c with its ops and ctx.
 * Returns 0, or -1 (bad level, out of memory). */
int esploader_zlib_compressor_open(esploader_compressor_t *c, int level);
/* Free what open allocated; *c is zeroed. Safe on a zeroed or already closed *c. */
void esploader_zlib_compressor_close(esploader_compressor_t *c);

#ifdef __cplusplus
}
#endif

#endif
