/* Commands on files, no board: image-info (an ESP image's header, segments, checksum, SHA-256,
 * chip id, app description) and merge-bin (files at their flash offsets into one raw or Intel
 * HEX file, as esptool's merge-bin). Both use hostlib's image code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chipname.h"
#include "commands.h"
#include "eh_image.h"
#include "output.h"
#include "util.h"

typedef struct file_args {
    uint8_t *data;
    size_t len;
    const char *path;
    esploader_chip_t chip;
} file_args_t;

static file_args_t g_file;

int cli_prep_image_info(cli_opts_t *o, void **ctx)
{
    char err[512];
    g_file.path = o->pos[0];
    if (cli_read_file(o->pos[0], &g_file.data, &g_file.len, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    g_file.chip =
        o->chip != ESPLOADER_CHIP_AUTO ? o->chip : eh_image_detect_chip(g_file.data, g_file.len);
    eh_image_t img;
    eh_image_err_t e = eh_image_parse(
        g_file.data, g_file.len,
        g_file.chip == ESPLOADER_CHIP_AUTO ? ESPLOADER_CHIP_ESP32 : g_file.chip, &img);
    if (e != EH_IMAGE_OK) {
        cli_error("%s: %s", o->pos[0], eh_image_strerror(e));
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_file;
    return CLI_EXIT_OK;
}

static void hexstr(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", d[i]);
    }
}

static void title(const char *t)
{
    char line[80];
    size_t n = strlen(t) < sizeof(line) - 1 ? strlen(t) : sizeof(line) - 1;
    memset(line, '=', n);
    line[n] = '\0';
    cli_info("%s", "");
    cli_info("%s", t);
    cli_info("%s", line);
}

int cli_run_image_info(cli_session_t *s, void *ctx)
{
    (void)s;
    file_args_t *f = ctx;
    esploader_chip_t chip = f->chip == ESPLOADER_CHIP_AUTO ? ESPLOADER_CHIP_ESP32 : f->chip;
    const char *cname = f->chip == ESPLOADER_CHIP_AUTO ? "ESP" : cli_chip_name(chip);
    eh_image_t img;
    eh_image_parse(f->data, f->len, chip, &img);
    cJSON *r = cli_result();
    cli_info("File size: %u bytes", (unsigned)f->len);
    if (f->chip != ESPLOADER_CHIP_AUTO) {
        cli_info("Detected image type: %s", cname);
    }
    cJSON_AddStringToObject(r, "file", f->path);
    cJSON_AddNumberToObject(r, "size", (double)f->len);
    cJSON_AddStringToObject(r, "image_chip", f->chip == ESPLOADER_CHIP_AUTO ? "unknown" : cname);

    char t[64];
    snprintf(t, sizeof(t), "%s Image Header", cname);
    title(t);
    const char *mode = eh_flash_mode_name(img.flash_mode);
    const char *freq = eh_flash_freq_name(chip, img.flash_size_freq);
    const char *size = eh_flash_size_name_of_code(chip, img.flash_size_freq);
    cli_info("Image version: 1");
    cli_info("Entry point: 0x%08x", (unsigned)img.entry);
    cli_info("Segments: %u", img.segment_count);
    cli_info("Flash size: %s", size ? size : "invalid");
    cli_info("Flash freq: %s", freq ? freq : "invalid");
    cli_info("Flash mode: %s", mode ? (mode[0] == 'q' ? (mode[1] == 'i' ? "QIO" : "QOUT")
                                                      : (mode[1] == 'i' ? "DIO" : "DOUT"))
                                    : "invalid");
    cJSON_AddNumberToObject(r, "entry", img.entry);
    cJSON_AddStringToObject(r, "flash_mode", mode ? mode : "invalid");
    cJSON_AddStringToObject(r, "flash_freq", freq ? freq : "invalid");
    cJSON_AddStringToObject(r, "flash_size", size ? size : "invalid");
    if (img.extended) {
        snprintf(t, sizeof(t), "%s Extended Image Header", cname);
        title(t);
        const uint8_t *h = f->data;
        cli_info("WP pin: 0x%02x%s", img.wp_pin, img.wp_pin == 0xEE ? " (disabled)" : "");
        cli_info("Flash pins drive settings: clk_drv: 0x%x, q_drv: 0x%x, d_drv: 0x%x, cs0_drv: "
                 "0x%x, hd_drv: 0x%x, wp_drv: 0x%x",
                 h[9] & 0xF, h[9] >> 4, h[10] & 0xF, h[10] >> 4, h[11] & 0xF, h[11] >> 4);
        esploader_chip_t by_id = esploader_chip_from_image_id(img.chip_id);
        cli_info("Chip ID: %u (%s)", img.chip_id,
                 by_id != ESPLOADER_CHIP_AUTO ? cli_chip_name(by_id) : "Unknown ID");
        cli_info("Minimal chip revision: v%u.%u, (legacy min_rev = %u)", img.min_rev_full / 100,
                 img.min_rev_full % 100, img.min_rev);
        cli_info("Maximal chip revision: v%u.%u", img.max_rev_full / 100, img.max_rev_full % 100);
        cJSON_AddNumberToObject(r, "chip_id", img.chip_id);
        cJSON_AddNumberToObject(r, "min_rev_full", img.min_rev_full);
        cJSON_AddNumberToObject(r, "max_rev_full", img.max_rev_full);
    }
    title("Segments Information");
    cli_info("%7s  %7s  %10s  %10s", "Segment", "Length", "Load addr", "File offs");
    cli_info("-------  -------  ----------  ----------");
    cJSON *segs = cJSON_AddArrayToObject(r, "segments");
    for (unsigned i = 0; i < img.segment_count; i++) {
        const eh_segment_t *g = &img.seg[i];
        cli_info("%7u  0x%05x  0x%08x  0x%08x", i, (unsigned)g->len, (unsigned)g->addr,
                 (unsigned)(g->offset - 8));
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "address", g->addr);
        cJSON_AddNumberToObject(j, "length", g->len);
        cJSON_AddNumberToObject(j, "file_offset", (double)(g->offset - 8));
        cJSON_AddItemToArray(segs, j);
    }
    snprintf(t, sizeof(t), "%s Image Footer", cname);
    title(t);
    bool sum_ok = img.checksum == img.checksum_calc;
    if (sum_ok) {
        cli_info("Checksum: 0x%02x (valid)", img.checksum);
    } else {
        cli_info("Checksum: 0x%02x (invalid - calculated 0x%02x)", img.checksum, img.checksum_calc);
    }
    cJSON_AddNumberToObject(r, "checksum", img.checksum);
    cJSON_AddBoolToObject(r, "checksum_valid", sum_ok);
    int sha = eh_image_sha256_ok(f->data, &img);
    if (sha >= 0) {
        char hx[65];
        hexstr(f->data + img.checked_len, 32, hx);
        cli_info("Validation hash: %s (%s)", hx, sha ? "valid" : "invalid");
        cJSON_AddStringToObject(r, "sha256", hx);
        cJSON_AddBoolToObject(r, "sha256_valid", sha == 1);
    } else if (img.extended) {
        cli_info("Validation hash: Not appended");
    }
    eh_app_desc_t d;
    if (eh_image_app_desc(f->data, &img, &d)) {
        title("Application Information");
        char hx[65];
        hexstr(d.app_elf_sha256, 32, hx);
        cli_info("Project name: %s", d.project_name);
        cli_info("App version: %s", d.version);
        cli_info("Compile time: %s %s", d.date, d.time);
        cli_info("ELF file SHA256: %s", hx);
        cli_info("ESP-IDF: %s", d.idf_ver);
        cli_info("Minimal eFuse block revision: %u.%u", d.min_efuse_blk_rev_full / 100,
                 d.min_efuse_blk_rev_full % 100);
        cli_info("Maximal eFuse block revision: %u.%u", d.max_efuse_blk_rev_full / 100,
                 d.max_efuse_blk_rev_full % 100);
        cli_info("Secure version: %u", (unsigned)d.secure_version);
        cJSON *j = cJSON_AddObjectToObject(r, "app_desc");
        cJSON_AddStringToObject(j, "project_name", d.project_name);
        cJSON_AddStringToObject(j, "version", d.version);
        cJSON_AddStringToObject(j, "date", d.date);
        cJSON_AddStringToObject(j, "time", d.time);
        cJSON_AddStringToObject(j, "idf_ver", d.idf_ver);
        cJSON_AddStringToObject(j, "elf_sha256", hx);
        cJSON_AddNumberToObject(j, "secure_version", d.secure_version);
    }
    if (img.image_len < f->len) {
        cli_warn("%u bytes follow the image (padding, or another file merged after it)",
                 (unsigned)(f->len - img.image_len));
    }
    return CLI_EXIT_OK;
}

/* ---- merge-bin ---------------------------------------------------------------------------- */

