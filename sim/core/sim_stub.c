/*
 * The flasher stub's conventions (docs/protocol.md §3.2, §5, §9; legacy stub v1 as in traces
 * 7-8): 2 status bytes with the error code first, value 0 except READ_REG, 16 KB blocks, exact
 * FLASH_BEGIN sizes with lazy erase, blocks acknowledged before they are written (double
 * buffered), zlib inflate per transfer, raw MD5, ERASE_FLASH/REGION and the ack-gated
 * READ_FLASH stream. The sim does not execute the uploaded stub; it plays its part, as family
 * 1 (legacy) or 2 (esp-flasher-stub, cfg.stub_family) — the differences, from
 * esp-flasher-stub's src/command_handler.c, are marked "family 2" (docs/chips.md).
 */
#include "sim_internal.h"

#include <string.h>

enum {
    S_BAD_DATA_LEN = 0xC0,
    S_BAD_CHECKSUM = 0xC1,
    S_BAD_BLOCKSIZE = 0xC2,
    S_INVALID_CMD = 0xC3,
    S_FAILED_SPI = 0xC4,
    S_NOT_FLASH_MODE = 0xC6,
    S_INFLATE = 0xC7,
    S_NOT_ENOUGH = 0xC8,
    S_TOO_MUCH = 0xC9,
    S_ERASE_ADDR = 0x32,
    S_ERASE_LEN = 0x33,
    S_NOT_IMPL = 0xFF,
};

#define MAX_BLOCK        0x4000u
#define V2_READ_PKT_MAX  4096u /* family 2: READ_FLASH packet buffer */
#define FLASH_READ_NS_PB 100u  /* SPI read at 40 MHz QIO-ish: ~10 MB/s */

static void reply(sim_t *s, uint64_t t, uint8_t op, uint32_t value, const uint8_t *data, size_t n,
                  uint8_t err)
{
    uint8_t body[8 + 32];
    size_t size = n + 2;
    body[0] = 0x01;
    body[1] = op;
    body[2] = (uint8_t)size;
    body[3] = (uint8_t)(size >> 8);
    sim_put32(body + 4, value);
    if (n)
        memcpy(body + 8, data, n);
    body[8 + n] = err;
    body[9 + n] = 0;
    sim_emit_frame(s, t, body, 8 + size);
}

static void status(sim_t *s, uint64_t t, uint8_t op, uint8_t err)
{
    reply(s, t, op, 0, NULL, 0, err);
}

static bool family2(const sim_t *s)
{
    return s->cfg.stub_family == 2;
}

/* The error code a family uses for a case where the two differ. */
static uint8_t by_family(const sim_t *s, uint8_t legacy, uint8_t v2)
{
    return family2(s) ? v2 : legacy;
}

