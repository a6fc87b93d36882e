//  consumer — applies another service's events exactly once in effect and
//  in order. It records, per source, the last sequence number applied, in
//  the same transaction as the effect. Live events come from the source's
//  PUB socket; whenever a gap shows (a later number, or a heartbeat ahead
//  of us), and at start, the missing range is fetched with events.since
//  (the Clone pattern: live updates plus a catch-up channel). A handler
//  that keeps failing has its event moved to the dead-letter store after a
//  bounded number of attempts; a business rejection is not retried.
#ifndef RM_CONSUMER_H
#define RM_CONSUMER_H

#include "catalog_core.h"
#include "envelope.h"
#include "rpc_client.h"
#include "store.h"
#include <czmq.h>
#include <lmdb.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct consumer_t consumer_t;

//  Applies one event inside txn; host is consumer_host_t.arg (the service).
//  0 = applied; RM_EINVAL, RM_ENOTFOUND or RM_ECONFLICT = rejected for
//  business reasons (logged, not retried); anything else = failed, retried
//  with backoff, then dead-lettered.
typedef int (consumer_apply_fn) (void *host, MDB_txn *txn, const envelope_t *event);

typedef int (consumer_write_fn) (MDB_txn *txn, void *arg);

//  What a consumer needs from the process it runs in, and nothing more:
//  a service fills it from its runtime, a unit test with a store of its
//  own, a clock it moves by hand and a source it answers itself.
typedef struct {
    void *arg;                     //  passed to every function below and to apply
    const char *name;              //  the consuming service, for operators' hints in logs
    store_t *store;                //  holds the positions and dead-letter databases
    //  Runs fn in a write transaction that commits, with the position the
    //  consumer writes in it, before anything the host sends afterwards.
    //  Returns fn's code, or a store error when the write cannot start.
    int (*write) (void *arg, consumer_write_fn *fn, void *fn_arg);
    //  Sends the request op with body to the service source; fn gets the
    //  reply (or RM_ETIMEOUT / RM_EUNAVAIL) later, never from inside call.
    //  Returns 0 or the error that kept it from being sent.
    int (*call) (void *arg, const char *source, const char *op, const char *body, size_t body_len,
                 rpc_client_fn *fn, void *fn_arg);
    int64_t (*now_ms) (void *arg);     //  wall clock, Unix ms
    int64_t (*mono_ms) (void *arg);    //  monotonic ms, for retry delays
} consumer_host_t;

typedef struct {
    const char *source;            //  the service whose events are consumed
    //  Event types handled. Others only advance the position, in memory:
    //  it is stored with the next write, so they cost no write.
    const char *const *types;
    consumer_apply_fn *apply;
} consumer_def_t;

typedef struct {
    int max_attempts;              //  attempts before an event is dead-lettered
    int backoff_ms;                //  first retry delay, doubled each attempt
    int sub_hwm;                   //  receive high-water mark of the SUB socket
    uint32_t page;                 //  events asked per events.since call
} consumer_opts_t;

//  Creates a consumer of def->source for host (copied): subscribes at
//  pub_endpoint and loads the stored position. positions and dlq are
//  databases of host->store. Catch-up starts at the first tick. Returns 0,
//  RM_EUNAVAIL when it cannot subscribe, RM_ESTORE or RM_ENOMEM.
int consumer_new (const consumer_host_t *host, const consumer_def_t *def, const consumer_opts_t *opts,
                  const char *pub_endpoint, MDB_dbi positions, MDB_dbi dlq, consumer_t **self_p);
void consumer_destroy (consumer_t **self_p);

const char *consumer_source (consumer_t *self);
zsock_t *consumer_socket (consumer_t *self);

//  Reads the live events that are ready and applies what is next in line.
void consumer_handle (consumer_t *self);

//  Retries, fetches missing ranges; call every turn.
void consumer_tick (consumer_t *self);

//  Re-reads the stored position after the batch failed to commit.
void consumer_reload (consumer_t *self);

//  Moves the position back so events from `from` on are applied again.
int consumer_replay (consumer_t *self, uint64_t from);

//  When the consumer was last known to have applied every event of its
//  source: the wall-clock time (host's now_ms) of the newest heartbeat,
//  event or events.since answer from the source that found it caught up;
//  0 when none has since it was created. Readers that answer from what
//  the consumer applied tell with it how old their knowledge may be.
int64_t consumer_caught_up_at (consumer_t *self);

//  The consumer's part of sys.health: its position, counters and stall.
void consumer_status (consumer_t *self, core_consumer_status_t *status);

//  Dead letters. count says how many this consumer holds; list adds each
//  entry (without its event) to list's entries (RM_ENOMEM, or RM_ESTORE
//  for one it cannot read; free list with record_free either way); show packs one entry with its event (dlq.show's reply);
//  retry applies the event again (0 and the entry removed when it
//  applies); drop removes it.
uint32_t consumer_dlq_count (consumer_t *self, MDB_txn *txn);
int consumer_dlq_list (consumer_t *self, MDB_txn *txn, core_dlq_list_reply_t *list);
int consumer_dlq_show (consumer_t *self, MDB_txn *txn, uint64_t seq, msgpack_packer *pk);
int consumer_dlq_retry (consumer_t *self, uint64_t seq, char *error, size_t error_size);
int consumer_dlq_drop (consumer_t *self, uint64_t seq);

#endif
