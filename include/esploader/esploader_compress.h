/*
 * The compressor interface: a caller-provided streaming compressor whose output the loaders'
 * FLASH_DEFL_* commands inflate (docs/library.md, "Compressed writes through a compressor").
 *
 * The library never allocates and never compresses by itself: whoever wants compressed
 * writes passes an esploader_compressor_t (ops + ctx) to the write pipeline
 * (esploader_flash_write_job in esploader.h). On a Linux host that is the zlib adapter
 * (hostlib/esploader_zlib_compress.h); on an MCU it is the core's own small deflate, or any
 * other implementation of this contract. A program that never passes a compressor links none.
 *
 * CONTRACT (what the library relies on; an implementation must do exactly this)
 *
 * Output format. Each stream, from begin() until run() returns 1, is ONE complete zlib stream
 * (RFC 1950): the 2-byte header (CM = 8 deflate, CINFO <= 7, i.e. a window of at most 32 KB,
 * FDICT = 0: no preset dictionary, FCHECK valid), raw deflate data (RFC 1951, any block
 * types, the last block with BFINAL set), then the Adler-32 of the uncompressed bytes, big
 * endian. The ROM loaders and the flasher stubs inflate it incrementally with a 32 KB window;
 * the stream must inflate to exactly the bytes that were given to run().
 *
 * begin(ctx): forget everything and start a new stream (new header, empty window, Adler-32 =
 * 1). Called before every stream, and also to abandon a stream half-way (after an error, or
 * when the library decides to send the data uncompressed). Returns 0, or < 0 if the
 * compressor cannot start (then the write fails with that region named; nothing is sent).
 *
 * run(ctx, in, in_len, &in_used, out, out_cap, &out_len, finish): compress.
 *   - Consumes the first *in_used bytes of in[0..in_len) (0 <= *in_used <= in_len) and writes
 *     *out_len bytes to out[0..out_cap) (0 <= *out_len <= out_cap). Bytes not consumed are
 *     passed again, first, by the next call. The compressor may keep consumed input and
 *     pending output in its own ctx memory between calls (window, bit buffer, a block being
 *     built): output lags input, and that is fine.
 *   - finish = false: more input will follow. finish = true: in[0..in_len) is all the input
 *     that is left of this stream; the library keeps finish = true, passing what was not
 *     consumed, until run() returns 1.
 *   - Returns 0: progress made, call again. Whenever out_cap >= 1 and there is something to
 *     do (in_len > 0, or finish), a call returning 0 consumes at least one byte or writes at
 *     least one byte (no livelock). With finish = true it may return 0 with out full: the
 *     library then gives it fresh out space.
 *   - Returns 1: the stream is complete: all input consumed, the Adler-32 trailer written in
 *     full (these are the last bytes of *out_len). Only ever with finish = true. The next call
 *     for this ctx is begin().
 *   - Returns < 0: failure (e.g. the implementation's internal error). *in_used / *out_len are
 *     then undefined; the write fails with that error and the region named; nothing more of
 *     the stream is sent (the write returns ESPLOADER_ERR_HOST, the job keeps this value). The
 *     library calls begin() before using the compressor again.
 *   in may be NULL when in_len is 0. out is never NULL and out_cap is never 0.
 *
 * Determinism. The same sequence of calls after begin() (same input bytes in the same
 * chunks, same out_cap values, same finish flags) must give the same output bytes and the
 * same *in_used / *out_len results. The loaders' FLASH_DEFL_BEGIN announces the number of
 * compressed blocks before the first one is sent, and the pipeline holds only one block of
 * output, so it compresses each stream twice: a counting pass (output discarded) and a
 * sending pass, making identical calls both times. A compressor with hidden state across
 * begin() (a random seed, a time-based level, a dictionary carried over) breaks this; the
 * pipeline detects a sending pass that differs in length and fails the write with
 * ESPLOADER_ERR_HOST rather than send a stream the loader would misjudge.
 *
 * Stack and memory. Both functions run on the caller's stack, called from inside
 * esploader_flash_write_job(); their own stack use comes on top of the library's (see
 * docs/library.md). All memory they need lives in ctx, which the caller owns (no allocation
 * is required by the library; an implementation on a host may allocate in its own setup).
 * The library passes out buffers of at most one flash block (ROM 1 KB, stub 16 KB by
 * default) and input chunks of any size >= 1.
 */
#ifndef ESPLOADER_COMPRESS_H
#define ESPLOADER_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* run() results besides errors (< 0; an esploader_err_t or the implementation's own). */
#define ESPLOADER_COMPRESS_MORE 0 /* progress: call again */
#define ESPLOADER_COMPRESS_END  1 /* stream complete (finish was set, trailer written) */

typedef struct esploader_compressor_ops {
    int (*begin)(void *ctx);
    int (*run)(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
               size_t out_cap, size_t *out_len, bool finish);
} esploader_compressor_ops_t;

/* A compressor instance: its operations and its state (caller memory). */
typedef struct esploader_compressor {
    const esploader_compressor_ops_t *ops;
    void *ctx;
} esploader_compressor_t;

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_COMPRESS_H */
