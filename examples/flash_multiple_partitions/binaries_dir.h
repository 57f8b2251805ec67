/* The binaries store as a directory tree: ROOT/<TARGET>/<file> (Linux, macOS, any POSIX). */
#ifndef EXAMPLE_BINARIES_DIR_H
#define EXAMPLE_BINARIES_DIR_H

#include "binaries_store.h"

typedef struct example_dir_store {
    char root[512];
} example_dir_store_t;

/* Returns 0, or -1 if root is not a readable directory. */
int example_dir_store_init(example_store_t *store, example_dir_store_t *ds, const char *root);

#endif
