/*
 * The write pipeline (esploader.h "The write pipeline", docs/library.md): skip what the flash
 * already holds, send the rest (compressed where the loader inflates and a compressor is
 * given), verify each written run. A rejected block cannot be re-sent (the ROM's sequence
 * counter already moved on), so a failed run is restarted with a new BEGIN.
 */
#include "loader.h"

#define MAX_RESTARTS 3
#define DIFF_BLOCK   0x10000u /* first comparison granularity below the whole region */
#define MIN_BLOCK    0x400u   /* the default block size is halved down to this to fit work */
#define NO_RUN       0xFFFFFFFFu
#define GUARD        0x10000u  /* each guard span (see esploader_flash_guard_md5) */
#define ROM_FLASH    0x200000u /* the flash size a ROM assumes until told (SPI_SET_PARAMS) */

typedef struct {
    esploader_write_job_t *j;
    const uint8_t *data; /* j->data, or NULL: j->read */
    uint8_t *work;
    uint32_t block;   /* transfer block size */
    uint32_t stage;   /* read staging bytes: work + (defl ? block : 0) */
    uint32_t done;    /* image bytes done, for progress */
    uint32_t told;    /* the last done value progress() reported */
    uint8_t guard[8]; /* the guard MD5 before the first BEGIN, its first half: a change
                       * slips through with odds of 2^-64, and the stack stays in budget */
    uint8_t guarded;  /* 0 not taken yet, 1 taken, 2 no guard span */
    uint8_t defl;     /* runs go compressed */
    uint8_t verify;   /* runs get a target MD5 */
} job_t;

static int host_fail(job_t *s, int err)
{
    s->j->host_err = (int16_t)(err < -32768 ? -32768 : err);
    return ESPLOADER_ERR_HOST;
}

/* Job bytes [pos, pos + n) (n <= s->stage for a read source): a pointer into the caller's
 * buffer, or read into buf. */
static int fetch(job_t *s, uint32_t pos, uint32_t n, uint8_t *buf, const uint8_t **p)
{
    int r;

    if (s->data != NULL) {
        *p = s->data + pos;
        return 0;
    }
    r = s->j->read(s->j->read_user, pos, buf, n);
    *p = buf;
    return r < 0 ? host_fail(s, r) : 0;
}

static void report(job_t *s, uint32_t done)
{
    s->told = done;
    if (s->j->progress != NULL) {
        s->j->progress(s->j->progress_user, done, s->j->size);
    }
}

/* The host MD5 of job bytes [pos, pos + n), or (ff) of n bytes of erased flash. */
static int host_md5(esploader_t *l, job_t *s, uint32_t pos, uint32_t n, int ff, uint8_t d[16])
{
    const uint8_t *p = l->frame;
    uint32_t c, i;
    int r;

    for (i = 0; ff && i < sizeof(l->frame); i++) {
        l->frame[i] = 0xFF; /* the reply buffer is free between commands */
    }
    esploader_md5_init(&l->md5);
    for (; n > 0; pos += c, n -= c) {
        c = ff ? (uint32_t)sizeof(l->frame) : s->data != NULL ? n : s->j->work_size;
        c = c < n ? c : n;
        if (!ff && (r = fetch(s, pos, c, s->work, &p)) != 0) {
            return r;
        }
        esploader_md5_update(&l->md5, p, c);
    }
    esploader_md5_final(&l->md5, d);
    return 0;
}

/* Job bytes [pos, pos + n) against the flash: 0 same, 1 different, 2 different and the flash
 * there is erased (asked with erased only), < 0 error. */
static int compare(esploader_t *l, job_t *s, uint32_t pos, uint32_t n, int erased)
{
    uint8_t host[16], target[16];
    int r = esploader_flash_md5(l, s->j->offset + pos, n, target);

    s->j->md5s++;
    if (r == 0 && (r = host_md5(l, s, pos, n, 0, host)) == 0 && !espl_mem_equal(host, target, 16)) {
        r = 1;
        if (erased && host_md5(l, s, 0, n, 1, host) == 0 && espl_mem_equal(host, target, 16)) {
            r = 2;
        }
    }
    return r;
}

