/*
 * Bare-metal Cortex-M4 benchmark of the core's deflate compressor, for QEMU's mps2-an386 board
 * run with -icount shift=0 (every instruction advances virtual time by 1 ns). The files named
 * by the host (semihosting command line) are read in 4 KB chunks through ARM semihosting and
 * compressed into a 256-byte output buffer; only the esploader_deflate() calls are timed, with
 * SysTick on the 25 MHz CPU clock QEMU gives the board, so one tick = 40 instructions.
 * Prints, per file: size, compressed size, an FNV-1a hash of the compressed stream (equal to
 * the host's for the same input: the output does not depend on chunking or CPU), and
 * instructions per KB of input.
 */
#include <stddef.h>
#include <stdint.h>

#include "esploader/esploader_deflate.h"

#define SYST_CSR    (*(volatile uint32_t *)0xe000e010u)
#define SYST_RVR    (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR    (*(volatile uint32_t *)0xe000e018u)
#define NS_PER_TICK 40u /* 25 MHz SysTick clock; 1 ns per instruction under -icount shift=0 */

extern uint32_t _etext, _sdata, _edata, _sbss, _ebss, _stack_top;
int main(void);

static volatile uint32_t systick_wraps;

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void put(const char *s)
{
    semihost(0x04, s); /* SYS_WRITE0 */
}

static void put_u(unsigned long v)
{
    char b[24], *p = b + sizeof(b) - 1;
    *p = 0;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(p);
}

static void put_hex(uint32_t v)
{
    char b[9];
    for (int i = 7; i >= 0; i--, v >>= 4)
        b[i] = "0123456789abcdef"[v & 15];
    b[8] = 0;
    put(b);
}

static void exit_qemu(int code)
{
    uint32_t args[2] = {0x20026u, (uint32_t)code}; /* ADP_Stopped_ApplicationExit */
    semihost(0x20, args);                          /* SYS_EXIT_EXTENDED */
    for (;;)
        ;
}

void reset_handler(void);
void reset_handler(void)
{
    uint32_t *src = &_etext, *dst = &_sdata;
    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    *(volatile uint32_t *)0xe000ed88u |= 0xfu << 20; /* CPACR: FPU on (harmless, unused) */
    exit_qemu(main());
}

void systick_handler(void);
void systick_handler(void)
{
    systick_wraps++;
}

static void fault_handler(void)
{
    put("fault\n");
    exit_qemu(3);
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &_stack_top,
    (void *)reset_handler,
    (void *)fault_handler,
    (void *)fault_handler,
    (void *)fault_handler,
    (void *)fault_handler,
    (void *)fault_handler,
    0,
    0,
    0,
    0,
    (void *)fault_handler,
    (void *)fault_handler,
    0,
    (void *)fault_handler,
    (void *)systick_handler};

/* Monotonic SysTick count (24-bit down-counter + wrap interrupts). */
static uint64_t ticks(void)
{
    uint32_t w, v;
    do {
        w = systick_wraps;
        v = SYST_CVR;
    } while (w != systick_wraps);
    return (uint64_t)w * 0x1000000u + (0xffffffu - v);
}

static esploader_deflate_t z;
static uint8_t in[4096], out[256], cmdline[512];

static unsigned long bench_file(const char *path, unsigned chain)
{
    uint32_t open_args[3] = {(uint32_t)path, 0 /* "r" */, 0};
    uint32_t hash = 2166136261u;
    unsigned long total_in = 0, total_out = 0;
    uint64_t spent = 0;
    int fd, rc = ESPLOADER_DEFLATE_MORE, eof = 0;
    size_t have = 0, off = 0;

    while (path[open_args[2]])
        open_args[2]++;
    fd = semihost(0x01, open_args); /* SYS_OPEN */
    if (fd < 0) {
        put("cannot open ");
        put(path);
        put("\n");
        return 0;
    }
    esploader_deflate_init(&z, chain);
    while (rc != ESPLOADER_DEFLATE_DONE) {
        size_t il, ol = sizeof(out);
        uint64_t t0;
        if (off == have && !eof) {
            uint32_t rd[3] = {(uint32_t)fd, (uint32_t)in, sizeof(in)};
            int left = semihost(0x06, rd); /* SYS_READ: bytes NOT read */
            have = sizeof(in) - (size_t)left;
            off = 0;
            eof = have == 0;
        }
        il = have - off;
        t0 = ticks();
        rc = esploader_deflate(&z, in + off, &il, out, &ol, eof);
        spent += ticks() - t0;
        off += il;
        total_in += il;
        total_out += ol;
        for (size_t i = 0; i < ol; i++)
            hash = (hash ^ out[i]) * 16777619u;
    }
    semihost(0x02, &fd); /* SYS_CLOSE */
    put(path);
    put(" chain ");
    put_u(chain ? chain : ESPLOADER_DEFLATE_CHAIN_DEFAULT);
    put(": ");
    put_u(total_in);
    put(" -> ");
    put_u(total_out);
    put(" B, fnv ");
    put_hex(hash);
    put(", ");
    put_u((unsigned long)(spent * NS_PER_TICK * 1024u / (total_in ? total_in : 1)));
    put(" instructions/KB\n");
    return total_in;
}

/* Calibration: 2 x 1,000,000 instructions (subs + bne) measured the same way. */
static void calibrate(void)
{
    uint32_t n = 1000000u;
    uint64_t t0 = ticks();
    __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
    put("calibration: 2000000 instructions measured as ");
    put_u((unsigned long)((ticks() - t0) * NS_PER_TICK));
    put("\n");
}

int main(void)
{
    uint32_t args[2] = {(uint32_t)cmdline, sizeof(cmdline) - 1};
    char *p, *path;
    unsigned chain = 0;

    SYST_RVR = 0xffffffu;
    SYST_CVR = 0;
    SYST_CSR = 7;         /* CPU clock, interrupt, enable */
    while (SYST_CVR == 0) /* until the first reload */
        ;
    calibrate();
    if (semihost(0x15, args) != 0) { /* SYS_GET_CMDLINE */
        put("no command line\n");
        return 1;
    }
    cmdline[args[1]] = 0;
    /* argv[0] is the kernel; then [-cN] file... */
    for (p = (char *)cmdline; *p && *p != ' '; p++)
        ;
    while (*p) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        path = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
        if (path[0] == '-' && path[1] == 'c') {
            chain = 0;
            for (char *q = path + 2; *q; q++)
                chain = chain * 10 + (unsigned)(*q - '0');
            continue;
        }
        bench_file(path, chain);
    }
    return 0;
}
