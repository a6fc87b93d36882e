//  problem — RFC 9457 problem details, the body of every gateway error
//  (application/problem+json):
//    {type, title, status, detail, correlation_id, errors:[{pointer, message, ...}]}
//  type is "https://retailmesh.dev/problems/<slug>".
#ifndef RM_GW_PROBLEM_H
#define RM_GW_PROBLEM_H

#include <jansson.h>

#define PROBLEM_TYPE_BASE "https://retailmesh.dev/problems/"
#define PROBLEM_CONTENT_TYPE "application/problem+json"

//  Makes a problem object; detail and cid may be NULL. Returns NULL only
//  when memory runs out.
json_t *problem_new (int status, const char *slug, const char *title,
                     const char *detail, const char *cid);

//  Appends {pointer, message} to the problem's errors list and returns the
//  new item (borrowed) so the caller can add fields; NULL when out of memory.
json_t *problem_add_error (json_t *problem, const char *pointer, const char *message);

//  Appends {parameter, in, message} for an error in a path or query
//  parameter ("in" is "path" or "query"); returns the item (borrowed).
json_t *problem_add_param_error (json_t *problem, const char *parameter,
                                 const char *in, const char *message);

#endif
