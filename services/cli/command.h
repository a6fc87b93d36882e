//  command — what the subcommands share: reading their options and turning
//  the outcome into an exit code (0 after --help, 2 after a usage error),
//  and running the subcommands of a command that has them ("dlq list").
#ifndef RM_CLI_COMMAND_H
#define RM_CLI_COMMAND_H

#include "config.h"
#include "mesh.h"
#include <stdbool.h>
#include <stdint.h>

//  "Carry on": neither an exit code (0..255) nor an error code (err.h's
//  are negative), so it cannot be mistaken for either.
#define COMMAND_GO_ON 256

//  Creates the options of a subcommand, --topology among them; with
//  timeout_def, it has --timeout (milliseconds) with that default. Returns
//  0 or RM_ENOMEM.
int command_new (const char *name, const char *usage, const char *timeout_def, config_t **cfg_p);

//  Loads cfg from argv and the environment; with recorded, the endpoints
//  `retailmesh up` recorded in --var-dir are the defaults (mesh.h). Checks
//  that between min_args and max_args positional arguments were given and,
//  when timeout_ms is not NULL, reads --timeout into it. Returns
//  COMMAND_GO_ON, or the exit code to leave with.
int command_load (config_t *cfg, int argc, char **argv, bool recorded,
                  int min_args, int max_args, int *timeout_ms);

//  Reads the integer option name, which must be at least min. When it has
//  no value, that is an error if required; otherwise *value is left as it
//  was. Returns COMMAND_GO_ON, or 2 after saying what is wrong.
int command_int (config_t *cfg, const char *prog, const char *name, bool required,
                 int64_t min, int64_t *value);

//  Reads the option name, which names a service of the mesh; *svc is NULL
//  when it has no value and is not required. Returns COMMAND_GO_ON, or 2
//  after saying what is wrong.
int command_service (config_t *cfg, const char *prog, const char *name, bool required,
                     const mesh_service_t **svc);

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *summary;
} command_sub_t;

//  Runs the subcommand of subs (ended by a NULL name) that argv[1] names;
//  it sees itself as argv[0] "<argv[0]> <name>". Lists the subcommands
//  after about for --help (exit 0), and when none or an unknown one is
//  given (exit 2). Returns the exit code.
int command_run_sub (int argc, char **argv, const command_sub_t *subs, const char *about);

#endif
