/*
 * Core-internal session layer: every command goes through espl_xfer() (encode + SLIP on the fly,
 * one deadline, matching reply). Operations build their packet in l->cmd and call it.
 */
#ifndef ESPLOADER_INTERNAL_H
#define ESPLOADER_INTERNAL_H

#include "esploader/esploader.h"
#include "proto.h"
#include "slip.h"
#include "targets.h"

#ifndef ESPLOADER_LOG_LEVEL
#define ESPLOADER_LOG_LEVEL 0
#endif

/* Compiled out (message string included) below ESPLOADER_LOG_LEVEL. */
#define ESP_LOG(l, lvl, msg, v)                                                                    \
    do {                                                                                           \
        if ((lvl) <= ESPLOADER_LOG_LEVEL) {                                                        \
            espl_log((l), (lvl), (msg), (int32_t)(v));                                             \
        }                                                                                          \
    } while (0)

enum { ESP_STATE_IDLE = 0, ESP_STATE_FLASH, ESP_STATE_DEFL, ESP_STATE_MEM, ESP_STATE_CONNECTING };

#define ESP_OP_ANY          (-1) /* espl_recv(): accept a reply to any opcode */
#define ESP_RESP_VAR        (-1) /* espl_recv(): result = everything before the status bytes */
#define ESP_SECTOR          0x1000u
#define ESP_ROM_FLASH_LIMIT 0x1000000u /* the ROM loaders address 16 MB */

void espl_log(esploader_t *l, esploader_log_level_t level, const char *msg, int32_t value);

uint32_t espl_now(esploader_t *l);
void espl_delay(esploader_t *l, uint32_t ms);
/* The configured default command timeout. */
uint32_t espl_timeout(const esploader_t *l);
/* esptool's size-scaled timeout: max(3 s, ms_per_mb * bytes / 10^6), capped at 240 s. */
uint32_t espl_scaled_timeout(uint32_t bytes, uint32_t ms_per_mb);

/* Send l->cmd[0..cmd_len) followed by data[0..len) and pad bytes of 0xFF as one SLIP frame. */
int espl_send(esploader_t *l, size_t cmd_len, const uint8_t *data, size_t len, size_t pad,
              uint32_t deadline);
/* Read frames until the reply to op (or ESP_OP_ANY) arrives. Result bytes then sit at
 * l->frame + 8 (l->rlen of them), the value field in l->value. */
int espl_recv(esploader_t *l, int op, int resp_len, uint32_t deadline);
/* Read one SLIP frame into the decoder's current buffer; its length or an error. */
int espl_read_frame(esploader_t *l, uint32_t deadline);
/* The transaction: send, then receive the reply to the same opcode. Before a successful
 * connect (outside of connect itself) it refuses with ESPLOADER_ERR_STATE: every public
 * operation that talks to the target gets that check from here. */
int espl_xfer(esploader_t *l, size_t cmd_len, const uint8_t *data, size_t len, size_t pad,
              int resp_len, uint32_t timeout_ms);
/* espl_xfer() without data, default timeout. */
int espl_cmd(esploader_t *l, size_t cmd_len, int resp_len);
/* Discard input until the line stays quiet for quiet_ms (bytes outside frames still reach the
 * boot log while connecting). Returns the number of frames dropped. */
int espl_drain(esploader_t *l, uint32_t quiet_ms);

/* One SYNC: the matching reply plus 7 more (§5.1); sets l->stub from their value fields. */
int espl_sync(esploader_t *l);
/* Reset into download mode, sequence chosen by config.before and the attempt number (reset_seq.c).
 */
int espl_reset_enter(esploader_t *l, uint32_t attempt);

/* OK if connected, else ESPLOADER_ERR_STATE. */
int espl_ready(const esploader_t *l);
/* ESP_T_* flags of the connected chip (0 before connect). */
uint8_t espl_flags(const esploader_t *l);
/* The ROM loader of the ESP8266 (the most limited one). */
int espl_is_8266_rom(const esploader_t *l);

int espl_read_reg(esploader_t *l, uint32_t addr, uint32_t *value);
/* One WRITE_REG with n records (address, value) pairs, full mask, no delay: executed in order. */
int espl_write_regs(esploader_t *l, const uint32_t *addr_value, unsigned n);

/* FLASH_BEGIN / FLASH_DEFL_BEGIN / MEM_BEGIN with every loader's rules; sets up l->xfer_*. */
int espl_begin(esploader_t *l, uint8_t op, uint32_t offset, uint32_t image_size, uint32_t wire_size,
               uint32_t block_size);

/* One data block of the transfer in progress (state = ESP_STATE_FLASH / _DEFL / _MEM). */
int espl_block(esploader_t *l, uint8_t state, const void *data, uint32_t size);

/* Leave the loader into the application (FINISH_REBOOT). */
void espl_flash_leave(esploader_t *l, uint8_t end_op);

#endif
