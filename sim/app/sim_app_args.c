/* Command-line parsing for esploader-sim (kept apart from main so it stays readable). */
#include "sim_app.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void sim_app_usage(FILE *out)
{
    fprintf(out,
            "usage: esploader-sim --chip CHIP [options]\n"
            "\n"
            "A virtual Espressif chip in its ROM serial-bootloader (and flasher-stub) mode.\n"
            "\n"
            "  --chip CHIP          esp8266, esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c5,\n"
            "                       esp32c6, esp32c61, esp32h2, esp32p4, esp32s31, esp32e22,\n"
            "                       esp32h21, esp32h4 (\"ESP32-C3\" works too)\n"
            "  --flash-size SIZE    4MB (default), 512KB, 1MB, 2MB, 8MB, 16MB, ... or bytes\n"
            "  --flash-file FILE    keep the flash in FILE (created erased if missing)\n"
            "  --strict             also send the stale status bytes 1-3 real ROMs send\n"
            "  --stub-family 1|2    conventions of the flasher stub once one is uploaded:\n"
            "                       1 legacy esptool stub (default), 2 esp-flasher-stub\n"
            "  --secure-download    Secure Download Mode (ESP32-S2 and later)\n"
            "  --chip-revision X.Y  burn revision vX.Y into the eFuses (ESP32-P4 only; the\n"
            "                       default is the chip table's, P4 v1.0)\n"
            "  --link-flip-begin N:MASK  link-fault model: the N-th ROM FLASH_BEGIN (or\n"
            "                       FLASH_DEFL_BEGIN) arrives with its erase size XORed with\n"
            "                       MASK, a line bit error in a command (no checksum covers\n"
            "                       commands)\n"
            "  --link-fail-above N  link-fault model, not chip behaviour: the line garbles\n"
            "                       every byte both ways while the UART runs above N baud\n"
            "                       (a marginal cable or USB bridge)\n"
            "  --no-timing          answer instantly (no UART or flash timing)\n"
            "  --listen ENDPOINT    pty (default), tcp:HOST:PORT or rfc2217:HOST:PORT;\n"
            "                       PORT 0 picks a free port; HOST must be loopback\n"
            "                       (127.0.0.1, ::1, localhost) unless --allow-remote\n"
            "  --allow-remote       allow listening on a non-loopback address\n"
            "  --port-file FILE     also write the endpoint (e.g. tcp:127.0.0.1:40123) to FILE\n"
            "  --quiet              no progress messages on stderr\n"
            "  --trace              dump every byte both ways on stderr (serial data, not\n"
            "                       telnet commands), with the chip's clock in ms\n"
            "  --help               this text\n"
            "\n"
            "Once ready it prints one line on stdout, e.g.\n"
            "  esploader-sim: ESP32 listening on tcp:127.0.0.1:40123\n"
            "\n"
            "Front-ends:\n"
            "  pty      a pseudo-terminal; point a serial client at the printed /dev/pts/N.\n"
            "           No modem lines (clients cannot reset the chip; they warn and go on).\n"
            "  tcp      raw TCP (esptool: --port socket://HOST:PORT). Each new connection\n"
            "           resets the chip into download mode. One client at a time.\n"
            "  rfc2217  telnet COM-PORT option (esptool: --port rfc2217://HOST:PORT). DTR/RTS\n"
            "           resets are recognised by pattern, as esptool's esp_rfc2217_server does:\n"
            "           DTR on = reset into download mode, RTS off = normal reset.\n"
            "\n"
            "Stops cleanly on SIGINT / SIGTERM. See docs/simulator-cli.md.\n");
}

static int parse_size(const char *s, uint32_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) {
        return -1;
    }
    char unit[8] = {0};
    size_t n = 0;
    while (*end != '\0' && n < sizeof(unit) - 1) {
        unit[n++] = (char)toupper((unsigned char)*end++);
    }
    if (*end != '\0') {
        return -1;
    }
    if (n == 0 || strcmp(unit, "B") == 0) {
        /* plain bytes */
    } else if (strcmp(unit, "K") == 0 || strcmp(unit, "KB") == 0) {
        v *= 1024u;
    } else if (strcmp(unit, "M") == 0 || strcmp(unit, "MB") == 0) {
        v *= 1024u * 1024u;
    } else {
        return -1;
    }
    /* NOR flash chips come in powers of two from 256 KB to 128 MB. */
    if (v < 256u * 1024u || v > 128u * 1024u * 1024u || (v & (v - 1)) != 0) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* "HOST:PORT", "[v6]:PORT" or "v6:addr:PORT" (last colon splits). */
static int parse_hostport(const char *s, sim_app_options_t *opt)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || colon[1] == '\0') {
        return -1;
    }
    size_t hlen = (size_t)(colon - s);
    const char *h = s;
    if (h[0] == '[') {
        if (hlen < 3 || h[hlen - 1] != ']') {
            return -1;
        }
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(opt->host) || strlen(colon + 1) >= sizeof(opt->port)) {
        return -1;
    }
    for (const char *p = colon + 1; *p; p++) {
        if (!isdigit((unsigned char)*p)) {
            return -1;
        }
    }
    if (atol(colon + 1) > 65535) {
        return -1;
    }
    memcpy(opt->host, h, hlen);
    opt->host[hlen] = '\0';
    strcpy(opt->port, colon + 1);
    return 0;
}

