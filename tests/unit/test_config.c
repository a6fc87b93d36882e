//  config: precedence (flag > env > file > default), flag forms, boolean
//  flags, config-file errors, integer suffixes, --help and positionals.
#include "config.h"
#include "err.h"
#include "harness.h"
#include <stdlib.h>
#include <unistd.h>

static char *s_dir;

static config_t *
s_config (void)
{
    config_t *cfg = NULL;
    CHECK_EQ_INT (config_new ("testprog", "[options] FILE...", &cfg), 0);
    config_define (cfg, "data-dir", "./var/test", "Directory of the store.");
    config_define (cfg, "rpc-endpoint", "tcp://127.0.0.1:7101", "Request endpoint.");
    config_define (cfg, "pricing-endpoint", "tcp://127.0.0.1:7201", "Pricing service.");
    config_define (cfg, "map-size", "1G", "LMDB map size.");
    config_define (cfg, "nosync", "false", "Skip fsync.");
    config_define (cfg, "colour", "true", "Colour output.");
    config_define (cfg, "label", NULL, "Free text.");
    return cfg;
}

static char *
s_write_file (const char *name, const char *text)
{
    char *path = NULL;
    CHECK (asprintf (&path, "%s/%s", s_dir, name) > 0);
    FILE *file = fopen (path, "w");
    CHECK (file != NULL);
    if (file) {
        fputs (text, file);
        fclose (file);
    }
    return path;
}

//  Loads argv (NULL-terminated, without the program name) and returns what
//  went to stderr in *err_text (freed by the caller).
static int
s_load (config_t *cfg, const char *const *args, char **err_text)
{
    char *argv[32] = {"testprog"};
    int argc = 1;
    for (; args && args[argc - 1] && argc < 31; argc++)
        argv[argc] = (char *) args[argc - 1];
    argv[argc] = NULL;
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    int rc = config_load (cfg, argc, argv);
    char *text = harness_capture_end (&cap);
    if (err_text)
        *err_text = text;
    else {
        if (*text)
            fprintf (stderr, "unexpected stderr: %s", text);
        free (text);
    }
    return rc;
}

//  True when loading args fails with RM_EINVAL and an error that contains
//  every one of needles (NULL-terminated); otherwise says what was missing.
static bool
s_load_fails (config_t *cfg, const char *const *args, const char *const *needles)
{
    char *err = NULL;
    int rc = s_load (cfg, args, &err);
    bool ok = rc == RM_EINVAL;
    if (!ok)
        fprintf (stderr, "config_load returned %d, expected RM_EINVAL\n", rc);
    for (int i = 0; needles[i]; i++)
        if (!strstr (err, needles[i])) {
            fprintf (stderr, "error \"%s\" does not contain \"%s\"\n", err, needles[i]);
            ok = false;
        }
    free (err);
    return ok;
}

static void
test_defaults_and_implicit_options (void)
{
    config_t *cfg = s_config ();
    CHECK_EQ_INT (s_load (cfg, NULL, NULL), 0);
    CHECK_STR (config_get (cfg, "data-dir"), "./var/test");
    CHECK_STR (config_get (cfg, "nosync"), "false");
    CHECK (config_get (cfg, "label") == NULL);
    CHECK (config_get (cfg, "config") == NULL);
    CHECK_STR (config_get (cfg, "help"), "false");
    CHECK (config_get (cfg, "no-such-option") == NULL);
    CHECK_EQ_INT (config_argc (cfg), 0);
    CHECK (config_arg (cfg, 0) == NULL);
    config_destroy (&cfg);
    CHECK (cfg == NULL);
    config_destroy (&cfg);
}

