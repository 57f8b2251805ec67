/*
 * The mask-ROM serial loader (docs/protocol.md §2-§5, §12) with what the real ESP32 / ESP32-C3
 * ROMs were seen doing on the wire (tests/traces/README.md):
 *  - `value` is sticky: only READ_REG and SYNC write it;
 *  - status byte 1 keeps the last error code until a command that clears it succeeds, and
 *    status bytes 2-3 are whatever the reply buffer held there (sent only in strict mode);
 *  - an unknown / unsupported / malformed command gets the last reply header again with
 *    status 01 05, 8 copies if that stale opcode was SYNC;
 *  - FLASH_DATA keeps a sequence counter (advanced by a checksum error) and a write pointer.
 * Choices where the traces are silent are marked "sim choice" and listed in docs/simulator.md.
 */
#include "sim_internal.h"

#include <string.h>

enum {
    ERR_PARAM = 0x01,
    ERR_FORMAT = 0x05,
    ERR_CHECKSUM = 0x07,
    ERR_FLASH_WRITE = 0x08,
    ERR_FLASH_READ = 0x09,
    ERR_READ_LEN = 0x0A,
    ERR_DEFLATE = 0x0B,
    ERR_ADLER = 0x0C,
};

#define OHAI_DELAY_US 40000u /* trace 7: OHAI ~44 ms after the MEM_END reply */

static bool supported(const sim_t *s, uint8_t op)
{
    const sim_chip_info_t *c = s->chip;
    if (s->cfg.secure_download) {
        /* docs/protocol.md §4: the SDM whitelist. */
        return op == OP_SYNC || op == OP_SPI_ATTACH || op == OP_SPI_SET_PARAMS ||
               op == OP_CHANGE_BAUD || op == OP_FLASH_BEGIN || op == OP_FLASH_DATA ||
               op == OP_FLASH_END || op == OP_SECURITY_INFO;
    }
    if (op >= OP_FLASH_BEGIN && op <= OP_READ_REG)
        return true;
    if (!c->rom_full_cmds)
        return false; /* ESP8266 ROM */
    if (op == OP_SPI_SET_PARAMS || (op >= OP_SPI_ATTACH && op <= OP_MD5))
        return true;
    return op == OP_SECURITY_INFO && c->secinfo_len != 0;
}

/* Does a successful reply to this opcode clear the sticky error byte? Observed: SYNC,
 * READ_REG, SPI_ATTACH, SPI_FLASH_MD5 and MEM_END clear it; FLASH_BEGIN, FLASH_DATA and
 * GET_SECURITY_INFO do not. Sim choice for the rest: the flash/RAM transfer family keeps it,
 * the others clear it. */
static bool clears_error(uint8_t op)
{
    switch (op) {
    case OP_FLASH_BEGIN:
    case OP_FLASH_DATA:
    case OP_FLASH_END:
    case OP_MEM_BEGIN:
    case OP_MEM_DATA:
    case OP_DEFL_BEGIN:
    case OP_DEFL_DATA:
    case OP_DEFL_END:
    case OP_SECURITY_INFO:
        return false;
    default:
        return true;
    }
}

/* Reply with resp_len result bytes already in rb[0..resp_len). */
static void reply(sim_t *s, uint64_t t, uint8_t op, size_t resp_len, uint8_t err)
{
    uint8_t st[4];
    bool ok = err == 0;
    if (!ok)
        s->err_byte = err;
    else if (clears_error(op))
        s->err_byte = 0;
    st[0] = ok ? 0 : 1;
    if (s->cfg.strict) {
        st[1] = s->err_byte;
        st[2] = s->rb[resp_len + 2];
        st[3] = s->rb[resp_len + 3];
    } else {
        st[1] = err;
        st[2] = st[3] = 0;
    }
    s->rb[resp_len] = st[0];
    s->rb[resp_len + 1] = s->err_byte;

    size_t stlen = s->chip->rom_status_len;
    uint8_t body[8 + SIM_RBCAP];
    size_t size = resp_len + stlen;
    body[0] = 0x01;
    body[1] = op;
    body[2] = (uint8_t)size;
    body[3] = (uint8_t)(size >> 8);
    sim_put32(body + 4, s->value);
    memcpy(body + 8, s->rb, resp_len);
    memcpy(body + 8 + resp_len, st, stlen);
    sim_emit_frame(s, t, body, 8 + size);
    s->last_op = op;
}

