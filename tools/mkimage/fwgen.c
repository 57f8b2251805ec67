/* Pseudo-firmware generator; see fwgen.h for what each kind of content is made of. */
#include "fwgen.h"

#include <string.h>

/* A growing byte sink that silently stops at its end, so generators need no length checks. */
typedef struct sink {
    uint8_t *p;
    size_t len, pos;
} sink_t;

static void put8(sink_t *s, uint8_t b)
{
    if (s->pos < s->len)
        s->p[s->pos] = b;
    s->pos++;
}

static void put_le(sink_t *s, uint32_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        put8(s, (uint8_t)(v >> (8 * i)));
}

static void align4(sink_t *s, uint8_t fill)
{
    while (s->pos % 4)
        put8(s, fill);
}

static bool full(const sink_t *s)
{
    return s->pos >= s->len;
}

void mk_fwgen_init(mk_fwgen_t *g, uint64_t seed, bool riscv, uint32_t code_base, uint32_t data_base)
{
    memset(g, 0, sizeof *g);
    g->rng.state = seed;
    g->riscv = riscv;
    g->code_base = code_base;
    g->data_base = data_base;
    /* The shape of each template (length, operand fields, immediate width) follows its rank
     * in a fixed pattern, so the mix of shapes and hence the compression ratio is the same
     * for every seed; only the opcode bits are random. */
    for (int i = 0; i < MK_FW_TEMPLATES; i++) {
        mk_fw_template_t *t = &g->tmpl[i];
        /* Short encodings are common in both ISAs (narrow / compressed instructions). */
        t->size = (uint8_t)(i % 3 == 1 ? 2 : riscv ? 4 : 3);
        t->fixed = (uint32_t)mk_prng_next(&g->rng);
        t->fields = (uint8_t)(1 + i % (t->size == 2 ? 2 : 3));
        /* Loads, branches and calls carry offsets; most ALU ops carry none or a small one. */
        unsigned kind = (unsigned)(i * 7) % 10;
        t->imm_bits = kind < 3 ? 0 : kind < 6 ? 4 : (uint8_t)(t->size == 2 ? 6 : 12);
    }
    for (int i = 0; i < MK_FW_IDIOMS; i++) {
        for (int j = 0; j < MK_FW_IDIOM_LEN; j++) {
            g->idiom[i][j] = (uint8_t)((i * 5 + j * 11) % 40); /* common templates */
            g->idiom_regs[i][j] = (uint8_t)mk_prng_next(&g->rng);
        }
    }
}

/* Register numbers: a1/a2/a3 (sp, first args) and a few temporaries dominate, but a compiler's
 * allocator spreads the rest over the whole register file. */
static uint32_t pick_reg(mk_fwgen_t *g)
{
    return mk_prng_below(&g->rng, 5) < 3 ? mk_prng_skewed(&g->rng, 16) : mk_prng_below(&g->rng, 16);
}

static void emit_insn(mk_fwgen_t *g, sink_t *s, const mk_fw_template_t *t, uint32_t regs_seed,
                      bool fixed_regs)
{
    unsigned bits = 8u * t->size;
    uint32_t mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
    uint32_t w = t->fixed & mask;
    unsigned shift = 4; /* operand fields start above the low opcode nibble */
    for (unsigned f = 0; f < t->fields && shift + 4 <= bits; f++, shift += 4) {
        uint32_t r = fixed_regs ? ((regs_seed >> (4 * f)) & 0x3) + 1 : pick_reg(g);
        w = (w & ~(0xFu << shift)) | (r << shift);
    }
    if (t->imm_bits && shift + t->imm_bits <= bits) {
        uint32_t imm;
        if (t->imm_bits <= 4)
            imm = mk_prng_skewed(&g->rng, 1u << t->imm_bits); /* small constants */
        else
            imm = mk_prng_below(&g->rng, 1u << t->imm_bits); /* offsets look random */
        uint32_t imask = ((1u << t->imm_bits) - 1u) << shift;
        w = (w & ~imask) | (imm << shift);
    }
    put_le(s, w, t->size);
}

