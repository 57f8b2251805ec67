/*
 * How the CLI schedules the write of one region through the library's pipeline, chosen from
 * what the per-phase timeline showed (docs/performance.md, "Whole-job speed-ups"):
 *   - whether looking for unchanged sectors can pay at all (a few sampled sector MD5s, instead
 *     of hashing a region that is erased or holds something else entirely);
 *   - the unit each pipeline call covers (64 KB flash blocks or the whole region);
 *   - the zlib level when the user gave none.
 * Only choices of schedule: every byte of the region is still written or proven equal by a
 * target MD5, and every written run verified, whatever is chosen here.
 */
#ifndef CLI_WRITE_PLAN_H
#define CLI_WRITE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/* Sample a few 4 KB sectors of [addr, addr + len) by target MD5 against buf. *worth = true if
 * one of them already holds its data (a reflash: searching pays), false if none does (erased
 * or other contents: write it all, no search). Small regions are not sampled (*worth = true).
 * Returns 0, or a library error of an MD5 other than a mismatch. */
int cli_plan_worth_diff(cli_session_t *s, uint32_t addr, const uint8_t *buf, uint32_t len,
                        bool *worth);

/* Bytes per pipeline call for a region: 0x10000 (one call per 64 KB flash block) or 0 (one
 * call for the whole region). */
uint32_t cli_plan_unit(const cli_session_t *s, bool diff, bool compress);

/* The zlib level: the user's, or where the stub is flash-bound (>= 921600 baud) the fastest. */
int cli_plan_level(const cli_session_t *s);

#endif
