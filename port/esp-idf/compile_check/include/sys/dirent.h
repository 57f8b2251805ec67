/*
 * STAND-IN for ESP-IDF, used ONLY by the compile check (port/esp-idf/compile_check). It
 * declares just the few ESP-IDF names the ESP-IDF port and example use, written from the
 * ESP-IDF API reference, so CI can compile them without ESP-IDF. It is not ESP-IDF, is never
 * linked, and says nothing about whether the code works on hardware.
 */
/*
 * ESP-IDF brings its own <sys/dirent.h> (the VFS layer implements opendir/readdir); plain
 * newlib's refuses to compile. Only used when compiling with a newlib toolchain
 * (arm-none-eabi-gcc: a 32-bit target like the ESP32); glibc's <dirent.h> never includes it.
 */
#ifndef STANDIN_SYS_DIRENT_H
#define STANDIN_SYS_DIRENT_H

#include <stdint.h>

typedef struct {
    uint16_t dd_vfs_idx;
    uint16_t dd_rsv;
} DIR;

struct dirent {
    int d_ino;
    uint8_t d_type;
    char d_name[256];
};

DIR *opendir(const char *name);
struct dirent *readdir(DIR *pdir);
int closedir(DIR *pdir);

#endif
