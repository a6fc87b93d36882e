//  receipt — returns.receive: units of an authorized return arrive at a
//  location. The location must exist (inventory.location.get, asked with
//  the request deferred); each request line's SKU must be the return's and
//  the units received of a SKU may not pass those authorized. The units of
//  a line go to the return's lines of that SKU in line order, each to what
//  it still expects; every allocated line is priced (refund.h). The return
//  becomes received and returns.return.received carries the receipt with
//  its amounts. A receipt_id is applied once per return: sent again with
//  the same body it answers the return as it is now with applied false;
//  with another body it conflicts.
#ifndef RM_RECEIPT_H
#define RM_RECEIPT_H

#include "retrec.h"
#include "refund.h"
#include "retstore.h"
#include "service.h"
#include "sha256.h"
#include <stdbool.h>

//  Whether in may be applied to ret: field (a JSON Pointer into the request)
//  and message say why not. Returns 0; RM_ECONFLICT when ret is neither
//  authorized, received nor refunded, when it expired (expires_at at or
//  before now) or has RETURNS_RECEIPTS_MAX receipts (field "/return_id");
//  RM_EINVAL for a
//  condition neither resellable nor damaged ("/lines/<i>/condition"), a
//  SKU not in the return ("/lines/<i>/sku") or units beyond those
//  authorized and not yet received of that SKU, counting the request's
//  earlier lines ("/lines/<i>/quantity").
int receipt_check (const retrec_t *ret, const returns_receive_request_t *in, int64_t now, char *field,
                   size_t field_size, char *message, size_t message_size);

//  Applies in (receipt_check passed) to ret at now: allocates the units,
//  prices them with fees, appends the receipt, adds to the totals and moves
//  ret to received; *out is the event's receipt (record_free
//  (returns_received_receipt_fields, out) after, also after a failure).
//  Returns 0, RM_ENOMEM, or RM_EINVAL when an amount or total overflows
//  (ret is then not to be stored).
int receipt_apply (const refund_fees_t *fees, retrec_t *ret, const returns_receive_request_t *in, int64_t now,
                   returns_received_receipt_t *out);

//  What receipt_write did: applied false for a receipt_id seen before with
//  this body; ret the return as it stands (retrec_free (&out->ret) after);
//  on a refusal field and message.
typedef struct {
    bool applied;
    retrec_t ret;
    char field[64];
    char message[512];
} receipt_outcome_t;

//  Applies a receipt whose location exists, inside txn (a service_write),
//  priced with the fees of the service's state (a retopts_t):
//  stores the return, the receipt_id with digest (SHA-256 of the request
//  body) and queues returns.return.received for cid and caller (the
//  request's, which a deferred handler keeps). Returns 0 (also for a
//  replay); RM_ENOTFOUND for an unknown return; RM_ECONFLICT for a
//  receipt_id seen with another body ("/receipt_id") or a return that takes
//  no receipt; RM_EINVAL as receipt_check or for an amount that overflows;
//  or a store error.
int receipt_write (service_t *svc, MDB_txn *txn, const returns_receive_request_t *in,
                   const uint8_t digest[SHA256_LEN], int64_t now, const char *cid, const char *caller,
                   receipt_outcome_t *out);

//  Packs returns.receive's reply from an outcome.
void receipt_reply (receipt_outcome_t *outcome, msgpack_packer *pk);

//  returns.receive: refusals it can tell from the store at once, then asks
//  inventory for the location (deferred) and on its answer receipt_write.
int receipt_handle (service_t *svc, request_t *req);

#endif