/* The ROM's answer to anything it does not handle (traces README "Unsupported"): the last
 * reply header again (stale opcode, sticky value) with status 01 05, 8 copies after a SYNC. */
static void unsupported(sim_t *s, uint64_t t)
{
    s->err_byte = ERR_FORMAT;
    uint8_t st[4] = {1, ERR_FORMAT, 0, 0};
    if (s->cfg.strict) {
        st[2] = s->rb[2];
        st[3] = s->rb[3];
    }
    s->rb[0] = 1;
    s->rb[1] = ERR_FORMAT;
    size_t stlen = s->chip->rom_status_len;
    uint8_t body[12];
    body[0] = 0x01;
    body[1] = s->last_op;
    body[2] = (uint8_t)stlen;
    body[3] = 0;
    sim_put32(body + 4, s->value);
    memcpy(body + 8, st, stlen);
    int copies = s->last_op == OP_SYNC ? 8 : 1;
    for (int i = 0; i < copies; i++)
        sim_emit_frame(s, t, body, 8 + stlen);
}

static uint64_t pages_of(uint32_t addr, uint32_t n)
{
    if (n == 0)
        return 0;
    return ((uint64_t)addr + n + 255) / 256 - addr / 256;
}

/* Program n bytes at addr the ROM way (then read back). Returns 0 or a ROM error. */
static uint8_t rom_program(sim_t *s, uint32_t addr, const uint8_t *d, uint32_t n, uint64_t *cost)
{
    if ((uint64_t)addr + n > s->rom_flash_size || (uint64_t)addr + n > s->flash.size)
        return ERR_FLASH_WRITE;
    sim_nor_program(&s->flash, addr, d, n);
    uint64_t pages = pages_of(addr, n);
    s->stats.pages_programmed += (uint32_t)pages;
    uint64_t us = pages * s->chip->t.rom_page_us;
    s->stats.program_us += us;
    *cost += us;
    /* read-back check: NOR can only clear bits, so unerased flash shows up here */
    return memcmp(s->flash.mem + addr, d, n) == 0 ? 0 : ERR_FLASH_WRITE;
}

static void cmd_begin(sim_t *s, uint64_t t, uint8_t op, uint16_t size, const uint8_t *d)
{
    const sim_chip_info_t *c = s->chip;
    /* Traces: the size field must be exactly 4 words (ESP32) / 5 words (C3); the words are
     * then taken from the buffer even if fewer bytes came. */
    if (size != 4u * c->begin_words) {
        reply(s, t, op, 0, ERR_FORMAT);
        return;
    }
    sim_xf_end(s);
    uint32_t erase_size = sim_le32(d), offset = sim_le32(d + 12);
    uint64_t cost = 0;
    if (s->cfg.flip_begin_n && ++s->begins_seen == s->cfg.flip_begin_n)
        erase_size ^= s->cfg.flip_begin_mask; /* the link-fault model (sim_config_t) */
    if (c->id == SIM_CHIP_ESP8266)
        s->attached = true; /* FLASH_BEGIN is how the ESP8266 ROM attaches the flash */
    if (erase_size > 0) {
        uint32_t start = offset & ~0xFFFu;
        uint64_t end = ((uint64_t)offset + erase_size + 0xFFF) & ~(uint64_t)0xFFF;
        if (c->id == SIM_CHIP_ESP8266) {
            /* docs/protocol.md §5.5.1 (inferred): e requested sectors at sector s erase
             * e + min(e, head) sectors, head = sectors to the next 64 KB boundary. */
            uint64_t e = ((uint64_t)erase_size + 0xFFF) / 0x1000;
            uint64_t head = 16 - (offset / 0x1000) % 16;
            end = (uint64_t)start + (e + (e < head ? e : head)) * 0x1000;
        }
        if (!s->attached) {
            /* sim choice: the ROM was not told where the flash is (no SPI_ATTACH) */
            reply(s, t, op, 0, ERR_FLASH_WRITE);
            return;
        }
        if (end > s->rom_flash_size || end > s->flash.size) {
            reply(s, t, op, 0, ERR_PARAM); /* sim choice: beyond the size the ROM knows */
            return;
        }
        uint32_t sectors = 0;
        cost = sim_erase_plan_us(&c->t, start, (uint32_t)end, &sectors);
        sim_erase_range(s, start, (uint32_t)end);
        s->stats.sectors_erased += sectors;
        s->stats.erase_us += cost;
    }
    s->xf = op == OP_DEFL_BEGIN ? XF_DEFL : XF_FLASH;
    s->xf_seq = 0;
    s->xf_ptr = offset;
    if (s->xf == XF_DEFL) {
        memset(&s->zs, 0, sizeof(s->zs));
        s->zs_live = inflateInit(&s->zs) == Z_OK;
        s->xf_stream_end = false;
    }
    uint64_t done = t + sim_us(s, cost);
    reply(s, done, op, 0, 0);
    s->busy_until = done;
}

/* FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA. */
static void cmd_data(sim_t *s, uint64_t t, uint8_t op, const uint8_t *d)
{
    int want = op == OP_FLASH_DATA ? XF_FLASH : op == OP_DEFL_DATA ? XF_DEFL : XF_MEM;
    if ((int)s->xf != want) {
        reply(s, t, op, 0, s->chip->data_nobegin_err);
        return;
    }
    uint32_t len = sim_le32(d), seq = sim_le32(d + 4);
    uint32_t chk = sim_le32(s->rxb + 4);
    if (len > SIM_RXCAP - 24) {
        reply(s, t, op, 0, ERR_FORMAT); /* sim choice: longer than the receive buffer */
        return;
    }
    if (seq != s->xf_seq) {
        reply(s, t, op, 0, ERR_FORMAT); /* wrong sequence: nothing written, counter kept */
        return;
    }
    s->xf_seq++; /* traces: advances even when the checksum is wrong */
    const uint8_t *data = d + 16;
    if (chk != sim_checksum(data, len)) {
        reply(s, t, op, 0, ERR_CHECKSUM);
        return;
    }
    const sim_timing_t *tm = &s->chip->t;
    uint64_t cost = 0;
    uint8_t err = 0;
    if (op == OP_MEM_DATA) {
        for (uint32_t i = 0; i < len; i++) {
            uint32_t a = s->xf_ptr + i;
            sim_reg_write(s, a, (uint32_t)data[i] << (8 * (a & 3)), 0xFFu << (8 * (a & 3)));
        }
        s->xf_ptr += len;
    } else if (op == OP_FLASH_DATA) {
        if (!s->attached)
            err = ERR_FLASH_WRITE; /* sim choice, as for FLASH_BEGIN */
        else
            err = rom_program(s, s->xf_ptr, data, len, &cost);
        s->xf_ptr += len;
        cost += tm->rom_block_us;
    } else {
        if (!s->zs_live || s->xf_stream_end) {
            err = s->zs_live ? 0 : ERR_DEFLATE;
        } else {
            s->zs.next_in = (Bytef *)data;
            s->zs.avail_in = len;
            while (!err && s->zs.avail_in > 0) {
                s->zs.next_out = s->scratch;
                s->zs.avail_out = sizeof(s->scratch);
                int r = inflate(&s->zs, Z_NO_FLUSH);
                uint32_t out = (uint32_t)(sizeof(s->scratch) - s->zs.avail_out);
                if (out) {
                    uint8_t e2 = s->attached ? rom_program(s, s->xf_ptr, s->scratch, out, &cost)
                                             : ERR_FLASH_WRITE;
                    if (e2)
                        err = e2;
                    s->xf_ptr += out;
                }
                if (r == Z_STREAM_END) {
                    s->xf_stream_end = true;
                    break;
                }
                if (r == Z_DATA_ERROR) {
                    err = s->zs.msg && strstr(s->zs.msg, "check") ? ERR_ADLER : ERR_DEFLATE;
                } else if (r != Z_OK && r != Z_BUF_ERROR) {
                    err = ERR_DEFLATE;
                } else if (r == Z_BUF_ERROR && out == 0) {
                    break;
                }
            }
        }
        cost += tm->rom_block_us;
    }
    uint64_t done = t + sim_us(s, cost);
    reply(s, done, op, 0, err);
    s->busy_until = done;
}

