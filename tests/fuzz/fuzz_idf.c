/*
 * libFuzzer target: the CLI's reader of ESP-IDF's flasher_args.json (cli/idf.c, on cJSON).
 * The input is the file. Invariants besides "no crash, no sanitizer report, no leak": on
 * success 1..CLI_IDF_MAX_FILES entries, each path non-empty and joined under the build
 * directory unless absolute, the setting strings NUL-terminated inside their fields; on
 * failure a message and nothing left allocated.
 */
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_tmpfile.h"
#include "idf.h"

#define T "fuzz_idf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_tmp_write("flasher_args.json", data, size);
    cli_idf_build_t b;
    char err[512] = "";
    int rc = cli_idf_load(dir, &b, err, sizeof(err));
    if (rc != 0) {
        if (err[0] == '\0' || b.count != 0) {
            fuzz_fail(T, "failure without a message, or entries left over");
        }
        return 0;
    }
    if (b.count < 1 || b.count > CLI_IDF_MAX_FILES) {
        fuzz_fail(T, "entry count out of range");
    }
    for (int i = 0; i < b.count; i++) {
        if (b.path[i] == NULL || b.path[i][0] == '\0') {
            fuzz_fail(T, "empty path");
        }
        if (b.path[i][0] != '/') {
            fuzz_fail(T, "relative path not joined under the build directory");
        }
    }
    if (memchr(b.flash_mode, 0, sizeof(b.flash_mode)) == NULL ||
        memchr(b.flash_freq, 0, sizeof(b.flash_freq)) == NULL ||
        memchr(b.flash_size, 0, sizeof(b.flash_size)) == NULL ||
        memchr(b.chip, 0, sizeof(b.chip)) == NULL) {
        fuzz_fail(T, "setting not terminated");
    }
    cli_idf_free(&b);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    static const char full[] =
        "{\n"
        "  \"write_flash_args\": [\"--flash_mode\", \"dio\", \"--flash_size\", \"4MB\"],\n"
        "  \"flash_settings\": {\"flash_mode\": \"dio\", \"flash_size\": \"4MB\", "
        "\"flash_freq\": \"80m\"},\n"
        "  \"flash_files\": {\"0x0\": \"bootloader/bootloader.bin\", \"0x10000\": "
        "\"app.bin\", \"0x8000\": \"partition_table/partition-table.bin\"},\n"
        "  \"bootloader\": {\"offset\": \"0x0\", \"file\": \"bootloader/bootloader.bin\"},\n"
        "  \"extra_esptool_args\": {\"after\": \"hard_reset\", \"before\": \"default_reset\", "
        "\"stub\": true, \"chip\": \"esp32c3\"}\n"
        "}\n";
    static const char minimal[] = "{\"flash_files\":{\"4096\":\"/abs/x.bin\"}}";
    static const char bad[] = "{\"flash_files\":{\"zz\":1},\"flash_settings\":[]}";
    emit("flasher_args.json", full, sizeof(full) - 1);
    emit("minimal.json", minimal, sizeof(minimal) - 1);
    emit("bad.json", bad, sizeof(bad) - 1);
}
