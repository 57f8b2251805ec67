/*
 * libesploader's error codes: every function returns ESPLOADER_OK or one of these negative
 * values, and so do the port functions (esploader_port.h), which is why they live in a header
 * of their own that a port can include without the rest of the API.
 */
#ifndef ESPLOADER_ERR_H
#define ESPLOADER_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum esploader_err {
    ESPLOADER_OK = 0,
    ESPLOADER_ERR_TIMEOUT = -1,     /* no (complete) answer before the deadline */
    ESPLOADER_ERR_IO = -2,          /* the port failed */
    ESPLOADER_ERR_PROTOCOL = -3,    /* malformed or unexpected data from the target */
    ESPLOADER_ERR_TARGET = -4,      /* the target refused: see esploader_last_failure() */
    ESPLOADER_ERR_VERIFY = -5,      /* flash contents differ from what was sent (MD5) */
    ESPLOADER_ERR_UNSUPPORTED = -6, /* this chip / loader / mode cannot do that */
    ESPLOADER_ERR_INVALID_ARG = -7, /* bad argument (alignment, range, NULL, ...) */
    ESPLOADER_ERR_STATE = -8,       /* call out of order (write without start, ...) */
    ESPLOADER_ERR_HOST = -9,        /* a host callback failed: data source or compressor */
} esploader_err_t;

/* A short, static English description of an error code. */
const char *esploader_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* ESPLOADER_ERR_H */
