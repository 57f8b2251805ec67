/* Chip names on the command line ("esp32c3", "ESP32-C3", "auto") and in file names. */
#ifndef CLI_CHIPNAME_H
#define CLI_CHIPNAME_H

#include <stdbool.h>

#include "esploader/esploader.h"

/* Accepts any case, with or without dashes; "auto" gives ESPLOADER_CHIP_AUTO. */
bool cli_chip_parse(const char *name, esploader_chip_t *out);
/* "ESP32-C3" (the library's name), or "auto". */
const char *cli_chip_name(esploader_chip_t chip);
/* "esp32c3": lowercase without dashes, as esptool and stub file names spell it. */
const char *cli_chip_slug(esploader_chip_t chip);

#endif
