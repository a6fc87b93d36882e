//  events — `retailmesh events tail` (the services' event logs, read with
//  events.since and, with --follow, their live events too) and `retailmesh
//  events lag` (where every consumer stands against its source).
#ifndef RM_CLI_EVENTS_H
#define RM_CLI_EVENTS_H

#include "config.h"
#include "lagtable.h"

//  Asks every service for sys.health and builds the lag table from the
//  answers (a service that did not answer is listed as down, with where it
//  was asked). Returns NULL when out of memory.
lagtable_t *events_lagtable (config_t *cfg, int timeout_ms);

//  `retailmesh events`: returns the process exit code.
int events_main (int argc, char **argv);

#endif
