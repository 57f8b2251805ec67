/* The PTY front-end's device: a master whose slave a serial client opens like a UART. */
#define _XOPEN_SOURCE 600
#include "sim_app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int sim_app_open_pty(char *path, size_t path_len, char *err, size_t err_len)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        snprintf(err, err_len, "posix_openpt: %s", strerror(errno));
        return -1;
    }
    if (grantpt(m) != 0 || unlockpt(m) != 0) {
        snprintf(err, err_len, "grantpt/unlockpt: %s", strerror(errno));
        close(m);
        return -1;
    }
    const char *name = ptsname(m);
    if (name == NULL || strlen(name) >= path_len) {
        snprintf(err, err_len, "ptsname failed");
        close(m);
        return -1;
    }
    strcpy(path, name);

    /* Raw mode on the slave, so a client that does not set it (cat, a shell redirect) still
     * gets bytes untouched: no echo back to the chip, no CR/LF translation. */
    int s = open(path, O_RDWR | O_NOCTTY);
    if (s >= 0) {
        struct termios t;
        if (tcgetattr(s, &t) == 0) {
            t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                                     IXON | IXOFF);
            t.c_oflag &= ~(tcflag_t)OPOST;
            t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
            t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
            t.c_cflag |= CS8;
            t.c_cc[VMIN] = 1;
            t.c_cc[VTIME] = 0;
            tcsetattr(s, TCSANOW, &t);
        }
        close(s);
    }
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    fcntl(m, F_SETFD, FD_CLOEXEC);
    return m;
}
