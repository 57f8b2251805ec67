/* Arm semihosting calls; see semihost.h. */
#include "semihost.h"

#include <string.h>

#define SYS_OPEN          0x01
#define SYS_CLOSE         0x02
#define SYS_WRITE0        0x04
#define SYS_READ          0x06
#define SYS_FLEN          0x0C
#define SYS_GET_CMDLINE   0x15
#define SYS_EXIT          0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_APP_EXIT      0x20026u /* ADP_Stopped_ApplicationExit */

static int32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int32_t semihost_open(const char *path)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)path, 1 /* "rb" */, (uint32_t)strlen(path)};
    return call(SYS_OPEN, args);
}

int32_t semihost_close(int32_t handle)
{
    uint32_t args[1] = {(uint32_t)handle};
    return call(SYS_CLOSE, args);
}

int32_t semihost_flen(int32_t handle)
{
    uint32_t args[1] = {(uint32_t)handle};
    return call(SYS_FLEN, args);
}

int32_t semihost_read(int32_t handle, void *buf, uint32_t len)
{
    uint32_t args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, len};
    int32_t left = call(SYS_READ, args); /* bytes NOT read */
    if (left < 0 || (uint32_t)left > len)
        return -1;
    return (int32_t)(len - (uint32_t)left);
}

void semihost_write0(const char *s)
{
    call(SYS_WRITE0, s);
}

int32_t semihost_cmdline(char *buf, uint32_t size)
{
    uint32_t args[2] = {(uint32_t)(uintptr_t)buf, size};
    return call(SYS_GET_CMDLINE, args);
}

void semihost_exit(int code)
{
    uint32_t args[2] = {ADP_APP_EXIT, (uint32_t)code};
    call(SYS_EXIT_EXTENDED, args);
    call(SYS_EXIT, (const void *)(uintptr_t)ADP_APP_EXIT); /* hosts without the extension */
    for (;;) {
    }
}
