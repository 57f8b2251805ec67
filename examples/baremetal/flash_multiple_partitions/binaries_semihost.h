/* The firmware's binaries store: host files through Arm semihosting (binaries_semihost.c). */
#ifndef BINARIES_SEMIHOST_H
#define BINARIES_SEMIHOST_H

#include "binaries_store.h"
#include "esploader/esploader.h"

#define SEMIHOST_STORE_PATH_MAX 256

typedef struct semihost_store {
    example_store_t store;
    const char *root; /* host folder, relative to QEMU's working directory or absolute */
} semihost_store_t;

void semihost_store_init(semihost_store_t *s, const char *root);

#endif
