/* Running a command on one board, and on many in parallel (one worker process per port). */
#ifndef CLI_MULTI_H
#define CLI_MULTI_H

#include "commands.h"

/* The command on one port: open, connect, run, --after, close. Returns an exit code. */
int cli_run_board(const cli_opts_t *o, const cli_cmd_t *cmd, void *ctx, const char *port);

/* Fork a worker per port, show a progress line per board and a summary; the exit code is
 * 0 if all succeeded, else the common failure code (or CLI_EXIT_SOME_FAILED). */
int cli_multi_run(const cli_opts_t *o, const cli_cmd_t *cmd, void *ctx);

#endif
