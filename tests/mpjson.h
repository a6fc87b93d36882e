//  mpjson — lets tests speak to services in JSON: a whole call with a JSON
//  body, through the one codec (jsonmp: bodies packed with jsonmp_pack,
//  replies read with jsonmp_show, so times stay Unix milliseconds).
#ifndef RM_MPJSON_H
#define RM_MPJSON_H

#include "rpc_client.h"
#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

//  Calls op with a JSON body text. On 0, *ok is the reply's ok flag and
//  *body the reply body as JSON (caller decrefs).
int mpjson_call (rpc_client_t *client, const char *op, const char *cid, const char *idem,
                 const char *json_body, int timeout_ms, bool *ok, json_t **body);

//  Queues a call with a JSON body text without waiting (pipelining);
//  returns rpc_client_send's code.
int mpjson_send (rpc_client_t *client, const char *op, const char *cid, const char *json_body,
                 int timeout_ms, rpc_client_fn *fn, void *arg);

//  Same, formatting the body with printf-style arguments.
int mpjson_callf (rpc_client_t *client, const char *op, bool *ok, json_t **body, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

#endif
