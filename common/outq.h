//  outq — the durable outbound queue: actions (today calls to a peer
//  service) that must happen at least once after a change commits. An
//  action is written in the same LMDB transaction as the change that
//  requires it, so it exists exactly when the change does; it is performed
//  after the commit, retried with capped exponential backoff and jitter,
//  removed only when it succeeds, and set aside as a dead letter after a
//  bounded number of attempts or a bounded age. Actions still pending when
//  the process stops are performed again after a restart, so the receiver
//  must be idempotent (a call carries its cid and idempotency key).
//
//  The queue performs and records through a host (the service: its rpc
//  clients, service_write and service_read_txn), so its logic runs in
//  tests without sockets. Records are MessagePack maps with a version.
#ifndef RM_OUTQ_H
#define RM_OUTQ_H

#include "catalog_core.h"
#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

typedef struct outq_t outq_t;

//  What an action does; a later kind (an HTTP delivery) adds its fields
//  to outq_action_t and its own send in the host.
typedef enum { OUTQ_CALL = 1 } outq_kind_t;

typedef struct {
    outq_kind_t kind;
    const char *peer;              //  OUTQ_CALL: the service called
    const char *op;                //  its operation
    const char *cid;               //  correlation ID of the change
    const char *idem;              //  idempotency key, "" when none
    const char *body;              //  one packed MessagePack map
    size_t body_len;
    const char *caller;            //  who caused the change (request_caller), NULL or "" for none
} outq_action_t;

typedef struct {
    void *ctx;
    //  Starts performing action id. The outcome is reported with
    //  outq_done, later or before this returns. A negative return means it
    //  could not start; that counts as a failed attempt.
    int (*send) (void *ctx, outq_t *queue, uint64_t id, const outq_action_t *action);
    //  Runs fn in a write transaction that commits with the host's work.
    int (*write) (void *ctx, int (*fn) (MDB_txn *txn, void *arg), void *arg);
    //  A transaction that sees committed state.
    int (*read) (void *ctx, MDB_txn **txn);
    //  Monotonic and Unix clocks in ms; NULL for clock_mono_ms/clock_now_ms
    //  (tests move time by hand).
    int64_t (*mono_ms) (void *ctx);
    int64_t (*unix_ms) (void *ctx);
} outq_host_t;

typedef struct {
    int max_attempts;              //  failed attempts before an action is dead-lettered
    int64_t max_age_ms;            //  or once it is this old
    int backoff_ms;                //  delay before the first retry, doubled each attempt
    int backoff_max_ms;            //  the cap of that delay
} outq_opts_t;

//  Called once with the outcome of the next attempt of a watched action:
//  err 0, or the attempt's error and its message.
typedef void (outq_watch_fn) (void *arg, int err, const char *message);

//  Creates the queue over database dbi and schedules every pending action
//  it holds (those a crash or a stop left) to be performed now. Returns 0,
//  RM_ENOMEM, or RM_ESTORE when the database cannot be read.
int outq_new (const outq_host_t *host, const outq_opts_t *opts, MDB_dbi dbi, outq_t **self_p);
void outq_destroy (outq_t **self_p);

//  Writes an action in txn (the change's own transaction) and schedules
//  it; *id names it. If txn is rolled back, the action is forgotten when
//  its turn comes. The call carries action->caller, so what it causes at
//  the peer is attributed to whoever caused the change. Returns 0,
//  RM_EINVAL (unknown kind, missing peer or op, a field too long),
//  RM_ENOMEM or RM_ESTORE.
int outq_push (outq_t *self, MDB_txn *txn, const outq_action_t *action, uint64_t *id);

//  Performs the actions that are due at now (outq's mono clock), as long
//  as the host's read transaction sees them committed. Returns the number
//  started.
int outq_run (outq_t *self);

//  The monotonic time the next action is due, -1 when none is waiting.
int64_t outq_next_due (outq_t *self);

//  Reports the outcome of an attempt (the host's send, once per attempt):
//  err 0 removes the action; anything else schedules a retry or, past the
//  bounds, makes it a dead letter. message says why (may be NULL).
//  Returns 0 or RM_ENOTFOUND when id is not being performed.
int outq_done (outq_t *self, uint64_t id, int err, const char *message);

//  Calls fn once with the outcome of the next attempt of action id.
//  Returns 0, RM_ENOTFOUND (not pending) or RM_EBUSY (already watched).
int outq_watch (outq_t *self, uint64_t id, outq_watch_fn *fn, void *arg);

//  The queue's part of sys.health; txn is read for the dead letters.
void outq_status (outq_t *self, MDB_txn *txn, core_outbound_status_t *status);

//  Dead letters, in the shape of the consumers' (dlq.*), of calls to peer
//  (NULL or "": to any peer; a dead letter to another peer is not found):
//  count; list adds
//  each to list's entries as {queue: "outbound", source: peer, seq: id,
//  type: op, error, attempts, failed_at} (free list with record_free,
//  also after RM_ENOMEM); show packs one with the action as its event
//  (dlq.show's reply);
//  retry performs it once more at the next outq_run and calls fn with the
//  outcome (removed if it succeeds, else it stays a dead letter); drop
//  removes it through the host's write. Return 0, RM_ENOTFOUND (no such
//  dead letter), RM_EBUSY (being retried) or RM_ESTORE.
uint32_t outq_dlq_count (outq_t *self, MDB_txn *txn, const char *peer);
int outq_dlq_list (outq_t *self, MDB_txn *txn, const char *peer, core_dlq_list_reply_t *list);
int outq_dlq_show (outq_t *self, MDB_txn *txn, const char *peer, uint64_t id, msgpack_packer *pk);
int outq_dlq_retry (outq_t *self, const char *peer, uint64_t id, outq_watch_fn *fn, void *arg);
int outq_dlq_drop (outq_t *self, const char *peer, uint64_t id);

#endif
