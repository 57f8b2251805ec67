#include "chips.h"

#include "esploader/esploader_chip.h"
#include <stddef.h>

/*
 * Frequency codes (§11.1): 0xF is 80 MHz on ESP32/S2/S3/C3/C5/C61/P4/S31/E22, 60 MHz on C2,
 * 48 MHz on H2/H21/H4; on C6 80 MHz is encoded as 0 (ROM divider workaround); the ESP8266 and ESP32
 * defaults of ESP-IDF are 40 MHz (0). Max revisions: a major version or two above today's silicon.
 */
static const mk_chip_t chips[] = {
    /* name        8266   riscv  maxrev  freq  drom        dram        iram        irom
       bl_dram     bl_iram_loader bl_iram */
    {"ESP8266", true, false, 0, 0x0, 0x3FFE8800, 0x3FFE8000, 0x40100000, 0x40201010, 0x3FFE8000,
     0x40100000, 0x40100800},
    {"ESP32", false, false, 399, 0x0, 0x3F400020, 0x3FFB0000, 0x40080000, 0x400D0020, 0x3FFF0000,
     0x40078000, 0x40080400},
    {"ESP32-S2", false, false, 199, 0xF, 0x3F000020, 0x3FFBE000, 0x40022000, 0x40080020, 0x3FFE6000,
     0x40050000, 0x40048000},
    {"ESP32-S3", false, false, 199, 0xF, 0x3C000020, 0x3FC88000, 0x40374000, 0x42000020, 0x3FCEB000,
     0x403CB700, 0x403C9700},
    {"ESP32-C2", false, true, 199, 0xF, 0x3C000020, 0x3FCA0000, 0x4037C000, 0x42000020, 0x3FCD5460,
     0x403AE000, 0x403AC000},
    {"ESP32-C3", false, true, 199, 0xF, 0x3C000020, 0x3FC88000, 0x40380000, 0x42000020, 0x3FCD5800,
     0x403CE700, 0x403CC700},
    {"ESP32-C5", false, true, 199, 0xF, 0x42800020, 0x40800000, 0x40810000, 0x42000020, 0x4085E000,
     0x40868000, 0x40860000},
    {"ESP32-C6", false, true, 199, 0x0, 0x42800020, 0x40800000, 0x40810000, 0x42000020, 0x4086E600,
     0x40875700, 0x4086C400},
    {"ESP32-C61", false, true, 199, 0xF, 0x42800020, 0x40800000, 0x40810000, 0x42000020, 0x4083E000,
     0x40848000, 0x40840000},
    {"ESP32-H2", false, true, 199, 0xF, 0x42800020, 0x40800000, 0x40810000, 0x42000020, 0x4083EFD0,
     0x40849000, 0x40847000},
    {"ESP32-P4", false, true, 399, 0xF, 0x40800020, 0x4FF00000, 0x4FF10000, 0x40000020, 0x4FF2CBD0,
     0x4FF36000, 0x4FF2E000},
    /* esptool 5.3's four newer chips (frequency codes from its targets/ modules; addresses
     * inside its MEMORY_MAP windows: on S31 and E22 code and data share one flash window and
     * one RAM window). The E22's ISA is not stated there: RISC-V shapes assumed. */
    {"ESP32-S31", false, true, 199, 0xF, 0x40800020, 0x2F000000, 0x2F020000, 0x40000020, 0x2F060000,
     0x2F070000, 0x2F068000},
    {"ESP32-E22", false, true, 199, 0xF, 0x3E000020, 0x31000000, 0x30FE0000, 0x3C000020, 0x311A0000,
     0x311D0000, 0x311C0000},
    {"ESP32-H21", false, true, 199, 0xF, 0x42800020, 0x40800000, 0x40810000, 0x42000020, 0x4083EFD0,
     0x40849000, 0x40847000},
    {"ESP32-H4", false, true, 199, 0xF, 0x42800020, 0x40810000, 0x40820000, 0x42000020, 0x4084E000,
     0x40858000, 0x40850000},
};

const mk_chip_t *mk_chip_find(const char *name)
{
    /* The library's name rule (case, '-' and '_' ignored), so every program spells chips alike. */
    esploader_chip_t want = esploader_chip_from_name(name);
    for (size_t i = 0; want != ESPLOADER_CHIP_AUTO && i < sizeof chips / sizeof chips[0]; i++) {
        if (esploader_chip_from_name(chips[i].name) == want)
            return &chips[i];
    }
    return NULL;
}

const mk_chip_t *mk_chip_at(unsigned index)
{
    return index < sizeof chips / sizeof chips[0] ? &chips[index] : NULL;
}

esploader_chip_t mk_chip_id(const mk_chip_t *chip)
{
    return esploader_chip_from_name(chip->name);
}
