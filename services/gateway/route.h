//  route — the gateway's HTTP routes as data: method, path template,
//  OpenAPI operationId, the service operation behind it and where each of
//  that operation's fields comes from (path, query string or a default).
//  The dispatcher serves exactly this table and openapi.json documents
//  exactly this table (a unit test checks both directions).
#ifndef RM_GW_ROUTE_H
#define RM_GW_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_PATH_MAX 1024
#define ROUTE_PARAMS_MAX 6

typedef enum {
    ROUTE_CALL,       //  one service operation
    ROUTE_HEALTH,     //  the gateway itself is up
    ROUTE_READY,      //  every service answers sys.health
    ROUTE_OPENAPI,    //  the OpenAPI document
} route_kind_t;

typedef enum {
    PARAM_PATH,       //  a {name} segment of the path template
    PARAM_QUERY,      //  a query-string argument
    PARAM_DEFAULT,    //  a body field filled in when the client left it out
} param_in_t;

typedef enum {
    ROUTE_BODY_NONE,          //  takes no body
    ROUTE_BODY_REQUIRED,      //  takes a JSON body, always
    ROUTE_BODY_OPTIONAL,      //  takes a JSON body or none (an empty one)
    ROUTE_BODY_BATCH,         //  takes a JSON body, always, of up to ROUTE_BATCH_BODY_MAX
} route_body_t;

typedef struct {
    const char *name;         //  HTTP name: path segment or query argument
    const char *field;        //  the operation's body field it becomes
    param_in_t in;
    bool repeated;            //  query argument given once per array item
    const char *def;          //  value when absent (NULL: none)
} route_param_t;

typedef struct {
    const char *method;
    const char *path;         //  template, e.g. "/v1/orders/{order_id}"
    const char *operation_id; //  OpenAPI operationId (a valid Apex identifier)
    route_kind_t kind;
    const char *op;           //  ROUTE_CALL: catalogue operation name
    const char *service;      //  ROUTE_CALL: the topology row that answers it
    bool auth;                //  needs Authorization: Bearer <key>
    route_body_t body;        //  whether it takes a JSON request body
    //  A reply whose field "created" is true answers 201 with this Location,
    //  its {field}s filled from the reply ("/v1/orders/{order_id}"); NULL: 200.
    const char *created;
    route_param_t params[ROUTE_PARAMS_MAX];  //  terminated by name NULL
} route_t;

//  The body limit of the bulk feeds' routes (ROUTE_BODY_BATCH:
//  pricing.batch, inventory.movements_batch): 10,000 items of a usual shape are about
//  1.2 MB of JSON. A valid body never packs into more MessagePack bytes
//  than its JSON has (quotes, colons and commas become type headers,
//  RFC 3339 times 9-byte integers), so 3 MiB leaves the call with its
//  envelope well under the services' --max-message-size of 4 MiB, which
//  would otherwise drop the gateway's connection.
#define ROUTE_BATCH_BODY_MAX (3u * 1024 * 1024)

//  Every route, terminated by an entry whose method is NULL.
extern const route_t route_table[];

//  What a request path matched.
typedef struct {
    const route_t *route;     //  NULL when nothing matched
    int status;               //  0 on a match, 404 unknown path, 405 wrong method
    char allow[64];           //  405: the methods the path takes ("GET, POST")
    size_t nparams;           //  path parameters, in template order
    const char *names[ROUTE_PARAMS_MAX];
    const char *values[ROUTE_PARAMS_MAX];  //  point into buf
    char buf[ROUTE_PATH_MAX];
} route_match_t;

//  Matches method and path (without query string) against the table.
//  Returns match->route, or NULL with match->status 404 or 405.
const route_t *route_find (const char *method, const char *path, route_match_t *match);

//  The first call route whose service is not in services (NULL-terminated),
//  or NULL when the gateway can reach every route.
const route_t *route_unserved (char *const *services);

//  Returns the path or query parameter that fills the operation's body
//  field, or NULL when the field comes from the JSON body.
const route_param_t *route_param_for_field (const route_t *route, const char *field);

#endif
