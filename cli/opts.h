/* The parsed command line, and the exit codes (docs/cli.md lists them for users). */
#ifndef CLI_OPTS_H
#define CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "esploader/esploader.h"

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,      /* the operation failed (I/O, timeout, the target refused) */
    CLI_EXIT_USAGE = 2,       /* bad command line or bad input; nothing was written */
    CLI_EXIT_PORT = 3,        /* the port could not be opened */
    CLI_EXIT_CONNECT = 4,     /* no connection to the loader (no data, wrong boot mode...) */
    CLI_EXIT_WRONG_CHIP = 5,  /* --chip does not match the connected chip */
    CLI_EXIT_VERIFY = 6,      /* flash contents differ from the file */
    CLI_EXIT_UNSUPPORTED = 7, /* this chip / loader cannot do that */
    CLI_EXIT_SOME_FAILED = 8, /* multi-board run: boards failed with different codes */
};

#define CLI_MAX_PORTS   64
#define CLI_MAX_REGIONS 32
#define CLI_MAX_POS     8

typedef enum cli_after {
    CLI_AFTER_HARD_RESET = 0,
    CLI_AFTER_SOFT_RESET,
    CLI_AFTER_NO_RESET,
    CLI_AFTER_NO_RESET_STUB,
    CLI_AFTER_WATCHDOG_RESET,
} cli_after_t;

typedef enum cli_compress {
    CLI_COMPRESS_DEFAULT = 0,
    CLI_COMPRESS_ON,
    CLI_COMPRESS_OFF
} cli_compress_t;

typedef struct cli_opts {
    const char *argv0;
    /* global */
    const char *ports[CLI_MAX_PORTS];
    int port_count;
    uint32_t baud;
    esploader_chip_t chip;
    const char *chip_source; /* where chip came from when not --chip (a flasher_args.json) */
    esploader_before_t before;
    const char *custom_reset; /* custom:"..." sequence text */
    cli_after_t after;
    const char *stub; /* "auto", "none" or a path */
    uint32_t connect_attempts;
    bool json, trace, timings;
    int verbose;
    const char *gpio_chip;
    bool gpio_boot_active_high, gpio_reset_active_high; /* boards with inverters */
    int gpio_boot, gpio_reset;
    int compress_level;
    uint32_t pt_offset;

    /* command */
    const char *command;
    const char *pos[CLI_MAX_POS * 2 + CLI_MAX_REGIONS * 2];
    int pos_count;
    cli_compress_t compress;
    const char *flash_mode, *flash_freq, *flash_size;
    bool no_verify, no_diff, force;
    const char *file; /* partition-table --file */
    bool erase_all;   /* write-flash --erase-all */
    int status_bytes; /* read/write-flash-status --bytes (1-3, default 2) */
    bool non_volatile;
    const char *output;      /* merge-bin -o */
    const char *format;      /* merge-bin --format raw|hex */
    uint32_t target_offset;  /* merge-bin -t */
    const char *pad_to_size; /* merge-bin --pad-to-size / --fill-flash-size */
} cli_opts_t;

#endif
