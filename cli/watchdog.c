/* --after watchdog-reset: reset through the RTC watchdog, for chips on USB-Serial/JTAG (no
 * DTR/RTS reset). Registers and values from esptool's targets (watchdog_reset): unlock
 * WDTWPROTECT with the key, CONFIG1 = 2000 (timeout), CONFIG0 = enable | system-reset stage 0,
 * lock again. esptool does it on S2, S3, C2, C3, C5, C61, P4 and S31; on the others (ESP8266,
 * ESP32, C6, H2, H21, H4, E22) it says it cannot and does a classic hard reset instead, and so
 * do we. */
#include "session.h"

#define WDT_KEY 0x50D83AA1u

typedef struct wdt_regs {
    esploader_chip_t chip;
    uint32_t config0, config1, wprotect;
} wdt_regs_t;

static const wdt_regs_t wdt[] = {
    {ESPLOADER_CHIP_ESP32S2, 0x3F408094u, 0x3F408098u, 0x3F4080ACu},
    {ESPLOADER_CHIP_ESP32S3, 0x60008098u, 0x6000809Cu, 0x600080B0u},
    {ESPLOADER_CHIP_ESP32C2, 0x60008084u, 0x60008088u, 0x6000809Cu},
    {ESPLOADER_CHIP_ESP32C3, 0x60008090u, 0x60008094u, 0x600080A8u},
    {ESPLOADER_CHIP_ESP32C5, 0x600B1C00u, 0x600B1C04u, 0x600B1C18u},
    {ESPLOADER_CHIP_ESP32C61, 0x600B1C00u, 0x600B1C04u, 0x600B1C18u},
    {ESPLOADER_CHIP_ESP32P4, 0x50116000u, 0x50116004u, 0x50116018u},
    {ESPLOADER_CHIP_ESP32S31, 0x20801000u, 0x20801004u, 0x20801018u},
};

int cli_watchdog_reset(cli_session_t *s)
{
    esploader_chip_t chip = esploader_get_target(&s->loader);
    for (size_t i = 0; i < sizeof(wdt) / sizeof(wdt[0]); i++) {
        if (wdt[i].chip != chip) {
            continue;
        }
        const uint32_t w[8] = {wdt[i].wprotect, WDT_KEY,
                               wdt[i].config1,  2000,
                               wdt[i].config0,  1u << 31 | 5u << 28 | 1u << 8 | 2u,
                               wdt[i].wprotect, 0};
        int rc = 0;
        for (int k = 0; rc == 0 && k < 8; k += 2) {
            rc = esploader_write_register(&s->loader, w[k], w[k + 1]);
        }
        return rc;
    }
    return ESPLOADER_ERR_UNSUPPORTED;
}
