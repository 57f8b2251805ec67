/*
 * SHA-256 (FIPS 180-4) for esploader-mkimage: ESP32-and-later images may carry a SHA-256 of
 * the whole image after the checksum byte (PROTOCOL.md §11.3). Written for the tools so they
 * depend on nothing but libc; small and unoptimised on purpose.
 */
#ifndef MKIMAGE_SHA256_H
#define MKIMAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct mk_sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t fill; /* bytes waiting in block */
} mk_sha256_t;

void mk_sha256_init(mk_sha256_t *s);
void mk_sha256_update(mk_sha256_t *s, const void *data, size_t len);
void mk_sha256_final(mk_sha256_t *s, uint8_t digest[32]);
/* One-shot convenience. */
void mk_sha256(const void *data, size_t len, uint8_t digest[32]);

#endif
