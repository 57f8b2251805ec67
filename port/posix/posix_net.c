/* socket://HOST:PORT: a raw TCP byte stream (no modem lines, no baud rate). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "esploader/esploader.h"
#include "posix_port_internal.h"

#define CONNECT_TIMEOUT_MS 5000u

/* Split "host:port", "[v6]:port" (anything after '?' or '/' is left to the caller). */
static int split_hostport(const char *in, char *host, size_t host_len, char *port, size_t port_len)
{
    const char *end = in + strcspn(in, "?/");
    const char *colon;
    const char *h = in;
    size_t hl;
    if (*in == '[') {
        const char *rb = memchr(in, ']', (size_t)(end - in));
        if (!rb || rb[1] != ':') {
            return -1;
        }
        h = in + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = NULL;
        for (const char *c = in; c < end; c++) {
            if (*c == ':') {
                colon = c;
            }
        }
        if (!colon) {
            return -1;
        }
        hl = (size_t)(colon - in);
    }
    size_t pl = (size_t)(end - colon - 1);
    if (hl == 0 || hl >= host_len || pl == 0 || pl >= port_len) {
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl);
    port[pl] = '\0';
    return 0;
}

int posix_tcp_connect(const char *hostport, int *fd_out, char *err, size_t err_len)
{
    char host[256], port[32];
    if (split_hostport(hostport, host, sizeof(host), port, sizeof(port)) != 0) {
        posix_errf(err, err_len, "'%s': expected HOST:PORT", hostport);
        return ESPLOADER_ERR_INVALID_ARG;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        posix_errf(err, err_len, "%s:%s: %s", host, port, gai_strerror(gai));
        return ESPLOADER_ERR_IO;
    }
    int last_errno = ECONNREFUSED;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT, .revents = 0};
            int pr = poll(&pfd, 1, (int)CONNECT_TIMEOUT_MS);
            if (pr == 1) {
                int soerr = 0;
                socklen_t sl = sizeof(soerr);
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
                r = soerr == 0 ? 0 : -1;
                errno = soerr;
            } else {
                r = -1;
                if (pr == 0) {
                    errno = ETIMEDOUT;
                }
            }
        }
        if (r == 0) {
            break;
        }
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        posix_errf(err, err_len, "%s:%s: cannot connect: %s", host, port, strerror(last_errno));
        return ESPLOADER_ERR_IO;
    }
    /* Every command is a small request waiting for a small reply: Nagle only adds delay. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *fd_out = fd;
    return 0;
}
