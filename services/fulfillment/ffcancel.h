//  ffcancel — cancelling an order's fulfilments (fulfillment.cancel, which
//  orders calls before it cancels an order), all or nothing. The whole
//  order: every fulfilment becomes cancelled, unless one has shipped
//  (RM_ECONFLICT naming them; nothing changes); an order whose acceptance
//  has not arrived yet is recorded as cancelled, so its acceptance makes
//  nothing; cancelling again answers the same. Units of lines: taken from
//  the line's fulfilments that have not shipped, newest first, refused
//  when more are asked than are unshipped; with an idempotency key, the
//  same key again answers the first answer and cancels nothing more (the
//  cancels database keeps it under the order's ID and the key's SHA-256).
//  Each fulfilment changed is published as fulfillment.order.cancelled in
//  the same transaction.
#ifndef RM_FFCANCEL_H
#define RM_FFCANCEL_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

typedef struct {
    char field[64];                //  JSON Pointer into the request, "" for none
    char message[256];
} ffcancel_problem_t;

//  Applies the cancel (idem: the request's idempotency key, "" for none)
//  in txn and fills *out (zeroed here; record_free
//  (fulfillment_cancel_reply_fields, out) after). Returns 0; with problem
//  set: RM_ECONFLICT (a fulfilment shipped, or lines of an order already
//  cancelled), RM_EINVAL (a line asked twice, held by no fulfilment, or
//  more units than it has open), RM_EBUSY (lines of an order whose
//  acceptance has not arrived: try again); else RM_ENOMEM or a store
//  error. Nothing is written when it fails.
int ffcancel_apply (service_t *svc, MDB_txn *txn, const fulfillment_cancel_request_t *in, const char *cid,
                    const char *idem, fulfillment_cancel_reply_t *out, ffcancel_problem_t *problem);

//  fulfillment.cancel.
int ffcancel_handle (service_t *svc, request_t *req);

#endif
