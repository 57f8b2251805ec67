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
 * Find <chip>.json for --stub auto, first hit wins (docs/cli.md "The flasher stub"):
 *  1. $ESPLOADER_STUB_DIR, then its 2/ and 1/ subfolders (an esptool stub_flasher copy);
 *  2. npm esptool-js (lib/targets/stub_flasher), then npm esp-flasher-stub (stubs/), each in
 *     ./node_modules, next to the executable (../ and ../../), /usr/lib and /usr/local/lib;
 *  3. an esptool installed by pip or a distribution package: every site-/dist-packages folder
 *     ($PYTHONPATH, $VIRTUAL_ENV, ~/.local, pipx, pyenv, /usr/lib/python3/dist-packages,
 *     /usr/local/lib/python3.X/..., /usr/lib/python3.X/site-packages, ...) for
 *     esptool/targets/stub_flasher/2 (esp-flasher-stub), then the same for /1 (legacy).
 * Returns 0 with the path and, if source is not NULL, a static description of where it came
 * from; or -1 with the places tried in err.
 */
int cli_stub_find(esploader_chip_t chip, const char *argv0, char *path, size_t path_len,
                  const char **source, char *err, size_t err_len);

/* The same for a named stub of the chip (e.g. "esp32p4-rev1"). */
int cli_stub_find_named(esploader_chip_t chip, const char *name, const char *argv0, char *path,
                        size_t path_len, const char **source, char *err, size_t err_len);

/* Load and decode a stub JSON file. 0, or -1 with the reason in err. */
int cli_stub_load(const char *path, cli_stub_t *out, char *err, size_t err_len);
void cli_stub_free(cli_stub_t *s);

#endif
