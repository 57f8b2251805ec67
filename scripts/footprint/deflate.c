/* Footprint program 3: the core's deflate compressor alone, fed and drained in small chunks as a
 * host MCU would (a 256-byte read buffer, a 64-byte output buffer). */
#include "esploader/esploader_deflate.h"

static esploader_deflate_t z; /* the work memory: the program's, not the core's */
volatile unsigned char sink;

int main(void)
{
    unsigned char in[256], out[64];
    unsigned long total = 0;
    size_t i;
    int rc = ESPLOADER_DEFLATE_MORE;

    esploader_deflate_init(&z, 0);
    while (rc != ESPLOADER_DEFLATE_DONE) {
        size_t il = sizeof(in), ol = sizeof(out);
        for (i = 0; i < sizeof(in); i++)
            in[i] = (unsigned char)(i * total);
        rc = esploader_deflate(&z, in, &il, out, &ol, total >= 65536);
        total += il;
        for (i = 0; i < ol; i++)
            sink = out[i];
    }
    return 0;
}
