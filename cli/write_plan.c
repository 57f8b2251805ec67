#include "write_plan.h"

#include <string.h>

#define SECTOR 0x1000u

static bool all_ff(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] != 0xFF) {
            return false;
        }
    }
    return true;
}

int cli_plan_worth_diff(cli_session_t *s, uint32_t addr, const uint8_t *buf, uint32_t len,
                        bool *worth)
{
    *worth = true;
    /* Up to 64 KB a search costs about what the samples would (one 64 KB MD5): no sampling. */
    if (len <= 0x10000u) {
        return 0;
    }
    /* One sample per 128 KB, 2..8 of them, spread over the region; a sector whose data is all
     * 0xFF tells nothing (erased flash holds it too), the next one is taken instead. */
    uint32_t k = len / 0x20000u;
    k = k < 2 ? 2 : k > 8 ? 8 : k;
    uint32_t sectors = len / SECTOR;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t sec = (uint32_t)(((uint64_t)(2 * i + 1) * sectors) / (2 * k));
        while (sec + 1 < sectors && all_ff(buf + sec * SECTOR, SECTOR)) {
            sec++;
        }
        uint32_t off = sec * SECTOR, n = len - off < SECTOR ? len - off : SECTOR;
        int rc = esploader_flash_verify_buffer(&s->loader, addr + off, buf + off, n);
        if (rc == 0) {
            return 0; /* this sector is already there: a reflash, the search pays */
        }
        if (rc != ESPLOADER_ERR_VERIFY) {
            return rc;
        }
    }
    *worth = false;
    return 0;
}

uint32_t cli_plan_unit(const cli_session_t *s, bool diff, bool compress)
{
    (void)compress;
    /* Searching: one call per 64 KB block makes the call's own first MD5 (of its block) the
     * search's only pass; over the whole region the pipeline would hash it twice (region,
     * then blocks) before it finds the changed sector. */
    if (diff) {
        return 0x10000u;
    }
    /* Writing it all with the stub above 460800 baud: its erase-ahead (one 64 KB erase each
     * time it waits for data) stalls the link when a whole region is announced at once; one
     * transfer per 64 KB block bounds it (bench "experiment": ESP32 at 921600 compressed
     * 0.856 -> 0.945 of the limit, plain 0.779 -> 0.882; at 460800 and below it does not pay). */
    if (s->stub && s->baud > 460800) {
        return 0x10000u;
    }
    return 0;
}

int cli_plan_level(const cli_session_t *s)
{
    if (s->o->compress_level > 0) {
        return s->o->compress_level;
    }
    /* At >= 921600 the stub is flash-bound (ESP32: ~110 KB/s of image against >= 180 KB/s
     * through the wire at level 1): a better ratio buys nothing, level 6 costs ~2.5x the host
     * CPU of level 1 for 3 % fewer bytes. */
    return s->stub && s->baud >= 921600 ? 1 : 6;
}
