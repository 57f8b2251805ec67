/*
 * esploader: program Espressif chips through their serial ROM loader (and the flasher stub).
 * esptool-style commands and options; several -p ports flash boards in parallel.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chipname.h"
#include "eh_image.h"
#include "commands.h"
#include "multi.h"
#include "output.h"
#include "stub.h"
#include "util.h"

static void usage(FILE *f)
{
    int count;
    const cli_cmd_t *cmds = cli_cmd_table(&count);
    fprintf(
        f,
        "usage: esploader [options] COMMAND [command options] [args]\n"
        "\n"
        "options:\n"
        "  -p, --port PORT          serial device, socket://HOST:PORT or rfc2217://HOST:PORT;\n"
        "                           repeat it (or use a glob) to flash several boards at once\n"
        "  -b, --baud N             baud rate for the transfer (default 460800; the "
        "connection\n"
        "                           starts at 115200)\n"
        "  -c, --chip CHIP          auto (default), esp8266, esp32, esp32s2, esp32s3, "
        "esp32c2,\n"
        "                           esp32c3, esp32c5, esp32c6, esp32c61, esp32h2, esp32p4,\n"
        "                           esp32s31, esp32e22, esp32h21, esp32h4\n"
        "  --before ACTION          default-reset | no-reset | no-reset-no-sync | usb-reset |\n"
        "                           classic | unix-tight | custom:\"D0|R1|W0.1|D1|R0|W0.05|D0\"\n"
        "  -a, --after ACTION       hard-reset (default) | soft-reset | no-reset | "
        "no-reset-stub |\n"
        "                           watchdog-reset (USB-Serial/JTAG chips: RTC watchdog)\n"
        "  --no-stub                use only the ROM loader\n"
        "  --stub auto|none|PATH    flasher stub JSON (auto: esptool-js's, see docs/cli.md)\n"
        "  --connect-attempts N     reset+sync rounds (default 7)\n"
        "  --compress-level N       zlib level for -z (1-9; default 6, 1 with the stub at >= "
        "921600)\n"
        "  --gpio-chip NAME --gpio-boot N --gpio-reset N\n"
        "                           drive IO0/EN from host GPIOs (libgpiod) instead of DTR/RTS\n"
        "  --gpio-boot-active-high --gpio-reset-active-high\n"
        "                           that GPIO line is asserted high (boards with inverters)\n"
        "  --json                   machine-readable output on stdout\n"
        "  --trace                  print every protocol frame on stderr\n"
        "  --timings                print the time of each phase on stderr (also in --json)\n"
        "  -v, --verbose            more detail (twice: library log too)\n"
        "  -h, --help               this help; COMMAND --help for a command's help\n"
        "\n"
        "commands:\n");
    for (int i = 0; i < count; i++) {
        fprintf(f, "  %-18s %s\n", cmds[i].name, cmds[i].help);
    }
    fprintf(f, "\nexit codes: 0 ok, 1 failed, 2 bad input (nothing written), 3 port, 4 no "
               "connection,\n5 wrong chip, 6 verify mismatch, 7 unsupported, 8 boards failed "
               "differently\n");
}

static void cmd_usage(const cli_cmd_t *c)
{
    printf("usage: esploader [options] %s %s\n\n%s\n", c->name, c->args, c->help);
    if (c->details) {
        printf("\n%s", c->details);
    }
    printf("\nGlobal options (esploader --help) may come before or after the command.\n");
}

static int parse_before(const char *v, cli_opts_t *o)
{
    static const struct {
        const char *name;
        esploader_before_t val;
    } t[] = {
        {"default-reset", ESPLOADER_BEFORE_DEFAULT_RESET},
        {"no-reset", ESPLOADER_BEFORE_NO_RESET},
        {"no-reset-no-sync", ESPLOADER_BEFORE_NO_RESET_NO_SYNC},
        {"usb-reset", ESPLOADER_BEFORE_USB_JTAG_RESET},
        {"classic", ESPLOADER_BEFORE_CLASSIC_RESET},
        {"classic-reset", ESPLOADER_BEFORE_CLASSIC_RESET},
        {"unix-tight", ESPLOADER_BEFORE_UNIX_TIGHT_RESET},
        {"unix-tight-reset", ESPLOADER_BEFORE_UNIX_TIGHT_RESET},
    };
    char norm[32];
    snprintf(norm, sizeof(norm), "%s", v);
    for (char *c = norm; *c; c++) {
        if (*c == '_') {
            *c = '-';
        }
    }
    if (strncmp(v, "custom:", 7) == 0) {
        o->before = ESPLOADER_BEFORE_CUSTOM_RESET;
        o->custom_reset = v + 7;
        return 0;
    }
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(norm, t[i].name) == 0) {
            o->before = t[i].val;
            return 0;
        }
    }
    return -1;
}

static int parse_after(const char *v, cli_opts_t *o)
{
    char norm[32];
    snprintf(norm, sizeof(norm), "%s", v);
    for (char *c = norm; *c; c++) {
        if (*c == '_') {
            *c = '-';
        }
    }
    if (strcmp(norm, "hard-reset") == 0) {
        o->after = CLI_AFTER_HARD_RESET;
    } else if (strcmp(norm, "soft-reset") == 0) {
        o->after = CLI_AFTER_SOFT_RESET;
    } else if (strcmp(norm, "no-reset") == 0) {
        o->after = CLI_AFTER_NO_RESET;
    } else if (strcmp(norm, "no-reset-stub") == 0) {
        o->after = CLI_AFTER_NO_RESET_STUB;
    } else if (strcmp(norm, "watchdog-reset") == 0) {
        o->after = CLI_AFTER_WATCHDOG_RESET;
    } else {
        return -1;
    }
    return 0;
}

static int add_port(cli_opts_t *o, const char *p)
{
    if (strpbrk(p, "*?[") && !strstr(p, "://")) {
        glob_t g;
        if (glob(p, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
            fprintf(stderr, "error: -p %s: no port matches this pattern\n", p);
            return -1;
        }
        for (size_t i = 0; i < g.gl_pathc; i++) {
            if (o->port_count == CLI_MAX_PORTS) {
                break;
            }
            o->ports[o->port_count++] = cli_xstrdup(g.gl_pathv[i]);
        }
        globfree(&g);
        return 0;
    }
    if (o->port_count == CLI_MAX_PORTS) {
        fprintf(stderr, "error: too many ports (at most %d)\n", CLI_MAX_PORTS);
        return -1;
    }
    o->ports[o->port_count++] = p;
    return 0;
}

/* Returns -1 to exit with usage error, 1 when help was printed, 0 to go on. */
static int parse_args(int argc, char **argv, cli_opts_t *o)
{
    bool want_help = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[40] = "";
        /* --opt=value */
        if (strncmp(a, "--", 2) == 0 && strchr(a, '=')) {
            size_t n = (size_t)(strchr(a, '=') - a);
            if (n < sizeof(name)) {
                memcpy(name, a, n);
                name[n] = '\0';
                val = a + n + 1;
                a = name;
            }
        }
#define IS(x) (strcmp(a, x) == 0)
#define NEED_VAL()                                                                                 \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) {                                                                   \
                fprintf(stderr, "error: %s needs a value\n", a);                                   \
                return -1;                                                                         \
            }                                                                                      \
            val = argv[++i];                                                                       \
        }                                                                                          \
    } while (0)
        if (IS("-h") || IS("--help")) {
            want_help = true;
        } else if (IS("--version")) {
            printf("esploader %s\n", cli_version());
            return 1;
        } else if (IS("-p") || IS("--port")) {
            NEED_VAL();
            if (add_port(o, val) != 0) {
                return -1;
            }
        } else if (IS("-b") || IS("--baud")) {
            NEED_VAL();
            /* Above 5 Mbaud no ESP UART (and no common USB bridge) goes. */
            if (!cli_parse_u32(val, &o->baud) || o->baud < 300 || o->baud > 5000000) {
                fprintf(stderr,
                        "error: bad baud rate '%s' (300 to 5000000; usual: 115200, "
                        "230400, 460800, 921600)\n",
                        val);
                return -1;
            }
        } else if (IS("-c") || IS("--chip")) {
            NEED_VAL();
            if (!cli_chip_parse(val, &o->chip)) {
                fprintf(stderr,
                        "error: unknown chip '%s' (auto, esp8266, esp32, esp32s2, esp32s3, "
                        "esp32c2, esp32c3, esp32c5, esp32c6, esp32c61, esp32h2, esp32p4, "
                        "esp32s31, esp32e22, esp32h21, esp32h4)\n",
                        val);
                return -1;
            }
        } else if (IS("--before")) {
            NEED_VAL();
            if (parse_before(val, o) != 0) {
                fprintf(stderr, "error: bad --before '%s'\n", val);
                return -1;
            }
        } else if (IS("--after") || IS("-a")) {
            NEED_VAL();
            if (parse_after(val, o) != 0) {
                fprintf(stderr, "error: bad --after '%s'\n", val);
                return -1;
            }
        } else if (IS("--no-stub")) {
            o->stub = "none";
        } else if (IS("--stub")) {
            NEED_VAL();
            o->stub = val;
            if (strcmp(val, "auto") != 0 && strcmp(val, "none") != 0) {
                /* A stub file is input: check it now, before any port is opened. */
                cli_stub_t st;
                char err[600];
                if (cli_stub_load(val, &st, err, sizeof(err)) != 0) {
                    fprintf(stderr, "error: --stub: %s\n", err);
                    return -1;
                }
                cli_stub_free(&st);
            }
        } else if (IS("--connect-attempts")) {
            NEED_VAL();
            if (!cli_parse_u32(val, &o->connect_attempts)) {
                fprintf(stderr, "error: bad --connect-attempts '%s'\n", val);
                return -1;
            }
        } else if (IS("--compress-level")) {
            NEED_VAL();
            uint32_t lv;
            if (!cli_parse_u32(val, &lv) || lv < 1 || lv > 9) {
                fprintf(stderr, "error: --compress-level takes 1..9\n");
                return -1;
            }
            o->compress_level = (int)lv;
        } else if (IS("--partition-table-offset")) {
            NEED_VAL();
            if (!cli_parse_u32(val, &o->pt_offset)) {
                fprintf(stderr, "error: bad --partition-table-offset '%s'\n", val);
                return -1;
            }
        } else if (IS("--gpio-chip")) {
            NEED_VAL();
            o->gpio_chip = val;
        } else if (IS("--gpio-boot") || IS("--gpio-reset")) {
            bool boot = IS("--gpio-boot");
            NEED_VAL();
            uint32_t n;
            if (!cli_parse_u32(val, &n)) {
                fprintf(stderr, "error: bad GPIO line '%s'\n", val);
                return -1;
            }
            *(boot ? &o->gpio_boot : &o->gpio_reset) = (int)n;
        } else if (IS("--gpio-boot-active-high")) {
            o->gpio_boot_active_high = true;
        } else if (IS("--gpio-reset-active-high")) {
            o->gpio_reset_active_high = true;
        } else if (IS("--json")) {
            o->json = true;
        } else if (IS("--trace")) {
            o->trace = true;
        } else if (IS("--timings")) {
            o->timings = true;
        } else if (IS("-v") || IS("--verbose")) {
            o->verbose++;
        } else if (IS("-z") || IS("--compress")) {
            o->compress = CLI_COMPRESS_ON;
        } else if (IS("-u") || IS("--no-compress")) {
            o->compress = CLI_COMPRESS_OFF;
        } else if (IS("--flash-mode") || IS("-fm") || IS("--flash_mode")) {
            NEED_VAL();
            o->flash_mode = val;
        } else if (IS("--flash-freq") || IS("-ff") || IS("--flash_freq")) {
            NEED_VAL();
            o->flash_freq = val;
        } else if (IS("--flash-size") || IS("-fs") || IS("--flash_size")) {
            NEED_VAL();
            o->flash_size = val;
        } else if (IS("--no-verify")) {
            o->no_verify = true;
        } else if (IS("--verify")) {
            o->no_verify = false; /* esptool v4 option: verifying is the default here */
        } else if (IS("--no-diff")) {
            o->no_diff = true;
        } else if (IS("--diff")) {
            o->no_diff = false; /* the default; the last of --diff / --no-diff wins */
        } else if (IS("--force")) {
            o->force = true;
        } else if (IS("--file")) {
            NEED_VAL();
            o->file = val;
        } else if (IS("--erase-all") || IS("-e")) {
            o->erase_all = true;
        } else if (IS("--bytes")) {
            NEED_VAL();
            uint32_t n;
            if (!cli_parse_u32(val, &n) || n < 1 || n > 3) {
                fprintf(stderr, "error: --bytes takes 1, 2 or 3\n");
                return -1;
            }
            o->status_bytes = (int)n;
        } else if (IS("--non-volatile")) {
            o->non_volatile = true;
        } else if (IS("-o") || IS("--output")) {
            NEED_VAL();
            o->output = val;
        } else if (IS("-f") || IS("--format")) {
            NEED_VAL();
            if (strcmp(val, "raw") != 0 && strcmp(val, "hex") != 0) {
                fprintf(stderr, "error: --format takes raw or hex (uf2 is not supported)\n");
                return -1;
            }
            o->format = val;
        } else if (IS("-t") || IS("--target-offset")) {
            NEED_VAL();
            if (!cli_parse_u32(val, &o->target_offset)) {
                fprintf(stderr, "error: bad --target-offset '%s'\n", val);
                return -1;
            }
        } else if (IS("--pad-to-size") || IS("--fill-flash-size")) {
            NEED_VAL();
            if (eh_flash_size_bytes(val) == 0) {
                fprintf(stderr, "error: bad %s '%s' (256KB, 512KB, 1MB ... 128MB)\n", a, val);
                return -1;
            }
            o->pad_to_size = val;
        } else if (a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "error: unknown option '%s' (esploader --help)\n", argv[i]);
            return -1;
        } else if (!o->command) {
            o->command = a;
        } else {
            if (o->pos_count == (int)(sizeof(o->pos) / sizeof(o->pos[0]))) {
                fprintf(stderr, "error: too many arguments\n");
                return -1;
            }
            o->pos[o->pos_count++] = a;
        }
