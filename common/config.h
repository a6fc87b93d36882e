//  config — a service's settings: command-line flags over RETAILMESH_*
//  environment variables over an optional config file over built-in defaults.
//  A flag --pricing-endpoint maps to RETAILMESH_PRICING_ENDPOINT and to the
//  line "pricing-endpoint = tcp://..." in the file named by --config or
//  RETAILMESH_CONFIG.
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct config_t config_t;

//  Creates an empty option set for a program; usage is the one-line synopsis
//  printed by --help. Returns 0 or RM_ENOMEM.
int config_new (const char *program, const char *usage, config_t **self_p);

//  Destroys the option set and nulls the pointer.
void config_destroy (config_t **self_p);

//  Declares an option with its default (may be NULL) and a help text.
void config_define (config_t *self, const char *name, const char *def, const char *help);

//  Reads the file, the environment and argv, in that order of precedence.
//  Returns 0, 1 when --help was printed (the caller exits 0), or RM_EINVAL
//  after printing an error a person can act on (the caller exits 2).
//  Non-option arguments are kept and available through config_arg.
int config_load (config_t *self, int argc, char **argv);

//  Finds one option's value before the options are declared (a value that
//  decides which options exist, such as --topology): from argv (before
//  "--"), else the RETAILMESH_* variable, else the config file named by
//  --config or RETAILMESH_CONFIG. Returns a copy to free, or NULL when no
//  source sets it. Errors in the other options are left to config_load.
char *config_peek (int argc, char **argv, const char *name);

//  Returns an option's value, or NULL when it has none.
const char *config_get (config_t *self, const char *name);

//  Sets an option's value (used by tests and by programs that derive values).
void config_set (config_t *self, const char *name, const char *value);

//  Parses an option as a signed integer with an optional k/M/G suffix
//  (powers of 1024). Returns RM_EINVAL and logs the option name if it is
//  not a number.
int config_get_int (config_t *self, const char *name, int64_t *value);

//  Returns the number of positional arguments and the i-th of them.
int config_argc (config_t *self);
const char *config_arg (config_t *self, int i);

//  Prints the help text (all options, their defaults and variables).
void config_print_help (config_t *self);

#endif
