/*
 * NOR flash: erase sets bytes to 0xFF, programming can only clear bits (AND), 4 KB sectors,
 * 64 KB blocks, a GigaDevice-style JEDEC id per size and a small SFDP table. Optionally backed
 * by a file that is kept in sync with pwrite() after every change, so a user can inspect it
 * while the sim runs.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int capacity_code(uint32_t size)
{
    int code = 0x12; /* 256 KB */
    for (uint32_t s = 256 * 1024; s <= 128u * 1024 * 1024; s <<= 1, code++) {
        if (s == size)
            return code;
    }
    return -1;
}

static void sync_file(sim_nor_t *f, uint32_t addr, size_t n)
{
    if (f->fd < 0 || n == 0)
        return;
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(f->fd, f->mem + addr + done, n - done, (off_t)(addr + done));
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return; /* the in-memory flash stays authoritative */
        }
        done += (size_t)w;
    }
}

int sim_nor_open(sim_nor_t *f, uint32_t size, const char *file, char *err, size_t err_len)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if (capacity_code(size) < 0) {
        snprintf(err, err_len, "flash size %u is not a power of two from 256 KB to 128 MB",
                 (unsigned)size);
        return -1;
    }
    f->mem = malloc(size);
    if (!f->mem) {
        snprintf(err, err_len, "out of memory for %u bytes of flash", (unsigned)size);
        return -1;
    }
    memset(f->mem, 0xFF, size);
    f->size = size;
    if (!file)
        return 0;
    f->fd = open(file, O_RDWR | O_CREAT, 0644);
    if (f->fd < 0) {
        snprintf(err, err_len, "cannot open flash file %s: %s", file, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        snprintf(err, err_len, "cannot stat %s: %s", file, strerror(errno));
        goto fail;
    }
    if (st.st_size == 0) {
        sync_file(f, 0, size); /* new file: erased flash */
    } else if ((uint64_t)st.st_size != size) {
        snprintf(err, err_len, "flash file %s has %lld bytes, expected %u", file,
                 (long long)st.st_size, (unsigned)size);
        goto fail;
    } else {
        size_t got = 0;
        while (got < size) {
            ssize_t r = pread(f->fd, f->mem + got, size - got, (off_t)got);
            if (r <= 0) {
                snprintf(err, err_len, "cannot read %s", file);
                goto fail;
            }
            got += (size_t)r;
        }
    }
    return 0;
fail:
    sim_nor_close(f);
    return -1;
}

void sim_nor_close(sim_nor_t *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    free(f->mem);
    f->mem = NULL;
}

static bool clip(const sim_nor_t *f, uint32_t addr, size_t *n)
{
    if (addr >= f->size)
        return false;
    if (*n > f->size - addr)
        *n = f->size - addr;
    return *n > 0;
}

void sim_nor_erase(sim_nor_t *f, uint32_t addr, uint32_t len)
{
    size_t n = len;
    if (!clip(f, addr, &n))
        return;
    memset(f->mem + addr, 0xFF, n);
    sync_file(f, addr, n);
}

void sim_nor_program(sim_nor_t *f, uint32_t addr, const uint8_t *d, size_t n)
{
    if (!clip(f, addr, &n))
        return;
    for (size_t i = 0; i < n; i++)
        f->mem[addr + i] &= d[i];
    sync_file(f, addr, n);
}

void sim_nor_fill(sim_nor_t *f, uint32_t addr, const uint8_t *d, size_t n)
{
    if (!clip(f, addr, &n))
        return;
    memcpy(f->mem + addr, d, n);
    sync_file(f, addr, n);
}

uint32_t sim_nor_jedec(const sim_nor_t *f)
{
    /* W0 byte order: manufacturer first (LSB). GigaDevice 0xC8, memory type 0x40. */
    return 0xC8u | 0x40u << 8 | (uint32_t)capacity_code(f->size) << 16;
}

/* JESD216 SFDP: header, two parameter headers (basic table at 0x30, a vendor table whose ID
 * byte at 0x10 is 0xC8 -- esptool's XMC check reads that byte and must not see 0x20), and a
 * basic flash parameter table giving the density. */
uint8_t sim_nor_sfdp(const sim_nor_t *f, uint32_t addr)
{
    static const uint8_t head[0x30] = {
        'S',  'F',  'D',  'P',  0x06, 0x01, 0x01, 0xFF, /* signature, rev 1.6, 2 headers */
        0x00, 0x06, 0x01, 0x10, 0x30, 0x00, 0x00, 0xFF, /* basic table: 16 dwords at 0x30 */
        0xC8, 0x00, 0x01, 0x03, 0x70, 0x00, 0x00, 0xFF, /* vendor (GigaDevice) table at 0x70 */
    };
    if (addr < sizeof(head))
        return head[addr];
    if (addr >= 0x30 && addr < 0x70) {
        uint32_t i = addr - 0x30;
        uint32_t density = f->size * 8u - 1u; /* DWORD 2 */
        static const uint8_t dw1[4] = {0xE5, 0x20, 0xF1, 0xFF};
        if (i < 4)
            return dw1[i];
        if (i < 8)
            return (uint8_t)(density >> (8 * (i - 4)));
        return 0xFF;
    }
    return 0xFF;
}

/* Erase cost as the ROM's SPIEraseArea (and the stubs) do it: sector erases until the next
 * 64 KB boundary, block erases while a whole block fits, sector erases for the tail. */
uint64_t sim_erase_plan_us(const sim_timing_t *t, uint32_t start, uint32_t end, uint32_t *sectors)
{
    uint64_t us = 0;
    uint32_t n = 0;
    uint32_t a = start & ~0xFFFu;
    while (a < end) {
        if ((a & 0xFFFF) == 0 && end - a >= 0x10000) {
            us += t->block_erase_us;
            n += 16;
            a += 0x10000;
        } else {
            us += t->sector_erase_us;
            n += 1;
            a += 0x1000;
        }
    }
    if (sectors)
        *sectors = n;
    return us;
}
