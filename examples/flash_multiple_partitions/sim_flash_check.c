/* Compares the simulated flash with the files, reading the files again from the store so the
 * check does not trust anything the flow kept in memory. */
#include "sim_flash_check.h"

#include <stdio.h>
#include <string.h>

int example_sim_flash_check(const uint8_t *flash, size_t flash_size, const example_store_t *s,
                            const char *folder, const example_image_result_t *images, int count,
                            char *msg, size_t msg_len)
{
    uint64_t total = 0;
    if (!flash || count <= 0) {
        snprintf(msg, msg_len, "flash check: FAILED (nothing was written)");
        return -1;
    }
    for (int i = 0; i < count; i++) {
        const example_image_result_t *r = &images[i];
        uint32_t size = 0, at = 0;
        void *h = s->open(s->ctx, folder, r->file, &size);
        if (!h) {
            snprintf(msg, msg_len, "flash check: FAILED (cannot reopen %s/%s)", folder, r->file);
            return -1;
        }
        if (r->offset > flash_size || size > flash_size - r->offset) {
            s->close(s->ctx, h);
            snprintf(msg, msg_len, "flash check: FAILED (%s at 0x%x is beyond the %zu B flash)",
                     r->file, (unsigned)r->offset, flash_size);
            return -1;
        }
        uint8_t buf[4096];
        int32_t n;
        while ((n = s->read(s->ctx, h, buf, sizeof buf)) > 0) {
            const uint8_t *f = flash + r->offset + at;
            if (memcmp(buf, f, (size_t)n) != 0) {
                int32_t k = 0;
                while (buf[k] == f[k])
                    k++;
                s->close(s->ctx, h);
                snprintf(msg, msg_len,
                         "flash check: MISMATCH in %s at flash 0x%x (file offset %u): flash "
                         "has 0x%02x, file has 0x%02x",
                         r->file, (unsigned)(r->offset + at + (uint32_t)k),
                         (unsigned)(at + (uint32_t)k), f[k], buf[k]);
                return -1;
            }
            at += (uint32_t)n;
        }
        s->close(s->ctx, h);
        if (n < 0 || at != size) {
            snprintf(msg, msg_len, "flash check: FAILED (read error in %s)", r->file);
            return -1;
        }
        total += size;
    }
    snprintf(msg, msg_len, "flash check: OK (%d images, %llu bytes)", count,
             (unsigned long long)total);
    return 0;
}
