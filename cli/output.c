#include "output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static struct {
    cli_out_mode_t mode;
    int worker_fd;
    int verbose;
    cJSON *result;
    bool tty;
    /* progress state */
    char what[64];
    double start;
    int last_pct;
    double last_emit;
    bool bar_open;
} g = {.worker_fd = -1, .last_pct = -1};

void cli_out_init(cli_out_mode_t mode, int worker_fd, int verbose)
{
    g.mode = mode;
    g.worker_fd = worker_fd;
    g.verbose = verbose;
    g.tty = isatty(STDOUT_FILENO) != 0;
    if (g.result) {
        cJSON_Delete(g.result);
    }
    g.result = cJSON_CreateObject();
}

cli_out_mode_t cli_out_mode(void)
{
    return g.mode;
}

int cli_out_verbose(void)
{
    return g.verbose;
}

cJSON *cli_result(void)
{
    if (!g.result) {
        g.result = cJSON_CreateObject();
    }
    return g.result;
}

/* Worker lines: "<tag> <text>\n"; newlines inside the text would break the framing. */
static void worker_send(char tag, const char *text)
{
    size_t n = strlen(text);
    char *line = malloc(n + 4);
    if (!line) {
        return;
    }
    line[0] = tag;
    line[1] = ' ';
    for (size_t i = 0; i < n; i++) {
        line[2 + i] = text[i] == '\n' ? ' ' : text[i];
    }
    line[n + 2] = '\n';
    size_t off = 0, total = n + 3;
    while (off < total) {
        ssize_t w = write(g.worker_fd, line + off, total - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    free(line);
}

static void close_bar(void)
{
    if (g.bar_open) {
        fputc('\n', stdout);
        fflush(stdout);
        g.bar_open = false;
    }
}

static void emit(char tag, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    switch (g.mode) {
    case CLI_OUT_WORKER:
        worker_send(tag, buf);
        if (tag == 'E') {
            cJSON_DeleteItemFromObjectCaseSensitive(cli_result(), "error");
            cJSON_AddStringToObject(cli_result(), "error", buf);
        }
        break;
    case CLI_OUT_JSON:
        if (tag == 'W') {
            cJSON *w = cJSON_GetObjectItemCaseSensitive(cli_result(), "warnings");
            if (!w) {
                w = cJSON_AddArrayToObject(cli_result(), "warnings");
            }
            cJSON_AddItemToArray(w, cJSON_CreateString(buf));
        } else if (tag == 'E') {
            cJSON_DeleteItemFromObjectCaseSensitive(cli_result(), "error");
            cJSON_AddStringToObject(cli_result(), "error", buf);
            fprintf(stderr, "esploader: error: %s\n", buf);
        } else if (tag == 'D') {
            fprintf(stderr, "%s\n", buf);
        }
        break;
    default:
        close_bar();
        if (tag == 'I') {
            fprintf(stdout, "%s\n", buf);
            fflush(stdout);
        } else if (tag == 'W') {
            fprintf(stderr, "warning: %s\n", buf);
        } else if (tag == 'E') {
            fprintf(stderr, "error: %s\n", buf);
        } else {
            fprintf(stderr, "%s\n", buf);
        }
        break;
    }
}

void cli_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit('I', fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit('W', fmt, ap);
    va_end(ap);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit('E', fmt, ap);
    va_end(ap);
}

void cli_debug(const char *fmt, ...)
{
    if (!g.verbose) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    emit('D', fmt, ap);
    va_end(ap);
}

static void fmt_eta(double s, char *buf, size_t len)
{
    if (s < 0 || s > 359999) {
        snprintf(buf, len, "--:--");
        return;
    }
    unsigned t = (unsigned)(s + 0.5);
    snprintf(buf, len, "%u:%02u", t / 60, t % 60);
}

void cli_progress(const char *what, uint32_t done, uint32_t total)
{
    double now = cli_now_s();
    if (strncmp(g.what, what, sizeof(g.what) - 1) != 0 || done == 0) {
        if (strncmp(g.what, what, sizeof(g.what) - 1) != 0 || g.last_pct >= 0) {
            close_bar();
        }
        snprintf(g.what, sizeof(g.what), "%s", what);
        g.start = now;
        g.last_pct = -1;
        g.last_emit = 0;
    }
    int pct = total ? (int)((uint64_t)done * 100u / total) : 100;
    double elapsed = now - g.start;
    double rate = elapsed > 0.05 ? (double)done / elapsed : 0;
    switch (g.mode) {
    case CLI_OUT_JSON:
        return;
    case CLI_OUT_WORKER: {
        if (pct == g.last_pct && now - g.last_emit < 0.25 && done != total) {
            return;
        }
        char buf[160];
        snprintf(buf, sizeof(buf), "%u %u %.0f %s", (unsigned)done, (unsigned)total, rate, what);
        worker_send('P', buf);
        g.last_pct = pct;
        g.last_emit = now;
        return;
    }
    default:
        break;
    }
    if (g.tty) {
        if (pct == g.last_pct && now - g.last_emit < 0.2 && done != total) {
            return;
        }
        char eta[16];
        fmt_eta(rate > 0 ? (double)(total - done) / rate : -1, eta, sizeof(eta));
        int fill = pct / 4;
        char bar[26];
        for (int i = 0; i < 25; i++) {
            bar[i] = i < fill ? '#' : '.';
        }
        bar[25] = '\0';
        fprintf(stdout, "\r%-18s [%s] %3d%% %8.1f KB/s  ETA %s ", what, bar, pct, rate / 1024, eta);
        fflush(stdout);
        g.bar_open = true;
        if (done >= total) {
            close_bar();
        }
    } else {
        /* Logs: a line per 10 % step. */
        if (pct / 10 == g.last_pct / 10 && g.last_pct >= 0) {
            return;
        }
        fprintf(stdout, "%s: %u/%u bytes (%d %%), %.1f KB/s\n", what, (unsigned)done,
                (unsigned)total, pct, rate / 1024);
        fflush(stdout);
    }
    g.last_pct = pct;
    g.last_emit = now;
}

void cli_out_finish(int exit_code)
{
    close_bar();
    cJSON *r = cli_result();
    cJSON_DeleteItemFromObjectCaseSensitive(r, "ok");
    cJSON_DeleteItemFromObjectCaseSensitive(r, "exit_code");
    cJSON_AddBoolToObject(r, "ok", exit_code == 0);
    cJSON_AddNumberToObject(r, "exit_code", exit_code);
    if (g.mode == CLI_OUT_JSON) {
        char *s = cJSON_Print(r);
        if (s) {
            fprintf(stdout, "%s\n", s);
            free(s);
        }
        fflush(stdout);
    } else if (g.mode == CLI_OUT_WORKER) {
        char *s = cJSON_PrintUnformatted(r);
        if (s) {
            worker_send('J', s);
            free(s);
        }
    }
}
