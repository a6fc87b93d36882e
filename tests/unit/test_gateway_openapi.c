//  The gateway's route table against its OpenAPI document, both ways:
//  every route served is documented with the same operationId and
//  security, every documented operation is served, and operationIds are
//  valid Apex identifiers (Salesforce External Services imports them).
#include "catalog.h"
#include "harness.h"
#include "openapi.h"
#include "route.h"
#include <ctype.h>
#include <jansson.h>
#include <string.h>

static void
s_lower (const char *in, char *out, size_t size)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = (char) tolower ((unsigned char) in[i]);
    out[i] = '\0';
}

//  Apex: letters, digits and underscores; starts with a letter; no two
//  underscores in a row; does not end with an underscore.
static bool
s_apex_identifier (const char *s)
{
    if (!s || !isalpha ((unsigned char) s[0]))
        return false;
    for (size_t i = 0; s[i]; i++) {
        if (!isalnum ((unsigned char) s[i]) && s[i] != '_')
            return false;
        if (s[i] == '_' && s[i + 1] == '_')
            return false;
    }
    return s[strlen (s) - 1] != '_';
}

static json_t *
s_operation (json_t *doc, const char *path, const char *method)
{
    char lower[16];
    s_lower (method, lower, sizeof lower);
    return json_object_get (json_object_get (json_object_get (doc, "paths"), path), lower);
}

//  An operation needs the key unless it says "security": [].
static bool
s_needs_key (json_t *doc, json_t *op)
{
    json_t *security = json_object_get (op, "security");
    if (!security)
        security = json_object_get (doc, "security");
    return json_array_size (security) > 0;
}

static void
test_routes_documented (json_t *doc)
{
    size_t n = 0;
    for (const route_t *r = route_table; r->method; r++, n++) {
        json_t *op = s_operation (doc, r->path, r->method);
        CHECK (op != NULL);
        if (!op) {
            fprintf (stderr, "  %s %s is served but not documented\n", r->method, r->path);
            continue;
        }
        CHECK_STR (json_string_value (json_object_get (op, "operationId")), r->operation_id);
        CHECK (s_needs_key (doc, op) == r->auth);
        json_t *request_body = json_object_get (op, "requestBody");
        CHECK ((request_body != NULL) == (r->body != ROUTE_BODY_NONE));
        CHECK (json_is_true (json_object_get (request_body, "required"))
               == (r->body == ROUTE_BODY_REQUIRED || r->body == ROUTE_BODY_BATCH));
        //  every path parameter of the template is declared and filled
        for (const char *p = strchr (r->path, '{'); p; p = strchr (p + 1, '{')) {
            char name[32];
            size_t len = strcspn (p + 1, "}");
            snprintf (name, sizeof name, "%.*s", (int) len, p + 1);
            const route_param_t *rp = NULL;
            for (size_t k = 0; k < ROUTE_PARAMS_MAX && r->params[k].name; k++)
                if (r->params[k].in == PARAM_PATH && strcmp (r->params[k].name, name) == 0)
                    rp = &r->params[k];
            CHECK (rp != NULL);
        }
    }
    CHECK_EQ_INT (n, 47);
}

static void
test_documented_served (json_t *doc)
{
    const char *path;
    json_t *item;
    size_t ops = 0;
    json_object_foreach (json_object_get (doc, "paths"), path, item) {
        const char *method;
        json_t *op;
        json_object_foreach (item, method, op) {
            ops++;
            const route_t *found = NULL;
            for (const route_t *r = route_table; r->method; r++) {
                char lower[16];
                s_lower (r->method, lower, sizeof lower);
                if (strcmp (r->path, path) == 0 && strcmp (lower, method) == 0)
                    found = r;
            }
            CHECK (found != NULL);
            if (!found)
                fprintf (stderr, "  %s %s is documented but not served\n", method, path);
            const char *id = json_string_value (json_object_get (op, "operationId"));
            CHECK (s_apex_identifier (id));
            //  operationIds are unique
            size_t same = 0;
            const char *p2;
            json_t *item2;
            json_object_foreach (json_object_get (doc, "paths"), p2, item2) {
                const char *m2;
                json_t *op2;
                json_object_foreach (item2, m2, op2)
                    same += id && strcmp (id, json_string_value (json_object_get (op2, "operationId"))) == 0;
            }
            CHECK_EQ_INT (same, 1);
        }
    }
    CHECK_EQ_INT (ops, 47);
}

