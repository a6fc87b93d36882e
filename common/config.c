#include "config.h"
#include "err.h"
#include "log.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    char *def;
    char *help;
    char *value;
    bool boolean;        //  defined with default "true" or "false"
} option_t;

struct config_t {
    char *program;
    char *usage;
    option_t *options;
    size_t count;
    size_t capacity;
    char **args;         //  positional arguments, copied
    int nargs;
};

//  Options come from a person; a failed allocation of a few bytes leaves
//  nothing sensible to report, so it ends the program with a message.
static char *
s_strdup (const char *s)
{
    if (!s)
        return NULL;
    char *copy = strdup (s);
    if (!copy) {
        fprintf (stderr, "config: out of memory\n");
        abort ();
    }
    return copy;
}

static option_t *
s_find (config_t *self, const char *name, size_t len)
{
    for (size_t i = 0; i < self->count; i++)
        if (strlen (self->options[i].name) == len
            && memcmp (self->options[i].name, name, len) == 0)
            return &self->options[i];
    return NULL;
}

static void
s_set_value (option_t *opt, const char *value)
{
    char *copy = s_strdup (value);
    free (opt->value);
    opt->value = copy;
}

static void
s_env_name (const char *name, char *out, size_t size)
{
    size_t n = (size_t) snprintf (out, size, "RETAILMESH_");
    for (const char *p = name; *p && n + 1 < size; p++)
        out[n++] = *p == '-' ? '_' : (char) toupper ((unsigned char) *p);
    out[n] = '\0';
}

int
config_new (const char *program, const char *usage, config_t **self_p)
{
    config_t *self = calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->program = s_strdup (program);
    self->usage = s_strdup (usage ? usage : "[options]");
    config_define (self, "config", NULL, "Read options from this file (lines 'name = value').");
    config_define (self, "help", "false", "Print this help and exit.");
    *self_p = self;
    return 0;
}

void
config_destroy (config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    config_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free (self->options[i].name);
        free (self->options[i].def);
        free (self->options[i].help);
        free (self->options[i].value);
    }
    free (self->options);
    for (int i = 0; i < self->nargs; i++)
        free (self->args[i]);
    free (self->args);
    free (self->program);
    free (self->usage);
    free (self);
    *self_p = NULL;
}

void
config_define (config_t *self, const char *name, const char *def, const char *help)
{
    char *def_copy = s_strdup (def);
    char *help_copy = s_strdup (help ? help : "");
    option_t *opt = s_find (self, name, strlen (name));
    if (opt) {
        //  A redefinition (a service restating "config") updates in place.
        free (opt->def);
        free (opt->help);
    }
    else {
        if (self->count == self->capacity) {
            size_t capacity = self->capacity ? self->capacity * 2 : 16;
            option_t *grown = realloc (self->options, capacity * sizeof *grown);
            if (!grown) {
                fprintf (stderr, "config: out of memory\n");
                abort ();
            }
            self->options = grown;
            self->capacity = capacity;
        }
        opt = &self->options[self->count++];
        memset (opt, 0, sizeof *opt);
        opt->name = s_strdup (name);
    }
    opt->def = def_copy;
    opt->help = help_copy;
    opt->boolean = def && (strcmp (def, "true") == 0 || strcmp (def, "false") == 0);
    s_set_value (opt, def);
}

//  Sets an option from one source, normalising booleans so programs can
//  compare with "true". where names the source for the error message.
static int
s_assign (config_t *self, option_t *opt, const char *value, const char *where)
{
    if (opt->boolean) {
        static const char *yes[] = {"true", "1", "yes", "on"};
        static const char *no[] = {"false", "0", "no", "off"};
        for (int i = 0; i < 4; i++) {
            if (strcmp (value, yes[i]) == 0) {
                s_set_value (opt, "true");
                return 0;
            }
            if (strcmp (value, no[i]) == 0) {
                s_set_value (opt, "false");
                return 0;
            }
        }
        fprintf (stderr, "%s: %s: option '%s' takes true or false, not '%s' (see --help)\n",
                 self->program, where, opt->name, value);
        return RM_EINVAL;
    }
    s_set_value (opt, value);
    return 0;
}

static char *
s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    size_t len = strlen (s);
    while (len > 0 && isspace ((unsigned char) s[len - 1]))
        s[--len] = '\0';
    return s;
}

