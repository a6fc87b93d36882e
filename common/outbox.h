//  outbox — a service's event log: every event is written into an LMDB
//  database keyed by the service's sequence number, in the same write
//  transaction as the state change that caused it, so an event exists if
//  and only if its change committed. The relay publishes committed events
//  in sequence order on the PUB socket and, after a crash, resumes from the
//  position it recorded; replay (events.since) reads the same log.
#ifndef RM_OUTBOX_H
#define RM_OUTBOX_H

#include <czmq.h>
#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

typedef struct outbox_t outbox_t;

//  Opens the log kept in dbi (events) with the relay position kept in
//  positions under "_relay". Reads the last sequence number.
int outbox_new (MDB_env *env, MDB_dbi events, MDB_dbi positions, const char *source, outbox_t **self_p);
void outbox_destroy (outbox_t **self_p);

//  Appends one event (body: one packed MessagePack map) in txn and returns
//  its sequence number; caller (NULL or "" for none) goes into its
//  envelope. Call outbox_rollback with the number returned by
//  outbox_mark when txn is aborted afterwards.
int outbox_append (outbox_t *self, MDB_txn *txn, const char *type, const char *cid,
                   const char *caller, const char *body, size_t body_len, uint64_t *seq);
uint64_t outbox_mark (outbox_t *self);
void outbox_rollback (outbox_t *self, uint64_t mark);

//  Re-reads the last sequence number after a failed commit.
int outbox_reload (outbox_t *self);

//  Publishes every committed event after the last one published (at most
//  max per call, so a long backlog does not stall the loop). Returns the
//  number published or a negative code.
int outbox_relay (outbox_t *self, zsock_t *pub, int max);

//  Records the relay position in txn when it moved (piggybacks on a batch).
int outbox_save_position (outbox_t *self, MDB_txn *txn);

//  Publishes a heartbeat carrying the last sequence number, so consumers
//  notice events lost at the tail of the stream.
void outbox_heartbeat (outbox_t *self, zsock_t *pub);

uint64_t outbox_last_seq (outbox_t *self);
uint64_t outbox_published (outbox_t *self);

//  The first sequence number still kept (last + 1 when the log is empty).
int outbox_first_seq (outbox_t *self, MDB_txn *txn, uint64_t *first);

//  Packs events.since's reply {first_seq, last_seq, events} for events
//  from..(from+max-1). Returns 0, RM_ENOMEM, RM_ESTORE or
//  RM_EGONE when from is below the first event kept.
int outbox_since (outbox_t *self, MDB_txn *txn, uint64_t from, uint32_t max, msgpack_packer *pk);

//  Deletes the oldest events beyond keep_count or older than min_time_ms
//  (Unix ms). Returns the number deleted or a negative code.
int outbox_trim (outbox_t *self, MDB_txn *txn, uint64_t keep_count, int64_t min_time_ms);

#endif
