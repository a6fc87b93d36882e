//  retailmesh — the command that runs a retailmesh on one machine: starts
//  and supervises the services, reports their health, loads the demo
//  catalogue, and shows and repairs the flow of events between services.
//  Each subcommand lives in its own module.
#include "catalogue.h"
#include "demo.h"
#include "dlq.h"
#include "events.h"
#include "import.h"
#include "keys.h"
#include "launcher.h"
#include "log.h"
#include "mesh.h"
#include "command.h"
#include "sha256.h"
#include "status.h"
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    bool quiet;                   //  the command's output is its report: no library warnings
    const char *summary;
} command_t;

static int s_keyhash (int argc, char **argv);
static int s_topology (int argc, char **argv);
static int s_keys (int argc, char **argv);

static const command_t s_commands[] = {
    {"up", launcher_main, false,
     "start every service of the topology and the gateway on 127.0.0.1 and supervise them"},
    {"status", status_main, true,
     "show whether each service is up, with its version, uptime and store size"},
    {"health", health_main, true,
     "check one endpoint; exit 0 when it answers (a container health check)"},
    {"keyhash", s_keyhash, true,
     "print the SHA-256 of an API key, for the gateway's --api-key-hashes"},
    {"load-demo", demo_main, true,
     "load the demo catalogue into running pricing and inventory services"},
    {"events", events_main, true,
     "print the services' events (tail, --follow) and how far behind consumers are (lag)"},
    {"dlq", dlq_main, true,
     "list, show, retry or drop dead letters: events a consumer set aside after failures"},
    {"replay", replay_main, true,
     "move a consumer's position to apply a source's events again from a seq (or skip)"},
    {"import", import_main, true,
     "import a bulk feed of prices or stock (CSV or JSON lines), checked whole first"},
    {"catalog", catalogue_main, true,
     "print every operation and event (or one) with its version and fields"},
    {"keys", s_keys, true,
     "keys init: make the CURVE key pairs of every service and the operator (once; kept after)"},
    {"topology", s_topology, true,
     "print the table of services: endpoints, what each calls and consumes"},
    {NULL, NULL, false, NULL},
};

static void
s_usage (FILE *out)
{
    fprintf (out, "Usage: retailmesh COMMAND [options]\n\nCommands:\n");
    for (const command_t *cmd = s_commands; cmd->name; cmd++)
        fprintf (out, "  %-10s %s\n", cmd->name, cmd->summary);
    fprintf (out, "\nRun 'retailmesh COMMAND --help' for the options of a command.\n");
}

static int
s_keyhash (int argc, char **argv)
{
    if (argc == 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
        printf ("Usage: %s KEY\n       %s -    (reads the key from the first line of stdin)\n\n"
                "Prints the SHA-256 of KEY as hex: the gateway takes these in --api-key-hashes\n"
                "(comma-separated) or --api-key-hashes-file (one a line, as name:hash to name the\n"
                "caller), and never the keys themselves.\n", argv[0], argv[0]);
        return 0;
    }
    if (argc != 2) {
        fprintf (stderr, "%s: expected exactly one KEY (see %s --help)\n", argv[0], argv[0]);
        return 2;
    }
    char line[1024];
    const char *key = argv[1];
    //  "-" keeps the key out of the shell history and the process list
    if (strcmp (key, "-") == 0) {
        if (!fgets (line, sizeof line, stdin)) {
            fprintf (stderr, "%s: no key on stdin\n", argv[0]);
            return 2;
        }
        line[strcspn (line, "\r\n")] = '\0';
        key = line;
    }
    if (!*key) {
        fprintf (stderr, "%s: the key is empty\n", argv[0]);
        return 2;
    }
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex (key, strlen (key), hex);
    printf ("%s\n", hex);
    return 0;
}

