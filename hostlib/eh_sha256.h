/* SHA-256 (FIPS 180-4) for the host-side programs (CLI, esploader-mkimage): the digest ESP images
 * may carry after their checksum (docs/protocol.md §11.3). Not part of the core library. */
#ifndef EH_SHA256_H
#define EH_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct eh_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
} eh_sha256_ctx_t;

void eh_sha256_init(eh_sha256_ctx_t *c);
void eh_sha256_update(eh_sha256_ctx_t *c, const void *data, size_t len);
void eh_sha256_final(eh_sha256_ctx_t *c, uint8_t out[32]);
void eh_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
