/*
 * The esploader-sim program as a separate process, over each front-end: the ready line and
 * port file, SYNC answered with 8 replies over raw TCP and a PTY, a fresh chip per TCP
 * connection, the RFC2217 negotiation, esptool's ClassicReset order giving the download
 * banner, an RTS pulse giving a normal boot, garbage survived, option errors, SIGTERM.
 *
 * usage: test_simlink_app PATH-TO-esploader-sim
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *sim_path;
/* The simulator a test started, killed by the teardown if an assertion cut the test short. */
static pid_t running_pid = -1;

typedef struct proc {
    pid_t pid;
    int out_fd; /* the child's stdout */
    char line[512];
    char dir[64];
} proc_t;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Start the simulator with extra arguments; wait for its ready line. */
static void start_sim(proc_t *p, const char *const *args)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->dir, "/tmp/simlink-app-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    char portfile[128];
    snprintf(portfile, sizeof(portfile), "%s/port", p->dir);

    const char *argv[32];
    int n = 0;
    argv[n++] = sim_path;
    argv[n++] = "--quiet";
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    for (int i = 0; args[i] != NULL && n < 30; i++) {
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(sim_path, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    p->out_fd = pfd[0];
    running_pid = p->pid;

    size_t len = 0;
    uint64_t end = now_ms() + 5000;
    while (strchr(p->line, '\n') == NULL && now_ms() < end) {
        struct pollfd q = {p->out_fd, POLLIN, 0};
        if (poll(&q, 1, 100) > 0) {
            ssize_t r = read(p->out_fd, p->line + len, sizeof(p->line) - 1 - len);
            if (r <= 0) {
                break;
            }
            len += (size_t)r;
            p->line[len] = '\0';
        }
    }
    char *nl = strchr(p->line, '\n');
    assert_non_null(nl);
    *nl = '\0';

    /* The port file holds the same endpoint as the ready line. */
    char file[300] = {0};
    FILE *f = fopen(portfile, "r");
    assert_non_null(f);
    assert_non_null(fgets(file, sizeof(file), f));
    fclose(f);
    file[strcspn(file, "\n")] = '\0';
    const char *on = strstr(p->line, " listening on ");
    assert_non_null(on);
    assert_string_equal(on + strlen(" listening on "), file);
}

static const char *endpoint(const proc_t *p)
{
    return strstr(p->line, " listening on ") + strlen(" listening on ");
}

/* SIGTERM, and the exit status (expect a clean 0 within 3 s). */
static int stop_sim(proc_t *p)
{
    running_pid = -1;
    kill(p->pid, SIGTERM);
    int st = -1;
    uint64_t end = now_ms() + 3000;
    while (now_ms() < end) {
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid) {
            break;
        }
        sleep_ms(10);
    }
    if (waitpid(p->pid, &st, WNOHANG) == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &st, 0);
        close(p->out_fd);
        return -1;
    }
    close(p->out_fd);
    char path[128];
    snprintf(path, sizeof(path), "%s/port", p->dir);
    unlink(path);
    rmdir(p->dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int connect_tcp(const char *ep, const char *scheme)
{
    char host[64];
    unsigned port = 0;
    char fmt[32];
    snprintf(fmt, sizeof(fmt), "%s:%%63[0-9.]:%%u", scheme);
    assert_int_equal(sscanf(ep, fmt, host, &port), 2);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET, host, &a.sin_addr), 1);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void write_all(int fd, const uint8_t *d, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, d, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        assert_true(w > 0);
        d += w;
        n -= (size_t)w;
    }
}

/* Read whatever arrives within ms (appending, up to cap). */
static size_t read_for(int fd, uint8_t *buf, size_t have, size_t cap, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    while (have < cap) {
        uint64_t t = now_ms();
        if (t >= end) {
            break;
        }
        struct pollfd q = {fd, POLLIN, 0};
        if (poll(&q, 1, (int)(end - t)) <= 0) {
            break;
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r <= 0) {
            break;
        }
        have += (size_t)r;
    }
    return have;
}

/* SYNC: 8-byte header, 07 07 12 20, 32 x 0x55 (docs/protocol.md §5.1), SLIP-framed. */
static const uint8_t sync_frame[] = {
    0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, 0x12, 0x20, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xC0};

