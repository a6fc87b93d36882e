//  fulfilment — one fulfilment as fulfillment stores it: the record replies
//  and events carry (catalog_fulfillment.h), plus what fulfillment keeps
//  for itself: the stage reached, when the order was accepted, how many
//  milestones it holds and whether it was ever in exception. Values are
//  records (storeval.h) at FFSTORE_RECORD_V, keyed by the 16-byte ID, so
//  the database's order is creation order (UUIDv7).
#ifndef RM_FULFILMENT_H
#define RM_FULFILMENT_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

//  Progress, in order; cancelled and exception are statuses beside it.
typedef enum {
    FULFILMENT_ALLOCATED,
    FULFILMENT_PICKED,
    FULFILMENT_PACKED,
    FULFILMENT_SHIPPED,
    FULFILMENT_DELIVERED,
    FULFILMENT_STAGES
} fulfilment_stage_t;

#define FULFILMENT_INTERNAL(X, T)                                                                     \
    X (T, INT, stage, true, 0, FULFILMENT_STAGES - 1, "progress reached: allocated .. delivered")     \
    X (T, TIME, accepted_at, true, "when its stock was allocated: the order's acceptance, or the fill") \
    X (T, INT, milestones, true, 0, FULFILLMENT_HISTORY_MAX, "milestones in its history")            \
    X (T, OPTBOOL, excepted, "it has been in exception (counted once per fulfilment)")

//  Every field a fulfilment is read into or packed from, whichever list
//  (stored, reply, event, detail) is used.
#define FULFILMENT_MEMBERS(X, T)                                                                 \
    FULFILLMENT_FIELDS (X, T) FULFILMENT_INTERNAL (X, T)                                         \
    R_EVENT_ID (X, T, false, "the milestone that changed it") X (T, TIME, occurred_at, false, "") \
    X (T, BOOL, applied, "") X (T, BOOL, duplicate, "")                                          \
    X (T, MAPS, history, 0, FULFILLMENT_HISTORY_MAX, fulfillment_history_entry, "")

typedef struct {
    FULFILMENT_MEMBERS (RECORD_MEMBER, void)
} fulfilment_t;

//  The field lists over fulfilment_t: as stored, as replies and lists
//  carry it, as events carry it, as fulfillment.milestone answers, as
//  fulfillment.get answers.
extern const field_spec_t fulfilment_stored_fields[];
extern const field_spec_t fulfilment_public_fields[];
extern const field_spec_t fulfilment_event_fields[];
extern const field_spec_t fulfilment_milestone_reply_fields[];
extern const field_spec_t fulfilment_detail_fields[];

//  The stage's status name ("picked"), and the stage a status or milestone
//  type names: 0 .. FULFILMENT_STAGES - 1, or -1 for any other word.
const char *fulfilment_stage_name (int stage);
int fulfilment_stage_of (const char *name);

//  Whether a word is a status (FULFILLMENT_STATUSES) or an exception
//  reason (FULFILLMENT_REASONS).
bool fulfilment_status_valid (const char *status);
bool fulfilment_reason_valid (const char *reason);

//  Units of a line still to fulfil: quantity less what was cancelled.
int64_t fulfilment_line_open (const fulfillment_line_t *line);

//  Loads the fulfilment with this ID into *out (zeroed here; release it
//  with fulfilment_free, also after a failure). Returns 0, RM_ENOTFOUND,
//  RM_ENOMEM, or RM_ESTORE when the stored record is unreadable.
int fulfilment_load (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t id[16], fulfilment_t *out);

//  Stores it under its ID. Returns 0, RM_EINVAL when its ID is not a
//  UUID, or a store error (RM_ENOMEM when the map is full).
int fulfilment_save (MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfilment_t *self);

void fulfilment_free (fulfilment_t *self);

//  Emits the event type ("fulfillment.shipment.shipped") with the
//  fulfilment as its body, and event_id and occurred_at of the milestone
//  that changed it (NULL and 0 when none did). Only inside a service_write.
void fulfilment_emit (service_t *svc, const fulfilment_t *self, const char *type, const char *cid,
                      const char *event_id, int64_t occurred_at);

//  Packs the fulfilment as replies, lists and events carry it.
void fulfilment_pack (const fulfilment_t *self, msgpack_packer *pk);

#endif
