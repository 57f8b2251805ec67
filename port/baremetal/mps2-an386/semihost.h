/*
 * Arm semihosting (the "Semihosting for AArch32 and AArch64" spec, `bkpt 0xAB` on M-profile):
 * the debugger, here QEMU with -semihosting-config enable=on,target=native, performs file and
 * console operations for the firmware on the host. The firmware uses it as its filesystem.
 */
#ifndef MPS2_SEMIHOST_H
#define MPS2_SEMIHOST_H

#include <stdint.h>

/* Open path read-only, binary. Returns a handle (>= 0) or -1. */
int32_t semihost_open(const char *path);
int32_t semihost_close(int32_t handle);
/* Length of the open file, or -1. */
int32_t semihost_flen(int32_t handle);
/* Read up to len bytes; returns the count read (0 at the end) or -1. */
int32_t semihost_read(int32_t handle, void *buf, uint32_t len);
/* Print a NUL-terminated string on the debugger's console. */
void semihost_write0(const char *s);
/* The command line the debugger passes (QEMU: the kernel file name and -append). 0 or -1. */
int32_t semihost_cmdline(char *buf, uint32_t size);
/* Stop the program; QEMU exits with code. */
void semihost_exit(int code) __attribute__((noreturn));

#endif