static int
s_topology (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[options]\n\n"
        "Prints the topology every retailmesh program reads: one row per service with\n"
        "its default request (rpc) and event (pub) endpoints, the services it calls,\n"
        "the event sources it consumes, and the HTTP port of the gateway; '-' for none.\n"
        "That is the built-in table with the rows of the --topology file applied; the\n"
        "output is itself a topology file. Without --topology, the table `retailmesh up`\n"
        "recorded in --var-dir, if it did.", NULL, &cfg) != 0)
        return 1;
    mesh_define_var_dir (cfg);
    int code = command_load (cfg, argc, argv, false, 0, 0, NULL);
    if (code == COMMAND_GO_ON) {
        topology_print (mesh_topology (), stdout);
        code = 0;
    }
    config_destroy (&cfg);
    return code;
}

//  One keys directory per service of the topology, under split.
static int
s_keys_split (const char *dir, const char *split)
{
    if (mkdir (split, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "keys: cannot create %s: %s\n", split, strerror (errno));
        return 1;
    }
    const topology_t *topo = mesh_topology ();
    for (size_t i = 0; i < topology_count (topo); i++) {
        const char *name = topology_row (topo, i)->name;
        char out[PATH_MAX];
        snprintf (out, sizeof out, "%.3000s/%s", split, name);
        if (keys_export (dir, topo, name, out) != 0)
            return 1;
        printf ("keys of %s in %s\n", name, out);
    }
    return 0;
}

static int
s_keys (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "init [options]\n\n"
        "Makes a CURVE key pair for every service of the topology and for the\n"
        "operator (the runbook commands) in --keys-dir: NAME.cert is the public key,\n"
        "NAME.cert_secret the secret one (mode 0600). Pairs that exist are kept, so it\n"
        "is safe to run again; delete a pair and run it to replace that key.\n"
        "With --split DIR it then writes DIR/NAME for every service NAME: its own pair\n"
        "and the public keys it needs (its peers', its callers' and consumers', the\n"
        "operator's), no other secret, for a container that mounts only that.", NULL, &cfg) != 0)
        return 1;
    mesh_define_var_dir (cfg);
    mesh_define_keys (cfg);
    config_define (cfg, "split", NULL, "Directory to write one keys directory per service into (see above).");
    int code = command_load (cfg, argc, argv, false, 1, 1, NULL);
    if (code == COMMAND_GO_ON && strcmp (config_arg (cfg, 0), "init") != 0) {
        fprintf (stderr, "%s: unknown subcommand '%s' (see %s --help)\n", argv[0], config_arg (cfg, 0), argv[0]);
        code = 2;
    }
    if (code == COMMAND_GO_ON) {
        char dir[PATH_MAX];
        mesh_keys_dir (cfg, dir, sizeof dir);
        int made = 0;
        code = keys_init (dir, mesh_topology (), &made) == 0 ? 0 : 1;
        if (code == 0)
            printf ("%d key pair%s made in %s\n", made, made == 1 ? "" : "s", dir);
        const char *split = config_get (cfg, "split");
        if (code == 0 && split && *split)
            code = s_keys_split (dir, split);
    }
    config_destroy (&cfg);
    return code;
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        s_usage (stderr);
        return 2;
    }
    if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
        || strcmp (argv[1], "help") == 0) {
        s_usage (stdout);
        return 0;
    }
    if (strcmp (argv[1], "--version") == 0) {
        printf ("retailmesh %s\n", RETAILMESH_VERSION);
        return 0;
    }
    for (const command_t *cmd = s_commands; cmd->name; cmd++) {
        if (strcmp (argv[1], cmd->name) != 0)
            continue;
        log_init ("retailmesh", cmd->quiet ? RM_LOG_ERROR : RM_LOG_INFO);
        if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fprintf (stderr, "retailmesh: cannot initialise libcurl\n");
            return 1;
        }
        //  every command reads the same table as the services it talks to:
        //  the one `up` recorded, unless told otherwise
        int code = mesh_use_topology (argc - 1, argv + 1, cmd->run != launcher_main);
        //  the subcommand sees itself as argv[0], named in full in messages
        char name[64];
        snprintf (name, sizeof name, "retailmesh %s", cmd->name);
        argv[1] = name;
        if (code == 0)
            code = cmd->run (argc - 1, argv + 1);
        curl_global_cleanup ();
        return code;
    }
    fprintf (stderr, "retailmesh: unknown command '%s'\n\n", argv[1]);
    s_usage (stderr);
    return 2;
}
