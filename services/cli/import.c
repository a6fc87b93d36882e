#include "import.h"
#include "call.h"
#include "command.h"
#include "err.h"
#include "mesh.h"
#include "mp.h"
#include "progress.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct import_t {
    const feedrow_kind_t *kind;
    char *name;
    size_t batch_size;
    uint8_t hash[SHA256_LEN];
    size_t rows, bad;
    msgpack_sbuffer items;             //  the good rows' items, packed one after the other
    size_t *offsets;                   //  where item i starts; offsets[count] is the end
    int *lines;
    size_t count, cap;
};

int
import_new (const feedrow_kind_t *kind, const char *name, size_t batch_size, import_t **self_p)
{
    if (batch_size < 1 || batch_size > IMPORT_BATCH_MAX)
        return RM_EINVAL;
    import_t *self = (import_t *) calloc (1, sizeof *self);
    if (!self || !(self->name = strdup (name))) {
        free (self);
        return RM_ENOMEM;
    }
    self->kind = kind;
    self->batch_size = batch_size;
    msgpack_sbuffer_init (&self->items);
    *self_p = self;
    return 0;
}

void
import_destroy (import_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    import_t *self = *self_p;
    msgpack_sbuffer_destroy (&self->items);
    free (self->offsets);
    free (self->lines);
    free (self->name);
    free (self);
    *self_p = NULL;
}

static void
s_print_errors (const import_t *self, const json_t *errors, size_t from, FILE *report)
{
    for (size_t i = from; i < json_array_size (errors); i++) {
        json_t *error = json_array_get (errors, i);
        const char *column = json_string_value (json_object_get (error, "column"));
        fprintf (report, "%s:%" JSON_INTEGER_FORMAT ": %s%s%s%s\n", self->name,
                 json_integer_value (json_object_get (error, "line")), column ? "column " : "",
                 column ? column : "", column ? ": " : "",
                 json_string_value (json_object_get (error, "message")));
    }
}

static int
s_keep_line (import_t *self, int line)
{
    if (self->count + 1 >= self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 1024;
        size_t *offsets = (size_t *) realloc (self->offsets, cap * sizeof *offsets);
        if (offsets)
            self->offsets = offsets;
        int *lines = (int *) realloc (self->lines, cap * sizeof *lines);
        if (lines)
            self->lines = lines;
        if (!offsets || !lines)
            return RM_ENOMEM;
        self->cap = cap;
    }
    self->lines[self->count++] = line;
    self->offsets[self->count] = self->items.size;
    return 0;
}

int
import_read (import_t *self, const char *data, size_t size, feed_format_t format, FILE *report)
{
    sha256 (data, size, self->hash);
    feed_t *feed = NULL;
    json_t *errors = json_array ();
    int rc = errors ? feed_new (data, size, format, feedrow_columns (self->kind), &feed) : RM_ENOMEM;
    if (rc == 0 && !(self->offsets = (size_t *) calloc (1, sizeof *self->offsets)))
        rc = RM_ENOMEM;
    self->cap = self->offsets ? 1 : 0;
    while (rc == 0) {
        size_t before = json_array_size (errors);
        json_t *row;
        int line;
        int got = feed_next (feed, &row, &line, errors);
        if (got == RM_ENOTFOUND)
            break;
        if (got == RM_EPROTO || got == RM_ENOMEM) {
            rc = got;
            break;
        }
        self->rows++;
        if (got == 0)
            got = feedrow_item (self->kind, row, line, self->hash, self->rows, before, &self->items, errors);
        json_decref (row);
        if (got == 0)
            rc = s_keep_line (self, line);
        else if (got == RM_EINVAL)
            self->bad++;
        else
            rc = got;
        //  a bad row is reported as soon as it is seen, so a long file shows them as it goes
        s_print_errors (self, errors, before, report);
        if (json_array_size (errors) > 0)
            json_array_clear (errors);
    }
    if (rc == RM_EPROTO)
        s_print_errors (self, errors, 0, report);
    if (rc == RM_ENOMEM)
        fprintf (report, "%s: out of memory after %zu rows\n", self->name, self->rows);
    if (rc != 0) {
        self->count = 0;
        msgpack_sbuffer_clear (&self->items);
    }
    json_decref (errors);
    feed_destroy (&feed);
    return rc ? rc : self->bad ? RM_EINVAL : 0;
}

size_t
import_rows (const import_t *self)
{
    return self->rows;
}

size_t
import_bad (const import_t *self)
{
    return self->bad;
}

size_t
import_items (const import_t *self)
{
    return self->count;
}

