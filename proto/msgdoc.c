#include "msgdoc.h"
#include <stdint.h>

//  catalog.h: a string's max_len 0 means 256 bytes
#define S_STR_DEFAULT_MAX 256

static const char *
s_str_rule (field_check_t check, size_t max_len, char *buf, size_t size)
{
    size_t max = max_len ? max_len : S_STR_DEFAULT_MAX;
    if (check == FC_CURRENCY)
        snprintf (buf, size, "ISO 4217 code");
    else if (check == FC_UUID)
        snprintf (buf, size, "UUID, lower-case");
    else
        snprintf (buf, size, "%s1..%zu bytes", check == FC_IDENT ? "identifier, " : check == FC_REF ? "reference, " : "",
                  max);
    return buf;
}

const char *
msgdoc_rule (const field_spec_t *f, char *buf, size_t size)
{
    char str[48];
    buf[0] = '\0';
    if (f->type == FT_STR)
        s_str_rule (f->check, f->max_len, buf, size);
    else if (f->type == FT_INT && f->max == INT64_MAX)
        snprintf (buf, size, ">= %lld", (long long) f->min);
    else if (f->type == FT_INT)
        snprintf (buf, size, "%lld..%lld", (long long) f->min, (long long) f->max);
    else if (f->type == FT_ARRAY)
        snprintf (buf, size, "%zu..%zu items%s%s", f->min_items, f->max_items,
                  f->item == FT_STR ? "; each " : "",
                  f->item == FT_STR ? s_str_rule (f->check, f->max_len, str, sizeof str) : "");
    else if (f->type == FT_STRMAP)
        snprintf (buf, size, "up to %zu entries; keys identifiers of 1..64 bytes; values 1..%zu bytes",
                  f->max_items, f->max_len);
    return buf;
}

const char *
msgdoc_type (const field_spec_t *f)
{
    static const char *names[] = {
        [FT_STR] = "string", [FT_INT] = "integer", [FT_BOOL] = "boolean", [FT_MAP] = "map",
        [FT_ARRAY] = "array", [FT_STRMAP] = "map of string to string", [FT_ANY] = "any"};
    if (f->type == FT_ARRAY && f->item == FT_MAP)
        return "array of maps";
    if (f->type == FT_ARRAY && f->item == FT_STR)
        return "array of strings";
    return names[f->type];
}

static void
s_print_fields (FILE *out, const field_spec_t *fields, const char *prefix)
{
    for (const field_spec_t *f = fields; f->name; f++) {
        char rule[128], nested[96];
        msgdoc_rule (f, rule, sizeof rule);
        fprintf (out, "| `%s%s` | %s | %s | %s | %s |\n", prefix, f->name, msgdoc_type (f),
                 f->required ? "yes" : "no", rule, f->doc);
        if (f->fields) {
            snprintf (nested, sizeof nested, "%s%s%s.", prefix, f->name, f->type == FT_ARRAY ? "[]" : "");
            s_print_fields (out, f->fields, nested);
        }
    }
}

static void
s_print_body (FILE *out, const char *title, const field_spec_t *fields)
{
    if (!fields->name) {
        fprintf (out, "%s body: an empty map.\n\n", title);
        return;
    }
    fprintf (out, "%s body:\n\n| Field | Type | Required | Constraints | Description |\n"
                  "|---|---|---|---|---|\n", title);
    s_print_fields (out, fields, "");
    fprintf (out, "\n");
}

void
msgdoc_print (FILE *out, const msg_spec_t *msg)
{
    bool op = msg->kind == MSG_OPERATION;
    fprintf (out, "#### `%s`\n\n%s %s, version %u%s.\n\n", msg->name, msg->doc,
             op ? "Operation" : "Event", msg->version, op && msg->idempotent ? ", idempotent" : "");
    s_print_body (out, op ? "Request" : "Event", msg->request);
    if (op)
        s_print_body (out, "Reply", msg->reply);
}
