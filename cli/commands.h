/* The command table: what each command needs, checks before connecting, and does. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "opts.h"
#include "session.h"

/* What a command needs to run: the dispatcher (main.c, multi.c) acts on this alone. */
typedef enum cli_conn {
    CLI_CONN_LOADER = 0,  /* open the port and connect to the loader (the usual case) */
    CLI_CONN_PORT,        /* only open the port: no protocol (reset) */
    CLI_CONN_NONE,        /* no board at all: run() gets s == NULL (image-info, merge-bin) */
    CLI_CONN_UNLESS_FILE, /* no board when --file gives the input, else like LOADER */
} cli_conn_t;

typedef struct cli_cmd {
    const char *name;
    /* Check the input and load files before any port is touched; CLI_EXIT_OK or an exit
     * code with the error reported. *ctx is handed to run(). May be NULL. */
    int (*prepare)(cli_opts_t *o, void **ctx);
    /* With a connected session (an open port for CLI_CONN_PORT, NULL when offline). */
    int (*run)(cli_session_t *s, void *ctx);
    cli_conn_t conn;
    unsigned need;        /* CLI_NEED_*: what the session sets up first */
    bool multi;           /* may run on several boards at once (-p repeated) */
    bool leaves_loader;   /* the command itself leaves the loader: --after does not apply */
    int min_pos, max_pos; /* positional argument counts (-1 = any) */
    const char *args;     /* usage after the name */
    const char *help;     /* one line */
    const char *details;  /* extra lines for `esploader COMMAND --help` (may be NULL) */
} cli_cmd_t;

/* The one command table (cmdtable.c), in --help order; *count entries. */
const cli_cmd_t *cli_cmd_table(int *count);
/* By name ('_' taken as '-', the esptool v4 spelling); NULL if unknown. */
const cli_cmd_t *cli_cmd_find(const char *name);
/* Does this invocation need a board? (CLI_CONN_NONE, or CLI_CONN_UNLESS_FILE with --file.) */
bool cli_cmd_offline(const cli_cmd_t *c, const cli_opts_t *o);

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

/* Erase a region after checking it against the flash size (commands_flash.c). */
int cli_erase(cli_session_t *s, uint32_t addr, uint32_t size);
/* The image chip-id check (no-op for non-images, ESP8266 and --force): CLI_EXIT_OK, or
 * CLI_EXIT_USAGE with the error reported. `against` names the other side ("the chip",
 * "--chip"); with force, a warning and CLI_EXIT_OK. */
int cli_check_image_chip(const cli_region_t *r, esploader_chip_t chip, const char *against,
                         bool force);

/* write-flash's --flash-mode/--flash-freq/--flash-size values (keep/detect allowed). */
int cli_check_flash_options(const cli_opts_t *o);
/* The CLI's version string (esploader --version, esploader version). */
const char *cli_version(void);

/* The handlers the table refers to (commands_info.c, commands_flash.c, commands_part.c). */
#define CLI_PREP(n) int n(cli_opts_t *o, void **ctx)
#define CLI_RUN(n)  int n(cli_session_t *s, void *ctx)
CLI_RUN(cli_run_chip_id);
CLI_RUN(cli_run_read_mac);
CLI_RUN(cli_run_flash_id);
CLI_PREP(cli_prep_read_mem);
CLI_RUN(cli_run_read_mem);
CLI_PREP(cli_prep_write_mem);
CLI_RUN(cli_run_write_mem);
CLI_PREP(cli_prep_load_ram);
CLI_RUN(cli_run_load_ram);
CLI_RUN(cli_run_run);
CLI_RUN(cli_run_reset);
CLI_PREP(cli_prep_pairs);
CLI_RUN(cli_run_write_flash);
CLI_RUN(cli_run_verify_flash);
CLI_PREP(cli_prep_flash_build);
CLI_PREP(cli_prep_read_flash);
CLI_RUN(cli_run_read_flash);
CLI_RUN(cli_run_erase_flash);
CLI_PREP(cli_prep_erase_region);
CLI_RUN(cli_run_erase_region);
CLI_PREP(cli_prep_part_table);
CLI_RUN(cli_run_part_table);
CLI_PREP(cli_prep_write_part);
CLI_RUN(cli_run_write_part);
CLI_PREP(cli_prep_part_name);
CLI_RUN(cli_run_read_part);
CLI_RUN(cli_run_erase_part);
CLI_RUN(cli_run_security_info);
CLI_PREP(cli_prep_dump_mem);
CLI_RUN(cli_run_dump_mem);
CLI_RUN(cli_run_version);
CLI_RUN(cli_run_read_flash_status);
CLI_PREP(cli_prep_write_flash_status);
CLI_RUN(cli_run_write_flash_status);
CLI_PREP(cli_prep_read_flash_sfdp);
CLI_RUN(cli_run_read_flash_sfdp);
CLI_PREP(cli_prep_image_info);
CLI_RUN(cli_run_image_info);
CLI_PREP(cli_prep_merge_bin);
CLI_RUN(cli_run_merge_bin);

#endif
