/*
 * libFuzzer target: the CLI's readers of command-line values and port URLs -- numbers with
 * size suffixes (cli/util.c cli_parse_u32: offsets, sizes, baud rates), flash mode / freq /
 * size names (hostlib/eh_image.c), chip names (esploader_chip_from_name), and the HOST:PORT split
 * of socket:// and rfc2217:// URLs (port/posix/posix_net.c, compiled in here to reach the static
 * splitter; nothing is ever connected). Byte 0 picks the reader, the rest is the text.
 * Invariants besides "no crash, no sanitizer report": an accepted number is exactly the
 * digits times the suffix (no wrap-around), a refused one is refused by a reason we can see;
 * a split host and port are non-empty, NUL-terminated pieces of the URL.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "eh_image.h"
#include "util.h"

#include "../../port/posix/posix_net.c"

#define T "fuzz_args"

static void check_u32(const char *s)
{
    uint32_t v = 0xDEADBEEF;
    bool ok = cli_parse_u32(s, &v);
    if (!ok) {
        if (v != 0xDEADBEEF) {
            fuzz_fail(T, "refused number still written");
        }
        return;
    }
    /* Re-derive the value the text means, without wrap-around. */
    char *end;
    errno = 0;
    unsigned long long digits = strtoull(s, &end, 0);
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1024;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1024 * 1024;
    }
    if (errno != 0 || s[0] == '-' || digits > 0xFFFFFFFFull / mul || (uint64_t)v != digits * mul) {
        fuzz_fail(T, "cli_parse_u32 accepted a number that is not what the text says");
    }
}

static void check_split(const char *s)
{
    char host[64], port[16];
    memset(host, 0x5A, sizeof(host));
    memset(port, 0x5A, sizeof(port));
    if (split_hostport(s, host, sizeof(host), port, sizeof(port)) != 0) {
        return;
    }
    if (memchr(host, 0, sizeof(host)) == NULL || memchr(port, 0, sizeof(port)) == NULL ||
        host[0] == '\0' || port[0] == '\0') {
        fuzz_fail(T, "split host/port empty or unterminated");
    }
    if (strstr(s, host) == NULL || strstr(s, port) == NULL) {
        fuzz_fail(T, "split pieces are not from the URL");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0:
        check_u32(s);
        break;
    case 1:
        check_split(s);
        break;
    case 2:
        for (int c = 1; c < ESPLOADER_CHIP_COUNT; c++) {
            int m = eh_flash_mode_code(s), f = eh_flash_freq_code((esploader_chip_t)c, s);
            int z = eh_flash_size_code((esploader_chip_t)c, s);
            if (m < -1 || m > 3 || f < -1 || f > 15 || z < -1 || z > 0xF0) {
                fuzz_fail(T, "flash option code out of range");
            }
        }
        if (eh_flash_size_bytes(s) % 1024 != 0) {
            fuzz_fail(T, "flash size not whole KB");
        }
        break;
    default: {
        esploader_chip_t c = esploader_chip_from_name(s);
        if ((unsigned)c >= ESPLOADER_CHIP_COUNT) {
            fuzz_fail(T, "chip out of range");
        }
        break;
    }
    }
    free(s);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    static const char *const seeds[] = {
        "\x00"
        "0x10000",
        "\x00"
        "4MB",
        "\x00"
        "64k",
        "\x00"
        "0x40000000000000M",
        "\x00"
        "4294967295",
        "\x00"
        "4096KB",
        "\x01"
        "127.0.0.1:4000?ign_set_control",
        "\x01"
        "[::1]:2217/x",
        "\x01"
        "host:",
        "\x02"
        "dio",
        "\x02"
        "80m",
        "\x02"
        "2MB-c1",
        "\x03"
        "ESP32-C3",
        "\x03"
        "esp32p4",
    };
    char name[16];
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        snprintf(name, sizeof(name), "arg-%zu", i);
        emit(name, seeds[i], 1 + strlen(seeds[i] + 1));
    }
}
