/*
 * The binaries store of the firmware: files on the host, read through Arm semihosting
 * (SYS_OPEN / SYS_FLEN / SYS_READ), at <root>/<TARGET>/<file>. Semihosting cannot list a
 * directory, so the target folders are found by probing <root>/<chip name>/app.bin for every
 * chip the library knows ("ESP32", "ESP32-S2", "ESP8266", ...).
 */
#include "binaries_semihost.h"

#include <string.h>

#include "semihost.h"

/* Handles are small non-negative integers; 0 is a valid one, so the store's void * is the
 * handle plus one. */
static void *to_ptr(int32_t h)
{
    return (void *)(uintptr_t)(uint32_t)(h + 1);
}

static int32_t from_ptr(void *p)
{
    return (int32_t)(uintptr_t)p - 1;
}

static int make_path(const semihost_store_t *s, const char *target, const char *file, char *out,
                     size_t size)
{
    size_t a = strlen(s->root), b = strlen(target), c = strlen(file);
    if (a + 1 + b + 1 + c + 1 > size)
        return -1;
    memcpy(out, s->root, a);
    out[a] = '/';
    memcpy(out + a + 1, target, b);
    out[a + 1 + b] = '/';
    memcpy(out + a + 2 + b, file, c + 1);
    return 0;
}

static void *sh_open(void *ctx, const char *target, const char *file, uint32_t *size)
{
    char path[SEMIHOST_STORE_PATH_MAX];
    if (make_path(ctx, target, file, path, sizeof path) != 0)
        return NULL;
    int32_t h = semihost_open(path);
    if (h < 0)
        return NULL;
    int32_t len = semihost_flen(h);
    if (len < 0) {
        semihost_close(h);
        return NULL;
    }
    *size = (uint32_t)len;
    return to_ptr(h);
}

static int32_t sh_read(void *ctx, void *handle, void *buf, uint32_t len)
{
    (void)ctx;
    return semihost_read(from_ptr(handle), buf, len);
}

static void sh_close(void *ctx, void *handle)
{
    (void)ctx;
    semihost_close(from_ptr(handle));
}

static int sh_list(void *ctx, char names[][EXAMPLE_TARGET_NAME_MAX], int max)
{
    int n = 0;
    for (int c = ESPLOADER_CHIP_AUTO + 1; c < ESPLOADER_CHIP_COUNT && n < max; c++) {
        const esploader_chip_info_t *info = esploader_chip_info((esploader_chip_t)c);
        if (!info || strlen(info->name) >= EXAMPLE_TARGET_NAME_MAX)
            continue;
        uint32_t size;
        void *h = sh_open(ctx, info->name, "app.bin", &size);
        if (!h)
            continue;
        sh_close(ctx, h);
        memcpy(names[n++], info->name, strlen(info->name) + 1);
    }
    return n;
}

void semihost_store_init(semihost_store_t *s, const char *root)
{
    s->root = root;
    s->store.list_targets = sh_list;
    s->store.open = sh_open;
    s->store.read = sh_read;
    s->store.close = sh_close;
    s->store.ctx = s;
}
