/* The POSIX port: URL dispatch, the ops table and the I/O helpers every transport shares. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "esploader/esploader.h"
#include "posix_port_internal.h"

uint32_t posix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void posix_errf(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

int posix_wait_fd(int fd, short events, uint32_t timeout_ms)
{
    uint32_t start = posix_now_ms();
    for (;;) {
        uint32_t spent = posix_now_ms() - start;
        int left = spent >= timeout_ms ? 0 : (int)(timeout_ms - spent);
        struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
        int r = poll(&pfd, 1, left);
        if (r > 0) {
            /* A hang-up with nothing left to read is a failure, not "ready". */
            if ((pfd.revents & (POLLERR | POLLNVAL)) ||
                ((pfd.revents & POLLHUP) && !(pfd.revents & events))) {
                return ESPLOADER_ERR_IO;
            }
            return 1;
        }
        if (r == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return ESPLOADER_ERR_IO;
        }
    }
}

int32_t posix_write_all(int fd, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    uint32_t start = posix_now_ms();
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return ESPLOADER_ERR_IO;
        }
        uint32_t spent = posix_now_ms() - start;
        if (spent >= timeout_ms) {
            return ESPLOADER_ERR_TIMEOUT;
        }
        int r = posix_wait_fd(fd, POLLOUT, timeout_ms - spent);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* Plain fd read for serial and TCP: wait for the first byte, then take what is there. */
static int32_t fd_read(esploader_posix_port_t *p, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    for (;;) {
        ssize_t n = read(p->fd, buf, len);
        if (n > 0) {
            return (int32_t)n;
        }
        if (n == 0 && p->kind != POSIX_KIND_SERIAL) {
            return ESPLOADER_ERR_IO; /* the peer closed the connection */
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return ESPLOADER_ERR_IO;
        }
        if (timeout_ms == 0) {
            return 0;
        }
        int r = posix_wait_fd(p->fd, POLLIN, timeout_ms);
        if (r <= 0) {
            return r;
        }
        timeout_ms = 0; /* readable now: one more read, don't wait again */
    }
}

static int32_t op_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    esploader_posix_port_t *p = ctx;
    if (p->kind == POSIX_KIND_RFC2217) {
        return posix_rfc2217_write(p, data, len, timeout_ms);
    }
    return posix_write_all(p->fd, data, len, timeout_ms);
}

static int32_t op_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    esploader_posix_port_t *p = ctx;
    if (len == 0) {
        return 0;
    }
    if (p->kind == POSIX_KIND_RFC2217) {
        return posix_rfc2217_read(p, buf, len, timeout_ms);
    }
    return fd_read(p, buf, len, timeout_ms);
}

static int32_t op_set_lines(void *ctx, int dtr, int rts)
{
    esploader_posix_port_t *p = ctx;
    if (p->gpio) {
        return posix_gpio_set_lines(p, dtr, rts);
    }
    switch (p->kind) {
    case POSIX_KIND_SERIAL:
        return posix_serial_set_lines(p, dtr, rts);
    case POSIX_KIND_RFC2217:
        return posix_rfc2217_set_lines(p, dtr, rts);
    default:
        return ESPLOADER_ERR_UNSUPPORTED; /* socket:// has no modem lines */
    }
}

static int32_t op_set_baudrate(void *ctx, uint32_t baud)
{
    esploader_posix_port_t *p = ctx;
    switch (p->kind) {
    case POSIX_KIND_SERIAL:
        return posix_serial_set_baud(p, baud);
    case POSIX_KIND_RFC2217:
        return posix_rfc2217_set_baud(p, baud);
    default:
        p->baud = baud; /* raw TCP has no baud rate: nothing to change */
        return 0;
    }
}

static void op_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint32_t op_now_ms(void *ctx)
{
    (void)ctx;
    return posix_now_ms();
}

const esploader_port_ops_t esploader_posix_ops = {
    .write = op_write,
    .read = op_read,
    .set_lines = op_set_lines,
    .set_baudrate = op_set_baudrate,
    .delay_ms = op_delay_ms,
    .now_ms = op_now_ms,
};

int esploader_posix_open(esploader_posix_port_t **out, const char *path_or_url,
                         const esploader_posix_options_t *opt, char *err, size_t err_len)
{
    if (err && err_len) {
        err[0] = '\0';
    }
    if (!out || !path_or_url || !*path_or_url) {
        posix_errf(err, err_len, "no port given");
        return ESPLOADER_ERR_INVALID_ARG;
    }
    *out = NULL;
    esploader_posix_options_t defaults = {0};
    if (!opt) {
        opt = &defaults;
    }
    esploader_posix_port_t *p = calloc(1, sizeof(*p));
    if (!p) {
        posix_errf(err, err_len, "out of memory");
        return ESPLOADER_ERR_IO;
    }
    p->fd = -1;
    p->baud = opt->baud ? opt->baud : 115200;
    p->dtr = ESPLOADER_LINE_RELEASE;
    p->rts = ESPLOADER_LINE_RELEASE;

    int rc;
    if (strncmp(path_or_url, "socket://", 9) == 0) {
        p->kind = POSIX_KIND_TCP;
        rc = posix_tcp_connect(path_or_url + 9, &p->fd, err, err_len);
    } else if (strncmp(path_or_url, "rfc2217://", 10) == 0) {
        p->kind = POSIX_KIND_RFC2217;
        rc = posix_rfc2217_open(p, path_or_url + 10, err, err_len);
    } else if (strstr(path_or_url, "://")) {
        posix_errf(err, err_len,
                   "%s: unknown URL scheme (use a device path, socket://HOST:PORT or "
                   "rfc2217://HOST:PORT)",
                   path_or_url);
        rc = ESPLOADER_ERR_INVALID_ARG;
    } else {
        p->kind = POSIX_KIND_SERIAL;
        rc = posix_serial_open(p, path_or_url, opt->exclusive != 0, err, err_len);
    }
    if (rc == 0 && opt->gpio_chip && *opt->gpio_chip) {
        rc = posix_gpio_open(p, opt->gpio_chip, opt->gpio_boot, opt->gpio_reset,
                             opt->gpio_boot_active_high, opt->gpio_reset_active_high, err, err_len);
    }
    if (rc != 0) {
        esploader_posix_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

void esploader_posix_close(esploader_posix_port_t *p)
{
    if (!p) {
        return;
    }
    posix_gpio_close(p);
    if (p->fd >= 0) {
        close(p->fd);
    }
    free(p->pending);
    free(p);
}
