#include "service.h"
#include "catalog.h"
#include "eventops.h"
#include "clock.h"
#include "err.h"
#include "failpoint.h"
#include "keys.h"
#include "log.h"
#include "mp.h"
#include "text.h"
#include "timers.h"
#include "uuid.h"
#include "sockmon.h"
#include "zap.h"
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Requests taken per turn before the batch is committed: large enough to
//  fill a group commit, small enough to bound a turn's latency.
#define SERVICE_BATCH_MAX 512
//  Per connection: a client that sends faster than the service answers
//  waits (its DEALER blocks); the bound is messages, and with
//  --max-message-size it bounds a connection's memory.
#define SERVICE_RPC_HWM 10000
#define SERVICE_PUB_HWM 100000
#define SERVICE_TICK_MS 100
#define SERVICE_DRAIN_MS 2000
#define SERVICE_HEARTBEAT_MS 1000
#define SERVICE_TRIM_MS 10000
#define SERVICE_RELAY_MAX 10000

//  Internal databases, after the service's own: the event log, positions
//  (relay and consumers), dead letters and the outbound queue.
enum { DB_EVENTS, DB_POSITIONS, DB_DLQ, DB_OUTQ, DB_INTERNAL };
static const char *const s_internal_dbs[] = {"_events", "_positions", "_dlq", "_outq"};

typedef enum { ACT_REPLY, ACT_EVENT, ACT_CALL, ACT_AFTER } action_kind_t;

typedef struct {
    char peer[32];
    char op[ENVELOPE_TYPE_MAX];
    char cid[ENVELOPE_CID_MAX];
    char idem[ENVELOPE_IDEM_MAX];
    char caller[ENVELOPE_CALLER_MAX];
    int timeout_ms;
    rpc_client_fn *fn;
    void *arg;
} call_args_t;

typedef struct {
    action_kind_t kind;
    request_t *req;                 //  ACT_REPLY
    char type[ENVELOPE_TYPE_MAX];   //  ACT_EVENT
    char cid[ENVELOPE_CID_MAX];     //  ACT_EVENT
    char caller[ENVELOPE_CALLER_MAX];  //  ACT_EVENT
    msgpack_sbuffer buf;            //  ACT_EVENT body, ACT_CALL body
    msgpack_packer pk;              //  ACT_EVENT: packs into buf
    call_args_t call;               //  ACT_CALL
    service_after_fn *after;        //  ACT_AFTER, with call.arg
} action_t;

struct request_t {
    service_t *svc;
    zframe_t *identity;
    zframe_t *data;                 //  the envelope as received (NULL: none), kept to decode again on a rerun
    msgpack_unpacked unpacked;
    envelope_t env;
    bool decoded;
    bool replied;
    bool deferred;
    bool reply_ok;
    msgpack_sbuffer reply;          //  packed reply body
    msgpack_packer pk;
};

typedef struct {
    char name[32];
    rpc_client_t *client;
} peer_t;

//  A timer set through the service: one-shot (interval 0) or periodic.
typedef struct {
    service_timer_fn *fn;
    void *arg;
    int interval_ms;
} svc_timer_t;

//  A file descriptor polled with the service's sockets.
typedef struct {
    int fd;
    short events;
    service_fd_fn *fn;
    void *arg;
} fd_watch_t;

struct service_t {
    const service_def_t *def;
    config_t *cfg;
    store_t *store;
    zsock_t *router;
    zsock_t *pub;
    zap_t *zap;                     //  NULL with --curve=false
    sockmon_t *sockmon;             //  failed handshakes and disconnects on router and pub
    int64_t max_message_size;
    peer_t *peers;                  //  one per service the row calls or consumes
    int npeers;
    outbox_t *outbox;
    consumer_t **consumers;         //  one per descriptor consumer
    consumer_def_t *consumer_defs;  //  the descriptor's, each applying through s_consumer_apply
    int nconsumers;
    timers_t *timers;
    outq_t *outq;
    struct outq_call_t *outq_calls;
    fd_watch_t *fds;
    size_t nfds, cap_fds;
    msgpack_sbuffer out;            //  the reply being framed, reused from reply to reply
    zmq_pollitem_t *items;          //  this turn's poll set
    size_t cap_items;
    int ndbs;                       //  the service's own databases; internal ones follow
    bool in_write;                  //  inside service_write: events may be emitted
    const char *caller;             //  while a request's handler runs: its caller
    int64_t last_heartbeat;         //  monotonic ms
    int64_t last_trim;              //  monotonic ms
    int64_t retention_count;
    int64_t retention_ms;
    bool batch_has_events;          //  the open batch appended to the event log
    bool again;                     //  service_continue: do not wait in the next poll
    int64_t started_ms;
    int call_timeout;
    uint64_t event_seq;
    MDB_txn *batch;                 //  this turn's write transaction, if any
    MDB_txn *reader;                //  this turn's read transaction, if any
    action_t **actions;             //  queued until the batch commits
    size_t nactions, cap_actions;
    size_t deferred;                //  requests waiting for a callback
    zlistx_t *reruns;               //  requests to dispatch again once the map grew
    atomic_bool stopping;           //  set by service_stop, possibly from another thread
    void *state;
};

static void s_request_free (request_t **req_p);

//  Where packing goes when there is no memory left to queue it.
static int
s_discard (void *data, const char *buf, size_t len)
{
    (void) data, (void) buf, (void) len;
    return 0;
}

//  ---------------------------------------------------------------------
//  configuration

//  The service's row; its consumers must be exactly the sources the row
//  consumes, or events would be left unread or read by nobody.
static const topology_row_t *
s_row (const service_def_t *def, const topology_t *topo)
{
    const topology_row_t *row = topology_find (topo, def->name);
    if (!row || !row->rpc) {
        fprintf (stderr, "%s: the topology has no row with endpoints for %s "
                 "(see `retailmesh topology` and --topology)\n", def->name, def->name);
        return NULL;
    }
    int n = 0;
    for (const consumer_def_t *c = def->consumers; c && c->source; c++, n++)
        if (!topology_lists (row->consumes, c->source)) {
            fprintf (stderr, "%s: consumes %s's events, but its topology row does not list "
                     "%s under consumes\n", def->name, c->source, c->source);
            return NULL;
        }
    int listed = 0;
    while (row->consumes[listed])
        listed++;
    if (listed != n) {
        fprintf (stderr, "%s: its topology row consumes %d source(s) but the service has "
                 "consumers for %d\n", def->name, listed, n);
        return NULL;
    }
    return row;
}

//  A peer's request endpoint, and its event endpoint for consumers.
static void
s_define_peer (config_t *cfg, const topology_t *topo, const char *peer, bool events)
{
    const topology_row_t *row = topology_find (topo, peer);
    char name[64], help[128];
    snprintf (name, sizeof name, "%s-endpoint", peer);
    if (!config_get (cfg, name)) {
        snprintf (help, sizeof help, "ZeroMQ endpoint of the %s service", peer);
        config_define (cfg, name, row->rpc, help);
    }
    if (events) {
        snprintf (name, sizeof name, "%s-pub-endpoint", peer);
        snprintf (help, sizeof help, "ZeroMQ endpoint of the %s service's events", peer);
        config_define (cfg, name, row->pub, help);
    }
}

