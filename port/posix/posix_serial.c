/* Serial devices through termios: raw 8N1, non-blocking reads driven by poll(), DTR/RTS. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "esploader/esploader.h"
#include "posix_port_internal.h"

/* The rates termios can name portably; anything else goes through posix_set_custom_baud(). */
static speed_t standard_speed(uint32_t baud)
{
    switch (baud) {
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    case 230400:
        return B230400;
#ifdef B460800
    case 460800:
        return B460800;
#endif
#ifdef B921600
    case 921600:
        return B921600;
#endif
    default:
        return 0;
    }
}

static int apply_baud(int fd, uint32_t baud)
{
    speed_t sp = standard_speed(baud);
    if (sp != 0) {
        struct termios tio;
        if (tcgetattr(fd, &tio) != 0) {
            return -1;
        }
        cfsetispeed(&tio, sp);
        cfsetospeed(&tio, sp);
        return tcsetattr(fd, TCSANOW, &tio);
    }
    return posix_set_custom_baud(fd, baud);
}

int posix_serial_open(esploader_posix_port_t *p, const char *path, bool exclusive, char *err,
                      size_t err_len)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM) {
            posix_errf(err, err_len,
                       "%s: permission denied. Add yourself to the group that owns the device "
                       "(usually 'dialout': sudo usermod -aG dialout $USER), then log out and in "
                       "again",
                       path);
        } else if (e == EBUSY) {
            posix_errf(err, err_len,
                       "%s: device busy (another program, e.g. a serial monitor or ModemManager, "
                       "has it open)",
                       path);
        } else if (e == ENOENT || e == ENODEV || e == ENXIO) {
            posix_errf(err, err_len,
                       "%s: no such device (is the board plugged in? see ls /dev/ttyUSB* "
                       "/dev/ttyACM*)",
                       path);
        } else {
            posix_errf(err, err_len, "%s: cannot open: %s", path, strerror(e));
        }
        return ESPLOADER_ERR_IO;
    }
    p->fd = fd;
    if (!isatty(fd)) {
        posix_errf(err, err_len, "%s: not a serial device", path);
        return ESPLOADER_ERR_INVALID_ARG;
    }
    /* A second flasher on the same port garbles both: refuse while another holds the lock. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        posix_errf(err, err_len, "%s: device busy (another esploader or tool has it locked)", path);
        return ESPLOADER_ERR_IO;
    }
    if (exclusive) {
        (void)ioctl(fd, TIOCEXCL);
    }

    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        posix_errf(err, err_len, "%s: not a terminal device: %s", path, strerror(errno));
        return ESPLOADER_ERR_IO;
    }
    /* Raw 8N1, no flow control, no echo or line editing; reads are driven by poll(), so
     * VMIN = VTIME = 0 and read() returns whatever is there. */
    tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON |
                               IXOFF | IXANY | INPCK);
    tio.c_oflag &= ~(tcflag_t)OPOST;
    tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
#ifdef CRTSCTS
    tio.c_cflag &= ~(tcflag_t)CRTSCTS;
#endif
    tio.c_cflag |= CS8 | CREAD | CLOCAL;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        posix_errf(err, err_len, "%s: cannot configure: %s", path, strerror(errno));
        return ESPLOADER_ERR_IO;
    }
    if (apply_baud(fd, p->baud) != 0) {
        posix_errf(err, err_len, "%s: the adapter does not support %u baud", path,
                   (unsigned)p->baud);
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    tcflush(fd, TCIOFLUSH);
    return 0;
}

int32_t posix_serial_set_lines(esploader_posix_port_t *p, int dtr, int rts)
{
    if (p->lines_unsupported) {
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    int bits;
    if (ioctl(p->fd, TIOCMGET, &bits) != 0) {
        /* PTYs and some adapters have no modem lines: report it once per call, the caller
         * decides whether to warn; later calls fail fast. */
        if (errno == ENOTTY || errno == EINVAL) {
            p->lines_unsupported = true;
            return ESPLOADER_ERR_UNSUPPORTED;
        }
        return ESPLOADER_ERR_IO;
    }
    if (dtr != ESPLOADER_LINE_KEEP) {
        bits = dtr == ESPLOADER_LINE_ASSERT ? (bits | TIOCM_DTR) : (bits & ~TIOCM_DTR);
        p->dtr = dtr;
    }
    if (rts != ESPLOADER_LINE_KEEP) {
        bits = rts == ESPLOADER_LINE_ASSERT ? (bits | TIOCM_RTS) : (bits & ~TIOCM_RTS);
        p->rts = rts;
    }
    /* Both lines in one ioctl so an auto-reset circuit never sees an intermediate state. */
    if (ioctl(p->fd, TIOCMSET, &bits) != 0) {
        if (errno == ENOTTY || errno == EINVAL) {
            p->lines_unsupported = true;
            return ESPLOADER_ERR_UNSUPPORTED;
        }
        return ESPLOADER_ERR_IO;
    }
    return 0;
}

int32_t posix_serial_set_baud(esploader_posix_port_t *p, uint32_t baud)
{
    if (baud == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    /* Let queued bytes (the CHANGE_BAUDRATE request itself) leave at the old rate. */
    tcdrain(p->fd);
    if (apply_baud(p->fd, baud) != 0) {
        return errno == EINVAL ? ESPLOADER_ERR_UNSUPPORTED : ESPLOADER_ERR_IO;
    }
    p->baud = baud;
    return 0;
}