/* After a failed transfer: worth a new BEGIN (the link may recover), or not. */
static int restartable(int r, uint32_t *restarts)
{
    return r != ESPLOADER_ERR_INVALID_ARG && r != ESPLOADER_ERR_UNSUPPORTED &&
           r != ESPLOADER_ERR_STATE && r != ESPLOADER_ERR_IO && r != ESPLOADER_ERR_HOST &&
           (*restarts)++ < MAX_RESTARTS;
}

/*
 * One compression pass over job bytes [from, to). send = 0 only counts, and stops as soon as
 * the output reaches limit (the input's size: it goes plain then). send = 1 sends each full
 * block (and the last one) as FLASH_DEFL_DATA, and fails if the output exceeds limit (what
 * the counting pass found). Both passes make the same compressor calls (the contract's
 * determinism rule). Returns the compressed length or < 0.
 */
static int32_t deflate_pass(esploader_t *l, job_t *s, uint32_t from, uint32_t to, uint32_t limit,
                            int send)
{
    const esploader_compressor_t *c = s->j->compressor;
    uint8_t *stage = s->work + s->block;
    uint32_t pos = from, spos = from, have = 0, total = 0, olen = 0;
    size_t used, made;
    const uint8_t *in;
    int r = c->ops->begin(c->ctx), stall = 0;

    while (r >= 0) {
        uint32_t n;
        if (s->data != NULL) {
            in = s->data + pos;
            n = to - pos;
        } else {
            if (pos == spos + have && pos < to) { /* staging used up: refill */
                spos = pos;
                have = to - pos < s->stage ? to - pos : s->stage;
                if ((r = fetch(s, pos, have, stage, &in)) != 0) {
                    return r;
                }
            }
            in = stage + (pos - spos);
            n = spos + have - pos;
        }
        used = made = 0;
        r = c->ops->run(c->ctx, n ? in : NULL, n, &used, s->work + olen, s->block - olen, &made,
                        pos + n == to);
        stall = used + made == 0 ? stall + 1 : 0;
        if (r < 0 || used > n || made > s->block - olen || stall > 2) {
            break; /* failed, or broke the contract */
        }
        pos += (uint32_t)used;
        olen += (uint32_t)made;
        if (olen == s->block || (r == ESPLOADER_COMPRESS_END && olen > 0)) {
            total += olen;
            if (send && total > limit) {
                break; /* not what the counting pass found: not deterministic */
            }
            if (send) {
                int e = espl_block(l, ESP_STATE_DEFL, s->work, olen);
                if (e != 0) {
                    return e;
                }
                report(s, s->done + (pos - from));
            } else if (total >= limit) {
                return (int32_t)total; /* does not shrink: stop counting */
            }
            olen = 0;
        }
        if (r == ESPLOADER_COMPRESS_END) {
            return (int32_t)total;
        }
    }
    ESP_LOG(l, ESPLOADER_LOG_ERROR, "compressor failed at", s->j->offset + pos);
    return host_fail(s, r < 0 ? r : ESPLOADER_ERR_PROTOCOL);
}

/*
 * The guard. Commands carry no checksum (only data blocks do) and FLASH_BEGIN's reply does not
 * say what was erased, so a line error in a BEGIN makes the loader erase elsewhere unseen
 * (docs/reliability.md): a bit error in its erase size erases past the region (the region's
 * own MD5 still matches), from the region's end on; bytes lost from it make the words after
 * the gap slide into the offset, and with the usual offsets (< 16 MB, top byte 0) and a
 * 5-word BEGIN (the encrypted flag, 0, last) the offset that results lies in the first 64 KB
 * of the flash. The guard MD5 covers both places: up to 64 KB after the region's last sector
 * and up to 64 KB from 0 below the region, XORed into one digest. The pipeline takes it before
 * its first BEGIN and compares it after the job. It cannot see a change of a span that was
 * blank already, nor a damaged offset that lands elsewhere (that write fails the region's MD5,
 * but what it erased there stays unseen).
 *
 * after_span: the guard's span after a region, its length (0: none) and start.
 */
