/*
 * flash_multiple_partitions for Linux: flash bootloader, partition table and app from a folder
 * per target chip. By default the target is the built-in simulator (a virtual ESP32 in this
 * process, on a virtual clock), so it runs anywhere with no hardware; --port points the same
 * flow at a real board or an esploader-sim process.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binaries_dir.h"
#include "esploader_port_sim.h"
#include "esploader_zlib_compress.h"
#include "esp_sim.h"
#include "esp_sim_link.h"
#include "flash_flow.h"
#include "sim_flash_check.h"
#ifdef EXAMPLE_HAVE_POSIX_PORT
#include "esploader_port_posix.h"
#endif

#ifndef EXAMPLE_DEFAULT_BINARIES
#define EXAMPLE_DEFAULT_BINARIES "binaries"
#endif
#define DEFAULT_BAUD 460800u

typedef struct options {
    const char *binaries;
    const char *chip; /* NULL = auto */
    const char *sim_chip;
    const char *port;
    const char *gpio_chip; /* BOOT/RESET on GPIO lines (Raspberry Pi) instead of DTR/RTS */
    int gpio_boot, gpio_reset;
    uint32_t baud;
    int check;
    int verbose, trace; /* library log messages / every SLIP frame, for diagnosing a board */
    int compress;       /* --compress: zlib on the host, FLASH_DEFL_* on the target */
    long long sim_cut;  /* tests: the simulated line dies after this many host bytes (-1 = no) */
} options_t;

/* What the log and read-back hooks need. */
typedef struct host {
    sim_link_t *link; /* simulator mode */
    uint32_t start_ms;
    struct timespec t0; /* real-port mode */
} host_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: flash_multiple_partitions [options]\n"
            "  --binaries DIR   folder with one sub-folder per target (default: %s)\n"
            "  --chip NAME      expected target chip (default: auto); it must match the "
            "detected one\n"
            "  --baud N         baud rate after connecting (default %u; the ESP8266 ROM "
            "stays at 115200)\n"
            "  --sim CHIP       flash the built-in simulator of CHIP, in this process, on a "
            "virtual clock\n"
            "                   (the default mode, CHIP ESP32)\n"
#ifdef EXAMPLE_HAVE_POSIX_PORT
            "  --port DEV|URL   a real board (/dev/ttyUSB0: DTR/RTS auto-reset) or an "
            "esploader-sim process\n"
            "                   (socket://host:port, rfc2217://host:port)\n"
            "  --gpio CHIP:BOOT:RESET  with --port: drive BOOT (IO0) and RESET (EN) from GPIO "
            "lines,\n"
            "                   e.g. gpiochip0:17:27 on a Raspberry Pi (needs libgpiod)\n"
#else
            "  --port DEV|URL   (not available: built without the POSIX port)\n"
#endif
            "  --check          simulator only: afterwards compare the simulated flash with "
            "the binaries\n"
            "  --compress       compress what is sent (zlib level 9 on this host; not the "
            "ESP8266 ROM)\n"
            "  --verbose        also print the library's own log messages\n"
            "  --trace          also print every frame sent and received (hex)\n"
            "  --sim-cut N      simulator only: the line goes dead after N bytes from the host "
            "(tests the\n"
            "                   error path)\n"
            "  --help           this text\n",
            EXAMPLE_DEFAULT_BINARIES, (unsigned)DEFAULT_BAUD);
}

