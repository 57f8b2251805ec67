/*
 * libesploader: program Espressif chips through their mask-ROM serial bootloader (and the
 * flasher stub), from any host that can give the library a port (esploader_port.h).
 *
 * Portable C99, no allocation, no global state: the caller owns an esploader_t per target and
 * a zero-initialised esploader_config_t (a zero field means "the default"). Every function
 * returns ESPLOADER_OK or a negative esploader_err_t. When the target itself refused a
 * command (ESPLOADER_ERR_TARGET), esploader_last_failure() tells which command, the status
 * and the reason code the target sent.
 *
 * Typical flow:
 *     esploader_init(&l, &cfg);
 *     esploader_connect(&l);                        // reset into download mode, SYNC, detect
 *     esploader_change_baudrate(&l, 460800);        // optional; not on the ESP8266 ROM
 *     esploader_flash_start(&l, 0x10000, size, 0);  // erases (ROM)
 *     while (...) esploader_flash_write(&l, block, n);
 *     esploader_flash_finish(&l, 0);                // MD5-verifies what was written
 *     esploader_reset_target(&l);
 */
#ifndef ESPLOADER_H
#define ESPLOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader_chip.h"
#include "esploader_compress.h"
#include "esploader_err.h"
#include "esploader_md5.h"
#include "esploader_port.h"
#include "esploader_slip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors (the codes are in esploader_err.h)                                                   */

/* What the target said when it refused a command. */
typedef struct esploader_failure {
    uint8_t command; /* opcode of the request that failed */
    uint8_t status;  /* ROM: 1 on failure; stub: the stub error code (0xC0...) */
    uint8_t reason;  /* ROM: the ROM error code (0x05, 0x07, ...); stub: 0 */
    bool stub;       /* the stub (not the ROM) answered */
} esploader_failure_t;

/* Why connect failed, from the boot log bytes captured during the reset (diagnostics). */
typedef enum esploader_connect_diag {
    ESPLOADER_DIAG_NONE = 0,         /* connected, or nothing to say */
    ESPLOADER_DIAG_NO_SERIAL_DATA,   /* nothing at all came back */
    ESPLOADER_DIAG_WRONG_BOOT_MODE,  /* the boot log shows a normal (SPI) boot */
    ESPLOADER_DIAG_DOWNLOAD_NO_SYNC, /* download mode seen in the log, but SYNC failed */
    ESPLOADER_DIAG_WRONG_CHIP,       /* detected chip differs from config.chip */
    ESPLOADER_DIAG_UNKNOWN_CHIP,     /* the magic value / chip id matches no known chip */
} esploader_connect_diag_t;

/* ------------------------------------------------------------------------------------------ */
/* Configuration                                                                               */

/* What to do with the reset lines before connecting (docs/protocol.md §10). */
typedef enum esploader_before {
    ESPLOADER_BEFORE_DEFAULT_RESET = 0, /* auto-reset circuit: alternate the sequences below */
    ESPLOADER_BEFORE_CLASSIC_RESET,     /* D0|R1|W0.1|D1|R0|W0.05|D0 */
    ESPLOADER_BEFORE_UNIX_TIGHT_RESET,  /* U0,1|W0.1|U1,0|W0.05|U0,0 */
    ESPLOADER_BEFORE_USB_JTAG_RESET,    /* the on-chip USB-Serial/JTAG sequence */
    ESPLOADER_BEFORE_CUSTOM_RESET,      /* config.custom_reset steps */
    ESPLOADER_BEFORE_NO_RESET,          /* don't touch the lines, just SYNC */
    ESPLOADER_BEFORE_NO_RESET_NO_SYNC,  /* assume a loader is already synced */
} esploader_before_t;

/* One step of a reset sequence; sequences are runtime data, not macros. */
typedef enum esploader_reset_op {
    ESPLOADER_RESET_SET_DTR = 0, /* a = line state */
    ESPLOADER_RESET_SET_RTS,     /* a = line state */
    ESPLOADER_RESET_SET_BOTH,    /* a = DTR state, b = RTS state, set together */
    ESPLOADER_RESET_WAIT,        /* wait ms */
} esploader_reset_op_t;

