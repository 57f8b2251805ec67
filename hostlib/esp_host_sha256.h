/* SHA-256 (FIPS 180-4) for the host-side programs (CLI, esploader-mkimage): the digest ESP images
 * may carry after their checksum (docs/protocol.md §11.3). Not part of the core library. */
#ifndef ESP_HOST_SHA256_H
#define ESP_HOST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct esp_host_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
} esp_host_sha256_t;

void esp_host_sha256_init(esp_host_sha256_t *c);
void esp_host_sha256_update(esp_host_sha256_t *c, const void *data, size_t len);
void esp_host_sha256_final(esp_host_sha256_t *c, uint8_t out[32]);
void esp_host_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
