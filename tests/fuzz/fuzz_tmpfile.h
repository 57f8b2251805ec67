/* For targets whose parser reads a file: one private directory per process, removed at exit. */
#ifndef FUZZ_TMPFILE_H
#define FUZZ_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_tmp_dir[64];
static char fuzz_tmp_path[128];

static void fuzz_tmp_cleanup(void)
{
    unlink(fuzz_tmp_path);
    rmdir(fuzz_tmp_dir);
}

/* Write data to DIR/name and return the directory (the file is rewritten on each call). */
static const char *fuzz_tmp_write(const char *name, const uint8_t *data, size_t size)
{
    if (fuzz_tmp_dir[0] == '\0') {
        snprintf(fuzz_tmp_dir, sizeof(fuzz_tmp_dir), "/tmp/esploader-fuzz.XXXXXX");
        if (mkdtemp(fuzz_tmp_dir) == NULL) {
            perror("mkdtemp");
            abort();
        }
        snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "%s/%s", fuzz_tmp_dir, name);
        atexit(fuzz_tmp_cleanup);
    }
    FILE *f = fopen(fuzz_tmp_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(fuzz_tmp_path);
        abort();
    }
    return fuzz_tmp_dir;
}

#endif
