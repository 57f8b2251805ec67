/* Test data rebuilt from the descriptions in tests/traces (not from our own code). */
#ifndef TRACE_DATA_H
#define TRACE_DATA_H

#include <stddef.h>
#include <stdint.h>

#define SMALL_BIN_LEN 3072

/* small.bin of the traces: bytes 00..FF, then "ESP serial-loader trace test data, line NNNN.\n"
 * lines from 0000, cut at 3072 bytes. md5 8ecca04c7c65c51c2b242d533d8630d7. */
void small_bin(uint8_t out[SMALL_BIN_LEN]);

/* Parse "c0 01 0a ..." hex text (spaces allowed) into out; returns the byte count. */
size_t hex_bytes(const char *text, uint8_t *out, size_t cap);

#endif