size_t
import_batches (const import_t *self)
{
    return (self->count + self->batch_size - 1) / self->batch_size;
}

void
import_batch_id (const import_t *self, size_t i, char out[UUID_STR_LEN + 1])
{
    char what[32];
    snprintf (what, sizeof what, "%s batch", feedrow_name (self->kind));
    feedrow_derive_id (self->hash, what, i, self->batch_size, out);
}

static void
s_batch_range (const import_t *self, size_t i, size_t *first, size_t *end)
{
    *first = i * self->batch_size;
    *end = *first + self->batch_size < self->count ? *first + self->batch_size : self->count;
}

void
import_batch_lines (const import_t *self, size_t i, int *first, int *last)
{
    size_t a, b;
    s_batch_range (self, i, &a, &b);
    *first = a < b ? self->lines[a] : 0;
    *last = a < b ? self->lines[b - 1] : 0;
}

int
import_batch_body (const import_t *self, size_t i, msgpack_sbuffer *body)
{
    if (i >= import_batches (self))
        return RM_EINVAL;
    size_t a, b;
    s_batch_range (self, i, &a, &b);
    char id[UUID_STR_LEN + 1];
    import_batch_id (self, i, id);
    msgpack_sbuffer_clear (body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "batch_id", id);
    mp_pack_str (&pk, "items");
    msgpack_pack_array (&pk, (uint32_t) (b - a));
    mp_pack_raw (&pk, self->items.data + self->offsets[a], self->offsets[b] - self->offsets[a]);
    return 0;
}

//  One refused item of batch i: where the pointer ("/items/17/quantity") says.
static void
s_refused_item (const import_t *self, size_t i, int64_t index, const char *field, const char *message,
                FILE *report)
{
    size_t a, b;
    s_batch_range (self, i, &a, &b);
    if (index < 0 || (size_t) index >= b - a) {
        fprintf (report, "%s: batch %zu: %s%s%s\n", self->name, i + 1, field, *field ? ": " : "", message);
        return;
    }
    const char *column = field;
    for (int slashes = 0; *column && slashes < 3; column++)
        slashes += *column == '/';
    fprintf (report, "%s:%d: %s%s%s%s\n", self->name, self->lines[a + (size_t) index],
             *column ? "column " : "", column, *column ? ": " : "", message);
}

//  What the service said about a batch it did not apply: its error's field
//  (a pointer into the batch), and each of its details ({index, code,
//  field, message}, field a pointer into the batch: bulk.h).
static void
s_refused (const import_t *self, size_t i, const call_t *call, FILE *report)
{
    char field[128] = "", message[256] = "";
    mp_get_str (&call->reply.body, "field", field, sizeof field);
    mp_get_str (&call->reply.body, "message", message, sizeof message);
    int first, last;
    import_batch_lines (self, i, &first, &last);
    fprintf (report, "%s: batch %zu (lines %d-%d) not applied: %s\n", self->name, i + 1, first, last,
             call->error);
    int64_t index = -1;
    if (strncmp (field, "/items/", 7) == 0)
        s_refused_item (self, i, strtoll (field + 7, NULL, 10), field, message, report);
    const msgpack_object_array *items = mp_get_array (&call->reply.body, "details");
    for (uint32_t k = 0; items && k < items->size; k++) {
        const msgpack_object *item = &items->ptr[k];
        char item_field[128] = "", item_message[256] = "";
        index = -1;
        mp_get_int (item, "index", &index);
        mp_get_str (item, "field", item_field, sizeof item_field);
        mp_get_str (item, "message", item_message, sizeof item_message);
        s_refused_item (self, i, index, item_field, item_message, report);
    }
}

int
import_send (import_t *self, const char *endpoint, int timeout_ms, const char *prog,
             FILE *progress_out, FILE *report)
{
    rpc_client_t *client = NULL;
    call_t call;
    int rc = call_make (&call, endpoint, "sys.health", NULL, timeout_ms);
    if (rc == 0)
        rc = rpc_client_new (endpoint, timeout_ms, &client);
    if (rc != 0)
        call_complain (&call, prog, feedrow_service (self->kind), endpoint);
    call_release (&call);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    progress_t progress;
    progress_init (&progress, progress_out, prog, "batches", import_batches (self));
    for (size_t i = 0; rc == 0 && i < import_batches (self); i++) {
        rc = import_batch_body (self, i, &body);
        if (rc == 0)
            rc = call_on (&call, client, feedrow_operation (self->kind), &body, timeout_ms);
        if (rc == 0) {
            size_t a, b;
            s_batch_range (self, i, &a, &b);
            progress_show (&progress, i + 1, b);
        }
        else {
            progress_end (&progress);
            if (*call.code)
                s_refused (self, i, &call, report);
            else
                call_complain (&call, prog, feedrow_operation (self->kind), endpoint);
            if (i > 0)
                fprintf (report, "%s: batches 1-%zu were applied; importing the same file again "
                         "skips them (same batch_ids)\n", self->name, i);
        }
        call_release (&call);
    }
    progress_end (&progress);
    msgpack_sbuffer_destroy (&body);
    rpc_client_destroy (&client);
    return rc;
}