int
service_config_define (config_t *cfg, const service_def_t *def, const topology_t *topo)
{
    const topology_row_t *row = s_row (def, topo);
    if (!row)
        return RM_EINVAL;
    char dir[128];
    snprintf (dir, sizeof dir, "./var/%s", def->name);
    config_define (cfg, "data-dir", dir, "directory of this service's LMDB store");
    config_define (cfg, "rpc-endpoint", row->rpc, "ZeroMQ endpoint to bind for requests (ROUTER)");
    config_define (cfg, "pub-endpoint", row->pub, "ZeroMQ endpoint to bind for events (PUB)");
    config_define (cfg, "map-size", "1G", "LMDB map size at start, e.g. 512M, 4G; it grows in steps when full");
    config_define (cfg, "map-size-max", "0", "most the LMDB map may grow to, e.g. 8G; 0: as far as the disk has room");
    config_define (cfg, "log-level", "info", "debug, info, warn or error");
    config_define (cfg, "nosync", "false", "skip fsync on commit (faster, NOT durable: tests and benchmarks only)");
    config_define (cfg, "call-timeout", "2000", "milliseconds to wait for a peer service's answer");
    config_define (cfg, "event-retention-count", "1000000", "events kept in the event log at most");
    config_define (cfg, "event-retention-days", "7", "days an event is kept in the event log at most");
    config_define (cfg, "consumer-max-attempts", "5", "attempts before a failing event goes to the dead-letter store");
    config_define (cfg, "consumer-backoff-ms", "100", "first retry delay of a failing event, doubled each attempt");
    config_define (cfg, "sub-hwm", "100000", "receive high-water mark of event subscriptions (drops are replayed)");
    config_define (cfg, "outbound-max-attempts", "20", "failed attempts before an outbound call becomes a dead letter");
    config_define (cfg, "outbound-max-age-s", "86400", "seconds an outbound call is retried at most before it becomes a dead letter");
    config_define (cfg, "outbound-backoff-ms", "200", "first retry delay of an outbound call, doubled each attempt (with jitter)");
    config_define (cfg, "outbound-backoff-max-ms", "30000", "longest retry delay of an outbound call");
    keys_define_options (cfg, "./var/keys");
    config_define (cfg, "max-message-size", "4M",
                   "bytes a request or event may have; a connection sending more is dropped");
    topology_define_option (cfg);
    for (int i = 0; row->calls[i]; i++)
        s_define_peer (cfg, topo, row->calls[i], false);
    for (int i = 0; row->consumes[i]; i++)
        s_define_peer (cfg, topo, row->consumes[i], true);
    for (const service_option_t *opt = def->options; opt && opt->name; opt++)
        config_define (cfg, opt->name, opt->def, opt->help);
    return 0;
}

//  ---------------------------------------------------------------------
//  construction