typedef struct esploader_reset_step {
    uint8_t op; /* esploader_reset_op_t */
    uint8_t a, b;
    uint32_t ms;
} esploader_reset_step_t;

/*
 * Parse an esptool-style sequence string ("D0|R1|W0.1|D1|R0|W0.05|D0", "U0,1|W0.1|...") into
 * steps. Returns the number of steps (> 0) or ESPLOADER_ERR_INVALID_ARG.
 */
int esploader_reset_parse(const char *text, esploader_reset_step_t *steps, size_t max_steps);

typedef enum esploader_log_level {
    ESPLOADER_LOG_ERROR = 1,
    ESPLOADER_LOG_WARN = 2,
    ESPLOADER_LOG_INFO = 3,
    ESPLOADER_LOG_DEBUG = 4,
} esploader_log_level_t;

/* Log hook: a static message and one number that goes with it (the core never formats text). */
typedef void (*esploader_log_fn)(void *user, esploader_log_level_t level, const char *msg,
                                 int32_t value);
/* Frame-trace hook: every received SLIP frame body (unescaped), and for every sent frame its
 * command header + fixed payload (tx = true; the data bytes of a block are not repeated). */
typedef void (*esploader_trace_fn)(void *user, bool tx, const uint8_t *frame, size_t len);

typedef struct esploader_config {
    const esploader_port_ops_t *port; /* required */
    void *port_ctx;

    esploader_chip_t chip; /* AUTO (0): detect; otherwise connect fails on a mismatch */
    esploader_before_t before;
    const esploader_reset_step_t *custom_reset; /* for ESPLOADER_BEFORE_CUSTOM_RESET */
    size_t custom_reset_len;
    uint32_t reset_hold_ms;    /* 0 = 100: time EN is held low */
    uint32_t boot_delay_ms;    /* 0 = 50: wait after releasing EN (alternate attempts use 550) */
    uint32_t connect_attempts; /* 0 = 7 reset+sync rounds */
    uint32_t sync_tries;       /* 0 = 5 SYNCs per round */
    uint32_t sync_timeout_ms;  /* 0 = 100 per SYNC reply */
    uint32_t timeout_ms;       /* 0 = 3000: default command timeout */
    uint32_t initial_baud;     /* 0 = 115200: baud of the port at connect (informational) */

    esploader_log_fn log;
    esploader_trace_fn trace;
    void *hook_user;
} esploader_config_t;

/* ------------------------------------------------------------------------------------------ */
/* The context. Declare one per target; all fields are private to the library.                */

#define ESPLOADER_RX_FRAME_MAX 96  /* largest reply we parse (READ_FLASH_SLOW: 8+64+4) */
#define ESPLOADER_IN_BUF       128 /* raw bytes read from the port in one call */
#define ESPLOADER_TX_BUF       256 /* SLIP-encoding buffer for sends */
#define ESPLOADER_BOOT_LOG     160 /* boot-log bytes kept for diagnostics */
#define ESPLOADER_CMD_BUF      96  /* one unescaped command (header + fixed payload) */

/* Field order is chosen for code size: the most used fields come first, where Thumb-2 can
 * reach them with 16-bit load/store instructions. */
