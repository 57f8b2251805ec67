/* SHA-256 (FIPS 180-4), for recomputing the digest appended to ESP images after patching. */
#ifndef CLI_SHA256_H
#define CLI_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
} cli_sha256_t;

void cli_sha256_init(cli_sha256_t *c);
void cli_sha256_update(cli_sha256_t *c, const void *data, size_t len);
void cli_sha256_final(cli_sha256_t *c, uint8_t out[32]);
void cli_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
