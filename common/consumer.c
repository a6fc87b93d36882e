#include "consumer.h"
#include "keys.h"
#include "record.h"
#include "err.h"
#include "failpoint.h"
#include "log.h"
#include "mp.h"
#include "store.h"
#include <stdlib.h>
#include <string.h>

#define POSITION_PREFIX "consumer:"

struct consumer_t {
    consumer_host_t host;
    const consumer_def_t *def;
    consumer_opts_t opts;
    zsock_t *sub;
    MDB_dbi positions;
    MDB_dbi dlq;
    char position_key[64];
    uint64_t position;            //  last sequence applied (in the batch or committed)
    uint64_t known_last;          //  highest sequence the source is known to have
    bool fetching;                //  an events.since call is in flight
    bool stalled;                 //  behind the source's retention: needs an operator
    char stalled_reason[200];
    char *retry_event;            //  the event waiting for its next attempt
    size_t retry_len;
    int attempts;
    int64_t retry_at;             //  monotonic ms
    uint64_t gaps, replays, applied, rejected, duplicates, dead_letters;
    uint64_t received;            //  live events, counted for FAILPOINT_EVENT_COPIES
    int64_t caught_up_at;         //  wall clock: the source last found us caught up; 0 never
};

//  Called whenever the source has told us how far it is.
static void
s_heard (consumer_t *self)
{
    if (self->position >= self->known_last && !self->retry_event && !self->stalled)
        self->caught_up_at = self->host.now_ms (self->host.arg);
}

//  DLQ keys: "<source>\0" + big-endian sequence.
static size_t
s_dlq_key (consumer_t *self, uint64_t seq, uint8_t *key, size_t size)
{
    size_t n = strlen (self->def->source) + 1;
    if (n + 8 > size)
        return 0;
    memcpy (key, self->def->source, n);
    store_key_u64 (seq, key + n);
    return n + 8;
}

