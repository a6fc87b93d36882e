#include "translate.h"
#include "catalog.h"
#include "err.h"
#include "jsonmp.h"
#include "log.h"
#include "mp.h"
#include "problem.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  ---- requests --------------------------------------------------------

static bool
s_charset_ok (const char *params)
{
    //  params is what follows the media type: "; charset=utf-8; x=y"
    const char *p = params;
    while (*p) {
        while (*p == ';' || *p == ' ' || *p == '\t')
            p++;
        const char *name = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        size_t name_len = (size_t) (p - name);
        while (name_len && (name[name_len - 1] == ' ' || name[name_len - 1] == '\t'))
            name_len--;
        if (*p != '=') {
            if (name_len)
                return false;
            continue;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        bool quoted = *p == '"';
        const char *value = p + quoted;
        p = value;
        while (*p && (quoted ? *p != '"' : (*p != ';' && *p != ' ' && *p != '\t')))
            p++;
        size_t value_len = (size_t) (p - value);
        if (quoted && *p == '"')
            p++;
        if (name_len == 7 && strncasecmp (name, "charset", 7) == 0
            && !(value_len == 5 && strncasecmp (value, "utf-8", 5) == 0))
            return false;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != ';')
            return false;
    }
    return true;
}

bool
translate_json_content_type (const char *content_type)
{
    if (!content_type)
        return false;
    const char *p = content_type;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp (p, "application/json", 16) != 0)
        return false;
    p += 16;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0' || (*p == ';' && s_charset_ok (p));
}

size_t
translate_body_max (const route_t *route)
{
    return route && route->body == ROUTE_BODY_BATCH ? ROUTE_BATCH_BODY_MAX : TRANSLATE_BODY_MAX;
}

bool
translate_body_given (const route_t *route, size_t received)
{
    return route->body == ROUTE_BODY_REQUIRED || route->body == ROUTE_BODY_BATCH
           || (route->body == ROUTE_BODY_OPTIONAL && received > 0);
}

static json_t *s_validation_problem (const char *cid);
static void s_validation_detail (json_t *problem);

//  ---- numbers jansson cannot hold --------------------------------------
//  An integer outside 64 bits, or a number with a fraction or exponent
//  outside a double, is valid JSON that jansson refuses to load; it is bad
//  input in a field, like any value out of range. To name the fields, each
//  such number is replaced by a marker that jansson holds and no accepted
//  body can contain (a string that starts with NUL: bodies are loaded
//  without JSON_ALLOW_NUL), and the markers are then found in the tree.

#define S_HUGE_MAX 16             //  more than this many: answered 400
#define S_HUGE_DIGITS 40          //  of a number quoted in the message

typedef struct {
    int count;
    char text[S_HUGE_MAX][S_HUGE_DIGITS + 4];
    bool real[S_HUGE_MAX];        //  had a fraction or an exponent
} s_huge_t;

static void
s_list_huge (json_t *problem, json_t *value, char *pointer, const s_huge_t *huge)
{
    if (json_is_string (value)) {
        const char *s = json_string_value (value);
        char *end = NULL;
        long i = json_string_length (value) > 1 && s[0] == '\0' ? strtol (s + 1, &end, 10) : -1;
        if (i < 0 || i >= huge->count || !end || *end != '\0')
            return;
        char message[128];
        snprintf (message, sizeof message, huge->real[i] ? "is out of range: %s is too large a number"
                                                         : "is out of range: %s is not a 64-bit integer",
                  huge->text[i]);
        problem_add_error (problem, pointer, message);
        return;
    }
    const char *key;
    size_t index;
    json_t *item;
    json_object_foreach (value, key, item) {
        size_t len = jsonmp_pointer_push (pointer, key);
        s_list_huge (problem, item, pointer, huge);
        pointer[len] = '\0';
    }
    json_array_foreach (value, index, item) {
        char token[24];
        snprintf (token, sizeof token, "%zu", index);
        size_t len = jsonmp_pointer_push (pointer, token);
        s_list_huge (problem, item, pointer, huge);
        pointer[len] = '\0';
    }
}