typedef struct esploader {
    uint8_t state;      /* private: idle / flash / defl / mem */
    uint8_t stub;       /* the flasher stub is running */
    uint8_t sdm;        /* Secure Download Mode */
    uint8_t diag;       /* esploader_connect_diag_t */
    uint8_t verified;   /* the last finished write was MD5-verified */
    uint8_t rx_any;     /* any byte arrived during connect */
    uint8_t stale_left; /* copies of an "unsupported" reply still to come */
    uint8_t detected;   /* chip the last connect found, kept when it was the wrong one */
    uint16_t rlen;      /* result bytes of the last response */
    uint16_t in_pos, in_len;
    uint16_t tx_len;
    uint16_t boot_log_len;
    esploader_config_t cfg;
    esploader_chip_t chip; /* AUTO until connected */
    uint32_t baud;
    uint32_t value; /* value field of the last response (READ_REG result) */

    /* transfer in progress (flash / deflate / RAM) */
    uint32_t xfer_offset, xfer_size, xfer_block, xfer_seq, xfer_written, xfer_total;
    uint32_t xfer_timeout;
    uint32_t resume_offset;
    uint32_t flash_size; /* from SPI_SET_PARAMS / detection, 0 = unknown */
    esploader_failure_t failure;
    struct espl_slip_dec slip; /* SLIP decoder state */
    esploader_md5_t md5;
    uint8_t frame[ESPLOADER_RX_FRAME_MAX];
    uint8_t in[ESPLOADER_IN_BUF];
    uint8_t tx[ESPLOADER_TX_BUF];
    uint8_t cmd[ESPLOADER_CMD_BUF];
    char boot_log[ESPLOADER_BOOT_LOG];
} esploader_t;

/* ------------------------------------------------------------------------------------------ */
/* Session                                                                                     */

int esploader_init(esploader_t *l, const esploader_config_t *cfg);

/* Reset into download mode (per cfg.before), SYNC, detect the chip (GET_SECURITY_INFO, then
 * the magic register), check it against cfg.chip, attach the SPI flash on ESP32+ ROMs. */
int esploader_connect(esploader_t *l);

/* Why the last connect failed (or DIAG_NONE), and the boot-log bytes captured while trying. */
esploader_connect_diag_t esploader_connect_diag(const esploader_t *l);
const char *esploader_boot_log(const esploader_t *l, size_t *len);
/* One line of advice for a diagnosis, in English (static text; "" for DIAG_NONE). */
const char *esploader_diag_str(esploader_connect_diag_t diag);
/* The chip the last connect detected, also when connect failed with DIAG_WRONG_CHIP (then
 * esploader_get_target() says AUTO: the session is not usable). AUTO if none was detected. */
esploader_chip_t esploader_detected_chip(const esploader_t *l);

esploader_chip_t esploader_get_target(const esploader_t *l);
bool esploader_stub_running(const esploader_t *l);
bool esploader_secure_download_mode(const esploader_t *l);
const esploader_failure_t *esploader_last_failure(const esploader_t *l);

/* ------------------------------------------------------------------------------------------ */
/* Stub loader                                                                                 */

/* A flasher stub image as esptool-style stub JSON describes it (segments already decoded). */
typedef struct esploader_stub {
    uint32_t entry;
    const uint8_t *text;
    uint32_t text_size, text_addr;
    const uint8_t *data;
    uint32_t data_size, data_addr;
    uint32_t bss_start;
} esploader_stub_t;

/* Upload the stub to RAM (MEM_BEGIN/DATA/END), start it and wait for "OHAI". From then on the
 * library speaks the stub's conventions. If SYNC showed a stub already running, returns OK
 * without uploading. ESPLOADER_ERR_UNSUPPORTED in Secure Download Mode. */
int esploader_run_stub(esploader_t *l, const esploader_stub_t *stub);

/* ------------------------------------------------------------------------------------------ */
/* Link                                                                                        */

/* Ask the loader to switch to baud, then switch the port (CHANGE_BAUDRATE). Applies the
 * ESP32 / C2 / C5 ROM clock quirks. ESPLOADER_ERR_UNSUPPORTED on the ESP8266 ROM. */
int esploader_change_baudrate(esploader_t *l, uint32_t baud);

/* ------------------------------------------------------------------------------------------ */
/* Flash                                                                                       */

/* SPI_ATTACH with a pin configuration (0 = default pins). connect() already attaches with 0. */
int esploader_spi_attach(esploader_t *l, uint32_t pin_config);

/* Read the JEDEC id (RDID via the SPI registers) and the size it implies. Fails with
 * ESPLOADER_ERR_PROTOCOL on a bad id (0x000000, 0xFFFFFF, ...) or an unknown capacity code:
 * never a guessed size. Either out pointer may be NULL. *jedec_id is
 * manufacturer | memory type << 8 | capacity << 16 (the bytes in the order the chip sends them). */
