/* --check: does the simulator's flash hold exactly the binaries at the offsets written? */
#ifndef EXAMPLE_SIM_FLASH_CHECK_H
#define EXAMPLE_SIM_FLASH_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "binaries_store.h"
#include "flash_flow.h"

/* Returns 0 with "flash check: OK (3 images, N bytes)" in msg, or -1 with the first
 * mismatch (image, flash address, both byte values) or the reason the check failed. */
int example_sim_flash_check(const uint8_t *flash, size_t flash_size, const example_store_t *s,
                            const char *folder, const example_image_result_t *images, int count,
                            char *msg, size_t msg_len);

#endif
