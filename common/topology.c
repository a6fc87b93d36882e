#include "topology.h"
#include "err.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

//  The mesh on one machine. Ports: service n answers on 7n01 and publishes
//  on 7n02; the gateway listens on 8080.
static const struct {
    const char *name, *rpc, *pub, *calls, *consumes, *http;
} s_builtin[] = {
    {"pricing", "tcp://127.0.0.1:7101", "tcp://127.0.0.1:7102", "-", "-", "-"},
    //  inventory releases the stock of cancelled orders, and asks orders
    //  (the peer it consumes) about an order whose held stock is due to
    //  expire; it restocks the units returns receives
    {"inventory", "tcp://127.0.0.1:7201", "tcp://127.0.0.1:7202", "-", "orders,fulfillment,returns", "-"},
    //  orders shows on its lines the backorders inventory fills and keeps its
    //  orders in step with fulfillment's shipments, and asks fulfillment to
    //  cancel before it cancels an order; it issues the credit memos of
    //  the units returns receives
    {"orders", "tcp://127.0.0.1:7301", "tcp://127.0.0.1:7302", "pricing,inventory,fulfillment",
     "inventory,fulfillment,returns", "-"},
    {"gateway", "-", "-", "orders,pricing,inventory,fulfillment,returns", "-", "8080"},
    //  fulfillment makes fulfilments of accepted orders and backorder fills
    {"fulfillment", "tcp://127.0.0.1:7401", "tcp://127.0.0.1:7402", "-", "orders,inventory", "-"},
    //  returns asks orders what of an order may come back and inventory
    //  whether the return location exists; it learns of credit memos from
    //  orders' events
    {"returns", "tcp://127.0.0.1:7501", "tcp://127.0.0.1:7502", "orders,inventory", "orders", "-"},
};

#define S_FIELDS 6

struct topology_t {
    topology_row_t *rows;
    size_t count;
};

static void
s_list_free (char ***list_p)
{
    for (char **p = *list_p; p && *p; p++)
        free (*p);
    free (*list_p);
    *list_p = NULL;
}

static void
s_row_clear (topology_row_t *row)
{
    free (row->name);
    free (row->rpc);
    free (row->pub);
    s_list_free (&row->calls);
    s_list_free (&row->consumes);
    memset (row, 0, sizeof *row);
}

static void
s_rows_free (topology_row_t *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        s_row_clear (&rows[i]);
    free (rows);
}