static void emit_idiom(mk_fwgen_t *g, sink_t *s, unsigned which, unsigned count)
{
    for (unsigned j = 0; j < count && j < MK_FW_IDIOM_LEN; j++)
        emit_insn(g, s, &g->tmpl[g->idiom[which][j]], g->idiom_regs[which][j], true);
}

/* A literal pool: constants and addresses the code loads (Xtensa l32r / RISC-V auipc+ld). */
static void emit_literal_pool(mk_fwgen_t *g, sink_t *s)
{
    align4(s, 0);
    unsigned n = 2 + mk_prng_below(&g->rng, 10);
    for (unsigned i = 0; i < n; i++) {
        uint32_t k = mk_prng_below(&g->rng, 10);
        uint32_t v;
        if (k < 4)
            v = g->code_base + (mk_prng_below(&g->rng, 0x40000) & ~3u);
        else if (k < 7)
            v = g->data_base + (mk_prng_below(&g->rng, 0x10000) & ~3u);
        else if (k < 9)
            v = mk_prng_skewed(&g->rng, 4096);
        else
            v = (uint32_t)mk_prng_next(&g->rng); /* masks, magic numbers */
        put_le(s, v, 4);
    }
}

static void fill_code(mk_fwgen_t *g, sink_t *s)
{
    while (!full(s)) {
        emit_idiom(g, s, 0, 2); /* prologue: entry / addi sp,sp,-N; save ra */
        unsigned body = 6 + mk_prng_skewed(&g->rng, 90);
        for (unsigned i = 0; i < body && !full(s); i++) {
            if (mk_prng_below(&g->rng, 100) < 10) {
                unsigned which = 2 + mk_prng_skewed(&g->rng, MK_FW_IDIOMS - 2);
                emit_idiom(g, s, which, 2 + mk_prng_below(&g->rng, MK_FW_IDIOM_LEN - 1));
            } else {
                emit_insn(g, s, &g->tmpl[mk_prng_skewed(&g->rng, MK_FW_TEMPLATES)], 0, false);
            }
        }
        emit_idiom(g, s, 1, 2); /* epilogue: restore ra; ret */
        if (mk_prng_below(&g->rng, 4) == 0)
            emit_literal_pool(g, s);
        /* Functions start aligned; the gap is filled with zeros as linkers do. */
        align4(s, 0);
    }
}

static const char *const words[] = {
    "failed",    "to",     "the",    "error",    "init",   "wifi",    "esp",      "task",
    "%d",        "0x%x",   "%s",     "invalid",  "state",  "handler", "event",    "nvs",
    "partition", "not",    "found",  "timeout",  "memory", "alloc",   "buffer",   "queue",
    "config",    "driver", "uart",   "gpio",     "spi",    "flash",   "read",     "write",
    "open",      "close",  "start",  "stop",     "mutex",  "heap",    "size",     "offset",
    "address",   "value",  "length", "expected", "got",    "ok",      "ready",    "connect",
    "socket",    "netif",  "dhcp",   "ip",       "mac",    "boot",    "app",      "image",
    "version",   "cpu",    "core",   "clock",    "freq",   "isr",     "register", "lock",
};

/* Function and file names (__func__, __FILE__, assert texts): many distinct identifiers made
 * of common syllables, which is what keeps real string tables from compressing too well. */
static void emit_identifier(mk_fwgen_t *g, sink_t *s)
{
    static const char *const syl[] = {"esp", "_",   "wifi", "get",  "set", "nvs", "int", "hal",
                                      "ll",  "rx",  "tx",   "cfg",  "buf", "ctx", "dma", "clk",
                                      "pm",  "mem", "phy",  "lwip", "tcp", "sys", "rtc", "io"};
    unsigned n = 2 + mk_prng_below(&g->rng, 5);
    for (unsigned i = 0; i < n; i++) {
        const char *w = syl[mk_prng_below(&g->rng, sizeof syl / sizeof syl[0])];
        for (const char *c = w; *c; c++)
            put8(s, (uint8_t)*c);
        if (i + 1 < n)
            put8(s, '_');
    }
    if (mk_prng_below(&g->rng, 3) == 0)
        put8(s, (uint8_t)('0' + mk_prng_below(&g->rng, 10)));
    put8(s, ':');
    put8(s, ' ');
}

