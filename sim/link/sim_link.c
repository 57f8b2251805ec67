/*
 * In-process host <-> sim link on a virtual clock, with fault injection.
 *
 * Byte streams are indexed per direction from 0 (the bytes the sender produced, before any
 * fault), so a test can say "flip the 12th byte the chip sends" without caring how the
 * stream was chunked. Faults never renumber the stream: inserted garbage has no index and
 * dropped bytes keep theirs.
 *
 * To-chip bytes are handed to the sim as soon as they are due; a DELAY fault parks the rest
 * of the write in a pending queue released when the clock reaches it. To-host bytes are
 * pulled from the sim into a queue where each byte carries the time it becomes readable,
 * which is how a to-host DELAY holds back everything behind it.
 */
#include "esp_sim_link.h"

#include <stdlib.h>
#include <string.h>

#define SIM_LINK_MAX_FAULTS 32
#define SIM_LINK_STALE_MAX  512 /* longer frames are not kept for STALE (none is a reply) */

/* A FIFO of bytes with per-byte times (ready time for to-host, release time for to-chip). */
typedef struct timed_queue {
    uint8_t *data;
    uint64_t *when;
    size_t head, count, cap;
} timed_queue_t;

struct sim_link {
    sim_t *sim;
    uint64_t now_us;
    sim_fault_t faults[SIM_LINK_MAX_FAULTS];
    size_t nfaults;
    uint64_t index[2];     /* next stream index per direction */
    uint64_t last_time[2]; /* latest time given to a queued byte, keeps FIFO order */
    timed_queue_t to_chip; /* written by the host, not yet handed to the sim */
    timed_queue_t to_host; /* from the sim, not yet read by the host */
    uint32_t garbage_state;
    int dtr, rts; /* current line states (1 asserted) */
    /* the chip's last complete SLIP frame (C0 .. C0) and the one it is sending, for STALE */
    uint8_t frame_cur[SIM_LINK_STALE_MAX], frame_last[SIM_LINK_STALE_MAX];
    size_t cur_len, last_len;
    bool cur_overflow;
};

static int queue_reserve(timed_queue_t *q, size_t extra)
{
    if (q->head > 0 && q->head + q->count + extra > q->cap) {
        memmove(q->data, q->data + q->head, q->count);
        memmove(q->when, q->when + q->head, q->count * sizeof(*q->when));
        q->head = 0;
    }
    if (q->count + extra <= q->cap) {
        return 0;
    }
    size_t cap = q->cap ? q->cap : 256;
    while (cap < q->count + extra) {
        cap *= 2;
    }
    uint8_t *d = realloc(q->data, cap);
    if (d == NULL) {
        return -1;
    }
    q->data = d;
    uint64_t *w = realloc(q->when, cap * sizeof(*w));
    if (w == NULL) {
        return -1;
    }
    q->when = w;
    q->cap = cap;
    return 0;
}

static void queue_push(timed_queue_t *q, uint8_t b, uint64_t when)
{
    if (queue_reserve(q, 1) != 0) {
        return; /* out of memory: the byte is lost, like on an overrun UART */
    }
    q->data[q->head + q->count] = b;
    q->when[q->head + q->count] = when;
    q->count++;
}

static void queue_pop(timed_queue_t *q, size_t n)
{
    q->head += n;
    q->count -= n;
    if (q->count == 0) {
        q->head = 0;
    }
}

/* Number of bytes at the front of the queue whose time is <= t. */
static size_t queue_due(const timed_queue_t *q, uint64_t t)
{
    size_t n = 0;
    while (n < q->count && q->when[q->head + n] <= t) {
        n++;
    }
    return n;
}

static uint64_t queue_next_time(const timed_queue_t *q)
{
    return q->count ? q->when[q->head] : UINT64_MAX;
}

sim_link_t *sim_link_new(sim_t *sim)
{
    if (sim == NULL) {
        return NULL;
    }
    sim_link_t *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return NULL;
    }
    k->sim = sim;
    k->garbage_state = 0x2545F491u;
    return k;
}

