/* Footprint program 4: the typical flow through the write pipeline (esploader_flash_write_job):
 * connect, write an image read through a callback (as from a filesystem) with unchanged
 * sectors skipped and each run compressed through a compressor interface and verified, reset.
 * The compressor here is a do-nothing stand-in in the program (not the core's deflate): the
 * pipeline calls it through function pointers only, so the core links no compressor for it. */
#include "null_port.h"

static int my_read(void *user, uint32_t pos, void *buf, uint32_t len)
{
    uint8_t *p = buf;
    uint32_t i;
    (void)user;
    for (i = 0; i < len; i++)
        p[i] = (uint8_t)(pos + i);
    return 0;
}

static int c_begin(void *ctx)
{
    (void)ctx;
    return 0;
}

static int c_run(void *ctx, const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                 size_t out_cap, size_t *out_len, bool finish)
{
    (void)ctx;
    (void)in;
    (void)out;
    *in_used = in_len;
    *out_len = out_cap > 0 ? 1 : 0;
    return finish ? ESPLOADER_COMPRESS_END : ESPLOADER_COMPRESS_MORE;
}

static const esploader_compressor_ops_t ops = {c_begin, c_run};

int main(void)
{
    esploader_config_t cfg;
    esploader_t l;
    esploader_compressor_t c = {&ops, 0};
    esploader_write_job_t job = {0};
    static uint8_t work[1024 + 256];
    int rc;

    null_port_config(&cfg);
    job.offset = 0x10000;
    job.size = 64 * 1024;
    job.read = my_read;
    job.compressor = &c;
    job.work = work;
    job.work_size = sizeof(work);
    job.flags = ESPLOADER_WRITE_SKIP_UNCHANGED;
    rc = esploader_init(&l, &cfg);
    if (rc == ESPLOADER_OK)
        rc = esploader_connect(&l);
    if (rc == ESPLOADER_OK)
        rc = esploader_flash_write_job(&l, &job);
    if (rc == ESPLOADER_OK)
        rc = esploader_reset_target(&l);
    return rc;
}
