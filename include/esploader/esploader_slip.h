/*
 * Private to the library: the state of its push-fed SLIP decoder. It lives in this public
 * header only so that esploader_t (caller-owned, no allocation) can hold one; src/slip.h
 * names it espl_slip_dec_t and documents the fields. Do not touch it from outside the library.
 */
#ifndef ESPLOADER_SLIP_H
#define ESPLOADER_SLIP_H

#include <stddef.h>
#include <stdint.h>

struct espl_slip_dec {
    uint8_t *buf; /* where the decoded frame body goes */
    size_t cap;
    size_t len;    /* decoded bytes of the current frame */
    uint8_t state; /* private */
    size_t noise;  /* bytes seen outside any frame (boot log, garbage), for diagnostics */
    /* Optional copy of the first noise_cap noise bytes (noise_cap 0: count only). */
    uint8_t *noise_buf;
    size_t noise_cap;
};

#endif