int esploader_flash_detect_size(esploader_t *l, uint32_t *size_bytes, uint32_t *jedec_id);

/* One SPI flash command run by the chip's SPI controller (USR command through WRITE_REG /
 * READ_REG, docs/protocol.md §8.2): 8-bit cmd, then an optional address (addr_bits, e.g. 24),
 * dummy cycles, up to 32 bits out (tx, first byte in the low 8 bits) and up to 32 bits in
 * (*rx, first byte clocked in = low 8 bits). Works with the ROM and the stub. E.g. RDSR:
 * {.cmd = 0x05, .rx_bits = 8}; SFDP: {.cmd = 0x5A, .addr_bits = 24, .addr = a,
 * .dummy_bits = 8, .rx_bits = 32}. The caller sends WREN (0x06) itself before writes. */
typedef struct esploader_spi_cmd {
    uint8_t cmd;
    uint8_t addr_bits, dummy_bits, tx_bits, rx_bits;
    uint32_t addr, tx;
} esploader_spi_cmd_t;
int esploader_spi_flash_cmd(esploader_t *l, const esploader_spi_cmd_t *c, uint32_t *rx);

/* Tell the loader the flash size (SPI_SET_PARAMS). Needed above the ROM's 2 MB default. */
int esploader_flash_set_size(esploader_t *l, uint32_t size_bytes);

/*
 * Begin writing image_size bytes at offset (FLASH_BEGIN; the ROM erases here). block_size 0 =
 * the loader's default (ROM 0x400, stub 0x4000). Then call esploader_flash_write() with
 * blocks of at most block_size bytes (all but the last exactly block_size), then
 * esploader_flash_finish(). The ROM loaders need a sector-aligned (4 KB) offset; the ESP8266
 * ROM erase-size bug is compensated for. A host-side MD5 of everything written is kept.
 */
int esploader_flash_start(esploader_t *l, uint32_t offset, uint32_t image_size,
                          uint32_t block_size);
int esploader_flash_write(esploader_t *l, const void *data, uint32_t size);
/* The block size esploader_flash_start() uses for block_size 0 with the loader now running:
 * 0x400 (ROM) or 0x4000 (stub). Callers size their block buffers with it. */
uint32_t esploader_flash_block_size(const esploader_t *l);

/*
 * After a failed esploader_flash_write() / _defl_write(): the offset (sector-aligned) from
 * which the caller should start again with a new esploader_flash_start() and the data from
 * that offset on. The real ROMs advance their sequence counter even on a rejected block, so
 * re-sending the same block cannot work.
 */
uint32_t esploader_flash_resume_offset(const esploader_t *l);

#define ESPLOADER_FINISH_NO_VERIFY (1u << 0) /* skip the MD5 check */
#define ESPLOADER_FINISH_REBOOT    (1u << 1) /* leave the loader and run the app afterwards */

/* End the write: stub FLASH_END, then SPI_FLASH_MD5 of the region compared with the host
 * MD5 (ESPLOADER_ERR_VERIFY on mismatch). On the ESP8266 ROM there is no MD5: the check is
 * skipped and esploader_flash_verified() reports false. */
int esploader_flash_finish(esploader_t *l, uint32_t flags);
bool esploader_flash_verified(const esploader_t *l);

/* Compressed write (FLASH_DEFL_*) of caller-supplied zlib data that inflates to image_size
 * bytes. Verification needs the MD5 of the uncompressed image (NULL: no verification). */
int esploader_flash_defl_start(esploader_t *l, uint32_t offset, uint32_t image_size,
                               uint32_t compressed_size, uint32_t block_size);
int esploader_flash_defl_write(esploader_t *l, const void *data, uint32_t size);
int esploader_flash_defl_finish(esploader_t *l, const uint8_t expected_md5[16], uint32_t flags);

/* MD5 of a flash region as the target computes it (ROM hex text and stub raw bytes both end
 * up as 16 raw bytes here). */
