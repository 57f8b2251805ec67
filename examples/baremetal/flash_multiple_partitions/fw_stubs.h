/* Flasher stubs compiled into the firmware. The build generates fw_stubs.c in the BUILD
 * directory from esptool-js's stub JSONs (tools/stub-to-c.py) when node_modules has them; the
 * JSONs and the generated file are never committed. Without them fw_stubs_none.c answers NULL. */
#ifndef FW_STUBS_H
#define FW_STUBS_H

#include "esploader/esploader.h"

const esploader_stub_t *fw_stub_for(esploader_chip_t chip);

#endif
