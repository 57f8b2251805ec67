/* The flash-multiple-partitions flow; see flash_flow.h. */
#include "flash_flow.h"

#include <ctype.h>
#include <string.h>

#include "eh_parttable.h"

#define ROM_BLOCK  0x400u  /* the ROM loaders' flash block (docs/protocol.md §6) */
#define STUB_BLOCK 0x4000u /* the stub's, if the caller started one */
#define ROM_BAUD   115200u /* every ROM loader talks at this rate after reset */
#define PT_MAX_LEN EH_PT_LEN

static const char *const image_files[EXAMPLE_IMAGES] = {"bootloader.bin", "partition-table.bin",
                                                        "app.bin"};

static void say(example_flow_t *f, char level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (f->log)
        f->log(f->user, level, fmt, ap);
    va_end(ap);
}

static uint32_t now(example_flow_t *f)
{
    return f->now_ms ? f->now_ms(f->user) : 0;
}

esploader_chip_t example_chip_from_name(const char *name)
{
    return esploader_chip_from_name(name);
}

static const char *chip_name(esploader_chip_t chip)
{
    const esploader_chip_info_t *info = esploader_chip_info(chip);
    return info ? info->name : "unknown chip";
}

/* hostlib's bounds-checked table walk (eh_pt_iter.c, freestanding: it runs on the ESP32 host). */
int example_find_app_partition(const uint8_t *table, uint32_t len, uint32_t *offset, uint32_t *size,
                               char label[17])
{
    eh_partition_t p;
    if (eh_pt_find_first(table, len, EH_PT_TYPE_APP, -1, &p) != 0)
        return -1;
    *offset = p.offset;
    *size = p.size;
    memcpy(label, p.name, 17);
    return 0;
}

static void say_lib_error(example_flow_t *f, const char *what, int err)
{
    if (err == ESPLOADER_ERR_TARGET) {
        const esploader_failure_t *fail = esploader_last_failure(f->loader);
        say(f, 'E', "%s failed: the %s refused command 0x%02x (status 0x%02x, reason 0x%02x)", what,
            fail->stub ? "stub" : "ROM", fail->command, fail->status, fail->reason);
    } else {
        say(f, 'E', "%s failed: %s (%d)", what, esploader_strerror(err), err);
    }
}

/* Connect, check the chip against the configuration and find its folder. */
static int connect_and_pick(example_flow_t *f, char names[][EXAMPLE_TARGET_NAME_MAX], int n)
{
    say(f, 'I', "Connecting: BOOT low, pulse RESET, then SYNC with the ROM loader...");
    int err = esploader_connect(f->loader);
    if (err != ESPLOADER_OK) {
        say_lib_error(f, "Connect", err);
        const char *why = esploader_diag_str(esploader_connect_diag(f->loader));
        say(f, 'E', "Diagnosis: %s", *why ? why : "no further diagnosis");
        return EXAMPLE_ERR_CONNECT;
    }
    f->chip = esploader_get_target(f->loader);
    say(f, 'I', "Connected to %s (%s loader)", chip_name(f->chip),
        esploader_stub_running(f->loader) ? "stub" : "ROM");
    if (f->target != ESPLOADER_CHIP_AUTO && f->target != f->chip) {
        say(f, 'E',
            "Wrong chip: configured target is %s but the connected chip is %s. "
            "Check the board, or the configured target.",
            chip_name(f->target), chip_name(f->chip));
        return EXAMPLE_ERR_WRONG_CHIP;
    }
    for (int i = 0; i < n; i++) {
        if (esploader_chip_from_name(names[i]) == f->chip) {
            memcpy(f->folder, names[i], sizeof f->folder);
            say(f, 'I', "Using binaries folder '%s'", f->folder);
            return EXAMPLE_OK;
        }
    }
    say(f, 'E', "No binaries folder for %s (expected a folder named '%s')", chip_name(f->chip),
        chip_name(f->chip));
    return EXAMPLE_ERR_NO_FOLDER;
}

static void raise_baud(example_flow_t *f)
{
    if (f->baud == 0 || f->baud == ROM_BAUD)
        return;
    const esploader_chip_info_t *info = esploader_chip_info(f->chip);
    if (!esploader_stub_running(f->loader) && info && !info->rom_can_change_baud) {
        say(f, 'I', "The %s ROM cannot change its baud rate: staying at %u baud", info->name,
            (unsigned)ROM_BAUD);
        return;
    }
    int err = esploader_change_baudrate(f->loader, f->baud);
    if (err == ESPLOADER_OK)
        say(f, 'I', "Baud rate changed to %u", (unsigned)f->baud);
    else
        say(f, 'W', "Could not change the baud rate to %u (%s): staying at %u baud",
            (unsigned)f->baud, esploader_strerror(err), (unsigned)ROM_BAUD);
}

