/*
 * libesploader port for a bare-metal Cortex-M host with Arm CMSDK peripherals: an APB UART for
 * the target link (RX interrupt into a ring buffer), two pins of a CMSDK GPIO block wired to
 * the target's BOOT (IO0) and RESET (EN), SysTick as the millisecond clock (a CMSDK timer
 * only wakes the waits).
 *
 * Written for QEMU's mps2-an386 board (Cortex-M4, 25 MHz, CMSDK UART0..4 at 0x40004000,
 * 0x40005000, 0x40006000, 0x40007000, 0x40009000; GPIO0..3 at 0x40010000..0x40013000), and the
 * model for a port to any MCU (STM32, RP2040, ...): see docs/porting.md. No RTOS, no heap; the
 * port struct (ring buffer included) belongs to the caller.
 *
 * On QEMU the GPIO block is not modelled (QEMU 7.2 maps an "unimplemented device" there:
 * writes go nowhere), so the target (an esploader-sim process) is started already waiting in
 * download mode and the reset sequence only costs its delays.
 */
#ifndef ESPLOADER_PORT_CMSDK_H
#define ESPLOADER_PORT_CMSDK_H

#include <stdint.h>

#include "esploader/esploader_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESPLOADER_CMSDK_RX_RING 2048u /* bytes; a power of two */

typedef struct esploader_cmsdk_config {
    uintptr_t uart_base; /* e.g. 0x40005000 (UART1 on mps2-an386) */
    int uart_rx_irq;     /* its RX interrupt number (NVIC), e.g. 2 for UART1 */
    uint32_t pclk_hz;    /* the UART's clock: 25 MHz on mps2 */
    uint32_t baud;       /* 0 = 115200, the ROM loader's rate after reset */
    uintptr_t gpio_base; /* e.g. 0x40010000 (GPIO0); 0 = no reset lines */
    uint8_t boot_pin;    /* to the target's IO0 (GPIO9 on C2/C3/C6/H2, ...) */
    uint8_t reset_pin;   /* to the target's EN / CHIP_PU */
} esploader_cmsdk_config_t;

typedef struct esploader_cmsdk_port {
    esploader_cmsdk_config_t cfg;
    volatile uint32_t head;     /* written by the RX interrupt */
    volatile uint32_t tail;     /* written by read() */
    volatile uint32_t overruns; /* the UART lost bytes (hardware overrun flag seen) */
    uint8_t ring[ESPLOADER_CMSDK_RX_RING];
} esploader_cmsdk_port_t;

/* The clock: SysTick free-running from the core clock (cpu_hz), time read from its counter
 * plus a wrap count (SysTick interrupt), so late interrupts cannot make it lose time. Waits
 * sleep in WFI; wake_timer_base (a CMSDK APB timer, e.g. 0x40000000 with NVIC irq 8 on mps2)
 * interrupts every millisecond to end them on time (0 = none: waits then end at the next
 * received byte or SysTick wrap). Call once, before the port is used. */
void esploader_cmsdk_clock_init(uint32_t cpu_hz, uintptr_t wake_timer_base, int wake_timer_irq);
/* Milliseconds since esploader_cmsdk_clock_init() (wraps at 2^32). */
uint32_t esploader_cmsdk_millis(void);
/* Exception / interrupt handlers to put in the vector table (or call from yours). */
void esploader_cmsdk_systick_isr(void);
void esploader_cmsdk_wake_timer_isr(void);

/* Set up the UART (8N1 at cfg->baud, RX interrupt on) and the two lines (released: Hi-Z with
 * the board's pull-ups, the target runs). Returns 0 or ESPLOADER_ERR_INVALID_ARG. The port
 * struct must outlive its use as port_ctx. */
int esploader_cmsdk_init(esploader_cmsdk_port_t *p, const esploader_cmsdk_config_t *cfg);
/* Call from the UART's RX interrupt handler: moves what the UART holds into the ring. */
void esploader_cmsdk_uart_isr(esploader_cmsdk_port_t *p);

/* The ops table; port_ctx must be the esploader_cmsdk_port_t *. */
extern const esploader_port_ops_t esploader_cmsdk_ops;

#ifdef __cplusplus
}
#endif

#endif
