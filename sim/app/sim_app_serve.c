/*
 * The event loop: one chip, one client at a time, real time. The chip model runs on
 * CLOCK_MONOTONIC microseconds; the loop sleeps in poll() until the client sends something or
 * the chip's next byte is due, so replies leave paced at the chip's UART baud.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim_app.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rfc2217_server.h"

/* Stop pulling chip output while this much is still waiting for a slow client. */
#define OUT_HIGH_WATER (64u * 1024u)
/* How often to look whether a PTY client has opened the slave again. */
#define PTY_HUP_POLL_MS 20

typedef struct app {
    sim_t *sim;
    const sim_app_options_t *opt;
    int listen_fd; /* listening socket, or -1 for the PTY */
    int client_fd; /* connected client, or the PTY master */
    bool pty_hung_up;
    uint64_t clock_offset; /* added to the monotonic clock (boot skip) */
    uint64_t start_us;
    uint8_t *out;
    size_t out_len, out_cap;
    rfc2217_server_t rfc;
    uint32_t host_baud;      /* last baud given to sim_set_host_baud */
    uint32_t chip_baud_seen; /* the chip's UART baud when we last looked (tcp/pty) */
} app_t;

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    const char c = 1;
    ssize_t r = write(stop_pipe[1], &c, 1);
    (void)r;
}

uint64_t sim_app_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t now_us(const app_t *a)
{
    return sim_app_monotonic_us() - a->start_us + a->clock_offset;
}

static void note(const app_t *a, const char *msg, const char *arg)
{
    if (!a->opt->quiet) {
        fprintf(stderr, "esploader-sim: %s%s\n", msg, arg ? arg : "");
    }
}

/* --trace: one line per chunk, "[  12.345 ms] H->C 46: c0 00 08 ...". */
static void trace(const app_t *a, const char *dir, const uint8_t *d, size_t n)
{
    if (!a->opt->trace || n == 0) {
        return;
    }
    fprintf(stderr, "[%10.3f ms] %s %zu:", (double)now_us(a) / 1000.0, dir, n);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, " %02x", d[i]);
    }
    fputc('\n', stderr);
}

static void out_append(app_t *a, const uint8_t *d, size_t n)
{
    if (a->out_len + n > a->out_cap) {
        size_t cap = a->out_cap ? a->out_cap : 4096;
        while (cap < a->out_len + n) {
            cap *= 2;
        }
        uint8_t *p = realloc(a->out, cap);
        if (p == NULL) {
            return; /* out of memory: drop, like an overrun */
        }
        a->out = p;
        a->out_cap = cap;
    }
    memcpy(a->out + a->out_len, d, n);
    a->out_len += n;
}

static void close_client(app_t *a)
{
    if (a->listen_fd >= 0 && a->client_fd >= 0) {
        close(a->client_fd);
        a->client_fd = -1;
        note(a, "client disconnected", NULL);
    }
    a->out_len = 0;
}

/* Send what is buffered, as far as the client takes it without blocking. */
static void flush_out(app_t *a)
{
    size_t off = 0;
    while (off < a->out_len && a->client_fd >= 0) {
        ssize_t w;
        if (a->listen_fd >= 0) {
            w = send(a->client_fd, a->out + off, a->out_len - off, MSG_NOSIGNAL);
        } else {
            w = write(a->client_fd, a->out + off, a->out_len - off);
        }
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (a->listen_fd >= 0) {
            close_client(a);
            return;
        }
        /* PTY: EIO means nobody holds the slave; the bytes are lost like on an open wire. */
        a->pty_hung_up = true;
        off = a->out_len;
    }
    if (off > 0) {
        memmove(a->out, a->out + off, a->out_len - off);
        a->out_len -= off;
    }
}

/*
 * On TCP and PTY the host's baud is not observable, so the host side follows the chip's own
 * changes (CHANGE_BAUDRATE, the ROM's auto-baud) and nothing gets garbled by a mismatch that no
 * client could have avoided. Two details keep that true at the switch:
 *  - follow only while none of the chip's output is in flight, or just before host bytes go
 *    in: the reply to CHANGE_BAUDRATE still travels at the old rate;
 *  - follow changes of the chip's baud, not its value: after a reset the host stays at 115200
 *    and the ROM auto-bauds to it on SYNC (the ESP8266 boots at 74880).
 */
