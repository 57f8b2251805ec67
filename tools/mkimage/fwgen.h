/*
 * Pseudo-firmware: bytes that look and compress like the sections of a real ESP-IDF build,
 * without being anybody's code. A real app deflates to roughly 55-65 % of its size with zlib
 * level 9; an all-random image (100 %) or an all-zero one (0.1 %) would make every speed and
 * compression figure measured with the sample binaries meaningless.
 *
 * How the bytes are made (deterministic for a seed):
 *   code    functions = a prologue idiom, a body of instruction words drawn from a small
 *           vocabulary of templates with a Zipf-like skew (a few opcodes dominate, as in real
 *           code), register fields skewed towards the usual registers, random immediates and
 *           call/branch offsets, recurring multi-instruction idioms, an epilogue idiom; every
 *           few functions a literal pool of 32-bit constants and addresses into the image.
 *   rodata  string tables (log/format strings from a word list, NUL-terminated, 4-aligned),
 *           pointer tables into the image, small lookup tables and zero-filled structures.
 *   data    initialised variables: small integers, pointers, flags and runs of zeros.
 */
#ifndef MKIMAGE_FWGEN_H
#define MKIMAGE_FWGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prng.h"

typedef enum mk_fw_kind {
    MK_FW_CODE = 0,
    MK_FW_RODATA,
    MK_FW_DATA,
} mk_fw_kind_t;

#define MK_FW_TEMPLATES 96
#define MK_FW_IDIOMS    24
#define MK_FW_IDIOM_LEN 6

typedef struct mk_fw_template {
    uint8_t size;     /* bytes: 2 (compressed / narrow), 3 (Xtensa) or 4 (RISC-V) */
    uint32_t fixed;   /* opcode bits */
    uint8_t fields;   /* number of 4-bit register fields */
    uint8_t imm_bits; /* width of the random immediate / offset field (0 = none) */
} mk_fw_template_t;

typedef struct mk_fwgen {
    mk_prng_t rng;
    bool riscv;         /* 2/4-byte RISC-V words instead of 2/3-byte Xtensa words */
    uint32_t code_base; /* load address of the code: literal pools point around it */
    uint32_t data_base; /* load address of the data: pointer tables point around it */
    mk_fw_template_t tmpl[MK_FW_TEMPLATES];
    uint8_t idiom[MK_FW_IDIOMS][MK_FW_IDIOM_LEN]; /* template indexes */
    uint8_t idiom_regs[MK_FW_IDIOMS][MK_FW_IDIOM_LEN];
} mk_fwgen_t;

void mk_fwgen_init(mk_fwgen_t *g, uint64_t seed, bool riscv, uint32_t code_base,
                   uint32_t data_base);
/* Fill out[0..len) with the given kind of content; len is used exactly. */
void mk_fwgen_fill(mk_fwgen_t *g, mk_fw_kind_t kind, uint8_t *out, size_t len);

#endif