static void
test_precedence (void)
{
    char *path = s_write_file ("precedence.conf",
                               "# every layer sets some of these\n"
                               "\n"
                               "data-dir = /from/file\n"
                               "  rpc-endpoint=tcp://127.0.0.1:1\n"
                               "pricing-endpoint =  tcp://127.0.0.1:2  \n"
                               "label = a=b # kept, only whole-line comments\n");
    setenv ("RETAILMESH_RPC_ENDPOINT", "tcp://127.0.0.1:3", 1);
    setenv ("RETAILMESH_PRICING_ENDPOINT", "tcp://127.0.0.1:4", 1);
    setenv ("RETAILMESH_MAP_SIZE", "2G", 1);
    config_t *cfg = s_config ();
    const char *args[] = {"--config", path, "--pricing-endpoint", "tcp://127.0.0.1:5", NULL};
    CHECK_EQ_INT (s_load (cfg, args, NULL), 0);
    CHECK_STR (config_get (cfg, "data-dir"), "/from/file");
    CHECK_STR (config_get (cfg, "rpc-endpoint"), "tcp://127.0.0.1:3");
    CHECK_STR (config_get (cfg, "pricing-endpoint"), "tcp://127.0.0.1:5");
    CHECK_STR (config_get (cfg, "map-size"), "2G");
    CHECK_STR (config_get (cfg, "label"), "a=b # kept, only whole-line comments");
    CHECK_STR (config_get (cfg, "config"), path);
    CHECK_STR (config_get (cfg, "nosync"), "false");

    //  A second load starts again from the defaults.
    unsetenv ("RETAILMESH_RPC_ENDPOINT");
    unsetenv ("RETAILMESH_PRICING_ENDPOINT");
    unsetenv ("RETAILMESH_MAP_SIZE");
    CHECK_EQ_INT (s_load (cfg, NULL, NULL), 0);
    CHECK_STR (config_get (cfg, "data-dir"), "./var/test");
    CHECK_STR (config_get (cfg, "pricing-endpoint"), "tcp://127.0.0.1:7201");

    //  config_set wins over everything loaded.
    config_set (cfg, "data-dir", "/set/by/program");
    CHECK_STR (config_get (cfg, "data-dir"), "/set/by/program");
    config_destroy (&cfg);
    free (path);
}

static void
test_config_from_env_and_empty_env (void)
{
    char *path = s_write_file ("env.conf", "data-dir = /via/env/file\n");
    setenv ("RETAILMESH_CONFIG", path, 1);
    setenv ("RETAILMESH_LABEL", "", 1);
    config_t *cfg = s_config ();
    CHECK_EQ_INT (s_load (cfg, NULL, NULL), 0);
    CHECK_STR (config_get (cfg, "data-dir"), "/via/env/file");
    CHECK (config_get (cfg, "label") == NULL);
    unsetenv ("RETAILMESH_CONFIG");
    unsetenv ("RETAILMESH_LABEL");
    config_destroy (&cfg);
    free (path);
}

static void
test_flag_forms_and_positionals (void)
{
    config_t *cfg = s_config ();
    const char *args[] = {"first", "--data-dir=/eq/form", "--label", "two words",
                          "second", "-", "--", "--data-dir", NULL};
    CHECK_EQ_INT (s_load (cfg, args, NULL), 0);
    CHECK_STR (config_get (cfg, "data-dir"), "/eq/form");
    CHECK_STR (config_get (cfg, "label"), "two words");
    CHECK_EQ_INT (config_argc (cfg), 4);
    CHECK_STR (config_arg (cfg, 0), "first");
    CHECK_STR (config_arg (cfg, 1), "second");
    CHECK_STR (config_arg (cfg, 2), "-");
    CHECK_STR (config_arg (cfg, 3), "--data-dir");
    CHECK (config_arg (cfg, 4) == NULL);
    CHECK (config_arg (cfg, -1) == NULL);

    //  The last of repeated flags wins; an empty value is a value.
    const char *repeat[] = {"--label", "x", "--label=", NULL};
    CHECK_EQ_INT (s_load (cfg, repeat, NULL), 0);
    CHECK_STR (config_get (cfg, "label"), "");
    CHECK_EQ_INT (config_argc (cfg), 0);
    config_destroy (&cfg);
}