/* The app goes where the partition table says (the first app partition). */
static int app_offset_from_table(example_flow_t *f, uint32_t *offset, uint32_t *part_size)
{
    uint8_t table[PT_MAX_LEN];
    uint32_t size = 0, got = 0;
    *offset = EXAMPLE_DEFAULT_APP_OFFSET;
    *part_size = 0;
    void *h = f->store->open(f->store->ctx, f->folder, "partition-table.bin", &size);
    if (!h) {
        say(f, 'W', "No partition-table.bin: app goes to the default 0x%x",
            (unsigned)EXAMPLE_DEFAULT_APP_OFFSET);
        return EXAMPLE_OK;
    }
    while (got < sizeof table && got < size) {
        int32_t n = f->store->read(f->store->ctx, h, table + got, (uint32_t)sizeof table - got);
        if (n <= 0)
            break;
        got += (uint32_t)n;
    }
    f->store->close(f->store->ctx, h);
    char label[17];
    if (example_find_app_partition(table, got, offset, part_size, label) != 0) {
        say(f, 'W', "The partition table has no app partition: app goes to 0x%x",
            (unsigned)EXAMPLE_DEFAULT_APP_OFFSET);
        *offset = EXAMPLE_DEFAULT_APP_OFFSET;
        return EXAMPLE_OK;
    }
    say(f, 'I', "Partition table: app partition '%s' at 0x%x (%u KB)", label, (unsigned)*offset,
        (unsigned)(*part_size / 1024));
    /* Apps are mapped in 64 KB MMU pages and must not overlap the bootloader or the table. */
    if (*offset % 0x10000 != 0 || *offset < EXAMPLE_PARTITION_TABLE_OFFSET + PT_MAX_LEN) {
        say(f, 'E',
            "The table puts the app at 0x%x: not 64 KB aligned or over the bootloader "
            "and table; nothing written",
            (unsigned)*offset);
        return EXAMPLE_ERR_IMAGE;
    }
    return EXAMPLE_OK;
}

/* ESP8266 ROM: no MD5, no read command. Compare with what the read-back hook sees. */
static int read_back_check(example_flow_t *f, const char *file, uint32_t offset)
{
    uint8_t want[ROM_BLOCK], have[ROM_BLOCK];
    uint32_t size = 0, at = 0;
    void *h = f->store->open(f->store->ctx, f->folder, file, &size);
    if (!h)
        return EXAMPLE_ERR_STORE;
    int rc = EXAMPLE_OK;
    for (;;) {
        int32_t n = f->store->read(f->store->ctx, h, want, sizeof want);
        if (n <= 0) {
            if (n < 0)
                rc = EXAMPLE_ERR_STORE;
            break;
        }
        if (f->read_back(f->user, offset + at, have, (uint32_t)n) != 0) {
            say(f, 'E', "%s: read-back of 0x%x failed", file, (unsigned)(offset + at));
            rc = EXAMPLE_ERR_VERIFY;
            break;
        }
        if (memcmp(want, have, (size_t)n) != 0) {
            uint32_t i = 0;
            while (want[i] == have[i])
                i++;
            say(f, 'E', "%s: read-back differs at 0x%x: flash 0x%02x, file 0x%02x", file,
                (unsigned)(offset + at + i), have[i], want[i]);
            rc = EXAMPLE_ERR_VERIFY;
            break;
        }
        at += (uint32_t)n;
    }
    f->store->close(f->store->ctx, h);
    return rc;
}

/* The write pipeline reads the image by position (it compares, compresses in two passes and
 * verifies, so it may read a range more than once); the store reads forward. Reading forward
 * from where the last read ended is the common case; anything else reopens and skips. */
typedef struct image_source {
    example_flow_t *f;
    const char *file;
    void *h;
    uint32_t at; /* the store's read position */
} image_source_t;

static int source_read(void *user, uint32_t pos, void *buf, uint32_t len)
{
    image_source_t *src = user;
    example_flow_t *f = src->f;
    uint8_t *p = buf;
    if (src->h == NULL || pos < src->at) {
        uint32_t size;
        if (src->h)
            f->store->close(f->store->ctx, src->h);
        src->h = f->store->open(f->store->ctx, f->folder, src->file, &size);
        src->at = 0;
        if (src->h == NULL)
            return -1;
    }
    while (src->at < pos) { /* skip forward, through buf */
        uint32_t n = pos - src->at < len ? pos - src->at : len;
        int32_t got = f->store->read(f->store->ctx, src->h, buf, n);
        if (got <= 0)
            return -1;
        src->at += (uint32_t)got;
    }
    for (uint32_t done = 0; done < len;) {
        int32_t got = f->store->read(f->store->ctx, src->h, p + done, len - done);
        if (got <= 0)
            return -1;
        done += (uint32_t)got;
        src->at += (uint32_t)got;
    }
    return 0;
}