static uint32_t after_span(const esploader_t *l, uint32_t offset, uint32_t size, uint32_t *pos)
{
    uint32_t end = offset + size, lim = l->flash_size ? l->flash_size : ROM_FLASH;

    *pos = (end + ESP_SECTOR - 1) & ~(ESP_SECTOR - 1);
    if (end < offset || *pos < end || *pos >= lim) {
        return 0; /* no flash after the region that the loader knows */
    }
    return lim - *pos < GUARD ? lim - *pos : GUARD;
}

int esploader_flash_guard_md5(esploader_t *l, uint32_t offset, uint32_t size, uint8_t md5[16])
{
    uint32_t pos, n = after_span(l, offset, size, &pos), i;
    uint8_t low[16];
    int r = n != 0 ? esploader_flash_md5(l, pos, n, md5) : 0, spans = n != 0;

    if (r == 0 && offset != 0) { /* the flash below the region, from 0 */
        r = esploader_flash_md5(l, 0, offset < GUARD ? offset : GUARD, spans ? low : md5);
        for (i = 0; r == 0 && spans && i < 16; i++) {
            md5[i] ^= low[i];
        }
        spans++;
    }
    return r != 0 ? r : spans != 0 ? spans : ESPLOADER_ERR_UNSUPPORTED;
}

/* The guard MD5 goes to the host MD5 context's memory (free between host MD5s, as the reply
 * buffer is between commands): no digest on the stack of the pipeline's deepest chain. */
static uint8_t *scratch16(esploader_t *l)
{
    return (uint8_t *)&l->md5;
}

/* Before the first BEGIN of a verified job: 1 taken, 2 none (no span, or not answered). */
static int guard_take(esploader_t *l, job_t *s)
{
    uint32_t i;
    int r = 0;

    if (s->verify && s->guarded == 0) {
        r = esploader_flash_guard_md5(l, s->j->offset, s->j->size, scratch16(l));
        for (i = 0; i < sizeof(s->guard); i++) {
            s->guard[i] = scratch16(l)[i];
        }
        s->guarded = r > 0 ? 1 : 2;
        s->j->md5s = (uint16_t)(s->j->md5s + (r > 0 ? r : r != ESPLOADER_ERR_UNSUPPORTED));
        /* no span, or the loader refused to MD5 it: write unguarded rather than not at all */
        r = r > 0 || r == ESPLOADER_ERR_UNSUPPORTED || r == ESPLOADER_ERR_TARGET ? 0 : r;
    }
    return r;
}

/* After the job ended with r: the guard span must be as it was. Not asked after a timeout or
 * a lost line (each MD5 would wait for its own timeout). */
static int guard_check(esploader_t *l, job_t *s, int r)
{
    int g;

    if (s->guarded != 1 || (r != 0 && r != ESPLOADER_ERR_VERIFY && r != ESPLOADER_ERR_TARGET)) {
        return r;
    }
    g = esploader_flash_guard_md5(l, s->j->offset, s->j->size, scratch16(l));
    s->j->md5s = (uint16_t)(s->j->md5s + (g > 0 ? g : 1));
    if (g > 0 && !espl_mem_equal(scratch16(l), s->guard, sizeof(s->guard))) {
        /* which span is not known (one digest): the region's end, outside it, says "guard" */
        s->j->fail_offset = s->j->offset + s->j->size;
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "flash outside the region changed, after",
                s->j->fail_offset);
        return ESPLOADER_ERR_VERIFY;
    }
    return r != 0 ? r : g < 0 ? g : 0;
}

/*
 * Write job bytes [from, to) in one transfer, compressed if the counting pass shows it shrinks,
 * else plain; restarted on failure (plain: at the resume offset, compressed: from the start,
 * since how much got inflated is not known host-side). Then one target MD5 checks the run.
 */
