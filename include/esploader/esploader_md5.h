/* MD5 (RFC 1321), used to verify flash contents against what the host sent. No allocation. */
#ifndef ESPLOADER_MD5_H
#define ESPLOADER_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esploader_md5 {
    uint32_t state[4];
    uint32_t count_lo, count_hi; /* message length in bytes */
    uint8_t block[64];
} esploader_md5_t;

void esploader_md5_init(esploader_md5_t *ctx);
void esploader_md5_update(esploader_md5_t *ctx, const void *data, size_t len);
void esploader_md5_final(esploader_md5_t *ctx, uint8_t digest[16]);
/* One-shot: the MD5 of data[0..len). */
void esploader_md5(const void *data, size_t len, uint8_t digest[16]);

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_MD5_H */
