/* Connect diagnoses as text. Its own file: the strings are linked only by programs that ask. */
#include "loader.h"

const char *esploader_diag_str(esploader_connect_diag_t diag)
{
    switch (diag) {
    case ESPLOADER_DIAG_NO_SERIAL_DATA:
        return "nothing came back: check power, the port, and TX/RX wiring (crossed?)";
    case ESPLOADER_DIAG_WRONG_BOOT_MODE:
        return "the chip booted normally: BOOT/IO0 was not held low during reset";
    case ESPLOADER_DIAG_DOWNLOAD_NO_SYNC:
        return "the chip is in download mode but did not answer SYNC: check host TX -> chip RX";
    case ESPLOADER_DIAG_WRONG_CHIP:
        return "the detected chip differs from the configured one";
    case ESPLOADER_DIAG_UNKNOWN_CHIP:
        return "the chip answered but is not one libesploader knows";
    default:
        return "";
    }
}
