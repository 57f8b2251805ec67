/*
 * SPIFFS-backed binaries store. SPIFFS has no directories: "ESP32/app.bin" is one flat file
 * name that merely contains a '/'. So the target folders are the distinct prefixes before the
 * first '/' of the names readdir() returns, and opening "<base>/ESP32/app.bin" just works.
 */
#include "binaries_spiffs.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "esp_spiffs.h"

static int spiffs_list_targets(void *ctx, char names[][EXAMPLE_TARGET_NAME_MAX], int max)
{
    example_spiffs_store_t *ss = ctx;
    DIR *d = opendir(ss->base);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *slash = strchr(e->d_name, '/');
        size_t len = slash ? (size_t)(slash - e->d_name) : 0;
        if (len == 0 || len >= EXAMPLE_TARGET_NAME_MAX)
            continue; /* a file at the top level, not in a target folder */
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = strlen(names[i]) == len && memcmp(names[i], e->d_name, len) == 0;
        if (!seen && n < max) {
            memcpy(names[n], e->d_name, len);
            names[n][len] = '\0';
            n++;
        }
    }
    closedir(d);
    return n;
}

static void *spiffs_open(void *ctx, const char *target, const char *file, uint32_t *size)
{
    example_spiffs_store_t *ss = ctx;
    char path[96];
    snprintf(path, sizeof path, "%s/%s/%s", ss->base, target, file);
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f)
        *size = (uint32_t)st.st_size;
    return f;
}

static int32_t spiffs_read(void *ctx, void *handle, void *buf, uint32_t len)
{
    (void)ctx;
    size_t n = fread(buf, 1, len, (FILE *)handle);
    if (n == 0 && ferror((FILE *)handle))
        return -1;
    return (int32_t)n;
}

static void spiffs_close(void *ctx, void *handle)
{
    (void)ctx;
    fclose((FILE *)handle);
}

int example_spiffs_store_init(example_store_t *store, example_spiffs_store_t *ss, const char *label,
                              const char *base)
{
    if (strlen(base) >= sizeof ss->base)
        return -1;
    strcpy(ss->base, base);
    esp_vfs_spiffs_conf_t conf = {
        .base_path = ss->base,
        .partition_label = label,
        .max_files = 4,
        .format_if_mount_failed = false, /* never wipe the binaries */
    };
    if (esp_vfs_spiffs_register(&conf) != ESP_OK)
        return -1;
    store->list_targets = spiffs_list_targets;
    store->open = spiffs_open;
    store->read = spiffs_read;
    store->close = spiffs_close;
    store->ctx = ss;
    return 0;
}