static void cmd_end(sim_t *s, uint64_t t, uint8_t op, const uint8_t *d)
{
    uint32_t flag = sim_le32(d);
    reply(s, t, op, 0, 0);
    s->busy_until = t;
    sim_xf_end(s);
    if (flag == 0)
        sim_soft_reset(s, t, true); /* reboot: the latched straps bring it back here */
    else
        s->mode = SIM_MODE_RUN; /* "run user code": the loader is left */
}

static void cmd_mem_end(sim_t *s, uint64_t t, const uint8_t *d)
{
    uint32_t no_exec = sim_le32(d), entry = sim_le32(d + 4);
    reply(s, t, OP_MEM_END, 0, 0);
    s->busy_until = t;
    bool was_mem = s->xf == XF_MEM;
    sim_xf_end(s);
    if (no_exec != 0)
        return;
    if (entry != 0 && s->uploaded && was_mem) {
        /* The sim does not run the uploaded code; an upload that ends in a jump is taken to
         * be the flasher stub, which greets with OHAI and then follows its conventions. */
        uint64_t at = (s->tx.free_at > t ? s->tx.free_at : t) + sim_us(s, OHAI_DELAY_US);
        static const uint8_t ohai[] = {'O', 'H', 'A', 'I'};
        sim_emit_frame(s, at, ohai, sizeof(ohai));
        s->mode = SIM_MODE_STUB;
        s->busy_until = at;
        s->attached = true; /* the stub attaches the flash itself */
        s->value = 0;
        return;
    }
    s->mode = SIM_MODE_DEAD; /* jumped into code the sim does not execute: silence */
}

static bool flash_read_ok(const sim_t *s, uint32_t addr, uint32_t n)
{
    uint64_t end = (uint64_t)addr + n;
    return s->attached && end <= s->flash.size && end <= s->rom_flash_size;
}