int esploader_flash_md5(esploader_t *l, uint32_t offset, uint32_t size, uint8_t md5[16]);
/* OK if the region's MD5 equals md5, ESPLOADER_ERR_VERIFY if not. */
int esploader_flash_verify_md5(esploader_t *l, uint32_t offset, uint32_t size,
                               const uint8_t md5[16]);
/* OK if the flash at offset holds exactly data[0..size) (one MD5 round trip), ESPLOADER_ERR_VERIFY
 * if not; ESPLOADER_ERR_UNSUPPORTED where the loader cannot MD5 (ESP8266 ROM, SDM). */
int esploader_flash_verify_buffer(esploader_t *l, uint32_t offset, const void *data, uint32_t size);

/* Read flash: the stub's flow-controlled stream (MD5-checked) or the ROM's 64-byte slow
 * read. ESPLOADER_ERR_UNSUPPORTED on the ESP8266 ROM. */
int esploader_flash_read(esploader_t *l, uint32_t offset, void *buf, uint32_t size);

/* Erase the whole chip (stub only) or a sector-aligned region (stub, or the ROM through
 * FLASH_BEGIN, which erases). */
int esploader_flash_erase(esploader_t *l);
int esploader_flash_erase_region(esploader_t *l, uint32_t offset, uint32_t size);

/*
 * Planning a write through the flasher stub (docs/performance.md, "stub schedule"). The stub
 * acknowledges a block, then writes it while the next one arrives, and erases the announced
 * region ahead of the write pointer while it waits for data. Two host-side levers keep both
 * the wire and the flash busy, within the protocol (one block in flight, as always):
 *
 * esploader_stub_segment(): the length of the next transfer (BEGIN .. blocks .. END) of an
 * image at offset with size bytes left: up to the next 64 KB flash boundary. One transfer per
 * 64 KB erase block bounds how far ahead the stub erases, so erase work is spread over the job
 * instead of stalling its first blocks. Compressed: compress each segment on its own.
 *
 * esploader_stub_block(): the size of the next data block when left bytes of the transfer
 * remain: full blocks (block_size, 0 = 16 KB), then halving over the last two blocks' worth,
 * down to 1 KB. The stub's work still pending when the last byte arrives is then one small
 * block's, not a full one's (the wire idles for it at every END/BEGIN). This sends a few more
 * blocks than BEGIN announced in num_blocks; the stub is driven by the announced byte count
 * (docs/protocol.md §5.6, §5.8). Stub only: the ROM answers each block after writing it. */
uint32_t esploader_stub_segment(uint32_t offset, uint32_t size);
uint32_t esploader_stub_block(uint32_t left, uint32_t block_size);

