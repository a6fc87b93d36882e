//  fuzz_gateway — libFuzzer target for the gateway's request translation:
//  JSON body parsing (translate_parse_body), path and query parameters and
//  JSON -> MessagePack encoding with the catalogue's validation
//  (translate_request -> jsonmp_encode), for every route of route_table
//  that calls a service.
//
//  Input: the first byte chooses the route; then lines up to an empty line:
//  first one value per {parameter} of the route's path template, then
//  query arguments as name=value; everything after the empty line is the
//  body. Values end at a NUL, as the HTTP library hands them over.
//
//  What must hold: a refusal is a 400 or 422 problem listing its errors;
//  a body the gateway accepts is one the service's catalogue accepts, so
//  nothing the gateway lets through is refused (or worse) behind it; and
//  the codec agrees with itself: that body read back as JSON
//  (jsonmp_decode) encodes again (jsonmp_encode) to the same JSON, and
//  written as text (jsonmp_decode_text) is that JSON's text.
#include "catalog.h"
#include "err.h"
#include "jsonmp.h"
#include "route.h"
#include "translate.h"
#include <jansson.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_CID "fuzz-cid"

typedef struct {
    const char *data;
    size_t size;
    size_t pos;
} s_input_t;

//  The next line as a C string (cut at its first NUL) in buf, or false at
//  the empty line that ends the parameters or at the end of the input.
static bool
s_next_line (s_input_t *in, char *buf, size_t bufsize)
{
    if (in->pos >= in->size)
        return false;
    const char *start = in->data + in->pos;
    const char *nl = memchr (start, '\n', in->size - in->pos);
    size_t len = nl ? (size_t) (nl - start) : in->size - in->pos;
    in->pos += len + (nl ? 1 : 0);
    if (len == 0)
        return false;
    size_t text = strnlen (start, len);
    if (text >= bufsize)
        text = bufsize - 1;
    memcpy (buf, start, text);
    buf[text] = '\0';
    return true;
}

//  The route's path with each {parameter} replaced by the next line.
static bool
s_build_path (const route_t *route, s_input_t *in, char *path, size_t size)
{
    size_t len = 0;
    for (const char *t = route->path; *t;) {
        if (*t == '{') {
            char value[ROUTE_PATH_MAX];
            if (!s_next_line (in, value, sizeof value))
                return false;
            int n = snprintf (path + len, size - len, "%s", value);
            if (n < 0 || (size_t) n >= size - len)
                return false;
            len += (size_t) n;
            t = strchr (t, '}');
            if (!t)
                return false;
            t++;
        }
        else {
            if (len + 1 >= size)
                return false;
            path[len++] = *t++;
        }
    }
    path[len] = '\0';
    return true;
}

//  Query arguments as the gateway collects them: an object of arrays of
//  strings, null standing for a value that is not UTF-8.
static json_t *
s_build_query (s_input_t *in)
{
    json_t *query = json_object ();
    char line[4096];
    while (query && s_next_line (in, line, sizeof line)) {
        char *eq = strchr (line, '=');
        const char *value = "";
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        json_t *values = json_object_get (query, line);
        if (!values) {
            values = json_array ();
            if (json_object_set_new (query, line, values) != 0)
                continue;
        }
        json_t *text = json_string (value);
        json_array_append_new (values, text ? text : json_null ());
    }
    return query;
}

static void
s_check_problem (json_t *problem, bool validation)
{
    json_int_t status = json_integer_value (json_object_get (problem, "status"));
    json_t *errors = json_object_get (problem, "errors");
    const char *cid = json_string_value (json_object_get (problem, "correlation_id"));
    if (!(status == 422 || (!validation && status == 400)) || json_array_size (errors) == 0 || !cid
        || strcmp (cid, S_CID) != 0)
        abort ();
    size_t i;
    json_t *item;
    json_array_foreach (errors, i, item)
        if (!json_is_string (json_object_get (item, "message")))
            abort ();
}

static json_t *
s_decode (const field_spec_t *fields, const msgpack_sbuffer *packed)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    json_t *json = NULL;
    if (msgpack_unpack_next (&unpacked, packed->data, packed->size, NULL) == MSGPACK_UNPACK_SUCCESS)
        json = jsonmp_decode (fields, &unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
    return json;
}

static void
s_check_codec (const field_spec_t *fields, const msgpack_sbuffer *packed)
{
    json_t *first = s_decode (fields, packed);
    json_t *errors = json_array ();
    if (!first || !errors)
        abort ();
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    if (jsonmp_encode (fields, first, &again, errors) != 0)
        abort ();
    json_t *second = s_decode (fields, &again);
    if (!second || !json_equal (first, second))
        abort ();
    //  and the text the gateway answers with is that tree's
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t len = 0;
    char *text = msgpack_unpack_next (&unpacked, packed->data, packed->size, NULL) == MSGPACK_UNPACK_SUCCESS
                     ? jsonmp_decode_text (fields, &unpacked.data, NULL, &len)
                     : NULL;
    char *dumped = json_dumps (first, JSON_COMPACT);
    if (!text || !dumped || len != strlen (dumped) || strcmp (text, dumped) != 0)
        abort ();
    free (dumped);
    free (text);
    msgpack_unpacked_destroy (&unpacked);
    json_decref (second);
    msgpack_sbuffer_destroy (&again);
    json_decref (errors);
    json_decref (first);
}

static void
s_translate (const route_t *route, const route_match_t *match, json_t *query, json_t *body)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init (&out);
    json_t *problem = NULL;
    int rc = translate_request (route, match, query, body, S_CID, &out, &problem);
    if (rc == 0) {
        proto_error_t err;
        const msg_spec_t *spec = catalog_find (route->op);
        if (problem || !spec || catalog_validate_packed (spec->request, out.data, out.size, &err) != 0)
            abort ();
        s_check_codec (spec->request, &out);
    }
    else if (rc == RM_EINVAL)
        s_check_problem (problem, true);
    else if (rc != RM_ENOMEM)
        abort ();
    json_decref (problem);
    msgpack_sbuffer_destroy (&out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const route_t *calls[128];
    size_t ncalls = 0;
    for (const route_t *r = route_table; r->method && ncalls < sizeof calls / sizeof calls[0]; r++)
        if (r->kind == ROUTE_CALL)
            calls[ncalls++] = r;
    if (size < 1 || ncalls == 0)
        return 0;
    const route_t *route = calls[data[0] % ncalls];
    s_input_t in = {(const char *) data + 1, size - 1, 0};
    char path[ROUTE_PATH_MAX];
    route_match_t match;
    if (!s_build_path (route, &in, path, sizeof path)
        || route_find (route->method, path, &match) != route)
        return 0;
    json_t *query = s_build_query (&in);
    const char *body_text = in.data + in.pos;
    size_t body_len = in.size - in.pos;
    json_t *body = NULL;
    json_t *problem = NULL;
    if (translate_body_given (route, body_len)) {
        body = translate_parse_body (body_text, body_len, S_CID, &problem);
        if (!body && !problem)
            abort ();
    }
    if (problem)
        s_check_problem (problem, false);
    else
        s_translate (route, &match, query, body);
    json_decref (problem);
    json_decref (body);
    json_decref (query);
    return 0;
}
