/*
 * Arbitrary baud rates. On Linux, termios2 with BOTHER takes any integer rate (1.5M, 2M, 3M,
 * odd rates of USB adapters). <asm/termbits.h> redefines struct termios and friends, so this
 * file must not include <termios.h>: that is why it lives alone.
 */
#include <errno.h>
#include <stdint.h>

#if defined(__linux__)
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <sys/ioctl.h>

int posix_set_custom_baud(int fd, uint32_t baud);

int posix_set_custom_baud(int fd, uint32_t baud)
{
    struct termios2 t2;
    if (ioctl(fd, TCGETS2, &t2) != 0) {
        return -1;
    }
    t2.c_cflag &= ~(tcflag_t)CBAUD;
    t2.c_cflag |= BOTHER;
    t2.c_ispeed = baud;
    t2.c_ospeed = baud;
    /* Input speed follows output speed. */
    t2.c_cflag &= ~(tcflag_t)(CBAUD << IBSHIFT);
    t2.c_cflag |= (tcflag_t)(BOTHER << IBSHIFT);
    if (ioctl(fd, TCSETS2, &t2) != 0) {
        return -1;
    }
    /* Drivers round to what they can do; a rate far off is as bad as none. */
    if (ioctl(fd, TCGETS2, &t2) != 0) {
        return -1;
    }
    uint32_t got = t2.c_ospeed;
    uint32_t diff = got > baud ? got - baud : baud - got;
    if (got == 0 || diff > baud / 20u) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
#else
int posix_set_custom_baud(int fd, uint32_t baud);

int posix_set_custom_baud(int fd, uint32_t baud)
{
    (void)fd;
    (void)baud;
    errno = EINVAL; /* only the standard rates elsewhere */
    return -1;
}
#endif