static void emit_string(mk_fwgen_t *g, sink_t *s)
{
    static const char *const tags[] = {"E (%u) %s: ", "W (%u) %s: ", "I (%u) %s: ", "", "", "",
                                       "%s: "};
    const char *tag = tags[mk_prng_below(&g->rng, sizeof tags / sizeof tags[0])];
    for (const char *c = tag; *c; c++)
        put8(s, (uint8_t)*c);
    if (mk_prng_below(&g->rng, 2))
        emit_identifier(g, s);
    unsigned n = 2 + mk_prng_below(&g->rng, 7);
    for (unsigned i = 0; i < n; i++) {
        const char *w = words[mk_prng_skewed(&g->rng, sizeof words / sizeof words[0])];
        if (i)
            put8(s, ' ');
        for (const char *c = w; *c; c++)
            put8(s, (uint8_t)*c);
    }
    if (mk_prng_below(&g->rng, 3) == 0)
        put8(s, '\n');
    put8(s, 0);
    if (mk_prng_below(&g->rng, 2))
        align4(s, 0);
}

static void fill_rodata(mk_fwgen_t *g, sink_t *s)
{
    while (!full(s)) {
        uint32_t k = mk_prng_below(&g->rng, 100);
        if (k < 45) {
            unsigned n = 4 + mk_prng_below(&g->rng, 20);
            for (unsigned i = 0; i < n; i++)
                emit_string(g, s);
        } else if (k < 70) {
            /* Pointer tables (vtables, string arrays, dispatch tables). */
            align4(s, 0);
            unsigned n = 4 + mk_prng_below(&g->rng, 24);
            uint32_t base = (k & 1) ? g->code_base : g->data_base;
            uint32_t at = mk_prng_below(&g->rng, 0x40000) & ~3u;
            for (unsigned i = 0; i < n; i++) {
                at += 4 * (1 + mk_prng_skewed(&g->rng, 64));
                put_le(s, base + at, 4);
            }
        } else if (k < 84) {
            /* Numeric tables with little structure (CRC tables, coefficients, keys). */
            align4(s, 0);
            unsigned n = 16 + mk_prng_below(&g->rng, 112);
            for (unsigned i = 0; i < n; i++)
                put_le(s, (uint32_t)mk_prng_next(&g->rng), 4);
        } else if (k < 93) {
            /* Small lookup tables: bytes/halfwords with little spread. */
            unsigned n = 16 + mk_prng_below(&g->rng, 240);
            unsigned step = 1 + mk_prng_below(&g->rng, 5);
            uint32_t v = mk_prng_below(&g->rng, 256);
            for (unsigned i = 0; i < n; i++) {
                v += step * mk_prng_skewed(&g->rng, 16);
                put8(s, (uint8_t)v);
            }
        } else {
            /* Const structures that are mostly zero (default configs, empty tables). */
            align4(s, 0);
            unsigned n = 16 + mk_prng_below(&g->rng, 160);
            for (unsigned i = 0; i < n; i++)
                put8(s, mk_prng_below(&g->rng, 8) == 0 ? (uint8_t)mk_prng_below(&g->rng, 256) : 0);
        }
    }
}

static void fill_data(mk_fwgen_t *g, sink_t *s)
{
    while (!full(s)) {
        uint32_t k = mk_prng_below(&g->rng, 10);
        align4(s, 0);
        if (k < 3)
            put_le(s, mk_prng_skewed(&g->rng, 1000), 4);
        else if (k < 5)
            put_le(s, g->data_base + (mk_prng_below(&g->rng, 0x8000) & ~3u), 4);
        else if (k < 6)
            put_le(s, (uint32_t)mk_prng_next(&g->rng), 4);
        else {
            unsigned n = 4 * (1 + mk_prng_below(&g->rng, 12));
            for (unsigned i = 0; i < n; i++)
                put8(s, 0);
        }
    }
}

void mk_fwgen_fill(mk_fwgen_t *g, mk_fw_kind_t kind, uint8_t *out, size_t len)
{
    sink_t s = {out, len, 0};
    switch (kind) {
    case MK_FW_CODE:
        fill_code(g, &s);
        break;
    case MK_FW_RODATA:
        fill_rodata(g, &s);
        break;
    case MK_FW_DATA:
        fill_data(g, &s);
        break;
    }
}
