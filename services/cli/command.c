#include "command.h"
#include "err.h"
#include "mesh.h"
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int
command_new (const char *name, const char *usage, const char *timeout_def, config_t **cfg_p)
{
    int rc = config_new (name, usage, cfg_p);
    if (rc == 0)
        topology_define_option (*cfg_p);
    if (rc == 0 && timeout_def)
        config_define (*cfg_p, "timeout", timeout_def, "Milliseconds to wait for the answers.");
    return rc;
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
    //  runbook commands talk to the mesh as its operator
    if (recorded && config_get (cfg, "curve") && mesh_use_keys (cfg) != 0)
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

int
command_int (config_t *cfg, const char *prog, const char *name, bool required,
             int64_t min, int64_t *value)
{
    if (!config_get (cfg, name)) {
        if (!required)
            return COMMAND_GO_ON;
        fprintf (stderr, "%s: --%s is required (see %s --help)\n", prog, name, prog);
        return 2;
    }
    int64_t number;
    if (config_get_int (cfg, name, &number) != 0)
        return 2;
    if (number < min) {
        fprintf (stderr, "%s: --%s must be at least %lld (got %lld)\n", prog, name,
                 (long long) min, (long long) number);
        return 2;
    }
    *value = number;
    return COMMAND_GO_ON;
}

int
command_service (config_t *cfg, const char *prog, const char *name, bool required,
                 const mesh_service_t **svc)
{
    const char *value = config_get (cfg, name);
    *svc = mesh_find (value);
    if (*svc || (!value && !required))
        return COMMAND_GO_ON;
    if (!value)
        fprintf (stderr, "%s: --%s is required (see %s --help)\n", prog, name, prog);
    else {
        fprintf (stderr, "%s: --%s must name a service: ", prog, name);
        size_t n = mesh_count ();
        for (size_t i = 0; i < n; i++)
            fprintf (stderr, "%s%s", mesh_service (i)->name,
                     i + 1 == n ? "" : i + 2 == n ? " or " : ", ");
        fprintf (stderr, " (got '%s')\n", value);
    }
    return 2;
}

static void
s_sub_usage (FILE *out, const char *prog, const command_sub_t *subs, const char *about)
{
    fprintf (out, "Usage: %s SUBCOMMAND [options]\n\n%s\n\nSubcommands:\n", prog, about);
    for (const command_sub_t *sub = subs; sub->name; sub++)
        fprintf (out, "  %-8s %s\n", sub->name, sub->summary);
    fprintf (out, "\nRun '%s SUBCOMMAND --help' for the options of a subcommand.\n", prog);
}

int
command_run_sub (int argc, char **argv, const command_sub_t *subs, const char *about)
{
    if (argc < 2) {
        s_sub_usage (stderr, argv[0], subs, about);
        return 2;
    }
    if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
        || strcmp (argv[1], "help") == 0) {
        s_sub_usage (stdout, argv[0], subs, about);
        return 0;
    }
    for (const command_sub_t *sub = subs; sub->name; sub++) {
        if (strcmp (argv[1], sub->name) != 0)
            continue;
        char name[96];
        snprintf (name, sizeof name, "%s %s", argv[0], sub->name);
        argv[1] = name;
        return sub->run (argc - 1, argv + 1);
    }
    fprintf (stderr, "%s: unknown subcommand '%s'\n\n", argv[0], argv[1]);
    s_sub_usage (stderr, argv[0], subs, about);
    return 2;
}
