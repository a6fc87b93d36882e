//  command — what the subcommands share: reading their options and turning
//  the outcome into an exit code (0 after --help, 2 after a usage error).
#ifndef RM_CLI_COMMAND_H
#define RM_CLI_COMMAND_H

#include "config.h"
#include <stdbool.h>

#define COMMAND_GO_ON (-1)

//  Creates the options of a subcommand; with timeout_def, it has
//  --timeout (milliseconds) with that default. NULL when out of memory.
config_t *command_new (const char *name, const char *usage, const char *timeout_def);

//  Loads cfg from argv and the environment; with recorded, the endpoints
//  `retailmesh up` recorded in --var-dir are the defaults (mesh.h). Checks
//  that between min_args and max_args positional arguments were given and,
//  when timeout_ms is not NULL, reads --timeout into it. Returns
//  COMMAND_GO_ON, or the exit code to leave with.
int command_load (config_t *cfg, int argc, char **argv, bool recorded,
                  int min_args, int max_args, int *timeout_ms);

#endif