void sim_rom_command(sim_t *s, uint64_t t)
{
    if (s->rxlen < 4)
        return; /* sim choice: 1-3 byte frames ignored (4-byte frames use stale bytes) */
    const sim_timing_t *tm = &s->chip->t;
    const uint8_t *p = s->rxb;
    uint8_t op = p[1];
    uint16_t size = (uint16_t)(p[2] | p[3] << 8);
    const uint8_t *d = p + 8;
    t += sim_us(s, tm->cmd_us);
    s->busy_until = t;
    if (p[0] != 0 || !supported(s, op)) {
        unsupported(s, t);
        return;
    }
    switch (op) {
    case OP_SYNC: {
        static const uint8_t head[4] = {0x07, 0x07, 0x12, 0x20};
        bool good = memcmp(d, head, 4) == 0;
        for (int i = 4; i < 36; i++)
            good = good && d[i] == 0x55;
        if (!good) {
            reply(s, t, op, 0, ERR_FORMAT); /* sim choice: not a SYNC pattern */
            return;
        }
        s->value = SIM_SYNC_VALUE;
        for (int i = 0; i < 8; i++)
            reply(s, t, op, 0, 0);
        return;
    }
    case OP_READ_REG:
        s->value = sim_reg_read(s, sim_le32(d));
        reply(s, t, op, 0, 0);
        return;
    case OP_WRITE_REG: {
        uint32_t n = size / 16;
        if (n > (SIM_RXCAP - 8) / 16)
            n = (SIM_RXCAP - 8) / 16;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *r = d + 16 * i;
            t += sim_us(s, sim_le32(r + 12));
            sim_reg_write(s, sim_le32(r), sim_le32(r + 4), sim_le32(r + 8));
        }
        s->busy_until = t;
        reply(s, t, op, 0, 0);
        return;
    }
    case OP_MEM_BEGIN:
        sim_xf_end(s);
        s->xf = XF_MEM;
        s->xf_seq = 0;
        s->xf_ptr = sim_le32(d + 12);
        s->uploaded = true;
        reply(s, t, op, 0, 0);
        return;
    case OP_MEM_DATA:
    case OP_FLASH_DATA:
    case OP_DEFL_DATA:
        cmd_data(s, t, op, d);
        return;
    case OP_MEM_END:
        cmd_mem_end(s, t, d);
        return;
    case OP_FLASH_BEGIN:
    case OP_DEFL_BEGIN:
        cmd_begin(s, t, op, size, d);
        return;
    case OP_FLASH_END:
    case OP_DEFL_END:
        cmd_end(s, t, op, d);
        return;
    case OP_SPI_SET_PARAMS:
        s->rom_flash_size = sim_le32(d + 4);
        reply(s, t, op, 0, 0);
        return;
    case OP_SPI_ATTACH:
        s->attached = true;
        reply(s, t, op, 0, 0);
        return;
    case OP_READ_FLASH_SLOW: {
        uint32_t addr = sim_le32(d), len = sim_le32(d + 4);
        if (len > 64) {
            reply(s, t, op, 64, ERR_READ_LEN); /* 64 stale bytes go out with it */
            return;
        }
        if (!flash_read_ok(s, addr, 64)) {
            reply(s, t, op, 64, ERR_FLASH_READ); /* sim choice */
            return;
        }
        memcpy(s->rb, s->flash.mem + addr, 64); /* always 64 bytes (trace probe A23) */
        reply(s, t, op, 64, 0);
        return;
    }
    case OP_CHANGE_BAUD: {
        uint32_t baud = sim_le32(d);
        reply(s, t, op, 0, 0);
        /* Traces: an empty frame follows every CHANGE_BAUDRATE reply (sent at the new rate).
         * A rate of 0 changes nothing (the C3 ROM kept working after (0, 0)). */
        if (baud != 0)
            s->chip_baud = baud;
        sim_emit_raw(s, t, (const uint8_t *)"\xC0\xC0", 2);
        s->busy_until = s->tx.free_at;
        return;
    }
    case OP_MD5: {
        uint32_t addr = sim_le32(d), len = sim_le32(d + 4);
        if (!flash_read_ok(s, addr, len)) {
            reply(s, t, op, 32, ERR_FLASH_READ); /* sim choice */
            return;
        }
        uint8_t dig[16];
        sim_flash_md5(s, addr, len, dig);
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
            s->rb[2 * i] = (uint8_t)hex[dig[i] >> 4];
            s->rb[2 * i + 1] = (uint8_t)hex[dig[i] & 15];
        }
        t += sim_us(s, (uint64_t)len * tm->md5_ns_pb / 1000);
        s->busy_until = t;
        reply(s, t, op, 32, 0);
        return;
    }
    case OP_SECURITY_INFO: {
        const sim_chip_info_t *c = s->chip;
        memset(s->rb, 0, c->secinfo_len);
        sim_put32(s->rb, s->cfg.secure_download ? 1u << 2 : 0);
        s->rb[11] = c->key_purpose_last;
        if (c->secinfo_len >= 20) {
            sim_put32(s->rb + 12, c->image_id);
            sim_put32(s->rb + 16, c->secinfo_api);
        }
        reply(s, t, op, c->secinfo_len, 0);
        return;
    }
    default:
        unsupported(s, t);
        return;
    }
}