/*
 * The write pipeline: one call writes one region of flash from a buffer or a read callback,
 * skipping what the flash already holds, compressing what it sends, verifying what it wrote
 * (docs/library.md, "The write pipeline"). Steps:
 *
 *   1. Skip unchanged data (ESPLOADER_WRITE_SKIP_UNCHANGED, where the loader can MD5): one
 *      SPI_FLASH_MD5 of the whole region; equal: done, nothing erased or sent. If the flash
 *      there is erased (0xFF): write it all. Otherwise one MD5 per 64 KB flash block, and in
 *      each block that differs (and is not erased) one per 4 KB sector; runs of differing
 *      sectors are written as they are found.
 *   2. Send each run (or the whole region): compressed through job.compressor with
 *      FLASH_DEFL_* where the loader inflates (every stub and ROM but the ESP8266 ROM; not in
 *      Secure Download Mode, which refuses FLASH_DEFL_*), in
 *      two passes with identical compressor calls (count the compressed size that
 *      FLASH_DEFL_BEGIN announces, then send); plainly with FLASH_* when there is no
 *      compressor, the loader cannot inflate, or the data does not shrink. A rejected block
 *      restarts the run (recovery rule below), up to 3 times.
 *   3. Verify each written run with one target MD5 (unless ESPLOADER_FINISH_NO_VERIFY or the
 *      loader has no MD5: ESP8266 ROM, Secure Download Mode; then esploader_flash_verified()
 *      says false). Sectors left alone were proven equal by the comparison's MD5s.
 *
 * Data source: job.data (the whole image in memory), or job.read (NULL data): a positional
 * read of job bytes [pos, pos + len) into buf, returning 0, or < 0 to fail the write with
 * ESPLOADER_ERR_HOST (job.host_err keeps the callback's value). The pipeline reads in chunks
 * of at most work_size bytes and may read a range more than once (comparison, both
 * compression passes, verification), so an MCU streams from its filesystem with no copy of
 * the image in RAM.
 *
 * Work memory (job.work, work_size; caller-owned, the core allocates nothing): a compressed
 * transfer needs one block of output (block_size) plus, with job.read, at least 1 byte of
 * input staging after it (more is faster: e.g. another block); a plain transfer from job.read
 * needs one block. A plain write from job.data needs none. block_size 0 = the loader's
 * default (ROM 1 KB, stub 16 KB), halved until it fits the work memory (down to 1 KB); an
 * explicit block_size must fit, or ESPLOADER_ERR_INVALID_ARG.
 *
 * Offsets: the ROM loaders need a 4 KB-aligned offset (the stub does not). Flags:
 * ESPLOADER_WRITE_SKIP_UNCHANGED, ESPLOADER_FINISH_NO_VERIFY, ESPLOADER_FINISH_REBOOT (leave
 * the loader after the last run). progress (may be NULL) is called after each acknowledged
 * block with the image bytes done so far (unchanged ones included) and size, and once at the
 * end with done == size. On failure job.fail_offset is the flash address of the run that
 * failed, or, when the guard MD5 changed (esploader_flash_guard_md5 below; verified jobs only),
 * offset + size: fail_offset >= offset + size means flash the job was not asked to touch was
 * erased. With skipping, each run an equal sector closes is followed by one MD5 of what was
 * judged equal before it was written (that sector, or the rest of a block judged equal whole):
 * a change there fails the job at that address. The callbacks and the compressor run on the
 * caller's stack inside this call.
 */
#define ESPLOADER_WRITE_SKIP_UNCHANGED (1u << 8)
typedef void (*esploader_progress_fn)(void *user, uint32_t done, uint32_t total);
typedef int (*esploader_read_fn)(void *user, uint32_t pos, void *buf, uint32_t len);

typedef struct esploader_write_job {
    /* in */
    uint32_t offset, size;                    /* flash address and image length (> 0) */
    const void *data;                         /* the image, or NULL: read through read() */
    esploader_read_fn read;                   /* when data is NULL */
    void *read_user;                          /* passed to read() */
    const esploader_compressor_t *compressor; /* NULL: plain writes */
    void *work;                     /* work memory (see above), may be NULL if none is needed */
    uint32_t work_size;             /* bytes at work */
    uint32_t block_size;            /* 0: the loader's default, fitted to work */
    uint32_t flags;                 /* ESPLOADER_WRITE_SKIP_UNCHANGED | ESPLOADER_FINISH_* */
    esploader_progress_fn progress; /* may be NULL */
    void *progress_user;
    /* out (zeroed by the call) */
    uint32_t changed;     /* image bytes written (all of them unless skipping found some equal) */
    uint32_t wire;        /* data bytes sent in blocks (compressed size where compressed) */
    uint32_t fail_offset; /* flash address of the failed run (on failure) */
    uint16_t md5s;        /* SPI_FLASH_MD5 round trips (comparison + verification) */
    uint16_t transfers;   /* BEGIN .. END transfers, restarts included */
    uint16_t deflated;    /* how many of them were compressed */
    int16_t host_err;     /* the read callback's / compressor's own error (ESPLOADER_ERR_HOST) */
} esploader_write_job_t;

int esploader_flash_write_job(esploader_t *l, esploader_write_job_t *job);