static int
s_load_file (config_t *self, const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        fprintf (stderr, "%s: cannot read config file %s: %s\n",
                 self->program, path, strerror (errno));
        return RM_EINVAL;
    }
    int rc = 0;
    char *line = NULL;
    size_t size = 0;
    int lineno = 0;
    while (rc == 0 && getline (&line, &size, file) != -1) {
        lineno++;
        char where[512];
        snprintf (where, sizeof where, "%s:%d", path, lineno);
        char *text = s_trim (line);
        if (*text == '\0' || *text == '#')
            continue;
        char *eq = strchr (text, '=');
        if (!eq) {
            fprintf (stderr, "%s: %s: expected 'name = value', got '%s' (see --help)\n",
                     self->program, where, text);
            rc = RM_EINVAL;
            break;
        }
        *eq = '\0';
        char *name = s_trim (text);
        char *value = s_trim (eq + 1);
        option_t *opt = s_find (self, name, strlen (name));
        if (!opt || strcmp (name, "help") == 0) {
            fprintf (stderr, "%s: %s: unknown option '%s' (see --help)\n",
                     self->program, where, name);
            rc = RM_EINVAL;
        }
        else if (strcmp (name, "config") == 0) {
            fprintf (stderr, "%s: %s: 'config' cannot be set inside a config file (see --help)\n",
                     self->program, where);
            rc = RM_EINVAL;
        }
        else
            rc = s_assign (self, opt, value, where);
    }
    if (rc == 0 && ferror (file)) {
        fprintf (stderr, "%s: cannot read config file %s: %s\n",
                 self->program, path, strerror (errno));
        rc = RM_EINVAL;
    }
    free (line);
    fclose (file);
    return rc;
}

static void
s_add_arg (config_t *self, const char *arg)
{
    char **grown = realloc (self->args, (size_t) (self->nargs + 1) * sizeof *grown);
    if (!grown) {
        fprintf (stderr, "config: out of memory\n");
        abort ();
    }
    self->args = grown;
    self->args[self->nargs++] = s_strdup (arg);
}

static bool
s_is_help (const char *arg)
{
    return strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0
        || strcmp (arg, "--help=true") == 0;
}

//  Applies argv, or with apply false only checks it and finds --config.
static int
s_parse_args (config_t *self, int argc, char **argv, bool apply, const char **config_path)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || strcmp (arg, "-") == 0) {
            if (apply)
                s_add_arg (self, arg);
            continue;
        }
        if (strcmp (arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strncmp (arg, "--", 2) != 0) {
            fprintf (stderr, "%s: unknown flag '%s' (see --help)\n", self->program, arg);
            return RM_EINVAL;
        }
        const char *name = arg + 2;
        const char *eq = strchr (name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen (name);
        option_t *opt = s_find (self, name, len);
        if (!opt) {
            fprintf (stderr, "%s: unknown flag '--%.*s' (see --help)\n",
                     self->program, (int) len, name);
            return RM_EINVAL;
        }
        const char *value;
        if (eq)
            value = eq + 1;
        else if (opt->boolean)
            //  A bare boolean flag never takes the next word, so
            //  "--nosync data" keeps "data" as a positional argument.
            value = "true";
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            fprintf (stderr, "%s: flag '--%s' needs a value (see --help)\n",
                     self->program, opt->name);
            return RM_EINVAL;
        }
        if (strcmp (opt->name, "config") == 0)
            *config_path = value;
        if (apply) {
            char where[300];
            snprintf (where, sizeof where, "flag --%s", opt->name);
            int rc = s_assign (self, opt, value, where);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int
config_load (config_t *self, int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
        if (s_is_help (argv[i])) {
            config_print_help (self);
            return 1;
        }

    //  Start from the defaults so a second load does not mix in the first.
    for (size_t i = 0; i < self->count; i++)
        s_set_value (&self->options[i], self->options[i].def);
    for (int i = 0; i < self->nargs; i++)
        free (self->args[i]);
    self->nargs = 0;

    //  argv is checked first so a mistyped flag is reported before any
    //  file is read, and so --config can name the file.
    const char *config_path = getenv ("RETAILMESH_CONFIG");
    if (config_path && !*config_path)
        config_path = NULL;
    int rc = s_parse_args (self, argc, argv, false, &config_path);
    if (rc)
        return rc;
    if (config_path) {
        rc = s_load_file (self, config_path);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < self->count; i++) {
        option_t *opt = &self->options[i];
        if (strcmp (opt->name, "help") == 0)
            continue;
        char env[300];
        s_env_name (opt->name, env, sizeof env);
        //  An empty variable counts as unset, so `RETAILMESH_X= cmd` clears it.
        const char *value = getenv (env);
        if (value && *value) {
            rc = s_assign (self, opt, value, env);
            if (rc)
                return rc;
        }
    }
    return s_parse_args (self, argc, argv, true, &config_path);
}

//  The value of "name = value" in a config file, or NULL.
static char *
s_peek_file (const char *path, const char *name)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char *found = NULL;
    char *line = NULL;
    size_t size = 0;
    while (!found && getline (&line, &size, file) != -1) {
        char *text = s_trim (line);
        char *eq = strchr (text, '=');
        if (*text == '#' || !eq)
            continue;
        *eq = '\0';
        if (strcmp (s_trim (text), name) == 0)
            found = s_strdup (s_trim (eq + 1));
    }
    free (line);
    fclose (file);
    return found;
}

char *
config_peek (int argc, char **argv, const char *name)
{
    size_t len = strlen (name);
    const char *config_path = NULL;
    const char *value = NULL;
    for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++) {
        const char *arg = argv[i];
        if (strncmp (arg, "--", 2) != 0)
            continue;
        const char *eq = strchr (arg + 2, '=');
        size_t arg_len = eq ? (size_t) (eq - arg - 2) : strlen (arg + 2);
        const char *given = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        if (arg_len == len && memcmp (arg + 2, name, len) == 0)
            value = given;
        else if (arg_len == 6 && memcmp (arg + 2, "config", 6) == 0)
            config_path = given;
    }
    if (value)
        return s_strdup (value);
    char env[300];
    s_env_name (name, env, sizeof env);
    value = getenv (env);
    if (value && *value)
        return s_strdup (value);
    if (!config_path)
        config_path = getenv ("RETAILMESH_CONFIG");
    return config_path && *config_path ? s_peek_file (config_path, name) : NULL;
}

