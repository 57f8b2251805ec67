/*
 * Per-phase timeline of a flash job, classified from the protocol frames the host sends.
 *
 * Clock-agnostic: the caller passes the time (µs) with every event, so the CLI feeds it the
 * real clock and the benchmark the sim's virtual clock. The core library knows nothing of it;
 * it only sees the library's frame-trace hook (esploader_config_t.trace) and explicit marks
 * placed by the program around library calls.
 *
 * Rule: a phase runs from the event that opens it to the event that opens the next one. Each
 * sent command opens the phase of its opcode (table in eh_timeline.c and
 * docs/performance.md); commands that belong to no phase of their own (READ_REG, WRITE_REG,
 * ...) leave the current phase running. The same rules are written in JavaScript in
 * bench/sidebyside.mjs, so both tools of the side-by-side run are measured alike.
 */
#ifndef EH_TIMELINE_H
#define EH_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum eh_phase {
    EH_PH_NONE = -1,
    EH_PH_RESET_SYNC = 0, /* reset sequence, boot wait, SYNC until the first answer */
    EH_PH_DETECT,         /* chip detection after SYNC (READ_REG, GET_SECURITY_INFO) */
    EH_PH_STUB,           /* MEM_BEGIN/DATA/END of the stub and its OHAI */
    EH_PH_BAUD,           /* CHANGE_BAUDRATE, the settle wait, the SYNC that proves it */
    EH_PH_SETUP,          /* SPI_ATTACH, flash id / size, SPI_SET_PARAMS */
    EH_PH_DIFF,           /* any other MD5: looking for what changed */
    EH_PH_ERASE,          /* FLASH_BEGIN / DEFL_BEGIN / ERASE_*: their replies wait for erases */
    EH_PH_DATA,           /* data blocks and FLASH_END / DEFL_END */
    EH_PH_VERIFY,         /* an MD5 that covers the range of the last write: its check */
    EH_PH_READ,           /* READ_FLASH */
    EH_PH_HOST,           /* host-side work the program marks (files, compression) */
    EH_PH_RESET,          /* the --after action (hard reset, soft reset) */
    EH_PH_COUNT
} eh_phase_t;

typedef struct eh_timeline {
    int cur;                 /* eh_phase_t or EH_PH_NONE */
    uint64_t since_us;       /* when cur began */
    uint64_t start_us;       /* the first event */
    uint64_t end_us;         /* the last stop */
    int last_op;             /* opcode of the last command sent, -1 none */
    uint32_t wr_off, wr_end; /* flash range of the last FLASH_BEGIN / DEFL_BEGIN */
    uint64_t us[EH_PH_COUNT];
    uint32_t frames[EH_PH_COUNT]; /* commands sent while the phase ran */
    bool started;
} eh_timeline_t;

void eh_tl_init(eh_timeline_t *t);
/* Open phase p now (closing the running one). */
void eh_tl_mark(eh_timeline_t *t, eh_phase_t p, uint64_t now_us);
/* A frame from the library's trace hook (tx: sent by the host). Received frames are ignored. */
void eh_tl_frame(eh_timeline_t *t, bool tx, const uint8_t *frame, size_t len, uint64_t now_us);
/* Close the running phase (the job ended). */
void eh_tl_stop(eh_timeline_t *t, uint64_t now_us);
/* Total time from the first event to the stop. */
uint64_t eh_tl_total_us(const eh_timeline_t *t);

/* "reset_sync", "detect", ... (the JSON keys, without "_ms"). */
const char *eh_phase_name(eh_phase_t p);

#endif