static cli_write_job_t g_merge;
static const cli_opts_t *g_merge_opts;

int cli_prep_merge_bin(cli_opts_t *o, void **ctx)
{
    if (o->chip == ESPLOADER_CHIP_AUTO) {
        cli_error("merge-bin: give the chip with --chip (the bootloader offset and the header "
                  "codes depend on it)");
        return CLI_EXIT_USAGE;
    }
    if (!o->output) {
        cli_error("merge-bin: give the output file with -o/--output");
        return CLI_EXIT_USAGE;
    }
    if (o->pos_count % 2 != 0) {
        cli_error("merge-bin: expected ADDR FILE pairs (got %d arguments)", o->pos_count);
        return CLI_EXIT_USAGE;
    }
    int ec = cli_check_flash_options(o);
    for (int i = 0; ec == CLI_EXIT_OK && i < o->pos_count; i += 2) {
        uint32_t addr;
        if (!cli_parse_u32(o->pos[i], &addr)) {
            cli_error("merge-bin: bad address '%s'", o->pos[i]);
            return CLI_EXIT_USAGE;
        }
        ec = cli_job_add_file(&g_merge, addr, o->pos[i + 1]);
    }
    if (ec == CLI_EXIT_OK) {
        ec = cli_job_check_layout(&g_merge);
    }
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    if (g_merge.r[0].addr < o->target_offset) {
        cli_error("merge-bin: the output's target offset is 0x%x, but %s is at 0x%x, before it",
                  (unsigned)o->target_offset, g_merge.r[0].path, (unsigned)g_merge.r[0].addr);
        return CLI_EXIT_USAGE;
    }
    g_merge_opts = o;
    *ctx = &g_merge;
    return CLI_EXIT_OK;
}

