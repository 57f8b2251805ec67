/* Footprint program 3: the core's deflate compressor alone, through the compressor interface
 * the write pipeline calls (esploader_deflate_compressor), fed and drained in small chunks as
 * a host MCU would (a 256-byte read buffer, a 64-byte output buffer). */
#include "esploader/esploader_deflate.h"

static esploader_deflate_t z; /* the work memory: the program's, not the core's */
volatile unsigned char sink;

int main(void)
{
    esploader_compressor_t c;
    unsigned char in[256], out[64];
    unsigned long total = 0;
    size_t i;
    int rc = ESPLOADER_COMPRESS_MORE;

    esploader_deflate_compressor(&c, &z, 0);
    if (c.ops->begin(c.ctx) != 0)
        return 1;
    while (rc == ESPLOADER_COMPRESS_MORE) {
        size_t il, ol;
        for (i = 0; i < sizeof(in); i++)
            in[i] = (unsigned char)(i * total);
        rc = c.ops->run(c.ctx, in, sizeof(in), &il, out, sizeof(out), &ol, total >= 65536);
        total += il;
        for (i = 0; i < ol; i++)
            sink = out[i];
    }
    return rc == ESPLOADER_COMPRESS_END ? 0 : 1;
}
