//  service — the runtime every retailmesh service runs on: configuration,
//  its LMDB store, a ROUTER request server that dispatches by operation
//  name, a PUB socket for events, clients to peer services, group commit,
//  clean shutdown and the sys.health operation.
//
//  One thread runs the loop. Each turn it waits, no longer than the nearest
//  timer or call deadline, for its sockets and watched file descriptors,
//  then drains every ready request into
//  one write transaction (group commit): each handler's writes run in a
//  nested transaction, so a failing handler undoes only its own changes.
//  After the batch commits durably, the queued replies, events and
//  outgoing calls are sent; if the commit fails, every request of the
//  batch gets an error reply and nothing is sent. Then the outbound queue
//  performs the actions that are due (see outq.h).
//
//  The store's map grows between batches, when a write found it full or
//  it is three quarters used; a request whose write, or whose batch's
//  commit, found the map full is run once more after the growth (a
//  deferred one learns it from its callbacks: RM_ESTORAGE_FULL). When the store cannot grow (at
//  --map-size-max, or the disk is full) writes answer RM_ESTORAGE_FULL and
//  sys.health says not ready with the reason, until a write commits again.
#ifndef RM_SERVICE_H
#define RM_SERVICE_H

#include "config.h"
#include "consumer.h"
#include "envelope.h"
#include "outbox.h"
#include "outq.h"
#include "rpc_client.h"
#include "store.h"
#include "topology.h"
#include <lmdb.h>
#include <msgpack.h>

typedef struct service_t service_t;
typedef struct request_t request_t;

//  A handler answers, or defers, its request. A negative return with no
//  reply queued makes the runtime answer with that error code.
typedef int (service_handler_fn) (service_t *svc, request_t *req);

typedef struct {
    const char *op;                //  operation name in the catalogue
    service_handler_fn *fn;
} service_route_t;

//  Timer and file descriptor callbacks run in the loop like handlers: they
//  may service_write, call and reply; the batch is flushed after them.
typedef void (service_timer_fn) (service_t *svc, void *arg);
typedef void (service_fd_fn) (service_t *svc, int fd, int revents, void *arg);

//  A timer the service always runs, every interval_ms (at least 1) from
//  start; service_new fails with RM_EINVAL otherwise.
typedef struct {
    const char *name;
    int interval_ms;
    service_timer_fn *fn;          //  called with arg NULL
} service_timer_t;

//  An option of one service, beside those every service has.
typedef struct {
    const char *name;              //  "reserve-ttl": flag --reserve-ttl
    const char *def;               //  default value, may be NULL
    const char *help;
} service_option_t;

//  What a service is. Its endpoints, the services it calls and the event
//  sources it consumes are its row of the topology (topology.h).
typedef struct {
    const char *name;              //  "pricing": its row in the topology
    const char *const *dbs;        //  named databases, NULL-terminated
    unsigned schema_version;
    const store_migration_t *migrations;  //  from older schema versions, see store.h
    const service_route_t *routes; //  terminated by {NULL, NULL}
    const service_option_t *options; //  its own options, terminated by {NULL}; may be NULL
    //  Runs once after the store is open and before requests are served
    //  (e.g. settling work a crash left pending). May be NULL.
    int (*on_start) (service_t *svc);
    //  Runs every turn of the loop after the batch is flushed. May be NULL.
    void (*on_tick) (service_t *svc);
    //  Other services' events this one applies, terminated by {NULL}:
    //  exactly the sources its topology row consumes.
    const consumer_def_t *consumers;
    //  Periodic timers, terminated by {NULL}. May be NULL.
    const service_timer_t *timers;
    //  Packs exactly one object, the service's own figures, which sys.health
    //  answers as details; txn reads the store (NULL when no read could
    //  start). A non-zero return leaves details out (logged). May be NULL.
    int (*health) (service_t *svc, MDB_txn *txn, msgpack_packer *pk);
} service_def_t;

//  Declares the options every service has (data-dir, rpc-endpoint and
//  pub-endpoint with the row's defaults, map-size, map-size-max, log-level,
//  nosync, call-timeout, the event log's and consumers' limits, the outbound
//  queue's retry bounds (outbound-*), topology, config), <peer>-endpoint
//  for each service the row calls or consumes, <source>-pub-endpoint for
//  each source, and the descriptor's own options. Returns 0, or RM_EINVAL
//  after printing why when the service has no row or its consumers differ
//  from the row's.
int service_config_define (config_t *cfg, const service_def_t *def, const topology_t *topo);

//  Opens the store, binds the sockets and connects to the peers of its
//  topology row. Returns 0 or a negative code (logged).
int service_new (const service_def_t *def, const topology_t *topo, config_t *cfg,
                 service_t **self_p);

//  Serves until SIGINT/SIGTERM or service_stop; then stops taking
//  requests, finishes the batch in flight and returns 0.
int service_run (service_t *self);

//  Asks the loop to stop after the current turn.
void service_stop (service_t *self);

//  Asks for the next turn to start without waiting for input (work that
//  on_tick does in slices, such as a backlog).
void service_continue (service_t *self);

//  Closes sockets and the store; nulls the pointer.
void service_destroy (service_t **self_p);

const char *service_name (service_t *self);
store_t *service_store (service_t *self);
config_t *service_config (service_t *self);
MDB_dbi service_dbi (service_t *self, int index);

//  Business state owned by the caller.
void service_set_state (service_t *self, void *state);
void *service_state (service_t *self);

//  ---- transactions ----------------------------------------------------

