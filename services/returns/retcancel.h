//  retcancel — returns.cancel: an authorized return nothing was received
//  for becomes cancelled (its units may be authorized again, and it no
//  longer expires); cancelling a cancelled return changes nothing; any
//  other status conflicts.
#ifndef RM_RETCANCEL_H
#define RM_RETCANCEL_H

#include "retrec.h"

//  Cancels the return in txn at now, with its event for cid and caller;
//  *out is the return after (retrec_free it, also after a failure), changed
//  false when it was cancelled before. Returns 0, RM_ENOTFOUND,
//  RM_ECONFLICT (out->status says why), RM_ENOMEM or a store error.
int retcancel_apply (service_t *svc, MDB_txn *txn, const returns_cancel_request_t *in, int64_t now, const char *cid,
                     const char *caller, retrec_t *out);

//  The returns.cancel handler.
int retcancel_handle (service_t *svc, request_t *req);

#endif