#undef IS
#undef NEED_VAL
    }
    if (want_help) {
        const cli_cmd_t *c = o->command ? cli_cmd_find(o->command) : NULL;
        if (c) {
            cmd_usage(c);
        } else {
            usage(stdout);
        }
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_opts_t o;
    memset(&o, 0, sizeof(o));
    o.argv0 = argv[0];
    o.baud = 460800;
    o.stub = "auto";
    o.compress_level = 0; /* 0: chosen per job (cli/write_plan.c) */
    o.pt_offset = 0x8000;
    o.status_bytes = 2;
    o.format = "raw";
    const char *env_port = getenv("ESPLOADER_PORT");

    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        return pr > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (!o.command) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const cli_cmd_t *cmd = cli_cmd_find(o.command);
    if (!cmd) {
        fprintf(stderr, "error: unknown command '%s' (esploader --help lists them)\n", o.command);
        return CLI_EXIT_USAGE;
    }
    o.command = cmd->name;
    if (o.pos_count < cmd->min_pos || (cmd->max_pos >= 0 && o.pos_count > cmd->max_pos)) {
        fprintf(stderr, "error: %s: wrong number of arguments\n", cmd->name);
        fprintf(stderr, "usage: esploader [options] %s %s\n", cmd->name, cmd->args);
        return CLI_EXIT_USAGE;
    }
    cli_out_init(o.json ? CLI_OUT_JSON : CLI_OUT_TEXT, -1, o.verbose);
    cJSON_AddStringToObject(cli_result(), "command", cmd->name);

    /* Input checks and file loading happen once, before any board is touched. */
    void *ctx = NULL;
    if (cmd->prepare) {
        int ec = cmd->prepare(&o, &ctx);
        if (ec != CLI_EXIT_OK) {
            cli_out_finish(ec);
            return ec;
        }
    }
    if (cli_cmd_offline(cmd, &o)) {
        int ec = cmd->run(NULL, ctx);
        cli_out_finish(ec);
        return ec;
    }
    if (o.port_count == 0 && env_port && *env_port && add_port(&o, env_port) != 0) {
        return CLI_EXIT_USAGE;
    }
    if (o.port_count == 0) {
        cli_error("no port given: use -p PORT (e.g. -p /dev/ttyUSB0, -p socket://localhost:4000) "
                  "or set ESPLOADER_PORT");
        cli_out_finish(CLI_EXIT_USAGE);
        return CLI_EXIT_USAGE;
    }
    if (o.port_count > 1) {
        if (!cmd->multi) {
            cli_error("%s works on one board at a time (%d ports given)", cmd->name, o.port_count);
            cli_out_finish(CLI_EXIT_USAGE);
            return CLI_EXIT_USAGE;
        }
        return cli_multi_run(&o, cmd, ctx);
    }
    int ec = cli_run_board(&o, cmd, ctx, o.ports[0]);
    cli_out_finish(ec);
    return ec;
}