typedef struct packet_log {
    example_flow_t *f;
    example_image_result_t *r;
} packet_log_t;

/* One line per acknowledged packet (the pipeline calls this after each block). */
static void on_packet(void *user, uint32_t done, uint32_t total)
{
    packet_log_t *pl = user;
    (void)total;
    pl->r->blocks++;
    say(pl->f, 'I', "packet: %u  written: %u B", (unsigned)pl->r->blocks, (unsigned)done);
}

static int flash_one(example_flow_t *f, const char *file, uint32_t offset, uint32_t limit,
                     example_image_result_t *r)
{
    /* Work memory for the pipeline: a 1 KB packet, and 1 KB of file data to compress from. */
    uint8_t work[2 * ROM_BLOCK];
    uint32_t size = 0;
    void *h = f->store->open(f->store->ctx, f->folder, file, &size);
    if (!h) {
        say(f, 'E', "Cannot open %s/%s", f->folder, file);
        return EXAMPLE_ERR_STORE;
    }
    memset(r, 0, sizeof *r);
    r->file = file;
    r->offset = offset;
    r->size = size;
    say(f, 'I', "%s: Image size: %u B, writing at 0x%x", file, (unsigned)size, (unsigned)offset);
    if (size == 0 || (limit && size > limit)) { /* changed since the pre-flight check */
        say(f, 'E', "%s does not fit: %u B for a %u B partition", file, (unsigned)size,
            (unsigned)limit);
        f->store->close(f->store->ctx, h);
        return EXAMPLE_ERR_IMAGE;
    }

    /* The library's write pipeline: sectors the flash already holds are skipped (where the
     * loader has MD5), the rest goes compressed when the host gave a compressor and the
     * loader inflates, each written run is MD5-verified. The file is read in chunks from the
     * store, never held whole. The ROM takes 1 KB packets; a stub would take 16 KB, but the
     * buffer here is 1 KB, so stay with ROM-sized packets either way. */
    image_source_t src = {f, file, h, 0};
    packet_log_t pl = {f, r};
    esploader_write_job_t job = {0};
    job.offset = offset;
    job.size = size;
    job.read = source_read;
    job.read_user = &src;
    job.compressor = f->compressor;
    job.work = work;
    job.work_size = sizeof work;
    job.block_size = ROM_BLOCK;
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    job.progress = on_packet;
    job.progress_user = &pl;
    uint32_t t0 = now(f);
    int err = esploader_flash_write_job(f->loader, &job);
    if (src.h)
        f->store->close(f->store->ctx, src.h);
    if (err == ESPLOADER_ERR_VERIFY) {
        say(f, 'E', "%s: MD5 of the flash at 0x%x differs from the file: the write went wrong",
            file, (unsigned)job.fail_offset);
        return EXAMPLE_ERR_VERIFY;
    }
    if (err == ESPLOADER_ERR_HOST) {
        say(f, 'E', "%s: reading the file or compressing failed (%d) at 0x%x", file, job.host_err,
            (unsigned)job.fail_offset);
        return EXAMPLE_ERR_STORE;
    }
    if (err != ESPLOADER_OK) {
        say_lib_error(f, "flash_write", err);
        say(f, 'E',
            "Packet %u of %s was not written; a new flash_start from 0x%x would "
            "resume",
            (unsigned)(r->blocks + 1), file, (unsigned)esploader_flash_resume_offset(f->loader));
        return EXAMPLE_ERR_FLASH;
    }
    if (job.changed == 0)
        say(f, 'I', "%s: the flash already holds it (MD5): nothing written", file);
    else if (job.changed < size)
        say(f, 'I', "%s: %u of %u B differed from the flash: only those were written", file,
            (unsigned)job.changed, (unsigned)size);
    if (job.deflated)
        say(f, 'I', "%s: %u B compressed to %u B on the wire", file, (unsigned)job.changed,
            (unsigned)job.wire);
    if (esploader_flash_verified(f->loader)) {
        r->verified = EXAMPLE_VERIFIED_MD5;
        say(f, 'I', "%s: flash MD5 matches (computed by the target)", file);
    } else if (f->read_back) {
        say(f, 'I', "%s: this ROM has no MD5 command: verifying by reading the flash back", file);
        int rc = read_back_check(f, file, offset);
        if (rc != EXAMPLE_OK)
            return rc;
        r->verified = EXAMPLE_VERIFIED_READBACK;
        say(f, 'I', "%s: read-back matches", file);
    } else {
        say(f, 'W', "%s: NOT verified: this ROM can neither MD5 nor read its flash", file);
    }
    r->ms = now(f) - t0;
    return EXAMPLE_OK;
}

