//  The gateway's route table against its OpenAPI document, both ways:
//  every route served is documented with the same operationId and
//  security, every documented operation is served, and operationIds are
//  valid Apex identifiers (Salesforce External Services imports them).
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
        CHECK ((json_object_get (op, "requestBody") != NULL) == r->body);
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
    CHECK_EQ_INT (n, 10);
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
    CHECK_EQ_INT (ops, 10);
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