static zsock_t *
s_bind (service_t *self, int type, const char *endpoint, const char *option)
{
    zsock_t *sock = zsock_new (type);
    if (!sock) {
        log_error (NULL, "cannot create socket: %s", zmq_strerror (zmq_errno ()));
        return NULL;
    }
    zsock_set_linger (sock, 0);
    zsock_set_maxmsgsize (sock, (int) self->max_message_size);
    if (type == ZMQ_ROUTER) {
        zsock_set_router_mandatory (sock, 1);
        zsock_set_sndhwm (sock, SERVICE_RPC_HWM);
        zsock_set_rcvhwm (sock, SERVICE_RPC_HWM);
    }
    else
        zsock_set_sndhwm (sock, SERVICE_PUB_HWM);
    keys_server (sock, type == ZMQ_ROUTER ? ZAP_DOMAIN_RPC : ZAP_DOMAIN_PUB);
    if (zsock_bind (sock, "%s", endpoint) < 0) {
        log_error (NULL, "cannot bind %s (option --%s): %s", endpoint, option, zmq_strerror (zmq_errno ()));
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

static MDB_dbi
s_internal_dbi (service_t *self, int which)
{
    return store_dbi (self->store, self->ndbs + which);
}

static int
s_add_peer_key (const char *endpoint, const char *peer)
{
    int rc = keys_add_peer (endpoint, peer);
    if (rc == RM_ENOTFOUND)
        log_error (NULL, "no public key of %s in %s (--keys-dir; retailmesh keys init makes them)", peer,
                   keys_dir ());
    return rc;
}

//  CURVE on both sides of every socket: this service's key pair, the ZAP
//  handler with the allow-lists its topology row implies, the size limit.
static int
s_secure (service_t *self, const topology_t *topo)
{
    if (config_get_int (self->cfg, "max-message-size", &self->max_message_size) != 0
        || self->max_message_size < 65536 || self->max_message_size > INT32_MAX) {
        log_error (NULL, "--max-message-size must be between 64K and 2G-1 bytes");
        return RM_EINVAL;
    }
    int rc = keys_configure (self->cfg, self->def->name);
    if (rc != 0 || !keys_on ())
        return rc;
    const char *dir = keys_dir ();
    if ((rc = zap_new (&self->zap)) != 0 || (rc = zap_allow_topology (self->zap, topo, self->def->name, dir)) != 0)
        return rc;
    if ((rc = zap_start (self->zap)) != 0)
        log_error (NULL, "cannot start the ZAP handler: %s", rm_strerror (rc));
    return rc;
}

//  Counts what libzmq refuses or drops before the service sees it.
static int
s_monitor (service_t *self)
{
    int rc = sockmon_new (&self->sockmon);
    if (rc == 0)
        rc = sockmon_watch (self->sockmon, self->router, "request");
    if (rc == 0)
        rc = sockmon_watch (self->sockmon, self->pub, "event");
    if (rc == 0)
        rc = sockmon_start (self->sockmon);
    if (rc != 0)
        log_error (NULL, "cannot monitor the service's sockets: %s", rm_strerror (rc));
    return rc;
}

//  Connects to a peer once, however many roles (calls, events) it has.
static int
s_add_peer (service_t *self, const char *peer)
{
    if (service_peer (self, peer))
        return 0;
    peer_t *grown = (peer_t *) realloc (self->peers, (size_t) (self->npeers + 1) * sizeof *grown);
    if (!grown)
        return RM_ENOMEM;
    self->peers = grown;
    char name[64];
    snprintf (name, sizeof name, "%s-endpoint", peer);
    peer_t *slot = &self->peers[self->npeers];
    snprintf (slot->name, sizeof slot->name, "%s", peer);
    //  a few attempts fit in one call timeout, so a restarted peer is retried
    const char *endpoint = config_get (self->cfg, name);
    int rc = s_add_peer_key (endpoint, peer);
    if (rc != 0)
        return rc;
    rc = rpc_client_new (endpoint, self->call_timeout / 3 + 1, &slot->client);
    if (rc != 0) {
        log_error (NULL, "cannot connect to %s at '%s' (option --%s): %s", peer, endpoint ? endpoint : "",
                   name, rm_strerror (rc));
        return rc;
    }
    self->npeers++;
    return 0;
}

//  ---------------------------------------------------------------------
//  the outbound queue's host: calls go through the peers' clients

//  An outbound call in flight; linked in the service so that one still
//  unanswered at shutdown is freed.
typedef struct outq_call_t {
    service_t *svc;
    uint64_t id;
    struct outq_call_t *prev, *next;
} outq_call_t;

static void
s_outq_call_unlink (outq_call_t *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        call->svc->outq_calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
}

static void
s_outq_replied (void *arg, int err, const envelope_t *reply)
{
    outq_call_t *call = (outq_call_t *) arg;
    char message[300] = "";
    if (err == 0 && !reply->ok) {
        char code[32] = "internal", text[256] = "";
        mp_get_str (&reply->body, "code", code, sizeof code);
        mp_get_str (&reply->body, "message", text, sizeof text);
        snprintf (message, sizeof message, "%s: %s", code, text);
        err = rm_errcode (code);
        if (err == 0)
            err = RM_EINTERNAL;
    }
    s_outq_call_unlink (call);
    outq_done (call->svc->outq, call->id, err, message);
    free (call);
}

static int
s_outq_send (void *ctx, outq_t *queue, uint64_t id, const outq_action_t *action)
{
    service_t *self = (service_t *) ctx;
    rpc_client_t *client = service_peer (self, action->peer);
    if (!client)
        return outq_done (queue, id, RM_EINVAL, "the service does not call this peer (not in its peers)");
    outq_call_t *call = (outq_call_t *) malloc (sizeof *call);
    if (!call)
        return RM_ENOMEM;
    *call = (outq_call_t) {self, id, NULL, self->outq_calls};
    if (self->outq_calls)
        self->outq_calls->prev = call;
    self->outq_calls = call;
    int rc = rpc_client_send_as (client, action->op, action->cid, action->idem, action->caller,
                                 clock_mono_ms () + self->call_timeout, action->body, action->body_len,
                                 s_outq_replied, call);
    if (rc != 0) {
        s_outq_call_unlink (call);
        free (call);
    }
    return rc;
}

//  The outbound queue's and the consumers' writes join this turn's batch.
static int
s_host_write (void *ctx, int (*fn) (MDB_txn *txn, void *arg), void *arg)
{
    return service_write ((service_t *) ctx, fn, arg);
}

static int
s_outq_read (void *ctx, MDB_txn **txn)
{
    return service_read_txn ((service_t *) ctx, txn);
}

static void s_timer_fire (void *owner, void *arg);

//  Arms the periodic timers the descriptor declares.
static int
s_arm_timers (service_t *self)
{
    for (const service_timer_t *t = self->def->timers; t && t->fn; t++) {
        if (t->interval_ms <= 0) {
            log_error (NULL, "timer %s: the interval must be at least 1 ms", t->name);
            return RM_EINVAL;
        }
        svc_timer_t *timer = (svc_timer_t *) calloc (1, sizeof *timer);
        if (!timer)
            return RM_ENOMEM;
        *timer = (svc_timer_t) {t->fn, NULL, t->interval_ms};
        if (timers_add (self->timers, clock_mono_ms () + timer->interval_ms, s_timer_fire, timer, NULL) != 0) {
            free (timer);
            return RM_ENOMEM;
        }
    }
    return 0;
}

//  The consumers' view of the service (consumer_host_t): writes join the
//  batch (s_host_write), events.since goes out after it commits.
static int
s_consumer_call (void *arg, const char *source, const char *op, const char *body, size_t body_len,
                 rpc_client_fn *fn, void *fn_arg)
{
    service_t *self = (service_t *) arg;
    return service_call (self, source, op, NULL, NULL, self->call_timeout, body, body_len, fn, fn_arg);
}

//  An event applied on behalf of whoever caused it: what the handler
//  emits and calls is attributed to the event's caller, as a request's
//  handler's is to the request's.
static int
s_consumer_apply (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *self = (service_t *) host;
    const consumer_def_t *def = self->def->consumers;
    while (def->source && strcmp (def->source, event->source) != 0)
        def++;
    if (!def->source)
        return RM_EINVAL;
    const char *outer = self->caller;
    self->caller = event->caller;
    int rc = def->apply (host, txn, event);
    self->caller = outer;
    return rc;
}

static int64_t
s_consumer_now (void *arg)
{
    (void) arg;
    return clock_now_ms ();
}

static int64_t
s_consumer_mono (void *arg)
{
    (void) arg;
    return clock_mono_ms ();
}

int
service_new (const service_def_t *def, const topology_t *topo, config_t *cfg, service_t **self_p)
{
    const topology_row_t *row = s_row (def, topo);
    if (!row)
        return RM_EINVAL;
    int64_t map_size = 0, map_size_max = 0, call_timeout = 0;
    int level = log_level_parse (config_get (cfg, "log-level"));
    if (level < 0) {
        fprintf (stderr, "%s: --log-level must be debug, info, warn or error\n", def->name);
        return RM_EINVAL;
    }
    log_init (def->name, (log_level_t) level);
    if (config_get_int (cfg, "map-size", &map_size) != 0
        || config_get_int (cfg, "map-size-max", &map_size_max) != 0
        || config_get_int (cfg, "call-timeout", &call_timeout) != 0)
        return RM_EINVAL;
    if (map_size <= 0 || map_size_max < 0 || (map_size_max > 0 && map_size_max < map_size)) {
        log_error (NULL, "--map-size must be positive and --map-size-max 0 or at least --map-size");
        return RM_EINVAL;
    }
    if (call_timeout <= 0 || call_timeout > 600000) {
        log_error (NULL, "--call-timeout must be between 1 and 600000 ms");
        return RM_EINVAL;
    }
    service_t *self = (service_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->def = def;
    self->cfg = cfg;
    msgpack_sbuffer_init (&self->out);
    self->call_timeout = (int) call_timeout;
    self->started_ms = clock_mono_ms ();
    const char *dbs[32];
    int ndbs = 0;
    for (int i = 0; def->dbs && def->dbs[i] && ndbs < 32 - DB_INTERNAL - 1; i++)
        dbs[ndbs++] = def->dbs[i];
    self->ndbs = ndbs;
    for (int i = 0; i < DB_INTERNAL; i++)
        dbs[ndbs++] = s_internal_dbs[i];
    dbs[ndbs] = NULL;
    int64_t retention_days = 0, attempts = 0, backoff = 0, hwm = 0;
    int64_t out_attempts = 0, out_age = 0, out_backoff = 0, out_backoff_max = 0;
    if (config_get_int (cfg, "event-retention-count", &self->retention_count) != 0
        || config_get_int (cfg, "event-retention-days", &retention_days) != 0
        || config_get_int (cfg, "consumer-max-attempts", &attempts) != 0
        || config_get_int (cfg, "consumer-backoff-ms", &backoff) != 0
        || config_get_int (cfg, "sub-hwm", &hwm) != 0
        || config_get_int (cfg, "outbound-max-attempts", &out_attempts) != 0
        || config_get_int (cfg, "outbound-max-age-s", &out_age) != 0
        || config_get_int (cfg, "outbound-backoff-ms", &out_backoff) != 0
        || config_get_int (cfg, "outbound-backoff-max-ms", &out_backoff_max) != 0) {
        free (self);
        return RM_EINVAL;
    }
    if (out_attempts < 1 || out_age < 1 || out_backoff < 1 || out_backoff_max < out_backoff
        || out_backoff_max > 86400000) {
        log_error (NULL, "--outbound-max-attempts, --outbound-max-age-s and --outbound-backoff-ms must be at least 1, "
                         "and --outbound-backoff-max-ms between --outbound-backoff-ms and 86400000");
        free (self);
        return RM_EINVAL;
    }
    self->retention_ms = retention_days * 86400000;
    store_opts_t opts = {
        .dir = config_get (cfg, "data-dir"),
        .map_size = (size_t) map_size,
        .map_size_max = (size_t) map_size_max,
        .schema_version = def->schema_version,
        .migrations = def->migrations,
        .dbs = dbs,
        .nosync = strcmp (config_get (cfg, "nosync"), "true") == 0,
    };
    int rc = store_open (&opts, &self->store);
    if (rc != 0)
        goto fail;
    rc = outbox_new (store_env (self->store), s_internal_dbi (self, DB_EVENTS), s_internal_dbi (self, DB_POSITIONS),
                     def->name, &self->outbox);
    if (rc != 0)
        goto fail;
    rc = RM_ENOMEM;
    if (!(self->timers = timers_new (self)))
        goto fail;
    outq_host_t host = {.ctx = self, .send = s_outq_send, .write = s_host_write, .read = s_outq_read};
    outq_opts_t qopts = {(int) out_attempts, out_age * 1000, (int) out_backoff, (int) out_backoff_max};
    rc = outq_new (&host, &qopts, s_internal_dbi (self, DB_OUTQ), &self->outq);
    if (rc != 0)
        goto fail;
    if ((rc = s_secure (self, topo)) != 0)
        goto fail;
    rc = RM_EUNAVAIL;
    self->router = s_bind (self, ZMQ_ROUTER, config_get (cfg, "rpc-endpoint"), "rpc-endpoint");
    self->pub = s_bind (self, ZMQ_PUB, config_get (cfg, "pub-endpoint"), "pub-endpoint");
    if (!self->router || !self->pub)
        goto fail;
    if ((rc = s_monitor (self)) != 0)
        goto fail;
    for (int i = 0; row->calls[i]; i++)
        if ((rc = s_add_peer (self, row->calls[i])) != 0)
            goto fail;
    consumer_opts_t copts = {(int) attempts, (int) backoff, (int) hwm, 1000};
    consumer_host_t chost = {self, def->name, self->store, s_host_write, s_consumer_call,
                             s_consumer_now, s_consumer_mono};
    int ndefs = 0;
    while (def->consumers && def->consumers[ndefs].source)
        ndefs++;
    self->consumers = (consumer_t **) calloc ((size_t) ndefs + 1, sizeof *self->consumers);
    self->consumer_defs = (consumer_def_t *) calloc ((size_t) ndefs + 1, sizeof *self->consumer_defs);
    rc = RM_ENOMEM;
    if (!self->consumers || !self->consumer_defs)
        goto fail;
    for (int i = 0; i < ndefs; i++) {
        const consumer_def_t *cdef = &self->consumer_defs[i];
        self->consumer_defs[i] = (consumer_def_t) {def->consumers[i].source, def->consumers[i].types, s_consumer_apply};
        char name[64];
        snprintf (name, sizeof name, "%s-pub-endpoint", cdef->source);
        rc = s_add_peer (self, cdef->source);
        if (rc == 0)
            rc = s_add_peer_key (config_get (cfg, name), cdef->source);
        if (rc == 0)
            rc = consumer_new (&chost, cdef, &copts, config_get (cfg, name), s_internal_dbi (self, DB_POSITIONS),
                               s_internal_dbi (self, DB_DLQ), &self->consumers[self->nconsumers]);
        if (rc != 0)
            goto fail;
        self->nconsumers++;
    }
    if ((rc = s_arm_timers (self)) != 0)
        goto fail;
    if (def->on_start && (rc = def->on_start (self)) != 0)
        goto fail;
    log_info (NULL, "%s %s serving on %s, events on %s, store %s%s", def->name, RETAILMESH_VERSION,
              config_get (cfg, "rpc-endpoint"), config_get (cfg, "pub-endpoint"), opts.dir,
              opts.nosync ? " (nosync: commits are NOT durable)" : "");
    *self_p = self;
    return 0;
fail:
    service_destroy (&self);
    return rc;
}

void
service_destroy (service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    service_t *self = *self_p;
    store_abort (&self->batch);
    store_abort (&self->reader);
    for (size_t i = 0; i < self->nactions; i++) {
        action_t *act = self->actions[i];
        if (act->kind == ACT_REPLY)
            s_request_free (&act->req);
        msgpack_sbuffer_destroy (&act->buf);
        free (act);
    }
    free (self->actions);
    for (request_t *req = self->reruns ? (request_t *) zlistx_detach (self->reruns, NULL) : NULL; req;
         req = (request_t *) zlistx_detach (self->reruns, NULL))
        s_request_free (&req);
    zlistx_destroy (&self->reruns);
    for (int i = 0; i < self->nconsumers; i++)
        consumer_destroy (&self->consumers[i]);
    free (self->consumers);
    free (self->consumer_defs);
    for (int i = 0; i < self->npeers; i++)
        rpc_client_destroy (&self->peers[i].client);
    free (self->peers);
    while (self->outq_calls) {
        struct outq_call_t *next = self->outq_calls->next;
        free (self->outq_calls);
        self->outq_calls = next;
    }
    outq_destroy (&self->outq);
    if (self->timers)
        timers_clear (self->timers, free);
    timers_destroy (&self->timers);
    free (self->fds);
    free (self->items);
    msgpack_sbuffer_destroy (&self->out);
    outbox_destroy (&self->outbox);
    zsock_destroy (&self->router);
    zsock_destroy (&self->pub);
    sockmon_destroy (&self->sockmon);
    zap_destroy (&self->zap);
    keys_reset ();
    store_close (&self->store);
    free (self);
    *self_p = NULL;
}

const char *service_name (service_t *self) { return self->def->name; }
store_t *service_store (service_t *self) { return self->store; }
config_t *service_config (service_t *self) { return self->cfg; }
MDB_dbi service_dbi (service_t *self, int index) { return store_dbi (self->store, index); }
void service_set_state (service_t *self, void *state) { self->state = state; }
void *service_state (service_t *self) { return self->state; }
int service_call_timeout (service_t *self) { return self->call_timeout; }
void service_stop (service_t *self) { self->stopping = true; }
void service_continue (service_t *self) { self->again = true; }
outbox_t *service_outbox (service_t *self) { return self->outbox; }
outq_t *service_outq (service_t *self) { return self->outq; }
int service_consumer_count (service_t *self) { return self->nconsumers; }
consumer_t *service_consumer (service_t *self, int index) { return self->consumers[index]; }

consumer_t *
service_consumer_of (service_t *self, const char *source)
{
    for (int i = 0; i < self->nconsumers; i++)
        if (strcmp (consumer_source (self->consumers[i]), source) == 0)
            return self->consumers[i];
    return NULL;
}

//  ---------------------------------------------------------------------
//  actions queued until the batch commits

static action_t *
s_action_add (service_t *self, action_kind_t kind)
{
    if (self->nactions == self->cap_actions) {
        size_t cap = self->cap_actions ? self->cap_actions * 2 : 256;
        action_t **grown = (action_t **) realloc (self->actions, cap * sizeof *grown);
        if (!grown)
            return NULL;
        self->actions = grown;
        self->cap_actions = cap;
    }
    action_t *act = (action_t *) calloc (1, sizeof *act);
    if (!act)
        return NULL;
    act->kind = kind;
    msgpack_sbuffer_init (&act->buf);
    self->actions[self->nactions++] = act;
    return act;
}

//  Drops the events queued after position mark (their writes were undone).
static void
s_actions_drop_events (service_t *self, size_t mark)
{
    size_t kept = mark;
    for (size_t i = mark; i < self->nactions; i++) {
        action_t *act = self->actions[i];
        if (act->kind == ACT_EVENT) {
            msgpack_sbuffer_destroy (&act->buf);
            free (act);
        }
        else
            self->actions[kept++] = act;
    }
    self->nactions = kept;
}

//  ---------------------------------------------------------------------
//  transactions

int
service_read_txn (service_t *self, MDB_txn **txn)
{
    if (self->batch) {
        *txn = self->batch;
        return 0;
    }
    if (!self->reader) {
        int rc = store_read_begin (self->store, &self->reader);
        if (rc != 0)
            return rc;
    }
    *txn = self->reader;
    return 0;
}

#ifdef RETAILMESH_CHECK_MESSAGES
//  Test builds hold every reply and event to the catalogue, so a handler
//  that packs what the catalogue does not describe fails the tests loudly.
static void
s_check_outgoing (const char *what, const char *type, const field_spec_t *fields, const char *data,
                  size_t size, const char *cid)
{
    proto_error_t perr;
    if (catalog_validate_packed (fields, data, size, &perr) != 0) {
        log_error (cid, "%s %s does not match the catalogue: %s", what, type, perr.message);
        abort ();
    }
}
#endif

//  Writes the events fn queued (after position mark) into the event log.
static int
s_append_events (service_t *self, MDB_txn *txn, size_t mark)
{
    for (size_t i = mark; i < self->nactions; i++) {
        action_t *act = self->actions[i];
        if (act->kind != ACT_EVENT)
            continue;
#ifdef RETAILMESH_CHECK_MESSAGES
        const msg_spec_t *spec = catalog_find (act->type);
        if (!spec || spec->kind != MSG_EVENT) {
            log_error (act->cid, "event %s is not in the catalogue", act->type);
            abort ();
        }
        s_check_outgoing ("event", act->type, spec->request, act->buf.data, act->buf.size, act->cid);
#endif
        uint64_t seq;
        int rc = outbox_append (self->outbox, txn, act->type, act->cid, act->caller, act->buf.data, act->buf.size, &seq);
        if (rc != 0)
            return rc;
        self->batch_has_events = true;
    }
    return 0;
}

int
service_write (service_t *self, service_write_fn *fn, void *arg)
{
    if (!self->batch) {
        int rc = store_write_begin (self->store, NULL, &self->batch);
        if (rc != 0)
            return rc;
    }
    MDB_txn *child = NULL;
    int rc = store_write_begin (self->store, self->batch, &child);
    if (rc != 0)
        return rc;
    size_t mark = self->nactions;
    uint64_t seq_mark = outbox_mark (self->outbox);
    bool nested = self->in_write;
    self->in_write = true;
    rc = fn (child, arg);
    self->in_write = nested;
    if (rc == 0)
        rc = s_append_events (self, child, mark);
    if (rc == 0)
        rc = store_commit (&child);
    else
        store_abort (&child);
    if (rc != 0) {
        outbox_rollback (self->outbox, seq_mark);
        s_actions_drop_events (self, mark);
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  requests

const envelope_t *request_envelope (request_t *req) { return &req->env; }
const char *request_op (request_t *req) { return req->env.type; }
const char *request_cid (request_t *req) { return req->env.cid; }
const char *request_caller (request_t *req) { return req->env.caller; }
const char *request_idem (request_t *req) { return req->env.idem; }
const msgpack_object *request_body (request_t *req) { return &req->env.body; }

static void
s_request_free (request_t **req_p)
{
    request_t *req = *req_p;
    if (!req)
        return;
    zframe_destroy (&req->identity);
    if (req->decoded)
        msgpack_unpacked_destroy (&req->unpacked);
    zframe_destroy (&req->data);
    msgpack_sbuffer_destroy (&req->reply);
    free (req);
    *req_p = NULL;
}

static msgpack_packer *
s_reply_start (request_t *req, bool ok)
{
    static msgpack_packer sink;
    msgpack_packer_init (&sink, NULL, s_discard);
    if (req->replied) {
        log_error (req->env.cid, "%s answered twice; second answer dropped", req->env.type);
        return &sink;
    }
    action_t *act = s_action_add (req->svc, ACT_REPLY);
    if (!act) {
        log_error (req->env.cid, "out of memory queueing the reply to %s", req->env.type);
        return &sink;
    }
    act->req = req;
    req->replied = true;
    req->reply_ok = ok;
    return &req->pk;
}

msgpack_packer *
request_reply_ok (request_t *req)
{
    return s_reply_start (req, true);
}

msgpack_packer *
request_reply_error_details (request_t *req, int err, const char *field,
                             const char *message, size_t ndetails)
{
    msgpack_packer *pk = s_reply_start (req, false);
    envelope_pack_error_body (pk, err, field, message, ndetails);
    log_info (req->env.cid, "%s -> %s%s%s: %s", req->env.type, rm_errname (err),
              field && *field ? " at " : "", field ? field : "", message);
    return pk;
}

int
request_reply_error (request_t *req, int err, const char *field, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    request_reply_error_details (req, err, field, message, 0);
    return err;
}

void
request_defer (request_t *req)
{
    if (!req->deferred) {
        req->deferred = true;
        req->svc->deferred++;
    }
}

//  ---------------------------------------------------------------------
//  events and calls

msgpack_packer *
service_event (service_t *self, const char *type, const char *cid)
{
    return service_event_for (self, type, cid, self->caller);
}

msgpack_packer *
service_event_for (service_t *self, const char *type, const char *cid, const char *caller)
{
    static msgpack_packer sink;
    if (!self->in_write) {
        log_error (cid, "event %s emitted outside service_write: dropped (it must commit with its change)", type);
        msgpack_packer_init (&sink, NULL, s_discard);
        return &sink;
    }
    action_t *act = s_action_add (self, ACT_EVENT);
    if (!act) {
        log_error (cid, "out of memory queueing event %s", type);
        msgpack_packer_init (&sink, NULL, s_discard);
        return &sink;
    }
    text_copy (act->type, sizeof act->type, type);
    text_copy (act->cid, sizeof act->cid, cid);
    text_copy (act->caller, sizeof act->caller, caller);
    msgpack_packer_init (&act->pk, &act->buf, msgpack_sbuffer_write);
    return &act->pk;
}

rpc_client_t *
service_peer (service_t *self, const char *peer)
{
    for (int i = 0; i < self->npeers; i++)
        if (strcmp (self->peers[i].name, peer) == 0)
            return self->peers[i].client;
    return NULL;
}

int
service_call (service_t *self, const char *peer, const char *op,
              const char *cid, const char *idem, int timeout_ms,
              const char *body, size_t body_len, rpc_client_fn *fn, void *arg)
{
    if (!service_peer (self, peer)) {
        log_error (cid, "call to unknown peer '%s'", peer);
        return RM_EINTERNAL;
    }
    action_t *act = s_action_add (self, ACT_CALL);
    if (!act)
        return RM_ENOMEM;
    call_args_t *call = &act->call;
    text_copy (call->peer, sizeof call->peer, peer);
    text_copy (call->op, sizeof call->op, op);
    text_copy (call->cid, sizeof call->cid, cid);
    text_copy (call->idem, sizeof call->idem, idem);
    text_copy (call->caller, sizeof call->caller, self->caller);
    call->timeout_ms = timeout_ms;
    call->fn = fn;
    call->arg = arg;
    if (msgpack_sbuffer_write (&act->buf, body, body_len) != 0)
        return RM_ENOMEM;
    return 0;
}

int
service_after_commit (service_t *self, service_after_fn *fn, void *arg)
{
    action_t *act = s_action_add (self, ACT_AFTER);
    if (!act)
        return RM_ENOMEM;
    act->after = fn;
    act->call.arg = arg;
    return 0;
}

//  ---------------------------------------------------------------------
//  timers and file descriptors

static void
s_timer_fire (void *owner, void *arg)
{
    service_t *self = (service_t *) owner;
    svc_timer_t *timer = (svc_timer_t *) arg;
    if (timer->interval_ms == 0) {
        svc_timer_t once = *timer;
        free (timer);
        once.fn (self, once.arg);
        return;
    }
    timer->fn (self, timer->arg);
    //  from now, not from the deadline: a slow turn does not make timers pile up
    if (timers_add (self->timers, clock_mono_ms () + timer->interval_ms, s_timer_fire, timer, NULL) != 0) {
        log_error (NULL, "out of memory re-arming a periodic timer: it stops");
        free (timer);
    }
}

int
service_timer_add (service_t *self, int delay_ms, service_timer_fn *fn, void *arg, uint64_t *id)
{
    if (delay_ms < 0 || !fn)
        return RM_EINVAL;
    svc_timer_t *timer = (svc_timer_t *) calloc (1, sizeof *timer);
    if (!timer)
        return RM_ENOMEM;
    *timer = (svc_timer_t) {fn, arg, 0};
    int rc = timers_add (self->timers, clock_mono_ms () + delay_ms, s_timer_fire, timer, id);
    if (rc != 0)
        free (timer);
    return rc;
}

int
service_timer_cancel (service_t *self, uint64_t id)
{
    void *timer = NULL;
    int rc = timers_cancel (self->timers, id, &timer);
    free (timer);
    return rc;
}

static fd_watch_t *
s_fd_find (service_t *self, int fd)
{
    for (size_t i = 0; i < self->nfds; i++)
        if (self->fds[i].fd == fd)
            return &self->fds[i];
    return NULL;
}

int
service_fd_add (service_t *self, int fd, int events, service_fd_fn *fn, void *arg)
{
    if (fd < 0 || !fn || (events & (ZMQ_POLLIN | ZMQ_POLLOUT)) == 0 || (events & ~(ZMQ_POLLIN | ZMQ_POLLOUT)))
        return RM_EINVAL;
    fd_watch_t *watch = s_fd_find (self, fd);
    if (!watch) {
        if (self->nfds == self->cap_fds) {
            size_t cap = self->cap_fds ? self->cap_fds * 2 : 8;
            fd_watch_t *grown = (fd_watch_t *) realloc (self->fds, cap * sizeof *grown);
            if (!grown)
                return RM_ENOMEM;
            self->fds = grown;
            self->cap_fds = cap;
        }
        watch = &self->fds[self->nfds++];
    }
    *watch = (fd_watch_t) {fd, (short) events, fn, arg};
    return 0;
}

int
service_fd_remove (service_t *self, int fd)
{
    fd_watch_t *watch = s_fd_find (self, fd);
    if (!watch)
        return RM_ENOTFOUND;
    *watch = self->fds[--self->nfds];
    return 0;
}

//  ---------------------------------------------------------------------
//  sending, after the batch commits

static void
s_send_reply (service_t *self, request_t *req, int commit_err)
{
    bool commit_ok = commit_err == 0;
    envelope_t env;
    envelope_init_reply (&env, &req->env, req->reply_ok && commit_ok);
    msgpack_sbuffer *out = &self->out;
    msgpack_sbuffer_clear (out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    envelope_pack_header (&pk, &env);
#ifdef RETAILMESH_CHECK_MESSAGES
    //  dispatch answers only operations the catalogue has; error bodies
    //  are the envelope's own shape
    const msg_spec_t *spec = catalog_find (req->env.type);
    if (commit_ok && req->reply_ok && spec)
        s_check_outgoing ("reply to", req->env.type, spec->reply, req->reply.data, req->reply.size, req->env.cid);
#endif
    if (commit_ok)
        msgpack_sbuffer_write (out, req->reply.data, req->reply.size);
    else if (commit_err == RM_ESTORAGE_FULL)
        envelope_pack_error_body (&pk, RM_ESTORAGE_FULL, NULL, "the store is full; nothing was changed", 0);
    else
        envelope_pack_error_body (&pk, RM_ESTORE, NULL, "the store could not commit; nothing was changed", 0);
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &req->identity);
    zmsg_addmem (msg, NULL, 0);
    zmsg_addmem (msg, out->data, out->size);
    //  the client may have gone; ROUTER_MANDATORY makes that visible
    if (zmsg_send (&msg, self->router) != 0) {
        log_warn (req->env.cid, "reply to %s not delivered: %s", req->env.type, zmq_strerror (zmq_errno ()));
        zmsg_destroy (&msg);
    }
}

static void
s_start_call (service_t *self, action_t *act, int commit_err)
{
    call_args_t *call = &act->call;
    if (commit_err) {
        call->fn (call->arg, commit_err, NULL);
        return;
    }
    rpc_client_t *client = service_peer (self, call->peer);
    int rc = rpc_client_send_as (client, call->op, call->cid, call->idem, call->caller,
                                 clock_mono_ms () + call->timeout_ms,
                                 act->buf.data, act->buf.size, call->fn, call->arg);
    if (rc != 0)
        call->fn (call->arg, rc, NULL);
}

//  Commits the batch; after a failure the in-memory positions go back to
//  what the store holds. Returns 0, RM_ESTORAGE_FULL when the map or the
//  disk is full (logged once by the store), or RM_ESTORE (logged here).
static int
s_commit (service_t *self)
{
    if (!self->batch)
        return 0;
    int rc = outbox_save_position (self->outbox, self->batch);
    bool had_events = self->batch_has_events;
    self->batch_has_events = false;
    if (rc == 0)
        rc = store_commit (&self->batch);
    else
        store_abort (&self->batch);
    //  between the commit and the relay: committed events must still go out
    if (rc == 0 && had_events)
        FAILPOINT_CRASH ("after-commit");
    if (rc == 0)
        return 0;
    if (rc == RM_ENOMEM || rc == RM_ESTORAGE_FULL)
        rc = RM_ESTORAGE_FULL;
    else
        log_error (NULL, "the batch could not be committed: %s", rm_strerror (rc));
    outbox_reload (self->outbox);
    for (int i = 0; i < self->nconsumers; i++)
        consumer_reload (self->consumers[i]);
    return rc;
}

//  Commits the batch, then sends what it queued: replies, calls, and the
//  events now committed in the log. Callbacks of failed calls may queue
//  more actions, so the queue is taken whole first.
//  A request answered in a batch whose commit found the map full (not one
//  answered later from a callback: its work was sent on) is kept, forgetting
//  its answer, to run again once the map grew. True when it was kept.
static bool
s_keep_for_rerun (service_t *self, request_t *req, int commit_err)
{
    if (commit_err != RM_ESTORAGE_FULL || !store_wants_growth (self->store) || req->deferred
        || !store_can_grow (self->store))
        return false;
    if (!self->reruns && !(self->reruns = zlistx_new ()))
        return false;
    if (!zlistx_add_end (self->reruns, req))
        return false;
    req->replied = false;
    req->reply_ok = false;
    msgpack_sbuffer_clear (&req->reply);
    if (req->decoded)
        msgpack_unpacked_destroy (&req->unpacked);
    req->decoded = false;
    return true;
}

static void s_dispatch (service_t *self, request_t *req);

//  Runs again the requests kept by s_keep_for_rerun (the map grew since).
static void
s_rerun (service_t *self)
{
    for (request_t *req = self->reruns ? (request_t *) zlistx_detach (self->reruns, NULL) : NULL; req;
         req = (request_t *) zlistx_detach (self->reruns, NULL))
        s_dispatch (self, req);
}

static void
s_flush (service_t *self)
{
    int commit_err = s_commit (self);
    store_abort (&self->reader);
    while (self->nactions > 0) {
        action_t **actions = self->actions;
        size_t n = self->nactions;
        self->actions = NULL;
        self->nactions = self->cap_actions = 0;
        for (size_t i = 0; i < n; i++) {
            action_t *act = actions[i];
            if (act->kind == ACT_REPLY && s_keep_for_rerun (self, act->req, commit_err))
                self->again = true;
            else if (act->kind == ACT_REPLY) {
                s_send_reply (self, act->req, commit_err);
                if (act->req->deferred)
                    self->deferred--;
                s_request_free (&act->req);
            }
            else if (act->kind == ACT_CALL)
                s_start_call (self, act, commit_err);
            else if (act->kind == ACT_AFTER)
                act->after (act->call.arg, commit_err);
            msgpack_sbuffer_destroy (&act->buf);
            free (act);
        }
        free (actions);
        //  actions queued by callbacks above belong to a new batch, and
        //  learn that batch's outcome
        commit_err = s_commit (self);
        store_abort (&self->reader);
    }
    if (outbox_relay (self->outbox, self->pub, SERVICE_RELAY_MAX) < 0)
        log_error (NULL, "relay could not read the event log");
    //  no transaction is open here, so the map may be remapped larger
    store_grow (self->store);
}

//  ---------------------------------------------------------------------
//  dispatch

static int
s_health (service_t *self, request_t *req)
{
    MDB_txn *txn = NULL;
    uint64_t first = 0;
    if (service_read_txn (self, &txn) != 0)
        txn = NULL;
    if (!txn || outbox_first_seq (self->outbox, txn, &first) != 0)
        first = 0;
    store_fill_t fill;
    store_fill (self->store, &fill);
    core_health_t health = {
        .uptime_s = (clock_mono_ms () - self->started_ms) / 1000,
        .store_bytes = (int64_t) store_size (self->store),
        .pid = (int64_t) getpid (),
        .ready = !fill.full,
        .has_store = true,
        .store = {.used = fill.used, .map_size = fill.map_size, .map_size_max = fill.map_size_max},
        .events = {.first_seq = (int64_t) first, .last_seq = (int64_t) outbox_last_seq (self->outbox),
                   .published = (int64_t) outbox_published (self->outbox)},
        .has_outbound = true,
        .has_security = true,
        .security = {.curve = self->zap != NULL,
                     .rejected_auth = self->zap ? (int64_t) zap_rejected (self->zap) : 0,
                     .admitted = self->zap ? (int64_t) zap_admitted (self->zap) : 0,
                     .refused_handshakes = (int64_t) sockmon_refused (self->sockmon),
                     .disconnects = (int64_t) sockmon_disconnects (self->sockmon),
                     .max_message_size = self->max_message_size},
    };
    snprintf (health.service, sizeof health.service, "%s", self->def->name);
    snprintf (health.version, sizeof health.version, "%s", RETAILMESH_VERSION);
    if (fill.full)
        snprintf (health.reason, sizeof health.reason, "%s", fill.reason);
    health.consumers = self->nconsumers
                           ? (core_consumer_status_t *) calloc ((size_t) self->nconsumers, sizeof *health.consumers)
                           : NULL;
    if (self->nconsumers && !health.consumers)
        return RM_ENOMEM;
    health.consumers_count = (size_t) self->nconsumers;
    for (int i = 0; i < self->nconsumers; i++)
        consumer_status (self->consumers[i], &health.consumers[i]);
    outq_status (self->outq, txn, &health.outbound);
    msgpack_sbuffer details;
    msgpack_sbuffer_init (&details);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (self->def->health) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &details, msgpack_sbuffer_write);
        int rc = self->def->health (self, txn, &pk);
        if (rc == 0 && msgpack_unpack_next (&unpacked, details.data, details.size, NULL) == MSGPACK_UNPACK_SUCCESS)
            health.details = unpacked.data;
        else
            log_warn (request_cid (req), "sys.health: %s's own figures are left out: %s", self->def->name,
                      rm_strerror (rc ? rc : RM_EINTERNAL));
    }
    record_pack (core_health_fields, &health, request_reply_ok (req));
    record_free (core_health_fields, &health);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&details);
    return 0;
}

//  Operations every service answers, beside its own.
static const service_route_t s_sys_routes[] = {
    {"sys.health", s_health},
    {NULL, NULL},
};

//  The built-in tables first, so a service cannot shadow them.
static service_handler_fn *
s_route (service_t *self, const char *op)
{
    const service_route_t *tables[] = {s_sys_routes, eventops_routes, self->def->routes};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const service_route_t *r = tables[t]; r && r->op; r++)
            if (strcmp (r->op, op) == 0)
                return r->fn;
    return NULL;
}

//  Validates and runs one request. Whatever happens, it is answered.
static void
s_dispatch (service_t *self, request_t *req)
{
    proto_error_t perr;
    if (envelope_decode (req->data ? zframe_data (req->data) : NULL, req->data ? zframe_size (req->data) : 0,
                         &req->unpacked, &req->env, &perr) != 0) {
        //  answer even what cannot be read, so the sender is not left waiting
        memset (&req->env, 0, sizeof req->env);
        snprintf (req->env.type, sizeof req->env.type, "unknown");
        request_reply_error (req, RM_EPROTO, perr.field, "%s", perr.message);
        return;
    }
    req->decoded = true;
    if (req->env.kind != ENVELOPE_REQUEST) {
        request_reply_error (req, RM_EPROTO, "/type", "expected a request, got a %s",
                             req->env.kind == ENVELOPE_REPLY ? "reply" : "event");
        return;
    }
    if (req->env.deadline_ms && req->env.deadline_ms < clock_now_ms ()) {
        request_reply_error (req, RM_ETIMEOUT, "/deadline", "the deadline passed before %s was processed", req->env.type);
        return;
    }
    service_handler_fn *fn = s_route (self, req->env.type);
    const msg_spec_t *spec = catalog_find (req->env.type);
    if (!fn || !spec || spec->kind != MSG_OPERATION) {
        request_reply_error (req, RM_EINVAL, "/type", "unknown operation '%s' for service %s",
                             req->env.type, self->def->name);
        return;
    }
    if (catalog_validate (spec->request, &req->env.body, &perr) != 0) {
        request_reply_error (req, RM_EINVAL, perr.field, "%s", perr.message);
        return;
    }
    log_debug (req->env.cid, "%s", req->env.type);
    self->caller = req->env.caller;
    int rc = fn (self, req);
    self->caller = NULL;
    while (rc == RM_ENOMEM && !req->replied && !req->deferred && store_wants_growth (self->store)
           && store_can_grow (self->store)) {
        //  the map filled under this request: commit what came before it,
        //  grow (each time doubling it, up to the maximum), and run it again
        s_flush (self);
        self->caller = req->env.caller;
        rc = fn (self, req);
        self->caller = NULL;
    }
    if (rc == RM_ENOMEM && store_wants_growth (self->store))
        rc = RM_ESTORAGE_FULL;
    if (!req->replied && !req->deferred)
        request_reply_error (req, rc < 0 ? rc : RM_EINTERNAL, NULL, "%s failed: %s", req->env.type,
                             rm_strerror (rc < 0 ? rc : RM_EINTERNAL));
}

static request_t *
s_request_new (service_t *self, zmsg_t *msg)
{
    request_t *req = (request_t *) calloc (1, sizeof *req);
    if (!req)
        return NULL;
    req->svc = self;
    msgpack_sbuffer_init (&req->reply);
    msgpack_packer_init (&req->pk, &req->reply, msgpack_sbuffer_write);
    req->identity = zmsg_pop (msg);
    zframe_t *frame = zmsg_pop (msg);
    //  REQ and DEALER clients put an empty delimiter first; accept both
    if (frame && zframe_size (frame) == 0) {
        zframe_destroy (&frame);
        frame = zmsg_pop (msg);
    }
    req->data = frame;
    return req;
}

static void
s_take_requests (service_t *self)
{
    for (int i = 0; i < SERVICE_BATCH_MAX; i++) {
        if (!(zsock_events (self->router) & ZMQ_POLLIN))
            break;
        zmsg_t *msg = zmsg_recv_nowait (self->router);
        if (!msg)
            break;
        request_t *req = zmsg_size (msg) >= 2 ? s_request_new (self, msg) : NULL;
        zmsg_destroy (&msg);
        if (req)
            s_dispatch (self, req);
    }
}

//  ---------------------------------------------------------------------
//  the loop

static int
s_poll_timeout (service_t *self)
{
    if (self->again || outbox_published (self->outbox) < outbox_last_seq (self->outbox)) {
        self->again = false;
        return 0;
    }
    int timeout = SERVICE_TICK_MS;
    for (int i = 0; i < self->npeers; i++) {
        int t = rpc_client_next_timeout (self->peers[i].client);
        if (t >= 0 && t < timeout)
            timeout = t;
    }
    int64_t now = clock_mono_ms ();
    int64_t deadlines[] = {timers_next_deadline (self->timers), outq_next_due (self->outq)};
    for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++)
        if (deadlines[i] >= 0 && deadlines[i] - now < timeout)
            timeout = deadlines[i] > now ? (int) (deadlines[i] - now) : 0;
    return timeout;
}

