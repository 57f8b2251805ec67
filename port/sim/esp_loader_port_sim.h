/*
 * A libesploader port onto the built-in simulator (an in-process sim_link_t on a virtual
 * clock). Used by the tests, the example's default mode and the benchmarks.
 */
#ifndef ESP_LOADER_PORT_SIM_H
#define ESP_LOADER_PORT_SIM_H

#include "esp_sim_link.h"
#include "esploader/esp_loader_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops table; port_ctx must be the sim_link_t *. */
extern const esp_loader_port_ops_t esp_loader_port_sim_ops;

#ifdef __cplusplus
}
#endif

#endif