static bool
s_valid_name (const char *name, size_t len)
{
    if (len == 0 || len > TOPOLOGY_NAME_MAX || !islower ((unsigned char) name[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!islower ((unsigned char) name[i]) && !isdigit ((unsigned char) name[i]) && name[i] != '_')
            return false;
    return true;
}

//  "a,b" into a NULL-terminated list; "-" is the empty list.
static int
s_parse_list (const char *text, char ***out, const char *where, const char *field)
{
    size_t n = 0;
    char **list = (char **) calloc (strlen (text) + 2, sizeof *list);
    if (!list)
        return RM_ENOMEM;
    for (const char *p = strcmp (text, "-") == 0 ? "" : text; *p; ) {
        size_t len = strcspn (p, ",");
        if (!s_valid_name (p, len)) {
            fprintf (stderr, "%s: %s: '%.*s' is not a service name (lower-case letters, digits "
                     "and '_', at most %d, starting with a letter)\n",
                     where, field, (int) len, p, TOPOLOGY_NAME_MAX);
            s_list_free (&list);
            return RM_EINVAL;
        }
        list[n] = strndup (p, len);
        if (!list[n++]) {
            s_list_free (&list);
            return RM_ENOMEM;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    *out = list;
    return 0;
}

static int
s_parse_endpoint (const char *text, char **out, const char *where, const char *field)
{
    if (strcmp (text, "-") == 0)
        return 0;
    if (!strstr (text, "://")) {
        fprintf (stderr, "%s: %s: '%s' is not a ZeroMQ endpoint (e.g. tcp://127.0.0.1:7101) or '-'\n",
                 where, field, text);
        return RM_EINVAL;
    }
    *out = strdup (text);
    return *out ? 0 : RM_ENOMEM;
}

//  Fills row from its six fields; where names the source for messages.
static int
s_row_set (topology_row_t *row, const char *const fields[S_FIELDS], const char *where)
{
    memset (row, 0, sizeof *row);
    if (!s_valid_name (fields[0], strlen (fields[0]))) {
        fprintf (stderr, "%s: name: '%s' is not a service name (lower-case letters, digits and "
                 "'_', at most %d, starting with a letter)\n", where, fields[0], TOPOLOGY_NAME_MAX);
        return RM_EINVAL;
    }
    row->name = strdup (fields[0]);
    int rc = row->name ? 0 : RM_ENOMEM;
    if (rc == 0)
        rc = s_parse_endpoint (fields[1], &row->rpc, where, "rpc");
    if (rc == 0)
        rc = s_parse_endpoint (fields[2], &row->pub, where, "pub");
    if (rc == 0)
        rc = s_parse_list (fields[3], &row->calls, where, "calls");
    if (rc == 0)
        rc = s_parse_list (fields[4], &row->consumes, where, "consumes");
    if (rc == 0 && strcmp (fields[5], "-") != 0) {
        char *end;
        errno = 0;
        long port = strtol (fields[5], &end, 10);
        if (*end || errno || port < 1 || port > 65535) {
            fprintf (stderr, "%s: http: '%s' is not a port (1-65535) or '-'\n", where, fields[5]);
            rc = RM_EINVAL;
        }
        row->http_port = (int) port;
    }
    if (rc == 0 && !row->rpc != !row->pub) {
        fprintf (stderr, "%s: rpc, pub: a service that takes requests publishes events too: "
                 "give both endpoints or neither\n", where);
        rc = RM_EINVAL;
    }
    if (rc == 0 && !row->rpc && !row->http_port) {
        fprintf (stderr, "%s: rpc, http: the row serves nothing: give endpoints or an HTTP port\n", where);
        rc = RM_EINVAL;
    }
    if (rc == RM_ENOMEM)
        fprintf (stderr, "%s: out of memory\n", where);
    if (rc != 0)
        s_row_clear (row);
    return rc;
}

static int
s_add (topology_row_t **rows, size_t *count, const topology_row_t *row)
{
    topology_row_t *grown = (topology_row_t *) realloc (*rows, (*count + 1) * sizeof *grown);
    if (!grown)
        return RM_ENOMEM;
    grown[(*count)++] = *row;
    *rows = grown;
    return 0;
}

static topology_row_t *
s_find (topology_row_t *rows, size_t count, const char *name)
{
    for (size_t i = 0; name && i < count; i++)
        if (strcmp (rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

//  Every name a row calls or consumes has a row that answers requests.
static int
s_check_references (topology_row_t *rows, size_t count, const char *where)
{
    for (size_t i = 0; i < count; i++)
        for (int pass = 0; pass < 2; pass++) {
            char **list = pass ? rows[i].consumes : rows[i].calls;
            for (char **name = list; *name; name++) {
                const topology_row_t *target = s_find (rows, count, *name);
                if (target && target->rpc && strcmp (*name, rows[i].name) != 0)
                    continue;
                fprintf (stderr, "%s: row %s: %s: %s %s\n", where, rows[i].name,
                         pass ? "consumes" : "calls", *name,
                         !target ? "has no row in the topology"
                         : target->rpc ? "is the row itself" : "takes no requests (no rpc endpoint)");
                return RM_EINVAL;
            }
        }
    return 0;
}

int
topology_new (topology_t **self_p)
{
    topology_t *self = (topology_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof s_builtin / sizeof s_builtin[0]; i++) {
        const char *fields[S_FIELDS] = {s_builtin[i].name, s_builtin[i].rpc, s_builtin[i].pub,
                                        s_builtin[i].calls, s_builtin[i].consumes, s_builtin[i].http};
        topology_row_t row;
        rc = s_row_set (&row, fields, "built-in topology");
        if (rc == 0 && (rc = s_add (&self->rows, &self->count, &row)) != 0)
            s_row_clear (&row);
    }
    //  a built-in table that does not hold together is a bug, said at once
    if (rc == 0 && s_check_references (self->rows, self->count, "built-in topology") != 0)
        rc = RM_EINVAL;
    if (rc != 0)
        topology_destroy (&self);
    *self_p = self;
    return rc;
}

void
topology_destroy (topology_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_rows_free ((*self_p)->rows, (*self_p)->count);
    free (*self_p);
    *self_p = NULL;
}

static char **
s_list_dup (char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    char **copy = (char **) calloc (n + 1, sizeof *copy);
    for (size_t i = 0; copy && i < n; i++)
        if (!(copy[i] = strdup (list[i])))
            s_list_free (&copy);
    return copy;
}

//  A deep copy of the table's rows, to change without touching it.
static int
s_copy_rows (const topology_t *self, topology_row_t **rows, size_t *count)
{
    *rows = (topology_row_t *) calloc (self->count ? self->count : 1, sizeof **rows);
    *count = 0;
    if (!*rows)
        return RM_ENOMEM;
    for (size_t i = 0; i < self->count; i++) {
        const topology_row_t *src = &self->rows[i];
        topology_row_t *row = &(*rows)[(*count)++];
        row->name = strdup (src->name);
        row->rpc = src->rpc ? strdup (src->rpc) : NULL;
        row->pub = src->pub ? strdup (src->pub) : NULL;
        row->calls = s_list_dup (src->calls);
        row->consumes = s_list_dup (src->consumes);
        row->http_port = src->http_port;
        if (!row->name || !row->calls || !row->consumes || (src->rpc && !row->rpc)
            || (src->pub && !row->pub)) {
            s_rows_free (*rows, *count);
            *rows = NULL;
            return RM_ENOMEM;
        }
    }
    return 0;
}

//  Reads one line of a file into rows (replacing a row of the same name).
//  A file names each row once.
static int
s_load_line (char *text, topology_row_t **rows, size_t *count, const char *where, char ***seen)
{
    const char *fields[S_FIELDS];
    int n = 0;
    for (char *save = NULL, *tok = strtok_r (text, " \t\r\n", &save); tok;
         tok = strtok_r (NULL, " \t\r\n", &save)) {
        if (n == S_FIELDS) {
            fprintf (stderr, "%s: more than %d fields (name rpc pub calls consumes http)\n",
                     where, S_FIELDS);
            return RM_EINVAL;
        }
        fields[n++] = tok;
    }
    if (n == 0)
        return 0;
    if (n != S_FIELDS) {
        fprintf (stderr, "%s: expected %d fields (name rpc pub calls consumes http, '-' for none), "
                 "got %d\n", where, S_FIELDS, n);
        return RM_EINVAL;
    }
    if (topology_lists (*seen, fields[0])) {
        fprintf (stderr, "%s: name: %s has a row earlier in this file\n", where, fields[0]);
        return RM_EINVAL;
    }
    topology_row_t row;
    int rc = s_row_set (&row, fields, where);
    if (rc != 0)
        return rc;
    size_t nseen = 0;
    while (*seen && (*seen)[nseen])
        nseen++;
    char **grown = (char **) realloc (*seen, (nseen + 2) * sizeof *grown);
    if (!grown || !(grown[nseen] = strdup (row.name))) {
        *seen = grown ? grown : *seen;
        s_row_clear (&row);
        return RM_ENOMEM;
    }
    grown[nseen + 1] = NULL;
    *seen = grown;
    topology_row_t *old = s_find (*rows, *count, row.name);
    if (old) {
        s_row_clear (old);
        *old = row;
        return 0;
    }
    rc = s_add (rows, count, &row);
    if (rc != 0)
        s_row_clear (&row);
    return rc;
}

int
topology_load (topology_t *self, const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        fprintf (stderr, "cannot read topology file %s: %s\n", path, strerror (errno));
        return RM_EINVAL;
    }
    topology_row_t *rows;
    size_t count;
    int rc = s_copy_rows (self, &rows, &count);
    char **seen = NULL;
    char *line = NULL;
    size_t size = 0;
    int lineno = 0;
    while (rc == 0 && getline (&line, &size, file) != -1) {
        lineno++;
        char where[600];
        snprintf (where, sizeof where, "%.500s:%d", path, lineno);
        line[strcspn (line, "#")] = '\0';
        rc = s_load_line (line, &rows, &count, where, &seen);
    }
    if (rc == 0 && ferror (file)) {
        fprintf (stderr, "cannot read topology file %s: %s\n", path, strerror (errno));
        rc = RM_EINVAL;
    }
    free (line);
    fclose (file);
    s_list_free (&seen);
    if (rc == 0)
        rc = s_check_references (rows, count, path);
    if (rc == RM_ENOMEM)
        fprintf (stderr, "%s: out of memory\n", path);
    if (rc != 0) {
        s_rows_free (rows, count);
        return RM_EINVAL;
    }
    s_rows_free (self->rows, self->count);
    self->rows = rows;
    self->count = count;
    return 0;
}

int
topology_for (int argc, char **argv, topology_t **self_p)
{
    topology_t *self = NULL;
    int rc = topology_new (&self);
    if (rc == RM_ENOMEM)
        fprintf (stderr, "topology: out of memory\n");
    char *path = rc == 0 ? config_peek (argc, argv, "topology") : NULL;
    if (path && *path)
        rc = topology_load (self, path);
    free (path);
    if (rc != 0)
        topology_destroy (&self);
    *self_p = self;
    return rc;
}

void
topology_define_option (config_t *cfg)
{
    config_define (cfg, "topology", NULL, "File of topology rows that replace or add to the "
                   "built-in table of services and endpoints (see `retailmesh topology`).");
}

size_t
topology_count (const topology_t *self)
{
    return self->count;
}

const topology_row_t *
topology_row (const topology_t *self, size_t i)
{
    return i < self->count ? &self->rows[i] : NULL;
}

const topology_row_t *
topology_find (const topology_t *self, const char *name)
{
    return s_find (self->rows, self->count, name);
}

const topology_row_t *
topology_http_front (const topology_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->rows[i].http_port)
            return &self->rows[i];
    return NULL;
}

bool
topology_lists (char *const *list, const char *name)
{
    for (char *const *p = list; p && *p && name; p++)
        if (strcmp (*p, name) == 0)
            return true;
    return false;
}

int
topology_set (topology_t *self, const char *name, const char *rpc, const char *pub, int http_port)
{
    topology_row_t *row = s_find (self->rows, self->count, name);
    if (!row)
        return RM_ENOTFOUND;
    if (((rpc || pub) && !row->rpc) || (http_port && !row->http_port))
        return RM_EINVAL;
    char *new_rpc = rpc ? strdup (rpc) : NULL;
    char *new_pub = pub ? strdup (pub) : NULL;
    if ((rpc && !new_rpc) || (pub && !new_pub)) {
        free (new_rpc);
        free (new_pub);
        return RM_ENOMEM;
    }
    if (new_rpc) {
        free (row->rpc);
        row->rpc = new_rpc;
    }
    if (new_pub) {
        free (row->pub);
        row->pub = new_pub;
    }
    if (http_port)
        row->http_port = http_port;
    return 0;
}

//  list as "a,b" in text; "-" for none.
static void
s_list_text (char *const *list, char *text, size_t size)
{
    snprintf (text, size, "%s", *list ? "" : "-");
    for (char *const *name = list; *name; name++)
        snprintf (text + strlen (text), size - strlen (text), "%s%s", name == list ? "" : ",", *name);
}

#define S_PRINT_LIST_MAX 512

//  The cells of row (NULL: the header line), in the table's order.
static void
s_cells (const topology_row_t *row, char cells[S_FIELDS][S_PRINT_LIST_MAX])
{
    static const char *const header[S_FIELDS] = {"# name", "rpc", "pub", "calls", "consumes", "http"};
    for (int c = 0; !row && c < S_FIELDS; c++)
        snprintf (cells[c], S_PRINT_LIST_MAX, "%s", header[c]);
    if (!row)
        return;
    snprintf (cells[0], S_PRINT_LIST_MAX, "%s", row->name);
    snprintf (cells[1], S_PRINT_LIST_MAX, "%s", row->rpc ? row->rpc : "-");
    snprintf (cells[2], S_PRINT_LIST_MAX, "%s", row->pub ? row->pub : "-");
    s_list_text (row->calls, cells[3], S_PRINT_LIST_MAX);
    s_list_text (row->consumes, cells[4], S_PRINT_LIST_MAX);
    if (row->http_port)
        snprintf (cells[5], S_PRINT_LIST_MAX, "%d", row->http_port);
    else
        snprintf (cells[5], S_PRINT_LIST_MAX, "-");
}

void
topology_print (const topology_t *self, FILE *out)
{
    //  each column as wide as its widest cell, so the table lines up
    //  however long a row's lists grow
    char cells[S_FIELDS][S_PRINT_LIST_MAX];
    int width[S_FIELDS] = {0};
    for (size_t i = 0; i <= self->count; i++) {
        s_cells (i ? &self->rows[i - 1] : NULL, cells);
        for (int c = 0; c < S_FIELDS; c++)
            if ((int) strlen (cells[c]) > width[c])
                width[c] = (int) strlen (cells[c]);
    }
    for (size_t i = 0; i <= self->count; i++) {
        s_cells (i ? &self->rows[i - 1] : NULL, cells);
        for (int c = 0; c < S_FIELDS - 1; c++)
            fprintf (out, "%-*s  ", width[c], cells[c]);
        fprintf (out, "%s\n", cells[S_FIELDS - 1]);
    }
}
