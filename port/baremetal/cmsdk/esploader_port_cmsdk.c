/* CMSDK bare-metal port: APB UART + RX ring buffer, GPIO lines, SysTick clock. No protocol
 * logic lives here; see esploader_port_cmsdk.h and docs/porting.md. */
#include "esploader_port_cmsdk.h"

#include <stddef.h>

#define REG(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART (Arm DDI 0479, "APB UART"). */
#define UART_DATA(b)     REG((b) + 0x000u)
#define UART_STATE(b)    REG((b) + 0x004u)
#define UART_CTRL(b)     REG((b) + 0x008u)
#define UART_INTCLEAR(b) REG((b) + 0x00Cu)
#define UART_BAUDDIV(b)  REG((b) + 0x010u)
#define STATE_TXFULL     (1u << 0)
#define STATE_RXFULL     (1u << 1)
#define STATE_RXOVR      (1u << 3)
#define CTRL_TXEN        (1u << 0)
#define CTRL_RXEN        (1u << 1)
#define CTRL_RXINTEN     (1u << 3)
#define INT_RX           (1u << 1)

/* CMSDK AHB GPIO. Lines are driven open-drain style: the output latch holds 0, "assert"
 * enables the output (pin at 0 V), "release" disables it (Hi-Z, the pull-up wins). */
#define GPIO_DATAOUT(b)  REG((b) + 0x004u)
#define GPIO_OUTENSET(b) REG((b) + 0x010u)
#define GPIO_OUTENCLR(b) REG((b) + 0x014u)

/* Cortex-M system registers. */
#define SYST_CSR       REG(0xE000E010u)
#define SYST_RVR       REG(0xE000E014u)
#define SYST_CVR       REG(0xE000E018u)
#define SCB_ICSR       REG(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)
#define NVIC_ISER(n)   REG(0xE000E100u + 4u * (uint32_t)(n))
#define SYST_MAX       0x00FFFFFFu /* SysTick is a 24-bit down-counter */

/* CMSDK APB timer: only a 1 kHz wake-up for the waits below, its ticks are not counted. */
#define TIMER_CTRL(b)     REG((b) + 0x000u)
#define TIMER_RELOAD(b)   REG((b) + 0x008u)
#define TIMER_INTCLEAR(b) REG((b) + 0x00Cu)

#define RING_MASK    (ESPLOADER_CMSDK_RX_RING - 1u)
#define DEFAULT_BAUD 115200u

/* The clock: SysTick free-running over its whole 24-bit range (one wrap every 2^24 cycles,
 * 671 ms at 25 MHz), plus the count of wraps. Time is read from the counter itself, so it
 * stays right when interrupts are late: counting 1 ms tick interrupts does not (under QEMU on
 * a loaded host, late SysTick interrupts are merged and such a clock was measured running
 * ~30 % slow). The only global state of the port. */
static volatile uint32_t systick_wraps;
static uint32_t cycles_per_ms;
static uintptr_t wake_timer;

static inline void irq_off(void)
{
    __asm volatile("cpsid i" ::: "memory");
}

static inline void irq_on(void)
{
    __asm volatile("cpsie i" ::: "memory");
}

/* Sleep until an interrupt is pending. Called with interrupts masked, so an interrupt that
 * arrives between the caller's check and the wfi still ends the wait (it stays pending). */
static inline void wait_for_interrupt(void)
{
    __asm volatile("dsb\n\twfi" ::: "memory");
}

void esploader_cmsdk_clock_init(uint32_t cpu_hz, uintptr_t wake_timer_base, int wake_timer_irq)
{
    cycles_per_ms = cpu_hz / 1000u;
    systick_wraps = 0;
    SYST_RVR = SYST_MAX;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt on (wrap count), enabled */
    wake_timer = wake_timer_base;
    if (wake_timer_base) {
        TIMER_CTRL(wake_timer_base) = 0;
        TIMER_RELOAD(wake_timer_base) = cycles_per_ms - 1u;
        TIMER_INTCLEAR(wake_timer_base) = 1u;
        TIMER_CTRL(wake_timer_base) = 0x9u; /* enable, interrupt enable */
        NVIC_ISER((uint32_t)wake_timer_irq / 32u) = 1u << ((uint32_t)wake_timer_irq % 32u);
    }
}

