/*
 * Internal state of the chip model. Nothing here is shared with the library (src/): the sim
 * has its own SLIP decoder, MD5 and flash model, written from docs/protocol.md and the ROM traces.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "esp_sim.h"

/* ---- per-chip personality (sim_chips.c) ---- */

typedef struct sim_reg_default {
    uint32_t addr;
    uint32_t value;
} sim_reg_default_t;

typedef struct sim_spi_map {
    uint32_t base;
    uint8_t usr, usr1, usr2, mosi_dlen, miso_dlen, w0; /* offsets from base; 0 = absent */
    bool addr_left_justified;                          /* ESP8266 / ESP32 */
} sim_spi_map_t;

/* Timing table of one chip (microseconds unless stated). Sources: docs/simulator.md. */
typedef struct sim_timing {
    uint32_t sector_erase_us;    /* 4 KB sector erase */
    uint32_t block_erase_us;     /* 64 KB block erase */
    uint32_t rom_page_us;        /* 256 B page program, ROM FLASH_DATA path */
    uint32_t rom_block_us;       /* ROM per-FLASH_DATA overhead (read-back, copy, checks) */
    uint32_t stub_page_us;       /* 256 B page program, stub path (SPIWrite in small chunks) */
    uint32_t stub_inflate_ns_pb; /* stub inflate cost per output byte, ns */
    uint32_t stub_read_pkt_us;   /* stub READ_FLASH per-packet turnaround */
    uint32_t cmd_us;             /* per-command handling overhead */
    uint32_t md5_ns_pb;          /* MD5 over flash, ns per byte */
    uint32_t boot_us;            /* EN rising edge -> ROM listening / banner */
} sim_timing_t;

typedef struct sim_chip_info {
    sim_chip_id_t id;
    const char *name;  /* "ESP32-C3" */
    const char *key;   /* "esp32c3" */
    uint32_t magic;    /* word at 0x40001000 */
    uint32_t image_id; /* IMAGE_CHIP_ID (GET_SECURITY_INFO chip_id) */
    uint8_t rom_status_len;
    uint8_t begin_words;      /* ROM FLASH_BEGIN / DEFL_BEGIN word count */
    bool rom_full_cmds;       /* SPI_ATTACH, SET_PARAMS, RFS, baud, DEFL, MD5 (not ESP8266) */
    uint8_t secinfo_len;      /* 0 = unsupported in ROM; 20; 12 on S2 */
    uint8_t data_nobegin_err; /* ROM error for FLASH_DATA without FLASH_BEGIN */
    bool sdm_capable;         /* Secure Download Mode exists (S2 and later) */
    uint32_t bootloader_offset;
    uint32_t boot_baud;
    uint32_t uart_clkdiv_addr;
    uint32_t uart_clk_hz; /* UART_CLKDIV = uart_clk_hz / 115200 */
    uint32_t uart_date_addr;
    uint32_t strap_addr; /* boot-strap register (0 = none modelled) */
    uint32_t strap_dl, strap_run;
    sim_spi_map_t spi;
    const sim_reg_default_t *regs; /* eFuse, date registers...; terminated by addr 0 */
    uint8_t key_purpose_last;      /* GET_SECURITY_INFO byte 11 (C3 ROM trace: 0x0c) */
    uint32_t secinfo_api;          /* GET_SECURITY_INFO api_version */
    const char *banner_download;   /* printed on a download-mode reset */
    const char *banner_run;        /* printed on a normal boot */
    const char *banner_sw_reset;   /* printed when the stub/ROM resets into download mode */
    sim_timing_t t;
} sim_chip_info_t;

const sim_chip_info_t *sim_chip_info(sim_chip_id_t chip);

/* ---- NOR flash (sim_flash.c) ---- */

typedef struct sim_nor {
    uint8_t *mem;
    uint32_t size;
    int fd;        /* -1 if not file-backed */
    uint8_t sr[3]; /* status registers 1..3 */
    bool wel;      /* write-enable latch */
} sim_nor_t;

int sim_nor_open(sim_nor_t *f, uint32_t size, const char *file, char *err, size_t err_len);
void sim_nor_close(sim_nor_t *f);
void sim_nor_erase(sim_nor_t *f, uint32_t addr, uint32_t len);                 /* sets 0xFF */
void sim_nor_program(sim_nor_t *f, uint32_t addr, const uint8_t *d, size_t n); /* AND */
void sim_nor_fill(sim_nor_t *f, uint32_t addr, const uint8_t *d, size_t n);    /* overwrite */
uint32_t sim_nor_jedec(const sim_nor_t *f);                                    /* c8 40 xx */
uint8_t sim_nor_sfdp(const sim_nor_t *f, uint32_t addr);