static bool sector_blank(const sim_t *s, uint32_t a)
{
    for (uint32_t i = 0; i < 0x1000; i++) {
        if (s->flash.mem[a + i] != 0xFF)
            return false;
    }
    return true;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Erase the next unit of the transfer: a 64 KB block when aligned and at least a block of the
 * transfer is left, else a 4 KB sector. Returns its duration. */
static uint64_t erase_unit(sim_t *s)
{
    const sim_timing_t *tm = &s->chip->t;
    uint32_t a = s->xf_erased_to;
    if (family2(s) && !s->xf_dirty_seen) {
        /* family 2 reads each sector first and leaves a blank one alone, until the first
         * non-blank sector: from there on it erases without looking */
        if (sector_blank(s, a)) {
            s->xf_erased_to = a + 0x1000;
            return (uint64_t)0x1000 * FLASH_READ_NS_PB / 1000;
        }
        s->xf_dirty_seen = true;
    }
    if ((a & 0xFFFF) == 0 && s->xf_end_addr >= a && s->xf_end_addr - a >= 0x10000) {
        sim_nor_erase(&s->flash, a, 0x10000);
        s->stats.sectors_erased += 16;
        s->stats.erase_us += tm->block_erase_us;
        s->xf_erased_to = a + 0x10000;
        return tm->block_erase_us;
    }
    sim_nor_erase(&s->flash, a, 0x1000);
    s->stats.sectors_erased += 1;
    s->stats.erase_us += tm->sector_erase_us;
    s->xf_erased_to = a + 0x1000;
    return tm->sector_erase_us;
}

/* While its main loop waits for the next block, the stub starts the next erase of the
 * announced region (an erase, once started, runs to completion). */
static void background_erase(sim_t *s, uint64_t until)
{
    while (s->xf_erased_to < s->xf_end_addr) {
        uint64_t start = max64(s->flash_busy, s->idle_from);
        if (start >= until)
            break;
        s->flash_busy = start + sim_us(s, erase_unit(s));
    }
}

/* Write n bytes at the write pointer: erase what is still missing (blocking), then program.
 * Returns the flash time this needs after the in-flight work. */
static uint64_t stub_write(sim_t *s, const uint8_t *d, uint32_t n)
{
    const sim_timing_t *tm = &s->chip->t;
    uint64_t us = 0;
    uint32_t addr = s->xf_ptr, end = addr + n;
    while (s->xf_erased_to < end)
        us += erase_unit(s);
    sim_nor_program(&s->flash, addr, d, n);
    uint64_t pages = n ? ((uint64_t)end + 255) / 256 - addr / 256 : 0;
    uint64_t p = pages * tm->stub_page_us;
    s->stats.pages_programmed += (uint32_t)pages;
    s->stats.program_us += p;
    s->xf_ptr = end;
    s->xf_remaining -= n;
    return us + p;
}

static uint64_t flash_idle(const sim_t *s)
{
    return max64(s->prog_done_at, s->flash_busy);
}

static void cmd_begin(sim_t *s, uint64_t t, uint8_t op, uint16_t size, const uint8_t *d)
{
    if (size != 16 && size != 20) {
        status(s, t, op, S_BAD_DATA_LEN);
        return;
    }
    uint32_t total = sim_le32(d), bsize = sim_le32(d + 8), offset = sim_le32(d + 12);
    if (op != OP_MEM_BEGIN && bsize > MAX_BLOCK) {
        status(s, t, op, S_BAD_BLOCKSIZE);
        return;
    }
    t = max64(t, flash_idle(s)); /* the previous transfer's last write finishes first */
    sim_xf_end(s);
    if (op == OP_MEM_BEGIN) {
        s->xf = XF_MEM;
        s->xf_ptr = offset;
        s->xf_remaining = total;
        s->xf_seq = 0;
        status(s, t, op, 0);
        s->busy_until = t;
        return;
    }
    if ((uint64_t)offset + total > s->flash.size || (uint64_t)offset + total > s->stub_flash_size) {
        status(s, t, op, S_FAILED_SPI); /* sim choice: beyond the flash */
        s->busy_until = t;
        return;
    }
    s->xf = op == OP_DEFL_BEGIN ? XF_DEFL : XF_FLASH;
    s->xf_ptr = offset;
    s->xf_remaining = total;
    s->xf_total = total;
    s->xf_erased_to = offset & ~0xFFFu;
    s->xf_end_addr = offset + total;
    s->flash_busy = t;
    s->idle_from = t;
    s->xf_seq = 0;
    s->xf_dirty_seen = false;
    if (s->xf == XF_DEFL) {
        memset(&s->zs, 0, sizeof(s->zs));
        s->zs_live = inflateInit(&s->zs) == Z_OK;
        s->xf_stream_end = false;
    }
    status(s, t, op, 0);
    s->busy_until = t;
}

static void cmd_data(sim_t *s, uint64_t t, uint8_t op, uint16_t size, const uint8_t *d)
{
    int want = op == OP_MEM_DATA ? XF_MEM : op == OP_DEFL_DATA ? XF_DEFL : XF_FLASH;
    if (size < 16) {
        /* family 2: NOT_ENOUGH_DATA, but BAD_DATA_LEN for FLASH_DEFL_DATA */
        status(s, t, op,
               op == OP_DEFL_DATA ? S_BAD_DATA_LEN : by_family(s, S_BAD_DATA_LEN, S_NOT_ENOUGH));
        return;
    }
    if ((int)s->xf != want) {
        status(s, t, op, S_NOT_FLASH_MODE);
        return;
    }
    uint32_t len = sim_le32(d);
    if (op == OP_MEM_DATA && family2(s) && len > s->xf_remaining) {
        status(s, t, op, S_TOO_MUCH);
        return;
    }
    if (len != (uint32_t)size - 16) {
        status(s, t, op, by_family(s, S_BAD_DATA_LEN, S_TOO_MUCH));
        return;
    }
    const uint8_t *data = d + 16;
    /* family 2 does not check the checksum of MEM_DATA */
    if (!(op == OP_MEM_DATA && family2(s)) && sim_le32(s->rxb + 4) != sim_checksum(data, len)) {
        status(s, t, op, S_BAD_CHECKSUM);
        return;
    }
    if (op == OP_MEM_DATA) {
        for (uint32_t i = 0; i < len; i++) {
            uint32_t a = s->xf_ptr + i;
            sim_reg_write(s, a, (uint32_t)data[i] << (8 * (a & 3)), 0xFFu << (8 * (a & 3)));
        }
        s->xf_ptr += len;
        s->xf_remaining = len < s->xf_remaining ? s->xf_remaining - len : 0;
        status(s, t, op, 0);
        return;
    }
    /* The block is taken into the second buffer as soon as the previous one is written,
     * acknowledged, and written while the host sends the next (double buffering). */
    uint64_t ack = max64(t, s->prog_done_at);
    background_erase(s, ack);
    uint64_t busy = 0, cpu = 0;
    uint8_t err = 0;
    if (op != OP_DEFL_DATA) {
        if (s->xf_remaining == 0 && len > 0 && !family2(s)) {
            err = S_TOO_MUCH; /* family 2 drops what is beyond the announced size */
        } else {
            uint32_t w = len < s->xf_remaining ? len : s->xf_remaining; /* padding dropped */
            busy = stub_write(s, data, w);
        }
    } else if (!s->zs_live) {
        err = S_INFLATE;
    } else if (!s->xf_stream_end) {
        s->zs.next_in = (Bytef *)data;
        s->zs.avail_in = len;
        uint64_t produced = 0;
        while (!err && s->zs.avail_in > 0) {
            s->zs.next_out = s->scratch;
            s->zs.avail_out = sizeof(s->scratch);
            int r = inflate(&s->zs, Z_NO_FLUSH);
            uint32_t out = (uint32_t)(sizeof(s->scratch) - s->zs.avail_out);
            produced += out;
            if (out > s->xf_remaining) {
                out = s->xf_remaining;
                err = family2(s) ? 0 : S_TOO_MUCH;
            }
            if (out)
                busy += stub_write(s, s->scratch, out);
            if (r == Z_STREAM_END) {
                s->xf_stream_end = true;
                break;
            }
            if (r != Z_OK && !(r == Z_BUF_ERROR && out == 0))
                err = S_INFLATE;
            else if (r == Z_BUF_ERROR)
                break;
        }
        cpu = produced * s->chip->t.stub_inflate_ns_pb / 1000;
    }
    /* inflating runs on the CPU (alongside an erase in flight); the flash work follows */
    uint64_t start = max64(ack + sim_us(s, cpu), s->flash_busy);
    s->prog_done_at = start + sim_us(s, busy);
    s->flash_busy = s->prog_done_at;
    s->idle_from = s->prog_done_at;
    if (family2(s) && err) {
        /* family 2 acknowledges first and writes afterwards: a failure is the answer to the
         * next command */
        s->stub_deferred = err;
        err = 0;
    }
    status(s, ack, op, err);
    /* The stub's main loop writes the block after acknowledging it; the UART interrupt keeps
     * receiving the next frame meanwhile, but no command is handled before the write ends. */
    s->busy_until = s->prog_done_at;
}

static void cmd_end(sim_t *s, uint64_t t, uint8_t op, uint16_t size, const uint8_t *d)
{
    if (size != 4) {
        status(s, t, op, S_BAD_DATA_LEN);
        return;
    }
    uint32_t flag = sim_le32(d);
    t = max64(t, flash_idle(s)); /* answered after the last write (docs/protocol.md §5.7) */
    s->busy_until = t;
    if (op == OP_MEM_END) {
        sim_xf_end(s);
        status(s, t, op, 0);
        if (flag == 0)
            s->mode = SIM_MODE_DEAD; /* jumps into code the sim does not run */
        return;
    }
    if (s->xf != XF_FLASH && s->xf != XF_DEFL) {
        status(s, t, op, S_NOT_FLASH_MODE);
        return;
    }
    uint8_t err = s->xf_remaining != 0 ? by_family(s, S_NOT_ENOUGH, S_BAD_DATA_LEN) : 0;
    sim_xf_end(s);
    status(s, t, op, err);
    if (flag == 0)
        sim_soft_reset(s, t, true); /* trace 8: SW_RESET banner, back in the ROM */
}

static void send_packet(sim_t *s, uint64_t t)
{
    uint32_t n = s->rf_len - s->rf_sent;
    if (n > s->rf_pkt)
        n = s->rf_pkt;
    const uint8_t *p = s->flash.mem + s->rf_offset + s->rf_sent;
    sim_md5_update(&s->rf_md5, p, n);
    t += sim_us(s, s->chip->t.stub_read_pkt_us + (uint64_t)n * FLASH_READ_NS_PB / 1000);
    sim_emit_frame(s, t, p, n);
    s->rf_sent += n;
    s->busy_until = t;
}

static void read_flash_ack(sim_t *s, uint64_t t)
{
    uint32_t acked = sim_le32(s->rxb);
    if (acked < s->rf_sent)
        return; /* one packet in flight: wait for the ack of the last one */
    if (s->rf_sent < s->rf_len) {
        send_packet(s, t);
        return;
    }
    uint8_t dig[16];
    sim_md5_final(&s->rf_md5, dig);
    sim_emit_frame(s, t, dig, sizeof(dig));
    s->rf_active = false;
}

static void cmd_read_flash(sim_t *s, uint64_t t, uint16_t size, const uint8_t *d)
{
    if (size != 16) {
        status(s, t, OP_READ_FLASH, S_BAD_DATA_LEN);
        return;
    }
    uint32_t off = sim_le32(d), len = sim_le32(d + 4), pkt = sim_le32(d + 8);
    t = max64(t, flash_idle(s));
    if (pkt == 0 || pkt > (family2(s) ? V2_READ_PKT_MAX : MAX_BLOCK)) {
        status(s, t, OP_READ_FLASH, S_BAD_DATA_LEN);
        return;
    }
    if ((uint64_t)off + len > s->flash.size) {
        status(s, t, OP_READ_FLASH, S_FAILED_SPI);
        return;
    }
    status(s, t, OP_READ_FLASH, 0);
    s->rf_active = true;
    s->rf_offset = off;
    s->rf_len = len;
    s->rf_sent = 0;
    s->rf_pkt = pkt;
    sim_md5_init(&s->rf_md5);
    if (len == 0) {
        uint8_t dig[16];
        sim_md5_final(&s->rf_md5, dig);
        sim_emit_frame(s, t, dig, sizeof(dig));
        s->rf_active = false;
        return;
    }
    send_packet(s, t);
}

static void cmd_erase(sim_t *s, uint64_t t, uint8_t op, uint16_t size, const uint8_t *d)
{
    const sim_timing_t *tm = &s->chip->t;
    t = max64(t, flash_idle(s));
    uint32_t start = 0, end = s->flash.size;
    uint64_t us;
    uint32_t sectors;
    if (op == OP_ERASE_FLASH) {
        if (size != 0) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        sim_erase_plan_us(tm, 0, end, &sectors);
        us = (uint64_t)(sectors / 16) * tm->block_erase_us / 2; /* chip erase ~ half */
    } else {
        if (size != 8) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        start = sim_le32(d);
        uint32_t len = sim_le32(d + 4);
        if (start & 0xFFF) {
            status(s, t, op, by_family(s, S_ERASE_ADDR, S_BAD_DATA_LEN));
            return;
        }
        if (len & 0xFFF) {
            status(s, t, op, by_family(s, S_ERASE_LEN, S_BAD_DATA_LEN));
            return;
        }
        if ((uint64_t)start + len > s->flash.size) {
            status(s, t, op, S_FAILED_SPI);
            return;
        }
        end = start + len;
        us = sim_erase_plan_us(tm, start, end, &sectors);
    }
    sim_erase_range(s, start, end);
    s->stats.sectors_erased += sectors;
    s->stats.erase_us += us;
    t += sim_us(s, us);
    status(s, t, op, 0);
    s->busy_until = t;
}

void sim_stub_command(sim_t *s, uint64_t t)
{
    const uint8_t *p = s->rxb;
    size_t n = s->rxlen;
    if (s->rf_active) {
        if (n == 4)
            read_flash_ack(s, t); /* the stub is in its READ_FLASH loop: only acks count */
        return;
    }
    if (n < 8)
        return;
    const sim_timing_t *tm = &s->chip->t;
    uint8_t op = p[1];
    uint16_t size = (uint16_t)(p[2] | p[3] << 8);
    const uint8_t *d = p + 8;
    t += sim_us(s, tm->cmd_us);
    s->busy_until = t;
    if (p[0] != 0) {
        status(s, t, op, S_INVALID_CMD);
        return;
    }
    if ((size_t)size + 8 != n) {
        status(s, t, op, S_BAD_DATA_LEN);
        return;
    }
    if (s->stub_deferred) {
        /* family 2: the last write failed after its block was acknowledged */
        status(s, t, op, s->stub_deferred);
        s->stub_deferred = 0;
        return;
    }
    switch (op) {
    case OP_SYNC: /* 8 replies with value 0 (how esptool recognises a running stub) */
        if (size != 36) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        for (int i = 0; i < 8; i++)
            status(s, t, op, 0);
        return;
    case OP_READ_REG:
        if (size != 4) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        reply(s, t, op, sim_reg_read(s, sim_le32(d)), NULL, 0, 0);
        return;
    case OP_WRITE_REG:
        if (size % 16 != 0 || (size == 0 && family2(s))) {
            status(s, t, op, by_family(s, S_BAD_DATA_LEN, S_NOT_ENOUGH));
            return;
        }
        for (uint32_t i = 0; i < size / 16u; i++) {
            const uint8_t *r = d + 16 * i;
            t += sim_us(s, sim_le32(r + 12));
            sim_reg_write(s, sim_le32(r), sim_le32(r + 4), sim_le32(r + 8));
        }
        s->busy_until = t;
        status(s, t, op, 0);
        return;
    case OP_MEM_BEGIN:
    case OP_FLASH_BEGIN:
    case OP_DEFL_BEGIN:
        cmd_begin(s, t, op, size, d);
        return;
    case OP_MEM_DATA:
    case OP_FLASH_DATA:
    case OP_DEFL_DATA:
        cmd_data(s, t, op, size, d);
        return;
    case OP_FLASH_ENCRYPT_DATA: /* written plain (no encryption engine modelled) */
        if (s->chip->id == SIM_CHIP_ESP8266)
            break;
        cmd_data(s, t, OP_FLASH_DATA, size, d);
        return;
    case OP_MEM_END:
    case OP_FLASH_END:
    case OP_DEFL_END:
        cmd_end(s, t, op, size, d);
        return;
    case OP_SPI_SET_PARAMS:
        if (size != 24) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        s->stub_flash_size = sim_le32(d + 4);
        status(s, t, op, 0);
        return;
    case OP_SPI_ATTACH: /* family 2 takes the 4-byte form only */
        status(s, t, op, size == 4 || (size == 8 && !family2(s)) ? 0 : S_BAD_DATA_LEN);
        return;
    case OP_CHANGE_BAUD: {
        if (size != 8) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        uint32_t baud = sim_le32(d);
        status(s, t, op, 0); /* answered at the old rate, then switched */
        if (baud != 0)
            s->chip_baud = baud;
        s->busy_until = s->tx.free_at;
        return;
    }
    case OP_MD5: {
        if (size != 16) {
            status(s, t, op, S_BAD_DATA_LEN);
            return;
        }
        uint32_t addr = sim_le32(d), len = sim_le32(d + 4);
        t = max64(t, flash_idle(s));
        if ((uint64_t)addr + len > s->flash.size) {
            status(s, t, op, S_FAILED_SPI);
            return;
        }
        uint8_t dig[16];
        sim_flash_md5(s, addr, len, dig);
        t += sim_us(s, (uint64_t)len * tm->md5_ns_pb / 1000);
        reply(s, t, op, 0, dig, sizeof(dig), 0);
        s->busy_until = t;
        return;
    }
    case OP_SECURITY_INFO: {
        const sim_chip_info_t *c = s->chip;
        if (c->secinfo_len == 0)
            break; /* ESP8266 / ESP32 stubs: not implemented */
        uint8_t info[20];
        memset(info, 0, sizeof(info));
        sim_put32(info, s->cfg.secure_download ? 1u << 2 : 0);
        info[11] = c->key_purpose_last;
        sim_put32(info + 12, c->image_id);
        sim_put32(info + 16, c->secinfo_api);
        reply(s, t, op, 0, info, c->secinfo_len, 0);
        return;
    }
    case OP_ERASE_FLASH:
    case OP_ERASE_REGION:
        cmd_erase(s, t, op, size, d);
        return;
    case OP_READ_FLASH:
        cmd_read_flash(s, t, size, d);
        return;
    case OP_RUN_USER_CODE: /* no reply, the stub leaves */
        s->mode = SIM_MODE_RUN;
        return;
    default:
        /* family 2 names an opcode it does not know INVALID_COMMAND; its plugin slots (no
         * plugin loaded) and everything in family 1 answer CMD_NOT_IMPLEMENTED */
        if (family2(s) && !(op >= OP_PLUGIN_FIRST && op <= OP_PLUGIN_LAST)) {
            status(s, t, op, S_INVALID_CMD);
            return;
        }
        break;
    }
    status(s, t, op, S_NOT_IMPL);
}