static int parse_options(int argc, char **argv, options_t *o)
{
    memset(o, 0, sizeof *o);
    o->binaries = EXAMPLE_DEFAULT_BINARIES;
    o->baud = DEFAULT_BAUD;
    o->sim_cut = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--check") == 0) {
            o->check = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strcmp(a, "--compress") == 0) {
            o->compress = 1;
            continue;
        }
        if (strcmp(a, "--trace") == 0) {
            o->trace = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "flash_multiple_partitions: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--binaries") == 0) {
            o->binaries = v;
        } else if (strcmp(a, "--chip") == 0) {
            o->chip = strcmp(v, "auto") == 0 ? NULL : v;
        } else if (strcmp(a, "--sim") == 0) {
            o->sim_chip = v;
        } else if (strcmp(a, "--sim-cut") == 0) {
            o->sim_cut = strtoll(v, NULL, 0);
        } else if (strcmp(a, "--port") == 0) {
            o->port = v;
        } else if (strcmp(a, "--gpio") == 0) {
            static char chip[64];
            if (sscanf(v, "%63[^:]:%d:%d", chip, &o->gpio_boot, &o->gpio_reset) != 3) {
                fprintf(stderr, "flash_multiple_partitions: --gpio wants CHIP:BOOT:RESET\n");
                return -1;
            }
            o->gpio_chip = chip;
        } else if (strcmp(a, "--baud") == 0) {
            char *end;
            unsigned long b = strtoul(v, &end, 10);
            if (*end || b < 9600 || b > 5000000) {
                fprintf(stderr, "flash_multiple_partitions: bad baud rate '%s'\n", v);
                return -1;
            }
            o->baud = (uint32_t)b;
        } else {
            fprintf(stderr, "flash_multiple_partitions: unknown option '%s'\n", a);
            return -1;
        }
    }
    if (o->port && o->sim_chip) {
        fprintf(stderr, "flash_multiple_partitions: --sim and --port exclude each other\n");
        return -1;
    }
    if ((o->check || o->sim_cut >= 0) && o->port) {
        fprintf(stderr, "flash_multiple_partitions: --check needs the simulator (it reads "
                        "the simulated flash)\n");
        return -1;
    }
    if (o->gpio_chip && !o->port) {
        fprintf(stderr, "flash_multiple_partitions: --gpio needs --port\n");
        return -1;
    }
    if (!o->port && !o->sim_chip)
        o->sim_chip = "ESP32";
    return 0;
}

static uint32_t host_now_ms(void *user)
{
    host_t *h = user;
    if (h->link)
        return (uint32_t)(sim_link_now_us(h->link) / 1000u);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((t.tv_sec - h->t0.tv_sec) * 1000 + (t.tv_nsec - h->t0.tv_nsec) / 1000000);
}

