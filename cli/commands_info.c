/* Commands that identify the chip or touch RAM/registers: no flash writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chipname.h"
#include "commands.h"
#include "eh_image.h"
#include "output.h"
#include "util.h"

static void mac_text(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

int cli_run_chip_id(cli_session_t *s, void *ctx)
{
    (void)ctx;
    esploader_chip_t chip = esploader_get_target(&s->loader);
    const esploader_chip_info_t *info = esploader_chip_info(chip);
    cli_info("Chip: %s", cli_chip_name(chip));
    esploader_security_info_t sec;
    int rc = esploader_get_security_info(&s->loader, &sec);
    if (rc == 0) {
        cJSON *j = cJSON_AddObjectToObject(cli_result(), "security_info");
        cJSON_AddNumberToObject(j, "flags", sec.flags);
        cJSON_AddNumberToObject(j, "flash_crypt_cnt", sec.flash_crypt_cnt);
        if (sec.has_chip_id) {
            cJSON_AddNumberToObject(j, "chip_id", sec.chip_id);
            cJSON_AddNumberToObject(j, "eco_version", sec.eco_version);
            cli_info("Chip ID (image id): %u, ECO/API version: %u", (unsigned)sec.chip_id,
                     (unsigned)sec.eco_version);
        }
        cli_info("Security flags: 0x%08x%s%s", (unsigned)sec.flags,
                 (sec.flags & ESPLOADER_SEC_SECURE_BOOT_EN) ? " (secure boot)" : "",
                 (sec.flags & ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE) ? " (secure download)" : "");
    }
    if (chip == ESPLOADER_CHIP_ESP8266) {
        /* No image chip id (no extended header); its chip id is esptool's, from the OTP MAC
         * words: (MAC0 >> 24) | (MAC1 & 0xFFFFFF) << 8 (docs/protocol.md §8.3). */
        uint32_t m0, m1;
        if (esploader_read_register(&s->loader, 0x3FF00050, &m0) == 0 &&
            esploader_read_register(&s->loader, 0x3FF00054, &m1) == 0) {
            uint32_t id = m0 >> 24 | (m1 & 0xFFFFFFu) << 8;
            cli_info("Chip ID: 0x%08x", (unsigned)id);
            cJSON_AddNumberToObject(cli_result(), "chip_id", id);
        }
    } else if (info && !(rc == 0 && sec.has_chip_id)) {
        /* No id in the security info (ESP32-S2's is 12 bytes, the ESP32 has none): the chip's
         * image id is known from the detected chip. */
        cli_info("Chip ID (image id): %u", (unsigned)info->image_chip_id);
    }
    if (info && chip != ESPLOADER_CHIP_ESP8266) {
        cJSON_AddNumberToObject(cli_result(), "image_chip_id", info->image_chip_id);
    }
    uint8_t mac[6];
    rc = esploader_read_mac(&s->loader, mac);
    if (rc == 0) {
        char m[24];
        mac_text(mac, m, sizeof(m));
        cli_info("MAC: %s", m);
        cJSON_AddStringToObject(cli_result(), "mac", m);
    }
    return CLI_EXIT_OK;
}

int cli_run_read_mac(cli_session_t *s, void *ctx)
{
    (void)ctx;
    uint8_t mac[6];
    int rc = esploader_read_mac(&s->loader, mac);
    if (rc != 0) {
        return cli_lib_fail(s, "reading the MAC", rc);
    }
    char m[24];
    mac_text(mac, m, sizeof(m));
    cli_info("MAC: %s", m);
    cJSON_AddStringToObject(cli_result(), "mac", m);
    return CLI_EXIT_OK;
}

int cli_run_flash_id(cli_session_t *s, void *ctx)
{
    (void)ctx;
    uint32_t size = 0, jedec = 0;
    int rc = esploader_flash_detect_size(&s->loader, &size, &jedec);
    if (rc != 0 && jedec == 0) {
        return cli_lib_fail(s, "reading the flash id", rc);
    }
    /* The id is W0 as the chip clocked it in: manufacturer first (docs/protocol.md §8.2), so the
     * low byte is the manufacturer and "device" is memory type then capacity. */
    unsigned manuf = jedec & 0xFF, dev = ((jedec >> 8) & 0xFF) << 8 | ((jedec >> 16) & 0xFF);
    cli_info("Manufacturer: %02x", manuf);
    cli_info("Device: %04x", dev);
    cJSON_AddNumberToObject(cli_result(), "manufacturer", manuf);
    cJSON_AddNumberToObject(cli_result(), "device", dev);
    char jt[16];
    snprintf(jt, sizeof(jt), "%06x", (unsigned)jedec);
    cJSON_AddStringToObject(cli_result(), "jedec_id", jt);
    if (rc == 0) {
        char sz[16];
        cli_info("Detected flash size: %s", eh_flash_size_name(size, sz, sizeof(sz)));
        cJSON_AddNumberToObject(cli_result(), "flash_size", size);
    } else {
        cli_warn("flash size unknown for JEDEC id %06x", (unsigned)jedec);
    }
    return CLI_EXIT_OK;
}

