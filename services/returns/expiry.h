//  expiry — a service timer (every second) walks the expiry index in order
//  of expires_at, a bounded number of entries per turn, and acts on the
//  returns whose time has come: one authorized with nothing received
//  expires (returns.return.expired); one refunded with units still missing
//  is closed (returns.return.closed), the rest no longer expected; one
//  still waiting for a receipt's refund leaves the index and is closed
//  when its last refund arrives (credit.h). Every entry walked leaves the
//  index, so a restart resumes where the stored index stands.
#ifndef RM_EXPIRY_H
#define RM_EXPIRY_H

#include "retrec.h"
#include "retstore.h"
#include "service.h"
#include <stdbool.h>

//  Entries of the index looked at per turn at most.
#define EXPIRY_BATCH 100

typedef enum {
    EXPIRY_NONE = 0,               //  nothing changes (terminal, or waiting for a refund)
    EXPIRY_EXPIRED,                //  the return became expired
    EXPIRY_CLOSED,                 //  the return became closed
} expiry_action_t;

//  What expiry does to ret at now (its expires_at has passed), applied to
//  ret: status and closed_at.
expiry_action_t expiry_decide (retrec_t *ret, int64_t now);

//  One turn inside txn: the entries due at now, EXPIRY_BATCH at most, each
//  acted on (its events for cid) and removed; *walked counts them.
//  Returns 0 or a store error (nothing of the turn is kept).
int expiry_walk (service_t *svc, MDB_txn *txn, int64_t now, const char *cid, size_t *walked);

//  The timer (service_def_t's timers).
extern const service_timer_t expiry_timers[];

#endif
