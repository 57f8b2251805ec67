/* ESP-IDF build directories: flasher_args.json -> what `flash BUILD_DIR` writes. */
#ifndef CLI_IDF_H
#define CLI_IDF_H

#include <stddef.h>
#include <stdint.h>

#define CLI_IDF_MAX_FILES 32

typedef struct cli_idf_build {
    int count;
    uint32_t offset[CLI_IDF_MAX_FILES];
    char *path[CLI_IDF_MAX_FILES];                       /* joined with the build dir, malloc'd */
    char flash_mode[16], flash_freq[16], flash_size[16]; /* "" if absent */
    char chip[32];                                       /* "" if absent */
} cli_idf_build_t;

int cli_idf_load(const char *build_dir, cli_idf_build_t *b, char *err, size_t err_len);
void cli_idf_free(cli_idf_build_t *b);

#endif
