#include "timeline.h"

#include <stdio.h>
#include <time.h>

#include "output.h"

static eh_timeline_t g_tl;
static bool g_init;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static eh_timeline_t *tl(void)
{
    if (!g_init) {
        eh_tl_init(&g_tl);
        g_init = true;
    }
    return &g_tl;
}

void cli_tl_mark(eh_phase_t p)
{
    eh_tl_mark(tl(), p, now_us());
}

void cli_tl_frame(bool tx, const uint8_t *frame, size_t len)
{
    eh_tl_frame(tl(), tx, frame, len, now_us());
}

void cli_tl_report(bool print)
{
    eh_timeline_t *t = tl();
    eh_tl_stop(t, now_us());
    if (!t->started) {
        return;
    }
    double total = (double)eh_tl_total_us(t) / 1000.0;
    cJSON *j = cJSON_AddObjectToObject(cli_result(), "timings");
    for (int p = 0; p < EH_PH_COUNT; p++) {
        char key[32];
        snprintf(key, sizeof(key), "%s_ms", eh_phase_name((eh_phase_t)p));
        cJSON_AddNumberToObject(j, key, (double)(t->us[p] / 100u) / 10.0);
    }
    cJSON_AddNumberToObject(j, "total_ms", (double)((uint64_t)(total * 10.0)) / 10.0);
    if (!print) {
        return;
    }
    fprintf(stderr, "timeline (wall clock):\n");
    for (int p = 0; p < EH_PH_COUNT; p++) {
        if (t->us[p] == 0 && t->frames[p] == 0) {
            continue;
        }
        double ms = (double)t->us[p] / 1000.0;
        fprintf(stderr, "  %-10s %10.1f ms %5.1f %%  %6u commands\n", eh_phase_name((eh_phase_t)p),
                ms, total > 0 ? 100.0 * ms / total : 0.0, (unsigned)t->frames[p]);
    }
    fprintf(stderr, "  %-10s %10.1f ms\n", "total", total);
}
