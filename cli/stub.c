#include "stub.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "chipname.h"
#include "util.h"

#define NPM_STUB_DIR "esptool-js/lib/targets/stub_flasher"

static int exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* Directory of the running executable (Linux /proc first, else argv[0]). */
static void exe_dir(const char *argv0, char *out, size_t len)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n > 0) {
        buf[n] = '\0';
    } else if (argv0 && strchr(argv0, '/')) {
        snprintf(buf, sizeof(buf), "%s", argv0);
    } else {
        snprintf(buf, sizeof(buf), "./x");
    }
    char *slash = strrchr(buf, '/');
    if (slash) {
        *slash = '\0';
    }
    snprintf(out, len, "%s", buf);
}

int cli_stub_find(esploader_chip_t chip, const char *argv0, char *path, size_t path_len, char *err,
                  size_t err_len)
{
    return cli_stub_find_named(chip, cli_chip_slug(chip), argv0, path, path_len, err, err_len);
}

int cli_stub_find_named(esploader_chip_t chip, const char *name, const char *argv0, char *path,
                        size_t path_len, char *err, size_t err_len)
{
    char dirs[6][PATH_MAX + 128];
    int n = 0;
    const char *env = getenv("ESPLOADER_STUB_DIR");
    if (env && *env) {
        snprintf(dirs[n++], sizeof(dirs[0]), "%s", env);
    }
    snprintf(dirs[n++], sizeof(dirs[0]), "./node_modules/" NPM_STUB_DIR);
    char ed[PATH_MAX];
    exe_dir(argv0, ed, sizeof(ed));
    snprintf(dirs[n++], sizeof(dirs[0]), "%s/../node_modules/" NPM_STUB_DIR, ed);
    snprintf(dirs[n++], sizeof(dirs[0]), "%s/../../node_modules/" NPM_STUB_DIR, ed);
    snprintf(dirs[n++], sizeof(dirs[0]), "/usr/lib/node_modules/" NPM_STUB_DIR);
    snprintf(dirs[n++], sizeof(dirs[0]), "/usr/local/lib/node_modules/" NPM_STUB_DIR);
    for (int i = 0; i < n; i++) {
        snprintf(path, path_len, "%s/%s.json", dirs[i], name);
        if (exists(path)) {
            return 0;
        }
    }
    snprintf(err, err_len,
             "no flasher stub for %s found (%s.json; looked in $ESPLOADER_STUB_DIR, "
             "./node_modules/" NPM_STUB_DIR ", next to the executable, /usr/lib and "
             "/usr/local/lib node_modules). Get one with 'npm i esptool-js' (or 'npm ci' in "
             "the esploader source tree), or point --stub at a stub JSON file",
             cli_chip_name(chip), name);
    return -1;
}

static int get_u32(const cJSON *root, const char *key, uint32_t *out, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v)) {
        return required ? -1 : 0;
    }
    if (v->valuedouble < 0 || v->valuedouble > 4294967295.0) {
        return -1;
    }
    *out = (uint32_t)v->valuedouble;
    return 0;
}

int cli_stub_load(const char *path, cli_stub_t *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->path, sizeof(out->path), "%s", path);
    uint8_t *raw;
    size_t raw_len;
    if (cli_read_file(path, &raw, &raw_len, err, err_len) != 0) {
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)raw, raw_len);
    free(raw);
    if (!root) {
        snprintf(err, err_len, "%s: not valid JSON", path);
        return -1;
    }
    int rc = -1;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    esploader_stub_t *s = &out->stub;
    if (!cJSON_IsString(text) || get_u32(root, "entry", &s->entry, true) != 0 ||
        get_u32(root, "text_start", &s->text_addr, true) != 0 ||
        get_u32(root, "data_start", &s->data_addr, data != NULL) != 0 ||
        get_u32(root, "bss_start", &s->bss_start, false) != 0) {
        snprintf(err, err_len, "%s: not a stub JSON file (needs entry, text, text_start)", path);
        goto done;
    }
    size_t n;
    if (cli_base64_decode(text->valuestring, &out->text, &n) != 0) {
        snprintf(err, err_len, "%s: bad base64 in \"text\"", path);
        goto done;
    }
    s->text = out->text;
    s->text_size = (uint32_t)n;
    if (cJSON_IsString(data)) {
        if (cli_base64_decode(data->valuestring, &out->data, &n) != 0) {
            snprintf(err, err_len, "%s: bad base64 in \"data\"", path);
            goto done;
        }
        s->data = out->data;
        s->data_size = (uint32_t)n;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0) {
        cli_stub_free(out);
    }
    return rc;
}

void cli_stub_free(cli_stub_t *s)
{
    free(s->text);
    free(s->data);
    s->text = s->data = NULL;
}