/* ESP-IDF log style: "I (1234) example: text", ms since the program started. */
static void host_log(void *user, char level, const char *fmt, va_list ap)
{
    host_t *h = user;
    printf("%c (%u) example: ", level, (unsigned)(host_now_ms(h) - h->start_ms));
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

static void host_say(host_t *h, char level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    host_log(h, level, fmt, ap);
    va_end(ap);
}

/* --verbose: the library's log hook (a static message and one number). */
static void lib_log(void *user, esploader_log_level_t level, const char *msg, int32_t value)
{
    static const char levels[] = "?EWID";
    host_t *h = user;
    printf("%c (%u) esploader: %s (%ld)\n", levels[level <= 4 ? level : 0],
           (unsigned)(host_now_ms(h) - h->start_ms), msg, (long)value);
}

/* --trace: every frame body, unescaped; long data frames are cut short. */
static void lib_trace(void *user, bool tx, const uint8_t *frame, size_t len)
{
    host_t *h = user;
    printf("T (%u) %s %4zu:", (unsigned)(host_now_ms(h) - h->start_ms), tx ? ">>" : "<<", len);
    for (size_t i = 0; i < len && i < 24; i++)
        printf(" %02x", frame[i]);
    printf("%s\n", len > 24 ? " ..." : "");
}

/* The simulator's flash, for loaders that cannot verify (ESP8266 ROM). */
static int sim_read_back(void *user, uint32_t offset, void *buf, uint32_t len)
{
    host_t *h = user;
    size_t size;
    const uint8_t *flash = sim_flash(sim_link_sim(h->link), &size);
    if (!flash || offset > size || len > size - offset)
        return -1;
    memcpy(buf, flash + offset, len);
    return 0;
}

int main(int argc, char **argv)
{
    options_t o;
    if (parse_options(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    host_t host;
    memset(&host, 0, sizeof host);
    clock_gettime(CLOCK_MONOTONIC, &host.t0);

    esploader_chip_t want = ESPLOADER_CHIP_AUTO;
    if (o.chip) {
        want = example_chip_from_name(o.chip);
        if (want == ESPLOADER_CHIP_AUTO) {
            fprintf(stderr, "flash_multiple_partitions: unknown chip '%s'\n", o.chip);
            return 2;
        }
    }
    example_store_t store;
    example_dir_store_t dir;
    if (example_dir_store_init(&store, &dir, o.binaries) != 0) {
        fprintf(stderr,
                "flash_multiple_partitions: '%s' is not a readable folder "
                "(build the project first, or pass --binaries DIR)\n",
                o.binaries);
        return 1;
    }

    esploader_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    sim_t *sim = NULL;
#ifdef EXAMPLE_HAVE_POSIX_PORT
    esploader_posix_port_t *posix = NULL;
#endif
    if (o.sim_chip) {
        sim_config_t sc;
        memset(&sc, 0, sizeof sc);
        if (!sim_chip_from_name(o.sim_chip, &sc.chip)) {
            fprintf(stderr, "flash_multiple_partitions: the simulator has no chip '%s'\n",
                    o.sim_chip);
            return 2;
        }
        char err[160];
        sim = sim_new(&sc, err, sizeof err);
        if (!sim) {
            fprintf(stderr, "flash_multiple_partitions: simulator: %s\n", err);
            return 1;
        }
        host.link = sim_link_new(sim);
        if (!host.link) {
            sim_free(sim);
            fprintf(stderr, "flash_multiple_partitions: out of memory\n");
            return 1;
        }
        if (o.sim_cut >= 0) {
            sim_fault_t cut = {SIM_FAULT_CUT, SIM_DIR_TO_CHIP, (uint64_t)o.sim_cut, 0};
            sim_link_add_fault(host.link, &cut);
        }
        cfg.port = &esploader_port_sim_ops;
        cfg.port_ctx = host.link;
    } else {
#ifdef EXAMPLE_HAVE_POSIX_PORT
        esploader_posix_options_t po;
        memset(&po, 0, sizeof po);
        po.gpio_chip = o.gpio_chip;
        po.gpio_boot = o.gpio_boot;
        po.gpio_reset = o.gpio_reset;
        char err[256];
        if (esploader_posix_open(&posix, o.port, &po, err, sizeof err) != 0) {
            fprintf(stderr, "flash_multiple_partitions: %s: %s\n", o.port, err);
            return 1;
        }
        cfg.port = &esploader_posix_ops;
        cfg.port_ctx = posix;
        /* A raw TCP socket has no modem lines (esptool forces no-reset there too); a new
         * connection to esploader-sim is itself a reset into download mode. */
        if (strncmp(o.port, "socket://", 9) == 0)
            cfg.before = ESPLOADER_BEFORE_NO_RESET;
#else
        fprintf(stderr, "flash_multiple_partitions: built without the POSIX port: only the "
                        "simulator (--sim) is available\n");
        return 2;
#endif
    }
    host.start_ms = host_now_ms(&host);
    if (sim)
        host_say(&host, 'I',
                 "Target: built-in simulator of %s (timestamps on its virtual "
                 "clock)",
                 sim_chip_name(sim_chip(sim)));
    else
        host_say(&host, 'I', "Target: %s", o.port);

    if (o.verbose)
        cfg.log = lib_log;
    if (o.trace)
        cfg.trace = lib_trace;
    cfg.hook_user = &host;
    esploader_t loader;
    int rc = esploader_init(&loader, &cfg);
    example_flow_t flow;
    memset(&flow, 0, sizeof flow);
    esploader_compressor_t zc = {0};
    if (rc == ESPLOADER_OK && o.compress && esploader_zlib_compressor_open(&zc, 9) != 0) {
        host_say(&host, 'E', "cannot set up the zlib compressor");
        rc = ESPLOADER_ERR_HOST;
    }
    if (rc == ESPLOADER_OK) {
        flow.compressor = o.compress ? &zc : NULL;
        flow.loader = &loader;
        flow.store = &store;
        flow.target = want;
        flow.baud = o.baud;
        flow.log = host_log;
        flow.now_ms = host_now_ms;
        flow.read_back = sim ? sim_read_back : NULL;
        flow.user = &host;
        rc = example_flow_run(&flow);
    } else {
        host_say(&host, 'E', "esploader_init: %s", esploader_strerror(rc));
    }
    esploader_zlib_compressor_close(&zc);

    if (rc == EXAMPLE_OK && o.check) {
        size_t size;
        const uint8_t *flash = sim_flash(sim, &size);
        char msg[200];
        rc = example_sim_flash_check(flash, size, &store, flow.folder, flow.image, flow.images_done,
                                     msg, sizeof msg);
        host_say(&host, rc == 0 ? 'I' : 'E', "%s", msg);
    }
    if (sim) {
        sim_link_free(host.link);
        sim_free(sim);
    }
#ifdef EXAMPLE_HAVE_POSIX_PORT
    if (posix)
        esploader_posix_close(posix);
#endif
    return rc == EXAMPLE_OK ? 0 : 1;
}
