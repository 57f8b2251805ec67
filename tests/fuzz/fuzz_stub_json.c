/*
 * libFuzzer target: the CLI's stub JSON loader (cli/stub.c on cJSON) and its base64 decoder
 * (cli/base64.c). Byte 0 picks: even = the rest is a stub JSON file, odd = the rest is base64
 * text. Invariants besides "no crash, no sanitizer report, no leak": a loaded stub has text,
 * sizes that match the decoded buffers, and nothing allocated after a failure; base64 output
 * is at most 3/4 of the text, and our own encoding of the decoded bytes decodes back to them.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fuzz_common.h"
#include "fuzz_tmpfile.h"
#include "stub.h"

#define T "fuzz_stub_json"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const uint8_t *in, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[k++] = b64[v >> 18 & 63];
        out[k++] = b64[v >> 12 & 63];
        out[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[k++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[k] = '\0';
    return k;
}

static void check_base64(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    uint8_t *out = NULL;
    size_t n = 0;
    if (cli_base64_decode(text, &out, &n) == 0) {
        if (n > strlen(text) * 3 / 4) {
            fuzz_fail(T, "base64 produced more than 3/4 of its text");
        }
        char *again = malloc(n / 3 * 4 + 8);
        encode(out, n, again);
        uint8_t *back = NULL;
        size_t m = 0;
        if (cli_base64_decode(again, &back, &m) != 0 || m != n || memcmp(back, out, n) != 0) {
            fuzz_fail(T, "base64 round trip");
        }
        free(back);
        free(again);
        free(out);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (data[0] & 1) {
        check_base64(data + 1, size - 1);
        return 0;
    }
    const char *dir = fuzz_tmp_write("stub.json", data + 1, size - 1);
    char path[256];
    snprintf(path, sizeof(path), "%s/stub.json", dir);
    cli_stub_t s;
    char err[600] = "";
    if (cli_stub_load(path, &s, err, sizeof(err)) != 0) {
        if (err[0] == '\0' || s.text != NULL || s.data != NULL) {
            fuzz_fail(T, "failure without a message, or buffers left allocated");
        }
        return 0;
    }
    if (s.text == NULL || s.stub.text != s.text || (s.stub.data != NULL && s.stub.data != s.data)) {
        fuzz_fail(T, "stub segments do not point at the decoded buffers");
    }
    cli_stub_free(&s);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    static const char stub[] =
        "\x00{\"entry\": 1077413304, \"text\": \"CAD0PxwA9D8AAPQ/pOv9Pw==\", "
        "\"text_start\": 1077411840, \"data\": \"ZCv8Pw==\", "
        "\"data_start\": 1070164904, \"bss_start\": 1070088192}";
    static const char nodata[] = "\x00{\"entry\":1,\"text\":\"AAAA\",\"text_start\":2}";
    static const char badnum[] = "\x00{\"entry\":-1,\"text\":\"AA==\",\"text_start\":1e20}";
    static const char b64a[] = "\x01SGVsbG8sIHdvcmxkIQ==";
    static const char b64b[] = "\x01 QUJD\nREVG-_==x";
    emit("stub.json", stub, sizeof(stub) - 1);
    emit("nodata.json", nodata, sizeof(nodata) - 1);
    emit("badnum.json", badnum, sizeof(badnum) - 1);
    emit("base64", b64a, sizeof(b64a) - 1);
    emit("base64-odd", b64b, sizeof(b64b) - 1);
}