/* The guard MD5 of a region: the target MD5s of the flash after it (from the end of its last
 * 4 KB sector, up to 64 KB, inside the flash size the loader knows: 2 MB until told) and of
 * the flash below it (from 0, up to 64 KB), XORed into one digest. Commands carry no checksum,
 * so a line error in a FLASH_BEGIN can make the loader erase elsewhere while the region's own
 * MD5 still matches: a damaged erase size erases on from the region's end; bytes lost from
 * the command slide its later words into the offset, which then lands near 0. The pipeline
 * takes it before its first BEGIN and compares it after the job (a change:
 * ESPLOADER_ERR_VERIFY, job.fail_offset = offset + size); callers of
 * esploader_flash_start/_defl_start can do the same around their transfer, once the flash
 * size is set (the spans depend on it). A span that was blank already shows no erase.
 * Returns the number of SPI_FLASH_MD5 round trips (1 or 2), ESPLOADER_ERR_UNSUPPORTED if the
 * region has no such span (at 0 and reaching the end of the known flash), or an error.
 * See docs/reliability.md. */
int esploader_flash_guard_md5(esploader_t *l, uint32_t offset, uint32_t size, uint8_t md5[16]);

/* The pipeline for a buffer, plain (no compressor, no work memory): the job above with data,
 * flags, progress and user; nothing else. Inline, so that the job lives on the caller's
 * stack like every other caller-owned structure. */
static inline int esploader_flash_write_buffer(esploader_t *l, uint32_t offset, const void *data,
                                               uint32_t size, uint32_t flags,
                                               esploader_progress_fn progress, void *user)
{
    esploader_write_job_t j = {0};
    j.offset = offset;
    j.size = size;
    j.data = data;
    j.flags = flags;
    j.progress = progress;
    j.progress_user = user;
    return esploader_flash_write_job(l, &j);
}

/* ------------------------------------------------------------------------------------------ */
/* RAM                                                                                         */

int esploader_mem_start(esploader_t *l, uint32_t address, uint32_t size, uint32_t block_size);
int esploader_mem_write(esploader_t *l, const void *data, uint32_t size);
/* entry 0: just finish; otherwise jump to entry. */
int esploader_mem_finish(esploader_t *l, uint32_t entry);

/* ------------------------------------------------------------------------------------------ */
/* Registers, identity, security                                                               */

int esploader_read_register(esploader_t *l, uint32_t address, uint32_t *value);
int esploader_write_register(esploader_t *l, uint32_t address, uint32_t value);
int esploader_write_register_masked(esploader_t *l, uint32_t address, uint32_t value, uint32_t mask,
                                    uint32_t delay_us);

int esploader_read_mac(esploader_t *l, uint8_t mac[6]);

typedef struct esploader_security_info {
    uint32_t flags;
    uint8_t flash_crypt_cnt;
    uint8_t key_purposes[7];
    uint32_t chip_id;     /* valid if has_chip_id */
    uint32_t eco_version; /* valid if has_chip_id */
    bool has_chip_id;     /* false on ESP32-S2 (12-byte reply) */
} esploader_security_info_t;

#define ESPLOADER_SEC_SECURE_BOOT_EN         (1u << 0)
#define ESPLOADER_SEC_SECURE_DOWNLOAD_ENABLE (1u << 2)

/* GET_SECURITY_INFO. ESPLOADER_ERR_UNSUPPORTED on ESP8266 / ESP32. */
int esploader_get_security_info(esploader_t *l, esploader_security_info_t *info);

/* ------------------------------------------------------------------------------------------ */
/* Leaving                                                                                     */

/* Hard reset through the RESET (RTS/EN) line into the application. */
int esploader_reset_target(esploader_t *l);

/* Leave the loader and start the application without a reset line (docs/protocol.md §10.5
 * "soft-reset"). ROM: FLASH_BEGIN(0, 0) + FLASH_END(1). ESP8266 stub: RUN_USER_CODE. Any
 * other stub cannot start the app (it can only reboot into the ROM loader, which the latched
 * strapping pins keep in download mode): ESPLOADER_ERR_UNSUPPORTED, nothing is sent and the
 * session stays usable -- use esploader_reset_target() there. On success the session is
 * closed (connect again to talk to the loader). */
int esploader_run_user_code(esploader_t *l);

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_H */