void sim_link_free(sim_link_t *k)
{
    if (k == NULL) {
        return;
    }
    free(k->to_chip.data);
    free(k->to_chip.when);
    free(k->to_host.data);
    free(k->to_host.when);
    free(k);
}

int sim_link_add_fault(sim_link_t *k, const sim_fault_t *f)
{
    if (k == NULL || f == NULL || k->nfaults >= SIM_LINK_MAX_FAULTS) {
        return -1;
    }
    k->faults[k->nfaults++] = *f;
    return 0;
}

void sim_link_clear_faults(sim_link_t *k)
{
    if (k != NULL) {
        k->nfaults = 0;
    }
}

sim_t *sim_link_sim(sim_link_t *k)
{
    return k ? k->sim : NULL;
}

uint64_t sim_link_now_us(const sim_link_t *k)
{
    return k ? k->now_us : 0;
}

/* Deterministic garbage (xorshift32) so a failing test replays identically. */
static uint8_t garbage_byte(sim_link_t *k)
{
    uint32_t x = k->garbage_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    k->garbage_state = x;
    return (uint8_t)(x >> 24);
}

/* Hand every to-chip byte whose release time has come to the sim, at that time, in order. */
static void release_to_chip(sim_link_t *k)
{
    timed_queue_t *q = &k->to_chip;
    while (q->count > 0 && q->when[q->head] <= k->now_us) {
        uint64_t t = q->when[q->head];
        size_t n = 1;
        while (n < q->count && q->when[q->head + n] == t) {
            n++;
        }
        sim_host_write(k->sim, q->data + q->head, n, t);
        queue_pop(q, n);
    }
}

/* The smallest SPLIT size in force for byte `index` of direction dir; 0 = no split. */
static uint32_t split_limit(const sim_link_t *k, sim_dir_t dir, uint64_t index)
{
    uint32_t lim = 0;
    for (size_t i = 0; i < k->nfaults; i++) {
        const sim_fault_t *f = &k->faults[i];
        if (f->kind == SIM_FAULT_SPLIT && f->dir == dir && index >= f->at_byte && f->param > 0 &&
            (lim == 0 || f->param < lim)) {
            lim = f->param;
        }
    }
    return lim;
}

/* Follow the chip's frames (source bytes, before faults) so STALE can repeat the last one. */
static void track_frame(sim_link_t *k, uint8_t b)
{
    if (b == 0xC0) {
        if (k->cur_len > 1) { /* a frame closes */
            if (!k->cur_overflow) {
                memcpy(k->frame_last, k->frame_cur, k->cur_len);
                k->frame_last[k->cur_len] = 0xC0;
                k->last_len = k->cur_len + 1;
            }
            k->cur_len = 0;
            k->cur_overflow = false;
        } else { /* a frame opens (C0 C0 counts as one opening) */
            k->frame_cur[0] = 0xC0;
            k->cur_len = 1;
        }
        return;
    }
    if (k->cur_len == 0) {
        return; /* boot-log text between frames */
    }
    if (k->cur_len + 1 >= SIM_LINK_STALE_MAX) {
        k->cur_overflow = true; /* too long to keep; cur_len stays > 1 so its close is seen */
        return;
    }
    k->frame_cur[k->cur_len++] = b;
}

/* The target resets now: EN pulses low and rises again, IO0 as the modem lines hold it. */
static void reset_target(sim_link_t *k)
{
    bool en_high = !(k->rts && !k->dtr), io0_high = !(k->dtr && !k->rts);
    release_to_chip(k);
    sim_set_pins(k->sim, false, io0_high, k->now_us);
    if (en_high) {
        sim_set_pins(k->sim, true, io0_high, k->now_us);
    }
}

/*
 * Pass one source byte of direction dir through the fault table and queue what comes out,
 * each with a time of at least `t`.
 */
