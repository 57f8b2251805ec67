/*
 * The server side of RFC 2217 (telnet COM-PORT-OPTION) for esploader-sim, as a push-fed codec
 * with no I/O: feed it what the client sent; it calls back with serial data for the chip,
 * bytes to send back to the client, baud changes and the resets it recognised.
 *
 * Resets are recognised by the pattern of DTR/RTS changes (docs/protocol.md §10.6), not by
 * replaying the line levels: each SET-CONTROL crosses the network separately, so the timing
 * a real auto-reset circuit relies on is lost.
 *   DTR on, not already in a download sequence  -> reset into download mode, sequence starts
 *   DTR off                                     -> sequence finished
 *   RTS on -> off outside a download sequence   -> hard reset into the application
 *   everything else                             -> swallowed (line state remembered)
 */
#ifndef RFC2217_SERVER_H
#define RFC2217_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFC2217_TELNET_IAC      255
#define RFC2217_OPTION_COM_PORT 44

typedef struct rfc2217_hooks {
    void *ctx;
    void (*data)(void *ctx, const uint8_t *d, size_t n);  /* serial bytes for the chip */
    void (*reply)(void *ctx, const uint8_t *d, size_t n); /* telnet bytes for the client */
    void (*baud)(void *ctx, uint32_t baud);               /* SET-BAUDRATE (never 0) */
    void (*reset)(void *ctx, bool download);              /* a recognised reset */
    void (*purge)(void *ctx, bool rx, bool tx);           /* PURGE-DATA */
} rfc2217_hooks_t;

typedef struct rfc2217_server {
    rfc2217_hooks_t hooks;
    int state;
    uint8_t verb;
    uint8_t sb[64];
    size_t sb_len;
    bool sb_overflow;
    uint8_t him[256 / 8]; /* options the client has enabled on its side (WILL) */
    uint8_t us[256 / 8];  /* options we have enabled on our side (WILL) */
    uint32_t baud;
    uint8_t datasize, parity, stopsize;
    bool dtr, rts, in_download_sequence;
    bool break_on;
} rfc2217_server_t;

/* Start a session: resets the state and sends our opening negotiation through hooks.reply. */
void rfc2217_server_start(rfc2217_server_t *r, const rfc2217_hooks_t *hooks, uint32_t baud);
/* Process bytes from the client. */
void rfc2217_server_feed(rfc2217_server_t *r, const uint8_t *in, size_t len);
/* Escape chip bytes for the client (0xFF doubled). out needs 2 * len bytes; returns its
 * length. */
size_t rfc2217_escape(const uint8_t *in, size_t len, uint8_t *out);

#endif