static int
s_load_position (consumer_t *self)
{
    MDB_txn *txn;
    int rc = store_read_begin (self->host.store, &txn);
    if (rc != 0)
        return rc;
    MDB_val val;
    rc = store_get (txn, self->positions, self->position_key, strlen (self->position_key), &val);
    self->position = rc == 0 ? store_u64_of (&val) : 0;
    store_abort (&txn);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
consumer_new (const consumer_host_t *host, const consumer_def_t *def, const consumer_opts_t *opts,
              const char *pub_endpoint, MDB_dbi positions, MDB_dbi dlq, consumer_t **self_p)
{
    consumer_t *self = (consumer_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->host = *host;
    self->def = def;
    self->opts = *opts;
    self->positions = positions;
    self->dlq = dlq;
    snprintf (self->position_key, sizeof self->position_key, POSITION_PREFIX "%s", def->source);
    int rc = s_load_position (self);
    if (rc == 0) {
        self->sub = zsock_new (ZMQ_SUB);
        if (self->sub) {
            zsock_set_rcvhwm (self->sub, opts->sub_hwm);
            zsock_set_linger (self->sub, 0);
            char prefix[48];
            //  every event of the source, so sequence numbers have no holes
            snprintf (prefix, sizeof prefix, "%s.", def->source);
            zsock_set_subscribe (self->sub, prefix);
        }
        //  the source's PUB admits only its consumers' keys (keys.h, zap.h)
        if (!self->sub || keys_client (self->sub, pub_endpoint) != 0
            || zsock_connect (self->sub, "%s", pub_endpoint) != 0) {
            log_error (NULL, "consumer of %s: cannot subscribe at %s", def->source, pub_endpoint);
            rc = RM_EUNAVAIL;
        }
    }
    if (rc != 0) {
        consumer_destroy (&self);
        return rc;
    }
    log_info (NULL, "consuming %s events from %s, position %llu", def->source, pub_endpoint,
              (unsigned long long) self->position);
    *self_p = self;
    return 0;
}

void
consumer_destroy (consumer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    consumer_t *self = *self_p;
    zsock_destroy (&self->sub);
    free (self->retry_event);
    free (self);
    *self_p = NULL;
}

const char *consumer_source (consumer_t *self) { return self->def->source; }
zsock_t *consumer_socket (consumer_t *self) { return self->sub; }

//  ---------------------------------------------------------------------
//  applying

typedef struct {
    consumer_t *self;
    const envelope_t *event;
    const char *error;            //  dead-lettering: why
    const char *raw;              //  dead-lettering: the event's bytes
    size_t raw_len;
    int handler_rc;
} apply_ctx_t;

static bool
s_handles (consumer_t *self, const char *type)
{
    for (int i = 0; self->def->types && self->def->types[i]; i++)
        if (strcmp (self->def->types[i], type) == 0)
            return true;
    return false;
}

static int
s_run_handler (consumer_t *self, MDB_txn *txn, const envelope_t *event)
{
    int rc = FAILPOINT_EVENT_ERROR (event->type);
    return rc != 0 ? rc : self->def->apply (self->host.arg, txn, event);
}

static bool
s_is_rejection (int rc)
{
    return rc == RM_EINVAL || rc == RM_ENOTFOUND || rc == RM_ECONFLICT;
}

static int
s_write_position (consumer_t *self, MDB_txn *txn, uint64_t seq)
{
    uint8_t value[8];
    store_key_u64 (seq, value);
    return store_put (txn, self->positions, self->position_key, strlen (self->position_key), value, 8, 0);
}

//  The effect and the new position commit together, or neither does.
static int
s_apply_write (MDB_txn *txn, void *arg)
{
    apply_ctx_t *ctx = (apply_ctx_t *) arg;
    consumer_t *self = ctx->self;
    if (s_handles (self, ctx->event->type)) {
        ctx->handler_rc = s_run_handler (self, txn, ctx->event);
        if (ctx->handler_rc != 0 && !s_is_rejection (ctx->handler_rc))
            return ctx->handler_rc;
    }
    return s_write_position (self, txn, ctx->event->seq);
}

static int
s_dead_letter_write (MDB_txn *txn, void *arg)
{
    apply_ctx_t *ctx = (apply_ctx_t *) arg;
    consumer_t *self = ctx->self;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    mp_pack_kv_str (&pk, "source", self->def->source);
    mp_pack_kv_int (&pk, "seq", (int64_t) ctx->event->seq);
    mp_pack_kv_str (&pk, "type", ctx->event->type);
    mp_pack_kv_str (&pk, "error", ctx->error);
    mp_pack_kv_int (&pk, "attempts", self->attempts);
    mp_pack_kv_int (&pk, "failed_at", self->host.now_ms (self->host.arg));
    mp_pack_str (&pk, "event");
    msgpack_pack_bin (&pk, ctx->raw_len);
    msgpack_pack_bin_body (&pk, ctx->raw, ctx->raw_len);
    uint8_t key[80];
    size_t klen = s_dlq_key (self, ctx->event->seq, key, sizeof key);
    int rc = klen ? store_put (txn, self->dlq, key, klen, buf.data, buf.size, 0) : RM_EINVAL;
    msgpack_sbuffer_destroy (&buf);
    if (rc == 0)
        rc = s_write_position (self, txn, ctx->event->seq);
    return rc;
}

static void
s_clear_retry (consumer_t *self)
{
    free (self->retry_event);
    self->retry_event = NULL;
    self->retry_len = 0;
    self->attempts = 0;
}

//  Applies the next event in line. Returns false when it must be retried
//  later (the stream waits behind it, so order holds).
static bool
s_apply (consumer_t *self, const char *raw, size_t len, const envelope_t *event)
{
    //  An event of a type not handled moves the position in memory only: it
    //  is stored with the next write, and fetched again after a restart it
    //  is skipped again. So a source's other traffic costs no write here
    //  (a full store stays full: nothing commits that need not).
    if (!s_handles (self, event->type)) {
        self->position = event->seq;
        s_clear_retry (self);
        return true;
    }
    apply_ctx_t ctx = {.self = self, .event = event, .raw = raw, .raw_len = len};
    int rc = self->host.write (self->host.arg, s_apply_write, &ctx);
    if (rc == 0) {
        self->position = event->seq;
        if (s_handles (self, event->type)) {
            if (ctx.handler_rc == 0)
                self->applied++;
            else {
                self->rejected++;
                log_warn (event->cid, "%s #%llu from %s rejected: %s; skipped", event->type,
                          (unsigned long long) event->seq, self->def->source, rm_strerror (ctx.handler_rc));
            }
        }
        s_clear_retry (self);
        return true;
    }
    self->attempts++;
    log_warn (event->cid, "%s #%llu from %s failed (attempt %d of %d): %s", event->type,
              (unsigned long long) event->seq, self->def->source, self->attempts, self->opts.max_attempts,
              rm_strerror (rc));
    if (self->attempts >= self->opts.max_attempts) {
        ctx.error = rm_strerror (rc);
        if (self->host.write (self->host.arg, s_dead_letter_write, &ctx) == 0) {
            self->position = event->seq;
            self->dead_letters++;
            log_error (event->cid, "%s #%llu from %s moved to the dead-letter store after %d attempts",
                       event->type, (unsigned long long) event->seq, self->def->source, self->attempts);
            s_clear_retry (self);
            return true;
        }
    }
    free (self->retry_event);
    self->retry_event = (char *) malloc (len);
    if (self->retry_event)
        memcpy (self->retry_event, raw, len);
    self->retry_len = self->retry_event ? len : 0;
    int delay = self->opts.backoff_ms << (self->attempts < 10 ? self->attempts - 1 : 9);
    self->retry_at = self->host.mono_ms (self->host.arg) + delay;
    return false;
}

static void s_fetch (consumer_t *self);

//  One event from the wire or from a replay: applied if it is next, dropped
//  if already applied, and a gap starts a fetch.
static void
s_offer (consumer_t *self, const char *raw, size_t len)
{
    msgpack_unpacked unpacked;
    envelope_t event;
    proto_error_t perr;
    if (envelope_decode (raw, len, &unpacked, &event, &perr) != 0 || event.kind != ENVELOPE_EVENT) {
        log_warn (NULL, "consumer of %s: undecodable event dropped: %s %s", self->def->source, perr.field, perr.message);
        return;
    }
    if (event.seq > self->known_last)
        self->known_last = event.seq;
    if (event.seq <= self->position)
        self->duplicates++;
    else if (self->stalled || self->retry_event || self->fetching)
        ;   //  fetched again once the stream moves
    else if (event.seq == self->position + 1)
        s_apply (self, raw, len, &event);
    else {
        self->gaps++;
        log_info (event.cid, "gap in %s events: have %llu, got %llu; fetching the missing range", self->def->source,
                  (unsigned long long) self->position, (unsigned long long) event.seq);
        s_fetch (self);
    }
    msgpack_unpacked_destroy (&unpacked);
}

void
consumer_handle (consumer_t *self)
{
    char heartbeat[48];
    snprintf (heartbeat, sizeof heartbeat, "%s._heartbeat", self->def->source);
    for (int i = 0; i < 10000 && (zsock_events (self->sub) & ZMQ_POLLIN); i++) {
        zmsg_t *msg = zmsg_recv_nowait (self->sub);
        if (!msg)
            break;
        zframe_t *topic = zmsg_first (msg), *data = zmsg_next (msg);
        if (topic && data && zframe_streq (topic, heartbeat)) {
            msgpack_unpacked unpacked;
            envelope_t hb;
            proto_error_t perr;
            if (envelope_decode (zframe_data (data), zframe_size (data), &unpacked, &hb, &perr) == 0) {
                if (hb.seq > self->known_last)
                    self->known_last = hb.seq;
                msgpack_unpacked_destroy (&unpacked);
                s_heard (self);
            }
        }
        else if (data) {
            for (int copies = FAILPOINT_EVENT_COPIES (++self->received); copies > 0; copies--)
                s_offer (self, (const char *) zframe_data (data), zframe_size (data));
            s_heard (self);
        }
        zmsg_destroy (&msg);
    }
}

//  ---------------------------------------------------------------------
//  catching up through events.since

static void
s_fetched (void *arg, int err, const envelope_t *reply)
{
    consumer_t *self = (consumer_t *) arg;
    self->fetching = false;
    if (err != 0) {
        log_warn (NULL, "events.since from %s failed: %s; will retry", self->def->source, rm_strerror (err));
        return;
    }
    if (!reply->ok) {
        char code[32] = "", message[100] = "";
        mp_get_str (&reply->body, "code", code, sizeof code);
        mp_get_str (&reply->body, "message", message, sizeof message);
        if (rm_errcode (code) == RM_EGONE) {
            self->stalled = true;
            snprintf (self->stalled_reason, sizeof self->stalled_reason,
                      "needs %s events from #%llu, which are past its retention (%s)", self->def->source,
                      (unsigned long long) self->position + 1, message);
            log_error (NULL, "consumer STALLED: %s; inspect, then run `retailmesh replay --consumer %s --source %s --from N`",
                       self->stalled_reason, self->host.name, self->def->source);
        }
        else
            log_warn (NULL, "events.since from %s refused: %s %s", self->def->source, code, message);
        return;
    }
    int64_t last = 0;
    if (mp_get_int (&reply->body, "last_seq", &last) == 0 && (uint64_t) last > self->known_last)
        self->known_last = (uint64_t) last;
    const msgpack_object_array *events = mp_get_array (&reply->body, "events");
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    for (uint32_t i = 0; events && i < events->size && !self->retry_event && !self->stalled; i++) {
        msgpack_sbuffer_clear (&buf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        mp_pack_object (&pk, &events->ptr[i]);
        s_offer (self, buf.data, buf.size);
    }
    msgpack_sbuffer_destroy (&buf);
    s_heard (self);
    if (self->position < self->known_last && !self->retry_event)
        s_fetch (self);
}

static void
s_fetch (consumer_t *self)
{
    if (self->fetching || self->stalled)
        return;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_int (&pk, "from", (int64_t) self->position + 1);
    mp_pack_kv_int (&pk, "max", self->opts.page);
    if (self->host.call (self->host.arg, self->def->source, "events.since", body.data, body.size, s_fetched, self)
        == 0) {
        self->fetching = true;
        self->replays++;
    }
    msgpack_sbuffer_destroy (&body);
}

void
consumer_tick (consumer_t *self)
{
    if (self->stalled)
        return;
    if (self->retry_event) {
        if (self->host.mono_ms (self->host.arg) < self->retry_at)
            return;
        msgpack_unpacked unpacked;
        envelope_t event;
        proto_error_t perr;
        if (envelope_decode (self->retry_event, self->retry_len, &unpacked, &event, &perr) != 0) {
            s_clear_retry (self);
            return;
        }
        //  take the copy: a failed attempt makes a new one
        char *raw = self->retry_event;
        size_t len = self->retry_len;
        self->retry_event = NULL;
        self->retry_len = 0;
        s_apply (self, raw, len, &event);
        msgpack_unpacked_destroy (&unpacked);
        free (raw);
        if (self->retry_event)
            return;
    }
    //  at start known_last is 0: ask anyway, so a late consumer catches up
    if (!self->fetching && (self->position < self->known_last || self->replays == 0))
        s_fetch (self);
}

void
consumer_reload (consumer_t *self)
{
    s_load_position (self);
    s_clear_retry (self);
}

static int
s_replay_write (MDB_txn *txn, void *arg)
{
    consumer_t *self = (consumer_t *) arg;
    return s_write_position (self, txn, self->position);
}

int
consumer_replay (consumer_t *self, uint64_t from)
{
    uint64_t previous = self->position;
    self->position = from > 0 ? from - 1 : 0;
    int rc = self->host.write (self->host.arg, s_replay_write, self);
    if (rc != 0) {
        self->position = previous;
        return rc;
    }
    self->stalled = false;
    self->stalled_reason[0] = '\0';
    s_clear_retry (self);
    log_info (NULL, "replaying %s events from #%llu", self->def->source, (unsigned long long) from);
    s_fetch (self);
    return 0;
}

int64_t
consumer_caught_up_at (consumer_t *self)
{
    return self->caught_up_at;
}

void
consumer_status (consumer_t *self, core_consumer_status_t *status)
{
    *status = (core_consumer_status_t) {
        .position = (int64_t) self->position,
        .source_last_seq = (int64_t) self->known_last,
        .lag = (int64_t) (self->known_last > self->position ? self->known_last - self->position : 0),
        .gaps = (int64_t) self->gaps,
        .replays = (int64_t) self->replays,
        .applied = (int64_t) self->applied,
        .rejected = (int64_t) self->rejected,
        .duplicates = (int64_t) self->duplicates,
        .dead_letters = (int64_t) self->dead_letters,
        .stalled = self->stalled,
    };
    snprintf (status->source, sizeof status->source, "%s", self->def->source);
    if (self->stalled)
        snprintf (status->stalled_reason, sizeof status->stalled_reason, "%s", self->stalled_reason);
}

//  ---------------------------------------------------------------------
//  dead letters

//  Walks this consumer's entries: fn gets each key and value.
static int
s_dlq_walk (consumer_t *self, MDB_txn *txn, void (*fn) (void *arg, const MDB_val *val), void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, self->dlq, &cursor) != 0)
        return RM_ESTORE;
    size_t plen = strlen (self->def->source) + 1;
    MDB_val key = {plen, (void *) self->def->source}, val;
    for (int rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && key.mv_size == plen + 8 && memcmp (key.mv_data, self->def->source, plen) == 0;
         rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
        fn (arg, &val);
    mdb_cursor_close (cursor);
    return 0;
}

static void
s_count_one (void *arg, const MDB_val *val)
{
    (void) val;
    (*(uint32_t *) arg)++;
}

uint32_t
consumer_dlq_count (consumer_t *self, MDB_txn *txn)
{
    uint32_t count = 0;
    s_dlq_walk (self, txn, s_count_one, &count);
    return count;
}

//  Reads a stored entry into its catalogue shape (fields: core_dlq_entry's
//  or core_dlq_shown's). Strings are copied; shown's event (stored as bin)
//  points into *stored, which the caller destroys either way.
static int
s_entry_read (const MDB_val *val, const field_spec_t *fields, msgpack_unpacked *stored, void *entry)
{
    msgpack_unpacked_init (stored);
    if (msgpack_unpack_next (stored, (const char *) val->mv_data, val->mv_size, NULL) != MSGPACK_UNPACK_SUCCESS
        || record_decode (fields, &stored->data, entry) != 0)
        return RM_ESTORE;
    return 0;
}

typedef struct {
    core_dlq_list_reply_t *list;
    int rc;
} list_ctx_t;

static void
s_list_one (void *arg, const MDB_val *val)
{
    list_ctx_t *ctx = (list_ctx_t *) arg;
    core_dlq_entry_t *entry = ctx->rc ? NULL
                              : (core_dlq_entry_t *) record_push (&ctx->list->entries, &ctx->list->entries_count,
                                                                  sizeof *entry);
    if (!entry) {
        ctx->rc = ctx->rc ? ctx->rc : RM_ENOMEM;
        return;
    }
    msgpack_unpacked stored;
    ctx->rc = s_entry_read (val, core_dlq_entry_fields, &stored, entry);
    msgpack_unpacked_destroy (&stored);
}

int
consumer_dlq_list (consumer_t *self, MDB_txn *txn, core_dlq_list_reply_t *list)
{
    list_ctx_t ctx = {list, 0};
    int rc = s_dlq_walk (self, txn, s_list_one, &ctx);
    return rc ? rc : ctx.rc;
}

static int
s_dlq_get (consumer_t *self, MDB_txn *txn, uint64_t seq, MDB_val *val)
{
    uint8_t key[80];
    size_t klen = s_dlq_key (self, seq, key, sizeof key);
    return klen ? store_get (txn, self->dlq, key, klen, val) : RM_EINVAL;
}

int
consumer_dlq_show (consumer_t *self, MDB_txn *txn, uint64_t seq, msgpack_packer *pk)
{
    MDB_val val;
    int rc = s_dlq_get (self, txn, seq, &val);
    if (rc != 0)
        return rc;
    core_dlq_shown_t shown = {0};
    msgpack_unpacked stored, event;
    msgpack_unpacked_init (&event);
    rc = s_entry_read (&val, core_dlq_shown_fields, &stored, &shown);
    if (rc == 0
        && (shown.event.type != MSGPACK_OBJECT_BIN
            || msgpack_unpack_next (&event, shown.event.via.bin.ptr, shown.event.via.bin.size, NULL)
                   != MSGPACK_UNPACK_SUCCESS))
        rc = RM_ESTORE;
    if (rc == 0) {
        shown.event = event.data;
        record_pack (core_dlq_shown_fields, &shown, pk);
    }
    msgpack_unpacked_destroy (&event);
    msgpack_unpacked_destroy (&stored);
    return rc;
}

typedef struct {
    consumer_t *self;
    uint64_t seq;
    int handler_rc;
} dlq_retry_t;

//  The handler runs again; only if it applies is the entry removed.
static int
s_dlq_retry_write (MDB_txn *txn, void *arg)
{
    dlq_retry_t *ctx = (dlq_retry_t *) arg;
    MDB_val val;
    int rc = s_dlq_get (ctx->self, txn, ctx->seq, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    const msgpack_object *raw = NULL;
    if (msgpack_unpack_next (&unpacked, (const char *) val.mv_data, val.mv_size, NULL) == MSGPACK_UNPACK_SUCCESS)
        raw = mp_get (&unpacked.data, "event");
    rc = RM_ESTORE;
    if (raw && raw->type == MSGPACK_OBJECT_BIN) {
        msgpack_unpacked event_unpacked;
        envelope_t event;
        proto_error_t perr;
        if (envelope_decode (raw->via.bin.ptr, raw->via.bin.size, &event_unpacked, &event, &perr) == 0) {
            rc = ctx->handler_rc = s_run_handler (ctx->self, txn, &event);
            //  a business rejection settles the event as it would have live
            if (s_is_rejection (rc))
                rc = 0;
            msgpack_unpacked_destroy (&event_unpacked);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    if (rc == 0) {
        uint8_t key[80];
        size_t klen = s_dlq_key (ctx->self, ctx->seq, key, sizeof key);
        rc = store_del (txn, ctx->self->dlq, key, klen);
    }
    return rc;
}

int
consumer_dlq_retry (consumer_t *self, uint64_t seq, char *error, size_t error_size)
{
    dlq_retry_t ctx = {self, seq, 0};
    int rc = self->host.write (self->host.arg, s_dlq_retry_write, &ctx);
    snprintf (error, error_size, "%s", rc == 0 ? "" : rm_strerror (rc));
    if (rc == 0) {
        self->applied++;
        log_info (NULL, "dead letter %s #%llu applied on retry", self->def->source, (unsigned long long) seq);
    }
    return rc;
}

static int
s_dlq_drop_write (MDB_txn *txn, void *arg)
{
    dlq_retry_t *ctx = (dlq_retry_t *) arg;
    uint8_t key[80];
    size_t klen = s_dlq_key (ctx->self, ctx->seq, key, sizeof key);
    return store_del (txn, ctx->self->dlq, key, klen);
}

int
consumer_dlq_drop (consumer_t *self, uint64_t seq)
{
    dlq_retry_t ctx = {self, seq, 0};
    int rc = self->host.write (self->host.arg, s_dlq_drop_write, &ctx);
    if (rc == 0)
        log_info (NULL, "dead letter %s #%llu dropped", self->def->source, (unsigned long long) seq);
    return rc;
}
