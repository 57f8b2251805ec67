/* Directory-backed binaries store: every sub-directory of the root is a target folder. */
#define _POSIX_C_SOURCE 200809L
#include "binaries_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int dir_list_targets(void *ctx, char names[][EXAMPLE_TARGET_NAME_MAX], int max)
{
    example_dir_store_t *ds = ctx;
    DIR *d = opendir(ds->root);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= EXAMPLE_TARGET_NAME_MAX)
            continue;
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", ds->root, e->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    /* readdir order is arbitrary: sort so the log reads the same on every machine. */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char tmp[EXAMPLE_TARGET_NAME_MAX];
            memcpy(tmp, names[j], sizeof tmp);
            memcpy(names[j], names[j - 1], sizeof tmp);
            memcpy(names[j - 1], tmp, sizeof tmp);
        }
    }
    return n;
}

static void *dir_open(void *ctx, const char *target, const char *file, uint32_t *size)
{
    example_dir_store_t *ds = ctx;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", ds->root, target, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 0x7FFFFFFF) {
        fclose(f);
        return NULL;
    }
    *size = (uint32_t)st.st_size;
    return f;
}

static int32_t dir_read(void *ctx, void *handle, void *buf, uint32_t len)
{
    (void)ctx;
    size_t n = fread(buf, 1, len, (FILE *)handle);
    if (n == 0 && ferror((FILE *)handle))
        return -1;
    return (int32_t)n;
}

static void dir_close(void *ctx, void *handle)
{
    (void)ctx;
    fclose((FILE *)handle);
}

int example_dir_store_init(example_store_t *store, example_dir_store_t *ds, const char *root)
{
    struct stat st;
    if (strlen(root) >= sizeof ds->root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    strcpy(ds->root, root);
    store->list_targets = dir_list_targets;
    store->open = dir_open;
    store->read = dir_read;
    store->close = dir_close;
    store->ctx = ds;
    return 0;
}