//  Sizes the poll set for this turn: the router, the peers, the consumers
//  and the watched file descriptors.
static zmq_pollitem_t *
s_poll_items (service_t *self, size_t n)
{
    if (n > self->cap_items) {
        zmq_pollitem_t *grown = (zmq_pollitem_t *) realloc (self->items, n * sizeof *grown);
        if (!grown)
            return NULL;
        self->items = grown;
        self->cap_items = n;
    }
    return self->items;
}

//  Runs the callbacks of the file descriptors that are ready. A callback
//  may add or remove descriptors (libcurl does), so each is looked up
//  again before its callback runs.
static void
s_handle_fds (service_t *self, const zmq_pollitem_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!items[i].revents)
            continue;
        fd_watch_t *watch = s_fd_find (self, items[i].fd);
        if (watch && (items[i].revents & (watch->events | ZMQ_POLLERR)))
            watch->fn (self, watch->fd, items[i].revents, watch->arg);
    }
}

typedef struct {
    outbox_t *outbox;
    uint64_t keep;
    int64_t min_time;
} trim_t;

static int
s_trim_write (MDB_txn *txn, void *arg)
{
    trim_t *trim = (trim_t *) arg;
    int deleted = outbox_trim (trim->outbox, txn, trim->keep, trim->min_time);
    return deleted < 0 ? deleted : 0;
}