static void
test_bool_flags (void)
{
    config_t *cfg = s_config ();
    const char *bare[] = {"--nosync", "data", NULL};
    CHECK_EQ_INT (s_load (cfg, bare, NULL), 0);
    CHECK_STR (config_get (cfg, "nosync"), "true");
    CHECK_EQ_INT (config_argc (cfg), 1);
    CHECK_STR (config_arg (cfg, 0), "data");

    const char *explicit_false[] = {"--nosync=false", "--colour=no", NULL};
    CHECK_EQ_INT (s_load (cfg, explicit_false, NULL), 0);
    CHECK_STR (config_get (cfg, "nosync"), "false");
    CHECK_STR (config_get (cfg, "colour"), "false");

    setenv ("RETAILMESH_NOSYNC", "yes", 1);
    CHECK_EQ_INT (s_load (cfg, NULL, NULL), 0);
    CHECK_STR (config_get (cfg, "nosync"), "true");
    const char *flag_over_env[] = {"--nosync=0", NULL};
    CHECK_EQ_INT (s_load (cfg, flag_over_env, NULL), 0);
    CHECK_STR (config_get (cfg, "nosync"), "false");
    unsetenv ("RETAILMESH_NOSYNC");

    CHECK (s_load_fails (cfg, (const char *[]) {"--nosync=maybe", NULL},
                         (const char *[]) {"nosync", "maybe", NULL}));

    char *path = s_write_file ("bool.conf", "colour = perhaps\n");
    CHECK (s_load_fails (cfg, (const char *[]) {"--config", path, NULL},
                         (const char *[]) {"bool.conf:1", "colour", NULL}));
    free (path);
    config_destroy (&cfg);
}

static void
test_unknown_flags (void)
{
    config_t *cfg = s_config ();
    CHECK (s_load_fails (cfg, (const char *[]) {"--data-dir", "/x", "--bogus", "1", NULL},
                         (const char *[]) {"--bogus", "see --help", NULL}));
    CHECK (s_load_fails (cfg, (const char *[]) {"--bogus=1", NULL},
                         (const char *[]) {"--bogus", NULL}));
    CHECK (s_load_fails (cfg, (const char *[]) {"-x", NULL}, (const char *[]) {"-x", NULL}));
    CHECK (s_load_fails (cfg, (const char *[]) {"--data-dir", NULL},
                         (const char *[]) {"--data-dir", "needs a value", NULL}));
    config_destroy (&cfg);
}

static void
test_file_errors (void)
{
    config_t *cfg = s_config ();
    char *path = s_write_file ("unknown.conf", "# ok\ndata-dir = /d\nbogus-key = 1\n");
    CHECK (s_load_fails (cfg, (const char *[]) {"--config", path, NULL},
                         (const char *[]) {"unknown.conf:3", "bogus-key", "see --help", NULL}));
    free (path);

    path = s_write_file ("noeq.conf", "\n\ndata-dir /d\n");
    CHECK (s_load_fails (cfg, (const char *[]) {"--config", path, NULL},
                         (const char *[]) {"noeq.conf:3", "name = value", NULL}));
    free (path);

    path = s_write_file ("nested.conf", "config = /other.conf\n");
    CHECK (s_load_fails (cfg, (const char *[]) {"--config", path, NULL},
                         (const char *[]) {"nested.conf:1", NULL}));
    free (path);

    char missing[512];
    snprintf (missing, sizeof missing, "%s/does-not-exist.conf", s_dir);
    CHECK (s_load_fails (cfg, (const char *[]) {"--config", missing, NULL},
                         (const char *[]) {"does-not-exist.conf", NULL}));

    //  A flag error is reported before any file is read.
    char *err = NULL;
    const char *args[] = {"--config", missing, "--bogus", NULL};
    CHECK_EQ_INT (s_load (cfg, args, &err), RM_EINVAL);
    CHECK (strstr (err, "--bogus") != NULL);
    CHECK (strstr (err, "does-not-exist") == NULL);
    free (err);
    config_destroy (&cfg);
}

static void
test_help (void)
{
    config_t *cfg = s_config ();
    const char *forms[][3] = {{"--help", NULL}, {"-h", NULL}, {"--bogus", "--help", NULL}};
    for (int i = 0; i < 3; i++) {
        harness_capture_t cap;
        harness_capture_begin (&cap, STDOUT_FILENO);
        int rc = s_load (cfg, forms[i], NULL);
        char *out = harness_capture_end (&cap);
        CHECK_EQ_INT (rc, 1);
        CHECK (strstr (out, "Usage: testprog [options] FILE...") != NULL);
        CHECK (strstr (out, "--data-dir") != NULL);
        CHECK (strstr (out, "./var/test") != NULL);
        CHECK (strstr (out, "RETAILMESH_DATA_DIR") != NULL);
        CHECK (strstr (out, "RETAILMESH_PRICING_ENDPOINT") != NULL);
        CHECK (strstr (out, "--config") != NULL);
        CHECK (strstr (out, "RETAILMESH_CONFIG") != NULL);
        CHECK (strstr (out, "--nosync") != NULL);
        free (out);
    }
    //  After "--" it is a positional argument.
    const char *after[] = {"--", "--help", NULL};
    CHECK_EQ_INT (s_load (cfg, after, NULL), 0);
    CHECK_STR (config_arg (cfg, 0), "--help");
    config_destroy (&cfg);
}