/* Count SLIP frames that are SYNC responses (direction 1, opcode 8) in a byte stream that
 * may also hold text (boot banners). */
static int count_sync_replies(const uint8_t *b, size_t n)
{
    int count = 0;
    bool in = false;
    uint8_t fr[64];
    size_t fl = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0xC0) {
            if (in && fl >= 8 && fr[0] == 0x01 && fr[1] == 0x08) {
                count++;
            }
            in = true;
            fl = 0;
        } else if (in && fl < sizeof(fr)) {
            fr[fl++] = b[i];
        }
    }
    return count;
}

/* Send SYNC until 8 replies come back to one of them (up to `tries`). */
static bool sync_works(int fd, int tries)
{
    for (int i = 0; i < tries; i++) {
        uint8_t buf[4096];
        write_all(fd, sync_frame, sizeof(sync_frame));
        size_t n = read_for(fd, buf, 0, sizeof(buf), 300);
        int c = count_sync_replies(buf, n);
        /* 8 per SYNC; a late answer to an earlier try may come along. */
        if (c >= 8 && c % 8 == 0) {
            return true;
        }
    }
    return false;
}

static bool contains(const uint8_t *b, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(b + i, s, k) == 0) {
            return true;
        }
    }
    return false;
}

static void test_tcp_sync_and_reconnect(void **state)
{
    (void)state;
    proc_t p;
    const char *args[] = {"--chip", "esp32", "--listen", "tcp:127.0.0.1:0", NULL};
    start_sim(&p, args);
    assert_non_null(strstr(p.line, "esploader-sim: ESP32 listening on tcp:127.0.0.1:"));

    int fd = connect_tcp(endpoint(&p), "tcp");
    uint8_t buf[8192];
    write_all(fd, sync_frame, sizeof(sync_frame));
    size_t n = read_for(fd, buf, 0, sizeof(buf), 500);
    /* Exactly 8 identical replies and no boot banner (the chip "booted before we came"). */
    assert_int_equal(count_sync_replies(buf, n), 8);
    assert_int_equal(buf[0], 0xC0);
    assert_int_equal(n, 8 * 14);
    close(fd);

    /* A new connection is a new chip session and works the same. */
    fd = connect_tcp(endpoint(&p), "tcp");
    assert_true(sync_works(fd, 1));

    /* Garbage does not kill it; after it, SYNC works again. (2 KB: at 115200 baud the chip
     * needs 0.18 s to receive it, and a SYNC sent behind it waits that long.) */
    uint32_t x = 1;
    for (int i = 0; i < 2; i++) {
        uint8_t junk[1024];
        for (size_t j = 0; j < sizeof(junk); j++) {
            x = x * 1664525u + 1013904223u;
            junk[j] = (uint8_t)(x >> 24);
        }
        write_all(fd, junk, sizeof(junk));
    }
    n = read_for(fd, buf, 0, sizeof(buf), 300); /* whatever it answered to the junk */
    (void)n;
    const uint8_t ends[2] = {0xC0, 0xC0};
    write_all(fd, ends, 2);
    assert_true(sync_works(fd, 5));
    close(fd);

    /* One client at a time: a second connection waits until the first one leaves. */
    int first = connect_tcp(endpoint(&p), "tcp");
    assert_true(sync_works(first, 2));
    int second = connect_tcp(endpoint(&p), "tcp");
    write_all(second, sync_frame, sizeof(sync_frame));
    n = read_for(second, buf, 0, sizeof(buf), 300);
    assert_int_equal(n, 0);
    close(first);
    assert_true(sync_works(second, 3)); /* now served, by a freshly reset chip */
    close(second);
    assert_int_equal(stop_sim(&p), 0);
}

/* Count response frames with opcode op and status byte 0 == 0. */
static int count_ok_replies(const uint8_t *b, size_t n, uint8_t op)
{
    int count = 0;
    bool in = false;
    uint8_t fr[64];
    size_t fl = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0xC0) {
            if (in && fl >= 10 && fr[0] == 0x01 && fr[1] == op && fr[8] == 0) {
                count++;
            }
            in = true;
            fl = 0;
        } else if (in && fl < sizeof(fr)) {
            fr[fl++] = b[i];
        }
    }
    return count;
}

