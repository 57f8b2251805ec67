#include "multi.h"
#include "timeline.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

int cli_run_board(const cli_opts_t *o, const cli_cmd_t *cmd, void *ctx, const char *port)
{
    cJSON_AddStringToObject(cli_result(), "port", port);
    cli_session_t s;
    int ec;
    if (cmd->conn == CLI_CONN_PORT) {
        ec = cli_port_open(&s, o, port);
        if (ec == CLI_EXIT_OK) {
            ec = cmd->run(&s, ctx);
        }
        cli_session_close(&s, false);
        return ec;
    }
    ec = cli_session_open(&s, o, port, cmd->need);
    if (ec == CLI_EXIT_OK) {
        ec = cmd->run(&s, ctx);
    }
    /* A command that left the loader itself (run) skips it; --after applies to the others, on
     * success only (a failed board stays in the loader, where it can be examined or retried). */
    bool after = ec == CLI_EXIT_OK && !cmd->leaves_loader;
    cli_session_close(&s, after);
    cli_tl_report(o->timings);
    return ec;
}

typedef struct board {
    const char *port;
    pid_t pid;
    int fd;
    char buf[65536];
    size_t len;
    uint32_t done, total;
    double rate;
    char what[32];
    char last[160];
    char error[512];
    cJSON *result;
    int exit_code;
    double start, end;
    int last_logged_pct;
} board_t;

static void handle_line(board_t *b, char *line, bool tty, bool json)
{
    char tag = line[0];
    const char *text = line[1] ? line + 2 : "";
    switch (tag) {
    case 'P': {
        unsigned d, t;
        double r;
        int n = 0;
        if (sscanf(text, "%u %u %lf %n", &d, &t, &r, &n) >= 3) {
            b->done = d;
            b->total = t;
            b->rate = r;
            snprintf(b->what, sizeof(b->what), "%s", text + n);
            int pct = t ? (int)((uint64_t)d * 100 / t) : 100;
            if (!tty && !json && pct / 25 != b->last_logged_pct / 25) {
                printf("[%s] %s %d %%\n", b->port, b->what, pct);
                fflush(stdout);
                b->last_logged_pct = pct;
            }
        }
        break;
    }
    case 'J':
        cJSON_Delete(b->result);
        b->result = cJSON_Parse(text);
        break;
    case 'E':
        snprintf(b->error, sizeof(b->error), "%s", text);
        __attribute__((fallthrough)); /* errors are shown as they happen too */
    default:
        snprintf(b->last, sizeof(b->last), "%s", text);
        if (!tty && !json) {
            printf("[%s] %s%s\n", b->port,
                   tag == 'E'   ? "error: "
                   : tag == 'W' ? "warning: "
                                : "",
                   text);
            fflush(stdout);
        }
        if (tag == 'P' || tag == 'I') {
            b->last_logged_pct = -100;
        }
        break;
    }
}

static void draw(board_t *bs, int n, bool first)
{
    if (!first) {
        printf("\033[%dA", n);
    }
    for (int i = 0; i < n; i++) {
        board_t *b = &bs[i];
        char status[600];
        if (b->pid == 0) {
            snprintf(status, sizeof(status), "%s",
                     b->exit_code == 0 ? "done" : (b->error[0] ? b->error : "FAILED"));
        } else if (b->total) {
            int pct = (int)((uint64_t)b->done * 100 / b->total);
            snprintf(status, sizeof(status), "%-8s %3d%% %7.1f KB/s", b->what, pct, b->rate / 1024);
        } else {
            snprintf(status, sizeof(status), "%s", b->last);
        }
        printf("\033[2K%-28.28s %.90s\n", b->port, status);
    }
    fflush(stdout);
}