//  Follows {"$ref": "#/components/schemas/X"} to X; any other schema is
//  returned as it is.
static json_t *
s_deref (json_t *doc, json_t *schema)
{
    static const char base[] = "#/components/schemas/";
    const char *ref = json_string_value (json_object_get (schema, "$ref"));
    if (!ref || strncmp (ref, base, sizeof base - 1) != 0)
        return schema;
    return json_object_get (json_object_get (json_object_get (doc, "components"), "schemas"),
                            ref + sizeof base - 1);
}

static bool
s_listed (json_t *array, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach (array, i, item)
        if (json_is_string (item) && strcmp (json_string_value (item), name) == 0)
            return true;
    return false;
}

//  The JSON type the gateway turns a catalogue field into: times (FC_TIME,
//  and Unix ms under "*_at" or "time") become RFC 3339 strings.
static const char *
s_json_type (const field_spec_t *f)
{
    size_t len = strlen (f->name);
    bool time = f->check == FC_TIME || (len > 3 && strcmp (f->name + len - 3, "_at") == 0)
                || strcmp (f->name, "time") == 0;
    switch (f->type) {
        case FT_STR:
            return "string";
        case FT_INT:
            return time ? "string" : "integer";
        case FT_BOOL:
            return "boolean";
        case FT_ARRAY:
            return "array";
        case FT_MAP:
        case FT_STRMAP:
            return "object";
        case FT_ANY:
            break;
    }
    return NULL;
}

//  schema documents exactly the catalogue's fields (but skip), at every
//  depth, with matching JSON types; whatever the catalogue requires it
//  requires too (it may require more: a cancelled order has cancelled_at).
static void
s_check_fields (json_t *doc, json_t *schema, const field_spec_t *fields, const char *skip, const char *where)
{
    schema = s_deref (doc, schema);
    json_t *props = json_object_get (schema, "properties");
    json_t *required = json_object_get (schema, "required");
    size_t expected = 0;
    for (const field_spec_t *f = fields; f && f->name; f++) {
        if (skip && strcmp (f->name, skip) == 0)
            continue;
        expected++;
        json_t *prop = s_deref (doc, json_object_get (props, f->name));
        CHECK (prop != NULL);
        if (!prop) {
            fprintf (stderr, "  %s: field %s is not documented\n", where, f->name);
            continue;
        }
        CHECK (!f->required || s_listed (required, f->name));
        const char *type = s_json_type (f);
        const char *documented = json_string_value (json_object_get (prop, "type"));
        CHECK (!type || (documented && strcmp (documented, type) == 0));
        if (type && (!documented || strcmp (documented, type) != 0))
            fprintf (stderr, "  %s: field %s is documented as %s, not %s\n", where, f->name,
                     documented ? documented : "(no type)", type);
        if (f->type == FT_MAP)
            s_check_fields (doc, prop, f->fields, NULL, where);
        else if (f->type == FT_ARRAY && f->item == FT_MAP)
            s_check_fields (doc, json_object_get (prop, "items"), f->fields, NULL, where);
    }
    CHECK_EQ_INT (json_object_size (props), expected);
    if (json_object_size (props) != expected)
        fprintf (stderr, "  %s: %zu properties documented, %zu fields\n", where, json_object_size (props),
                 expected);
}