void esploader_cmsdk_systick_isr(void)
{
    systick_wraps = systick_wraps + 1u;
}

void esploader_cmsdk_wake_timer_isr(void)
{
    TIMER_INTCLEAR(wake_timer) = 1u;
}

uint32_t esploader_cmsdk_millis(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask" : "=r"(primask));
    irq_off();
    uint32_t wraps = systick_wraps, left = SYST_CVR;
    if (SCB_ICSR & ICSR_PENDSTSET) { /* wrapped, handler not run yet */
        left = SYST_CVR;
        wraps++;
    }
    if (!primask)
        irq_on();
    uint64_t cycles = ((uint64_t)wraps << 24) + (SYST_MAX - left);
    return (uint32_t)(cycles / cycles_per_ms);
}

/* Move what the UART holds into the ring. Interrupts must be masked (or we are the ISR). */
static void drain_uart(esploader_cmsdk_port_t *p)
{
    uintptr_t b = p->cfg.uart_base;
    uint32_t state = UART_STATE(b);
    if (state & STATE_RXOVR) {
        UART_STATE(b) = STATE_RXOVR; /* write one to clear */
        p->overruns = p->overruns + 1u;
    }
    while (UART_STATE(b) & STATE_RXFULL) {
        uint32_t head = p->head;
        if (head - p->tail >= ESPLOADER_CMSDK_RX_RING) {
            /* Ring full: leave the byte in the UART and stop taking interrupts until read()
             * has made room (on QEMU the socket then simply waits; on silicon a byte that
             * arrives meanwhile sets the overrun flag, which read() reports). */
            UART_CTRL(b) = UART_CTRL(b) & ~CTRL_RXINTEN;
            return;
        }
        p->ring[head & RING_MASK] = (uint8_t)UART_DATA(b);
        p->head = head + 1u;
    }
}

void esploader_cmsdk_uart_isr(esploader_cmsdk_port_t *p)
{
    UART_INTCLEAR(p->cfg.uart_base) = INT_RX;
    drain_uart(p);
}

static int32_t cmsdk_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    esploader_cmsdk_port_t *p = ctx;
    uintptr_t b = p->cfg.uart_base;
    uint32_t t0 = esploader_cmsdk_millis();
    for (size_t i = 0; i < len; i++) {
        /* One-byte transmit holding register: wait for it to empty, within the deadline. */
        while (UART_STATE(b) & STATE_TXFULL) {
            if (esploader_cmsdk_millis() - t0 >= timeout_ms)
                return ESPLOADER_ERR_TIMEOUT;
        }
        UART_DATA(b) = data[i];
    }
    return 0;
}

static int32_t cmsdk_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    esploader_cmsdk_port_t *p = ctx;
    uintptr_t b = p->cfg.uart_base;
    uint32_t t0 = esploader_cmsdk_millis();
    for (;;) {
        irq_off();
        drain_uart(p); /* also picks up a byte left while the ring was full */
        uint32_t tail = p->tail, avail = p->head - tail;
        if (avail) {
            uint32_t n = avail < len ? avail : (uint32_t)len;
            for (uint32_t i = 0; i < n; i++)
                buf[i] = p->ring[(tail + i) & RING_MASK];
            p->tail = tail + n;
            UART_CTRL(b) = UART_CTRL(b) | CTRL_RXINTEN; /* room again */
            irq_on();
            return (int32_t)n;
        }
        if (p->overruns) {
            p->overruns = 0;
            irq_on();
            return ESPLOADER_ERR_IO; /* bytes were lost on the wire */
        }
        if (esploader_cmsdk_millis() - t0 >= timeout_ms) {
            irq_on();
            return 0;
        }
        wait_for_interrupt(); /* the next byte, or the next SysTick */
        irq_on();
    }
}

