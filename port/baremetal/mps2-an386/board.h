/* QEMU mps2-an386 board facts used by the firmware (hw/arm/mps2.c in QEMU 7.2). */
#ifndef MPS2_BOARD_H
#define MPS2_BOARD_H

#include <stdint.h>

#define BOARD_CPU_HZ       25000000u   /* SYSCLK: the core and the APB peripherals */
#define BOARD_UART0        0x40004000u /* -serial #1: the firmware console */
#define BOARD_UART1        0x40005000u /* -serial #2: the target link */
#define BOARD_UART2        0x40006000u
#define BOARD_UART3        0x40007000u
#define BOARD_UART4        0x40009000u
#define BOARD_UART0_RX_IRQ 0
#define BOARD_UART1_RX_IRQ 2
#define BOARD_UART2_RX_IRQ 4
#define BOARD_TIMER0       0x40000000u /* CMSDK APB timer 0, NVIC irq 8 */
#define BOARD_TIMER0_IRQ   8
#define BOARD_GPIO0        0x40010000u /* CMSDK GPIO 0..3 at 0x40010000 + n * 0x1000 */
#define BOARD_STACK_PAINT  0xC5A5C5A5u

/* Bytes of the main stack, and how many of them have been touched since reset. */
uint32_t board_stack_size(void);
uint32_t board_stack_used(void);

#endif
