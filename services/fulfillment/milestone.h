//  milestone — a warehouse's or carrier's report applied to a fulfilment,
//  once per (fulfilment, event_id): the same event_id with the same body
//  is a duplicate that changes nothing, with another body a conflict.
//  Progress moves forward only: a milestone behind the stage reached (or
//  an exception older than the status) is kept in the history without
//  moving the status back. A delivered that comes before its shipped
//  stands for the shipment too (what was delivered is what shipped), so
//  fulfillment.shipment.shipped is published then; the late shipped is
//  kept. On shipped each line's shipped is what left and its shortfall
//  what did not (a short pick, reason short_pick). Every change is stored
//  with its event (fulfillment.shipment.<type>) in the caller's
//  transaction.
//
//  The history database holds each milestone under the fulfilment's ID,
//  occurred_at (big-endian) and event_id, so it reads in occurred_at
//  order; event_ids holds {hash} (SHA-256 of the canonical body) under the
//  fulfilment's ID and event_id. Both are records at FFSTORE_RECORD_V.
#ifndef RM_MILESTONE_H
#define RM_MILESTONE_H

#include "catalog_fulfillment.h"
#include "ffstore.h"
#include "fulfilment.h"

//  What became of one milestone.
typedef enum { MILESTONE_APPLIED, MILESTONE_DUPLICATE, MILESTONE_KEPT, MILESTONE_REJECTED } milestone_outcome_t;

typedef struct {
    milestone_outcome_t outcome;
    char field[128];               //  rejected: JSON Pointer into the milestone, "" for none
    char message[256];             //  rejected: why
} milestone_result_t;

//  The outcome's name in a batch result ("applied").
const char *milestone_outcome_name (milestone_outcome_t outcome);

//  Applies milestone m, whose request body is body (hashed to tell a resend
//  from a conflict), inside txn; *after (zeroed here, fulfilment_free it)
//  is the fulfilment afterwards. Returns 0 (applied, duplicate or kept), or
//  with result->field and message set: RM_ENOTFOUND (no such fulfilment),
//  RM_EINVAL (a type, reason, SKU or quantity it cannot take: above what
//  the fulfilment holds, or delivered above what shipped), RM_ECONFLICT
//  (event_id sent before with another body; the fulfilment is cancelled;
//  its history is full); else a store error or RM_ENOMEM. Nothing is
//  written when it fails.
int milestone_apply (service_t *svc, MDB_txn *txn, const fulfillment_milestone_request_t *m,
                     const msgpack_object *body, const char *cid, fulfilment_t *after, milestone_result_t *result);

//  Reads the fulfilment's history into self->history, in occurred_at
//  order. Returns 0, RM_ENOMEM or RM_ESTORE.
int milestone_history (MDB_txn *txn, const ffstore_dbs_t *dbs, fulfilment_t *self);

//  fulfillment.milestone and fulfillment.milestones_batch.
int milestone_handle (service_t *svc, request_t *req);
int milestone_handle_batch (service_t *svc, request_t *req);

#endif