static int write_run(esploader_t *l, job_t *s, uint32_t from, uint32_t to)
{
    uint32_t pos = from, restarts = 0, n, resume, done0 = s->done;
    int32_t clen = 0;
    const uint8_t *p;
    int r;

    if (s->defl && (clen = deflate_pass(l, s, from, to, to - from, 0)) >= 0 &&
        (uint32_t)clen >= to - from) {
        clen = 0; /* does not shrink: plain */
    }
    if (clen >= 0 && (r = guard_take(l, s)) != 0) {
        return r;
    }
    for (r = clen; clen >= 0;) { /* left by break only */
        s->j->transfers++;
        if (clen) {
            s->j->deflated++;
            r = espl_begin(l, ESP_OP_FLASH_DEFL_BEGIN, s->j->offset + from, to - from,
                           (uint32_t)clen, s->block);
            /* a sending pass that differs from the counting pass: the compressor is not
             * deterministic (see esploader_compress.h) */
            if (r == 0 && (r = deflate_pass(l, s, from, to, (uint32_t)clen, 1)) >= 0) {
                r = r == clen ? 0 : host_fail(s, ESPLOADER_ERR_PROTOCOL);
            }
        } else {
            r = espl_begin(l, ESP_OP_FLASH_BEGIN, s->j->offset + pos, to - pos, to - pos, s->block);
            while (r == 0 && pos < to) {
                n = to - pos < s->block ? to - pos : s->block;
                if ((r = fetch(s, pos, n, s->work, &p)) == 0 &&
                    (r = espl_block(l, ESP_STATE_FLASH, p, n)) == 0) {
                    pos += n;
                    s->j->wire += n;
                    report(s, s->done += n);
                }
            }
        }
        if (r == 0) {
            s->j->wire += (uint32_t)clen;
            s->done = done0 + (to - from);
            r = clen ? esploader_flash_defl_finish(l, NULL, ESPLOADER_FINISH_NO_VERIFY)
                     : esploader_flash_finish(l, ESPLOADER_FINISH_NO_VERIFY);
            break;
        }
        if (!restartable(r, &restarts)) {
            break;
        }
        ESP_LOG(l, ESPLOADER_LOG_WARN, "restarting write at", l->resume_offset);
        espl_drain(l, 50);
        resume = l->resume_offset < s->j->offset + from ? from : l->resume_offset - s->j->offset;
        s->done -= pos - resume;
        pos = resume;
    }
    if (r == 0 && s->verify && (r = compare(l, s, from, to - from, 0)) == 1) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR, "MD5 mismatch at", s->j->offset + from);
        r = ESPLOADER_ERR_VERIFY;
    }
    s->j->changed += to - from;
    if (r != 0) {
        s->j->fail_offset = s->j->offset + from;
    }
    return r;
}

/* End of the flash-aligned unit of `gran` bytes holding job byte pos, capped at the end. */
static uint32_t unit_end(const job_t *s, uint32_t pos, uint32_t gran)
{
    uint32_t left = gran - ((s->j->offset + pos) & (gran - 1));
    return s->j->size - pos < left ? s->j->size : pos + left;
}

/*
 * After a run written between equal sectors: what was judged equal before the write and lies
 * after it -- job bytes [from, to): the sector that closed the run, or the rest of its 64 KB
 * block when the block was judged equal as a whole -- must still be equal. A BEGIN whose erase
 * size the line damaged (see the guard) erases on from the run's end; sectors after these are
 * compared only after the write, so the walk itself rewrites what such an erase hit there.
 */
static int recheck(esploader_t *l, job_t *s, uint32_t from, uint32_t to)
{
    int r = s->verify ? compare(l, s, from, to - from, 0) : 0;

    if (r == 1) {
        ESP_LOG(l, ESPLOADER_LOG_ERROR,
                "changed after the run written before it:", s->j->offset + from);
        s->j->fail_offset = s->j->offset + from;
        r = ESPLOADER_ERR_VERIFY;
    }
    return r;
}