static int32_t cmsdk_set_lines(void *ctx, int dtr, int rts)
{
    esploader_cmsdk_port_t *p = ctx;
    uintptr_t g = p->cfg.gpio_base;
    if (!g)
        return ESPLOADER_ERR_UNSUPPORTED;
    /* dtr = BOOT (IO0), rts = RESET (EN), both active low. Lines that change the same way
     * change in one register write. */
    uint32_t set = 0, clr = 0;
    if (dtr == ESPLOADER_LINE_ASSERT)
        set |= 1u << p->cfg.boot_pin;
    else if (dtr == ESPLOADER_LINE_RELEASE)
        clr |= 1u << p->cfg.boot_pin;
    if (rts == ESPLOADER_LINE_ASSERT)
        set |= 1u << p->cfg.reset_pin;
    else if (rts == ESPLOADER_LINE_RELEASE)
        clr |= 1u << p->cfg.reset_pin;
    if (clr)
        GPIO_OUTENCLR(g) = clr;
    if (set)
        GPIO_OUTENSET(g) = set;
    return 0;
}

static int32_t cmsdk_set_baudrate(void *ctx, uint32_t baud)
{
    esploader_cmsdk_port_t *p = ctx;
    if (baud == 0 || p->cfg.pclk_hz / baud < 16u)
        return ESPLOADER_ERR_INVALID_ARG; /* the CMSDK UART needs BAUDDIV >= 16 */
    UART_BAUDDIV(p->cfg.uart_base) = (p->cfg.pclk_hz + baud / 2u) / baud;
    return 0;
}

static void cmsdk_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    uint32_t t0 = esploader_cmsdk_millis();
    while (esploader_cmsdk_millis() - t0 < ms)
        wait_for_interrupt(); /* the wake-up timer ends it within a millisecond */
}

static uint32_t cmsdk_now_ms(void *ctx)
{
    (void)ctx;
    return esploader_cmsdk_millis();
}

const esploader_port_ops_t esploader_cmsdk_ops = {
    .write = cmsdk_write,
    .read = cmsdk_read,
    .set_lines = cmsdk_set_lines,
    .set_baudrate = cmsdk_set_baudrate,
    .delay_ms = cmsdk_delay_ms,
    .now_ms = cmsdk_now_ms,
};

int esploader_cmsdk_init(esploader_cmsdk_port_t *p, const esploader_cmsdk_config_t *cfg)
{
    if (!p || !cfg || !cfg->uart_base || cfg->uart_rx_irq < 0 || cfg->boot_pin > 15 ||
        cfg->reset_pin > 15)
        return ESPLOADER_ERR_INVALID_ARG;
    p->cfg = *cfg;
    if (p->cfg.baud == 0)
        p->cfg.baud = DEFAULT_BAUD;
    p->head = p->tail = 0;
    p->overruns = 0;
    uintptr_t b = p->cfg.uart_base;
    UART_CTRL(b) = 0;
    if (cmsdk_set_baudrate(p, p->cfg.baud) != 0)
        return ESPLOADER_ERR_INVALID_ARG;
    UART_STATE(b) = STATE_RXOVR;
    UART_INTCLEAR(b) = 0xFu;
    UART_CTRL(b) = CTRL_TXEN | CTRL_RXEN | CTRL_RXINTEN;
    NVIC_ISER((uint32_t)p->cfg.uart_rx_irq / 32u) = 1u << ((uint32_t)p->cfg.uart_rx_irq % 32u);
    if (p->cfg.gpio_base) {
        uint32_t pins = 1u << p->cfg.boot_pin | 1u << p->cfg.reset_pin;
        GPIO_OUTENCLR(p->cfg.gpio_base) = pins; /* released: Hi-Z */
        GPIO_DATAOUT(p->cfg.gpio_base) = GPIO_DATAOUT(p->cfg.gpio_base) & ~pins;
    }
    return 0;
}
