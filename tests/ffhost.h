//  ffhost — what fulfillment's unit tests share: a fulfillment service run
//  in the test's own process (loophost.h; no routes, no consumers) and the
//  steps that feed it, each in a service_write of its own with bodies
//  given as JSON text (times as Unix ms) and checked against the
//  catalogue: an accepted order, a backorder fill, a milestone, a cancel;
//  and what reads them back. Nothing commits: the service's batch stays
//  open and reads see it. Failures are CHECKs (harness.h).
#ifndef RM_TEST_FFHOST_H
#define RM_TEST_FFHOST_H

#include "ffcancel.h"
#include "fulfilment.h"
#include "loophost.h"
#include "milestone.h"

//  Opens the service in host (host->svc). Returns loophost_open's code.
int ffhost_open (loophost_t *host);

//  The main of a unit test: opens the service, sets *svc, runs tests
//  (NULL-terminated) in order, closes it and returns harness_report (name).
int ffhost_main (const char *name, service_t **svc, void (*const *tests) (void));

//  intake_order on an orders.order.accepted body.
int ffhost_accept (service_t *svc, const char *json);

//  intake_fill on an inventory.backorder.filled body, event number seq.
int ffhost_fill (service_t *svc, const char *json, uint64_t seq);

//  milestone_apply on a fulfillment.milestone body; *after and *result as
//  it fills them (fulfilment_free (after) after).
int ffhost_milestone (service_t *svc, const char *json, fulfilment_t *after, milestone_result_t *result);

//  ffcancel_apply on a fulfillment.cancel body with idempotency key idem
//  (NULL for none) (record_free (fulfillment_cancel_reply_fields, out) after).
int ffhost_cancel (service_t *svc, const char *json, const char *idem, fulfillment_cancel_reply_t *out,
                   ffcancel_problem_t *problem);

//  The stored fulfilment (fulfilment_free it), with its history.
void ffhost_load (service_t *svc, const char *id, fulfilment_t *out);

//  The IDs of the order's fulfilments, oldest first (at most max); their number.
size_t ffhost_fulfilments (service_t *svc, const char *order_id, char (*ids)[UUID_STR_LEN + 1], size_t max);

#endif
