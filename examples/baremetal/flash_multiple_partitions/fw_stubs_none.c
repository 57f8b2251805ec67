/* The firmware without flasher stubs (no esptool-js in node_modules at build time). */
#include "fw_stubs.h"

const esploader_stub_t *fw_stub_for(esploader_chip_t chip)
{
    (void)chip;
    return NULL;
}