typedef struct mem_args {
    uint32_t addr, value, mask;
} mem_args_t;

static mem_args_t g_mem;

int cli_prep_read_mem(cli_opts_t *o, void **ctx)
{
    if (!cli_parse_u32(o->pos[0], &g_mem.addr)) {
        cli_error("read-mem: bad address '%s'", o->pos[0]);
        return CLI_EXIT_USAGE;
    }
    if (g_mem.addr % 4) {
        cli_error("read-mem: address 0x%08x is not word-aligned", (unsigned)g_mem.addr);
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_mem;
    return CLI_EXIT_OK;
}

int cli_run_read_mem(cli_session_t *s, void *ctx)
{
    mem_args_t *m = ctx;
    uint32_t v;
    int rc = esploader_read_register(&s->loader, m->addr, &v);
    if (rc != 0) {
        return cli_lib_fail(s, "read-mem", rc);
    }
    cli_info("0x%08x = 0x%08x", (unsigned)m->addr, (unsigned)v);
    cJSON_AddNumberToObject(cli_result(), "address", m->addr);
    cJSON_AddNumberToObject(cli_result(), "value", v);
    return CLI_EXIT_OK;
}

int cli_prep_write_mem(cli_opts_t *o, void **ctx)
{
    g_mem.mask = 0xFFFFFFFFu;
    if (!cli_parse_u32(o->pos[0], &g_mem.addr) || !cli_parse_u32(o->pos[1], &g_mem.value) ||
        (o->pos_count > 2 && !cli_parse_u32(o->pos[2], &g_mem.mask))) {
        cli_error("write-mem: expected ADDR VALUE [MASK] as numbers");
        return CLI_EXIT_USAGE;
    }
    if (g_mem.addr % 4) {
        cli_error("write-mem: address 0x%08x is not word-aligned", (unsigned)g_mem.addr);
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_mem;
    return CLI_EXIT_OK;
}

int cli_run_write_mem(cli_session_t *s, void *ctx)
{
    mem_args_t *m = ctx;
    int rc = m->mask == 0xFFFFFFFFu
                 ? esploader_write_register(&s->loader, m->addr, m->value)
                 : esploader_write_register_masked(&s->loader, m->addr, m->value, m->mask, 0);
    if (rc != 0) {
        return cli_lib_fail(s, "write-mem", rc);
    }
    cli_info("Wrote 0x%08x to 0x%08x (mask 0x%08x)", (unsigned)m->value, (unsigned)m->addr,
             (unsigned)m->mask);
    cJSON_AddNumberToObject(cli_result(), "address", m->addr);
    cJSON_AddNumberToObject(cli_result(), "value", m->value);
    cJSON_AddNumberToObject(cli_result(), "mask", m->mask);
    return CLI_EXIT_OK;
}

/* `reset`: pulse EN through RTS, no protocol at all (works whatever the chip is doing). */
int cli_run_reset(cli_session_t *s, void *ctx)
{
    (void)ctx;
    if (!s->ops.set_lines) {
        cli_error("%s has no reset lines (socket:// or a PTY): cannot reset", s->port_name);
        return CLI_EXIT_UNSUPPORTED;
    }
    int rc = s->ops.set_lines(s->port, ESPLOADER_LINE_RELEASE, ESPLOADER_LINE_ASSERT);
    s->ops.delay_ms(s->port, 100);
    if (rc == 0) {
        rc = s->ops.set_lines(s->port, ESPLOADER_LINE_RELEASE, ESPLOADER_LINE_RELEASE);
    }
    if (rc != 0) {
        cli_error("%s: setting the reset lines failed", s->port_name);
        return CLI_EXIT_FAILED;
    }
    cli_info("Hard reset via RTS");
    return CLI_EXIT_OK;
}

int cli_run_run(cli_session_t *s, void *ctx)
{
    (void)ctx;
    int rc = esploader_run_user_code(&s->loader);
    if (rc == ESPLOADER_ERR_UNSUPPORTED) {
        /* A stub left running (--after no-reset-stub) on anything but an ESP8266 has no way
         * to start the app: dropping back to the ROM lands in download mode again. */
        cli_error("run is not possible while a flasher stub runs on this chip: reset it "
                  "(esploader reset, or --after hard-reset)");
        return CLI_EXIT_UNSUPPORTED;
    }
    if (rc != 0) {
        return cli_lib_fail(s, "run", rc);
    }
    cli_info("Leaving the loader: the app in flash is starting");
    return CLI_EXIT_OK;
}

typedef struct ram_args {
    uint8_t *data;
    size_t len;
    const char *path;
} ram_args_t;

static ram_args_t g_ram;

int cli_prep_load_ram(cli_opts_t *o, void **ctx)
{
    char err[512];
    g_ram.path = o->pos[0];
    if (cli_read_file(o->pos[0], &g_ram.data, &g_ram.len, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    eh_image_t img;
    /* Either header size may fit until the chip is known; one of them must. */
    if (eh_image_parse(g_ram.data, g_ram.len, ESPLOADER_CHIP_ESP32, &img) != EH_IMAGE_OK &&
        eh_image_parse(g_ram.data, g_ram.len, ESPLOADER_CHIP_ESP8266, &img) != EH_IMAGE_OK) {
        cli_error("%s: not an ESP image (load-ram takes an image file, magic 0xE9)", o->pos[0]);
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_ram;
    return CLI_EXIT_OK;
}

/* Internal RAM a load-ram segment may go to (IRAM, DRAM, RTC RAM), from esptool's per-chip
 * MEMORY_MAP (esptool/targets/<chip>.py). Flash-mapped (IROM/DROM), external RAM and ROM are not
 * loadable over the serial loader. */
typedef struct ram_range {
    esploader_chip_t chip;
    uint32_t start, end;
} ram_range_t;

static const ram_range_t k_ram[] = {
    {ESPLOADER_CHIP_ESP8266, 0x3FFE8000, 0x40000000},
    {ESPLOADER_CHIP_ESP8266, 0x40100000, 0x40108000},
    {ESPLOADER_CHIP_ESP32, 0x3FF80000, 0x3FF82000},
    {ESPLOADER_CHIP_ESP32, 0x3FFAE000, 0x40000000},
    {ESPLOADER_CHIP_ESP32, 0x40080000, 0x400C2000},
    {ESPLOADER_CHIP_ESP32S2, 0x3FF9E000, 0x3FFA0000},
    {ESPLOADER_CHIP_ESP32S2, 0x3FFB0000, 0x40000000},
    {ESPLOADER_CHIP_ESP32S2, 0x40020000, 0x40072000},
    {ESPLOADER_CHIP_ESP32S3, 0x3FC88000, 0x3FD00000},
    {ESPLOADER_CHIP_ESP32S3, 0x40370000, 0x403E0000},
    {ESPLOADER_CHIP_ESP32S3, 0x600FE000, 0x60100000},
    {ESPLOADER_CHIP_ESP32C2, 0x3FCA0000, 0x3FCE0000},
    {ESPLOADER_CHIP_ESP32C2, 0x4037C000, 0x403C0000},
    {ESPLOADER_CHIP_ESP32C3, 0x3FC80000, 0x3FCE0000},
    {ESPLOADER_CHIP_ESP32C3, 0x4037C000, 0x403E0000},
    {ESPLOADER_CHIP_ESP32C3, 0x50000000, 0x50002000},
    {ESPLOADER_CHIP_ESP32C5, 0x40800000, 0x40860000},
    {ESPLOADER_CHIP_ESP32C5, 0x50000000, 0x50004000},
    {ESPLOADER_CHIP_ESP32C6, 0x40800000, 0x40880000},
    {ESPLOADER_CHIP_ESP32C6, 0x50000000, 0x50004000},
    {ESPLOADER_CHIP_ESP32C61, 0x40800000, 0x40860000},
    {ESPLOADER_CHIP_ESP32C61, 0x50000000, 0x50004000},
    {ESPLOADER_CHIP_ESP32H2, 0x40800000, 0x40880000},
    {ESPLOADER_CHIP_ESP32H2, 0x50000000, 0x50004000},
    {ESPLOADER_CHIP_ESP32P4, 0x4FF00000, 0x4FFA0000},
    {ESPLOADER_CHIP_ESP32P4, 0x50108000, 0x50110000},
};

static bool in_ram(esploader_chip_t chip, uint32_t addr, uint32_t len)
{
    for (size_t i = 0; i < sizeof(k_ram) / sizeof(k_ram[0]); i++) {
        if (k_ram[i].chip == chip && addr >= k_ram[i].start &&
            (uint64_t)addr + len <= k_ram[i].end) {
            return true;
        }
    }
    return false;
}

int cli_run_load_ram(cli_session_t *s, void *ctx)
{
    ram_args_t *r = ctx;
    esploader_chip_t chip = esploader_get_target(&s->loader);
    eh_image_t img;
    if (eh_image_parse(r->data, r->len, chip, &img) != EH_IMAGE_OK) {
        cli_error("%s: not a valid image for %s", r->path, cli_chip_name(chip));
        return CLI_EXIT_USAGE;
    }
    cli_region_t reg = {0, r->data, (uint32_t)r->len, r->path};
    if (!s->o->force && cli_check_image_chip(&reg, chip, "the chip", false) != CLI_EXIT_OK) {
        return CLI_EXIT_USAGE;
    }
    /* Every segment must land in internal RAM: check them all before loading any. */
    for (unsigned i = 0; i < img.segment_count; i++) {
        if (!s->o->force && !in_ram(chip, img.seg[i].addr, img.seg[i].len)) {
            cli_error("%s: segment %u (0x%08x, %u bytes) is not in the %s's RAM: load-ram loads "
                      "RAM images only (flash-mapped segments need write-flash). Use --force to "
                      "load it anyway",
                      r->path, i, (unsigned)img.seg[i].addr, (unsigned)img.seg[i].len,
                      cli_chip_name(chip));
            return CLI_EXIT_USAGE;
        }
    }
    cJSON *segs = cJSON_AddArrayToObject(cli_result(), "segments");
    for (unsigned i = 0; i < img.segment_count; i++) {
        uint32_t addr = img.seg[i].addr, len = img.seg[i].len;
        const uint8_t *p = r->data + img.seg[i].offset;
        cli_info("Loading segment %u: %u bytes at 0x%08x", i, (unsigned)len, (unsigned)addr);
        int rc = esploader_mem_start(&s->loader, addr, len, 0x1800);
        for (uint32_t off = 0; rc == 0 && off < len; off += 0x1800) {
            uint32_t n = len - off < 0x1800 ? len - off : 0x1800;
            rc = esploader_mem_write(&s->loader, p + off, n);
            cli_progress("Loading RAM", off + n, len);
        }
        if (rc != 0) {
            return cli_lib_fail(s, "loading RAM", rc);
        }
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "address", addr);
        cJSON_AddNumberToObject(j, "size", len);
        cJSON_AddItemToArray(segs, j);
    }
    int rc = esploader_mem_finish(&s->loader, img.entry);
    if (rc != 0) {
        return cli_lib_fail(s, "starting the RAM image", rc);
    }
    cli_info("Started at entry 0x%08x", (unsigned)img.entry);
    cJSON_AddNumberToObject(cli_result(), "entry", img.entry);
    return CLI_EXIT_OK;
}

/* ---- get-security-info, dump-mem, version ------------------------------------------------ */

int cli_run_security_info(cli_session_t *s, void *ctx)
{
    (void)ctx;
    esploader_security_info_t si;
    int rc = esploader_get_security_info(&s->loader, &si);
    if (rc == ESPLOADER_ERR_UNSUPPORTED) {
        cli_error("%s has no GET_SECURITY_INFO command (ESP32-S2 and later have it)",
                  cli_chip_name(esploader_get_target(&s->loader)));
        return CLI_EXIT_UNSUPPORTED;
    }
    if (rc != 0) {
        return cli_lib_fail(s, "get-security-info", rc);
    }
    char bits[40];
    int n = 0;
    for (int b = 31; b >= 0; b--) {
        if (n || (si.flags >> b) & 1 || b == 0) {
            bits[n++] = (char)('0' + ((si.flags >> b) & 1));
        }
    }
    bits[n] = '\0';
    cli_info("Security Information:");
    cli_info("=====================");
    cli_info("Flags: 0x%08x (0b%s)", (unsigned)si.flags, bits);
    cli_info("Key Purposes: [%u, %u, %u, %u, %u, %u, %u]", si.key_purposes[0], si.key_purposes[1],
             si.key_purposes[2], si.key_purposes[3], si.key_purposes[4], si.key_purposes[5],
             si.key_purposes[6]);
    if (si.has_chip_id) {
        cli_info("Chip ID: %u", (unsigned)si.chip_id);
        cli_info("API Version: %u", (unsigned)si.eco_version);
    }
    bool sb = si.flags & ESPLOADER_SEC_SECURE_BOOT_EN;
    cli_info("Secure Boot: %s", sb ? "Enabled" : "Disabled");
    unsigned ones = 0;
    for (uint32_t c = si.flash_crypt_cnt; c; c >>= 1) {
        ones += c & 1;
    }
    cli_info("Flash Encryption: %s", ones % 2 ? "Enabled" : "Disabled");
    cli_info("SPI Boot Crypt Count (SPI_BOOT_CRYPT_CNT): 0x%x", (unsigned)si.flash_crypt_cnt);
    cJSON *r = cli_result();
    cJSON_AddNumberToObject(r, "flags", si.flags);
    cJSON_AddNumberToObject(r, "flash_crypt_cnt", si.flash_crypt_cnt);
    cJSON *kp = cJSON_AddArrayToObject(r, "key_purposes");
    for (int i = 0; i < 7; i++) {
        cJSON_AddItemToArray(kp, cJSON_CreateNumber(si.key_purposes[i]));
    }
    if (si.has_chip_id) {
        cJSON_AddNumberToObject(r, "chip_id", si.chip_id);
        cJSON_AddNumberToObject(r, "api_version", si.eco_version);
    }
    cJSON_AddBoolToObject(r, "secure_boot", sb);
    cJSON_AddBoolToObject(r, "flash_encryption", ones % 2);
    return CLI_EXIT_OK;
}

typedef struct dump_args {
    uint32_t addr, size;
    const char *path;
} dump_args_t;

static dump_args_t g_dump;

int cli_prep_dump_mem(cli_opts_t *o, void **ctx)
{
    g_dump.path = o->pos[2];
    if (!cli_parse_u32(o->pos[0], &g_dump.addr) || !cli_parse_u32(o->pos[1], &g_dump.size) ||
        g_dump.size == 0) {
        cli_error("dump-mem: expected ADDRESS SIZE FILE (e.g. 0x40000000 64k rom.bin)");
        return CLI_EXIT_USAGE;
    }
    if (g_dump.addr % 4 || g_dump.size % 4 || (uint64_t)g_dump.addr + g_dump.size > 1ull << 32) {
        cli_error("dump-mem: ADDRESS and SIZE must be multiples of 4 inside the 32-bit space");
        return CLI_EXIT_USAGE;
    }
    FILE *f = fopen(g_dump.path, "ab");
    if (!f) {
        cli_error("%s: cannot write there", g_dump.path);
        return CLI_EXIT_USAGE;
    }
    fclose(f);
    *ctx = &g_dump;
    return CLI_EXIT_OK;
}

/* Word by word with READ_REG, as esptool's dump-mem (works with the ROM loader and the stub). */
int cli_run_dump_mem(cli_session_t *s, void *ctx)
{
    dump_args_t *a = ctx;
    uint8_t *buf = cli_xmalloc(a->size);
    double t0 = cli_now_s();
    for (uint32_t off = 0; off < a->size; off += 4) {
        uint32_t v;
        int rc = esploader_read_register(&s->loader, a->addr + off, &v);
        if (rc != 0) {
            free(buf);
            cli_error("dump-mem: reading 0x%08x failed", (unsigned)(a->addr + off));
            return cli_lib_fail(s, "dump-mem", rc);
        }
        buf[off] = (uint8_t)v;
        buf[off + 1] = (uint8_t)(v >> 8);
        buf[off + 2] = (uint8_t)(v >> 16);
        buf[off + 3] = (uint8_t)(v >> 24);
        if ((off + 4) % 1024 == 0 || off + 4 == a->size) {
            cli_progress("Dumping", off + 4, a->size);
        }
    }
    char err[512];
    int ec = CLI_EXIT_OK;
    if (cli_write_file(a->path, buf, a->size, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        ec = CLI_EXIT_FAILED;
    } else {
        cli_info("Dumped %u bytes from 0x%08x in %.1f seconds to '%s'", (unsigned)a->size,
                 (unsigned)a->addr, cli_now_s() - t0, a->path);
        cJSON_AddNumberToObject(cli_result(), "address", a->addr);
        cJSON_AddNumberToObject(cli_result(), "size", a->size);
        cJSON_AddStringToObject(cli_result(), "file", a->path);
    }
    free(buf);
    return ec;
}

const char *cli_version(void)
{
    return "0.1.0";
}

int cli_run_version(cli_session_t *s, void *ctx)
{
    (void)s;
    (void)ctx;
    cli_info("%s", cli_version());
    cJSON_AddStringToObject(cli_result(), "version", cli_version());
    return CLI_EXIT_OK;
}
