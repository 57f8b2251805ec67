#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwgen.h"
#include "esp_host_sha256.h"

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

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint8_t mk_checksum(const uint8_t *data, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        seed ^= data[i];
    return seed;
}

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

static void copy_text(uint8_t *dst, size_t cap, const char *text)
{
    size_t n = strlen(text);
    memcpy(dst, text, n < cap ? n : cap - 1);
}

/* esp_app_desc_t: magic, secure_version, 2 reserved words, version[32], project_name[32],
 * time[16], date[16], idf_ver[32], app_elf_sha256[32], then zeros. Fixed strings keep the
 * image reproducible. */
static void write_app_desc(uint8_t *p, mk_prng_t *rng)
{
    memset(p, 0, APP_DESC_LEN);
    put_le32(p, APP_DESC_MAGIC);
    copy_text(p + 16, 32, "1.0.0-sample");
    copy_text(p + 48, 32, "esploader_sample_app");
    copy_text(p + 80, 16, "00:00:00");
    copy_text(p + 96, 16, "Jan  1 2026");
    copy_text(p + 112, 32, "esploader-mkimage");
    for (int i = 0; i < 32; i++)
        p[144 + i] = (uint8_t)mk_prng_next(rng);
}

int mk_image_build(const mk_image_opts_t *o, uint8_t **out, size_t *out_len, char *err,
                   size_t err_len)
{
    const mk_chip_t *c = o->chip;
    int size_code = mk_flash_size_code(c, o->flash_size);
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
    if (mmu_align && content < 2 * MMU_PAGE) {
        snprintf(err, err_len,
                 "%s apps must be at least %u KB (the flash-mapped segments are "
                 "laid out on 64 KB MMU pages)",
                 c->name, (unsigned)(fixed + 2 * MMU_PAGE) / 1024);
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

    size_t pos = HEADER_LEN + (ext ? EXT_HEADER_LEN : 0);
    uint32_t entry = 0;
    for (unsigned i = 0; i < nseg; i++) {
        uint8_t *seg = img + pos;
        put_le32(seg, plan[i].addr);
        put_le32(seg + 4, seg_len[i]);
        uint8_t *data = seg + SEGMENT_HEADER_LEN;
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
        pos += SEGMENT_HEADER_LEN + seg_len[i];
    }
    free(gen);

    img[0] = 0xE9;
    img[1] = (uint8_t)nseg;
    img[2] = o->flash_mode;
    img[3] = (uint8_t)(size_code | c->freq_code);
    put_le32(img + 4, entry);
    if (ext) {
        img[8] = 0xEE; /* WP pin unused */
        put_le16(img + 12, c->image_chip_id);
        img[14] = 0;           /* min revision (legacy) */
        put_le16(img + 15, 0); /* min revision full */
        put_le16(img + 17, c->max_rev_full);
        img[23] = hash ? 1 : 0;
    }

    /* Checksum over segment data only (headers excluded), stored as the last byte of a
     * 16-byte-aligned block after zero padding. */
    uint8_t sum = 0xEF;
    size_t walk = HEADER_LEN + (ext ? EXT_HEADER_LEN : 0);
    for (unsigned i = 0; i < nseg; i++) {
        sum = mk_checksum(img + walk + SEGMENT_HEADER_LEN, seg_len[i], sum);
        walk += SEGMENT_HEADER_LEN + seg_len[i];
    }
    while (pos % 16 != 15)
        img[pos++] = 0;
    img[pos++] = sum;
    if (hash) {
        esp_host_sha256(img, pos, img + pos);
        pos += 32;
    }
    *out = img;
    *out_len = pos;
    return 0;
}
