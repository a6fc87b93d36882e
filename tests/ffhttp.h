//  ffhttp — what the end-to-end tests of fulfilment share: an order's
//  fulfilments as fulfillment makes them, milestones sent through the
//  gateway, and polls for what the services apply from each other's
//  events (bounded by FFHTTP_WAIT_MS).
#ifndef RM_TEST_FFHTTP_H
#define RM_TEST_FFHTTP_H

#include "http.h"

//  How long the events of one step may take to reach every service.
#define FFHTTP_WAIT_MS 15000

//  The order's fulfilments (GET /v1/orders/{order_id}/fulfillments) once
//  there are count of them, or the last answer's when the wait ran out:
//  the items array (free it; an empty array when none came).
json_t *ffhttp_fulfillments (harness_mesh_t *m, const char *order_id, size_t count);

//  The items of the order's list what (GET /v1/orders/{order_id}/<what>:
//  "fulfillments", "invoices", "credit-memos") once there are count of them,
//  or the last answer's when the wait ran out (free it; an empty array when
//  none came).
json_t *ffhttp_order_items (harness_mesh_t *m, const char *order_id, const char *what, size_t count);

//  The fulfilment of items at location (borrowed), or NULL.
json_t *ffhttp_at (json_t *items, const char *location);

//  A milestone's body into buf: event_id, type, occurred_at (Unix ms, sent
//  as RFC 3339) and, when extra is not empty, its members (",\"lines\":...").
void ffhttp_milestone_body (char *buf, size_t size, const char *event_id, const char *type, int64_t occurred_at,
                            const char *extra);

//  POSTs that milestone to /v1/fulfillments/{fulfillment_id}/events and
//  returns the HTTP status (0: no answer); *reply (may be NULL) gets the
//  answer (free it) or an empty object.
long ffhttp_milestone (harness_mesh_t *m, const char *fulfillment_id, const char *event_id, const char *type,
                       int64_t occurred_at, const char *extra, json_t **reply);

//  GETs path until its answer's member key is the string value, or the
//  wait runs out; returns the last answer (free it; an empty object when
//  none came).
json_t *ffhttp_wait_str (harness_mesh_t *m, const char *path, const char *key, const char *value);

//  Polls the SKU's availability (over its locations) until on hand and
//  reserved are those, or the wait runs out; checks both then.
void ffhttp_expect_stock (harness_mesh_t *m, const char *sku, int64_t on_hand, int64_t reserved);

//  Whether a poll's answer is the one awaited.
typedef bool (ffhttp_done_fn) (const json_t *answer, const void *arg);

//  GETs path until done (answer, arg) says so or the wait runs out;
//  returns the last answer (free it; an empty object when none came).
json_t *ffhttp_poll (harness_mesh_t *m, const char *path, ffhttp_done_fn *done, const void *arg);

//  GETs path until its answer's array member key has count items, or the
//  wait runs out; returns the last answer (free it; an empty object when
//  none came).
json_t *ffhttp_wait_count (harness_mesh_t *m, const char *path, const char *key, size_t count);

#endif
