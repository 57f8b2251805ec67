/*
 * Everything the CLI tells the user goes through here, so that one command works the same in
 * three modes: text (a person at a terminal, or a log), --json (one JSON document on stdout),
 * and "worker" (a child of a multi-board run, which sends tagged lines to its parent).
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum cli_out_mode { CLI_OUT_TEXT, CLI_OUT_JSON, CLI_OUT_WORKER } cli_out_mode_t;

void cli_out_init(cli_out_mode_t mode, int worker_fd, int verbose);
cli_out_mode_t cli_out_mode(void);
int cli_out_verbose(void);

void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress of one named step: a bar with rate and ETA on a terminal, plain lines otherwise. */
void cli_progress(const char *what, uint32_t done, uint32_t total);

/* The command's result object (fields for --json; also carried to a multi-board parent). */
cJSON *cli_result(void);

/* Emit the result (JSON mode: print it; worker: send it to the parent) with the exit code. */
void cli_out_finish(int exit_code);

#endif
