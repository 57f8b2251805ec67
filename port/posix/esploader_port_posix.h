/*
 * libesploader port for POSIX hosts (Linux, macOS, a Raspberry Pi): a serial device (termios,
 * any baud on Linux via termios2/BOTHER, DTR/RTS), socket://host:port (raw TCP, no lines, no
 * baud), rfc2217://host:port[?ign_set_control] (telnet COM-PORT option: baud and DTR/RTS), and
 * optionally GPIO BOOT/RESET lines through libgpiod. Uses malloc and the OS; the core does not.
 */
#ifndef ESPLOADER_PORT_POSIX_H
#define ESPLOADER_PORT_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esploader_posix_port esploader_posix_port_t;

typedef struct esploader_posix_options {
    uint32_t baud;             /* 0 = 115200 */
    const char *gpio_chip;     /* e.g. "gpiochip0": drive BOOT/RESET by GPIO instead of DTR/RTS */
    int gpio_boot, gpio_reset; /* line offsets (used when gpio_chip is set) */
    /* Non-zero: that GPIO line is active-high (asserted = driven high; boards with an inverter).
     * Default 0: asserted = low, as DTR/RTS through the usual auto-reset transistors. */
    int gpio_boot_active_high, gpio_reset_active_high;
    int exclusive; /* non-zero: take an exclusive lock on the device (TIOCEXCL) */
} esploader_posix_options_t;

/* Open a device path or URL. On failure returns a negative esploader_err_t and writes a
 * human-readable reason (with a hint, e.g. how to fix "permission denied") into err. */
int esploader_posix_open(esploader_posix_port_t **out, const char *path_or_url,
                         const esploader_posix_options_t *opt, char *err, size_t err_len);
void esploader_posix_close(esploader_posix_port_t *p);

/* The ops table; port_ctx must be the esploader_posix_port_t *. */
extern const esploader_port_ops_t esploader_posix_ops;

#ifdef __cplusplus
}
#endif

#endif
