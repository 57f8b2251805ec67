/*
 * The SPI flash controller as esptool drives it through WRITE_REG / READ_REG (docs/protocol.md
 * §8.2, §12 item 5): writing CMD with bit 18 (USR) runs the 8-bit opcode in USR2, with the
 * address from ADDR (left-justified on ESP8266/ESP32), MOSI data from W0.., and the MISO
 * result placed in W0.. (first byte clocked in = least significant). Bit 18 reads back 0.
 */
#include "sim_internal.h"

#include <string.h>

#define USR_COMMAND (1u << 31)
#define USR_ADDR    (1u << 30)
#define USR_MISO    (1u << 28)
#define USR_MOSI    (1u << 27)

void sim_spi_exec(sim_t *s)
{
    const sim_spi_map_t *m = &s->chip->spi;
    sim_nor_t *f = &s->flash;
    uint32_t usr = sim_reg_read(s, m->base + m->usr);
    uint32_t usr1 = sim_reg_read(s, m->base + m->usr1);
    uint32_t usr2 = sim_reg_read(s, m->base + m->usr2);
    uint8_t op = (uint8_t)usr2;
    bool esp8266 = m->miso_dlen == 0;

    uint32_t addr_bits = (usr & USR_ADDR) ? (usr1 >> 26) + 1 : 0;
    uint32_t addr = sim_reg_read(s, m->base + 0x04);
    if (addr_bits && m->addr_left_justified && addr_bits < 32)
        addr >>= 32 - addr_bits;

    uint32_t miso_bits = 0, mosi_bits = 0;
    if (usr & USR_MISO)
        miso_bits = (esp8266 ? (usr1 >> 8) & 0x1FF : sim_reg_read(s, m->base + m->miso_dlen)) + 1;
    if (usr & USR_MOSI)
        mosi_bits = (esp8266 ? (usr1 >> 17) & 0x1FF : sim_reg_read(s, m->base + m->mosi_dlen)) + 1;
    if (miso_bits > 512)
        miso_bits = 512;
    if (mosi_bits > 512)
        mosi_bits = 512;

    uint8_t in[64], out[64];
    memset(out, 0, sizeof(out));
    for (uint32_t i = 0; i < 16; i++)
        sim_put32(in + 4 * i, sim_reg_read(s, m->base + m->w0 + 4 * i));
    uint32_t nin = (mosi_bits + 7) / 8, nout = (miso_bits + 7) / 8;

    if (!(usr & USR_COMMAND))
        op = 0; /* no command phase: nothing reaches the flash */
    switch (op) {
    case 0x9F: { /* RDID */
        uint32_t id = sim_nor_jedec(f);
        out[0] = (uint8_t)id;
        out[1] = (uint8_t)(id >> 8);
        out[2] = (uint8_t)(id >> 16);
        break;
    }
    case 0x5A: /* SFDP read */
        for (uint32_t i = 0; i < nout; i++)
            out[i] = sim_nor_sfdp(f, addr + i);
        break;
    case 0x05:
        out[0] = (uint8_t)(f->sr[0] | (f->wel ? 0x02 : 0));
        break;
    case 0x35:
        out[0] = f->sr[1];
        break;
    case 0x15:
        out[0] = f->sr[2];
        break;
    case 0x01: /* WRSR: SR1, optionally SR2 */
        if (f->wel && nin >= 1) {
            f->sr[0] = in[0] & 0xFC;
            if (nin >= 2)
                f->sr[1] = in[1];
        }
        f->wel = false;
        break;
    case 0x31:
    case 0x11:
        if (f->wel && nin >= 1)
            f->sr[op == 0x31 ? 1 : 2] = in[0];
        f->wel = false;
        break;
    case 0x06: /* WREN */
    case 0x50: /* volatile status write enable */
        f->wel = true;
        break;
    case 0x04: /* WRDI */
        f->wel = false;
        break;
    case 0x99: /* reset (after 0x66): volatile state back to power-on */
        f->wel = false;
        break;
    case 0x03: /* READ */
    case 0x0B: /* FAST_READ */
        for (uint32_t i = 0; i < nout; i++)
            out[i] = f->mem[(addr + i) % f->size];
        break;
    case 0x02: /* PAGE PROGRAM */
        if (f->wel)
            sim_nor_program(f, addr % f->size, in, nin);
        f->wel = false;
        break;
    case 0x20:
    case 0x52:
    case 0xD8: {
        uint32_t len = op == 0x20 ? 0x1000 : op == 0x52 ? 0x8000 : 0x10000;
        if (f->wel)
            sim_nor_erase(f, (addr % f->size) & ~(len - 1), len);
        f->wel = false;
        break;
    }
    case 0x60:
    case 0xC7:
        if (f->wel)
            sim_nor_erase(f, 0, f->size);
        f->wel = false;
        break;
    default: /* 0x66 reset-enable, 0xB9/0xAB/0x79/0xFF (XMC recovery) and the rest: no-ops */
        break;
    }
    if (nout) {
        for (uint32_t i = 0; i < (nout + 3) / 4; i++)
            sim_reg_write(s, m->base + m->w0 + 4 * i, sim_le32(out + 4 * i), 0xFFFFFFFFu);
    }
    uint32_t cmd = sim_reg_read(s, m->base);
    sim_reg_write(s, m->base, cmd & ~(1u << 18), 0xFFFFFFFFu);
}
