#include "stub.h"

#include <cjson/cJSON.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "chipname.h"
#include "util.h"

#define NPM_ESPTOOL_JS  "esptool-js/lib/targets/stub_flasher"
#define NPM_FLASHER_STB "esp-flasher-stub/stubs"
#define PIP_STUB_DIR    "esptool/targets/stub_flasher"

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

typedef struct finder {
    const char *slug;
    char *path;
    size_t path_len;
    const char **source;
} finder_t;

/* dir/<chip>.json readable? Then it is the answer (path and source set). */
static int try_dir(finder_t *f, const char *dir, const char *source)
{
    snprintf(f->path, f->path_len, "%s/%s.json", dir, f->slug);
    if (!exists(f->path)) {
        return 0;
    }
    *f->source = source;
    return 1;
}

/* Every directory matching the glob pattern + "/" + sub (e.g. python3.* site-packages). */
static int try_glob(finder_t *f, const char *pattern, const char *sub, const char *source)
{
    glob_t g;
    int found = 0;
    if (glob(pattern, 0, NULL, &g) != 0) {
        return 0;
    }
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        char d[PATH_MAX + 64];
        snprintf(d, sizeof(d), "%s/%s", g.gl_pathv[i], sub);
        found = try_dir(f, d, source);
    }
    globfree(&g);
    return found;
}

/*
 * The Python places an esptool installed by pip (system, --user, a virtualenv, pipx) or by a
 * distribution package lives in, as glob patterns of site-packages / dist-packages dirs. No
 * Python interpreter is run: the layout is looked up directly.
 */
static int try_python(finder_t *f, const char *family_dir, const char *source)
{
    char sub[64], pat[PATH_MAX];
    snprintf(sub, sizeof(sub), PIP_STUB_DIR "/%s", family_dir);
    /* PYTHONPATH entries, as Python itself would search them first */
    const char *pp = getenv("PYTHONPATH");
    if (pp && *pp) {
        char buf[4096];
        snprintf(buf, sizeof(buf), "%s", pp);
        for (char *save = NULL, *e = strtok_r(buf, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
            char d[PATH_MAX + 64];
            snprintf(d, sizeof(d), "%s/%s", e, sub);
            if (try_dir(f, d, source)) {
                return 1;
            }
        }
    }
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv && *venv) {
        snprintf(pat, sizeof(pat), "%s/lib/python3*/site-packages", venv);
        if (try_glob(f, pat, sub, source)) {
            return 1;
        }
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        static const char *const user[] = {
            "%s/.local/lib/python3*/site-packages", /* pip install --user */
            "%s/.local/share/pipx/venvs/esptool/lib/python3*/site-packages", /* pipx */
            "%s/.local/pipx/venvs/esptool/lib/python3*/site-packages",
            "%s/.pyenv/versions/*/lib/python3*/site-packages",
        };
        for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++) {
            snprintf(pat, sizeof(pat), user[i], home);
            if (try_glob(f, pat, sub, source)) {
                return 1;
            }
        }
    }
    static const char *const sys[] = {
        "/usr/lib/python3/dist-packages",        /* Debian / Ubuntu python3-esptool */
        "/usr/local/lib/python3*/dist-packages", /* Debian: sudo pip install */
        "/usr/local/lib/python3*/site-packages", /* pip on most other systems */
        "/usr/lib/python3*/site-packages",       /* Fedora, Arch, Alpine packages */
        "/usr/lib64/python3*/site-packages",
        "/opt/homebrew/lib/python3*/site-packages", /* macOS Homebrew */
    };
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        if (try_glob(f, sys[i], sub, source)) {
            return 1;
        }
    }
    return 0;
}

/* One npm package's stub directory under the node_modules roots, local ones first. */
static int try_npm(finder_t *f, const char *exe, const char *pkg_dir, const char *source)
{
    char d[PATH_MAX + 128];
    snprintf(d, sizeof(d), "./node_modules/%s", pkg_dir);
    if (try_dir(f, d, source)) {
        return 1;
    }
    snprintf(d, sizeof(d), "%s/../node_modules/%s", exe, pkg_dir);
    if (try_dir(f, d, source)) {
        return 1;
    }
    snprintf(d, sizeof(d), "%s/../../node_modules/%s", exe, pkg_dir);
    if (try_dir(f, d, source)) {
        return 1;
    }
    snprintf(d, sizeof(d), "/usr/lib/node_modules/%s", pkg_dir);
    if (try_dir(f, d, source)) {
        return 1;
    }
    snprintf(d, sizeof(d), "/usr/local/lib/node_modules/%s", pkg_dir);
    return try_dir(f, d, source);
}

int cli_stub_find(esploader_chip_t chip, const char *argv0, char *path, size_t path_len,
                  const char **source, char *err, size_t err_len)
{
    return cli_stub_find_named(chip, cli_chip_slug(chip), argv0, path, path_len, source, err,
                               err_len);
}

int cli_stub_find_named(esploader_chip_t chip, const char *name, const char *argv0, char *path,
                        size_t path_len, const char **source, char *err, size_t err_len)
{
    const char *dummy;
    finder_t f = {name, path, path_len, source ? source : &dummy};
    char ed[PATH_MAX];
    exe_dir(argv0, ed, sizeof(ed));
    const char *env = getenv("ESPLOADER_STUB_DIR");
    if (env && *env) {
        char d[PATH_MAX + 16];
        snprintf(d, sizeof(d), "%s/2", env);
        if (try_dir(&f, env, "$ESPLOADER_STUB_DIR") ||
            try_dir(&f, d, "$ESPLOADER_STUB_DIR/2 (esp-flasher-stub family)")) {
            return 0;
        }
        snprintf(d, sizeof(d), "%s/1", env);
        if (try_dir(&f, d, "$ESPLOADER_STUB_DIR/1 (legacy family)")) {
            return 0;
        }
    }
    /* The newer family first wherever the source says which one it ships: npm
     * esp-flasher-stub and esptool's stub_flasher/2 before stub_flasher/1. esptool-js keeps
     * one flat folder (0.7.0 ships esp-flasher-stub images, see docs/chips.md). */
    if (try_npm(&f, ed, NPM_ESPTOOL_JS, "npm esptool-js") ||
        try_npm(&f, ed, NPM_FLASHER_STB, "npm esp-flasher-stub (esp-flasher-stub family)") ||
        try_python(&f, "2", "esptool stub_flasher/2 (esp-flasher-stub family)") ||
        try_python(&f, "1", "esptool stub_flasher/1 (legacy family)")) {
        return 0;
    }
    snprintf(err, err_len,
             "no flasher stub for %s found (%s.json; looked in $ESPLOADER_STUB_DIR, "
             "node_modules/" NPM_ESPTOOL_JS " and node_modules/" NPM_FLASHER_STB
             " (./, next to the executable, /usr/lib, "
             "/usr/local/lib), and an esptool installed by pip or a distribution package "
             "(site-packages/" PIP_STUB_DIR "/2 and /1)). Get one with 'npm i esptool-js' (or "
             "'npm ci' in the esploader source tree) or 'pip install esptool', or point --stub "
             "at a stub JSON file",
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