static void
test_get_int (void)
{
    config_t *cfg = s_config ();
    CHECK_EQ_INT (s_load (cfg, NULL, NULL), 0);
    static const struct {
        const char *text;
        int64_t value;
    } good[] = {
        {"0", 0}, {"2000", 2000}, {"-5", -5}, {"4k", 4096}, {"4K", 4096},
        {"3M", 3 * 1048576LL}, {"1G", 1073741824LL}, {"-2k", -2048},
        {"9223372036854775807", INT64_MAX},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        config_set (cfg, "map-size", good[i].text);
        int64_t value = -1;
        CHECK_EQ_INT (config_get_int (cfg, "map-size", &value), 0);
        CHECK_EQ_INT (value, good[i].value);
    }
    const char *bad[] = {"", "abc", "12x", "1.5G", "4 k", "4kk", "k", "9999999999G",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_set (cfg, "map-size", bad[i]);
        int64_t value = 7;
        harness_capture_t cap;
        harness_capture_begin (&cap, STDERR_FILENO);
        int rc = config_get_int (cfg, "map-size", &value);
        char *err = harness_capture_end (&cap);
        CHECK_EQ_INT (rc, RM_EINVAL);
        CHECK_EQ_INT (value, 7);
        CHECK (strstr (err, "map-size") != NULL);
        free (err);
    }
    int64_t value;
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (config_get_int (cfg, "label", &value), RM_EINVAL);
    free (harness_capture_end (&cap));
    config_destroy (&cfg);
}

static void
test_redefine_keeps_one_option (void)
{
    config_t *cfg = s_config ();
    config_define (cfg, "config", NULL, "Service config file.");
    config_define (cfg, "data-dir", "./var/other", "Directory.");
    harness_capture_t cap;
    harness_capture_begin (&cap, STDOUT_FILENO);
    CHECK_EQ_INT (s_load (cfg, (const char *[]) {"--help", NULL}, NULL), 1);
    char *out = harness_capture_end (&cap);
    const char *first = strstr (out, "--config");
    CHECK (first != NULL);
    CHECK (first && strstr (first + 1, "--config") == NULL);
    CHECK (strstr (out, "./var/other") != NULL);
    CHECK (strstr (out, "./var/test") == NULL);
    free (out);
    config_destroy (&cfg);
}

//  One option's value before any option is declared: flag over variable
//  over config file, as config_load ranks them.
static void
test_peek (void)
{
    char *path = s_write_file ("peek.conf", "# before\nlabel = from-file\n");
    char *file_only[] = {"prog", "--config", path, NULL};
    char *value = config_peek (3, file_only, "label");
    CHECK_STR (value, "from-file");
    free (value);
    setenv ("RETAILMESH_LABEL", "from-env", 1);
    value = config_peek (3, file_only, "label");
    CHECK_STR (value, "from-env");
    free (value);
    char *flag[] = {"prog", "--config=x", "--label", "from-flag", "--unknown", NULL};
    value = config_peek (5, flag, "label");
    CHECK_STR (value, "from-flag");
    free (value);
    char *flag_eq[] = {"prog", "--label=eq", NULL};
    value = config_peek (2, flag_eq, "label");
    CHECK_STR (value, "eq");
    free (value);
    unsetenv ("RETAILMESH_LABEL");
    //  after "--" nothing is an option
    char *after[] = {"prog", "--", "--label=no", NULL};
    CHECK (config_peek (3, after, "label") == NULL);
    char *none[] = {"prog", "--labels=no", NULL};
    CHECK (config_peek (2, none, "label") == NULL);
    free (path);
}

int
main (int argc, char **argv)
{
    (void) argc;
    s_dir = harness_tmpdir ("test_config");
    test_defaults_and_implicit_options ();
    test_precedence ();
    test_config_from_env_and_empty_env ();
    test_flag_forms_and_positionals ();
    test_bool_flags ();
    test_unknown_flags ();
    test_file_errors ();
    test_help ();
    test_get_int ();
    test_redefine_keeps_one_option ();
    test_peek ();
    harness_rmtree (s_dir);
    free (s_dir);
    return harness_report (argv[0]);
}
