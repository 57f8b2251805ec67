#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eh_image.h"
#include "fwgen.h"

#define HEADER_LEN         8
#define EXT_HEADER_LEN     16
#define SEGMENT_HEADER_LEN 8
#define APP_DESC_LEN       256
#define APP_DESC_MAGIC     0xABCD5432u /* esp_app_desc_t magic_word at the start of .rodata */
#define MMU_PAGE           0x10000u    /* flash MMU page of the ESP32 family */

typedef struct seg_plan {
    uint32_t addr;
    mk_fw_kind_t kind;
    unsigned percent; /* share of the content bytes */
} seg_plan_t;

/*
 * Section shares roughly as in a small ESP-IDF app / bootloader: mostly flash-mapped code, a
 * quarter read-only data, a little IRAM code and initialised data.
 */
static unsigned plan_segments(const mk_image_opts_t *o, seg_plan_t plan[4])
{
    const mk_chip_t *c = o->chip;
    if (o->kind == MK_IMAGE_BOOTLOADER) {
        plan[0] = (seg_plan_t){c->bl_dram, MK_FW_RODATA, 22};
        plan[1] = (seg_plan_t){c->bl_iram_loader, MK_FW_CODE, 55};
        plan[2] = (seg_plan_t){c->bl_iram, MK_FW_CODE, 23};
        return 3;
    }
    if (c->esp8266) {
        /* ESP8266_RTOS_SDK order: flash-mapped code first, then IRAM, data, rodata. */
        plan[0] = (seg_plan_t){c->app_irom, MK_FW_CODE, 58};
        plan[1] = (seg_plan_t){c->app_iram, MK_FW_CODE, 18};
        plan[2] = (seg_plan_t){c->app_dram, MK_FW_DATA, 6};
        plan[3] = (seg_plan_t){c->app_drom, MK_FW_RODATA, 18};
        return 4;
    }
    /* ESP32 and later: .flash.rodata (starts with the app description), .flash.text, then the
     * RAM segments. The two flash-mapped segments come first so that their file offsets can
     * satisfy the MMU rule (see mmu_align below) without padding segments. */
    plan[0] = (seg_plan_t){c->app_drom, MK_FW_RODATA, 26};
    plan[1] = (seg_plan_t){c->app_irom, MK_FW_CODE, 55};
    plan[2] = (seg_plan_t){c->app_dram, MK_FW_DATA, 5};
    plan[3] = (seg_plan_t){c->app_iram, MK_FW_CODE, 14};
    return 4;
}

/* esp_app_desc_t with fixed strings (the image stays reproducible) and a seeded ELF hash. */
static void write_app_desc(uint8_t *p, mk_prng_t *rng)
{
    eh_app_desc_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.version, sizeof d.version, "1.0.0-sample");
    snprintf(d.project_name, sizeof d.project_name, "esploader_sample_app");
    snprintf(d.time, sizeof d.time, "00:00:00");
    snprintf(d.date, sizeof d.date, "Jan  1 2026");
    snprintf(d.idf_ver, sizeof d.idf_ver, "esploader-mkimage");
    for (int i = 0; i < 32; i++)
        d.app_elf_sha256[i] = (uint8_t)mk_prng_next(rng);
    eh_app_desc_write(&d, p);
}

/* Room for the code and RAM segments after the first MMU page (a few KB each). */
#define MIN_AFTER_PAGE 0x4000u