int cli_multi_run(const cli_opts_t *o, const cli_cmd_t *cmd, void *ctx)
{
    int n = o->port_count;
    board_t *bs = calloc((size_t)n, sizeof(board_t));
    if (!bs) {
        return CLI_EXIT_FAILED;
    }
    bool json = o->json;
    bool tty = !json && isatty(STDOUT_FILENO);
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < n; i++) {
        board_t *b = &bs[i];
        b->port = o->ports[i];
        b->last_logged_pct = -100;
        snprintf(b->last, sizeof(b->last), "connecting");
        int p[2];
        if (pipe(p) != 0) {
            fprintf(stderr, "error: pipe: %s\n", strerror(errno));
            return CLI_EXIT_FAILED;
        }
        b->start = cli_now_s();
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "error: fork: %s\n", strerror(errno));
            return CLI_EXIT_FAILED;
        }
        if (pid == 0) {
            /* Worker: everything goes to the parent as tagged lines. */
            close(p[0]);
            for (int k = 0; k < i; k++) {
                close(bs[k].fd);
            }
            cli_out_init(CLI_OUT_WORKER, p[1], o->verbose);
            cJSON_AddStringToObject(cli_result(), "command", cmd->name);
            int ec = cli_run_board(o, cmd, ctx, b->port);
            cli_out_finish(ec);
            close(p[1]);
            _exit(ec);
        }
        close(p[1]);
        b->pid = pid;
        b->fd = p[0];
    }
    if (tty) {
        draw(bs, n, true);
    }
    int open_fds = n;
    double last_draw = 0;
    while (open_fds > 0) {
        struct pollfd pfds[CLI_MAX_PORTS];
        int map[CLI_MAX_PORTS], k = 0;
        for (int i = 0; i < n; i++) {
            if (bs[i].fd >= 0) {
                pfds[k].fd = bs[i].fd;
                pfds[k].events = POLLIN;
                map[k++] = i;
            }
        }
        int r = poll(pfds, (nfds_t)k, 200);
        if (r < 0 && errno != EINTR) {
            break;
        }
        for (int j = 0; j < k && r > 0; j++) {
            if (!pfds[j].revents) {
                continue;
            }
            board_t *b = &bs[map[j]];
            if (b->len >= sizeof(b->buf) - 1) {
                b->len = 0; /* an absurdly long line: drop it rather than stall */
            }
            ssize_t got = read(b->fd, b->buf + b->len, sizeof(b->buf) - 1 - b->len);
            if (got <= 0) {
                close(b->fd);
                b->fd = -1;
                open_fds--;
                int st = 0;
                waitpid(b->pid, &st, 0);
                b->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : CLI_EXIT_FAILED;
                b->pid = 0;
                b->end = cli_now_s();
                if (!WIFEXITED(st)) {
                    snprintf(b->error, sizeof(b->error), "worker crashed (signal %d)",
                             WIFSIGNALED(st) ? WTERMSIG(st) : 0);
                }
                continue;
            }
            b->len += (size_t)got;
            b->buf[b->len] = '\0';
            char *start = b->buf, *nl;
            while ((nl = strchr(start, '\n')) != NULL) {
                *nl = '\0';
                handle_line(b, start, tty, json);
                start = nl + 1;
            }
            b->len = strlen(start);
            memmove(b->buf, start, b->len + 1);
        }
        if (tty && cli_now_s() - last_draw > 0.2) {
            draw(bs, n, false);
            last_draw = cli_now_s();
        }
    }
    if (tty) {
        draw(bs, n, false);
    }

    int ok = 0, common = -1;
    for (int i = 0; i < n; i++) {
        if (bs[i].exit_code == 0) {
            ok++;
        } else if (common == -1) {
            common = bs[i].exit_code;
        } else if (common != bs[i].exit_code) {
            common = CLI_EXIT_SOME_FAILED;
        }
    }
    int ec = ok == n ? CLI_EXIT_OK : common;
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "command", cmd->name);
        cJSON *arr = cJSON_AddArrayToObject(root, "boards");
        for (int i = 0; i < n; i++) {
            cJSON *r = bs[i].result ? bs[i].result : cJSON_CreateObject();
            bs[i].result = NULL;
            if (!cJSON_GetObjectItem(r, "port")) {
                cJSON_AddStringToObject(r, "port", bs[i].port);
            }
            cJSON_DeleteItemFromObject(r, "exit_code");
            cJSON_AddNumberToObject(r, "exit_code", bs[i].exit_code);
            cJSON_AddNumberToObject(r, "seconds", bs[i].end - bs[i].start);
            cJSON_AddItemToArray(arr, r);
        }
        cJSON_AddBoolToObject(root, "ok", ec == 0);
        cJSON_AddNumberToObject(root, "exit_code", ec);
        char *s = cJSON_Print(root);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(root);
    } else {
        printf("\n%-28s %-10s %-7s %8s  %s\n", "PORT", "CHIP", "RESULT", "TIME", "DETAIL");
        for (int i = 0; i < n; i++) {
            board_t *b = &bs[i];
            const cJSON *chip = b->result ? cJSON_GetObjectItem(b->result, "chip") : NULL;
            printf("%-28.28s %-10s %-7s %7.1fs  %s\n", b->port,
                   cJSON_IsString(chip) ? chip->valuestring : "-",
                   b->exit_code == 0 ? "OK" : "FAILED", b->end - b->start,
                   b->exit_code == 0 ? "" : b->error);
        }
        printf("%d of %d boards succeeded\n", ok, n);
    }
    for (int i = 0; i < n; i++) {
        cJSON_Delete(bs[i].result);
    }
    free(bs);
    return ec;
}