static void test_tcp_baud_change_is_transparent(void **state)
{
    (void)state;
    proc_t p;
    const char *args[] = {"--chip", "esp32c3", "--listen", "tcp:127.0.0.1:0", NULL};
    start_sim(&p, args);
    int fd = connect_tcp(endpoint(&p), "tcp");
    assert_true(sync_works(fd, 2));
    /* CHANGE_BAUDRATE(921600, 0): the reply comes at the old rate and must arrive intact;
     * afterwards the chip runs at 921600 and, over TCP, so does the "host". */
    const uint8_t cb[] = {0xC0, 0x00, 0x0F, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
                          0x00, 0x10, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0};
    write_all(fd, cb, sizeof(cb));
    uint8_t buf[4096];
    size_t n = read_for(fd, buf, 0, sizeof(buf), 300);
    assert_int_equal(count_ok_replies(buf, n, 0x0F), 1);
    assert_true(sync_works(fd, 2));
    close(fd);
    assert_int_equal(stop_sim(&p), 0);
}

static void test_tcp_esp8266_autobauds(void **state)
{
    (void)state;
    proc_t p;
    /* The ESP8266 boots at 74880 baud; the ROM adopts the host's 115200 from the SYNC. */
    const char *args[] = {"--chip", "esp8266", "--listen", "tcp:127.0.0.1:0", NULL};
    start_sim(&p, args);
    assert_non_null(strstr(p.line, "ESP8266 listening on tcp:"));
    int fd = connect_tcp(endpoint(&p), "tcp");
    assert_true(sync_works(fd, 3));
    close(fd);
    assert_int_equal(stop_sim(&p), 0);
}

/* CPU time (user + system, in clock ticks) the process has used so far. */
static long cpu_ticks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the ")" closing the command name: state is field 3, utime 14, stime 15. */
    const char *p = strrchr(buf, ')');
    if (p == NULL) {
        return -1;
    }
    unsigned long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
        return -1;
    }
    return (long)(ut + st);
}

#define SLOW_SYNCS 8000

static void test_tcp_no_busy_wait_on_slow_client(void **state)
{
    (void)state;
    long hz = sysconf(_SC_CLK_TCK);
    proc_t p;
    const char *args[] = {"--chip", "esp32", "--no-timing", "--listen", "tcp:127.0.0.1:0", NULL};
    start_sim(&p, args);
    /* Idle with no client: the loop sleeps. */
    long t0 = cpu_ticks(p.pid);
    assert_true(t0 >= 0);
    sleep_ms(500);
    assert_true(cpu_ticks(p.pid) - t0 <= hz / 10);

    /* A client that sends many SYNCs and reads nothing for a while: the answers (more than
     * the kernel's socket buffers hold) back up in the simulator, which must wait for the
     * socket, not spin. */
    int fd = connect_tcp(endpoint(&p), "tcp");
    for (int i = 0; i < SLOW_SYNCS; i++) {
        write_all(fd, sync_frame, sizeof(sync_frame));
    }
    sleep_ms(1000); /* let it take in the input (slow under sanitizers on a busy machine) */
    t0 = cpu_ticks(p.pid);
    sleep_ms(1000);
    assert_true(cpu_ticks(p.pid) - t0 <= hz / 5);

    /* Nothing was lost meanwhile. */
    static uint8_t big[SLOW_SYNCS * 8 * 14 + 1024];
    size_t n = 0;
    uint64_t end = now_ms() + 10000;
    while (n < SLOW_SYNCS * 8u * 14u && now_ms() < end) {
        n = read_for(fd, big, n, sizeof(big), 200);
    }
    assert_int_equal(n, SLOW_SYNCS * 8 * 14);
    assert_int_equal(count_sync_replies(big, n), SLOW_SYNCS * 8);
    close(fd);
    assert_int_equal(stop_sim(&p), 0);
}

