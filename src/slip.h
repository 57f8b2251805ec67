/*
 * Push-fed SLIP codec (docs/protocol.md §1). No I/O: the caller feeds whatever bytes it has and
 * is told "frame ready", "need more" or "error, resynchronised at the next 0xC0". The same
 * code serves a blocking read loop, an ISR ring buffer and tests.
 */
#ifndef ESP_SLIP_H
#define ESP_SLIP_H

#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_slip.h"

#define ESP_SLIP_END     0xC0
#define ESP_SLIP_ESC     0xDB
#define ESP_SLIP_ESC_END 0xDC
#define ESP_SLIP_ESC_ESC 0xDD

typedef enum {
    ESP_SLIP_NEED_MORE = 0,     /* all input consumed, no complete frame yet */
    ESP_SLIP_FRAME = 1,         /* a non-empty frame is complete in buf[0..len) */
    ESP_SLIP_ERR_OVERSIZE = -1, /* frame longer than cap: dropped, resync at next 0xC0 */
    ESP_SLIP_ERR_ESCAPE = -2,   /* 0xDB followed by neither 0xDC nor 0xDD: dropped, resync */
} espl_slip_status_t;

/*
 * The decoder state (defined in esploader/esploader_slip.h so that esploader_t can embed one):
 *   buf, cap   where the decoded frame body goes
 *   len        decoded bytes of the current frame
 *   state      private
 *   noise      bytes seen outside any frame (boot log, garbage), for diagnostics
 *   noise_buf, noise_cap  optional copy of the first noise_cap noise bytes (init: NULL, 0;
 *              noise_cap 0: count only)
 */
typedef struct espl_slip_dec espl_slip_dec_t;

void espl_slip_dec_init(espl_slip_dec_t *d, uint8_t *buf, size_t cap);

/* Retarget the decoder's output buffer (e.g. straight into a caller's read buffer). Only
 * between frames. */
void espl_slip_dec_set_buf(espl_slip_dec_t *d, uint8_t *buf, size_t cap);

/*
 * Feed len bytes. Stops right after the byte that completes a frame or causes an error and
 * stores in *used how many input bytes it consumed (the caller feeds the rest later).
 * Empty frames (C0 C0) are skipped silently. Bytes outside a frame are counted in d->noise.
 * After FRAME or an error the next feed starts a new frame.
 */
espl_slip_status_t espl_slip_dec_feed(espl_slip_dec_t *d, const uint8_t *in, size_t len,
                                      size_t *used);

/*
 * Resynchronise between frames. open = false: the next 0xC0 opens a frame (everything until
 * then is noise). open = true: the last 0xC0 seen may have been an opening delimiter, not a
 * closing one (the caller just got a frame that makes no sense, so delimiters are probably
 * misaligned after lost bytes): the next byte either starts that frame's body or, if it is
 * another 0xC0, opens a frame itself.
 */
void espl_slip_dec_resync(espl_slip_dec_t *d, int open);

/*
 * The SLIP encoder, one body byte at a time (the sender escapes straight into its transmit
 * buffer, so a byte-wise encoder is all it needs): a byte for which espl_slip_is_special() holds
 * goes on the wire as ESC (0xDB) then espl_slip_escaped(c): 0xC0 -> DB DC, 0xDB -> DB DD; any
 * other byte goes as it is.
 */
static inline int espl_slip_is_special(int c)
{
    return c == ESP_SLIP_END || c == ESP_SLIP_ESC;
}

static inline int espl_slip_escaped(int c)
{
    return c == ESP_SLIP_END ? ESP_SLIP_ESC_END : ESP_SLIP_ESC_ESC;
}

#endif
