/*
 * A scripted fake target behind the library's port interface, for unit tests.
 *
 * It is deliberately independent of the library: it has its own small SLIP decoder/encoder so
 * a bug in src/slip.c cannot hide itself. Every host frame is logged; replies come from a
 * table of rules (opcode + optional payload prefix -> canned reply frames) and, when no rule
 * matches, from a tiny model of a ROM / stub loader (status length, unsupported opcodes, the
 * stale-opcode "unsupported" reply, sticky value, register map).
 *
 * The clock is virtual: now_ms advances only on delay_ms() and when a read times out (by the
 * full timeout), so timeout paths run instantly and deterministically.
 */
#ifndef FAKE_PORT_H
#define FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader.h"

#define FP_MAX_FRAMES 512
#define FP_FRAME_MAX  16448
#define FP_RX_MAX     65536
#define FP_MAX_RULES  32
#define FP_MAX_REGS   64
#define FP_MAX_EVENTS 256

typedef struct {
    uint8_t bytes[FP_FRAME_MAX];
    size_t len;
} fp_frame_t;

/* A rule: when a host frame has opcode op (and, if prefix_len > 0, its payload starts with
 * prefix), queue reply (raw wire bytes, already SLIP-framed) 'repeat' times. uses = 0: the
 * rule applies forever; otherwise only to its first 'uses' matches. skip: the first 'skip'
 * matching frames get no reply at all (silence) and do not consume uses. */
typedef struct {
    uint8_t op;
    uint8_t prefix[16];
    size_t prefix_len;
    uint8_t reply[256];
    size_t reply_len;
    unsigned repeat;
    unsigned uses;
    unsigned skip;
    unsigned matched;
    bool silent;       /* matching frames get no reply at all */
    uint32_t delay_ms; /* the reply becomes readable only this long after the request */
} fp_rule_t;

typedef enum {
    FP_EV_LINES, /* set_lines: resolved dtr/rts state after the call */
    FP_EV_DELAY, /* delay_ms */
    FP_EV_WRITE, /* a complete host frame (index into frames) */
    FP_EV_BAUD,  /* set_baudrate */
} fp_ev_kind_t;

typedef struct {
    fp_ev_kind_t kind;
    int dtr, rts;
    uint32_t ms;
    uint32_t at;
    size_t frame;
    uint32_t baud;
} fp_event_t;