static void pass_byte(sim_link_t *k, sim_dir_t dir, uint8_t b, uint64_t t)
{
    timed_queue_t *q = dir == SIM_DIR_TO_CHIP ? &k->to_chip : &k->to_host;
    uint64_t idx = k->index[dir]++;
    bool drop = false, reset = false;
    uint64_t when = t > k->last_time[dir] ? t : k->last_time[dir];

    for (size_t i = 0; i < k->nfaults; i++) {
        const sim_fault_t *f = &k->faults[i];
        if (f->dir != dir) {
            continue;
        }
        switch (f->kind) {
        case SIM_FAULT_CUT:
            if (idx >= f->at_byte) {
                drop = true;
            }
            break;
        case SIM_FAULT_DROP:
            if (idx >= f->at_byte && idx - f->at_byte < f->param) {
                drop = true;
            }
            break;
        case SIM_FAULT_FLIP:
            if (idx == f->at_byte) {
                uint8_t mask = (uint8_t)f->param; /* only the low 8 bits can flip a byte */
                b ^= mask ? mask : 0x01;
            }
            break;
        case SIM_FAULT_DELAY:
            if (idx == f->at_byte) {
                when += f->param;
            }
            break;
        case SIM_FAULT_RESET:
            if (idx == f->at_byte && dir == SIM_DIR_TO_CHIP) {
                reset = drop = true;
            }
            break;
        default:
            break;
        }
    }
    /* Garbage goes in front of the byte, delayed with it; a cut line carries no garbage. */
    bool cut = false;
    for (size_t i = 0; i < k->nfaults; i++) {
        const sim_fault_t *f = &k->faults[i];
        if (f->dir == dir && f->kind == SIM_FAULT_CUT && idx >= f->at_byte) {
            cut = true;
        }
    }
    for (size_t i = 0; i < k->nfaults && !cut; i++) {
        const sim_fault_t *f = &k->faults[i];
        if (f->dir == dir && f->kind == SIM_FAULT_GARBAGE && idx == f->at_byte) {
            for (uint32_t g = 0; g < f->param; g++) {
                queue_push(q, garbage_byte(k), when);
            }
        }
        if (f->dir == dir && f->kind == SIM_FAULT_STALE && idx == f->at_byte &&
            dir == SIM_DIR_TO_HOST) {
            for (size_t g = 0; g < k->last_len; g++) {
                queue_push(q, k->frame_last[g], when);
            }
        }
    }
    if (dir == SIM_DIR_TO_HOST) {
        track_frame(k, b);
    }
    if (reset) {
        reset_target(k);
    }
    if (!drop) {
        queue_push(q, b, when);
    }
    k->last_time[dir] = when;
}

/* Move everything the sim has delivered by now into the to-host queue. */
static void pull_from_sim(sim_link_t *k)
{
    uint8_t buf[512];
    size_t n;
    release_to_chip(k);
    while ((n = sim_host_read(k->sim, buf, sizeof(buf), k->now_us)) > 0) {
        for (size_t i = 0; i < n; i++) {
            pass_byte(k, SIM_DIR_TO_HOST, buf[i], k->now_us);
        }
    }
}

uint64_t sim_link_bytes(const sim_link_t *k, sim_dir_t dir)
{
    if (k == NULL || (dir != SIM_DIR_TO_CHIP && dir != SIM_DIR_TO_HOST)) {
        return 0;
    }
    return k->index[dir];
}

void sim_link_advance_us(sim_link_t *k, uint64_t us)
{
    if (k == NULL) {
        return;
    }
    /* Release delayed to-chip bytes at their own times on the way, not all at the end. */
    uint64_t target = k->now_us + us;
    while (queue_next_time(&k->to_chip) <= target) {
        k->now_us = queue_next_time(&k->to_chip);
        release_to_chip(k);
    }
    k->now_us = target;
    release_to_chip(k);
}

