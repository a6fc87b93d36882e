//  translate — between HTTP and the mesh, free of any HTTP library so
//  tests can drive it: a routed request (path parameters, query arguments,
//  JSON body) becomes the operation's MessagePack body or a 4xx problem,
//  and a service's answer becomes an HTTP status and JSON body.
#ifndef RM_GW_TRANSLATE_H
#define RM_GW_TRANSLATE_H

#include "hub.h"
#include "route.h"
#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

#define TRANSLATE_BODY_MAX (1024 * 1024)

//  The bytes a route's body may have (route NULL: one not known or not
//  authorized): ROUTE_BATCH_BODY_MAX for a batch's, else TRANSLATE_BODY_MAX.
size_t translate_body_max (const route_t *route);

//  An HTTP answer: status, JSON body (a problem when problem is true),
//  and the headers it needs.
typedef struct {
    int status;
    json_t *body;                 //  owned; json_decref when done
    char *text;                   //  or the body as JSON text already (owned; free), body NULL
    size_t text_len;
    bool problem;                 //  body is application/problem+json
    bool retry_after;             //  send Retry-After: 1
    char location[128];           //  201: the Location header, else ""
} translate_reply_t;

//  True for "application/json", any case, optionally with parameters
//  (only charset=utf-8 is accepted as a charset).
bool translate_json_content_type (const char *content_type);

//  Whether the route reads the request's body as JSON, given how many
//  body bytes arrived: always when it requires one, when it takes an
//  optional one only if any arrived (so no Content-Type is needed then).
bool translate_body_given (const route_t *route, size_t received);

//  Parses a request body. Returns the JSON value, or NULL with *problem
//  set to a 400 problem naming the line and column (duplicate keys count
//  as malformed), or to a 422 naming the field of each number too large to
//  hold (an integer outside 64 bits, a real outside a double), which is
//  valid JSON.
json_t *translate_parse_body (const char *data, size_t len, const char *cid, json_t **problem);

//  Builds the route's operation body from the path parameters in match,
//  the query arguments (an object of arrays of strings, or NULL) and the
//  JSON body (NULL for routes without one; fields are added to it).
//  Returns 0 with the packed body in out, or RM_EINVAL with *problem set
//  to a 422 problem listing every error found.
int translate_request (const route_t *route, const route_match_t *match, json_t *query,
                       json_t *body, const char *cid, msgpack_sbuffer *out, json_t **problem);

//  Turns one call's result into the route's HTTP answer: a service's
//  answer as text, a problem as body.
void translate_reply (const route_t *route, const hub_call_t *call, const char *cid,
                      translate_reply_t *out);

//  Turns the sys.health answers of the named services into the readiness
//  answer: 200 when all are up and ready, else 503 naming which are down,
//  or not ready (sys.health's ready: false) with the reason they gave.
void translate_readiness (const char *const names[], const hub_call_t *calls, size_t n,
                          translate_reply_t *out);

//  A problem answer with nothing more than status, slug, title and detail.
void translate_problem (translate_reply_t *out, int status, const char *slug,
                        const char *title, const char *detail, const char *cid);

#endif
