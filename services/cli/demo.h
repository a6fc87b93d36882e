//  demo — loads the demo catalogue into running pricing and inventory
//  services: one pricing.set per price and one inventory.set_stock per
//  stock level, all sent at once so the services commit them in a few
//  group commits. A refused line is reported with its file:line.
#ifndef RM_CLI_DEMO_H
#define RM_CLI_DEMO_H

#include "demo_data.h"

//  Sends the catalogue and waits for every answer, up to timeout_ms.
//  Returns 0 when every line was accepted, else RM_EUNAVAIL after logging
//  the lines that were not.
int demo_load (const demo_data_t *data, const char *pricing_endpoint,
               const char *inventory_endpoint, int timeout_ms);

//  Reads the demo catalogue from dir (see paths_demo_dir for given) and
//  loads it. Returns 0 or a negative code after logging.
int demo_load_dir (const char *given_dir, const char *pricing_endpoint,
                   const char *inventory_endpoint, int timeout_ms);

//  `retailmesh load-demo`: returns the process exit code.
int demo_main (int argc, char **argv);

#endif
