/* One connection to one board: open the port, connect (with diagnostics), stub, baud, flash. */
#ifndef CLI_SESSION_H
#define CLI_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "esploader_port_posix.h"
#include "esploader/esploader.h"
#include "opts.h"

typedef struct cli_session {
    esploader_t loader;
    esploader_config_t cfg;
    esploader_port_ops_t ops;
    esploader_posix_port_t *port;
    const cli_opts_t *o;
    const char *port_name;
    bool tcp, rfc2217, has_lines;
    bool stub;
    uint32_t baud;        /* the link's rate after a CHANGE_BAUDRATE, 0 = still the connect rate */
    uint32_t baud_failed; /* the rate whose CHANGE_BAUDRATE failed last (baud fall-back) */
    int baud_fail_rc;     /* and why */
    uint32_t flash_size;  /* bytes: detected or from --flash-size; 0 = unknown */
    esploader_reset_step_t custom[64];
} cli_session_t;

/* What a command needs from the session. */
#define CLI_NEED_STUB  1u /* load the stub (unless --no-stub / unavailable) */
#define CLI_NEED_FLASH 2u /* detect / set the flash size */
#define CLI_NEED_BAUD  4u /* raise the baud rate (long transfers) */

/* Open and connect. Returns CLI_EXIT_OK or an exit code, with the error already reported. */
int cli_session_open(cli_session_t *s, const cli_opts_t *o, const char *port, unsigned need);
/* Apply --after, then close. */
int cli_session_close(cli_session_t *s, bool run_after);

/* An exit code for a library error (reported by the caller). */
int cli_exit_for(int err);
/* "timeout (no answer from the chip)" plus the target's reason when it refused. */
const char *cli_errtext(cli_session_t *s, int err, char *buf, size_t len);

/* Report "<what> failed: <reason>" and return the exit code for the library error rc. */
int cli_lib_fail(cli_session_t *s, const char *what, int rc);
/* What the chip printed while being reset, one line, unprintable bytes as '.'; returns buf. */
const char *cli_boot_log_text(cli_session_t *s, char *buf, size_t len);

/* --after watchdog-reset (watchdog.c): 0, or ESPLOADER_ERR_UNSUPPORTED for a chip without it. */
int cli_watchdog_reset(cli_session_t *s);

/* Just the port (for `reset`, which needs no loader). */
int cli_port_open(cli_session_t *s, const cli_opts_t *o, const char *port);

/* Why the loader refused an operation with ESPLOADER_ERR_UNSUPPORTED ("verification ..."): Secure
 * Download Mode, the ESP8266 ROM, or the loader in general. Static buffer. */
const char *cli_unsupported_why(cli_session_t *s, const char *what);

#endif
