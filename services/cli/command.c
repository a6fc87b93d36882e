#include "command.h"
#include "err.h"
#include "mesh.h"
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

config_t *
command_new (const char *name, const char *usage, const char *timeout_def)
{
    config_t *cfg = config_new (name, usage);
    if (cfg && timeout_def)
        config_define (cfg, "timeout", timeout_def, "Milliseconds to wait for the answers.");
    return cfg;
}

int
command_load (config_t *cfg, int argc, char **argv, bool recorded,
              int min_args, int max_args, int *timeout_ms)
{
    int rc = recorded ? mesh_config_load (cfg, argc, argv) : config_load (cfg, argc, argv);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return 2;
    int nargs = config_argc (cfg);
    if (nargs > max_args) {
        fprintf (stderr, "%s: unexpected argument '%s' (see %s --help)\n",
                 argv[0], config_arg (cfg, max_args), argv[0]);
        return 2;
    }
    if (nargs < min_args) {
        fprintf (stderr, "%s: missing argument (see %s --help)\n", argv[0], argv[0]);
        return 2;
    }
    if (timeout_ms) {
        int64_t value;
        if (config_get_int (cfg, "timeout", &value) != 0)
            return 2;
        if (value <= 0 || value > INT_MAX) {
            fprintf (stderr, "%s: --timeout must be a positive number of milliseconds\n", argv[0]);
            return 2;
        }
        *timeout_ms = (int) value;
    }
    return COMMAND_GO_ON;
}
