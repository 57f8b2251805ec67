/* Flasher-stub images loaded at run time from esptool-style stub JSON files. */
#ifndef CLI_STUB_H
#define CLI_STUB_H

#include <stddef.h>

#include "esploader/esploader.h"

typedef struct cli_stub {
    esploader_stub_t stub; /* points into text/data below */
    unsigned char *text, *data;
    char path[512];
} cli_stub_t;

/*
 * Find <chip>.json: $ESPLOADER_STUB_DIR, ./node_modules/esptool-js/lib/targets/stub_flasher,
 * <executable dir>/../node_modules/..., <executable dir>/../../node_modules/...,
 * /usr/lib/node_modules/esptool-js/..., /usr/local/lib/node_modules/esptool-js/...
 * Returns 0 and the path, or -1 with the places tried in err.
 */
int cli_stub_find(esploader_chip_t chip, const char *argv0, char *path, size_t path_len, char *err,
                  size_t err_len);

/* The same for a named stub of the chip (e.g. "esp32p4-rev1"). */
int cli_stub_find_named(esploader_chip_t chip, const char *name, const char *argv0, char *path,
                        size_t path_len, char *err, size_t err_len);

/* Load and decode a stub JSON file. 0, or -1 with the reason in err. */
int cli_stub_load(const char *path, cli_stub_t *out, char *err, size_t err_len);
void cli_stub_free(cli_stub_t *s);

#endif