//  The whole file in memory, or NULL after saying why not.
static char *
s_slurp (const char *prog, const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    struct stat st;
    char *data = NULL;
    if (!file || fstat (fileno (file), &st) != 0) {
        fprintf (stderr, "%s: cannot open %s: %s\n", prog, path, strerror (errno));
        if (file)
            fclose (file);
        return NULL;
    }
    if (!S_ISREG (st.st_mode) || (size_t) st.st_size > IMPORT_FILE_MAX)
        fprintf (stderr, "%s: %s is %s\n", prog, path,
                 S_ISREG (st.st_mode) ? "larger than 1 GiB: split it" : "not a regular file");
    else if (!(data = (char *) malloc ((size_t) st.st_size + 1)))
        fprintf (stderr, "%s: %s: out of memory\n", prog, path);
    else if (fread (data, 1, (size_t) st.st_size, file) != (size_t) st.st_size) {
        fprintf (stderr, "%s: cannot read %s: %s\n", prog, path, strerror (errno));
        free (data);
        data = NULL;
    }
    fclose (file);
    *size = (size_t) st.st_size;
    return data;
}

#define S_USAGE                                                                                 \
    "prices|stock FILE [options]\n\n"                                                           \
    "Imports a bulk feed from the system of record. Every row is checked first; a\n"            \
    "file with a bad row changes nothing (each bad row is printed as\n"                         \
    "FILE:LINE: column COLUMN: reason) unless --skip-bad is given. The good rows are\n"          \
    "then sent in batches of at most 10,000 (pricing.batch, inventory.movements_batch),\n"      \
    "each applied whole or not at all, once per batch ID; a refused batch names\n"            \
    "every bad item. Batch and movement IDs derive from the file's SHA-256, so\n"              \
    "importing the same file again changes nothing. docs/import.md has more.\n\n"             \
    "FILE is CSV (RFC 4180, a header row naming the columns) or JSON lines (one\n"              \
    "object a line), by its extension (.csv, .jsonl or .ndjson) or --format.\n"                 \
    "Columns (? = optional):\n"                                                                 \
    "  prices  currency, sku, unit_price (whole minor units: 1299 for 12.99), book_id?,\n"       \
    "          valid_from?, valid_to? (RFC 3339 or Unix ms), tiers? (MIN:PRICE;...,\n"          \
    "          e.g. 10:1899;100:1799)\n"                                                        \
    "  stock   sku, location, quantity, type? (count, the default: quantity is the\n"           \
    "          units on hand; receipt, adjustment, transfer, quarantine,\n"                     \
    "          release_quarantine), to_location? (transfers), movement_id?, reason?,\n"          \
    "          occurred_at?\n\n"                                                                \
    "Exit status: 0 when every row was good (and applied); 1 when rows were bad\n"              \
    "and nothing was sent, or the file cannot be read, or a batch was not applied;\n"           \
    "3 with --skip-bad when the good rows were applied (or would be) and bad ones\n"            \
    "skipped; 2 on a usage error."

//  The options after FILE, and the exit code to leave with when they are wrong.
typedef struct {
    const feedrow_kind_t *kind;
    feed_format_t format;
    bool skip_bad, dry_run;
    int64_t batch_size;
    int timeout_ms;
} s_options_t;

