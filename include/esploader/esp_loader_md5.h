/* MD5 (RFC 1321), used to verify flash contents against what the host sent. No allocation. */
#ifndef ESP_LOADER_MD5_H
#define ESP_LOADER_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esp_loader_md5 {
    uint32_t state[4];
    uint32_t count_lo, count_hi; /* message length in bytes */
    uint8_t block[64];
} esp_loader_md5_t;

void esp_loader_md5_init(esp_loader_md5_t *ctx);
void esp_loader_md5_update(esp_loader_md5_t *ctx, const void *data, size_t len);
void esp_loader_md5_final(esp_loader_md5_t *ctx, uint8_t digest[16]);

#ifdef __cplusplus
}
#endif

#endif /* ESP_LOADER_MD5_H */