//  Each operation's documented request body holds the catalogue request's
//  fields less those taken from the path or query; its success answer
//  holds the reply's fields ("created" becomes the status).
static void
test_schemas_match_catalogue (json_t *doc)
{
    size_t checked = 0;
    for (const route_t *r = route_table; r->method; r++) {
        const msg_spec_t *spec = r->kind == ROUTE_CALL ? catalog_find (r->op) : NULL;
        json_t *op = s_operation (doc, r->path, r->method);
        if (!spec || !op)
            continue;
        checked++;
        json_t *responses = json_object_get (op, "responses");
        json_t *ok = json_object_get (responses, r->created ? "201" : "200");
        json_t *schema = json_object_get (json_object_get (json_object_get (ok, "content"), "application/json"),
                                          "schema");
        CHECK (schema != NULL);
        s_check_fields (doc, schema, spec->reply, r->created ? "created" : NULL, r->operation_id);
        if (r->body == ROUTE_BODY_NONE)
            continue;
        json_t *body = json_object_get (json_object_get (json_object_get (json_object_get (
            op, "requestBody"), "content"), "application/json"), "schema");
        json_t *props = json_object_get (s_deref (doc, body), "properties");
        size_t expected = 0;
        for (const field_spec_t *f = spec->request; f->name; f++) {
            if (route_param_for_field (r, f->name))
                continue;
            expected++;
            CHECK (json_object_get (props, f->name) != NULL);
        }
        CHECK_EQ_INT (json_object_size (props), expected);
        if (json_object_size (props) != expected)
            fprintf (stderr, "  %s: %zu request body properties documented, %zu fields\n", r->operation_id,
                     json_object_size (props), expected);
    }
    CHECK_EQ_INT (checked, 44);
}

static void
test_document (json_t *doc)
{
    CHECK_STR (json_string_value (json_object_get (doc, "openapi")), "3.0.3");
    json_t *components = json_object_get (doc, "components");
    json_t *bearer = json_object_get (json_object_get (components, "securitySchemes"), "bearerAuth");
    CHECK_STR (json_string_value (json_object_get (bearer, "scheme")), "bearer");
    CHECK (json_object_get (json_object_get (components, "schemas"), "Problem") != NULL);
    json_t *params = json_object_get (components, "parameters");
    CHECK_STR (json_string_value (json_object_get (json_object_get (params, "XCorrelationId"), "name")),
               "X-Correlation-Id");
    CHECK_STR (json_string_value (json_object_get (json_object_get (params, "IdempotencyKey"), "name")),
               "Idempotency-Key");
    //  every $ref resolves
    char *text = json_dumps (doc, 0);
    for (const char *p = strstr (text, "\"$ref\": \"#/"); p; p = strstr (p + 1, "\"$ref\": \"#/")) {
        char pointer[200];
        size_t len = strcspn (p + 10, "\"");
        snprintf (pointer, sizeof pointer, "%.*s", (int) len, p + 10);
        json_t *at = doc;
        for (char *tok = strtok (pointer + 1, "/"); tok && at; tok = strtok (NULL, "/"))
            at = json_object_get (at, tok);
        CHECK (at != NULL);
        if (!at)
            fprintf (stderr, "  unresolved $ref near %.60s\n", p);
    }
    free (text);
}

