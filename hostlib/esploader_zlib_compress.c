/* The compressor interface on zlib's deflate (see esploader_zlib_compress.h). */
#include "esploader_zlib_compress.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct zctx {
    z_stream zs;
    int level;
    bool live;  /* deflateInit done */
    bool ended; /* Z_STREAM_END seen since the last begin */
} zctx_t;

static int z_begin(void *ctx)
{
    zctx_t *z = ctx;
    z->ended = false;
    if (!z->live) {
        memset(&z->zs, 0, sizeof(z->zs));
        if (deflateInit(&z->zs, z->level) != Z_OK) {
            return -1;
        }
        z->live = true;
        return 0;
    }
    return deflateReset(&z->zs) == Z_OK ? 0 : -1;
}

static int z_run(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                 size_t out_cap, size_t *out_len, bool finish)
{
    zctx_t *z = ctx;
    /* zlib counts in uInt: hand it at most UINT_MAX per call (the contract allows taking
     * less than offered). */
    uInt ni = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
    uInt no = out_cap > UINT_MAX ? UINT_MAX : (uInt)out_cap;
    int r;

    if (!z->live || z->ended) {
        return -1; /* run() without begin(), or after the stream ended */
    }
    z->zs.next_in = (Bytef *)(uintptr_t)in;
    z->zs.avail_in = ni;
    z->zs.next_out = out;
    z->zs.avail_out = no;
    r = deflate(&z->zs, finish && ni == in_len ? Z_FINISH : Z_NO_FLUSH);
    *in_used = ni - z->zs.avail_in;
    *out_len = no - z->zs.avail_out;
    if (r == Z_STREAM_END) {
        z->ended = true;
        return ESPLOADER_COMPRESS_END;
    }
    /* Z_BUF_ERROR only means "no progress possible" (nothing to do): not an error here. */
    return r == Z_OK || r == Z_BUF_ERROR ? ESPLOADER_COMPRESS_MORE : -1;
}

static const esploader_compressor_ops_t z_ops = {z_begin, z_run};

int esploader_zlib_compressor_open(esploader_compressor_t *c, int level)
{
    zctx_t *z;

    if (level == 0) {
        level = 6;
    }
    if (level < 1 || level > 9) {
        return -1;
    }
    z = calloc(1, sizeof(*z));
    if (z == NULL) {
        return -1;
    }
    z->level = level;
    c->ops = &z_ops;
    c->ctx = z;
    return 0;
}

void esploader_zlib_compressor_close(esploader_compressor_t *c)
{
    zctx_t *z = c->ctx;
    if (z != NULL && z->live) {
        deflateEnd(&z->zs);
    }
    free(z);
    c->ops = NULL;
    c->ctx = NULL;
}