/* Erase cost of [start, end) (sector aligned) the way SPIEraseArea does it: sectors up to a
 * 64 KB boundary, whole blocks while they fit, then sectors. Counts erased sectors. */
uint64_t sim_erase_plan_us(const sim_timing_t *t, uint32_t start, uint32_t end, uint32_t *sectors);

/* ---- MD5 (sim_md5.c) ---- */

typedef struct sim_md5 {
    uint32_t a, b, c, d;
    uint64_t len;
    uint8_t buf[64];
} sim_md5_t;
void sim_md5_init(sim_md5_t *m);
void sim_md5_update(sim_md5_t *m, const uint8_t *d, size_t n);
void sim_md5_final(sim_md5_t *m, uint8_t out[16]);

/* ---- byte streams on the wire (sim_wire.c) ---- */

typedef struct sim_chunk {
    uint8_t *data;
    size_t len, pos;
    uint64_t start_us; /* byte i is complete at start_us + (i+1)*10e6/baud */
    uint32_t baud;     /* the rate it was sent at (for garbling) */
    bool instant;      /* no_timing: complete at start_us */
} sim_chunk_t;

typedef struct sim_stream {
    sim_chunk_t *q;
    size_t head, count, cap;
    uint64_t free_at; /* when the line is idle again */
} sim_stream_t;

void sim_stream_clear(sim_stream_t *s);
void sim_stream_free(sim_stream_t *s);
/* Queue bytes starting no earlier than t; returns when the last one has arrived. */
uint64_t sim_stream_push(sim_stream_t *s, const uint8_t *d, size_t n, uint64_t t, uint32_t baud,
                         bool instant);
/* Next byte's arrival time, UINT64_MAX if none. */
uint64_t sim_stream_peek_time(const sim_stream_t *s);
bool sim_stream_pop(sim_stream_t *s, uint8_t *byte, uint64_t *when, uint32_t *baud);
/* Drop every byte that is not complete by t. */
void sim_stream_cut(sim_stream_t *s, uint64_t t);
uint8_t sim_garble(uint8_t b, uint32_t sent_baud, uint32_t recv_baud);
bool sim_baud_mismatch(uint32_t a, uint32_t b);

/* ---- command opcodes: ROM and stub alike (docs/protocol.md §5) ---- */

enum {
    OP_FLASH_BEGIN = 0x02,
    OP_FLASH_DATA = 0x03,
    OP_FLASH_END = 0x04,
    OP_MEM_BEGIN = 0x05,
    OP_MEM_END = 0x06,
    OP_MEM_DATA = 0x07,
    OP_SYNC = 0x08,
    OP_WRITE_REG = 0x09,
    OP_READ_REG = 0x0A,
    OP_SPI_SET_PARAMS = 0x0B,
    OP_SPI_ATTACH = 0x0D,
    OP_READ_FLASH_SLOW = 0x0E, /* ROM only */
    OP_CHANGE_BAUD = 0x0F,
    OP_DEFL_BEGIN = 0x10,
    OP_DEFL_DATA = 0x11,
    OP_DEFL_END = 0x12,
    OP_MD5 = 0x13,
    OP_SECURITY_INFO = 0x14,
    OP_ERASE_FLASH = 0xD0, /* stub only from here */
    OP_ERASE_REGION = 0xD1,
    OP_READ_FLASH = 0xD2,
    OP_RUN_USER_CODE = 0xD3,
    OP_FLASH_ENCRYPT_DATA = 0xD4,
    OP_PLUGIN_FIRST = 0xD5, /* esp-flasher-stub plugin slots (SPI NAND on the S3) */
    OP_PLUGIN_LAST = 0xEF,
};

/* ---- the chip ---- */

#define SIM_RXCAP      (0x4000 + 64) /* ROM/stub receive buffer (largest legal frame + slack) */
#define SIM_RBCAP      128           /* reply data buffer (stale bytes live here) */
#define SIM_SYNC_VALUE 0x20120707u

typedef enum sim_mode {
    SIM_MODE_RESET, /* EN low or booting */
    SIM_MODE_ROM,   /* ROM download mode */
    SIM_MODE_STUB,  /* flasher stub running */
    SIM_MODE_RUN,   /* running the app: SLIP ignored */
    SIM_MODE_DEAD,  /* jumped into uploaded code the sim does not execute */
} sim_mode_t;

typedef struct sim_reg {
    uint32_t addr, value;
    bool used;
} sim_reg_t;

