/* The per-phase timeline of one CLI run on the real clock (--timings, and "timings" in --json).
 * Phases are opened by the frames the library sends (hostlib/eh_timeline.h) and by marks
 * the CLI places around library calls. */
#ifndef CLI_TIMELINE_H
#define CLI_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eh_timeline.h"

void cli_tl_mark(eh_phase_t p);
/* The library's frame trace, fed to the classifier. */
void cli_tl_frame(bool tx, const uint8_t *frame, size_t len);
/* Close the timeline, add "timings" to the result object, print a table on stderr if print. */
void cli_tl_report(bool print);

#endif