static int parse_listen(const char *s, sim_app_options_t *opt)
{
    if (strcmp(s, "pty") == 0) {
        opt->frontend = SIM_APP_PTY;
        return 0;
    }
    if (strncmp(s, "tcp:", 4) == 0) {
        opt->frontend = SIM_APP_TCP;
        return parse_hostport(s + 4, opt);
    }
    if (strncmp(s, "rfc2217:", 8) == 0) {
        opt->frontend = SIM_APP_RFC2217;
        return parse_hostport(s + 8, opt);
    }
    return -1;
}

int sim_app_parse_args(int argc, char **argv, sim_app_options_t *opt, char *err, size_t err_len)
{
    memset(opt, 0, sizeof(*opt));
    opt->frontend = SIM_APP_PTY;
    bool have_chip = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[32];
        /* Accept both "--opt value" and "--opt=value". */
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq != NULL && (size_t)(eq - a) < sizeof(name)) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
        } else if (strlen(a) < sizeof(name)) {
            strcpy(name, a);
        } else {
            snprintf(err, err_len, "unknown option '%.40s...'", a);
            return -1;
        }
        bool takes_value =
            strcmp(name, "--chip") == 0 || strcmp(name, "--flash-size") == 0 ||
            strcmp(name, "--flash-file") == 0 || strcmp(name, "--listen") == 0 ||
            strcmp(name, "--port-file") == 0 || strcmp(name, "--chip-revision") == 0 ||
            strcmp(name, "--link-fail-above") == 0 || strcmp(name, "--stub-family") == 0 ||
            strcmp(name, "--link-flip-begin") == 0;
        if (takes_value && val == NULL) {
            if (i + 1 >= argc) {
                snprintf(err, err_len, "%s needs a value", name);
                return -1;
            }
            val = argv[++i];
        } else if (!takes_value && val != NULL) {
            snprintf(err, err_len, "%s takes no value", name);
            return -1;
        }

        if (strcmp(name, "--chip") == 0) {
            if (!sim_chip_from_name(val, &opt->sim.chip)) {
                snprintf(err, err_len, "unknown chip '%s' (try --help)", val);
                return -1;
            }
            have_chip = true;
        } else if (strcmp(name, "--flash-size") == 0) {
            if (parse_size(val, &opt->sim.flash_size) != 0) {
                snprintf(err, err_len, "bad --flash-size '%s' (a power of two from 256KB to 128MB)",
                         val);
                return -1;
            }
        } else if (strcmp(name, "--flash-file") == 0) {
            opt->sim.flash_file = val;
        } else if (strcmp(name, "--listen") == 0) {
            if (parse_listen(val, opt) != 0) {
                snprintf(err, err_len,
                         "bad --listen '%s' (pty, tcp:HOST:PORT or rfc2217:HOST:PORT)", val);
                return -1;
            }
        } else if (strcmp(name, "--port-file") == 0) {
            opt->port_file = val;
        } else if (strcmp(name, "--stub-family") == 0) {
            if (strcmp(val, "1") != 0 && strcmp(val, "2") != 0) {
                snprintf(err, err_len, "bad --stub-family '%s' (1 or 2)", val);
                return -1;
            }
            opt->sim.stub_family = (uint8_t)(val[0] - '0');
        } else if (strcmp(name, "--strict") == 0) {
            opt->sim.strict = true;
        } else if (strcmp(name, "--secure-download") == 0) {
            opt->sim.secure_download = true;
        } else if (strcmp(name, "--chip-revision") == 0 || strcmp(name, "--link-fail-above") == 0) {
            bool rev = strcmp(name, "--chip-revision") == 0;
            char *end = NULL;
            unsigned long a = strtoul(val, &end, 10), b = 0;
            if (rev && end && *end == '.') {
                b = strtoul(end + 1, &end, 10);
            }
            if (end == val || *end != '\0' || (rev ? a > 7 || b > 15 : a < 300)) {
                snprintf(err, err_len,
                         rev ? "--chip-revision takes MAJOR.MINOR, e.g. 3.1"
                             : "--link-fail-above takes a baud rate >= 300");
                return -1;
            }
            if (rev) {
                opt->sim.revision = (uint16_t)(a * 100 + b);
            } else {
                opt->sim.link_fail_above = (uint32_t)a;
            }
        } else if (strcmp(name, "--link-flip-begin") == 0) {
            char *end = NULL;
            unsigned long n = strtoul(val, &end, 10), m = 0;
            if (end != val && *end == ':') {
                const char *ms = end + 1;
                m = strtoul(ms, &end, 0);
                if (end == ms) {
                    end = NULL;
                }
            } else {
                end = NULL;
            }
            if (end == NULL || *end != '\0' || n == 0 || n > 0xFFFFFFFFul || m == 0 ||
                m > 0xFFFFFFFFul) {
                snprintf(err, err_len, "--link-flip-begin takes N:MASK, e.g. 1:0x10000");
                return -1;
            }
            opt->sim.flip_begin_n = (uint32_t)n;
            opt->sim.flip_begin_mask = (uint32_t)m;
        } else if (strcmp(name, "--no-timing") == 0) {
            opt->sim.no_timing = true;
        } else if (strcmp(name, "--allow-remote") == 0) {
            opt->allow_remote = true;
        } else if (strcmp(name, "--trace") == 0) {
            opt->trace = true;
        } else if (strcmp(name, "--quiet") == 0 || strcmp(name, "-q") == 0) {
            opt->quiet = true;
        } else if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            opt->help = true;
            return 0;
        } else {
            snprintf(err, err_len, "unknown option '%s' (try --help)", name);
            return -1;
        }
    }
    if (!have_chip) {
        snprintf(err, err_len, "--chip is required (try --help)");
        return -1;
    }
    return 0;
}