struct sim {
    sim_config_t cfg;
    uint32_t begins_seen; /* ROM flash BEGINs, for cfg.flip_begin_n */
    const sim_chip_info_t *chip;
    sim_nor_t flash;
    sim_stats_t stats;

    /* time */
    uint64_t now;        /* latest time the model has been advanced to */
    uint64_t busy_until; /* CPU free again (command execution) */

    /* wire */
    sim_stream_t rx, tx; /* host->chip, chip->host */
    uint32_t host_baud;  /* what the host side transmits/receives at */
    uint32_t chip_baud;  /* the chip's UART */
    bool autobaud;       /* ROM: no command executed yet -> adopts the baud of a SYNC */
    uint64_t listen_at;  /* ROM ignores bytes arriving before this (still booting) */

    /* pins */
    bool en_high, io0_high;
    bool boot_pending;
    uint64_t boot_at;
    sim_mode_t mode;

    /* SLIP receive */
    bool in_frame, esc;
    size_t rxlen;     /* bytes of the current frame */
    bool frame_ready; /* a complete frame waits for the CPU */
    uint64_t frame_at;
    uint32_t frame_baud; /* baud the frame was sent at (auto-baud) */
    bool frame_garbled;
    uint8_t rxb[SIM_RXCAP]; /* persistent: short frames see stale bytes, as on the ROM */

    /* ROM reply state (traces README: sticky value, stale status bytes, last opcode) */
    uint8_t rb[SIM_RBCAP];
    uint32_t value;
    uint8_t last_op;
    uint8_t err_byte;

    /* registers */
    sim_reg_t *regs;
    size_t nregs, regcap;

    /* flash / memory transfer state (shared by ROM and stub) */
    bool attached;
    uint32_t rom_flash_size; /* ROM's idea of the chip size (SPI_SET_PARAMS) */
    uint32_t stub_flash_size;
    enum { XF_NONE, XF_FLASH, XF_DEFL, XF_MEM } xf;
    uint32_t xf_seq, xf_ptr, xf_remaining, xf_total;
    uint32_t xf_erased_to; /* stub lazy erase frontier */
    uint32_t xf_end_addr;  /* stub: end of the announced transfer */
    uint64_t flash_busy;   /* stub: the flash chip is erasing/programming until then */
    uint64_t idle_from;    /* stub: main loop waiting for the UART since then */
    bool xf_stream_end;
    z_stream zs;
    bool zs_live;
    bool uploaded;         /* MEM_BEGIN seen since reset */
    uint64_t prog_done_at; /* stub: background programming finishes */

    bool xf_dirty_seen;    /* stub family 2: a non-blank sector met, erase the rest blindly */
    uint8_t stub_deferred; /* stub family 2: error of the last write, answered to the next cmd */

    /* stub READ_FLASH stream */
    bool rf_active;
    uint32_t rf_offset, rf_len, rf_sent, rf_pkt;
    sim_md5_t rf_md5;

    uint8_t scratch[0x10000]; /* inflate output */
};

/* sim_regs.c */
uint32_t sim_reg_read(sim_t *s, uint32_t addr);
void sim_reg_write(sim_t *s, uint32_t addr, uint32_t value, uint32_t mask);
void sim_regs_reset(sim_t *s);
void sim_regs_free(sim_t *s);

/* sim_spi.c: called after a write to the SPI CMD register */
void sim_spi_exec(sim_t *s);

/* sim_core.c helpers used by the protocol handlers */
uint64_t sim_us(const sim_t *s, uint64_t us); /* 0 when no_timing */
void sim_emit_frame(sim_t *s, uint64_t t, const uint8_t *body, size_t n);
void sim_emit_raw(sim_t *s, uint64_t t, const uint8_t *d, size_t n);
void sim_soft_reset(sim_t *s, uint64_t t, bool download);     /* software reset (banner) */
void sim_erase_range(sim_t *s, uint32_t start, uint32_t end); /* sector granularity */
void sim_xf_end(sim_t *s);
/* The data checksum of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA: XOR seeded with 0xEF. */
uint8_t sim_checksum(const uint8_t *d, size_t n);
/* MD5 of flash [addr, addr + len) (the caller checks the range). */
void sim_flash_md5(const sim_t *s, uint32_t addr, uint32_t len, uint8_t out[16]);

/* sim_rom.c / sim_stub.c: execute the frame in rxb[0..rxlen) at time t */
void sim_rom_command(sim_t *s, uint64_t t);
void sim_stub_command(sim_t *s, uint64_t t);

static inline uint32_t sim_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void sim_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