/* Intel HEX: 16-byte data records, an extended linear address record (04) whenever the upper
 * 16 address bits change, the end record. Each region is written as its bytes, no fill. */
static int write_hex(FILE *f, const cli_write_job_t *job)
{
    uint32_t upper = 0;
    for (int i = 0; i < job->count; i++) {
        const cli_region_t *r = &job->r[i];
        for (uint32_t off = 0; off < r->len;) {
            uint32_t a = r->addr + off;
            if (a >> 16 != upper) {
                upper = a >> 16;
                unsigned sum = 2 + 4 + (upper >> 8) + (upper & 0xFF);
                fprintf(f, ":02000004%04X%02X\n", (unsigned)upper, (unsigned)((-sum) & 0xFF));
            }
            uint32_t n = r->len - off < 16 ? r->len - off : 16;
            uint32_t room = 0x10000u - (a & 0xFFFF); /* a record stays in its 64 KB segment */
            n = n < room ? n : room;
            unsigned sum = n + ((a >> 8) & 0xFF) + (a & 0xFF);
            fprintf(f, ":%02X%04X00", (unsigned)n, (unsigned)(a & 0xFFFF));
            for (uint32_t k = 0; k < n; k++) {
                fprintf(f, "%02X", r->data[off + k]);
                sum += r->data[off + k];
            }
            fprintf(f, "%02X\n", (unsigned)((-sum) & 0xFF));
            off += n;
        }
    }
    fprintf(f, ":00000001FF\n");
    return ferror(f) ? -1 : 0;
}

int cli_run_merge_bin(cli_session_t *s, void *ctx)
{
    (void)s;
    cli_write_job_t *job = ctx;
    const cli_opts_t *o = g_merge_opts;
    const esploader_chip_info_t *info = esploader_chip_info(o->chip);
    /* The bootloader's header gets --flash-mode/--flash-freq/--flash-size, as write-flash. */
    for (int i = 0; i < job->count; i++) {
        cli_region_t *r = &job->r[i];
        if (r->addr != info->bootloader_offset) {
            continue;
        }
        char note[200];
        int pr = eh_image_patch(r->data, r->len, o->chip, o->flash_mode, o->flash_freq,
                                o->flash_size, note, sizeof(note));
        if (pr < 0) {
            cli_error("%s", note);
            return CLI_EXIT_USAGE;
        }
        if (pr > 0) {
            cli_info("%s: flash settings in the image header updated", r->path);
        } else if (note[0]) {
            cli_warn("%s: %s", r->path, note);
        }
    }
    FILE *f = fopen(o->output, "wb");
    if (!f) {
        cli_error("%s: cannot write", o->output);
        return CLI_EXIT_USAGE;
    }
    int bad = 0;
    uint64_t size = 0;
    bool hex = strcmp(o->format, "hex") == 0;
    if (hex) {
        bad = write_hex(f, job);
    } else {
        uint64_t pos = o->target_offset; /* flash address of the next output byte */
        for (int i = 0; i < job->count && !bad; i++) {
            const cli_region_t *r = &job->r[i];
            for (; pos < r->addr && !bad; pos++) {
                bad = fputc(0xFF, f) == EOF;
            }
            bad = bad || fwrite(r->data, 1, r->len, f) != r->len;
            pos += r->len;
        }
        if (o->pad_to_size) {
            uint64_t end = eh_flash_size_bytes(o->pad_to_size);
            for (; pos < end && !bad; pos++) {
                bad = fputc(0xFF, f) == EOF;
            }
        }
        size = pos - o->target_offset;
    }
    if (fclose(f) != 0 || bad) {
        cli_error("%s: write error", o->output);
        return CLI_EXIT_FAILED;
    }
    if (hex) {
        cli_info("Wrote %d regions to the Intel HEX file '%s'", job->count, o->output);
    } else {
        cli_info("Wrote 0x%llx bytes to file '%s', ready to flash to offset 0x%x",
                 (unsigned long long)size, o->output, (unsigned)o->target_offset);
        cJSON_AddNumberToObject(cli_result(), "size", (double)size);
    }
    cJSON_AddStringToObject(cli_result(), "output", o->output);
    cJSON_AddStringToObject(cli_result(), "format", o->format);
    cJSON_AddNumberToObject(cli_result(), "target_offset", o->target_offset);
    return CLI_EXIT_OK;
}