static void follow_chip_baud(app_t *a, bool host_bytes_next)
{
    if (a->opt->frontend == SIM_APP_RFC2217) {
        return;
    }
    uint32_t b = sim_uart_baud(a->sim);
    if (b == a->chip_baud_seen) {
        return;
    }
    if (!host_bytes_next && sim_next_event_us(a->sim) != UINT64_MAX) {
        return;
    }
    a->chip_baud_seen = b;
    if (b != a->host_baud) {
        a->host_baud = b;
        sim_set_host_baud(a->sim, b);
    }
}

/* After a reset: the host is at 115200 again, the chip at its boot rate. */
static void baud_after_reset(app_t *a)
{
    a->chip_baud_seen = sim_uart_baud(a->sim);
    a->host_baud = 115200;
    sim_set_host_baud(a->sim, a->host_baud);
}

/* Move the chip's output to the client (or nowhere, when nobody listens). */
static void pump_chip(app_t *a)
{
    uint8_t buf[4096];
    uint8_t esc[2 * sizeof(buf)];
    for (;;) {
        bool connected = a->client_fd >= 0 && !a->pty_hung_up;
        if (connected && a->out_len >= OUT_HIGH_WATER) {
            break; /* back-pressure: leave the rest in the chip's queue */
        }
        size_t n = sim_host_read(a->sim, buf, sizeof(buf), now_us(a));
        follow_chip_baud(a, false);
        if (n == 0) {
            break;
        }
        trace(a, connected ? "C->H" : "C->H (nobody listening)", buf, n);
        if (!connected) {
            continue;
        }
        if (a->opt->frontend == SIM_APP_RFC2217) {
            out_append(a, esc, rfc2217_escape(buf, n, esc));
        } else {
            out_append(a, buf, n);
        }
    }
    flush_out(a);
}

static void to_chip(app_t *a, const uint8_t *d, size_t n)
{
    follow_chip_baud(a, true);
    trace(a, "H->C", d, n);
    sim_host_write(a->sim, d, n, now_us(a));
}

/* RFC2217 hooks */
static void rfc_data(void *ctx, const uint8_t *d, size_t n)
{
    to_chip(ctx, d, n);
}

static void rfc_reply(void *ctx, const uint8_t *d, size_t n)
{
    out_append(ctx, d, n);
}

static void rfc_baud(void *ctx, uint32_t baud)
{
    app_t *a = ctx;
    /* Whatever the chip sent so far went out at the old rate. */
    pump_chip(a);
    sim_set_host_baud(a->sim, baud);
    a->host_baud = baud;
}

static void rfc_reset(void *ctx, bool download)
{
    app_t *a = ctx;
    pump_chip(a);
    note(a, download ? "reset into download mode (DTR pattern)" : "hard reset (RTS pattern)", NULL);
    sim_reset(a->sim, download, now_us(a));
}

static void rfc_purge(void *ctx, bool rx, bool tx)
{
    app_t *a = ctx;
    (void)tx;
    if (rx) {
        /* The client's receive buffer is ours: drop what the chip sent but is still here. */
        uint8_t buf[4096];
        while (sim_host_read(a->sim, buf, sizeof(buf), now_us(a)) > 0) {
        }
    }
}