typedef struct {
    /* model of the loader behind the port */
    bool present;              /* false: the line is dead (nothing ever answers) */
    bool stub;                 /* stub conventions: 2 status bytes, SYNC value 0 */
    uint8_t status_len;        /* ROM: 2 (ESP8266) or 4 */
    bool stale_status;         /* send stale bytes 1..3 on success (as real ROMs can) */
    bool no_sec_info;          /* GET_SECURITY_INFO unsupported (ESP8266/ESP32 ROM) */
    bool read_reg_unsupported; /* Secure Download Mode */
    bool rom_8266;             /* ESP8266 ROM: no 0x0B..0x14 */
    uint8_t sec_info[20];
    size_t sec_info_len;  /* 20, 12 (S2) */
    unsigned sync_ignore; /* SYNCs to leave unanswered before answering */
    struct {
        uint32_t addr, value;
    } regs[FP_MAX_REGS];
    size_t nregs;
    const char *banner;                  /* text sent when EN is released after a reset */
    uint32_t spi_base, spi_usr2, spi_w0; /* SPI flash controller (docs/protocol.md §8.2) */
    uint32_t jedec;                      /* what RDID (0x9F) puts in W0 */
    const char *noise; /* text sent before every model reply (boot log, debug prints) */
    int32_t read_error, write_error; /* non-zero: read()/write() fail with this code */

    /* optional flash model (NULL: none). FLASH_BEGIN/DATA write into it (ROM: whole blocks
     * with their padding, stub: only the announced bytes), READ_FLASH_SLOW / READ_FLASH / MD5
     * read it, ERASE_* and ROM FLASH_BEGIN erase it (0xFF). */
    uint8_t *flash;
    uint32_t flash_size;
    uint32_t wr_ptr, wr_left; /* FLASH_BEGIN write pointer and announced bytes left */
    uint32_t next_seq;
    uint8_t cur_chk;  /* checksum byte of the frame being handled */
    bool md5_corrupt; /* report a wrong MD5 (flash and stream) */
    struct {
        bool active;
        uint32_t addr, len, packet, sent, acked;
        unsigned bad_acks;
    } rd; /* stub READ_FLASH stream */

    /* rules checked before the model */
    fp_rule_t rules[FP_MAX_RULES];
    size_t nrules;

    /* state */
    uint32_t now;
    uint8_t last_op; /* last opcode the model answered (for the stale unsupported reply) */
    uint32_t sticky; /* sticky value field */
    int dtr, rts;
    uint32_t baud;
    unsigned syncs_seen;
    uint8_t rx[FP_RX_MAX];
    size_t rx_len, rx_pos;
    size_t max_read_chunk;     /* 0 = no limit: deliver as much as asked */
    uint32_t op_delay_ms[256]; /* model replies to this opcode come this much later */
    /* arrival schedule: bytes from marks[i].pos on arrive at marks[i].at (virtual ms) */
    struct {
        size_t pos;
        uint32_t at;
    } marks[64];
    size_t nmarks;
    uint32_t pace_ms; /* gap between repeated copies of a model reply (8 x SYNC, ...) */

    /* host -> target decoding */
    uint8_t cur[FP_FRAME_MAX];
    size_t cur_len;
    bool in_frame, esc;

    /* logs */
    fp_frame_t *frames; /* FP_MAX_FRAMES, heap-allocated by fp_init */
    size_t nframes;
    fp_event_t events[FP_MAX_EVENTS];
    size_t nevents;
    unsigned calls; /* port calls, to catch a library that spins forever */
    size_t read_calls, read_bytes_asked_max;
} fake_port_t;

extern const esploader_port_ops_t fp_ops;

void fp_init(fake_port_t *fp);
void fp_free(fake_port_t *fp);

/* Configure as a given chip's ROM loader (status length, security info, magic, ...). */
void fp_chip_rom(fake_port_t *fp, esploader_chip_t chip);
/* Switch the model to stub conventions. */
void fp_stub_mode(fake_port_t *fp);

void fp_set_reg(fake_port_t *fp, uint32_t addr, uint32_t value);
fp_rule_t *fp_add_rule(fake_port_t *fp, uint8_t op, const uint8_t *reply, size_t reply_len,
                       unsigned repeat);
/* Build a SLIP-framed response (header, data, status) into out; returns its length. */
size_t fp_build_resp(uint8_t *out, uint8_t op, uint32_t value, const uint8_t *data, size_t data_len,
                     const uint8_t *status, size_t status_len);
/* Give the fake a flash of size bytes, all 0xFF (freed by fp_free). */
void fp_with_flash(fake_port_t *fp, uint32_t size);
/* SLIP-frame body and queue it for the host (raw frames: OHAI, READ_FLASH data). */
void fp_queue_frame(fake_port_t *fp, const uint8_t *body, size_t len);
/* Queue raw bytes for the host to read. */
void fp_queue(fake_port_t *fp, const uint8_t *bytes, size_t len);

/* Count / find host frames by opcode (frames are unescaped: 00 op size... ). */
size_t fp_count_op(const fake_port_t *fp, uint8_t op);
const fp_frame_t *fp_find_op(const fake_port_t *fp, uint8_t op, size_t nth);
/* Index of the first frame with op at or after index from, or -1. */
long fp_index_of(const fake_port_t *fp, uint8_t op, size_t from);

/* A loader config for this fake with no reset (most tests). */
void fp_config(fake_port_t *fp, esploader_config_t *cfg);

#endif
