/*
 * esploader-sim: a virtual Espressif chip behind a PTY, a raw TCP socket or an RFC2217
 * server. Usage in sim_app_args.c (--help) and docs/simulator-cli.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write the endpoint atomically, so a test polling for the file never reads half of it. */
static int write_port_file(const char *path, const char *endpoint)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (tmp == NULL) {
        return -1;
    }
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f != NULL) {
        bool ok = fprintf(f, "%s\n", endpoint) > 0;
        ok = fclose(f) == 0 && ok;
        if (ok && rename(tmp, path) == 0) {
            rc = 0;
        } else {
            remove(tmp);
        }
    }
    free(tmp);
    return rc;
}

int main(int argc, char **argv)
{
    sim_app_options_t opt;
    char err[512];
    if (sim_app_parse_args(argc, argv, &opt, err, sizeof(err)) != 0) {
        fprintf(stderr, "esploader-sim: %s\n", err);
        return 2;
    }
    if (opt.help) {
        sim_app_usage(stdout);
        return 0;
    }

    char endpoint[300];
    int fd;
    if (opt.frontend == SIM_APP_PTY) {
        char path[256];
        fd = sim_app_open_pty(path, sizeof(path), err, sizeof(err));
        snprintf(endpoint, sizeof(endpoint), "pty:%s", path);
    } else {
        const char *scheme = opt.frontend == SIM_APP_TCP ? "tcp" : "rfc2217";
        fd = sim_app_listen(scheme, opt.host, opt.port, opt.allow_remote, endpoint,
                            sizeof(endpoint), err, sizeof(err));
    }
    if (fd < 0) {
        fprintf(stderr, "esploader-sim: %s\n", err);
        return 1;
    }

    sim_t *sim = sim_new(&opt.sim, err, sizeof(err));
    if (sim == NULL) {
        fprintf(stderr, "esploader-sim: %s\n", err);
        close(fd);
        return 1;
    }

    if (opt.port_file != NULL && write_port_file(opt.port_file, endpoint) != 0) {
        fprintf(stderr, "esploader-sim: cannot write %s: %s\n", opt.port_file, strerror(errno));
        sim_free(sim);
        close(fd);
        return 1;
    }
    printf("esploader-sim: %s listening on %s\n", sim_chip_name(opt.sim.chip), endpoint);
    fflush(stdout);

    int rc = sim_app_serve(sim, &opt, fd);
    sim_free(sim); /* writes the flash file back */
    close(fd);
    return rc;
}
