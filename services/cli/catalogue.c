#include "catalogue.h"
#include "command.h"
#include "msgdoc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
s_fields_json (const field_spec_t *fields)
{
    json_t *list = json_array ();
    for (const field_spec_t *f = fields; list && f && f->name; f++) {
        char rule[128];
        json_t *field = json_pack ("{s:s, s:s, s:b, s:s, s:s}", "name", f->name, "type", msgdoc_type (f),
                                   "required", f->required, "constraints", msgdoc_rule (f, rule, sizeof rule),
                                   "doc", f->doc ? f->doc : "");
        bool is_str = f->type == FT_STR || (f->type == FT_ARRAY && f->item == FT_STR);
        if (field && f->type == FT_INT) {
            json_object_set_new (field, "min", json_integer (f->min));
            json_object_set_new (field, "max", json_integer (f->max));
        }
        if (field && (is_str || f->type == FT_STRMAP))
            json_object_set_new (field, "max_length", json_integer (f->max_len ? (json_int_t) f->max_len : 256));
        if (field && f->type == FT_ARRAY)
            json_object_set_new (field, "min_items", json_integer ((json_int_t) f->min_items));
        if (field && (f->type == FT_ARRAY || f->type == FT_STRMAP))
            json_object_set_new (field, "max_items", json_integer ((json_int_t) f->max_items));
        static const char *checks[] = {[FC_CURRENCY] = "currency", [FC_IDENT] = "identifier", [FC_REF] = "reference",
                                       [FC_UUID] = "uuid", [FC_TIME] = "time"};
        if (field && (is_str || f->type == FT_INT) && f->check != FC_NONE)
            json_object_set_new (field, "check", json_string (checks[f->check]));
        if (field && f->fields)
            json_object_set_new (field, "fields", s_fields_json (f->fields));
        if (!field || json_array_append_new (list, field) != 0) {
            json_decref (list);
            list = NULL;
        }
    }
    return list;
}

json_t *
catalogue_json (const msg_spec_t *msg)
{
    bool op = msg->kind == MSG_OPERATION;
    json_t *obj = json_pack ("{s:s, s:s, s:i, s:s}", "name", msg->name, "kind", op ? "operation" : "event",
                             "version", (int) msg->version, "doc", msg->doc ? msg->doc : "");
    if (obj && op) {
        json_object_set_new (obj, "idempotent", json_boolean (msg->idempotent));
        json_object_set_new (obj, "request", s_fields_json (msg->request));
        json_object_set_new (obj, "reply", s_fields_json (msg->reply));
    }
    else if (obj)
        json_object_set_new (obj, "body", s_fields_json (msg->request));
    return obj;
}

//  Calls fn for the message name names, or for every message when name
//  is NULL: the one place that walks the catalogue. Returns how many it
//  visited.
static size_t
s_each (const char *name, void (*fn) (const msg_spec_t *msg, void *arg), void *arg)
{
    if (name) {
        const msg_spec_t *msg = catalog_find (name);
        if (msg)
            fn (msg, arg);
        return msg ? 1 : 0;
    }
    size_t n = 0;
    for (const msg_spec_t *msg = catalog_messages; msg->name; msg++, n++)
        fn (msg, arg);
    return n;
}

static void
s_print (const msg_spec_t *msg, void *arg)
{
    (void) arg;
    msgdoc_print (stdout, msg);
}

static void
s_collect (const msg_spec_t *msg, void *arg)
{
    json_t *list = (json_t *) arg, *obj = catalogue_json (msg);
    //  out of memory the list comes out short
    if (!obj || json_array_append_new (list, obj) != 0)
        json_array_clear (list);
}

//  Prints the JSON of the message name names, or an array of every one.
static int
s_print_json (const char *prog, const char *name)
{
    json_t *list = json_array ();
    size_t n = list ? s_each (name, s_collect, list) : 0;
    if (list && n == 0) {
        json_decref (list);
        return 2;
    }
    //  a short list means memory ran out on the way
    json_t *out = name ? json_array_get (list, 0) : list;
    char *text = list && json_array_size (list) == n ? json_dumps (out, JSON_INDENT (2)) : NULL;
    json_decref (list);
    if (!text) {
        fprintf (stderr, "%s: out of memory\n", prog);
        return 1;
    }
    printf ("%s\n", text);
    free (text);
    return 0;
}

int
catalogue_main (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[NAME] [options]\n\n"
        "Prints every operation and event of the mesh, or the one NAME names\n"
        "(e.g. orders.submit), with its version and its fields: type, whether it\n"
        "is required, its bounds and what it is. Markdown, as proto/README.md shows\n"
        "them, unless --json.", NULL, &cfg) != 0)
        return 1;
    config_define (cfg, "json", "false", "Print JSON instead: one object for NAME, else an array.");
    int code = command_load (cfg, argc, argv, false, 0, 1, NULL);
    if (code == COMMAND_GO_ON) {
        const char *name = config_argc (cfg) == 1 ? config_arg (cfg, 0) : NULL;
        if (strcmp (config_get (cfg, "json"), "true") == 0)
            code = s_print_json (argv[0], name);
        else
            code = s_each (name, s_print, NULL) > 0 ? 0 : 2;
        if (code == 2)
            fprintf (stderr, "%s: no operation or event is named '%s' (%s without NAME lists them)\n",
                     argv[0], name, argv[0]);
    }
    config_destroy (&cfg);
    return code;
}
