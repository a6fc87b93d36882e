//  http — what the end-to-end tests share: calls to a running mesh's
//  gateway with its API key, the JSON getters and checks its answers
//  need, and the main of a test program that runs against the whole mesh.
#ifndef RM_TEST_HTTP_H
#define RM_TEST_HTTP_H

#include "harness.h"

//  Calls method on path (under m->base_url, e.g. "/v1/orders") with m's
//  API key; json_body, when not NULL, goes as application/json. Returns
//  like harness_http; free res with harness_http_free either way.
int http_call (harness_mesh_t *m, harness_http_t *res, const char *method, const char *path,
               const char *json_body);

//  Same, with more headers: NULL or a NULL-terminated list of "Name: value".
int http_call_with (harness_mesh_t *m, harness_http_t *res, const char *method, const char *path,
                    const char *json_body, const char *const *headers);

//  GET of path without any Authorization header.
int http_get_public (harness_mesh_t *m, harness_http_t *res, const char *path);

//  A member of obj (which may be NULL): the string, or "" when it is
//  absent or no string; the integer, or 0 when it is absent or no integer.
const char *http_json_str (const json_t *obj, const char *key);
int64_t http_json_int (const json_t *obj, const char *key);

//  Checks the status; shows the body when it is not the one expected.
void http_expect_status (const harness_http_t *res, long status, const char *what);

//  Checks res is a problem+json answer of status whose type is
//  https://retailmesh.dev/problems/<slug> and which carries the response's
//  X-Correlation-Id.
void http_expect_problem (const harness_http_t *res, long status, const char *slug, const char *what);

//  Makes the request, checks its status and returns the JSON answer (free
//  it), or an empty object.
json_t *http_expect (harness_mesh_t *m, const char *method, const char *path, const char *json_body, long status);

//  PUTs json_body to path and checks the answer is a 200.
void http_put (harness_mesh_t *m, const char *path, const char *json_body);

//  The availability item of one SKU (free it), or NULL when no 200 came.
//  When status is not NULL it gets the HTTP status, 0 when no answer came.
json_t *http_stock (harness_mesh_t *m, const char *sku, long *status);

//  Status of GET /v1/orders?external_id=..., 0 when no answer came. When
//  order is not NULL it gets the answer (free it), or an empty object.
long http_find_order (harness_mesh_t *m, const char *external_id, json_t **order);

//  Whether orders says a submission with this external_id is in flight:
//  its lookup answers that one is still being processed.
bool http_order_in_flight (harness_mesh_t *m, const char *external_id);

//  The main of an end-to-end test: starts every service of m, runs tests
//  (NULL-terminated) in order, stops and removes the mesh, and returns
//  harness_report (name). When the mesh does not start, that fails.
int http_main (harness_mesh_t *m, const char *name, void (*const *tests) (void));

#endif
