//  rethttp — what the end-to-end tests of returns share: an order carried
//  through fulfilment to shipped or delivered by milestones sent through
//  the gateway, return authorizations and receipts over HTTP, and polls
//  for what the services apply from each other's events (bounded by
//  FFHTTP_WAIT_MS).
#ifndef RM_TEST_RETHTTP_H
#define RM_TEST_RETHTTP_H

#include "ffhttp.h"

//  Submits an order (POST /v1/orders) on channel in EUR with lines (a JSON
//  array), waits for its one fulfilment and sends its milestones picked,
//  packed, shipped and, when delivered, delivered, one second apart from
//  occurred_at (Unix ms), each event ID "<external_id>-<type>"; then waits
//  until the order says shipped or delivered. order_id gets its ID ("" when
//  the order was not taken). A step that goes wrong is a failed CHECK.
void rethttp_order (harness_mesh_t *m, const char *external_id, const char *channel, const char *lines,
                    bool delivered, int64_t occurred_at, char order_id[64]);

//  POSTs body to /v1/returns with the Idempotency-Key idem (none when NULL)
//  and returns the HTTP status (0: no answer); *reply gets the answer (free
//  it) or an empty object.
long rethttp_authorize (harness_mesh_t *m, const char *idem, const char *body, json_t **reply);

//  POSTs body to /v1/returns/{return_id}/receipt; returns like
//  rethttp_authorize.
long rethttp_receive (harness_mesh_t *m, const char *return_id, const char *body, json_t **reply);

//  GETs /v1/returns/{return_id} until its status is status or the wait
//  runs out; returns the last answer (free it; an empty object when none
//  came) after checking the status.
json_t *rethttp_wait_status (harness_mesh_t *m, const char *return_id, const char *status);

//  The stock of sku at location (its availability's location row, free
//  it), polled until on_hand and quarantined are those or the wait runs
//  out; checks both then.
json_t *rethttp_expect_stock_at (harness_mesh_t *m, const char *sku, const char *location, int64_t on_hand,
                                 int64_t quarantined);

//  Checks a 422 problem lists exactly the errors given: count pointers (each
//  with its code when codes is not NULL), in order.
void rethttp_expect_errors (const json_t *problem, size_t count, const char *const *pointers,
                            const char *const *codes);

//  Stops the mesh's row ix and starts it again with
//  RETAILMESH_CRASH_POINT=point and RETAILMESH_CRASH_SKIP=skip in its
//  environment only. Returns whether it started.
bool rethttp_crash_start (harness_mesh_t *m, int ix, const char *point, const char *skip);

//  Waits (at most FFHTTP_WAIT_MS) until row ix exits at its crash point,
//  checks it did as SIGKILL would (status 137) and starts it again without
//  the crash point. Returns whether it crashed.
bool rethttp_crash_await (harness_mesh_t *m, int ix);

#endif
