//  authorize — returns.authorize: checks a request, asks orders what of
//  the order may come back (orders.returnable) and inventory whether the
//  return location exists (inventory.location.get), in parallel, then
//  decides in one write, against the units the order's other returns hold,
//  so two requests for the last unit cannot both be authorized. A rejected
//  return is stored too (status rejected, a reason per failing line).
//  Resending a return_id (or an Idempotency-Key without one) with the same
//  body answers the stored outcome; another body conflicts.
#ifndef RM_AUTHORIZE_H
#define RM_AUTHORIZE_H

#include "catalog_returns.h"
#include "retopts.h"
#include "retrec.h"
#include "service.h"
#include "sha256.h"

#define AUTHORIZE_FIELD_MAX 64
#define AUTHORIZE_MESSAGE_MAX 256

//  Checks what the catalogue cannot: an order named by order_id or by
//  channel and external_id, and each line's reason one of RETURNS_REASONS.
//  Returns 0, or RM_EINVAL with field (a JSON Pointer) and message filled.
int authorize_check (const returns_authorize_request_t *in, char field[AUTHORIZE_FIELD_MAX],
                     char message[AUTHORIZE_MESSAGE_MAX]);

//  Decides on in against order (orders.returnable's reply) when
//  committed[line] (CATALOG_MAX_LINES entries) units of each order line
//  are held by the order's other returns, at now. Per requested line: its
//  SKU on the order (else /lines/i/sku, unknown_sku), units delivered (or
//  shipped, opts->basis_shipped; else /lines/i, not_delivered), an order
//  line of the SKU within the channel's window (else /lines/i,
//  window_passed), and quantity at most what those lines have left (else
//  /lines/i/quantity, exceeds_returnable, saying how many may come back).
//  A line that passes is allocated over the order lines of its SKU in line
//  order: one stored line per (order line, requested line).
//  Fills *out (zeroed here except return_id; retrec_free it): the order's
//  fields, the lines, authorized_at = now, and either status authorized
//  with expires_at = now + opts->expiry_ms, or status rejected with
//  rejection. Returns 0 (authorized), RM_EINVAL (rejected) or RM_ENOMEM.
int authorize_decide (const returns_authorize_request_t *in, const orders_returnable_t *order,
                      const int64_t *committed, const retopts_t *opts, int64_t now, retrec_t *out);

//  Packs the reply to a rejected return: RM_EINVAL naming its first failing
//  field, with one detail {field, code, message} per rejection.
void authorize_reply_rejected (request_t *req, const retrec_t *ret);

//  One decision: what it is made from, and what came of it.
typedef struct {
    service_t *svc;
    const returns_authorize_request_t *in;
    const orders_returnable_t *order;      //  orders.returnable's reply (authorize_write only)
    const retopts_t *opts;
    char return_id[RETSTORE_ID_MAX + 1];   //  the request's, or one made for it
    char idem[ENVELOPE_IDEM_MAX];          //  the Idempotency-Key that names the return, "" when none does
    uint8_t sha[SHA256_LEN];               //  of the request's body
    int64_t now;
    const char *cid, *caller;              //  for the event
    retrec_t ret;                          //  out: the return decided, or stored before
    int decision;                          //  out: authorize_decide's, when decided here
    bool replay;                           //  out: a request made it before
    bool conflict;                         //  out: ... with another body (ret not loaded)
} authorize_job_t;

//  Whether a request made the return before: the idem key's return_id
//  (job->return_id then names it), then that return_id's body; sets
//  replay and conflict, and loads ret when the body is the same. Returns
//  0, RM_ENOMEM or a store error.
int authorize_seen (MDB_txn *txn, const retstore_dbs_t *dbs, authorize_job_t *job);

//  In a service_write: authorize_seen again (a resend may have been
//  decided since), else decides against the units the order's returns hold
//  in txn and stores the return, its by_order, request and idem entries,
//  its expiry entry when authorized, its status count, and its event
//  (returns.return.authorized or .rejected). ret.created is true then.
//  Returns 0 (decision says which); RM_EBUSY, storing nothing, when the
//  order has RETURNS_PER_ORDER_MAX returns already; RM_ENOMEM or a store
//  error.
int authorize_write (MDB_txn *txn, authorize_job_t *job);

//  The returns.authorize handler; the service's state is its retopts_t.
int authorize_handle (service_t *svc, request_t *req);

#endif