//  A transaction to read from: the batch's write transaction when one is
//  open (it sees this turn's uncommitted writes), else a read transaction
//  that lives until the end of the turn. Do not commit or abort it.
int service_read_txn (service_t *self, MDB_txn **txn);

typedef int (service_write_fn) (MDB_txn *txn, void *arg);

//  Runs fn in a nested write transaction of this turn's batch. When fn
//  returns non-zero its writes, and the events it queued, are undone and
//  its code is returned. The batch is committed durably at the end of the
//  turn, before any reply, event or call queued in this turn is sent.
int service_write (service_t *self, service_write_fn *fn, void *arg);

//  ---- requests -------------------------------------------------------

const envelope_t *request_envelope (request_t *req);
const char *request_op (request_t *req);
const char *request_cid (request_t *req);
const char *request_idem (request_t *req);   //  "" when absent
const char *request_caller (request_t *req); //  who caused it (the gateway's API key ID), "" when absent
const msgpack_object *request_body (request_t *req);

//  Starts a success reply; the caller packs exactly one object (the reply
//  body) on the returned packer. The reply is sent after the batch commits.
msgpack_packer *request_reply_ok (request_t *req);

//  Queues an error reply naming the field (JSON Pointer, may be NULL).
int request_reply_error (request_t *req, int err, const char *field,
                         const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

//  Queues an error reply with ndetails detail objects, which the caller
//  packs on the returned packer.
msgpack_packer *request_reply_error_details (request_t *req, int err, const char *field,
                                             const char *message, size_t ndetails);

//  Keeps the request after its handler returns (the handler must return 0).
//  It is answered later, from a callback, with request_reply_*; the
//  runtime frees it once its reply is sent.
void request_defer (request_t *req);

//  ---- events and calls -------------------------------------------------

//  Starts an event with topic type ("orders.order.accepted"); the caller
//  packs exactly one object, the body. Only inside a service_write: the
//  event is written to the service's event log in the same transaction as
//  the change (the outbox), and published after the batch commits; it is
//  dropped if the enclosing service_write fails.
//  The event is attributed to the caller of the request whose handler is
//  running (its envelope's caller), or of the event a consumer is
//  applying, so every event a request causes, here or in the services that
//  consume its events, says who made it; calls to peers made from a
//  handler or a consumer carry that caller too.
msgpack_packer *service_event (service_t *self, const char *type, const char *cid);

//  As service_event, attributed to caller (NULL or "" for none): for work
//  that continues after the handler returned (a reply callback), which
//  passes the request_caller it kept.
msgpack_packer *service_event_for (service_t *self, const char *type, const char *cid,
                                   const char *caller);

//  Runs fn (arg, err) once this turn's batch is committed (err 0) or has
//  failed to commit (err its code, RM_ESTORAGE_FULL when the store is
//  full): for work that must know whether a change is durable. fn runs in
//  the loop like a handler.
typedef void (service_after_fn) (void *arg, int err);
int service_after_commit (service_t *self, service_after_fn *fn, void *arg);

//  The client for a peer: a service its topology row calls or consumes.
rpc_client_t *service_peer (service_t *self, const char *peer);

//  Calls a peer after this turn's batch commits (so a call never acts on
//  state that might still be rolled back). timeout_ms is relative to the
//  moment it is sent. fn runs in the loop like a handler: it may write,
//  reply to deferred requests and call again.
int service_call (service_t *self, const char *peer, const char *op,
                  const char *cid, const char *idem, int timeout_ms,
                  const char *body, size_t body_len, rpc_client_fn *fn, void *arg);

//  ---- timers and file descriptors ----------------------------------------

//  Runs fn once, delay_ms from now; *id (may be NULL) names it for
//  service_timer_cancel. Returns 0, RM_EINVAL or RM_ENOMEM.
int service_timer_add (service_t *self, int delay_ms, service_timer_fn *fn, void *arg, uint64_t *id);

//  Cancels a timer that has not run. Returns 0 or RM_ENOTFOUND.
int service_timer_cancel (service_t *self, uint64_t id);

//  Polls fd (ZMQ_POLLIN and/or ZMQ_POLLOUT) with the service's sockets
//  and calls fn with the events seen (ZMQ_POLLERR too). Adding an fd again
//  replaces its events and callback. Returns 0, RM_EINVAL or RM_ENOMEM.
int service_fd_add (service_t *self, int fd, int events, service_fd_fn *fn, void *arg);

//  Stops polling fd (before it is closed). Returns 0 or RM_ENOTFOUND.
int service_fd_remove (service_t *self, int fd);

//  ---- the outbound queue ------------------------------------------------

//  The outbound queue (outq.h): outq_push an action in the transaction of
//  the change that requires it (inside a service_write); the service makes
//  the call to a peer (a service its topology row calls) after the commit,
//  retrying as outq.h says, and reports the queue in sys.health.
outq_t *service_outq (service_t *self);

//  The whole life of a service process: reads the topology, defines the
//  options, reads them, opens, serves until a signal, closes. Returns the
//  process exit code (0, 2 for bad options or topology, 1 for a failure
//  to start).
int service_main (const service_def_t *def, int argc, char **argv);

//  The event log, and the consumers of other services' events.
outbox_t *service_outbox (service_t *self);
int service_consumer_count (service_t *self);
consumer_t *service_consumer (service_t *self, int index);
consumer_t *service_consumer_of (service_t *self, const char *source);

//  Default timeout for calls to peers (option call-timeout), in ms.
int service_call_timeout (service_t *self);

#endif