static void
test_route_find (void)
{
    route_match_t m;
    const route_t *r = route_find ("PUT", "/v1/stock/WH-1/SKU-9", &m);
    CHECK (r && strcmp (r->operation_id, "setStock") == 0);
    CHECK_EQ_INT (m.nparams, 2);
    CHECK_STR (m.names[0], "location");
    CHECK_STR (m.values[0], "WH-1");
    CHECK_STR (m.names[1], "sku");
    CHECK_STR (m.values[1], "SKU-9");
    r = route_find ("GET", "/v1/orders/abc", &m);
    CHECK (r && strcmp (r->operation_id, "getOrder") == 0);
    r = route_find ("POST", "/v1/orders/abc/cancel", &m);
    CHECK (r && strcmp (r->operation_id, "cancelOrder") == 0);
    CHECK_EQ_INT (m.nparams, 1);
    CHECK_STR (m.values[0], "abc");
    r = route_find ("GET", "/v1/orders/abc/events", &m);
    CHECK (r && strcmp (r->operation_id, "getOrderHistory") == 0);
    CHECK (route_find ("GET", "/v1/orders/abc/cancel", &m) == NULL);
    CHECK_EQ_INT (m.status, 405);
    CHECK_STR (m.allow, "POST");
    CHECK (route_find ("DELETE", "/v1/orders/abc/events", &m) == NULL);
    CHECK_STR (m.allow, "GET");
    CHECK (route_find ("POST", "/v1/orders/abc/refund", &m) == NULL);
    CHECK_EQ_INT (m.status, 404);
    CHECK (route_find ("GET", "/v1/orders/", &m) == NULL);
    CHECK_EQ_INT (m.status, 404);
    CHECK (route_find ("GET", "/v1/orders/a/b", &m) == NULL);
    CHECK_EQ_INT (m.status, 404);
    CHECK (route_find ("GET", "/v1//x", &m) == NULL);
    CHECK (route_find ("GET", "", &m) == NULL);
    CHECK (route_find ("DELETE", "/v1/orders", &m) == NULL);
    CHECK_EQ_INT (m.status, 405);
    CHECK_STR (m.allow, "POST, GET");
    CHECK (route_find ("POST", "/healthz", &m) == NULL);
    CHECK_EQ_INT (m.status, 405);
    CHECK_STR (m.allow, "GET");
    //  an order's reservations are inventory's; holds take DELETE
    r = route_find ("GET", "/v1/orders/abc/reservations", &m);
    CHECK (r && strcmp (r->service, "inventory") == 0 && strcmp (r->op, "inventory.reservations") == 0);
    r = route_find ("DELETE", "/v1/holds/h-1", &m);
    CHECK (r && strcmp (r->operation_id, "releaseHold") == 0);
    CHECK_STR (m.values[0], "h-1");
    CHECK (route_find ("PUT", "/v1/holds/h-1", &m) == NULL);
    CHECK_STR (m.allow, "GET, DELETE");
    //  an order's returns are returns', its credit memos orders'
    r = route_find ("GET", "/v1/orders/abc/returns", &m);
    CHECK (r && strcmp (r->service, "returns") == 0 && strcmp (r->op, "returns.by_order") == 0);
    r = route_find ("GET", "/v1/orders/abc/credit-memos", &m);
    CHECK (r && strcmp (r->service, "orders") == 0 && strcmp (r->op, "orders.credit_memos") == 0);
    r = route_find ("POST", "/v1/returns/r-1/receipt", &m);
    CHECK (r && strcmp (r->operation_id, "receiveReturn") == 0);
    CHECK_STR (m.names[0], "return_id");
    CHECK_STR (m.values[0], "r-1");
    CHECK (route_find ("GET", "/v1/returns/r-1/receipt", &m) == NULL);
    CHECK_STR (m.allow, "POST");
    CHECK (route_find ("PUT", "/v1/returns", &m) == NULL);
    CHECK_STR (m.allow, "POST");
    //  the quote route is literal, not a {currency}/{sku} match
    r = route_find ("POST", "/v1/prices/quote", &m);
    CHECK (r && strcmp (r->operation_id, "quotePrices") == 0);
    CHECK (route_find ("POST", "/v1/prices/EUR/SKU", &m) == NULL);
    CHECK_EQ_INT (m.status, 405);
    CHECK_STR (m.allow, "PUT");
}

int
main (int argc, char **argv)
{
    (void) argc;
    json_error_t jerr;
    json_t *doc = json_loadb (openapi_json, openapi_json_len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK (doc != NULL);
    if (!doc)
        fprintf (stderr, "openapi.json: line %d: %s\n", jerr.line, jerr.text);
    else {
        CHECK_EQ_INT (strlen (openapi_json), openapi_json_len);
        test_routes_documented (doc);
        test_documented_served (doc);
        test_document (doc);
        test_schemas_match_catalogue (doc);
    }
    json_decref (doc);
    test_route_find ();
    CHECK (s_apex_identifier ("submitOrder"));
    CHECK (!s_apex_identifier ("1order"));
    CHECK (!s_apex_identifier ("submit__order"));
    CHECK (!s_apex_identifier ("submit_"));
    CHECK (!s_apex_identifier ("submit-order"));
    return harness_report (argv[0]);
}