//  Heartbeats let consumers see events lost at the tail; trimming keeps
//  the log within its retention.
static void
s_housekeeping (service_t *self)
{
    int64_t now = clock_mono_ms ();
    if (now - self->last_heartbeat >= SERVICE_HEARTBEAT_MS) {
        self->last_heartbeat = now;
        outbox_heartbeat (self->outbox, self->pub);
    }
    if (now - self->last_trim >= SERVICE_TRIM_MS) {
        self->last_trim = now;
        trim_t trim = {self->outbox, (uint64_t) self->retention_count, clock_now_ms () - self->retention_ms};
        if (service_write (self, s_trim_write, &trim) != 0)
            log_error (NULL, "could not trim the event log");
    }
    for (int i = 0; i < self->nconsumers; i++)
        consumer_tick (self->consumers[i]);
}

static void
s_turn (service_t *self, bool take_requests)
{
    zmq_pollitem_t *items = s_poll_items (self, 1 + (size_t) self->npeers + (size_t) self->nconsumers + self->nfds);
    if (!items) {
        log_error (NULL, "out of memory building the poll set");
        return;
    }
    int n = 0;
    if (take_requests)
        items[n++] = (zmq_pollitem_t) {zsock_resolve (self->router), 0, ZMQ_POLLIN, 0};
    for (int i = 0; i < self->npeers; i++)
        items[n++] = (zmq_pollitem_t) {zsock_resolve (rpc_client_socket (self->peers[i].client)), 0, ZMQ_POLLIN, 0};
    for (int i = 0; take_requests && i < self->nconsumers; i++)
        items[n++] = (zmq_pollitem_t) {zsock_resolve (consumer_socket (self->consumers[i])), 0, ZMQ_POLLIN, 0};
    int fds_at = n;
    for (size_t i = 0; i < self->nfds; i++)
        items[n++] = (zmq_pollitem_t) {NULL, self->fds[i].fd, self->fds[i].events, 0};
    if (zmq_poll (items, n, s_poll_timeout (self)) < 0 && zmq_errno () != EINTR)
        log_error (NULL, "poll failed: %s", zmq_strerror (zmq_errno ()));
    s_rerun (self);
    if (take_requests)
        s_take_requests (self);
    for (int i = 0; i < self->npeers; i++) {
        rpc_client_handle (self->peers[i].client);
        rpc_client_expire (self->peers[i].client);
    }
    for (int i = 0; take_requests && i < self->nconsumers; i++)
        consumer_handle (self->consumers[i]);
    s_handle_fds (self, items + fds_at, (size_t) (n - fds_at));
    timers_run_due (self->timers, clock_mono_ms ());
    s_flush (self);
    //  after the commit: only committed actions are performed
    outq_run (self->outq);
    s_housekeeping (self);
    if (self->def->on_tick)
        self->def->on_tick (self);
    s_flush (self);
}

