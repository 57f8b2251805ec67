#include "session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chipname.h"
#include "eh_image.h"
#include "output.h"
#include "stub.h"
#include "timeline.h"

int cli_exit_for(int err)
{
    switch (err) {
    case ESPLOADER_OK:
        return CLI_EXIT_OK;
    case ESPLOADER_ERR_VERIFY:
        return CLI_EXIT_VERIFY;
    case ESPLOADER_ERR_UNSUPPORTED:
        return CLI_EXIT_UNSUPPORTED;
    case ESPLOADER_ERR_INVALID_ARG:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_FAILED;
    }
}

const char *cli_errtext(cli_session_t *s, int err, char *buf, size_t len)
{
    if (err == ESPLOADER_ERR_TARGET && s) {
        const esploader_failure_t *f = esploader_last_failure(&s->loader);
        snprintf(buf, len, "%s: command 0x%02X failed, status 0x%02X reason 0x%02X (%s)",
                 esploader_strerror(err), f->command, f->status, f->reason,
                 f->stub ? "stub" : "ROM");
    } else {
        snprintf(buf, len, "%s", esploader_strerror(err));
    }
    return buf;
}

static void trace_print(bool tx, const uint8_t *frame, size_t len)
{
    char line[3 * 48 + 80];
    /* Milliseconds on the monotonic clock since the first frame: where the time goes. */
    static double t0 = -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
    if (t0 < 0) {
        t0 = now;
    }
    size_t k = (size_t)snprintf(line, sizeof(line), "%10.3f %s %4u:", now - t0, tx ? "TX" : "RX",
                                (unsigned)len);
    for (size_t i = 0; i < len && i < 48; i++) {
        k += (size_t)snprintf(line + k, sizeof(line) - k, " %02x", frame[i]);
    }
    if (len > 48) {
        snprintf(line + k, sizeof(line) - k, " ...");
    }
    fprintf(stderr, "%s\n", line);
}

/* Every frame feeds the timeline; --trace also prints it. */
static void trace_hook(void *user, bool tx, const uint8_t *frame, size_t len)
{
    const cli_session_t *s = user;
    cli_tl_frame(tx, frame, len);
    if (s->o->trace) {
        trace_print(tx, frame, len);
    }
}

static void log_hook(void *user, esploader_log_level_t level, const char *msg, int32_t value)
{
    (void)user;
    static const char *const names[] = {"", "E", "W", "I", "D"};
    fprintf(stderr, "[lib %s] %s (%ld)\n", names[level <= 4 ? level : 0], msg, (long)value);
}

int cli_port_open(cli_session_t *s, const cli_opts_t *o, const char *port)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->port_name = port;
    s->tcp = strncmp(port, "socket://", 9) == 0;
    s->rfc2217 = strncmp(port, "rfc2217://", 10) == 0;
    esploader_posix_options_t popt = {0};
    /* The ROM loaders auto-baud on SYNC; esptool syncs at min(115200, --baud) and raises the
     * rate with CHANGE_BAUDRATE later. */
    popt.baud = o->baud && o->baud < 115200 ? o->baud : 115200;
    if (o->gpio_chip && (s->tcp || s->rfc2217)) {
        /* A network port's board is wired to the server's serial adapter, not to our GPIOs. */
        cli_warn("--gpio-chip %s ignored: %s is a network port (GPIO reset lines are for a local "
                 "serial port)",
                 o->gpio_chip, port);
    } else {
        popt.gpio_chip = o->gpio_chip;
        popt.gpio_boot = o->gpio_boot;
        popt.gpio_reset = o->gpio_reset;
        popt.gpio_boot_active_high = o->gpio_boot_active_high;
        popt.gpio_reset_active_high = o->gpio_reset_active_high;
    }
    char err[512];
    int rc = esploader_posix_open(&s->port, port, &popt, err, sizeof(err));
    if (rc != 0) {
        cli_error("%s", err);
        return rc == ESPLOADER_ERR_INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_PORT;
    }
    s->ops = esploader_posix_ops;
    s->has_lines = !s->tcp;
    if (!s->tcp && !popt.gpio_chip) {
        /* Probe the modem lines once: a PTY (or a bridge without them) can't reset. */
        if (s->ops.set_lines(s->port, ESPLOADER_LINE_KEEP, ESPLOADER_LINE_KEEP) ==
            ESPLOADER_ERR_UNSUPPORTED) {
            s->has_lines = false;
        }
    }
    if (!s->has_lines) {
        s->ops.set_lines = NULL;
    }
    return CLI_EXIT_OK;
}

