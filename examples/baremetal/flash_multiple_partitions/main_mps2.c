/*
 * The flash_multiple_partitions example as Cortex-M4 firmware on QEMU's mps2-an386 board.
 *
 *   console      UART0 (QEMU's first -serial), polled
 *   target link  UART1 (QEMU's second -serial: a -chardev socket to esploader-sim), through
 *                the CMSDK port (port/baremetal/cmsdk): RX interrupt + ring buffer, SysTick
 *                clock, APB timer 0 as the 1 kHz wake-up
 *   reset lines  GPIO0 pins 0 (BOOT) and 1 (RESET); QEMU does not model them, so the sim is
 *                started in download mode
 *   binaries     host files through Arm semihosting: <binaries>/<TARGET>/{bootloader,
 *                partition-table,app}.bin
 *
 * Options come from the semihosting command line (QEMU -append "..."):
 *   --binaries DIR   the folder with one sub-folder per target (default "binaries")
 *   --baud N         baud after connecting (default 921600; the ESP8266 ROM stays at 115200)
 *   --chip NAME      the expected target (default: whatever is detected)
 *   --stub           upload the flasher stub first (only if the build generated the stubs)
 *   --compress       compress on the MCU with the core's deflate (FLASH_DEFL_*) through the
 *                    write pipeline's compressor interface; the files stay raw
 *
 * The flow is examples/flash_multiple_partitions/flash_flow.c, unchanged (it writes through the
 * library's write pipeline, esploader_flash_write_job()). At the end the
 * firmware prints "mcu: ..." lines for scripts/mcu-demo.sh (stack high-water mark, result)
 * and exits QEMU through semihosting with 0 on success.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binaries_semihost.h"
#include "board.h"
#include "esploader/esploader_deflate.h"
#include "esploader/esploader.h"
#include "esploader_port_cmsdk.h"
#include "flash_flow.h"
#include "fw_stubs.h"
#include "semihost.h"

#define CONSOLE_UART BOARD_UART0

static esploader_cmsdk_port_t g_link; /* the ISR needs to find it */

void SysTick_Handler(void)
{
    esploader_cmsdk_systick_isr();
}

void TIMER0_Handler(void)
{
    esploader_cmsdk_wake_timer_isr();
}

void UART1_RX_Handler(void)
{
    esploader_cmsdk_uart_isr(&g_link);
}

static void console_init(void)
{
    volatile uint32_t *u = (volatile uint32_t *)CONSOLE_UART;
    u[4] = BOARD_CPU_HZ / 115200u; /* BAUDDIV */
    u[2] = 1u;                     /* CTRL: TX enable */
}

static void console_write(const char *s, size_t n)
{
    volatile uint32_t *u = (volatile uint32_t *)CONSOLE_UART;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            while (u[1] & 1u) {
            }
            u[0] = '\r';
        }
        while (u[1] & 1u) { /* STATE.TXFULL */
        }
        u[0] = (uint8_t)s[i];
    }
}

static void console_vprintf(const char *fmt, va_list ap)
{
    char line[200];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void console_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    console_vprintf(fmt, ap);
    va_end(ap);
}

/* The flow's log hook, ESP-IDF style: "I (ms) example: ...". */
static void flow_log(void *user, char level, const char *fmt, va_list ap)
{
    (void)user;
    console_printf("%c (%lu) example: ", level, (unsigned long)esploader_cmsdk_millis());
    console_vprintf(fmt, ap);
    console_write("\n", 1);
}

static uint32_t flow_now(void *user)
{
    (void)user;
    return esploader_cmsdk_millis();
}

/* The library's own log (warnings and errors at the firmware's log level). */
static void lib_log(void *user, esploader_log_level_t level, const char *msg, int32_t value)
{
    (void)user;
    console_printf("%c (%lu) esploader: %s (%ld)\n", level <= ESPLOADER_LOG_ERROR ? 'E' : 'W',
                   (unsigned long)esploader_cmsdk_millis(), msg, (long)value);
}

typedef struct options {
    const char *binaries;
    uint32_t baud;
    esploader_chip_t chip;
    int stub;
    int compress;
} options_t;

static char g_cmdline[512];

static int parse_options(options_t *o)
{
    o->binaries = "binaries";
    o->baud = 921600;
    o->chip = ESPLOADER_CHIP_AUTO;
    o->stub = 0;
    o->compress = 0;
    if (semihost_cmdline(g_cmdline, sizeof g_cmdline) != 0)
        return 0; /* no command line: defaults */
    char *argv[16];
    int argc = 0;
    for (char *p = g_cmdline; *p && argc < 16;) {
        while (*p == ' ')
            *p++ = '\0';
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
    }
    for (int i = 1; i < argc; i++) { /* argv[0] is the kernel file name */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--stub")) {
            o->stub = 1;
        } else if (!strcmp(a, "--compress")) {
            o->compress = 1;
        } else if (v && !strcmp(a, "--binaries")) {
            o->binaries = v;
            i++;
        } else if (v && !strcmp(a, "--baud")) {
            o->baud = 0;
            for (const char *d = v; *d >= '0' && *d <= '9'; d++)
                o->baud = o->baud * 10u + (uint32_t)(*d - '0');
            i++;
        } else if (v && !strcmp(a, "--chip")) {
            o->chip = esploader_chip_from_name(v);
            i++;
        } else {
            console_printf("E (0) mcu: unknown option '%s'\n", a);
            return -1;
        }
    }
    return 0;
}

