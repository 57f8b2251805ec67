/*
 * A minimal host written for the sim's own tests: builds command frames by hand, SLIP-encodes
 * them, and reads the chip's frames on a virtual clock, one command at a time like esptool.
 * It shares nothing with the library under src/.
 */
#ifndef SIMHOST_H
#define SIMHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "esp_sim.h"

extern int simhost_failures;
extern long simhost_checks; /* checks evaluated (reported by each test) */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        simhost_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            simhost_failures++;                                                                    \
        }                                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        simhost_checks++;                                                                          \
        if (va_ != vb_) {                                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld (0x%llx), %s = %lld (0x%llx)\n",    \
                    __FILE__, __LINE__, #a, va_, (unsigned long long)va_, #b, vb_,                 \
                    (unsigned long long)vb_);                                                      \
            simhost_failures++;                                                                    \
        }                                                                                          \
    } while (0)

typedef struct host {
    sim_t *sim;
    uint64_t now;
    uint8_t rx[0x10000]; /* raw bytes received, not yet consumed */
    size_t rxn;
    bool in_frame;
    bool stub;  /* the host's belief: OHAI seen */
    size_t c0s; /* 0xC0 bytes in rx (a frame is complete once there are two) */
} host_t;

typedef struct frame {
    uint8_t d[0x4100];
    size_t n;
    uint64_t at; /* when its closing C0 arrived */
} frame_t;

sim_t *host_new_sim(host_t *h, sim_chip_id_t chip, bool strict, bool no_timing);
void host_free(host_t *h);
/* Drain what the boot printed (banner) into buf; returns its length. */
size_t host_read_text(host_t *h, char *buf, size_t cap, uint64_t wait_us);
void host_send_raw(host_t *h, const uint8_t *d, size_t n);
void host_send_frame(host_t *h, const uint8_t *body, size_t n);
/* Command: header + payload, checksum word as given. */
void host_send_cmd(host_t *h, uint8_t op, const uint8_t *payload, size_t n, uint32_t chk);
/* Next SLIP frame within timeout_us of virtual time; false on timeout. */
bool host_read_frame(host_t *h, frame_t *f, uint64_t timeout_us);
/* Count frames until `quiet_us` of silence. */
int host_count_frames(host_t *h, frame_t *last, uint64_t quiet_us);
void host_advance(host_t *h, uint64_t us);

/* Payload builders */
size_t build_sync(uint8_t *p);
size_t build_data(uint8_t *p, const uint8_t *data, uint32_t len, uint32_t seq, uint32_t *chk);
size_t build_words(uint8_t *p, int n, ...);
uint8_t xor_checksum(const uint8_t *d, size_t n);
void put32(uint8_t *p, uint32_t v);
uint32_t get32(const uint8_t *p);

/* Common operations (return the status byte 0 / error code, or -1 on timeout). */
int host_sync(host_t *h); /* 8 replies expected */
int host_cmd(host_t *h, uint8_t op, const uint8_t *payload, size_t n, uint32_t chk, frame_t *f);
uint32_t host_read_reg(host_t *h, uint32_t addr);
void host_write_reg(host_t *h, uint32_t addr, uint32_t value);
/* Stub upload (two MEM segments + MEM_END with an entry); true if OHAI arrived. */
bool host_start_stub(host_t *h);

#endif