const char *cli_unsupported_why(cli_session_t *s, const char *what)
{
    static char buf[400];
    esploader_chip_t chip = esploader_get_target(&s->loader);
    if (esploader_secure_download_mode(&s->loader)) {
        snprintf(buf, sizeof(buf),
                 "%s is not possible: the chip is in Secure Download Mode, whose ROM accepts only "
                 "SYNC, SPI_ATTACH/SET_PARAMS, CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END and "
                 "GET_SECURITY_INFO (no MD5, no flash reads, no stub; docs/protocol.md §4)",
                 what);
    } else if (chip == ESPLOADER_CHIP_ESP8266 && !s->stub) {
        snprintf(buf, sizeof(buf),
                 "%s is not possible with the ESP8266 ROM loader (it has no "
                 "MD5 or flash-read command): use the flasher stub (--stub auto)",
                 what);
    } else {
        snprintf(buf, sizeof(buf), "%s is not supported by the %s %s loader", what,
                 cli_chip_name(chip), s->stub ? "stub" : "ROM");
    }
    return buf;
}

int cli_lib_fail(cli_session_t *s, const char *what, int rc)
{
    char eb[200];
    cli_error("%s failed: %s", what, cli_errtext(s, rc, eb, sizeof(eb)));
    return cli_exit_for(rc);
}

const char *cli_boot_log_text(cli_session_t *s, char *buf, size_t len)
{
    size_t n = 0, k = 0;
    const char *log = esploader_boot_log(&s->loader, &n);
    for (size_t i = 0; log && i < n && k + 1 < len; i++) {
        char c = log[i];
        buf[k++] = (c == '\r' || c == '\n') ? ' ' : (isprint((unsigned char)c) ? c : '.');
    }
    if (len) {
        buf[k] = '\0';
    }
    return buf;
}

static void report_connect_failure(cli_session_t *s, int rc)
{
    esploader_connect_diag_t d = esploader_connect_diag(&s->loader);
    char logtxt[ESPLOADER_BOOT_LOG + 1];
    size_t k = strlen(cli_boot_log_text(s, logtxt, sizeof(logtxt)));
    cJSON_AddStringToObject(cli_result(), "boot_log", logtxt);
    switch (d) {
    case ESPLOADER_DIAG_NO_SERIAL_DATA:
        cli_error("%s: no serial data received from the chip. Check that this is the right "
                  "port, that the board is powered, the TX/RX wiring, and that no other program "
                  "(serial monitor) holds the port",
                  s->port_name);
        break;
    case ESPLOADER_DIAG_WRONG_BOOT_MODE: {
        /* The library keeps the first ESPLOADER_BOOT_LOG bytes; a full buffer means more came.
         * A download-mode banner in them and still this diagnosis: the chip entered download
         * mode, then went on to boot (the text after a waiting ROM's banner). */
        bool full = k >= ESPLOADER_BOOT_LOG;
        bool dl = strstr(logtxt, "ownload") != NULL || strstr(logtxt, "OWNLOAD") != NULL;
        cli_error("%s: wrong boot mode: the chip booted normally instead of staying in the "
                  "download mode%s (boot log%s: \"%s\"). Hold BOOT/IO0 low during reset, or "
                  "check the auto-reset circuit (DTR/RTS) and --before",
                  s->port_name,
                  dl ? "; it showed the download-mode banner, then kept printing (a reset "
                       "after it: a failed --before usb-reset?)"
                     : "",
                  full ? ", its first bytes" : "", logtxt);
        break;
    }
    case ESPLOADER_DIAG_DOWNLOAD_NO_SYNC:
        cli_error("%s: the chip is in download mode (boot log: \"%s\") but did not answer "
                  "SYNC: check the host TX -> chip RX line and noise on the wire",
                  s->port_name, logtxt);
        break;
    case ESPLOADER_DIAG_WRONG_CHIP: {
        esploader_chip_t got = esploader_detected_chip(&s->loader); /* kept on a mismatch */
        if (s->o->chip_source) {
            /* The chip came from the build, not from the command line: blame the build. */
            cli_error("This chip is %s, but %s is for %s. Wrong board or wrong build?",
                      got != ESPLOADER_CHIP_AUTO ? cli_chip_name(got) : "another chip",
                      s->o->chip_source, cli_chip_name(s->o->chip));
        } else if (got != ESPLOADER_CHIP_AUTO && got != s->o->chip) {
            cli_error("This chip is %s, not %s. Wrong --chip argument?", cli_chip_name(got),
                      cli_chip_name(s->o->chip));
        } else {
            cli_error("the connected chip is not a %s. Wrong --chip argument?",
                      cli_chip_name(s->o->chip));
        }
        break;
    }
    case ESPLOADER_DIAG_UNKNOWN_CHIP:
        cli_error("%s: the chip answered but is of a kind esploader does not know", s->port_name);
        break;
    default: {
        char eb[160];
        cli_error("%s: failed to connect: %s%s%s", s->port_name, cli_errtext(s, rc, eb, sizeof(eb)),
                  k ? "; boot log: " : "", logtxt);
        break;
    }
    }
}