static void test_pty_sync_and_reopen(void **state)
{
    (void)state;
    proc_t p;
    const char *args[] = {"--chip", "esp32c3", "--listen", "pty", NULL};
    start_sim(&p, args);
    const char *ep = endpoint(&p);
    assert_memory_equal(ep, "pty:/dev/", 9);
    const char *path = ep + 4;

    for (int round = 0; round < 2; round++) {
        int fd = open(path, O_RDWR | O_NOCTTY);
        assert_true(fd >= 0);
        /* Round 0 sets nothing (like cat or a shell redirect): the simulator's own raw mode
         * must do. Round 1 sets raw mode itself, as serial tools do. */
        if (round == 1) {
            struct termios t;
            assert_int_equal(tcgetattr(fd, &t), 0);
            cfmakeraw(&t);
            tcsetattr(fd, TCSANOW, &t);
        }
        assert_true(sync_works(fd, 3));
        close(fd);
        sleep_ms(100); /* the simulator notices the hang-up */
    }
    assert_int_equal(stop_sim(&p), 0);
}

/* RFC2217 helpers */
static void rfc_control(int fd, uint8_t v)
{
    const uint8_t m[] = {255, 250, 44, 5, v, 255, 240};
    write_all(fd, m, sizeof(m));
}

/* Strip telnet commands from a server stream: returns the data length, sets *saw_do_com
 * when IAC DO COM-PORT came, and counts SET-CONTROL answers. */
static size_t rfc_strip(const uint8_t *in, size_t n, uint8_t *out, bool *saw_do_com,
                        int *control_answers)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != 255) {
            out[k++] = in[i];
            continue;
        }
        if (i + 1 >= n) {
            break;
        }
        uint8_t c = in[i + 1];
        if (c == 255) {
            out[k++] = 255;
            i++;
        } else if (c >= 251 && c <= 254 && i + 2 < n) {
            if (c == 253 && in[i + 2] == 44) {
                *saw_do_com = true;
            }
            i += 2;
        } else if (c == 250) {
            if (i + 3 < n && in[i + 2] == 44 && in[i + 3] == 105) {
                (*control_answers)++;
            }
            size_t j = i + 2;
            while (j + 1 < n && !(in[j] == 255 && in[j + 1] == 240)) {
                j++;
            }
            i = j + 1;
        } else {
            i++;
        }
    }
    return k;
}

static void test_rfc2217_reset_patterns(void **state)
{
    (void)state;
    proc_t p;
    const char *args[] = {"--chip", "esp32", "--listen", "rfc2217:127.0.0.1:0", NULL};
    start_sim(&p, args);
    int fd = connect_tcp(endpoint(&p), "rfc2217");

    /* Negotiate as a COM-PORT client and set 115200 8N1. */
    const uint8_t hello[] = {255, 251, 44,  255, 251, 0, 255,  253,  0,    255,  251, 3,  255,
                             253, 3,   255, 250, 44,  1, 0x00, 0x01, 0xC2, 0x00, 255, 240};
    write_all(fd, hello, sizeof(hello));
    uint8_t raw[16384], data[16384];
    size_t n = read_for(fd, raw, 0, sizeof(raw), 300);
    bool do_com = false;
    int answers = 0;
    rfc_strip(raw, n, data, &do_com, &answers);
    assert_true(do_com);
    const uint8_t baud_ans[] = {255, 250, 44, 101, 0x00, 0x01, 0xC2, 0x00, 255, 240};
    bool found = false;
    for (size_t i = 0; i + sizeof(baud_ans) <= n; i++) {
        found = found || memcmp(raw + i, baud_ans, sizeof(baud_ans)) == 0;
    }
    assert_true(found);

    /* esptool's ClassicReset: D0 R1 (D0) W0.1 D1 R0 (D1) W0.05 D0 */
    rfc_control(fd, 9);
    rfc_control(fd, 11);
    rfc_control(fd, 9);
    sleep_ms(100);
    rfc_control(fd, 8);
    rfc_control(fd, 12);
    rfc_control(fd, 8);
    sleep_ms(50);
    rfc_control(fd, 9);
    n = read_for(fd, raw, 0, sizeof(raw), 400);
    answers = 0;
    size_t dn = rfc_strip(raw, n, data, &do_com, &answers);
    assert_int_equal(answers, 7);
    assert_true(contains(data, dn, "boot:0x"));
    /* The download-mode banner, whichever wording the chip's ROM uses. */
    assert_true(contains(data, dn, "download") || contains(data, dn, "DOWNLOAD") ||
                contains(data, dn, "UART_BOOT") || contains(data, dn, "UART0_BOOT"));
    assert_true(sync_works(fd, 3));

    /* --after hard-reset: R1 (D0) W0.1 R0 (D0) -> normal boot banner, no loader. */
    rfc_control(fd, 11);
    rfc_control(fd, 9);
    sleep_ms(100);
    rfc_control(fd, 12);
    rfc_control(fd, 9);
    n = read_for(fd, raw, 0, sizeof(raw), 400);
    dn = rfc_strip(raw, n, data, &do_com, &answers);
    assert_true(contains(data, dn, "boot:0x"));
    assert_true(contains(data, dn, "FLASH_BOOT")); /* e.g. boot:0x13 (SPI_FAST_FLASH_BOOT) */
    assert_false(contains(data, dn, "waiting for download"));
    assert_false(contains(data, dn, "DOWNLOAD"));
    write_all(fd, sync_frame, sizeof(sync_frame));
    n = read_for(fd, raw, 0, sizeof(raw), 300);
    dn = rfc_strip(raw, n, data, &do_com, &answers);
    assert_int_equal(count_sync_replies(data, dn), 0); /* the app runs, not the loader */

    /* And the next ClassicReset brings the loader back. */
    const uint8_t classic[] = {9, 11, 9, 8, 12, 8, 9};
    for (size_t i = 0; i < sizeof(classic); i++) {
        rfc_control(fd, classic[i]);
        if (i == 2 || i == 5) {
            sleep_ms(50);
        }
    }
    assert_true(sync_works(fd, 3));

    close(fd);
    assert_int_equal(stop_sim(&p), 0);
}