/*
 * The comparison (one pass over the region on the target, then over the differing blocks):
 * whole region, then 64 KB flash blocks, then 4 KB sectors inside the blocks that differ and
 * are not erased. Runs of differing sectors (across block borders too) are written as soon as
 * an equal sector (or the end) closes them.
 */
static int write_changed(esploader_t *l, job_t *s)
{
    uint32_t size = s->j->size, pos, end, sec, e, run = NO_RUN;
    int whole = compare(l, s, 0, size, 1), cd, sd;

    if (whole <= 0 || whole == 2 || size <= ESP_SECTOR) {
        s->done = whole == 0 ? size : 0;
        return whole <= 0 ? whole : write_run(l, s, 0, size);
    }
    for (pos = 0; pos < size; pos = end) {
        end = unit_end(s, pos, DIFF_BLOCK);
        cd = end - pos == size ? whole : compare(l, s, pos, end - pos, 1);
        for (sec = pos; cd >= 0 && sec < end; sec = e) {
            e = unit_end(s, sec, ESP_SECTOR);
            sd = cd == 1 && e - sec < end - pos ? compare(l, s, sec, e - sec, 0) : cd;
            if (sd < 0) {
                return sd;
            }
            if (sd == 0) {
                s->done += e - sec; /* unchanged: counts as done */
                if (run != NO_RUN && ((sd = write_run(l, s, run, sec)) != 0 ||
                                      (sd = recheck(l, s, sec, cd == 0 ? end : e)) != 0)) {
                    return sd;
                }
                run = NO_RUN;
            } else if (run == NO_RUN) {
                run = sec;
            }
        }
        if (cd < 0) {
            return cd;
        }
    }
    return run != NO_RUN ? write_run(l, s, run, size) : ESPLOADER_OK;
}

int esploader_flash_write_job(esploader_t *l, esploader_write_job_t *j)
{
    job_t s;
    uint32_t need;
    int r, can_md5 = !espl_is_8266_rom(l) && !l->sdm;

    j->changed = j->wire = j->fail_offset = 0;
    j->md5s = j->transfers = j->deflated = 0;
    j->host_err = 0;
    s.j = j;
    s.data = (const uint8_t *)j->data;
    s.work = (uint8_t *)j->work;
    s.done = s.told = 0;
    s.defl = j->compressor != NULL && !espl_is_8266_rom(l) && !l->sdm; /* FLASH_DEFL_* */
    s.verify = can_md5 && !(j->flags & ESPLOADER_FINISH_NO_VERIFY);
    s.guarded = 0;
    s.block = j->block_size ? j->block_size : l->stub ? 0x4000u : MIN_BLOCK;
    for (;;) {
        /* compressed: one block of output, plus staging after it for a read source;
         * plain: one block of staging for a read source */
        s.stage = s.data != NULL ? 0 : s.defl ? j->work_size - s.block : s.block;
        need = (s.defl ? s.block : 0) + (s.data != NULL ? 0 : s.defl ? 1 : s.block);
        if (need <= j->work_size || j->block_size || s.block <= MIN_BLOCK) {
            break;
        }
        s.block /= 2;
    }
    if ((s.data == NULL && j->read == NULL) || j->size == 0 || j->offset + j->size < j->offset ||
        need > j->work_size || (need && s.work == NULL) ||
        (s.defl && (j->compressor->ops == NULL || s.block == 0))) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (can_md5 && !l->stub && l->flash_size == 0 && j->offset + j->size > 0x200000) {
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
    l->verified = 0;
    r = (j->flags & ESPLOADER_WRITE_SKIP_UNCHANGED) && can_md5 ? write_changed(l, &s)
                                                               : write_run(l, &s, 0, j->size);
    r = guard_check(l, &s, r);
    if (r == 0) {
        l->verified = s.verify;
        if (s.told != j->size) {
            report(&s, j->size);
        }
        if (j->flags & ESPLOADER_FINISH_REBOOT) {
            espl_flash_leave(l, ESP_OP_FLASH_END);
        }
    }
    return r;
}