static void on_accept(app_t *a)
{
    int fd = accept(a->listen_fd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* A UART has no megabytes of buffer: keep what a slow client has not taken in our own
     * bounded queue (and the chip's), not in the kernel's auto-tuned socket buffer. */
    int sndbuf = 64 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    a->client_fd = fd;
    a->out_len = 0;
    note(a, "client connected", NULL);

    if (a->opt->frontend == SIM_APP_TCP) {
        /* socket:// clients expect a chip waiting in its loader, as after a reset done before
         * they connected (that is how the ROM traces were taken). Reset, let the boot banner
         * pass on a clock that jumps ahead, and drop it. */
        sim_reset(a->sim, true, now_us(a));
        uint8_t buf[4096];
        for (int guard = 0; guard < 100000; guard++) {
            uint64_t next = sim_next_event_us(a->sim);
            if (next == UINT64_MAX) {
                break; /* the banner is out and the ROM waits for the host */
            }
            uint64_t now = now_us(a);
            if (next > now) {
                a->clock_offset += next - now; /* jump to the next byte */
            }
            while (sim_host_read(a->sim, buf, sizeof(buf), now_us(a)) > 0) {
            }
        }
        baud_after_reset(a);
    } else {
        rfc2217_hooks_t h = {a, rfc_data, rfc_reply, rfc_baud, rfc_reset, rfc_purge};
        rfc2217_server_start(&a->rfc, &h, a->host_baud);
        flush_out(a);
    }
}

static void on_client_input(app_t *a)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = read(a->client_fd, buf, sizeof(buf));
        if (n > 0) {
            if (a->opt->frontend == SIM_APP_RFC2217) {
                rfc2217_server_feed(&a->rfc, buf, (size_t)n);
            } else {
                to_chip(a, buf, (size_t)n);
            }
            if ((size_t)n < sizeof(buf)) {
                break;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        /* EOF or error: a socket client left; a PTY master reads EIO when the slave closed. */
        if (a->listen_fd >= 0) {
            close_client(a);
        } else if (!a->pty_hung_up) {
            a->pty_hung_up = true;
            note(a, "PTY client closed the port", NULL);
        }
        break;
    }
    flush_out(a);
}

/* After a hang-up, POLLHUP stays set on the master until a client opens the slave again. */
static void check_pty_reopened(app_t *a)
{
    struct pollfd p = {a->client_fd, POLLIN, 0};
    if (poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP)) {
        a->pty_hung_up = false;
        note(a, "PTY client opened the port", NULL);
    }
}

static int install_signals(void)
{
    if (pipe(stop_pipe) != 0) {
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFL, fcntl(stop_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int sim_app_serve(sim_t *sim, const sim_app_options_t *opt, int listen_fd)
{
    app_t a;
    memset(&a, 0, sizeof(a));
    a.sim = sim;
    a.opt = opt;
    a.start_us = sim_app_monotonic_us();
    a.host_baud = 115200;
    if (opt->frontend == SIM_APP_PTY) {
        a.listen_fd = -1;
        a.client_fd = listen_fd;
        a.pty_hung_up = true; /* nobody has the slave open yet */
        check_pty_reopened(&a);
    } else {
        a.listen_fd = listen_fd;
        a.client_fd = -1;
    }
    baud_after_reset(&a);
    if (install_signals() != 0) {
        fprintf(stderr, "esploader-sim: pipe: %s\n", strerror(errno));
        return 1;
    }

    for (;;) {
        pump_chip(&a);

        struct pollfd fds[3];
        int nfds = 0;
        fds[nfds++] = (struct pollfd){stop_pipe[0], POLLIN, 0};
        int client_idx = -1, listen_idx = -1;
        if (a.client_fd >= 0 && !a.pty_hung_up) {
            client_idx = nfds;
            short ev = POLLIN;
            if (a.out_len > 0) {
                ev |= POLLOUT;
            }
            fds[nfds++] = (struct pollfd){a.client_fd, ev, 0};
        }
        if (a.listen_fd >= 0 && a.client_fd < 0) {
            /* One client at a time: later ones wait in the backlog until this one leaves. */
            listen_idx = nfds;
            fds[nfds++] = (struct pollfd){a.listen_fd, POLLIN, 0};
        }

        int timeout_ms = -1;
        uint64_t next = sim_next_event_us(sim);
        bool backpressure = a.client_fd >= 0 && !a.pty_hung_up && a.out_len >= OUT_HIGH_WATER;
        if (next != UINT64_MAX && !backpressure) { /* else POLLOUT wakes us */
            uint64_t now = now_us(&a);
            uint64_t wait = next > now ? next - now : 0;
            uint64_t ms = (wait + 999u) / 1000u;
            timeout_ms = ms > 1000 ? 1000 : (int)ms;
        }
        if (a.client_fd >= 0 && a.pty_hung_up) {
            if (timeout_ms < 0 || timeout_ms > PTY_HUP_POLL_MS) {
                timeout_ms = PTY_HUP_POLL_MS;
            }
        }

        int rc = poll(fds, (nfds_t)nfds, timeout_ms);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "esploader-sim: poll: %s\n", strerror(errno));
            break;
        }
        if (fds[0].revents & POLLIN) {
            note(&a, "stopping", NULL);
            break;
        }
        if (a.client_fd >= 0 && a.pty_hung_up) {
            check_pty_reopened(&a);
        }
        if (client_idx >= 0 && a.client_fd >= 0) {
            short re = fds[client_idx].revents;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                on_client_input(&a);
            } else if (re & POLLOUT) {
                flush_out(&a);
            }
        }
        if (listen_idx >= 0 && (fds[listen_idx].revents & POLLIN)) {
            on_accept(&a);
        }
    }

    if (a.listen_fd >= 0 && a.client_fd >= 0) {
        close(a.client_fd);
    }
    free(a.out);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    return 0;
}
