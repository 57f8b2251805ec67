/* A port that does nothing, so the footprint programs link the core and (almost) nothing else. */
#ifndef FOOTPRINT_NULL_PORT_H
#define FOOTPRINT_NULL_PORT_H

#include "esploader/esploader.h"

extern const esploader_port_ops_t null_port_ops;

/* Fill cfg for the null port, with a do-nothing log hook when logging is compiled in. */
void null_port_config(esploader_config_t *cfg);

#endif