/* Stub mode: connect, upload the stub, then let the flow connect again (no reset: a SYNC finds
 * the stub running and the library switches to its conventions). */
static int start_stub(esploader_t *l, const esploader_config_t *cfg, esploader_config_t *flow_cfg)
{
    int err = esploader_init(l, cfg);
    if (err == ESPLOADER_OK)
        err = esploader_connect(l);
    if (err != ESPLOADER_OK) {
        console_printf("E (%lu) mcu: connect for the stub upload failed: %s\n",
                       (unsigned long)esploader_cmsdk_millis(), esploader_strerror(err));
        return err;
    }
    const esploader_stub_t *stub = fw_stub_for(esploader_get_target(l));
    if (!stub) {
        console_printf("E (%lu) mcu: this firmware has no flasher stub for the target\n",
                       (unsigned long)esploader_cmsdk_millis());
        return ESPLOADER_ERR_UNSUPPORTED;
    }
    uint32_t t0 = esploader_cmsdk_millis();
    err = esploader_run_stub(l, stub);
    if (err != ESPLOADER_OK) {
        console_printf("E (%lu) mcu: stub upload failed: %s\n",
                       (unsigned long)esploader_cmsdk_millis(), esploader_strerror(err));
        return err;
    }
    console_printf("I (%lu) mcu: flasher stub running (%lu B uploaded in %lu ms)\n",
                   (unsigned long)esploader_cmsdk_millis(),
                   (unsigned long)(stub->text_size + stub->data_size),
                   (unsigned long)(esploader_cmsdk_millis() - t0));
    *flow_cfg = *cfg;
    flow_cfg->before = ESPLOADER_BEFORE_NO_RESET;
    return ESPLOADER_OK;
}

int main(void)
{
    static semihost_store_t store;
    static esploader_t loader;
    static example_flow_t flow;
#if FW_FLOW_HAS_COMPRESSOR
    static esploader_deflate_t deflate_state;
    static esploader_compressor_t compressor;
#endif
    options_t opt;

    console_init();
    esploader_cmsdk_clock_init(BOARD_CPU_HZ, BOARD_TIMER0, BOARD_TIMER0_IRQ);
    console_printf("I (0) mcu: libesploader firmware on mps2-an386 (Cortex-M4, %lu MHz)\n",
                   (unsigned long)(BOARD_CPU_HZ / 1000000u));
    if (parse_options(&opt) != 0)
        return 2;

    const esploader_cmsdk_config_t link = {
        .uart_base = BOARD_UART1,
        .uart_rx_irq = BOARD_UART1_RX_IRQ,
        .pclk_hz = BOARD_CPU_HZ,
        .baud = 115200,
        .gpio_base = BOARD_GPIO0,
        .boot_pin = 0,
        .reset_pin = 1,
    };
    if (esploader_cmsdk_init(&g_link, &link) != 0) {
        console_printf("E (0) mcu: UART1 set-up failed\n");
        return 1;
    }
    __asm volatile("cpsie i" ::: "memory");

    esploader_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.port = &esploader_cmsdk_ops;
    cfg.port_ctx = &g_link;
    cfg.chip = opt.chip;
    cfg.log = lib_log;
    esploader_config_t flow_cfg = cfg;

    int rc = 0;
    if (opt.stub && start_stub(&loader, &cfg, &flow_cfg) != ESPLOADER_OK)
        rc = 1;
    if (rc == 0 && esploader_init(&loader, &flow_cfg) != ESPLOADER_OK)
        rc = 1;
    if (rc == 0) {
        semihost_store_init(&store, opt.binaries);
        flow.loader = &loader;
        flow.store = &store.store;
        flow.target = opt.chip;
        flow.baud = opt.baud;
        flow.log = flow_log;
        flow.now_ms = flow_now;
        flow.read_back = NULL; /* the ESP8266 ROM cannot read flash: the script checks it */
        if (opt.compress) {
#if FW_FLOW_HAS_COMPRESSOR
            esploader_deflate_compressor(&compressor, &deflate_state, 0);
            flow.compressor = &compressor;
            console_printf("I (%lu) mcu: compressing on the MCU (core deflate, %lu B state)\n",
                           (unsigned long)esploader_cmsdk_millis(),
                           (unsigned long)sizeof deflate_state);
#else
            console_printf("E (0) mcu: --compress: this flow_flow.c has no compressor hook\n");
            return 2;
#endif
        }
        uint32_t t0 = esploader_cmsdk_millis();
        rc = example_flow_run(&flow);
        console_printf("I (%lu) mcu: flow %s in %lu ms (firmware clock)\n",
                       (unsigned long)esploader_cmsdk_millis(), rc == 0 ? "done" : "FAILED",
                       (unsigned long)(esploader_cmsdk_millis() - t0));
    }
    console_printf("I (%lu) mcu: stack high-water mark: %lu B of %lu B\n",
                   (unsigned long)esploader_cmsdk_millis(), (unsigned long)board_stack_used(),
                   (unsigned long)board_stack_size());
    console_printf("I (%lu) mcu: uart1 overruns: %lu\n", (unsigned long)esploader_cmsdk_millis(),
                   (unsigned long)g_link.overruns);
    console_printf("I (%lu) mcu: exit %d\n", (unsigned long)esploader_cmsdk_millis(),
                   rc == 0 ? 0 : 1);
    return rc == 0 ? 0 : 1;
}