const char *
config_get (config_t *self, const char *name)
{
    option_t *opt = s_find (self, name, strlen (name));
    return opt ? opt->value : NULL;
}

void
config_set (config_t *self, const char *name, const char *value)
{
    option_t *opt = s_find (self, name, strlen (name));
    if (!opt) {
        config_define (self, name, NULL, "");
        opt = s_find (self, name, strlen (name));
    }
    s_set_value (opt, value);
}

int
config_get_int (config_t *self, const char *name, int64_t *value)
{
    const char *text = config_get (self, name);
    if (!text || !*text) {
        log_error (NULL, "option --%s has no value; expected an integer", name);
        return RM_EINVAL;
    }
    errno = 0;
    char *end;
    long long number = strtoll (text, &end, 10);
    if (end == text || errno == ERANGE) {
        log_error (NULL, "option --%s: '%s' is not an integer", name, text);
        return RM_EINVAL;
    }
    int shift = 0;
    switch (*end) {
        case 'k': case 'K': shift = 10; end++; break;
        case 'm': case 'M': shift = 20; end++; break;
        case 'g': case 'G': shift = 30; end++; break;
        default: break;
    }
    if (*end != '\0') {
        log_error (NULL, "option --%s: '%s' is not an integer (suffixes: k, M, G)", name, text);
        return RM_EINVAL;
    }
    long long limit = INT64_MAX >> shift;
    if (shift && (number > limit || number < -limit)) {
        log_error (NULL, "option --%s: '%s' is out of range", name, text);
        return RM_EINVAL;
    }
    *value = (int64_t) number * ((int64_t) 1 << shift);
    return 0;
}

int
config_argc (config_t *self)
{
    return self->nargs;
}

const char *
config_arg (config_t *self, int i)
{
    return i >= 0 && i < self->nargs ? self->args[i] : NULL;
}

void
config_print_help (config_t *self)
{
    printf ("Usage: %s %s\n\nOptions (flag, then RETAILMESH_* variable, then config file, then default):\n",
            self->program, self->usage);
    for (size_t i = 0; i < self->count; i++) {
        option_t *opt = &self->options[i];
        char env[300];
        s_env_name (opt->name, env, sizeof env);
        if (strcmp (opt->name, "help") == 0)
            printf ("  -h, --help\n      %s\n", opt->help);
        else if (opt->boolean)
            printf ("  --%s[=true|false]\n      %s\n      default: %s; env: %s\n",
                    opt->name, opt->help, opt->def, env);
        else
            printf ("  --%s VALUE\n      %s\n      default: %s; env: %s\n",
                    opt->name, opt->help, opt->def ? opt->def : "(none)", env);
    }
    fflush (stdout);
}
