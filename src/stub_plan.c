/* Transfer planning for writes through the flasher stub (docs/performance.md "stub schedule").
 * Pure arithmetic in their own file: programs that do not call them do not carry them. */
#include "loader.h"

#define PLAN_SEGMENT 0x10000u /* the flash's 64 KB erase block */
#define PLAN_TAIL    0x400u   /* the taper stops at 1 KB */

uint32_t esploader_stub_segment(uint32_t offset, uint32_t size)
{
    uint32_t to_border = PLAN_SEGMENT - (offset & (PLAN_SEGMENT - 1));
    return size < to_border ? size : to_border;
}

uint32_t esploader_stub_block(uint32_t left, uint32_t block_size)
{
    if (block_size == 0 || block_size > 0x4000) {
        block_size = 0x4000;
    }
    if (left > 2 * block_size) {
        return block_size;
    }
    return left <= PLAN_TAIL ? left : left / 2;
}
