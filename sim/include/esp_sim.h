/*
 * esploader-sim core: a virtual Espressif chip that speaks the ROM serial-loader protocol
 * (and the flasher stub's), modelled from docs/protocol.md and the real-ROM traces, never from
 * what libesploader happens to do. It shares no code with the library.
 *
 * The core is a byte-in / byte-out state machine on a caller-supplied clock (microseconds):
 * virtual in-process, real for the network front-ends. Bytes the host writes travel at the
 * current baud (10 bit-times per byte); the chip's answers become readable when their last
 * bit has arrived. Flash erase/program and ROM overheads come from a per-chip timing table.
 */
#ifndef ESP_SIM_H
#define ESP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sim_chip_id {
    SIM_CHIP_ESP8266 = 0,
    SIM_CHIP_ESP32,
    SIM_CHIP_ESP32S2,
    SIM_CHIP_ESP32S3,
    SIM_CHIP_ESP32C2,
    SIM_CHIP_ESP32C3,
    SIM_CHIP_ESP32C5,
    SIM_CHIP_ESP32C6,
    SIM_CHIP_ESP32C61,
    SIM_CHIP_ESP32H2,
    SIM_CHIP_ESP32P4,
    SIM_CHIP_ESP32S31,
    SIM_CHIP_ESP32E22,
    SIM_CHIP_ESP32H21,
    SIM_CHIP_ESP32H4,
    SIM_CHIP_COUNT
} sim_chip_id_t;

/* "esp32", "ESP32-C3", "esp32c3", "esp8266" ... ; false if unknown. */
bool sim_chip_from_name(const char *name, sim_chip_id_t *out);
const char *sim_chip_name(sim_chip_id_t chip); /* "ESP32-C3" */

typedef struct sim_config {
    sim_chip_id_t chip;
    uint32_t flash_size;    /* bytes; 0 = 4 MB */
    const char *flash_file; /* NULL: flash in memory; else a file of flash_size bytes, created
                               (erased, 0xFF) if missing, written back as the flash changes */
    bool strict;            /* send the stale status bytes 1-3 real ROMs send */
    bool secure_download;   /* Secure Download Mode (S2 and later) */
    bool no_timing;         /* everything instantaneous (fast functional tests) */
    bool start_in_run_mode; /* power up running the app instead of in download mode */
    /* Link-fault model, not chip behaviour: a marginal cable or USB bridge that garbles every
     * byte, both ways, while the UART runs above this rate (0 = a perfect link). */
    uint32_t link_fail_above;
    /* Link-fault model too: the flip_begin_n-th ROM FLASH_BEGIN / FLASH_DEFL_BEGIN since the
     * sim started arrives with its erase size XORed with flip_begin_mask -- a bit error the
     * line put in a command, which no checksum covers (0 = never). */
    uint32_t flip_begin_n, flip_begin_mask;
    /* Chip revision as major * 100 + minor, burnt into the revision eFuses where the chip's
     * layout is modelled (ESP32-P4 only for now); 0 = the chip table's default. */
    uint16_t revision;
    /* Which flasher-stub family the stub mode plays once a stub is uploaded and started:
     * 1 = the legacy esptool stub (default; 0 means 1), 2 = esp-flasher-stub (esptool >= 5.3,
     * esptool-js 0.7). The sim does not run the uploaded code and an image names no family,
     * so the host side chooses (docs/chips.md lists what differs). */
    uint8_t stub_family;
} sim_config_t;

typedef struct sim sim_t;

/* NULL on failure with a message in err. */
sim_t *sim_new(const sim_config_t *cfg, char *err, size_t err_len);
void sim_free(sim_t *s);

/* Host -> chip bytes, starting to travel at now_us. */
void sim_host_write(sim_t *s, const uint8_t *data, size_t len, uint64_t now_us);
/* Chip -> host bytes fully arrived by now_us (up to cap). */
size_t sim_host_read(sim_t *s, uint8_t *buf, size_t cap, uint64_t now_us);
/* When the next chip -> host byte will be readable; UINT64_MAX if none is on its way. */
uint64_t sim_next_event_us(const sim_t *s);

/* Modem lines through the two-transistor auto-reset circuit (docs/protocol.md §10.1): EN low
 * holds the chip in reset; the rising edge of EN samples IO0 (low = download mode). A reset
 * prints the chip's boot banner at the boot baud. */
void sim_set_lines(sim_t *s, bool dtr, bool rts, uint64_t now_us);
/* Direct pin control (hosts wired to EN/IO0 with GPIOs); true = pin high. */
void sim_set_pins(sim_t *s, bool en_high, bool io0_high, uint64_t now_us);
/* Reset straight into download mode (or run mode), as a fresh TCP connection does. */
void sim_reset(sim_t *s, bool download, uint64_t now_us);

/* The host side's baud rate. If it differs from the chip's UART baud, what crosses is
 * garbled, as on a real wire (the ROM auto-bauds on SYNC only before the first command). */
void sim_set_host_baud(sim_t *s, uint32_t baud);
uint32_t sim_uart_baud(const sim_t *s);

/* Inspection for tests, the example's check and benchmarks. */
const uint8_t *sim_flash(const sim_t *s, size_t *size);
void sim_flash_fill(sim_t *s, uint32_t offset, const uint8_t *data, size_t len); /* no timing */
bool sim_stub_running(const sim_t *s);
/* A word of the chip's address space as READ_REG / WRITE_REG see it (registers, eFuse words,
 * RAM written by MEM_DATA). Poking emulates burnt eFuses or board state in tests (e.g. the
 * blank eFuses of the QEMU traces); writing the SPI CMD register runs the SPI command. */
uint32_t sim_peek32(sim_t *s, uint32_t addr);
void sim_poke32(sim_t *s, uint32_t addr, uint32_t value);
bool sim_in_download_mode(const sim_t *s);
sim_chip_id_t sim_chip(const sim_t *s);

typedef struct sim_stats {
    uint64_t bytes_from_host, bytes_to_host;
    uint64_t frames_from_host;
    uint64_t erase_us, program_us; /* flash busy time modelled so far */
    uint32_t sectors_erased, pages_programmed;
    uint32_t resets;
} sim_stats_t;
void sim_get_stats(const sim_t *s, sim_stats_t *out);

/* The timing model's floor for erasing and programming `bytes` of fresh data on `chip`
 * (ROM: sector erases at BEGIN + page programs + per-block overhead of 1 KB blocks; stub:
 * lazy erase + page programs, 16 KB blocks), in microseconds. For the benchmark's "flash
 * floor". */
uint64_t sim_flash_floor_us(sim_chip_id_t chip, bool stub, uint32_t bytes);

#ifdef __cplusplus
}
#endif

#endif
