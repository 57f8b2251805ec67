/* See bench_process.h. POSIX only (fork/exec, the POSIX port, CLOCK_MONOTONIC). */
#define _POSIX_C_SOURCE 200809L

#include "bench_process.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_workload.h"
#include "esploader_port_posix.h"
#include "esp_sim.h"
#include "esploader/esploader.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start `sim_path --chip chip --listen rfc2217:127.0.0.1:0 --port-file F --quiet` and wait
 * for the endpoint it writes. Returns the pid (> 0) and the URL, or -1. */
static pid_t start_sim(const char *sim_path, const char *chip, char *url, size_t url_len)
{
    char port_file[] = "/tmp/esploader-bench-XXXXXX";
    int fd = mkstemp(port_file);
    if (fd < 0) {
        return -1;
    }
    close(fd);
    remove(port_file); /* the sim writes it once it listens */
    pid_t pid = fork();
    if (pid == 0) {
        execl(sim_path, sim_path, "--chip", chip, "--listen", "rfc2217:127.0.0.1:0", "--port-file",
              port_file, "--quiet", (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        return -1;
    }
    char ep[128] = "";
    for (int i = 0; i < 500 && ep[0] == 0; i++) { /* up to 5 s */
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        FILE *f = fopen(port_file, "r");
        if (f != NULL) {
            if (fgets(ep, sizeof(ep), f) == NULL || strchr(ep, '\n') == NULL) {
                ep[0] = 0; /* not completely written yet */
            }
            fclose(f);
        }
    }
    remove(port_file);
    ep[strcspn(ep, "\r\n")] = 0;
    if (strncmp(ep, "rfc2217:", 8) != 0) {
        fprintf(stderr, "bench --process: %s did not report an rfc2217 endpoint\n", sim_path);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    snprintf(url, url_len, "rfc2217://%s", ep + 8);
    return pid;
}

static void stop_sim(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* The POSIX port, counting the bytes that cross (for the wire floor). */
typedef struct counting {
    esploader_posix_port_t *port;
    uint64_t tx, rx;
} counting_t;

static int32_t c_write(void *ctx, const uint8_t *d, size_t n, uint32_t t)
{
    counting_t *c = ctx;
    int32_t r = esploader_posix_ops.write(c->port, d, n, t);
    if (r == 0) {
        c->tx += n;
    }
    return r;
}

static int32_t c_read(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    counting_t *c = ctx;
    int32_t r = esploader_posix_ops.read(c->port, b, n, t);
    if (r > 0) {
        c->rx += (uint64_t)r;
    }
    return r;
}

static int32_t c_lines(void *ctx, int dtr, int rts)
{
    return esploader_posix_ops.set_lines(((counting_t *)ctx)->port, dtr, rts);
}

static int32_t c_baud(void *ctx, uint32_t baud)
{
    return esploader_posix_ops.set_baudrate(((counting_t *)ctx)->port, baud);
}

static void c_delay(void *ctx, uint32_t ms)
{
    esploader_posix_ops.delay_ms(((counting_t *)ctx)->port, ms);
}

static uint32_t c_now(void *ctx)
{
    return esploader_posix_ops.now_ms(((counting_t *)ctx)->port);
}

static const esploader_port_ops_t counting_ops = {
    .write = c_write,
    .read = c_read,
    .set_lines = c_lines,
    .set_baudrate = c_baud,
    .delay_ms = c_delay,
    .now_ms = c_now,
};

typedef struct prow {
    double connect_s, write_s, verify_s, total_s;
    uint64_t image_bytes, zbytes;
    double flash_s;
    uint64_t tx; /* host -> chip bytes during the writes (BEGIN .. FLASH_END) */
    bool ok;
} prow_t;

static int run_one(const char *url, const bench_job_t *jobs, size_t njobs, uint32_t baud,
                   sim_chip_id_t chip, prow_t *r)
{
    esploader_posix_port_t *port = NULL;
    esploader_posix_options_t opt = {0};
    char err[160] = "";
    int rc = esploader_posix_open(&port, url, &opt, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "bench --process: %s: %s\n", url, err);
        return rc;
    }
    counting_t cnt = {port, 0, 0};
    esploader_config_t cfg = {0};
    cfg.port = &counting_ops;
    cfg.port_ctx = &cnt;
    esploader_t l;
    double t0 = wall_s();
    rc = esploader_init(&l, &cfg);
    if (rc == 0) {
        rc = esploader_connect(&l);
    }
    if (rc == 0 && baud != 115200) {
        rc = esploader_change_baudrate(&l, baud);
    }
    if (rc == 0) {
        rc = esploader_run_stub(&l, bench_stub_image());
    }
    if (rc == 0) {
        rc = esploader_flash_set_size(&l, 4u << 20);
    }
    r->connect_s = wall_s() - t0;
    bool verified = rc == 0;
    for (size_t i = 0; rc == 0 && i < njobs; i++) {
        const bench_job_t *j = &jobs[i];
        double a = wall_s();
        uint64_t tx0 = cnt.tx;
        rc = esploader_flash_defl_start(&l, j->offset, j->size, j->zlen, 0x4000);
        for (uint32_t done = 0; rc == 0 && done < j->zlen;) {
            uint32_t n = j->zlen - done < 0x4000 ? j->zlen - done : 0x4000;
            rc = esploader_flash_defl_write(&l, j->z + done, n);
            done += n;
        }
        if (rc == 0) {
            rc = esploader_flash_defl_finish(&l, NULL, ESPLOADER_FINISH_NO_VERIFY);
        }
        double b = wall_s();
        r->tx += cnt.tx - tx0;
        if (rc == 0) {
            rc = esploader_flash_verify_md5(&l, j->offset, j->size, j->md5);
            verified = verified && rc == 0;
        }
        r->write_s += b - a;
        r->verify_s += wall_s() - b;
        r->image_bytes += j->size;
        r->zbytes += j->zlen;
        r->flash_s += (double)sim_flash_floor_us(chip, true, j->size) / 1e6;
    }
    r->total_s = wall_s() - t0;
    r->ok = rc == 0 && verified;
    if (rc != 0) {
        fprintf(stderr, "bench --process: %u baud: %s (%d)\n", baud, esploader_strerror(rc), rc);
    }
    esploader_posix_close(port);
    return rc;
}

int bench_process_run(const char *sim_path, const char *chip_key, const bench_job_t *jobs,
                      size_t njobs, const uint32_t *bauds, size_t nbauds, bool csv)
{
    sim_chip_id_t chip;
    if (!sim_chip_from_name(chip_key, &chip)) {
        return 1;
    }
    if (csv) {
        printf("\nprocess_baud,loader,mode,image_bytes,zlib_bytes,wire_s,flash_s,limit_s,"
               "write_s,efficiency,connect_s,verify_s,total_s,verified\n");
    } else {
        printf("\nagainst an esploader-sim process over RFC2217, wall clock (stub, compressed):\n");
        printf("%8s %9s %7s %7s %7s %7s %5s %8s %7s %7s %s\n", "baud", "zlib_B", "wire_s",
               "flash_s", "limit_s", "write_s", "eff", "conn_s", "md5_s", "total_s", "check");
    }
    int failed = 0;
    for (size_t b = 0; b < nbauds; b++) {
        char url[160];
        pid_t pid = start_sim(sim_path, chip_key, url, sizeof(url));
        if (pid < 0) {
            return 1;
        }
        prow_t r = {0};
        run_one(url, jobs, njobs, bauds[b], chip, &r);
        stop_sim(pid);
        /* wire floor: what the host sent during the writes, 10 bit-times per byte */
        double wire = 10.0 * (double)r.tx / bauds[b];
        double limit = wire > r.flash_s ? wire : r.flash_s;
        double eff = r.write_s > 0 ? limit / r.write_s : 0;
        failed |= !r.ok;
        if (csv) {
            printf("%u,stub,deflate,%llu,%llu,%.3f,%.3f,%.3f,%.3f,%.4f,%.3f,%.3f,%.3f,%d\n",
                   bauds[b], (unsigned long long)r.image_bytes, (unsigned long long)r.zbytes, wire,
                   r.flash_s, limit, r.write_s, eff, r.connect_s, r.verify_s, r.total_s,
                   r.ok ? 1 : 0);
        } else {
            printf("%8u %9llu %7.2f %7.2f %7.2f %7.2f %5.3f %8.2f %7.2f %7.2f %s\n", bauds[b],
                   (unsigned long long)r.zbytes, wire, r.flash_s, limit, r.write_s, eff,
                   r.connect_s, r.verify_s, r.total_s, r.ok ? "ok (MD5)" : "FAIL");
        }
        fflush(stdout);
    }
    return failed;
}
