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

#include "envelope.h"
#include <czmq.h>
#include <lmdb.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct service_t service_t;
typedef struct consumer_t consumer_t;

//  Applies one event inside txn. 0 = applied; RM_EINVAL, RM_ENOTFOUND or
//  RM_ECONFLICT = rejected for business reasons (logged, not retried);
//  anything else = failed, retried with backoff, then dead-lettered.
typedef int (consumer_apply_fn) (service_t *svc, MDB_txn *txn, const envelope_t *event);

typedef struct {
    const char *source;            //  the service whose events are consumed
    const char *const *types;      //  event types handled (others only advance the position)
    consumer_apply_fn *apply;
} consumer_def_t;

typedef struct {
    int max_attempts;              //  attempts before an event is dead-lettered
    int backoff_ms;                //  first retry delay, doubled each attempt
    int sub_hwm;                   //  receive high-water mark of the SUB socket
    uint32_t page;                 //  events asked per events.since call
} consumer_opts_t;

//  Creates a consumer of def->source for svc: subscribes at pub_endpoint
//  and loads the stored position. positions and dlq are the service's
//  internal databases. Catch-up starts at the first tick.
int consumer_new (service_t *svc, const consumer_def_t *def, const consumer_opts_t *opts,
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

//  Packs {source, position, source_last_seq, lag, gaps, replays, applied,
//  rejected, duplicates, dead_letters, stalled, stalled_reason?}.
void consumer_pack_status (consumer_t *self, msgpack_packer *pk);

//  Dead letters. count says how many this consumer holds; list packs each
//  entry (without its event, and without an array header);
//  show packs one entry with its event; retry applies the event again
//  (0 and the entry removed when it applies); drop removes it.
uint32_t consumer_dlq_count (consumer_t *self, MDB_txn *txn);
int consumer_dlq_list (consumer_t *self, MDB_txn *txn, msgpack_packer *pk);
int consumer_dlq_show (consumer_t *self, MDB_txn *txn, uint64_t seq, msgpack_packer *pk);
int consumer_dlq_retry (consumer_t *self, uint64_t seq, char *error, size_t error_size);
int consumer_dlq_drop (consumer_t *self, uint64_t seq);

#endif
