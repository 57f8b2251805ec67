/* The binaries store on a SPIFFS partition mounted at a base path (ESP-IDF). */
#ifndef EXAMPLE_BINARIES_SPIFFS_H
#define EXAMPLE_BINARIES_SPIFFS_H

#include "binaries_store.h"

typedef struct example_spiffs_store {
    char base[32]; /* "/spiffs" */
} example_spiffs_store_t;

/* Mount the partition labelled label at base (e.g. "spiffs" at "/spiffs") and fill store.
 * Returns 0, or -1 if the partition cannot be mounted. */
int example_spiffs_store_init(example_store_t *store, example_spiffs_store_t *ss, const char *label,
                              const char *base);

#endif