int mk_image_build(const mk_image_opts_t *o, uint8_t **out, size_t *out_len, char *err,
                   size_t err_len)
{
    const mk_chip_t *c = o->chip;
    esploader_chip_t chip = mk_chip_id(c);
    char size_name[16];
    eh_flash_size_name(o->flash_size, size_name, sizeof size_name);
    int size_code =
        eh_flash_size_bytes(size_name) == o->flash_size ? eh_flash_size_code(chip, size_name) : -1;
    if (size_code < 0) {
        snprintf(err, err_len, "flash size %u bytes has no header code on %s",
                 (unsigned)o->flash_size, c->name);
        return -1;
    }
    if (o->flash_mode > MK_FLASH_MODE_DOUT) {
        snprintf(err, err_len, "flash mode %u is not one of qio/qout/dio/dout", o->flash_mode);
        return -1;
    }
    seg_plan_t plan[4];
    unsigned nseg = plan_segments(o, plan);
    bool ext = !c->esp8266;
    bool hash = ext && !o->no_hash;
    size_t fixed =
        HEADER_LEN + (ext ? EXT_HEADER_LEN : 0) + nseg * SEGMENT_HEADER_LEN + 16 + (hash ? 32 : 0);
    if (o->size < fixed + 1024 + APP_DESC_LEN) {
        snprintf(err, err_len, "image size %u is too small (minimum %u)", (unsigned)o->size,
                 (unsigned)(fixed + 1024 + APP_DESC_LEN));
        return -1;
    }
    uint32_t content = (uint32_t)(o->size - fixed);
    uint32_t seg_len[4];
    uint32_t used = 0;
    bool mmu_align = o->kind == MK_IMAGE_APP && ext;
    /* The rodata segment takes at least one 64 KB MMU page; the code and RAM segments need
     * room after it. The minimum is stated rounded up, so asking for it works. */
    uint32_t min_content = MMU_PAGE + MIN_AFTER_PAGE;
    if (mmu_align && content < min_content) {
        snprintf(err, err_len,
                 "%s apps must be at least %u KB (the flash-mapped segments are "
                 "laid out on 64 KB MMU pages)",
                 c->name, (unsigned)((fixed + min_content + 1023) / 1024));
        return -1;
    }
    unsigned first = 0, share = 100;
    if (mmu_align) {
        /* The bootloader maps flash in 64 KB MMU pages, so a flash-mapped segment's data must
         * sit at a file offset congruent to its load address modulo 64 KB (ESP-IDF's bootloader
         * refuses the image otherwise). The rodata's data starts at file offset 0x20 (its load
         * address ends in 0x0020); a length of whole pages minus the next segment header puts
         * the code's data at 0x20 + k * 64 KB as well, also ending in 0x0020. */
        uint32_t want = (uint32_t)((uint64_t)content * plan[0].percent / 100);
        uint32_t pages = (want + SEGMENT_HEADER_LEN + MMU_PAGE / 2) / MMU_PAGE;
        seg_len[0] = (pages ? pages : 1) * MMU_PAGE - SEGMENT_HEADER_LEN;
        used = seg_len[0];
        share -= plan[0].percent;
        first = 1;
    }
    for (unsigned i = first; i < nseg; i++) {
        /* Segment lengths are multiples of 4 (the loader copies words); the last one takes
         * what is left so the total lands within a few bytes of the request. */
        uint32_t rest = content - (first ? seg_len[0] : 0);
        seg_len[i] = i + 1 < nseg ? (uint32_t)((uint64_t)rest * plan[i].percent / share) & ~3u
                                  : (content - used) & ~3u;
        used += seg_len[i];
    }
    /* The segments' contents, laid out as they will be in the file (each after its 8-byte
     * header), so that file offsets are known while generating; hostlib writes the headers,
     * padding, checksum and digest around them. */
    size_t cap = fixed + used + 16;
    uint8_t *img = calloc(1, cap);
    if (!img) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    mk_prng_t rng = {o->seed ^ 0x5EEDull};
    uint32_t code_base = o->kind == MK_IMAGE_BOOTLOADER ? c->bl_iram_loader : c->app_irom;
    uint32_t data_base = o->kind == MK_IMAGE_BOOTLOADER ? c->bl_dram : c->app_dram;
    mk_fwgen_t *gen = malloc(sizeof *gen);
    if (!gen) {
        free(img);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    mk_fwgen_init(gen, o->seed, c->riscv, code_base, data_base);

    eh_image_spec_t spec;
    memset(&spec, 0, sizeof spec);
    size_t pos = HEADER_LEN + (ext ? EXT_HEADER_LEN : 0);
    uint32_t entry = 0;
    for (unsigned i = 0; i < nseg; i++) {
        uint8_t *data = img + pos + SEGMENT_HEADER_LEN;
        size_t skip = 0;
        if (o->kind == MK_IMAGE_APP && ext && i == 0) {
            write_app_desc(data, &rng);
            skip = APP_DESC_LEN;
        }
        mk_fwgen_fill(gen, plan[i].kind, data + skip, seg_len[i] - skip);
        /* The entry point lies in RAM code (call_start_cpu0 / the bootloader's start). */
        uint32_t iram = o->kind == MK_IMAGE_BOOTLOADER ? c->bl_iram : c->app_iram;
        if (plan[i].addr == iram) {
            /* Somewhere in the first 16 KB, where a start-up routine would be. */
            uint32_t span = seg_len[i] / 2 < 0x4000 ? seg_len[i] / 2 : 0x4000;
            entry = iram + (mk_prng_below(&rng, span) & ~3u);
        }
        spec.seg[i].addr = plan[i].addr;
        spec.seg[i].data = data;
        spec.seg[i].len = seg_len[i];
        pos += SEGMENT_HEADER_LEN + seg_len[i];
    }
    free(gen);

    spec.chip = chip;
    spec.segment_count = nseg;
    spec.flash_mode = o->flash_mode;
    spec.flash_size_freq = (uint8_t)(size_code | c->freq_code);
    spec.entry = entry;
    spec.max_rev_full = ext ? c->max_rev_full : 0;
    spec.hash = hash;
    /* In place: every segment's data already sits where the builder puts it. */
    pos = eh_image_build(&spec, img, cap);
    if (pos == 0) {
        free(img);
        snprintf(err, err_len, "internal error: image layout rejected by the builder");
        return -1;
    }
    *out = img;
    *out_len = pos;
    return 0;
}
