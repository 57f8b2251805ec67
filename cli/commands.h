/* The command table: what each command needs, checks before connecting, and does. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "opts.h"
#include "session.h"

typedef struct cli_cmd {
    const char *name;
    const char *args;     /* usage after the name */
    const char *help;     /* one line */
    const char *details;  /* extra lines for `esploader COMMAND --help` (may be NULL) */
    unsigned need;        /* CLI_NEED_* */
    int min_pos, max_pos; /* positional argument counts (-1 = any) */
    /* Check the input and load files before any port is touched; CLI_EXIT_OK or an exit
     * code with the error reported. *ctx is handed to run(). */
    int (*prepare)(cli_opts_t *o, void **ctx);
    /* With a connected session (or only an open port, for need == 0 and no_connect). */
    int (*run)(cli_session_t *s, void *ctx);
    bool no_connect;
} cli_cmd_t;

const cli_cmd_t *cli_cmd_find(const char *name);
const cli_cmd_t *cli_cmd_table(int *count);

/* Shared by the write-like commands (commands_flash.c, commands_part.c). */
typedef struct cli_region {
    uint32_t addr;
    uint8_t *data;
    uint32_t len;
    const char *path;
} cli_region_t;

typedef struct cli_write_job {
    cli_region_t r[CLI_MAX_REGIONS];
    int count;
} cli_write_job_t;

int cli_job_add_file(cli_write_job_t *job, uint32_t addr, const char *path);
int cli_job_check_layout(cli_write_job_t *job);
/* Patch/check against the connected chip and flash size, then write (or verify) all. */
int cli_job_write(cli_session_t *s, cli_write_job_t *job);
int cli_job_verify(cli_session_t *s, cli_write_job_t *job);
/* Read flash into buf with progress. */
int cli_read_region(cli_session_t *s, uint32_t addr, uint8_t *buf, uint32_t size, const char *what);

extern const cli_cmd_t cli_cmds_info[];
extern const int cli_cmds_info_count;
extern const cli_cmd_t cli_cmds_flash[];
extern const int cli_cmds_flash_count;
extern const cli_cmd_t cli_cmds_part[];
extern const int cli_cmds_part_count;

#endif
