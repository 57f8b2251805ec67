/*
 * Start-up for QEMU's mps2-an386 (Cortex-M4): the vector table, the reset handler (copy .data,
 * zero .bss, paint the stack for the high-water measurement, call main) and the default
 * handlers. Interrupt numbers of the AN385/AN386 image: UART0..2 RX/TX = 0/1, 2/3, 4/5,
 * UART3 = 18/19, UART4 = 20/21 (RX, TX), UART overflow (0..2, ORed) = 12, APB timer 0/1 = 8/9,
 * dual timer = 10.
 */
#include <stdint.h>

#include "board.h"
#include "semihost.h"

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__;
extern uint32_t __stack_bottom__, __stack_top__;
int main(void);

void Reset_Handler(void);
void board_fault_handler(void);
void board_default_handler(void);

/* Weak handlers the application may provide. */
void SysTick_Handler(void) __attribute__((weak, alias("board_default_handler")));
void UART0_RX_Handler(void) __attribute__((weak, alias("board_default_handler")));
void UART1_RX_Handler(void) __attribute__((weak, alias("board_default_handler")));
void UART2_RX_Handler(void) __attribute__((weak, alias("board_default_handler")));
void TIMER0_Handler(void) __attribute__((weak, alias("board_default_handler")));

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16 + 32])(void) = {
    [0] = (void (*)(void))(uintptr_t)&__stack_top__,
    [1] = Reset_Handler,
    [2] = board_fault_handler,  /* NMI */
    [3] = board_fault_handler,  /* HardFault */
    [4] = board_fault_handler,  /* MemManage */
    [5] = board_fault_handler,  /* BusFault */
    [6] = board_fault_handler,  /* UsageFault */
    [11] = board_fault_handler, /* SVCall */
    [14] = board_fault_handler, /* PendSV */
    [15] = SysTick_Handler,
    [16 + 0] = UART0_RX_Handler,
    [16 + 2] = UART1_RX_Handler,
    [16 + 4] = UART2_RX_Handler,
    [16 + 8] = TIMER0_Handler,
};

void board_fault_handler(void)
{
    semihost_write0("mps2: fault exception: stopping\n");
    semihost_exit(70);
}

void board_default_handler(void)
{
    semihost_write0("mps2: unexpected interrupt: stopping\n");
    semihost_exit(71);
}

uint32_t board_stack_size(void)
{
    return (uint32_t)((uintptr_t)&__stack_top__ - (uintptr_t)&__stack_bottom__);
}

uint32_t board_stack_used(void)
{
    const uint32_t *w = &__stack_bottom__;
    while (w < &__stack_top__ && *w == BOARD_STACK_PAINT)
        w++;
    return (uint32_t)((uintptr_t)&__stack_top__ - (uintptr_t)w);
}

void Reset_Handler(void)
{
    uint32_t *src = &__data_load__, *dst = &__data_start__;
    while (dst < &__data_end__)
        *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;)
        *dst++ = 0;
    /* Paint the stack below our own frame; board_stack_used() finds the deepest word that
     * lost the pattern. */
    uintptr_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (dst = &__stack_bottom__; (uintptr_t)dst < sp - 64u;)
        *dst++ = BOARD_STACK_PAINT;
    semihost_exit(main());
}
