/* fuzz_fail() for the libFuzzer builds (fuzz_main.c has its own for the replay runners). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

void fuzz_fail(const char *target, const char *what)
{
    fprintf(stderr, "%s: invariant violated: %s\n", target, what);
    abort();
}
