/*
 * Whole-buffer writes with the recovery rule and skip-unchanged (docs/library.md). A rejected
 * block cannot be re-sent (the ROM's sequence counter already moved on), so a failed range is
 * restarted with a new FLASH_BEGIN at the sector holding the first unwritten byte.
 */
#include "loader.h"

#define MAX_RESTARTS 3
#define DIFF_CHUNK   0x10000u /* first comparison granularity before going down to sectors */

typedef struct {
    const uint8_t *data;
    uint32_t offset, size, done;
    esploader_progress_fn progress;
    void *user;
} job_t;

/* Write data[from, to) with up to MAX_RESTARTS restarts; no verification here. */
static int write_range(esploader_t *l, job_t *j, uint32_t from, uint32_t to)
{
    uint32_t pos = from, restarts = 0, resume;
    int r;

    for (;;) {
        r = esploader_flash_start(l, j->offset + pos, to - pos, 0);
        while (r == 0 && pos < to) {
            uint32_t n = to - pos < l->xfer_block ? to - pos : l->xfer_block;
            r = esploader_flash_write(l, j->data + pos, n);
            if (r == 0) {
                pos += n;
                j->done += n;
                if (j->progress != NULL) {
                    j->progress(j->user, j->done, j->size);
                }
            }
        }
        if (r == 0) {
            return esploader_flash_finish(l, ESPLOADER_FINISH_NO_VERIFY);
        }
        if (r == ESPLOADER_ERR_INVALID_ARG || r == ESPLOADER_ERR_UNSUPPORTED ||
            r == ESPLOADER_ERR_STATE || r == ESPLOADER_ERR_IO || restarts++ >= MAX_RESTARTS) {
            return r;
        }
        ESP_LOG(l, ESPLOADER_LOG_WARN, "restarting write at", l->resume_offset);
        espl_drain(l, 50);
        resume = l->resume_offset < j->offset + from ? from : l->resume_offset - j->offset;
        j->done -= pos - resume;
        pos = resume;
    }
}

/* Host MD5 of data[from, from + n) vs. the target's. 1 = differs, 0 = same, < 0 error. */
static int differs(esploader_t *l, const job_t *j, uint32_t from, uint32_t n)
{
    uint8_t host[16], target[16];
    int r = esploader_flash_md5(l, j->offset + from, n, target);

    if (r != 0) {
        return r;
    }
    esploader_md5_init(&l->md5);
    esploader_md5_update(&l->md5, j->data + from, n);
    esploader_md5_final(&l->md5, host);
    return !espl_mem_equal(host, target, 16);
}

/* Write data[from, to) and, unless no_verify, check that run alone with a target MD5. */
static int rewrite_run(esploader_t *l, job_t *j, uint32_t from, uint32_t to, int no_verify)
{
    int r = write_range(l, j, from, to);

    if (r == 0 && !no_verify && (r = differs(l, j, from, to - from)) > 0) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "MD5 mismatch at", j->offset + from);
        r = ESPLOADER_ERR_VERIFY;
    }
    return r;
}

/* End of the flash-aligned unit of `gran` bytes holding data[pos], capped at the data's end. */
static uint32_t unit_end(const job_t *j, uint32_t pos, uint32_t gran)
{
    uint32_t left = gran - ((j->offset + pos) & (gran - 1));
    return j->size - pos < left ? j->size : pos + left;
}

/*
 * One comparison pass: a target MD5 per flash-aligned 64 KB block of the region; inside a
 * block that differs, one per 4 KB sector. Differing sectors are gathered into runs (across
 * block borders) and each run is written, then verified with its own MD5. The sectors left
 * alone were just proven equal by the target's MD5 against the host's data, so the whole
 * region is covered without a second MD5 pass over it (docs/library.md).
 */
static int write_changed(esploader_t *l, job_t *j, int no_verify)
{
    uint32_t pos, s, e, end, run = 0;
    int cd, sd, have_run = 0;

    for (pos = 0; pos < j->size; pos = end) {
        end = unit_end(j, pos, DIFF_CHUNK);
        if ((cd = differs(l, j, pos, end - pos)) < 0) {
            return cd;
        }
        for (s = pos; s < end; s = e) {
            e = unit_end(j, s, ESP_SECTOR);
            sd = cd && e - s < end - pos ? differs(l, j, s, e - s) : cd;
            if (sd < 0) {
                return sd;
            }
            if (!sd) {
                j->done += e - s; /* unchanged: counts as done */
                if (have_run && (sd = rewrite_run(l, j, run, s, no_verify)) != 0) {
                    return sd;
                }
                have_run = 0;
            } else if (!have_run) {
                run = s;
                have_run = 1;
            }
        }
    }
    return have_run ? rewrite_run(l, j, run, j->size, no_verify) : ESPLOADER_OK;
}

int esploader_flash_write_buffer(esploader_t *l, uint32_t offset, const void *data, uint32_t size,
                                 uint32_t flags, esploader_progress_fn progress, void *user)
{
    job_t j;
    uint8_t digest[16];
    int r, can_md5 = !espl_is_8266_rom(l) && !l->sdm;

    if (data == NULL || size == 0 || offset + size < offset) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (can_md5 && !l->stub && l->flash_size == 0 && offset + size > 0x200000) {
        /* The ROMs assume 2 MB until told the real size (SPI_SET_PARAMS): detect it, and fail
         * loudly if that is impossible, rather than write past a wrong limit. */
        uint32_t flash_size;
        r = esploader_flash_detect_size(l, &flash_size, NULL);
        if (r == 0) {
            r = esploader_flash_set_size(l, flash_size);
        }
        if (r != 0) {
            return r;
        }
    }
    j.data = (const uint8_t *)data;
    j.offset = offset;
    j.size = size;
    j.done = 0;
    j.progress = progress;
    j.user = user;
    l->verified = 0;
    if ((flags & ESPLOADER_WRITE_SKIP_UNCHANGED) && can_md5) {
        r = write_changed(l, &j, flags & ESPLOADER_FINISH_NO_VERIFY);
        l->verified = r == 0 && !(flags & ESPLOADER_FINISH_NO_VERIFY);
    } else {
        r = write_range(l, &j, 0, size);
        if (r != 0 || (flags & ESPLOADER_FINISH_NO_VERIFY) || !can_md5) {
            return r;
        }
        /* One MD5 over the whole region at the end, not one per range. */
        esploader_md5_init(&l->md5);
        esploader_md5_update(&l->md5, data, size);
        esploader_md5_final(&l->md5, digest);
        r = esploader_flash_verify_md5(l, offset, size, digest);
        l->verified = r == 0;
    }
    if (r == 0 && (flags & ESPLOADER_FINISH_REBOOT)) {
        espl_flash_leave(l, ESP_OP_FLASH_END);
    }
    return r;
}
