/*
 * esploader-deflate-bench: the core's deflate compressor (src/deflate.c) next to zlib on the
 * files named on the command line: compressed size as a percentage of the input for the core
 * at chain depths 8 / 32 (default) / 128 and for zlib levels 1, 6, 9 (32 KB window, dynamic
 * Huffman), plus zlib -9 restricted to what the core does (2 KB window, fixed Huffman) to show
 * where the difference comes from; and host compression speed (MB/s, best of 3 runs). Every
 * core output is inflated back with zlib and compared. The FNV-1a hash of the core's default
 * output is printed so the Cortex-M4 benchmark (bench/deflate-m4) can be checked against it.
 *
 * usage: esploader-deflate-bench [--csv] FILE...
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "esploader/esploader_deflate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be loaded */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static esploader_deflate_t dz;

/* The core, fed in 4 KB reads into a 1 KB output buffer, as a host MCU would. */
static size_t core(const uint8_t *in, size_t n, uint8_t *out, size_t cap, unsigned chain)
{
    size_t ip = 0, op = 0;
    int rc = ESPLOADER_DEFLATE_MORE;
    esploader_deflate_init(&dz, chain);
    while (rc != ESPLOADER_DEFLATE_DONE) {
        size_t il = n - ip < 4096 ? n - ip : 4096, ol = cap - op < 1024 ? cap - op : 1024;
        rc = esploader_deflate(&dz, in + ip, &il, out + op, &ol, ip + il == n);
        ip += il;
        op += ol;
        if (op == cap && rc != ESPLOADER_DEFLATE_DONE)
            return 0;
    }
    return op;
}

static size_t zlib(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int level, int wbits,
                   int strategy)
{
    z_stream s;
    size_t r;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, level, Z_DEFLATED, wbits, 8, strategy) != Z_OK)
        return 0;
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    r = deflate(&s, Z_FINISH) == Z_STREAM_END ? s.total_out : 0;
    deflateEnd(&s);
    return r;
}

static int check(const uint8_t *z, size_t zn, const uint8_t *want, size_t n)
{
    uint8_t *b = malloc(n + 1);
    uLongf bl = n + 1;
    int ok = b && uncompress(b, &bl, z, zn) == Z_OK && bl == n && memcmp(b, want, n) == 0;
    free(b);
    return ok;
}

int main(int argc, char **argv)
{
    static const unsigned chains[] = {8, 32, 128};
    int csv = 0, status = 0;
    if (argc > 1 && strcmp(argv[1], "--csv") == 0) {
        csv = 1;
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: esploader-deflate-bench [--csv] FILE...\n");
        return 2;
    }
    if (csv)
        printf("file,bytes,core8,core32,core128,zlib1,zlib6,zlib9,zlib9_w11_fixed,zlib9_w11,"
               "core32_MBps,zlib6_MBps,zlib9_MBps,core32_fnv\n");
    else
        printf("%-28s %8s | %6s %6s %6s | %6s %6s %6s | %9s %7s | %7s %7s %7s\n", "file", "bytes",
               "core8", "core32", "core128", "zlib-1", "zlib-6", "zlib-9", "z9w11fix", "z9w11",
               "core MB/s", "z6 MB/s", "z9 MB/s");
    for (int f = 1; f < argc; f++) {
        FILE *fp = fopen(argv[f], "rb");
        uint8_t *in, *out;
        size_t n, cap, zs[3], z1, z6, z9, zfix, zw11;
        double speed[3] = {0, 0, 0};
        uint32_t fnv = 2166136261u;
        const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
        if (!fp) {
            fprintf(stderr, "cannot open %s\n", argv[f]);
            return 1;
        }
        fseek(fp, 0, SEEK_END);
        n = (size_t)ftell(fp);
        fseek(fp, 0, SEEK_SET);
        in = malloc(n + 1);
        cap = ESPLOADER_DEFLATE_BOUND(n) + compressBound(n);
        out = malloc(cap);
        if (!in || !out || fread(in, 1, n, fp) != n) {
            fprintf(stderr, "cannot read %s\n", argv[f]);
            return 1;
        }
        fclose(fp);
        for (int c = 0; c < 3; c++) {
            zs[c] = core(in, n, out, cap, chains[c]);
            if (!zs[c] || !check(out, zs[c], in, n)) {
                fprintf(stderr, "%s: core output (chain %u) does not inflate back\n", name,
                        chains[c]);
                status = 1;
            }
        }
        zs[1] = core(in, n, out, cap, 32);
        for (size_t i = 0; i < zs[1]; i++)
            fnv = (fnv ^ out[i]) * 16777619u;
        z1 = zlib(in, n, out, cap, 1, 15, Z_DEFAULT_STRATEGY);
        z6 = zlib(in, n, out, cap, 6, 15, Z_DEFAULT_STRATEGY);
        z9 = zlib(in, n, out, cap, 9, 15, Z_DEFAULT_STRATEGY);
        zfix = zlib(in, n, out, cap, 9, 11, Z_FIXED);
        zw11 = zlib(in, n, out, cap, 9, 11, Z_DEFAULT_STRATEGY);
        for (int k = 0; k < 3; k++) { /* speed: best of 3 */
            for (int rep = 0; rep < 3; rep++) {
                double t0 = now_s(), t;
                if (k == 0)
                    core(in, n, out, cap, 32);
                else
                    zlib(in, n, out, cap, k == 1 ? 6 : 9, 15, Z_DEFAULT_STRATEGY);
                t = now_s() - t0;
                if (t > 0 && (speed[k] == 0 || (double)n / 1e6 / t > speed[k]))
                    speed[k] = (double)n / 1e6 / t;
            }
        }
#define PCT(x) (100.0 * (double)(x) / (double)(n ? n : 1))
        if (csv)
            printf("%s,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%.1f,%.1f,%.1f,%08x\n", name, n, zs[0],
                   zs[1], zs[2], z1, z6, z9, zfix, zw11, speed[0], speed[1], speed[2], fnv);
        else
            printf("%-28s %8zu | %5.1f%% %5.1f%% %6.1f%% | %5.1f%% %5.1f%% %5.1f%% | %8.1f%% "
                   "%6.1f%% | %9.1f %7.1f %7.1f\n",
                   name, n, PCT(zs[0]), PCT(zs[1]), PCT(zs[2]), PCT(z1), PCT(z6), PCT(z9),
                   PCT(zfix), PCT(zw11), speed[0], speed[1], speed[2]);
        free(in);
        free(out);
    }
    return status;
}