/* The highest of baud and the usual lower rates that the host side of the link can do: tried
 * on the port alone, before the chip is asked to switch, so a refusal costs nothing. */
static uint32_t usable_baud(cli_session_t *s, uint32_t want)
{
    static const uint32_t fallbacks[] = {3000000, 2000000, 1500000, 921600, 460800, 230400};
    if (!s->ops.set_baudrate || s->tcp || s->rfc2217) {
        return want; /* nothing to probe: TCP has no rate, an RFC 2217 server can't refuse */
    }
    uint32_t cands[8];
    size_t n = 0;
    cands[n++] = want;
    for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++) {
        if (fallbacks[i] < want) {
            cands[n++] = fallbacks[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (s->ops.set_baudrate(s->port, cands[i]) == 0) {
            s->ops.set_baudrate(s->port, 115200); /* back: the chip is still at 115200 */
            if (cands[i] != want) {
                cli_warn("the serial adapter does not support %u baud; using %u instead",
                         (unsigned)want, (unsigned)cands[i]);
            }
            return cands[i];
        }
    }
    cli_warn("the serial adapter does not support %u baud; staying at 115200", (unsigned)want);
    return 115200;
}

/* Replace (not duplicate) a field of the result when a reconnect sets it again. */
static void result_str(const char *key, const char *v)
{
    cJSON_DeleteItemFromObject(cli_result(), key);
    cJSON_AddStringToObject(cli_result(), key, v);
}

static int load_stub(cli_session_t *s)
{
    const cli_opts_t *o = s->o;
    esploader_chip_t chip = esploader_get_target(&s->loader);
    char path[1024], err[1024];
    const char *source = "--stub";
    if (strcmp(o->stub, "auto") == 0) {
        const char *name = cli_chip_slug(chip);
        uint32_t w;
        /* ESP32-P4 below v3.0 needs its own stub, as esptool and esptool-js choose: revision =
         * major * 100 + minor, major = bit 23 << 2 | bits 5:4 and minor = bits 3:0 of eFuse
         * BLOCK1 word 2 (docs/protocol.md §8.3, §9). */
        if (chip == ESPLOADER_CHIP_ESP32P4 &&
            esploader_read_register(&s->loader, 0x5012D04C, &w) == 0) {
            unsigned rev = ((w >> 23 & 1u) << 2 | (w >> 4 & 3u)) * 100u + (w & 0xFu);
            cli_debug("ESP32-P4 revision v%u.%u", rev / 100, rev % 100);
            if (rev < 300) {
                name = "esp32p4-rev1";
            }
        }
        if (cli_stub_find_named(chip, name, o->argv0, path, sizeof(path), &source, err,
                                sizeof(err)) != 0) {
            cli_warn("%s; continuing with the ROM loader (slower)", err);
            return CLI_EXIT_OK;
        }
    } else {
        snprintf(path, sizeof(path), "%s", o->stub);
    }
    cli_stub_t st;
    if (cli_stub_load(path, &st, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    cli_debug("stub: %s, from %s (text %u B @0x%08x, data %u B @0x%08x, entry 0x%08x)", path,
              source, (unsigned)st.stub.text_size, (unsigned)st.stub.text_addr,
              (unsigned)st.stub.data_size, (unsigned)st.stub.data_addr, (unsigned)st.stub.entry);
    cli_tl_mark(EH_PH_STUB);
    int rc = esploader_run_stub(&s->loader, &st.stub);
    cli_stub_free(&st);
    if (rc == ESPLOADER_ERR_UNSUPPORTED) {
        cli_warn("the ROM refused the flasher stub upload (%s); continuing with the ROM loader",
                 path);
        return CLI_EXIT_OK;
    }
    if (rc != 0) {
        char eb[160];
        cli_error("failed to start the flasher stub (%s): %s", path,
                  cli_errtext(s, rc, eb, sizeof(eb)));
        return cli_exit_for(rc);
    }
    s->stub = true;
    result_str("stub_file", path);
    result_str("stub_source", source);
    return CLI_EXIT_OK;
}

static int setup_flash(cli_session_t *s)
{
    const cli_opts_t *o = s->o;
    uint32_t size = 0, jedec = 0;
    const char *fs = o->flash_size;
    if (fs && strcmp(fs, "keep") != 0 && strcmp(fs, "detect") != 0) {
        size = eh_flash_size_bytes(fs);
    } else {
        int rc = esploader_flash_detect_size(&s->loader, &size, &jedec);
        if (rc != 0) {
            char eb[160];
            cli_warn("could not detect the flash size (%s); assuming 4MB",
                     cli_errtext(s, rc, eb, sizeof(eb)));
            size = 4u * 1024u * 1024u;
        }
    }
    s->flash_size = size;
    if (esploader_get_target(&s->loader) == ESPLOADER_CHIP_ESP8266 && !s->stub) {
        return CLI_EXIT_OK; /* the ESP8266 ROM has no SPI_SET_PARAMS */
    }
    int rc = esploader_flash_set_size(&s->loader, size);
    if (rc != 0 && rc != ESPLOADER_ERR_UNSUPPORTED) {
        char eb[160];
        cli_error("setting the flash size failed: %s", cli_errtext(s, rc, eb, sizeof(eb)));
        return cli_exit_for(rc);
    }
    return CLI_EXIT_OK;
}

/* raise_baud's "the link failed at this rate" (not an exit code: the session retries). */
#define LINK_FAILED (-100)

/* CHANGE_BAUDRATE to b. may_defer: a ROM that cannot (UNSUPPORTED) is left at 115200 without
 * an error, for the stub to do it. */
static int raise_baud(cli_session_t *s, uint32_t b, bool may_defer)
{
    cli_tl_mark(EH_PH_BAUD);
    int rc = esploader_change_baudrate(&s->loader, b);
    if (rc == ESPLOADER_ERR_UNSUPPORTED && may_defer) {
        return CLI_EXIT_OK;
    }
    if (rc == ESPLOADER_ERR_UNSUPPORTED && esploader_secure_download_mode(&s->loader)) {
        /* The C2/C5 ROMs need a crystal correction read from registers, which SDM refuses
         * (docs/protocol.md §5.12); nothing was sent. esptool stays too. */
        cli_warn("Secure Download Mode: the %s ROM's baud rate can't be corrected for its "
                 "crystal (register reads are refused); staying at 115200",
                 cli_chip_name(esploader_get_target(&s->loader)));
        return CLI_EXIT_OK;
    }
    if (rc == ESPLOADER_ERR_TIMEOUT || rc == ESPLOADER_ERR_PROTOCOL || rc == ESPLOADER_ERR_TARGET) {
        /* The change itself failed (no reply, or no SYNC at the new rate: a marginal cable
         * or USB bridge). The chip's rate is unknown now: the caller resets and tries lower. */
        s->baud_failed = b;
        s->baud_fail_rc = rc;
        return LINK_FAILED;
    }
    if (rc != 0) {
        char eb[160];
        cli_error("changing the baud rate to %u failed: %s", (unsigned)b,
                  cli_errtext(s, rc, eb, sizeof(eb)));
        return cli_exit_for(rc);
    }
    s->baud = b;
    cli_debug("baud rate now %u", (unsigned)b);
    return CLI_EXIT_OK;
}

/* The baud fall-back ladder: the next usual rate below a failed one; 115200 = no change. */
static uint32_t lower_baud(uint32_t failed)
{
    static const uint32_t ladder[] = {921600, 460800, 230400};
    for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++) {
        if (ladder[i] < failed) {
            return ladder[i];
        }
    }
    return 115200;
}

/* After a failed baud change: get the chip back into a fresh ROM loader at 115200. A raw TCP
 * port is reopened (a new connection is the reset on the bridges and the sim); other ports go
 * back to 115200 and the connect's reset sequence (DTR/RTS, RFC 2217, GPIO) resets the chip.
 * Without reset lines (a PTY) the chip cannot be reset: the reconnect then only works if the
 * chip never switched. */
static int reopen_for_retry(cli_session_t *s)
{
    if (s->tcp) {
        esploader_posix_close(s->port);
        s->port = NULL;
        esploader_posix_options_t popt = {0};
        popt.baud = 115200;
        char err[512];
        if (esploader_posix_open(&s->port, s->port_name, &popt, err, sizeof(err)) != 0) {
            cli_error("%s", err);
            return CLI_EXIT_PORT;
        }
        s->cfg.port_ctx = s->port;
    } else if (s->ops.set_baudrate) {
        s->ops.set_baudrate(s->port, 115200);
    }
    s->stub = false;
    s->baud = 0;
    return CLI_EXIT_OK;
}

static int bring_up(cli_session_t *s, unsigned need, uint32_t ceiling);

int cli_session_open(cli_session_t *s, const cli_opts_t *o, const char *port, unsigned need)
{
    int ec = cli_port_open(s, o, port);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    esploader_config_t *c = &s->cfg;
    c->port = &s->ops;
    c->port_ctx = s->port;
    c->chip = o->chip;
    c->before = o->before;
    c->connect_attempts = o->connect_attempts;
    c->initial_baud = o->baud && o->baud < 115200 ? o->baud : 115200;
    c->trace = trace_hook;
    c->hook_user = s;
    if (o->verbose >= 2) {
        c->log = log_hook;
    }
    if (o->before == ESPLOADER_BEFORE_CUSTOM_RESET) {
        int n = esploader_reset_parse(o->custom_reset, s->custom,
                                      sizeof(s->custom) / sizeof(s->custom[0]));
        if (n <= 0) {
            cli_error("bad custom reset sequence '%s' (example: \"D0|R1|W0.1|D1|R0|W0.05|D0\")",
                      o->custom_reset);
            return CLI_EXIT_USAGE;
        }
        c->custom_reset = s->custom;
        c->custom_reset_len = (size_t)n;
    }
    bool resetting =
        o->before != ESPLOADER_BEFORE_NO_RESET && o->before != ESPLOADER_BEFORE_NO_RESET_NO_SYNC;
    if (resetting && s->tcp) {
        /* Raw TCP has no modem lines; a new connection is the reset (as esptool does). */
        c->before = ESPLOADER_BEFORE_NO_RESET;
    } else if (resetting && !s->has_lines) {
        cli_warn("%s has no DTR/RTS lines (a PTY?): the chip was NOT reset, it must already "
                 "be in download mode",
                 port);
        c->before = ESPLOADER_BEFORE_NO_RESET;
    } else if (s->rfc2217 && o->before == ESPLOADER_BEFORE_DEFAULT_RESET) {
        /* RFC 2217 servers interpret the classic DTR/RTS pattern (docs/protocol.md §10.6). */
        c->before = ESPLOADER_BEFORE_CLASSIC_RESET;
    }
    /* Connect, stub, baud; when the baud change itself fails, reset, reconnect and try the
     * next lower rate (921600 -> 460800 -> 230400 -> 115200), one line each. */
    uint32_t ceiling = 0;
    for (;;) {
        ec = bring_up(s, need, ceiling);
        if (ec != LINK_FAILED) {
            return ec;
        }
        char eb[160];
        ceiling = lower_baud(s->baud_failed);
        if (ceiling > 115200) {
            cli_warn("changing the baud rate to %u failed (%s): resetting, reconnecting and "
                     "trying %u",
                     (unsigned)s->baud_failed, cli_errtext(s, s->baud_fail_rc, eb, sizeof(eb)),
                     (unsigned)ceiling);
        } else {
            cli_warn("changing the baud rate to %u failed (%s): resetting, reconnecting and "
                     "staying at 115200",
                     (unsigned)s->baud_failed, cli_errtext(s, s->baud_fail_rc, eb, sizeof(eb)));
        }
        ec = reopen_for_retry(s);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
    }
}

static int bring_up(cli_session_t *s, unsigned need, uint32_t ceiling)
{
    const cli_opts_t *o = s->o;
    esploader_config_t *c = &s->cfg;
    const char *port = s->port_name;
    int ec;
    int rc = esploader_init(&s->loader, c);
    if (rc != 0) {
        cli_error("invalid configuration: %s", esploader_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    cli_tl_mark(EH_PH_RESET_SYNC);
    rc = esploader_connect(&s->loader);
    if (rc != 0) {
        report_connect_failure(s, rc);
        esploader_connect_diag_t d = esploader_connect_diag(&s->loader);
        return d == ESPLOADER_DIAG_WRONG_CHIP ? CLI_EXIT_WRONG_CHIP : CLI_EXIT_CONNECT;
    }
    esploader_chip_t chip = esploader_get_target(&s->loader);
    result_str("chip", cli_chip_name(chip));
    {
        /* What the chip printed while being reset: shows which boot mode it took. */
        char txt[ESPLOADER_BOOT_LOG + 1];
        result_str("boot_log", cli_boot_log_text(s, txt, sizeof(txt)));
        if (txt[0]) {
            cli_debug("boot log: %s", txt);
        }
    }
    cli_info("Connected to %s on %s", cli_chip_name(chip), port);
    if (esploader_secure_download_mode(&s->loader)) {
        cli_warn("the chip is in Secure Download Mode: only a few commands work");
    }

    /* The baud rate goes up before the stub upload where the ROM can change it (all but the
     * ESP8266 ROM, and the C2/C5 ROMs in Secure Download Mode): the stub then travels at the
     * fast rate (10 KB: ~0.9 s at 115200, ~0.1 s at 921600) and keeps the UART as the ROM left
     * it, so it needs no second change. Where the ROM refuses, the stub changes it. */
    uint32_t want = 115200;
    if ((need & CLI_NEED_BAUD) && o->baud > 115200) {
        want = ceiling ? ceiling : usable_baud(s, o->baud);
    }
    bool baud_done = want <= 115200;
    if (!baud_done && chip != ESPLOADER_CHIP_ESP8266) {
        ec = raise_baud(s, want, true);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
        baud_done = s->baud == want;
    }

    if ((need & CLI_NEED_STUB) && strcmp(o->stub, "none") != 0) {
        if (esploader_secure_download_mode(&s->loader)) {
            /* The SDM ROM refuses MEM_BEGIN/MEM_DATA (docs/protocol.md §4): no stub upload. */
            cli_info("Secure Download Mode: the flasher stub can't be uploaded (the ROM refuses "
                     "RAM downloads); using the ROM loader");
        } else if (esploader_stub_running(&s->loader)) {
            s->stub = true;
            cli_info("Flasher stub already running");
        } else {
            ec = load_stub(s);
            if (ec != CLI_EXIT_OK) {
                return ec;
            }
            if (s->stub) {
                cli_info("Flasher stub running");
            }
        }
    }
    cJSON_DeleteItemFromObject(cli_result(), "stub");
    cJSON_AddBoolToObject(cli_result(), "stub", s->stub);

    if (!baud_done) {
        if (chip == ESPLOADER_CHIP_ESP8266 && !s->stub) {
            cli_info("The ESP8266 ROM cannot change the baud rate; staying at 115200");
        } else {
            ec = raise_baud(s, want, false);
            if (ec != CLI_EXIT_OK) {
                return ec;
            }
        }
    }
    if (need & CLI_NEED_FLASH) {
        cli_tl_mark(EH_PH_SETUP);
        ec = setup_flash(s);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
    }
    cli_tl_mark(EH_PH_HOST); /* until the next command: the program's own work */
    return CLI_EXIT_OK;
}

int cli_session_close(cli_session_t *s, bool run_after)
{
    int ec = CLI_EXIT_OK;
    if (run_after && s->port) {
        int rc = 0;
        cli_tl_mark(EH_PH_RESET);
        switch (s->o->after) {
        case CLI_AFTER_HARD_RESET:
            if (!s->ops.set_lines && s->tcp) {
                /* Raw TCP can't reset, as everyone using socket:// knows: no noise. */
                cli_debug("socket:// has no reset lines: chip not reset");
                break;
            }
            if (!s->ops.set_lines) {
                /* Leaving the loader by command works from the ROM and the ESP8266 stub only
                 * (docs/protocol.md §10.5): suggest it only where it can work. */
                bool soft = !s->stub || esploader_get_target(&s->loader) == ESPLOADER_CHIP_ESP8266;
                cli_warn("%s has no reset lines: the chip was not reset%s", s->port_name,
                         soft ? " (use --after soft-reset to leave the loader by command)"
                              : "; it stays in the flasher stub until reset or power-cycled "
                                "(--no-stub with --after soft-reset can start the app without "
                                "a reset line)");
                break;
            }
            rc = esploader_reset_target(&s->loader);
            if (rc == 0) {
                cli_info("Hard reset via RTS");
            }
            break;
        case CLI_AFTER_SOFT_RESET:
            /* ROM: FLASH_BEGIN(0,0) + FLASH_END(run); ESP8266 stub: RUN_USER_CODE. */
            rc = esploader_run_user_code(&s->loader);
            if (rc == 0) {
                cli_info("Soft reset: the app is starting");
            } else if (rc == ESPLOADER_ERR_UNSUPPORTED) {
                cli_warn("soft reset is not possible while the flasher stub runs on this chip "
                         "(docs/protocol.md §10.5): the chip stays in the loader; use --after "
                         "hard-reset or --no-stub");
                rc = 0;
            }
            break;
        case CLI_AFTER_WATCHDOG_RESET:
            rc = esploader_secure_download_mode(&s->loader) ? ESPLOADER_ERR_UNSUPPORTED
                                                            : cli_watchdog_reset(s);
            if (rc == 0) {
                cli_info("Hard resetting with a watchdog");
            } else if (rc == ESPLOADER_ERR_UNSUPPORTED) {
                /* As esptool: say so and fall back to the classic reset. */
                cli_warn("watchdog reset is not supported on %s%s: hard reset via RTS instead",
                         cli_chip_name(esploader_get_target(&s->loader)),
                         esploader_secure_download_mode(&s->loader) ? " in Secure Download Mode"
                                                                    : "");
                rc = s->ops.set_lines ? esploader_reset_target(&s->loader) : 0;
                if (!s->ops.set_lines) {
                    cli_warn("%s has no reset lines: the chip was not reset", s->port_name);
                }
            }
            break;
        default:
            break; /* no-reset, no-reset-stub: leave the loader (and stub) running */
        }
        if (rc != 0) {
            char eb[160];
            cli_warn("--after action failed: %s", cli_errtext(s, rc, eb, sizeof(eb)));
        }
    }
    esploader_posix_close(s->port);
    s->port = NULL;
    return ec;
}