static int
s_options (config_t *cfg, int argc, char **argv, s_options_t *opt)
{
    int code = command_load (cfg, argc, argv, false, 2, 2, &opt->timeout_ms);
    if (code != COMMAND_GO_ON)
        return code;
    opt->dry_run = strcmp (config_get (cfg, "dry-run"), "true") == 0;
    opt->skip_bad = strcmp (config_get (cfg, "skip-bad"), "true") == 0;
    //  the mesh's endpoints and keys matter only when something is sent
    if (!opt->dry_run && (code = command_load (cfg, argc, argv, true, 2, 2, NULL)) != COMMAND_GO_ON)
        return code;
    opt->kind = feedrow_find (config_arg (cfg, 0));
    if (!opt->kind) {
        fprintf (stderr, "%s: what to import is prices or stock, not '%s'\n", argv[0], config_arg (cfg, 0));
        return 2;
    }
    const char *format = config_get (cfg, "format");
    if (!format && feed_format_of (config_arg (cfg, 1), &opt->format) != 0) {
        fprintf (stderr, "%s: cannot tell the format of %s from its name: pass --format csv or "
                 "--format jsonl\n", argv[0], config_arg (cfg, 1));
        return 2;
    }
    if (format && strcmp (format, "csv") != 0 && strcmp (format, "jsonl") != 0) {
        fprintf (stderr, "%s: --format is csv or jsonl, not '%s'\n", argv[0], format);
        return 2;
    }
    if (format)
        opt->format = strcmp (format, "csv") == 0 ? FEED_CSV : FEED_JSONL;
    code = command_int (cfg, argv[0], "batch-size", true, 1, &opt->batch_size);
    if (code == COMMAND_GO_ON && opt->batch_size > IMPORT_BATCH_MAX) {
        fprintf (stderr, "%s: --batch-size is at most %d\n", argv[0], IMPORT_BATCH_MAX);
        code = 2;
    }
    return code;
}

static int
s_run (config_t *cfg, const char *prog, const s_options_t *opt)
{
    const char *path = config_arg (cfg, 1);
    const mesh_service_t *svc = mesh_find (feedrow_service (opt->kind));
    if (!opt->dry_run && !svc) {
        fprintf (stderr, "%s: the topology has no %s service to import into\n", prog,
                 feedrow_service (opt->kind));
        return 1;
    }
    size_t size = 0;
    char *data = s_slurp (prog, path, &size);
    if (!data)
        return 1;
    import_t *import = NULL;
    int rc = import_new (opt->kind, path, (size_t) opt->batch_size, &import);
    if (rc == 0)
        rc = import_read (import, data, size, opt->format, stderr);
    int code = rc == 0 ? 0 : rc == RM_EINVAL && opt->skip_bad ? 3 : 1;
    if (rc == 0 || rc == RM_EINVAL)
        printf ("%s: %zu rows, %zu good, %zu bad\n", path, import_rows (import), import_items (import),
                import_bad (import));
    if (code == 1 && rc == RM_EINVAL)
        fprintf (stderr, "%s: nothing imported: fix the rows above, or pass --skip-bad to import "
                 "the good ones\n", prog);
    for (size_t i = 0; code != 1 && opt->dry_run && i < import_batches (import); i++) {
        char id[UUID_STR_LEN + 1];
        int first, last;
        import_batch_id (import, i, id);
        import_batch_lines (import, i, &first, &last);
        printf ("batch %zu of %zu: %zu item(s), lines %d-%d, batch_id %s\n", i + 1,
                import_batches (import), i + 1 < import_batches (import) ? (size_t) opt->batch_size
                : import_items (import) - i * (size_t) opt->batch_size, first, last, id);
    }
    if (code != 1 && opt->dry_run)
        printf ("dry run: nothing sent; %s would get %zu batch%s\n", feedrow_operation (opt->kind),
                import_batches (import), import_batches (import) == 1 ? "" : "es");
    else if (code != 1) {
        rc = import_send (import, mesh_endpoint (cfg, svc), opt->timeout_ms, prog, stderr, stderr);
        if (rc == 0)
            printf ("%s: %zu rows imported into %s in %zu batch%s\n", path, import_items (import),
                    feedrow_service (opt->kind), import_batches (import),
                    import_batches (import) == 1 ? "" : "es");
        else
            code = 1;
    }
    import_destroy (&import);
    free (data);
    return code;
}

int
import_main (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], S_USAGE, "60000", &cfg) != 0)
        return 1;
    mesh_define_endpoints (cfg);
    config_define (cfg, "format", NULL, "csv or jsonl (default: from FILE's extension).");
    config_define (cfg, "skip-bad", "false", "Import the good rows and print the bad ones "
                   "(exit status 3 when there were any).");
    config_define (cfg, "dry-run", "false", "Check every row and print the counts and batches; "
                   "send nothing (needs no running mesh).");
    config_define (cfg, "batch-size", "10000", "Items a batch (1 to 10000).");
    s_options_t opt = {0};
    int code = s_options (cfg, argc, argv, &opt);
    if (code == COMMAND_GO_ON)
        code = s_run (cfg, argv[0], &opt);
    config_destroy (&cfg);
    return code;
}
