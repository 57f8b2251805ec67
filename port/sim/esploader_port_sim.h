/*
 * A libesploader port onto the built-in simulator (an in-process sim_link_t on a virtual
 * clock). Used by the tests, the example's default mode and the benchmarks.
 */
#ifndef ESPLOADER_PORT_SIM_H
#define ESPLOADER_PORT_SIM_H

#include "esp_sim_link.h"
#include "esploader/esploader_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops table; port_ctx must be the sim_link_t *. */
extern const esploader_port_ops_t esploader_port_sim_ops;

#ifdef __cplusplus
}
#endif

#endif