int
service_run (service_t *self)
{
    while (!self->stopping && !zsys_interrupted)
        s_turn (self, true);
    //  stop taking requests, but let calls in flight finish and answer
    log_info (NULL, "stopping: %zu request(s) in flight", self->deferred);
    int64_t until = clock_mono_ms () + SERVICE_DRAIN_MS;
    while (self->deferred > 0 && clock_mono_ms () < until)
        s_turn (self, false);
    s_flush (self);
    log_info (NULL, "stopped");
    return 0;
}

int
service_main (const service_def_t *def, int argc, char **argv)
{
    topology_t *topo = NULL;
    int rc = topology_for (argc, argv, &topo);
    if (rc != 0)
        return rc == RM_ENOMEM ? 1 : 2;
    char usage[128];
    snprintf (usage, sizeof usage, "[options]  (the retailmesh %s service)", def->name);
    config_t *cfg = NULL;
    rc = config_new (def->name, usage, &cfg);
    if (rc == 0)
        rc = service_config_define (cfg, def, topo);
    if (rc == 0)
        rc = config_load (cfg, argc, argv);
    if (rc != 0) {
        config_destroy (&cfg);
        topology_destroy (&topo);
        return rc == 1 ? 0 : rc == RM_ENOMEM ? 1 : 2;
    }
    service_t *svc = NULL;
    rc = service_new (def, topo, cfg, &svc);
    if (rc == 0)
        rc = service_run (svc);
    service_destroy (&svc);
    config_destroy (&cfg);
    topology_destroy (&topo);
    return rc == 0 ? 0 : (rc == RM_EINVAL ? 2 : 1);
}
