/* Small helpers of the CLI: numbers with size suffixes, whole-file I/O, allocation. */
#ifndef CLI_UTIL_H
#define CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "0x1000", "4096", "64k", "4MB", "1M" (K/M = 1024-based; a trailing B is allowed). */
bool cli_parse_u32(const char *s, uint32_t *out);

/* Read a whole file (malloc'd, *len bytes). Returns 0, or -1 with a message in err. */
int cli_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t err_len);
int cli_write_file(const char *path, const uint8_t *data, size_t len, char *err, size_t err_len);

void *cli_xmalloc(size_t n); /* aborts with a message on failure: the CLI can't go on */
char *cli_xstrdup(const char *s);

/* Seconds on the monotonic clock (durations, rates). */
double cli_now_s(void);

/* "4MB" / "512KB" / "1234 bytes", into buf. */
const char *cli_fmt_size(uint32_t bytes, char *buf, size_t len);

#endif
