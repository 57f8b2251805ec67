#include "eh_timeline.h"

#include <string.h>

static const char *const names[EH_PH_COUNT] = {
    "reset_sync", "detect", "stub",   "baud", "setup", "diff",
    "erase",      "data",   "verify", "read", "host",  "reset",
};

const char *eh_phase_name(eh_phase_t p)
{
    return p >= 0 && p < EH_PH_COUNT ? names[p] : "none";
}

void eh_tl_init(eh_timeline_t *t)
{
    memset(t, 0, sizeof(*t));
    t->cur = EH_PH_NONE;
    t->last_op = -1;
}

static void switch_to(eh_timeline_t *t, int p, uint64_t now)
{
    if (!t->started) {
        t->started = true;
        t->start_us = now;
    }
    if (t->cur != EH_PH_NONE && now > t->since_us) {
        t->us[t->cur] += now - t->since_us;
    }
    t->cur = p;
    t->since_us = now;
}

void eh_tl_mark(eh_timeline_t *t, eh_phase_t p, uint64_t now_us)
{
    switch_to(t, p, now_us);
}

/* The phase a sent command opens, or EH_PH_NONE to leave the running one. */
static int classify(const eh_timeline_t *t, int op)
{
    switch (op) {
    case 0x08: /* SYNC: connecting, unless it proves a baud change or meets a running stub */
        return t->cur == EH_PH_NONE ? EH_PH_RESET_SYNC : EH_PH_NONE;
    case 0x09: /* WRITE_REG */
    case 0x0A: /* READ_REG */
    case 0x14: /* GET_SECURITY_INFO */
        return t->cur == EH_PH_RESET_SYNC ? EH_PH_DETECT : EH_PH_NONE;
    case 0x05: /* MEM_BEGIN */
    case 0x06: /* MEM_END */
    case 0x07: /* MEM_DATA */
        return EH_PH_STUB;
    case 0x0F: /* CHANGE_BAUDRATE */
        return EH_PH_BAUD;
    case 0x0B: /* SPI_SET_PARAMS */
    case 0x0D: /* SPI_ATTACH */
        return EH_PH_SETUP;
    case 0x02: /* FLASH_BEGIN */
    case 0x10: /* FLASH_DEFL_BEGIN */
    case 0xD0: /* ERASE_FLASH */
    case 0xD1: /* ERASE_REGION */
        return EH_PH_ERASE;
    case 0x03: /* FLASH_DATA */
    case 0x04: /* FLASH_END */
    case 0x11: /* FLASH_DEFL_DATA */
    case 0x12: /* FLASH_DEFL_END */
        return EH_PH_DATA;
    case 0x13: /* SPI_FLASH_MD5: see md5_phase() */
        return EH_PH_DIFF;
    case 0xD2: /* READ_FLASH */
    case 0x0E: /* READ_FLASH_SLOW */
        return EH_PH_READ;
    default:
        return EH_PH_NONE;
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void eh_tl_frame(eh_timeline_t *t, bool tx, const uint8_t *frame, size_t len, uint64_t now_us)
{
    if (!tx || len < 2 || frame[0] != 0x00) {
        return;
    }
    int op = frame[1];
    int p = classify(t, op);
    if ((op == 0x02 || op == 0x10) && len >= 24) {
        /* FLASH_BEGIN / FLASH_DEFL_BEGIN: size, blocks, block size, offset */
        t->wr_off = le32(frame + 20);
        t->wr_end = t->wr_off + le32(frame + 8);
    } else if (op == 0x13 && len >= 16) {
        /* An MD5 over the range of the last write checks it; any other MD5 (before any write,
         * or of another range) looks for what changed. */
        uint32_t a = le32(frame + 8), e = a + le32(frame + 12);
        if (t->wr_end > t->wr_off && a < t->wr_end && e > t->wr_off) {
            p = EH_PH_VERIFY;
        }
    }
    if (p != EH_PH_NONE && p != t->cur) {
        switch_to(t, p, now_us);
    } else if (!t->started) {
        switch_to(t, t->cur == EH_PH_NONE ? EH_PH_RESET_SYNC : t->cur, now_us);
    }
    if (t->cur != EH_PH_NONE) {
        t->frames[t->cur]++;
    }
    t->last_op = op;
}

void eh_tl_stop(eh_timeline_t *t, uint64_t now_us)
{
    if (!t->started) {
        return;
    }
    if (t->cur != EH_PH_NONE && now_us > t->since_us) {
        t->us[t->cur] += now_us - t->since_us;
    }
    t->cur = EH_PH_NONE;
    t->since_us = now_us;
    t->end_us = now_us;
}

uint64_t eh_tl_total_us(const eh_timeline_t *t)
{
    return t->started && t->end_us > t->start_us ? t->end_us - t->start_us : 0;
}
