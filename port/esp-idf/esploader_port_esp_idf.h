/*
 * libesploader port for an ESP32 (or any ESP-IDF chip) acting as the host: a UART driven by
 * the ESP-IDF UART driver, two GPIOs wired straight to the target's BOOT (IO0) and RESET (EN)
 * pins, and esp_timer as the clock. The original "flash multiple partitions" set-up:
 *
 *     host IO26 -> target IO0 (BOOT)     host IO4 (our TX) -> target RX0
 *     host IO25 -> target EN  (RESET)    host IO5 (our RX) <- target TX0      and GND - GND
 *
 * Compile-checked only in this repository (no ESP-IDF toolchain or board here): see
 * examples/esp-idf/README.md.
 */
#ifndef ESPLOADER_PORT_ESP_IDF_H
#define ESPLOADER_PORT_ESP_IDF_H

#include <stdint.h>

#include "esploader/esploader_port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esploader_esp_idf_config {
    int uart_port;      /* UART_NUM_1 in the example; not the console UART */
    uint32_t baud;      /* 0 = 115200, the ROM loader's rate after reset */
    int tx_pin;         /* our TX, to the target's RX0 */
    int rx_pin;         /* our RX, from the target's TX0 */
    int boot_pin;       /* to the target's IO0 (GPIO9 on C2/C3/C6/H2, ...) */
    int reset_pin;      /* to the target's EN / CHIP_PU */
    int rx_buffer_size; /* 0 = 4096 bytes of driver receive buffer */
    /* Non-zero: the pin is active-high (asserted = driven high), for boards with an inverter
     * between our pin and IO0 / EN. Default 0: asserted = low. */
    int boot_active_high, reset_active_high;
} esploader_esp_idf_config_t;

typedef struct esploader_esp_idf_port {
    esploader_esp_idf_config_t cfg;
} esploader_esp_idf_port_t;

/* Install the UART driver, route the pins, drive BOOT and RESET high (target runs). Returns
 * 0 or a negative esploader_err_t. The port struct must outlive its use as port_ctx. */
int esploader_esp_idf_init(esploader_esp_idf_port_t *p, const esploader_esp_idf_config_t *cfg);
/* Release the UART driver. */
void esploader_esp_idf_deinit(esploader_esp_idf_port_t *p);

/* The ops table; port_ctx must be the esploader_esp_idf_port_t *. */
extern const esploader_port_ops_t esploader_esp_idf_ops;

#ifdef __cplusplus
}
#endif

#endif
