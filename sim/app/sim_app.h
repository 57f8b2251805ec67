/*
 * esploader-sim, the program: shared declarations of its parts (option parsing, endpoints,
 * the event loop). The RFC2217 codec has its own header (rfc2217_server.h).
 */
#ifndef SIM_APP_H
#define SIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "esp_sim.h"

typedef enum sim_app_frontend {
    SIM_APP_PTY = 0,
    SIM_APP_TCP,
    SIM_APP_RFC2217,
} sim_app_frontend_t;

typedef struct sim_app_options {
    sim_config_t sim;
    sim_app_frontend_t frontend;
    char host[256]; /* tcp / rfc2217: numeric address or name, brackets removed */
    char port[16];
    const char *port_file;
    bool allow_remote;
    bool quiet;
    bool trace; /* hex dump of both directions on stderr */
    bool help;
} sim_app_options_t;

/* sim_app_args.c: 0 ok, -1 with a message in err. */
int sim_app_parse_args(int argc, char **argv, sim_app_options_t *opt, char *err, size_t err_len);
void sim_app_usage(FILE *out);

/* sim_app_net.c: a listening socket for host:port; fills endpoint with "tcp:127.0.0.1:40123"
 * (scheme given) once bound. -1 with a message in err. */
int sim_app_listen(const char *scheme, const char *host, const char *port, bool allow_remote,
                   char *endpoint, size_t endpoint_len, char *err, size_t err_len);

/* sim_app_pty.c: a PTY master in raw mode; slave path in path. -1 with a message in err. */
int sim_app_open_pty(char *path, size_t path_len, char *err, size_t err_len);

/* sim_app_serve.c: run until SIGINT/SIGTERM (or a fatal error: returns non-zero). listen_fd is
 * the listening socket (tcp/rfc2217) or the PTY master. */
int sim_app_serve(sim_t *sim, const sim_app_options_t *opt, int listen_fd);

/* Monotonic microseconds. */
uint64_t sim_app_monotonic_us(void);

#endif