static int run_status(const char *const *args, char *out, size_t out_len)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(sim_path, (char *const *)args);
        _exit(127);
    }
    close(pfd[1]);
    size_t n = read_for(pfd[0], (uint8_t *)out, 0, out_len - 1, 3000);
    out[n] = '\0';
    close(pfd[0]);
    /* Never hang the test on a simulator that wrongly keeps running. */
    int st = 0;
    uint64_t end = now_ms() + 3000;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        sleep_ms(10);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_options(void **state)
{
    (void)state;
    char out[8192];
    const char *help[] = {sim_path, "--help", NULL};
    assert_int_equal(run_status(help, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "--listen"));
    assert_non_null(strstr(out, "rfc2217"));

    const char *bad[] = {sim_path, "--chip", "esp32", "--bogus", NULL};
    assert_int_equal(run_status(bad, out, sizeof(out)), 2);
    assert_non_null(strstr(out, "--bogus"));

    const char *nochip[] = {sim_path, "--listen", "pty", NULL};
    assert_int_equal(run_status(nochip, out, sizeof(out)), 2);

    const char *badchip[] = {sim_path, "--chip", "esp99", NULL};
    assert_int_equal(run_status(badchip, out, sizeof(out)), 2);

    const char *badsize[] = {sim_path, "--chip", "esp32", "--flash-size", "3MB", NULL};
    assert_int_equal(run_status(badsize, out, sizeof(out)), 2);

    /* Non-loopback addresses are refused before anything listens. */
    const char *remote[] = {sim_path, "--chip", "esp32", "--listen", "tcp:0.0.0.0:0", NULL};
    assert_int_equal(run_status(remote, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "--allow-remote"));
}

static int teardown(void **state)
{
    (void)state;
    if (running_pid > 0) {
        kill(running_pid, SIGKILL);
        waitpid(running_pid, NULL, 0);
        running_pid = -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-esploader-sim\n", argv[0]);
        return 2;
    }
    sim_path = argv[1];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_tcp_sync_and_reconnect, teardown),
        cmocka_unit_test_teardown(test_tcp_baud_change_is_transparent, teardown),
        cmocka_unit_test_teardown(test_tcp_esp8266_autobauds, teardown),
        cmocka_unit_test_teardown(test_tcp_no_busy_wait_on_slow_client, teardown),
        cmocka_unit_test_teardown(test_pty_sync_and_reopen, teardown),
        cmocka_unit_test_teardown(test_rfc2217_reset_patterns, teardown),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
