/* Private to port/posix: the port object and the helpers its transport files share. */
#ifndef ESPLOADER_POSIX_PORT_INTERNAL_H
#define ESPLOADER_POSIX_PORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esploader_port_posix.h"

typedef enum posix_kind {
    POSIX_KIND_SERIAL = 0,
    POSIX_KIND_TCP,
    POSIX_KIND_RFC2217,
} posix_kind_t;

struct posix_gpio; /* posix_gpio.c */

struct esploader_posix_port {
    posix_kind_t kind;
    int fd;
    uint32_t baud;
    int dtr, rts;           /* last line states we set (ESPLOADER_LINE_*) */
    bool lines_unsupported; /* the device refused modem-line ioctls (a PTY, say) */
    struct posix_gpio *gpio;

    /* RFC2217: telnet parser state, negotiated options, and data bytes that arrived while
     * we were waiting for a subnegotiation answer (handed out by the next read). */
    bool ign_set_control;
    bool comport_ok;    /* the server agreed to the COM-PORT option */
    bool server_acks;   /* the server has answered a SET-* request */
    bool server_silent; /* it never answered one: stop waiting for answers */
    uint8_t tn_state, tn_sb_len;
    uint8_t tn_sb[16];
    uint8_t tn_last_reply; /* last COM-PORT answer code seen (100 + request code) */
    uint8_t *pending;
    size_t pending_len, pending_cap;
};

/* Monotonic milliseconds since an arbitrary origin. */
uint32_t posix_now_ms(void);

/* Wait until fd is readable (events = POLLIN) or writable (POLLOUT), at most timeout_ms.
 * 1 = ready, 0 = timeout, negative esploader_err_t on failure. */
int posix_wait_fd(int fd, short events, uint32_t timeout_ms);

/* Write all of data within timeout_ms (raw, no telnet escaping). */
int32_t posix_write_all(int fd, const uint8_t *data, size_t len, uint32_t timeout_ms);

/* Format an error message into err (never NULL-dereferences). */
void posix_errf(char *err, size_t err_len, const char *fmt, ...);

/* Serial devices (posix_serial.c). */
int posix_serial_open(esploader_posix_port_t *p, const char *path, bool exclusive, char *err,
                      size_t err_len);
int32_t posix_serial_set_lines(esploader_posix_port_t *p, int dtr, int rts);
int32_t posix_serial_set_baud(esploader_posix_port_t *p, uint32_t baud);

/* Any-baud support (posix_baud.c, kept apart because <asm/termbits.h> clashes with
 * <termios.h>). Returns 0, or -1 with errno set (EINVAL: the driver refused the rate). */
int posix_set_custom_baud(int fd, uint32_t baud);

/* socket:// (posix_net.c); also used by rfc2217:// to connect. */
int posix_tcp_connect(const char *hostport, int *fd_out, char *err, size_t err_len);

/* rfc2217:// (posix_rfc2217.c). */
int posix_rfc2217_open(esploader_posix_port_t *p, const char *rest, char *err, size_t err_len);
int32_t posix_rfc2217_read(esploader_posix_port_t *p, uint8_t *buf, size_t len,
                           uint32_t timeout_ms);
int32_t posix_rfc2217_write(esploader_posix_port_t *p, const uint8_t *data, size_t len,
                            uint32_t timeout_ms);
int32_t posix_rfc2217_set_lines(esploader_posix_port_t *p, int dtr, int rts);
int32_t posix_rfc2217_set_baud(esploader_posix_port_t *p, uint32_t baud);
void posix_rfc2217_flush(esploader_posix_port_t *p);

/* GPIO lines (posix_gpio.c); stubs that fail when built without libgpiod. */
int posix_gpio_open(esploader_posix_port_t *p, const char *chip, int boot, int reset, int boot_ah,
                    int reset_ah, char *err, size_t err_len);
int32_t posix_gpio_set_lines(esploader_posix_port_t *p, int boot, int reset);
void posix_gpio_close(esploader_posix_port_t *p);

#endif
