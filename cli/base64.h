/* Base64 (RFC 4648) decoding for the stub JSON's text/data fields. */
#ifndef CLI_BASE64_H
#define CLI_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decode text into a malloc'd buffer. Whitespace is skipped. Returns 0, or -1 on bad input. */
int cli_base64_decode(const char *text, uint8_t **out, size_t *out_len);

#endif
