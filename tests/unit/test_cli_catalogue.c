//  `retailmesh catalog`: one message or every one, as the Markdown
//  sections proto/README.md holds or as JSON with each field's bounds;
//  an unknown name is a usage error that prints nothing on stdout.
#include "catalogue.h"
#include "harness.h"
#include "msgdoc.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Runs `retailmesh catalog ARGS...`; *out gets what it printed on stdout.
static int
s_run (char **out, const char *const *args)
{
    char *argv[8] = {"retailmesh catalog"};
    int argc = 1;
    for (; args[argc - 1] && argc < 8; argc++)
        argv[argc] = (char *) args[argc - 1];
    harness_capture_t err, cap;
    harness_capture_begin (&err, STDERR_FILENO);
    harness_capture_begin (&cap, STDOUT_FILENO);
    int code = catalogue_main (argc, argv);
    fflush (stdout);
    *out = harness_capture_end (&cap);
    free (harness_capture_end (&err));
    return code;
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *at = text; at && (at = strstr (at, needle)); at += strlen (needle))
        n++;
    return n;
}

static size_t
s_messages (void)
{
    size_t n = 0;
    while (catalog_messages[n].name)
        n++;
    return n;
}

static void
test_one_as_markdown (void)
{
    char *out = NULL;
    static const char *const args[] = {"orders.submit", NULL};
    CHECK_EQ_INT (s_run (&out, args), 0);
    static const char start[] = "#### `orders.submit`\n\nAccepts an order";
    CHECK (out && strncmp (out, start, sizeof start - 1) == 0);
    CHECK (out && strstr (out, "Operation, version 1, idempotent.") != NULL);
    CHECK (out && strstr (out, "| `lines[].quantity` | integer | yes | 1..1000000 | units |\n") != NULL);
    CHECK (out && strstr (out, "| `external_id` | string | yes | reference, 1..128 bytes |") != NULL);
    CHECK (out && strstr (out, "| `ship_to` | map of string to string | no | up to 16 entries;") != NULL);
    CHECK (out && strstr (out, "Reply body:") != NULL);
    CHECK_EQ_INT (s_count (out, "#### "), 1);
    free (out);
}

static void
test_all_as_markdown (void)
{
    char *out = NULL;
    static const char *const none[] = {NULL};
    CHECK_EQ_INT (s_run (&out, none), 0);
    CHECK_EQ_INT (s_count (out, "#### "), s_messages ());
    for (const msg_spec_t *msg = catalog_messages; out && msg->name; msg++) {
        char heading[96];
        snprintf (heading, sizeof heading, "#### `%s`\n", msg->name);
        CHECK (strstr (out, heading) != NULL);
    }
    CHECK (out && strstr (out, "Event, version 1.") != NULL);
    free (out);
}

static const json_t *
s_field (const json_t *fields, const char *name)
{
    size_t i;
    json_t *field;
    json_array_foreach (fields, i, field)
        if (strcmp (json_string_value (json_object_get (field, "name")), name) == 0)
            return field;
    return NULL;
}

static int64_t
s_int (const json_t *obj, const char *key)
{
    return json_integer_value (json_object_get (obj, key));
}

static void
test_json (void)
{
    char *out = NULL;
    static const char *const args[] = {"--json", "orders.submit", NULL};
    CHECK_EQ_INT (s_run (&out, args), 0);
    json_t *msg = out ? json_loads (out, 0, NULL) : NULL;
    CHECK (json_is_object (msg));
    CHECK_STR (json_string_value (json_object_get (msg, "kind")), "operation");
    CHECK_EQ_INT (s_int (msg, "version"), 1);
    CHECK (json_is_true (json_object_get (msg, "idempotent")));
    const json_t *lines = s_field (json_object_get (msg, "request"), "lines");
    CHECK_STR (json_string_value (json_object_get (lines, "type")), "array of maps");
    CHECK_EQ_INT (s_int (lines, "min_items"), 1);
    CHECK_EQ_INT (s_int (lines, "max_items"), 500);
    const json_t *quantity = s_field (json_object_get (lines, "fields"), "quantity");
    CHECK (json_is_true (json_object_get (quantity, "required")));
    CHECK_EQ_INT (s_int (quantity, "min"), 1);
    CHECK_EQ_INT (s_int (quantity, "max"), 1000000);
    CHECK_STR (json_string_value (json_object_get (quantity, "constraints")), "1..1000000");
    const json_t *sku = s_field (json_object_get (lines, "fields"), "sku");
    CHECK_STR (json_string_value (json_object_get (sku, "check")), "identifier");
    CHECK_EQ_INT (s_int (sku, "max_length"), 64);
    const json_t *channel = s_field (json_object_get (msg, "request"), "channel");
    CHECK (json_is_false (json_object_get (channel, "required")));
    CHECK (json_object_get (msg, "reply") != NULL);
    json_decref (msg);
    free (out);

    static const char *const event[] = {"--json", "orders.order.cancelled", NULL};
    CHECK_EQ_INT (s_run (&out, event), 0);
    msg = out ? json_loads (out, 0, NULL) : NULL;
    CHECK_STR (json_string_value (json_object_get (msg, "kind")), "event");
    CHECK (s_field (json_object_get (msg, "body"), "reason") != NULL);
    CHECK (json_object_get (msg, "reply") == NULL);
    json_decref (msg);
    free (out);

    static const char *const all[] = {"--json", NULL};
    CHECK_EQ_INT (s_run (&out, all), 0);
    json_t *list = out ? json_loads (out, 0, NULL) : NULL;
    CHECK_EQ_INT (json_array_size (list), s_messages ());
    json_decref (list);
    free (out);
}

static void
test_unknown_name (void)
{
    char *out = NULL;
    static const char *const args[] = {"orders.nope", NULL};
    CHECK_EQ_INT (s_run (&out, args), 2);
    CHECK_STR (out, "");
    free (out);
    static const char *const json[] = {"--json", "orders.nope", NULL};
    CHECK_EQ_INT (s_run (&out, json), 2);
    CHECK_STR (out, "");
    free (out);
    static const char *const two[] = {"orders.get", "orders.find", NULL};
    CHECK_EQ_INT (s_run (&out, two), 2);
    free (out);
}

int
main (void)
{
    test_one_as_markdown ();
    test_all_as_markdown ();
    test_json ();
    test_unknown_name ();
    return harness_report ("test_cli_catalogue");
}
