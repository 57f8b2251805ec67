#include "idf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void copy_str(const cJSON *obj, const char *key, char *out, size_t len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v)) {
        snprintf(out, len, "%s", v->valuestring);
    }
}

int cli_idf_load(const char *build_dir, cli_idf_build_t *b, char *err, size_t err_len)
{
    memset(b, 0, sizeof(*b));
    char path[4096];
    snprintf(path, sizeof(path), "%s/flasher_args.json", build_dir);
    uint8_t *raw;
    size_t raw_len;
    if (cli_read_file(path, &raw, &raw_len, err, err_len) != 0) {
        snprintf(err, err_len,
                 "%s: not found or unreadable (is %s an ESP-IDF build directory? run idf.py "
                 "build first)",
                 path, build_dir);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)raw, raw_len);
    free(raw);
    if (!root) {
        snprintf(err, err_len, "%s: malformed JSON", path);
        return -1;
    }
    int rc = -1;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "flash_files");
    if (!cJSON_IsObject(files) || !files->child) {
        snprintf(err, err_len, "%s: no \"flash_files\" object", path);
        goto done;
    }
    const cJSON *f;
    cJSON_ArrayForEach(f, files)
    {
        uint32_t off;
        if (!cli_parse_u32(f->string, &off) || !cJSON_IsString(f)) {
            snprintf(err, err_len, "%s: bad flash_files entry \"%s\" (want \"0xOFFSET\": \"file\")",
                     path, f->string ? f->string : "?");
            goto done;
        }
        if (b->count == CLI_IDF_MAX_FILES) {
            snprintf(err, err_len, "%s: too many flash_files", path);
            goto done;
        }
        size_t n = strlen(build_dir) + strlen(f->valuestring) + 2;
        char *p = cli_xmalloc(n);
        if (f->valuestring[0] == '/') {
            snprintf(p, n, "%s", f->valuestring);
        } else {
            snprintf(p, n, "%s/%s", build_dir, f->valuestring);
        }
        b->offset[b->count] = off;
        b->path[b->count] = p;
        b->count++;
    }
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(root, "flash_settings");
    if (settings && !cJSON_IsObject(settings)) {
        snprintf(err, err_len, "%s: \"flash_settings\" is not an object", path);
        goto done;
    }
    copy_str(settings, "flash_mode", b->flash_mode, sizeof(b->flash_mode));
    copy_str(settings, "flash_freq", b->flash_freq, sizeof(b->flash_freq));
    copy_str(settings, "flash_size", b->flash_size, sizeof(b->flash_size));
    copy_str(cJSON_GetObjectItemCaseSensitive(root, "extra_esptool_args"), "chip", b->chip,
             sizeof(b->chip));
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0) {
        cli_idf_free(b);
    }
    return rc;
}

void cli_idf_free(cli_idf_build_t *b)
{
    for (int i = 0; i < b->count; i++) {
        free(b->path[i]);
    }
    b->count = 0;
}
