/*
 * libFuzzer target: custom reset-sequence strings (esploader_reset_parse, what
 * --before custom / --reset-seq hands the library), e.g. "D0|R1|W0.1|D1|R0|W0.05|D0".
 * Invariants besides "no crash, no sanitizer report": the result is a step count in
 * 1..max_steps or ESPLOADER_ERR_INVALID_ARG, never writes beyond max_steps, and the same
 * text with a larger step buffer gives the same steps.
 */
#include <stdlib.h>
#include <string.h>

#include "esploader/esploader.h"
#include "fuzz_common.h"

#define T "fuzz_reset"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t max = 1 + data[0] % 24;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    esploader_reset_step_t small[25], big[64];
    memset(small, 0xA5, sizeof(small));
    int n = esploader_reset_parse(text, small, max);
    for (size_t i = max; i < 25; i++) {
        const uint8_t *b = (const uint8_t *)&small[i];
        for (size_t k = 0; k < sizeof(small[i]); k++) {
            if (b[k] != 0xA5) {
                fuzz_fail(T, "wrote beyond max_steps");
            }
        }
    }
    if (n != ESPLOADER_ERR_INVALID_ARG && (n < 1 || (size_t)n > max)) {
        fuzz_fail(T, "step count out of range");
    }
    int m = esploader_reset_parse(text, big, 64);
    if (n > 0 && (m != n || memcmp(small, big, (size_t)n * sizeof(big[0])) != 0)) {
        fuzz_fail(T, "a bigger buffer changed the steps");
    }
    (void)esploader_reset_parse(NULL, big, 64);
    free(text);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    static const char a[] = "\x07"
                            "D0|R1|W0.1|D1|R0|W0.05|D0";
    static const char b[] = "\x0A"
                            "U0,1|W0.1|U1,1|W0.05|U0,0";
    static const char c[] = "\x02"
                            "D1|R1|W1e3|X|";
    emit("classic", a, sizeof(a) - 1);
    emit("usb-jtag", b, sizeof(b) - 1);
    emit("bad", c, sizeof(c) - 1);
}