//  The 422 for a body whose only faults as JSON are numbers too large
//  (jerr: the first of them), or NULL when it has others.
static json_t *
s_huge_problem (const char *data, size_t len, const json_error_t *first, const char *cid)
{
    s_huge_t huge = {0};
    json_error_t jerr = *first;
    json_t *body = NULL;
    size_t n = len;
    char *text = malloc (len + 1);
    if (text)
        memcpy (text, data, len);
    while (text && !body && huge.count < S_HUGE_MAX && json_error_code (&jerr) == json_error_numeric_overflow) {
        //  jansson stops right after the number
        size_t end = (size_t) jerr.position, start = end;
        while (start > 0 && text[start - 1] && strchr ("0123456789+-.eE", text[start - 1]))
            start--;
        if (start == end || end > n)
            break;
        int i = huge.count++;
        size_t digits = end - start;
        snprintf (huge.text[i], sizeof huge.text[i], "%.*s%s", (int) (digits < S_HUGE_DIGITS ? digits : S_HUGE_DIGITS),
                  text + start, digits > S_HUGE_DIGITS ? "..." : "");
        huge.real[i] = strcspn (huge.text[i], ".eE") < strlen (huge.text[i]);
        char marker[24];
        size_t mlen = (size_t) snprintf (marker, sizeof marker, "\"\\u0000%d\"", i);
        char *next = malloc (n - digits + mlen + 1);
        if (next) {
            memcpy (next, text, start);
            memcpy (next + start, marker, mlen);
            memcpy (next + start + mlen, text + end, n - end);
            n = n - digits + mlen;
            body = json_loadb (next, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        }
        free (text);
        text = next;
    }
    free (text);
    json_t *problem = body ? s_validation_problem (cid) : NULL;
    if (problem) {
        char pointer[JSONMP_POINTER_MAX] = "";
        s_list_huge (problem, body, pointer, &huge);
        s_validation_detail (problem);
    }
    json_decref (body);
    return problem;
}

//  jansson quotes the body "near" an error, cut at a byte count, so the
//  text can end inside a UTF-8 sequence or hold the invalid bytes that
//  caused the error; a problem's strings must be UTF-8 (json_string
//  refuses them otherwise), so such a text keeps its ASCII only.
static void
s_ascii_unless_utf8 (char *text)
{
    json_t *probe = json_string (text);
    if (probe) {
        json_decref (probe);
        return;
    }
    for (char *p = text; *p; p++)
        if ((unsigned char) *p >= 0x80)
            *p = '?';
}

json_t *
translate_parse_body (const char *data, size_t len, const char *cid, json_t **problem)
{
    json_error_t jerr;
    json_t *body = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (body)
        return body;
    s_ascii_unless_utf8 (jerr.text);
    if (json_error_code (&jerr) == json_error_numeric_overflow && (*problem = s_huge_problem (data, len, &jerr, cid)))
        return NULL;
    char detail[256];
    snprintf (detail, sizeof detail, "The body is not valid JSON: line %d, column %d: %s",
              jerr.line, jerr.column, jerr.text);
    *problem = problem_new (400, "malformed-json", "Malformed JSON", detail, cid);
    json_t *item = *problem ? problem_add_error (*problem, "", jerr.text) : NULL;
    if (item) {
        json_object_set_new (item, "line", json_integer (jerr.line));
        json_object_set_new (item, "column", json_integer (jerr.column));
    }
    return NULL;
}

//  Adds an error about an operation field: as a path or query parameter
//  error when the route fills that field from one, else as a body pointer.
static void
s_add_field_error (json_t *problem, const route_t *route, const char *pointer, const char *message)
{
    char field[64] = "";
    const char *rest = "";
    if (pointer[0] == '/') {
        size_t len = strcspn (pointer + 1, "/");
        if (len < sizeof field) {
            memcpy (field, pointer + 1, len);
            field[len] = '\0';
            rest = pointer + 1 + len;
        }
    }
    const route_param_t *rp = *field ? route_param_for_field (route, field) : NULL;
    if (!rp) {
        problem_add_error (problem, pointer, message);
        return;
    }
    json_t *item = problem_add_param_error (problem, rp->name,
                                            rp->in == PARAM_PATH ? "path" : "query", message);
    if (item && rp->repeated && rest[0] == '/')
        json_object_set_new (item, "index", json_integer (atoll (rest + 1)));
}

//  A 422 problem whose detail repeats the first error.
static json_t *
s_validation_problem (const char *cid)
{
    return problem_new (422, "validation", "Request is not valid", "", cid);
}

static void
s_validation_detail (json_t *problem)
{
    json_t *errors = json_object_get (problem, "errors");
    json_t *first = json_array_get (errors, 0);
    if (!first)
        return;
    const char *where = json_string_value (json_object_get (first, "pointer"));
    const char *param = json_string_value (json_object_get (first, "parameter"));
    char detail[512];
    int n = snprintf (detail, sizeof detail, "%s%s%s %s",
                      param ? "parameter " : "", param ? param : (where && *where ? where : "body"),
                      param || (where && *where) ? ":" : "",
                      json_string_value (json_object_get (first, "message")));
    if (n > 0 && json_array_size (errors) > 1)
        snprintf (detail + n, sizeof detail - (size_t) n, " (and %zu more)", json_array_size (errors) - 1);
    json_object_set_new (problem, "detail", json_string (detail));
}

//  A query argument for an integer field (a page's limit) is given as its
//  decimal text; anything else stays text and is refused as not an integer.
static json_t *
s_query_value (const field_spec_t *fields, const char *field, json_t *value)
{
    const field_spec_t *f = fields;
    while (f && f->name && strcmp (f->name, field) != 0)
        f++;
    const char *text = json_string_value (value);
    if (!f || !f->name || f->type != FT_INT || f->check == FC_TIME || !text || !*text)
        return json_incref (value);
    char *end;
    errno = 0;
    long long number = strtoll (text, &end, 10);
    return *end || errno ? json_incref (value) : json_integer (number);
}

//  The request's 422, made when its first error is found: a request
//  without one (nearly every request) makes none.
static json_t *
s_problem (json_t **problem, const char *cid)
{
    if (!*problem)
        *problem = s_validation_problem (cid);
    return *problem;
}

//  Copies the route's path parameters, query arguments and defaults into
//  obj; conflicts and repeats go into *problem.
static void
s_apply_params (const route_t *route, const field_spec_t *fields, const route_match_t *match, json_t *query,
                bool has_body, json_t *obj, json_t **problem, const char *cid)
{
    for (size_t i = 0; i < match->nparams; i++) {
        const route_param_t *rp = NULL;
        for (size_t k = 0; k < ROUTE_PARAMS_MAX && route->params[k].name; k++)
            if (match->names[i] && strcmp (route->params[k].name, match->names[i]) == 0)
                rp = &route->params[k];
        if (!rp)
            continue;
        if (has_body && json_object_get (obj, rp->field)) {
            char pointer[JSONMP_POINTER_MAX] = "";
            jsonmp_pointer_push (pointer, rp->field);
            problem_add_error (s_problem (problem, cid), pointer, "is given in the path, not in the body");
        }
        json_t *value = json_string (match->values[i]);
        if (!value)
            problem_add_param_error (s_problem (problem, cid), rp->name, "path", "must be UTF-8 text");
        json_object_set_new (obj, rp->field, value ? value : json_null ());
    }
    for (size_t k = 0; k < ROUTE_PARAMS_MAX && route->params[k].name; k++) {
        const route_param_t *rp = &route->params[k];
        json_t *current = json_object_get (obj, rp->field);
        if (rp->in == PARAM_DEFAULT) {
            if ((!current || json_is_null (current)) && rp->def)
                json_object_set_new (obj, rp->field, json_string (rp->def));
            continue;
        }
        if (rp->in != PARAM_QUERY)
            continue;
        json_t *values = query ? json_object_get (query, rp->name) : NULL;
        size_t count = json_array_size (values);
        for (size_t i = 0; i < count; i++) {
            //  the HTTP side leaves null where a value was not UTF-8;
            //  "?" stands in so only this error is reported for it
            if (json_is_null (json_array_get (values, i))) {
                json_t *item = problem_add_param_error (s_problem (problem, cid), rp->name, "query", "must be UTF-8 text");
                if (item && rp->repeated)
                    json_object_set_new (item, "index", json_integer ((json_int_t) i));
                json_array_set_new (values, i, json_string ("?"));
            }
        }
        if (rp->repeated && count > 0)
            json_object_set (obj, rp->field, values);
        else if (count > 0) {
            if (count > 1)
                problem_add_param_error (s_problem (problem, cid), rp->name, "query", "must be given once");
            json_object_set_new (obj, rp->field, s_query_value (fields, rp->field, json_array_get (values, 0)));
        }
        else if (rp->def)
            json_object_set_new (obj, rp->field, json_string (rp->def));
    }
}

int
translate_request (const route_t *route, const route_match_t *match, json_t *query,
                   json_t *body, const char *cid, msgpack_sbuffer *out, json_t **problem)
{
    const msg_spec_t *spec = route->op ? catalog_find (route->op) : NULL;
    if (!spec) {
        log_error (cid, "gateway: route %s %s names unknown operation %s", route->method,
                   route->path, route->op ? route->op : "(none)");
        *problem = problem_new (500, "internal", "Internal error", "The route is misconfigured.", cid);
        return RM_EINTERNAL;
    }
    *problem = NULL;
    json_t *errors = json_array ();
    if (!errors)
        return RM_ENOMEM;
    bool has_body = body != NULL;
    json_t *obj = has_body ? json_incref (body) : json_object ();
    if (json_is_object (obj))
        s_apply_params (route, spec->request, match, query, has_body, obj, problem, cid);
    int encoded = jsonmp_encode (spec->request, obj, out, errors);
    size_t index;
    json_t *item;
    json_array_foreach (errors, index, item)
        s_add_field_error (s_problem (problem, cid), route, json_string_value (json_object_get (item, "pointer")),
                           json_string_value (json_object_get (item, "message")));
    json_decref (errors);
    json_decref (obj);
    //  a body that could not be fully checked is never passed on
    if (encoded != 0 && json_array_size (json_object_get (*problem, "errors")) == 0)
        s_add_field_error (s_problem (problem, cid), route, "",
                           "the request body could not be checked; nothing was done");
    if (*problem && json_array_size (json_object_get (*problem, "errors")) > 0) {
        s_validation_detail (*problem);
        return RM_EINVAL;
    }
    if (encoded != 0 || *problem) {
        //  out of memory for the problem itself
        json_decref (*problem);
        *problem = problem_new (500, "internal", "Internal error", "The request could not be checked.", cid);
        return RM_ENOMEM;
    }
    return 0;
}

//  ---- replies ---------------------------------------------------------

void
translate_problem (translate_reply_t *out, int status, const char *slug,
                   const char *title, const char *detail, const char *cid)
{
    out->status = status;
    out->body = problem_new (status, slug, title, detail, cid);
    out->problem = true;
}

//  Error details of price_mismatch and insufficient_stock name the line;
//  each becomes an error pointing at the line's field, with the detail's
//  other fields (sku, expected, quoted, requested, available) kept.
static void
s_add_line_details (json_t *problem, const msgpack_object *details, bool prices)
{
    for (uint32_t i = 0; details && details->type == MSGPACK_OBJECT_ARRAY && i < details->via.array.size; i++) {
        const msgpack_object *detail = &details->via.array.ptr[i];
        int64_t line = -1, a = 0, b = 0;
        mp_get_int (detail, "line", &line);
        mp_get_int (detail, prices ? "expected" : "requested", &a);
        mp_get_int (detail, prices ? "quoted" : "available", &b);
        char pointer[64] = "", message[128];
        if (line >= 0)
            snprintf (pointer, sizeof pointer, "/lines/%lld/%s", (long long) line,
                      prices ? "unit_price" : "quantity");
        if (prices)
            snprintf (message, sizeof message, "the current unit price is %lld, not %lld",
                      (long long) a, (long long) b);
        else
            snprintf (message, sizeof message, "%lld requested, only %lld available",
                      (long long) a, (long long) b);
        json_t *extra = jsonmp_decode (NULL, detail);
        json_t *item = problem_add_error (problem, pointer, message);
        if (item && json_is_object (extra)) {
            json_object_del (extra, "line");
            json_object_update_missing (item, extra);
        }
        json_decref (extra);
    }
}

//  A batch's details name its bad items (pricing.batch,
//  inventory.movements_batch): each becomes an error at the item's field,
//  with its index and its own code.
static void
s_add_item_details (json_t *problem, const msgpack_object *details)
{
    for (uint32_t i = 0; i < details->via.array.size; i++) {
        const msgpack_object *detail = &details->via.array.ptr[i];
        char field[JSONMP_POINTER_MAX] = "", message[256] = "", code[32] = "";
        int64_t index = -1;
        mp_get_str (detail, "field", field, sizeof field);
        mp_get_str (detail, "message", message, sizeof message);
        mp_get_str (detail, "code", code, sizeof code);
        mp_get_int (detail, "index", &index);
        json_t *item = problem_add_error (problem, field, jsonmp_message (message, field));
        if (item && index >= 0)
            json_object_set_new (item, "index", json_integer ((json_int_t) index));
        if (item && *code)
            json_object_set_new (item, "code", json_string (code));
    }
}

//  How a service's error code answers over HTTP. Rows are tried in order;
//  a row with_field applies only when the error names a request field.
//  LINES_ITEMS: details, when there are any, list a batch's bad items.
typedef enum { LINES_NONE, LINES_PRICES, LINES_STOCK, LINES_ITEMS } s_lines_t;

static const struct {
    int err;
    bool with_field;
    int status;
    const char *slug, *title;
    bool retry_after;
    s_lines_t lines;               //  per-line details that stand for the field error
} s_errors[] = {
    {RM_EINVAL, false, 422, "validation", "Request is not valid", false, LINES_ITEMS},
    {RM_ENOTFOUND, true, 422, "unknown-reference", "Request refers to something unknown", false, LINES_NONE},
    {RM_ENOTFOUND, false, 404, "not-found", "Not found", false, LINES_NONE},
    {RM_EMISMATCH, false, 409, "price-mismatch", "Prices have changed", false, LINES_PRICES},
    {RM_ESHORT, false, 409, "insufficient-stock", "Not enough stock", false, LINES_STOCK},
    {RM_ECONFLICT, false, 409, "conflict", "Conflicts with the current state", false, LINES_NONE},
    {RM_EBUSY, false, 409, "in-progress", "The same request is still being processed", true, LINES_NONE},
    {RM_ETIMEOUT, false, 503, "unavailable", "Service unavailable", true, LINES_NONE},
    {RM_EUNAVAIL, false, 503, "unavailable", "Service unavailable", true, LINES_NONE},
    {RM_ESTORAGE_FULL, false, 503, "storage-full", "Storage full", true, LINES_NONE},
};

//  A string field of a reply to name in Location: from the answer as the
//  service sent it, or from a problem.
typedef bool s_field_fn (const void *src, const char *name, char *buf, size_t size);

static bool
s_answer_field (const void *src, const char *name, char *buf, size_t size)
{
    const msgpack_object *value = mp_get ((const msgpack_object *) src, name);
    if (!value || value->type != MSGPACK_OBJECT_STR)
        return false;
    snprintf (buf, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    return true;
}

static bool
s_problem_field (const void *src, const char *name, char *buf, size_t size)
{
    const char *value = json_string_value (json_object_get ((const json_t *) src, name));
    if (value)
        snprintf (buf, size, "%s", value);
    return value != NULL;
}

//  Fills the route's Location template's {field}s from the reply.
static void
s_location (const char *template, s_field_fn *field, const void *src, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = template; *p && len + 1 < size; ) {
        const char *close = *p == '{' ? strchr (p, '}') : NULL;
        if (!close) {
            out[len++] = *p++;
            out[len] = '\0';
            continue;
        }
        char name[64], value[128];
        snprintf (name, sizeof name, "%.*s", (int) (close - p - 1), p + 1);
        if (!field (src, name, value, sizeof value))
            value[0] = '\0';
        len += (size_t) snprintf (out + len, size - len, "%s", value);
        if (len >= size)
            len = size - 1;
        p = close + 1;
    }
}

//  A conflict with an order made before names it (orders.submit's detail
//  order_id): its ID in the problem and, on the route that creates orders,
//  its Location. A cancel refused because fulfilments shipped names them
//  (orders.cancel's details fulfillment_id): fulfillment_ids.
static void
s_add_conflicting (const route_t *route, const msgpack_object *details, translate_reply_t *out)
{
    char order_id[64], fulfillment_id[64];
    if (!details || details->type != MSGPACK_OBJECT_ARRAY || details->via.array.size == 0)
        return;
    json_t *shipped = json_array ();
    for (uint32_t i = 0; shipped && i < details->via.array.size; i++)
        if (mp_get_str (&details->via.array.ptr[i], "fulfillment_id", fulfillment_id, sizeof fulfillment_id) == 0)
            json_array_append_new (shipped, json_string (fulfillment_id));
    if (json_array_size (shipped) > 0)
        json_object_set_new (out->body, "fulfillment_ids", shipped);
    else
        json_decref (shipped);
    if (mp_get_str (&details->via.array.ptr[0], "order_id", order_id, sizeof order_id) != 0)
        return;
    json_object_set_new (out->body, "order_id", json_string (order_id));
    if (route->created)
        s_location (route->created, s_problem_field, out->body, out->location, sizeof out->location);
}

static void
s_error_reply (const route_t *route, const msgpack_object *body, const char *cid,
               translate_reply_t *out)
{
    char code[32] = "", message[256] = "", field[JSONMP_POINTER_MAX] = "";
    mp_get_str (body, "code", code, sizeof code);
    mp_get_str (body, "message", message, sizeof message);
    mp_get_str (body, "field", field, sizeof field);
    int err = rm_errcode (code);
    size_t i = 0;
    while (i < sizeof s_errors / sizeof s_errors[0]
           && (s_errors[i].err != err || (s_errors[i].with_field && !*field)))
        i++;
    if (i == sizeof s_errors / sizeof s_errors[0]) {
        log_error (cid, "gateway: %s failed: %s: %s", route->op, code, message);
        translate_problem (out, 500, "internal", "Internal error",
                           "The request failed inside the mesh; quote the correlation ID.", cid);
        return;
    }
    translate_problem (out, s_errors[i].status, s_errors[i].slug, s_errors[i].title, message, cid);
    out->retry_after = s_errors[i].retry_after;
    if (!out->body)
        return;
    const msgpack_object *details = mp_get (body, "details");
    bool items = s_errors[i].lines == LINES_ITEMS && details && details->type == MSGPACK_OBJECT_ARRAY;
    if (items)
        s_add_item_details (out->body, details);
    else if (s_errors[i].lines == LINES_PRICES || s_errors[i].lines == LINES_STOCK)
        s_add_line_details (out->body, details, s_errors[i].lines == LINES_PRICES);
    else if (*field)
        s_add_field_error (out->body, route, field, jsonmp_message (message, field));
    if (err == RM_ECONFLICT)
        s_add_conflicting (route, mp_get (body, "details"), out);
}

static void
s_call_failed (const hub_call_t *call, const char *cid, translate_reply_t *out)
{
    const char *service = call->service ? call->service : call->op;
    int len = (int) strcspn (service, ".");
    char detail[160];
    if (call->err == RM_ETIMEOUT || call->err == RM_EUNAVAIL) {
        log_warn (cid, "gateway: %s: %s", call->op, rm_strerror (call->err));
        snprintf (detail, sizeof detail, "The %.*s service %s.", len, service,
                  call->err == RM_ETIMEOUT ? "did not answer in time" : "cannot be reached");
        translate_problem (out, 503, "unavailable", "Service unavailable", detail, cid);
        out->retry_after = true;
    }
    else {
        log_error (cid, "gateway: %s not sent: %s", call->op, rm_strerror (call->err));
        translate_problem (out, 500, "internal", "Internal error",
                           "The request could not be passed on; quote the correlation ID.", cid);
    }
}

//  Decodes the call's reply body; unpacked needs destroying either way.
static bool
s_unpack (const hub_call_t *call, msgpack_unpacked *unpacked)
{
    size_t offset = 0;
    msgpack_unpacked_init (unpacked);
    return msgpack_unpack_next (unpacked, call->reply.data, call->reply.size, &offset)
           == MSGPACK_UNPACK_SUCCESS;
}

void
translate_reply (const route_t *route, const hub_call_t *call, const char *cid,
                 translate_reply_t *out)
{
    memset (out, 0, sizeof *out);
    if (call->err != 0) {
        s_call_failed (call, cid, out);
        return;
    }
    msgpack_unpacked unpacked;
    if (!s_unpack (call, &unpacked)) {
        log_error (cid, "gateway: undecodable %s reply", route->op);
        translate_problem (out, 500, "internal", "Internal error", "The service's answer was undecodable.", cid);
    }
    else if (!call->ok)
        s_error_reply (route, &unpacked.data, cid, out);
    else {
        //  written as text straight from the answer: no tree to build and dump
        const msg_spec_t *spec = catalog_find (route->op);
        out->text = jsonmp_decode_text (spec ? spec->reply : NULL, &unpacked.data,
                                        route->created ? "created" : NULL, &out->text_len);
        out->status = 200;
        bool created = false;
        if (!out->text) {
            log_error (cid, "gateway: %s reply cannot be shown as JSON", route->op);
            translate_problem (out, 500, "internal", "Internal error",
                               "The service's answer cannot be shown as JSON.", cid);
        }
        else if (route->created && mp_get_bool (&unpacked.data, "created", &created) == 0 && created) {
            out->status = 201;
            s_location (route->created, s_answer_field, &unpacked.data, out->location, sizeof out->location);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
}

void
translate_readiness (const char *const names[], const hub_call_t *calls, size_t n,
                     translate_reply_t *out)
{
    memset (out, 0, sizeof *out);
    json_t *services = json_object ();
    bool ready = true;
    for (size_t i = 0; i < n; i++) {
        const hub_call_t *call = &calls[i];
        json_t *entry = NULL;
        msgpack_unpacked unpacked;
        if (call->err == 0 && call->ok && s_unpack (call, &unpacked)) {
            char version[64] = "", reason[192] = "";
            int64_t uptime = 0;
            bool serving = true;
            mp_get_str (&unpacked.data, "version", version, sizeof version);
            mp_get_int (&unpacked.data, "uptime_s", &uptime);
            mp_get_str (&unpacked.data, "reason", reason, sizeof reason);
            //  a service that did not say is ready when it answers
            mp_get_bool (&unpacked.data, "ready", &serving);
            entry = json_pack ("{s:s, s:s, s:I}", "status", serving ? "ok" : "not_ready", "version", version,
                               "uptime_s", (json_int_t) uptime);
            if (!serving) {
                ready = false;
                json_object_set_new (entry, "reason", json_string (*reason ? reason : "not ready"));
            }
            const msgpack_object *store = mp_get (&unpacked.data, "store");
            if (store)
                json_object_set_new (entry, "store", jsonmp_decode (NULL, store));
        }
        else {
            ready = false;
            entry = json_pack ("{s:s, s:s}", "status", "down", "error",
                               call->err ? rm_errname (call->err) : "unhealthy");
        }
        if (call->err == 0 && call->ok)
            msgpack_unpacked_destroy (&unpacked);
        json_object_set_new (services, names[i], entry);
    }
    out->status = ready ? 200 : 503;
    out->retry_after = !ready;
    out->body = json_pack ("{s:s, s:o}", "status", ready ? "ready" : "not_ready", "services", services);
}
