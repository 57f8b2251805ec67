/*
 * The port interface: how libesploader talks to a host's serial link, reset lines and clock.
 *
 * A port is a table of functions plus an opaque context pointer, both owned by the caller
 * (see esploader_config_t). A port holds no protocol logic and keeps no timer state: every
 * call that may wait gets the time it may take from the library, which computes one deadline
 * per transaction from now_ms().
 */
#ifndef ESPLOADER_PORT_H
#define ESPLOADER_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "esploader_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Line states for set_lines(). */
#define ESPLOADER_LINE_RELEASE 0    /* de-asserted: pin high (idle) */
#define ESPLOADER_LINE_ASSERT  1    /* asserted: pin at 0 V (both lines are active-low) */
#define ESPLOADER_LINE_KEEP    (-1) /* leave this line as it is */

/* The pin level (0 = low, 1 = high) a port drives for ESPLOADER_LINE_ASSERT / _RELEASE: asserted
 * is low, unless the line is active-high (a board with an inverter between host pin and EN /
 * IO0). For ports that drive GPIOs; -1 for ESPLOADER_LINE_KEEP. */
static inline int esploader_line_level(int action, int active_high)
{
    if (action == ESPLOADER_LINE_KEEP) {
        return -1;
    }
    return (action == ESPLOADER_LINE_ASSERT) == (active_high != 0);
}

typedef struct esploader_port_ops {
    /*
     * Send len bytes. Return 0 once all of them are handed to the transport,
     * ESPLOADER_ERR_TIMEOUT if that did not happen within timeout_ms, or another negative
     * esploader_err_t on failure. Required.
     */
    int32_t (*write)(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms);

    /*
     * Read whatever is available, up to len bytes, waiting at most timeout_ms for the first
     * byte. Return the number of bytes read (> 0), 0 when nothing arrived in time, or a
     * negative esploader_err_t on failure. The library always asks for many bytes at once;
     * a port must not force one call per byte. Required.
     */
    int32_t (*read)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);

    /*
     * Drive the two reset-related lines, each ESPLOADER_LINE_ASSERT / _RELEASE / _KEEP.
     * Serial ports: dtr and rts are the modem lines (an auto-reset circuit turns them into
     * IO0 and EN). Hosts wired straight to the target's pins: dtr = BOOT (IO0), rts = RESET
     * (EN); "assert" drives the pin low. When both change, the port should change them as
     * close together as it can (TIOCMSET on Linux). NULL when the link has no such lines
     * (then no reset is possible and the library says so).
     */
    int32_t (*set_lines)(void *ctx, int dtr, int rts);

    /* Change the host side of the link to baud. NULL when the link has no baud rate. */
    int32_t (*set_baudrate)(void *ctx, uint32_t baud);

    /* Wait ms milliseconds. Required. */
    void (*delay_ms)(void *ctx, uint32_t ms);

    /* A monotonic millisecond clock (wraps at 2^32; the library uses unsigned differences).
     * Required. Tests replace it with a virtual clock. */
    uint32_t (*now_ms)(void *ctx);
} esploader_port_ops_t;

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_PORT_H */