static void summary(example_flow_t *f)
{
    static const char *const how[] = {"no", "MD5", "read-back"};
    uint32_t bytes = 0, ms = 0;
    say(f, 'I', "%-20s %8s %9s %9s %11s  %s", "image", "offset", "bytes", "time", "rate",
        "verified");
    for (int i = 0; i < f->images_done; i++) {
        const example_image_result_t *r = &f->image[i];
        uint32_t t = r->ms ? r->ms : 1;
        say(f, 'I', "%-20s 0x%06x %9u %7u.%02u s %6u.%u KB/s  %s", r->file, (unsigned)r->offset,
            (unsigned)r->size, (unsigned)(t / 1000), (unsigned)(t % 1000 / 10),
            (unsigned)((uint64_t)r->size * 1000 / t / 1024),
            (unsigned)((uint64_t)r->size * 10000 / t / 1024 % 10), how[r->verified]);
        bytes += r->size;
        ms += r->ms;
    }
    if (ms == 0)
        ms = 1;
    say(f, 'I', "%-20s %8s %9u %7u.%02u s %6u.%u KB/s", "total", "", (unsigned)bytes,
        (unsigned)(ms / 1000), (unsigned)(ms % 1000 / 10),
        (unsigned)((uint64_t)bytes * 1000 / ms / 1024),
        (unsigned)((uint64_t)bytes * 10000 / ms / 1024 % 10));
}

int example_flow_run(example_flow_t *f)
{
    char names[EXAMPLE_MAX_TARGETS][EXAMPLE_TARGET_NAME_MAX];
    f->images_done = 0;
    f->chip = ESPLOADER_CHIP_AUTO;
    f->folder[0] = '\0';

    int n = f->store->list_targets(f->store->ctx, names, EXAMPLE_MAX_TARGETS);
    if (n <= 0) {
        say(f, 'E', "No target folders in the binaries store");
        return EXAMPLE_ERR_STORE;
    }
    char list[EXAMPLE_MAX_TARGETS * (EXAMPLE_TARGET_NAME_MAX + 2)];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (i) {
            memcpy(list + len, ", ", 2);
            len += 2;
        }
        memcpy(list + len, names[i], l);
        len += l;
    }
    list[len] = '\0';
    say(f, 'I', "Binaries for %d targets: %s", n, list);

    int rc = connect_and_pick(f, names, n);
    if (rc != EXAMPLE_OK)
        return rc;
    raise_baud(f);

    const esploader_chip_info_t *info = esploader_chip_info(f->chip);
    uint32_t app_offset, app_limit;
    rc = app_offset_from_table(f, &app_offset, &app_limit);
    if (rc != EXAMPLE_OK)
        return rc;
    const uint32_t offsets[EXAMPLE_IMAGES] = {info->bootloader_offset,
                                              EXAMPLE_PARTITION_TABLE_OFFSET, app_offset};
    /* The bootloader must end before the partition table; the table is 0xC00 bytes. */
    const uint32_t limits[EXAMPLE_IMAGES] = {
        EXAMPLE_PARTITION_TABLE_OFFSET - info->bootloader_offset, PT_MAX_LEN, app_limit};
    /* Check every image before erasing anything: a missing file or an app too big for its
     * partition must not leave the target with a new bootloader and no app. */
    for (int i = 0; i < EXAMPLE_IMAGES; i++) {
        uint32_t size = 0;
        void *h = f->store->open(f->store->ctx, f->folder, image_files[i], &size);
        if (!h) {
            say(f, 'E', "Cannot open %s/%s: nothing written", f->folder, image_files[i]);
            return EXAMPLE_ERR_STORE;
        }
        f->store->close(f->store->ctx, h);
        if (size == 0 || (limits[i] && size > limits[i])) {
            say(f, 'E', "%s does not fit: %u B for a %u B partition: nothing written",
                image_files[i], (unsigned)size, (unsigned)limits[i]);
            return EXAMPLE_ERR_IMAGE;
        }
    }
    uint32_t t0 = now(f);
    for (int i = 0; i < EXAMPLE_IMAGES; i++) {
        rc = flash_one(f, image_files[i], offsets[i], limits[i], &f->image[i]);
        if (rc != EXAMPLE_OK)
            return rc;
        f->images_done++;
    }
    say(f, 'I', "Finished programming: %d images in %u ms", f->images_done,
        (unsigned)(now(f) - t0));
    summary(f);

    int err = esploader_reset_target(f->loader);
    if (err == ESPLOADER_OK)
        say(f, 'I', "Target reset: it now boots the new firmware");
    else
        say(f, 'W', "Could not reset the target (%s): reset it by hand", esploader_strerror(err));
    return EXAMPLE_OK;
}
