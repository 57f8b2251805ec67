/*
 * The address space READ_REG / WRITE_REG / MEM_DATA see: a sparse word map over per-chip
 * defaults (eFuse words, date registers, SPI reset values) plus a few live registers (the
 * chip-detect magic in ROM, the UART clock divider, the boot strap register). Unknown
 * addresses read 0 (docs/protocol.md §5.2).
 */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC_ADDR 0x40001000u

static size_t slot(uint32_t addr, size_t cap)
{
    return (size_t)((addr >> 2) * 2654435761u) & (cap - 1);
}

static sim_reg_t *find(sim_t *s, uint32_t addr, bool create)
{
    if (s->regcap == 0 || (create && (s->nregs + 1) * 2 > s->regcap)) {
        if (!create && s->regcap == 0)
            return NULL;
        size_t ncap = s->regcap ? s->regcap * 2 : 256;
        sim_reg_t *n = calloc(ncap, sizeof(*n));
        if (!n)
            return NULL;
        for (size_t i = 0; i < s->regcap; i++) {
            if (!s->regs[i].used)
                continue;
            size_t j = slot(s->regs[i].addr, ncap);
            while (n[j].used)
                j = (j + 1) & (ncap - 1);
            n[j] = s->regs[i];
        }
        free(s->regs);
        s->regs = n;
        s->regcap = ncap;
    }
    size_t j = slot(addr, s->regcap);
    while (s->regs[j].used) {
        if (s->regs[j].addr == addr)
            return &s->regs[j];
        j = (j + 1) & (s->regcap - 1);
    }
    if (!create)
        return NULL;
    s->regs[j].used = true;
    s->regs[j].addr = addr;
    s->regs[j].value = 0;
    s->nregs++;
    return &s->regs[j];
}

void sim_regs_free(sim_t *s)
{
    free(s->regs);
    s->regs = NULL;
    s->nregs = s->regcap = 0;
}

/* Power-on state: forget every write, load the chip's defaults. */
void sim_regs_reset(sim_t *s)
{
    if (s->regs)
        memset(s->regs, 0, s->regcap * sizeof(*s->regs));
    s->nregs = 0;
    for (const sim_reg_default_t *d = s->chip->regs; d && d->addr; d++) {
        sim_reg_t *r = find(s, d->addr, true);
        if (r)
            r->value = d->value;
    }
    if (s->chip->strap_addr) {
        sim_reg_t *r = find(s, s->chip->strap_addr, true);
        if (r)
            r->value = s->mode == SIM_MODE_RUN ? s->chip->strap_run : s->chip->strap_dl;
    }
}

uint32_t sim_reg_read(sim_t *s, uint32_t addr)
{
    addr &= ~3u;
    if (addr == MAGIC_ADDR)
        return s->chip->magic;
    sim_reg_t *r = find(s, addr, false);
    if (r)
        return r->value;
    if (addr == s->chip->uart_clkdiv_addr && s->chip_baud)
        return s->chip->uart_clk_hz / s->chip_baud; /* tracks the current baud */
    return 0;
}

void sim_reg_write(sim_t *s, uint32_t addr, uint32_t value, uint32_t mask)
{
    addr &= ~3u;
    if (addr == MAGIC_ADDR)
        return; /* mask ROM */
    if (mask == 0)
        return; /* the UART_DATE delay records: no change */
    uint32_t old = sim_reg_read(s, addr);
    sim_reg_t *r = find(s, addr, true);
    if (!r)
        return;
    r->value = (value & mask) | (old & ~mask);
    const sim_spi_map_t *m = &s->chip->spi;
    if (addr == m->base && (r->value & (1u << 18)))
        sim_spi_exec(s);
}
