/* Flash commands: write-flash, verify-flash, flash BUILD_DIR, read-flash, erase-*. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "chipname.h"
#include "commands.h"
#include "esploader_zlib_compress.h"
#include "idf.h"
#include "eh_image.h"
#include "output.h"
#include "write_plan.h"
#include "timeline.h"
#include "util.h"

#define SECTOR 0x1000u

static const cli_opts_t *g_opts; /* the options of this run (set by each prepare) */

int cli_job_add_file(cli_write_job_t *job, uint32_t addr, const char *path)
{
    if (job->count == CLI_MAX_REGIONS) {
        cli_error("too many files (at most %d)", CLI_MAX_REGIONS);
        return CLI_EXIT_USAGE;
    }
    if (addr % 4) {
        cli_error("%s: address 0x%x is not a multiple of 4", path, (unsigned)addr);
        return CLI_EXIT_USAGE;
    }
    char err[512];
    uint8_t *data;
    size_t len;
    if (cli_read_file(path, &data, &len, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    if (len == 0) {
        free(data);
        cli_error("%s: file is empty", path);
        return CLI_EXIT_USAGE;
    }
    if (len > 0x10000000u || (uint64_t)addr + len > 0x100000000ull) {
        free(data);
        cli_error("%s: too large for a flash address space", path);
        return CLI_EXIT_USAGE;
    }
    /* Pad to 4 bytes with 0xFF, as esptool does: flash writes are word-sized. */
    size_t padded = (len + 3) & ~(size_t)3;
    uint8_t *p = realloc(data, padded);
    if (!p) {
        free(data);
        cli_error("out of memory");
        return CLI_EXIT_FAILED;
    }
    memset(p + len, 0xFF, padded - len);
    cli_region_t *r = &job->r[job->count++];
    r->addr = addr;
    r->data = p;
    r->len = (uint32_t)padded;
    r->path = path;
    return CLI_EXIT_OK;
}

static int cmp_region(const void *a, const void *b)
{
    const cli_region_t *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int cli_job_check_layout(cli_write_job_t *job)
{
    qsort(job->r, (size_t)job->count, sizeof(job->r[0]), cmp_region);
    for (int i = 0; i + 1 < job->count; i++) {
        const cli_region_t *a = &job->r[i], *b = &job->r[i + 1];
        uint64_t a_end = (uint64_t)a->addr + a->len;
        if (a_end > b->addr) {
            cli_error("%s (0x%x-0x%x) and %s (0x%x-0x%x) overlap", a->path, (unsigned)a->addr,
                      (unsigned)(a_end - 1), b->path, (unsigned)b->addr,
                      (unsigned)(b->addr + b->len - 1));
            return CLI_EXIT_USAGE;
        }
        /* Flash is erased in 4 KB sectors: two files sharing one would erase each other. */
        if (((a_end - 1) / SECTOR) == (b->addr / SECTOR)) {
            cli_error("%s ends in the same 4 KB flash sector (0x%x) where %s begins at 0x%x: "
                      "writing one would erase part of the other. Align files to 4 KB (0x1000)",
                      a->path, (unsigned)(b->addr & ~(SECTOR - 1)), b->path, (unsigned)b->addr);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_check_image_chip(const cli_region_t *r, esploader_chip_t chip, const char *against,
                         bool force)
{
    const esploader_chip_info_t *info = esploader_chip_info(chip);
    eh_image_t img;
    const uint8_t *d = r->data;
    if (!info || chip == ESPLOADER_CHIP_ESP8266) {
        return CLI_EXIT_OK;
    }
    if (eh_image_parse(d, r->len, chip, &img) != EH_IMAGE_OK) {
        /* Not a whole image (e.g. truncated): its 24-byte header still says which chip it is
         * for when it is plainly there (magic, 1-16 segments, a flash mode, hash flag 0/1). */
        if (r->len < 24 || d[0] != 0xE9 || d[1] == 0 || d[1] > 16 || d[2] > 3 || d[23] > 1) {
            return CLI_EXIT_OK;
        }
        img.chip_id = (uint16_t)(d[12] | d[13] << 8);
    }
    if (img.chip_id == info->image_chip_id) {
        return CLI_EXIT_OK;
    }
    esploader_chip_t other = esploader_chip_from_image_id(img.chip_id);
    if (force) {
        cli_warn("%s: this image was built for %s (image chip id %u), but %s is %s: writing it "
                 "anyway (--force)",
                 r->path, other != ESPLOADER_CHIP_AUTO ? cli_chip_name(other) : "an unknown chip",
                 (unsigned)img.chip_id, against, cli_chip_name(chip));
        return CLI_EXIT_OK;
    }
    cli_error("%s: this image was built for %s (image chip id %u), but %s is %s. "
              "Use --force to write it anyway",
              r->path, other != ESPLOADER_CHIP_AUTO ? cli_chip_name(other) : "an unknown chip",
              (unsigned)img.chip_id, against, cli_chip_name(chip));
    return CLI_EXIT_USAGE;
}

/* Patch the header of an image at the bootloader offset and check image chip ids. */
static int check_regions(cli_session_t *s, cli_write_job_t *job, bool quiet)
{
    esploader_chip_t chip = esploader_get_target(&s->loader);
    const esploader_chip_info_t *info = esploader_chip_info(chip);
    const cli_opts_t *o = s->o;
    for (int i = 0; i < job->count; i++) {
        cli_region_t *r = &job->r[i];
        if (s->flash_size && (uint64_t)r->addr + r->len > s->flash_size) {
            char sz[16];
            eh_flash_size_name(s->flash_size, sz, sizeof(sz));
            if (!o->force) {
                cli_error("%s: 0x%x + %u bytes ends past the end of the %s flash (--force to "
                          "try anyway)",
                          r->path, (unsigned)r->addr, (unsigned)r->len, sz);
                return CLI_EXIT_USAGE;
            }
            cli_warn("%s: 0x%x + %u bytes ends past the end of the %s flash: trying anyway "
                     "(--force)",
                     r->path, (unsigned)r->addr, (unsigned)r->len, sz);
        }
        if (cli_check_image_chip(r, chip, "the chip", o->force) != CLI_EXIT_OK) {
            return CLI_EXIT_USAGE;
        }
        if (info && r->addr == info->bootloader_offset) {
            const char *size = o->flash_size;
            char detected[16];
            if (size && strcasecmp(size, "detect") == 0) {
                size = eh_flash_size_name(s->flash_size ? s->flash_size : 4u << 20, detected,
                                          sizeof(detected));
            }
            char note[200];
            int pr = eh_image_patch(r->data, r->len, chip, o->flash_mode, o->flash_freq, size, note,
                                    sizeof(note));
            if (pr < 0) {
                cli_error("%s", note);
                return CLI_EXIT_USAGE;
            }
            if (pr > 0 && !quiet) {
                cli_info("%s: flash settings in the image header updated (mode/freq/size)%s",
                         r->path, r->data[23] == 1 ? ", SHA-256 recomputed" : "");
            } else if (note[0] && !quiet) {
                cli_warn("%s: %s", r->path, note);
            }
        }
    }
    return CLI_EXIT_OK;
}

/* Progress of one pipeline call, shown as progress of the whole region. */
typedef struct region_progress {
    uint32_t base, total;
} region_progress_t;

static void on_progress(void *user, uint32_t done, uint32_t total)
{
    const region_progress_t *p = user;
    (void)total;
    cli_progress("Writing", p->base + done, p->total);
}

/* What the loader running now can do: MD5 (for skipping and verifying), FLASH_DEFL_*. */
static void loader_caps(cli_session_t *s, bool *can_md5, bool *can_defl)
{
    const esploader_chip_info_t *info = esploader_chip_info(esploader_get_target(&s->loader));
    bool sdm = esploader_secure_download_mode(&s->loader);
    *can_md5 = !sdm && (s->stub || (info && info->rom_has_md5));
    *can_defl = !sdm && (s->stub || (info && info->rom_has_deflate)); /* SDM: no FLASH_DEFL */
}

/* One region through the library's write pipeline (esploader_flash_write_job): unchanged
 * sectors skipped (by MD5), the rest compressed through zlib, each written run verified. */
static int write_region(cli_session_t *s, const cli_region_t *r, cJSON *arr)
{
    const cli_opts_t *o = s->o;
    bool can_md5, can_defl;
    loader_caps(s, &can_md5, &can_defl);
    /* Defaults, the same for ROM and stub where the loader can (issue 12 item 8, as esptool):
     * compressed wherever the loader inflates, unchanged sectors skipped wherever it MD5s. */
    bool compress = o->compress != CLI_COMPRESS_OFF;
    if (compress && !can_defl) {
        if (o->compress == CLI_COMPRESS_ON) {
            cli_warn("%s; writing uncompressed",
                     esploader_secure_download_mode(&s->loader)
                         ? "Secure Download Mode refuses compressed data (FLASH_DEFL_*)"
                         : "this ROM cannot take compressed data");
        }
        compress = false;
    }
    bool diff = !o->no_diff && can_md5;

    /* The loaders write whole 4 KB sectors: start at a sector boundary, filling with 0xFF as
     * esptool does (the layout check made sure no other file shares that sector). */
    uint32_t addr = r->addr & ~(SECTOR - 1);
    uint32_t lead = r->addr - addr;
    uint32_t len = r->len + lead;
    uint8_t *buf = r->data;
    if (lead) {
        buf = cli_xmalloc(len);
        memset(buf, 0xFF, lead);
        memcpy(buf + lead, r->data, r->len);
        cli_warn("%s: 0x%x is not 4 KB aligned: writing from 0x%x with 0xFF in front", r->path,
                 (unsigned)r->addr, (unsigned)addr);
    }
    /* Is a search worth it? A few sampled sectors say whether the flash holds this data
     * already in places (a reflash) or not at all (erased, or something else). */
    if (diff) {
        bool worth = true;
        if (cli_plan_worth_diff(s, addr, buf, len, &worth) == 0 && !worth) {
            cli_debug("%s: no sampled sector holds its data yet: writing it all, no search",
                      r->path);
            diff = false;
        }
    }
    uint32_t unit = cli_plan_unit(s, diff, compress);
    esploader_compressor_t zc = {0};
    if (compress && esploader_zlib_compressor_open(&zc, cli_plan_level(s)) != 0) {
        cli_error("%s: cannot set up the zlib compressor", r->path);
        if (lead) {
            free(buf);
        }
        return CLI_EXIT_FAILED;
    }
    /* Work memory: one 16 KB block of compressed output (the stub's block size). */
    static uint8_t work[0x4000];
    esploader_write_job_t job = {0}; /* the totals over the calls */
    region_progress_t rp = {0, len};

    cli_info("Writing %s at 0x%08x: %u bytes%s%s", r->path, (unsigned)addr, (unsigned)len,
             compress ? ", compressed" : "", diff ? ", unchanged sectors skipped" : "");
    double t0 = cli_now_s();
    int rc = 0;
    bool verified = true;
    /* Writing it all in several calls: one MD5 of the region at the end instead of one per
     * call (the same bytes hashed, fewer round trips). */
    bool one_md5 = unit && !diff && !o->no_verify && len > unit;
    /* The parts then go unverified, so the pipeline takes no guard MD5 of its own: take the
     * region's here (the flash after it and below it, which a damaged FLASH_BEGIN would erase
     * unseen; esploader_flash_guard_md5). No span or a refusal: unguarded. */
    uint8_t guard[16], guard_now[16];
    int guard_n = one_md5 ? esploader_flash_guard_md5(&s->loader, addr, len, guard) : 0;
    bool guarded = guard_n > 0;
    /* One pipeline call per unit (cli/write_plan.c: 64 KB flash blocks, or the region). */
    for (uint32_t pos = 0; rc == 0 && pos < len;) {
        uint32_t n = len - pos;
        if (unit) {
            uint32_t to_border = unit - ((addr + pos) & (unit - 1));
            n = n < to_border ? n : to_border;
        }
        esploader_write_job_t part = {0};
        part.offset = addr + pos;
        part.size = n;
        part.data = buf + pos;
        part.compressor = compress ? &zc : NULL;
        part.work = work;
        part.work_size = sizeof(work);
        part.flags = (o->no_verify || one_md5 ? ESPLOADER_FINISH_NO_VERIFY : 0) |
                     (diff ? ESPLOADER_WRITE_SKIP_UNCHANGED : 0);
        part.progress = on_progress;
        part.progress_user = &rp;
        rp.base = pos;
        rc = esploader_flash_write_job(&s->loader, &part);
        verified = verified && rc == 0 && (one_md5 || esploader_flash_verified(&s->loader));
        job.changed += part.changed;
        job.wire += part.wire;
        job.md5s = (uint16_t)(job.md5s + part.md5s);
        job.transfers = (uint16_t)(job.transfers + part.transfers);
        job.deflated = (uint16_t)(job.deflated + part.deflated);
        job.fail_offset = part.fail_offset;
        job.host_err = part.host_err;
        pos += n;
    }
    if (rc == 0 && one_md5) {
        rc = esploader_flash_verify_buffer(&s->loader, addr, buf, len);
        verified = rc == 0;
        job.fail_offset = addr;
        job.md5s++;
    }
    if (guarded && (rc == 0 || rc == ESPLOADER_ERR_VERIFY || rc == ESPLOADER_ERR_TARGET)) {
        int g = esploader_flash_guard_md5(&s->loader, addr, len, guard_now);
        job.md5s = (uint16_t)(job.md5s + guard_n + (g > 0 ? g : 1));
        if (g > 0 && memcmp(guard, guard_now, sizeof(guard)) != 0) {
            rc = ESPLOADER_ERR_VERIFY;
            verified = false;
            job.fail_offset = addr + len; /* outside the region: the guard's (see below) */
        } else if (rc == 0 && g < 0) {
            rc = g;
        }
    }
    double dt = cli_now_s() - t0;
    esploader_zlib_compressor_close(&zc);
    if (lead) {
        free(buf);
    }
    bool skipped = rc == 0 && job.changed == 0;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, j);
    cJSON_AddStringToObject(j, "file", r->path);
    cJSON_AddNumberToObject(j, "address", addr);
    cJSON_AddNumberToObject(j, "size", len);
    cJSON_AddBoolToObject(j, "compressed", job.deflated > 0);
    if (compress) {
        cJSON_AddNumberToObject(j, "compressed_size", job.wire);
    }
    if (diff) {
        cJSON_AddNumberToObject(j, "changed_bytes", job.changed);
    }
    cJSON_AddNumberToObject(j, "md5_requests", job.md5s);
    cJSON_AddBoolToObject(j, "skipped", skipped);
    cJSON_AddNumberToObject(j, "seconds", dt);
    cJSON_AddBoolToObject(j, "verified", verified);
    if (rc != 0 && rc == ESPLOADER_ERR_VERIFY && job.fail_offset >= addr + len) {
        /* the guard MD5 changed (esploader_flash_guard_md5): flash outside the region */
        cli_error("%s: flash outside the region 0x%08x-0x%08x changed while it was written "
                  "(checked: up to 64 KB after it and up to 64 KB from 0x0 below it): a command "
                  "damaged on the line (FLASH_BEGIN) made the loader erase elsewhere. Write "
                  "again what lies there (the bootloader, the partition table, the next "
                  "partition: flash the whole build), then run this command again",
                  r->path, (unsigned)addr, (unsigned)(addr + len));
        return CLI_EXIT_FAILED;
    }
    if (rc != 0) {
        char what[200];
        snprintf(what, sizeof(what), "%s: %s at 0x%08x", r->path,
                 rc == ESPLOADER_ERR_VERIFY ? "verification" : "writing",
                 (unsigned)job.fail_offset);
        if (rc == ESPLOADER_ERR_HOST) {
            cli_error("%s failed: the zlib compressor failed (%d)", what, job.host_err);
            return CLI_EXIT_FAILED;
        }
        return cli_lib_fail(s, what, rc);
    }
    const char *v = verified       ? ", hash verified"
                    : o->no_verify ? ""
                                   : ", NOT verified (this loader has no MD5)";
    if (skipped) {
        cli_info("%s at 0x%08x: unchanged, skipped (--no-diff to write anyway)%s", r->path,
                 (unsigned)addr, v);
        return CLI_EXIT_OK;
    }
    char z[64] = "";
    if (compress && job.deflated == 0) {
        snprintf(z, sizeof(z), ", incompressible: sent uncompressed");
    } else if (compress) {
        snprintf(z, sizeof(z), ", %u bytes compressed", (unsigned)job.wire);
    }
    if (job.changed < len) {
        cli_info("%s at 0x%08x: %u of %u bytes differ from the flash, wrote only those%s", r->path,
                 (unsigned)addr, (unsigned)job.changed, (unsigned)len, z);
        cli_info("Updated %u bytes at 0x%08x in %.2f s (%u MD5 requests)%s", (unsigned)len,
                 (unsigned)addr, dt, (unsigned)job.md5s, v);
    } else {
        cli_info("Wrote %u bytes at 0x%08x in %.2f s (%.1f KB/s%s)%s", (unsigned)len,
                 (unsigned)addr, dt, dt > 0 ? len / dt / 1024 : 0.0, z, v);
    }
    return CLI_EXIT_OK;
}

/*
 * A write cut short -- by an error, or by SIGINT/SIGTERM (Ctrl-C, a killed job) -- says which
 * region was not finished and that running the same command again completes it (regions
 * already written are then skipped as unchanged where the loader can MD5). The signal handler
 * only write()s a message formatted before the region started, then exits 128 + signal.
 */
static char g_unfinished[600];
static volatile sig_atomic_t g_unfinished_len;

static void unfinished_text(const cli_write_job_t *job, int i, const char *how)
{
    const cli_region_t *r = &job->r[i];
    int n = snprintf(g_unfinished, sizeof(g_unfinished),
                     "%s: %s at 0x%08x-0x%08x was not finished%s%s; run the same command again "
                     "to complete the write\n",
                     how, r->path, (unsigned)r->addr, (unsigned)(r->addr + r->len),
                     i + 1 < job->count ? " and the regions after it were not started: " : "",
                     i + 1 < job->count ? job->r[i + 1].path : "");
    if (i + 2 < job->count && n > 0 && (size_t)n < sizeof(g_unfinished) - 16) {
        snprintf(g_unfinished + n - 1, sizeof(g_unfinished) - (size_t)n + 1, " (+%d more)\n",
                 job->count - i - 2);
    }
}

static void on_interrupt(int sig)
{
    if (g_unfinished_len > 0) {
        ssize_t w = write(STDERR_FILENO, g_unfinished, (size_t)g_unfinished_len);
        (void)w;
    }
    _exit(128 + sig);
}

int cli_job_write(cli_session_t *s, cli_write_job_t *job)
{
    int ec = check_regions(s, job, false);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    cJSON *arr = cJSON_AddArrayToObject(cli_result(), "regions");
    for (int i = 0; i < job->count && ec == CLI_EXIT_OK; i++) {
        g_unfinished_len = 0;
        unfinished_text(job, i, "interrupted");
        g_unfinished_len = (sig_atomic_t)strlen(g_unfinished);
        ec = write_region(s, &job->r[i], arr);
        g_unfinished_len = 0;
        if (ec != CLI_EXIT_OK) {
            unfinished_text(job, i, "write failed");
            cli_error("%.*s", (int)strlen(g_unfinished) - 1, g_unfinished);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return ec;
}

int cli_job_verify(cli_session_t *s, cli_write_job_t *job)
{
    int ec = check_regions(s, job, true);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    cJSON *arr = cJSON_AddArrayToObject(cli_result(), "regions");
    int result = CLI_EXIT_OK;
    for (int i = 0; i < job->count; i++) {
        const cli_region_t *r = &job->r[i];
        int rc = esploader_flash_verify_buffer(&s->loader, r->addr, r->data, r->len);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "file", r->path);
        cJSON_AddNumberToObject(j, "address", r->addr);
        cJSON_AddNumberToObject(j, "size", r->len);
        cJSON_AddBoolToObject(j, "match", rc == 0);
        cJSON_AddItemToArray(arr, j);
        if (rc == 0) {
            cli_info("%s at 0x%08x: verified (%u bytes match)", r->path, (unsigned)r->addr,
                     (unsigned)r->len);
        } else if (rc == ESPLOADER_ERR_VERIFY) {
            cli_error("%s at 0x%08x: flash contents DIFFER from the file", r->path,
                      (unsigned)r->addr);
            result = CLI_EXIT_VERIFY;
        } else if (rc == ESPLOADER_ERR_UNSUPPORTED) {
            cli_error("%s", cli_unsupported_why(s, "verification (SPI_FLASH_MD5)"));
            return CLI_EXIT_UNSUPPORTED;
        } else {
            return cli_lib_fail(s, "verification", rc);
        }
    }
    return result;
}

int cli_read_region(cli_session_t *s, uint32_t addr, uint8_t *buf, uint32_t size, const char *what)
{
    /* Chunks small enough for a live progress display; the stub streams each one. */
    uint32_t chunk = s->stub ? 0x10000u : 0x1000u;
    for (uint32_t off = 0; off < size; off += chunk) {
        uint32_t n = size - off < chunk ? size - off : chunk;
        int rc = esploader_flash_read(&s->loader, addr + off, buf + off, n);
        if (rc == ESPLOADER_ERR_UNSUPPORTED) {
            cli_error("%s", cli_unsupported_why(s, "reading flash"));
            return CLI_EXIT_UNSUPPORTED;
        }
        if (rc != 0) {
            return cli_lib_fail(s, "reading flash", rc);
        }
        cli_progress(what, off + n, size);
    }
    return CLI_EXIT_OK;
}

/* ---- write-flash / verify-flash ---------------------------------------------------------- */

static cli_write_job_t g_job;

int cli_check_flash_options(const cli_opts_t *o)
{
    if (o->flash_mode && strcasecmp(o->flash_mode, "keep") != 0 &&
        eh_flash_mode_code(o->flash_mode) < 0) {
        cli_error("invalid --flash-mode '%s' (qio, qout, dio, dout or keep)", o->flash_mode);
        return CLI_EXIT_USAGE;
    }
    if (o->flash_size && strcasecmp(o->flash_size, "keep") != 0 &&
        strcasecmp(o->flash_size, "detect") != 0 && eh_flash_size_bytes(o->flash_size) == 0) {
        cli_error("invalid --flash-size '%s' (1MB, 2MB, 4MB, ... 128MB, detect or keep)",
                  o->flash_size);
        return CLI_EXIT_USAGE;
    }
    if (o->flash_freq && strcasecmp(o->flash_freq, "keep") != 0) {
        esploader_chip_t c = o->chip == ESPLOADER_CHIP_AUTO ? ESPLOADER_CHIP_ESP32 : o->chip;
        if (eh_flash_freq_code(c, o->flash_freq) < 0 &&
            (o->chip != ESPLOADER_CHIP_AUTO ||
             (eh_flash_freq_code(ESPLOADER_CHIP_ESP32C2, o->flash_freq) < 0 &&
              eh_flash_freq_code(ESPLOADER_CHIP_ESP32H2, o->flash_freq) < 0))) {
            cli_error("invalid --flash-freq '%s'%s%s", o->flash_freq,
                      o->chip != ESPLOADER_CHIP_AUTO ? " for " : "",
                      o->chip != ESPLOADER_CHIP_AUTO ? cli_chip_name(o->chip) : "");
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_prep_pairs(cli_opts_t *o, void **ctx)
{
    g_opts = o;
    if (o->pos_count % 2 != 0) {
        cli_error("%s: expected ADDR FILE pairs (got %d arguments)", o->command, o->pos_count);
        return CLI_EXIT_USAGE;
    }
    int ec = cli_check_flash_options(o);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    for (int i = 0; i < o->pos_count; i += 2) {
        uint32_t addr;
        if (!cli_parse_u32(o->pos[i], &addr)) {
            cli_error("%s: bad address '%s' (examples: 0x1000, 65536, 64k)", o->command, o->pos[i]);
            return CLI_EXIT_USAGE;
        }
        ec = cli_job_add_file(&g_job, addr, o->pos[i + 1]);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
    }
    ec = cli_job_check_layout(&g_job);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    /* With --chip we can check images now, before touching any board. */
    if (o->chip != ESPLOADER_CHIP_AUTO && !o->force) {
        for (int i = 0; i < g_job.count; i++) {
            if (cli_check_image_chip(&g_job.r[i], o->chip, "--chip", false) != CLI_EXIT_OK) {
                return CLI_EXIT_USAGE;
            }
        }
    }
    *ctx = &g_job;
    return CLI_EXIT_OK;
}

int cli_run_write_flash(cli_session_t *s, void *ctx)
{
    if (s->o->erase_all) {
        /* --erase-all: the whole chip first, as esptool; but only once the files passed the
         * chip and flash-size checks (bad input must not cost the flash contents). */
        int ec = check_regions(s, ctx, true);
        if (ec == CLI_EXIT_OK) {
            ec = cli_run_erase_flash(s, NULL);
        }
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
    }
    return cli_job_write(s, ctx);
}

int cli_run_verify_flash(cli_session_t *s, void *ctx)
{
    return cli_job_verify(s, ctx);
}

/* ---- flash BUILD_DIR ---------------------------------------------------------------------- */

static cli_idf_build_t g_build;

int cli_prep_flash_build(cli_opts_t *o, void **ctx)
{
    char err[1024];
    if (cli_idf_load(o->pos[0], &g_build, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    if (g_build.chip[0]) {
        esploader_chip_t c;
        if (!cli_chip_parse(g_build.chip, &c)) {
            cli_error("%s/flasher_args.json: unknown chip '%s'", o->pos[0], g_build.chip);
            return CLI_EXIT_USAGE;
        }
        if (o->chip != ESPLOADER_CHIP_AUTO && o->chip != c) {
            cli_error("the build in %s is for %s, but --chip is %s", o->pos[0], cli_chip_name(c),
                      cli_chip_name(o->chip));
            return CLI_EXIT_USAGE;
        }
        if (o->chip == ESPLOADER_CHIP_AUTO) {
            static char src[1100];
            snprintf(src, sizeof(src), "%s/flasher_args.json", o->pos[0]);
            o->chip_source = src; /* a mismatch on connect names the build, not --chip */
        }
        o->chip = c; /* connect fails clearly if a different chip answers */
    }
    /* The build's flash settings, unless given on the command line. */
    if (!o->flash_mode && g_build.flash_mode[0]) {
        o->flash_mode = g_build.flash_mode;
    }
    if (!o->flash_freq && g_build.flash_freq[0]) {
        o->flash_freq = g_build.flash_freq;
    }
    if (!o->flash_size && g_build.flash_size[0]) {
        o->flash_size = g_build.flash_size;
    }
    int ec = cli_check_flash_options(o);
    if (ec != CLI_EXIT_OK) {
        cli_error("(flash settings from %s/flasher_args.json)", o->pos[0]);
        return ec;
    }
    for (int i = 0; i < g_build.count; i++) {
        ec = cli_job_add_file(&g_job, g_build.offset[i], g_build.path[i]);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
    }
    ec = cli_job_check_layout(&g_job);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    g_opts = o;
    *ctx = &g_job;
    return CLI_EXIT_OK;
}

/* ---- read-flash / erase ------------------------------------------------------------------- */

typedef struct range_args {
    uint32_t addr, size;
    bool all;
    const char *path;
} range_args_t;

static range_args_t g_range;

int cli_prep_read_flash(cli_opts_t *o, void **ctx)
{
    g_range.path = o->pos[2];
    g_range.all = strcasecmp(o->pos[1], "all") == 0;
    if (!cli_parse_u32(o->pos[0], &g_range.addr) ||
        (!g_range.all && (!cli_parse_u32(o->pos[1], &g_range.size) || g_range.size == 0))) {
        cli_error("read-flash: expected ADDR SIZE FILE (SIZE like 0x1000, 64k, 4MB or all)");
        return CLI_EXIT_USAGE;
    }
    /* Fail on an unwritable destination now, not after a long read. */
    FILE *f = fopen(g_range.path, "ab");
    if (!f) {
        cli_error("%s: cannot write there", g_range.path);
        return CLI_EXIT_USAGE;
    }
    fclose(f);
    *ctx = &g_range;
    return CLI_EXIT_OK;
}

int cli_run_read_flash(cli_session_t *s, void *ctx)
{
    range_args_t *a = ctx;
    uint32_t size = a->size;
    if (a->all) {
        if (a->addr >= s->flash_size) {
            cli_error("read-flash: 0x%x is past the end of flash", (unsigned)a->addr);
            return CLI_EXIT_USAGE;
        }
        size = s->flash_size - a->addr;
    }
    if (s->flash_size && (uint64_t)a->addr + size > s->flash_size) {
        char sz[16];
        cli_error("read-flash: 0x%x + %u bytes ends past the end of the %s flash",
                  (unsigned)a->addr, (unsigned)size,
                  eh_flash_size_name(s->flash_size, sz, sizeof(sz)));
        return CLI_EXIT_USAGE;
    }
    uint8_t *buf = cli_xmalloc(size);
    double t0 = cli_now_s();
    int ec = cli_read_region(s, a->addr, buf, size, "Reading");
    if (ec == CLI_EXIT_OK) {
        char err[512];
        if (cli_write_file(a->path, buf, size, err, sizeof(err)) != 0) {
            cli_error("%s", err);
            ec = CLI_EXIT_FAILED;
        } else {
            double dt = cli_now_s() - t0;
            cli_info("Read %u bytes at 0x%08x in %.2f s (%.1f KB/s) into %s", (unsigned)size,
                     (unsigned)a->addr, dt, dt > 0 ? size / dt / 1024 : 0.0, a->path);
            cJSON_AddNumberToObject(cli_result(), "address", a->addr);
            cJSON_AddNumberToObject(cli_result(), "size", size);
            cJSON_AddStringToObject(cli_result(), "file", a->path);
        }
    }
    free(buf);
    return ec;
}

int cli_prep_erase_region(cli_opts_t *o, void **ctx)
{
    if (!cli_parse_u32(o->pos[0], &g_range.addr) || !cli_parse_u32(o->pos[1], &g_range.size) ||
        g_range.size == 0) {
        cli_error("erase-region: expected ADDR SIZE (e.g. 0x10000 64k)");
        return CLI_EXIT_USAGE;
    }
    if (g_range.addr % SECTOR || g_range.size % SECTOR) {
        cli_error("erase-region: ADDR and SIZE must be multiples of 4 KB (0x1000); got 0x%x "
                  "and 0x%x",
                  (unsigned)g_range.addr, (unsigned)g_range.size);
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_range;
    return CLI_EXIT_OK;
}

int cli_erase(cli_session_t *s, uint32_t addr, uint32_t size)
{
    if (s->flash_size && (uint64_t)addr + size > s->flash_size) {
        char sz[16];
        cli_error("erase: 0x%x + 0x%x ends past the end of the %s flash", (unsigned)addr,
                  (unsigned)size, eh_flash_size_name(s->flash_size, sz, sizeof(sz)));
        return CLI_EXIT_USAGE;
    }
    double t0 = cli_now_s();
    int rc = esploader_flash_erase_region(&s->loader, addr, size);
    if (rc != 0) {
        return cli_lib_fail(s, "erasing", rc);
    }
    cli_info("Erased 0x%x bytes at 0x%08x in %.2f s", (unsigned)size, (unsigned)addr,
             cli_now_s() - t0);
    cJSON_AddNumberToObject(cli_result(), "address", addr);
    cJSON_AddNumberToObject(cli_result(), "size", size);
    return CLI_EXIT_OK;
}

int cli_run_erase_region(cli_session_t *s, void *ctx)
{
    range_args_t *a = ctx;
    return cli_erase(s, a->addr, a->size);
}

int cli_run_erase_flash(cli_session_t *s, void *ctx)
{
    (void)ctx;
    double t0 = cli_now_s();
    if (!s->stub) {
        /* The ROMs have no chip erase; FLASH_BEGIN over the whole chip erases it too. */
        cli_info("No stub: erasing the whole flash region by region through the ROM");
        return cli_erase(s, 0, s->flash_size);
    }
    int rc = esploader_flash_erase(&s->loader);
    if (rc != 0) {
        return cli_lib_fail(s, "erasing the flash", rc);
    }
    cli_info("Chip erase completed in %.2f s", cli_now_s() - t0);
    return CLI_EXIT_OK;
}