int32_t sim_link_write(sim_link_t *k, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    (void)timeout_ms; /* the link never blocks a writer */
    if (k == NULL || (data == NULL && len > 0)) {
        return -1;
    }
    release_to_chip(k);
    for (size_t i = 0; i < len; i++) {
        pass_byte(k, SIM_DIR_TO_CHIP, data[i], k->now_us);
    }
    /* Feed what is due now, in pieces when a to-chip SPLIT is in force, so the chip's
     * parser sees the stream arrive in several calls. */
    timed_queue_t *q = &k->to_chip;
    uint64_t first_index = k->index[SIM_DIR_TO_CHIP] - len;
    uint32_t lim = split_limit(k, SIM_DIR_TO_CHIP, first_index);
    if (lim == 0) {
        release_to_chip(k);
        return 0;
    }
    while (q->count > 0 && q->when[q->head] <= k->now_us) {
        size_t n = queue_due(q, k->now_us);
        if (n > lim) {
            n = lim;
        }
        sim_host_write(k->sim, q->data + q->head, n, q->when[q->head]);
        queue_pop(q, n);
    }
    return 0;
}

/* Copy up to len readable bytes out of the to-host queue. */
static int32_t take_ready(sim_link_t *k, uint8_t *buf, size_t len)
{
    timed_queue_t *q = &k->to_host;
    size_t n = queue_due(q, k->now_us);
    if (n == 0) {
        return 0;
    }
    if (n > len) {
        n = len;
    }
    /* The split limit is judged at the stream position of the first byte we hand out
     * (exact unless garbage or drops changed the queue's length; then close to it). */
    uint64_t first_index = 0;
    if (k->index[SIM_DIR_TO_HOST] > q->count) {
        first_index = k->index[SIM_DIR_TO_HOST] - q->count;
    }
    uint32_t lim = split_limit(k, SIM_DIR_TO_HOST, first_index);
    if (lim > 0 && n > lim) {
        n = lim;
    }
    if (n > INT32_MAX) {
        n = INT32_MAX;
    }
    memcpy(buf, q->data + q->head, n);
    queue_pop(q, n);
    return (int32_t)n;
}

int32_t sim_link_read(sim_link_t *k, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    if (k == NULL || (buf == NULL && len > 0)) {
        return -1;
    }
    if (len == 0) {
        return 0;
    }
    uint64_t deadline = k->now_us + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        pull_from_sim(k);
        int32_t n = take_ready(k, buf, len);
        if (n > 0) {
            return n;
        }
        if (k->now_us >= deadline) {
            return 0;
        }
        uint64_t next = sim_next_event_us(k->sim);
        uint64_t t = queue_next_time(&k->to_host);
        if (t < next) {
            next = t;
        }
        t = queue_next_time(&k->to_chip);
        if (t < next) {
            next = t;
        }
        /* Always make progress, even if the sim claims an event it then does not deliver
         * (or the bytes it delivered were all dropped by a fault). */
        if (next <= k->now_us) {
            next = k->now_us + 1;
        }
        if (next > deadline) {
            next = deadline;
        }
        sim_link_advance_us(k, next - k->now_us);
    }
}

void sim_link_set_lines(sim_link_t *k, int dtr, int rts)
{
    if (k == NULL) {
        return;
    }
    release_to_chip(k);
    if (dtr >= 0) {
        k->dtr = dtr ? 1 : 0;
    }
    if (rts >= 0) {
        k->rts = rts ? 1 : 0;
    }
    sim_set_lines(k->sim, k->dtr != 0, k->rts != 0, k->now_us);
}

void sim_link_set_baud(sim_link_t *k, uint32_t baud)
{
    if (k != NULL) {
        sim_set_host_baud(k->sim, baud);
    }
}

void sim_link_flush_input(sim_link_t *k)
{
    if (k == NULL) {
        return;
    }
    pull_from_sim(k);
    queue_pop(&k->to_host, queue_due(&k->to_host, k->now_us));
}
