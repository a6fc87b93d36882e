#include "outq.h"
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "store.h"
#include "timers.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define OUTQ_RECORD_VERSION 1
#define OUTQ_PEER_MAX 32
#define OUTQ_ERROR_MAX 256

//  An action as stored. body is a copy, freed with s_record_free.
typedef struct {
    int64_t version;
    outq_kind_t kind;
    char peer[OUTQ_PEER_MAX];
    char op[ENVELOPE_TYPE_MAX];
    char cid[ENVELOPE_CID_MAX];
    char idem[ENVELOPE_IDEM_MAX];
    char caller[ENVELOPE_CALLER_MAX];  //  "" for none, and in records written before it was kept
    char *body;
    size_t body_len;
    int64_t created_at;            //  Unix ms
    int64_t attempts;              //  failed attempts so far
    char error[OUTQ_ERROR_MAX];    //  the last attempt's error, "" before any
    bool dead;
    int64_t failed_at;             //  Unix ms of the last failure, 0 before any
} record_t;

//  An action the queue will perform: pending, or a dead letter being
//  retried. Sorted by id in self->entries.
typedef struct {
    uint64_t id;
    char cid[ENVELOPE_CID_MAX];    //  for the log
    int64_t created_at;
    int64_t attempts;
    bool in_flight;
    bool dead;
    outq_watch_fn *watch;
    void *watch_arg;
} entry_t;

struct outq_t {
    outq_host_t host;
    outq_opts_t opts;
    MDB_dbi dbi;
    timers_t *timers;              //  when each waiting entry is due
    entry_t **entries;
    size_t nentries, cap;
    uint64_t last_id;
    unsigned seed;                 //  jitter
    uint64_t sent, failed_attempts;
    int started;                   //  attempts started by the current outq_run
};

static int64_t
s_mono (outq_t *self)
{
    return self->host.mono_ms ? self->host.mono_ms (self->host.ctx) : clock_mono_ms ();
}

static int64_t
s_unix (outq_t *self)
{
    return self->host.unix_ms ? self->host.unix_ms (self->host.ctx) : clock_now_ms ();
}

//  ---------------------------------------------------------------------
//  records

static const char *
s_kind_name (outq_kind_t kind)
{
    return kind == OUTQ_CALL ? "call" : "?";
}

//  The call's own fields (5 map entries), as stored and as shown.
static void
s_pack_call (msgpack_packer *pk, const record_t *rec)
{
    mp_pack_kv_str (pk, "kind", s_kind_name (rec->kind));
    mp_pack_kv_str (pk, "peer", rec->peer);
    mp_pack_kv_str (pk, "op", rec->op);
    mp_pack_kv_str (pk, "cid", rec->cid);
    mp_pack_kv_str (pk, "idem", rec->idem);
}

static void
s_record_pack (msgpack_packer *pk, const record_t *rec)
{
    msgpack_pack_map (pk, 13);
    mp_pack_kv_int (pk, "v", OUTQ_RECORD_VERSION);
    s_pack_call (pk, rec);
    mp_pack_kv_str (pk, "caller", rec->caller);
    mp_pack_str (pk, "body");
    msgpack_pack_bin (pk, rec->body_len);
    msgpack_pack_bin_body (pk, rec->body, rec->body_len);
    mp_pack_kv_int (pk, "created_at", rec->created_at);
    mp_pack_kv_int (pk, "attempts", rec->attempts);
    mp_pack_kv_str (pk, "error", rec->error);
    mp_pack_kv_bool (pk, "dead", rec->dead);
    mp_pack_kv_int (pk, "failed_at", rec->failed_at);
}

static void
s_record_free (record_t *rec)
{
    free (rec->body);
    rec->body = NULL;
}

//  Decodes a stored record. RM_EPROTO when it is not one this binary
//  reads (a newer version, or damaged).
static int
s_record_decode (const MDB_val *val, record_t *rec)
{
    memset (rec, 0, sizeof *rec);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = RM_EPROTO;
    char kind[16];
    if (msgpack_unpack_next (&unpacked, (const char *) val->mv_data, val->mv_size, NULL) != MSGPACK_UNPACK_SUCCESS)
        goto done;
    const msgpack_object *map = &unpacked.data, *body = mp_get (map, "body");
    if (mp_get_int (map, "v", &rec->version) != 0 || rec->version != OUTQ_RECORD_VERSION
        || mp_get_str (map, "kind", kind, sizeof kind) != 0 || strcmp (kind, "call") != 0
        || mp_get_str (map, "peer", rec->peer, sizeof rec->peer) != 0
        || mp_get_str (map, "op", rec->op, sizeof rec->op) != 0
        || mp_get_str (map, "cid", rec->cid, sizeof rec->cid) != 0
        || mp_get_str (map, "idem", rec->idem, sizeof rec->idem) != 0
        || mp_get_int (map, "created_at", &rec->created_at) != 0
        || mp_get_int (map, "attempts", &rec->attempts) != 0
        || mp_get_str (map, "error", rec->error, sizeof rec->error) != 0
        || mp_get_bool (map, "dead", &rec->dead) != 0
        || mp_get_int (map, "failed_at", &rec->failed_at) != 0
        || !body || body->type != MSGPACK_OBJECT_BIN)
        goto done;
    //  optional: a record queued before callers were kept has none
    if (mp_get (map, "caller") && mp_get_str (map, "caller", rec->caller, sizeof rec->caller) != 0)
        goto done;
    rec->kind = OUTQ_CALL;
    rec->body_len = body->via.bin.size;
    rec->body = (char *) malloc (rec->body_len ? rec->body_len : 1);
    if (!rec->body) {
        rc = RM_ENOMEM;
        goto done;
    }
    memcpy (rec->body, body->via.bin.ptr, rec->body_len);
    rc = 0;
done:
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  Loads record id. RM_ENOTFOUND when absent.
static int
s_record_load (outq_t *self, MDB_txn *txn, uint64_t id, record_t *rec)
{
    memset (rec, 0, sizeof *rec);
    uint8_t key[8];
    store_key_u64 (id, key);
    MDB_val val;
    int rc = store_get (txn, self->dbi, key, sizeof key, &val);
    if (rc == 0 && (rc = s_record_decode (&val, rec)) != 0)
        log_error (NULL, "outbound action #%llu cannot be read: %s", (unsigned long long) id, rm_strerror (rc));
    return rc;
}

static int
s_record_store (outq_t *self, MDB_txn *txn, uint64_t id, const record_t *rec)
{
    uint8_t key[8];
    store_key_u64 (id, key);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    s_record_pack (&pk, rec);
    int rc = store_put (txn, self->dbi, key, sizeof key, buf.data, buf.size, 0);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  ---------------------------------------------------------------------
//  entries

static entry_t *
s_find (outq_t *self, uint64_t id, size_t *index)
{
    size_t lo = 0, hi = self->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->entries[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (index)
        *index = lo;
    return lo < self->nentries && self->entries[lo]->id == id ? self->entries[lo] : NULL;
}

static void s_due (void *owner, void *arg);

//  Adds an entry due at at_ms; NULL when out of memory.
static entry_t *
s_entry_add (outq_t *self, uint64_t id, const record_t *rec, bool dead, int64_t at_ms)
{
    if (self->nentries == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        entry_t **grown = (entry_t **) realloc (self->entries, cap * sizeof *grown);
        if (!grown)
            return NULL;
        self->entries = grown;
        self->cap = cap;
    }
    entry_t *entry = (entry_t *) calloc (1, sizeof *entry);
    if (!entry || timers_add (self->timers, at_ms, s_due, entry, NULL) != 0) {
        free (entry);
        return NULL;
    }
    *entry = (entry_t) {.id = id, .created_at = rec->created_at, .attempts = rec->attempts, .dead = dead};
    snprintf (entry->cid, sizeof entry->cid, "%s", rec->cid);
    size_t at;
    s_find (self, id, &at);
    memmove (&self->entries[at + 1], &self->entries[at], (self->nentries - at) * sizeof *self->entries);
    self->entries[at] = entry;
    self->nentries++;
    return entry;
}

//  Forgets an entry (no timer may be set for it) and tells its watcher.
static void
s_entry_remove (outq_t *self, entry_t *entry, int err, const char *message)
{
    size_t at;
    if (s_find (self, entry->id, &at) == entry) {
        memmove (&self->entries[at], &self->entries[at + 1], (self->nentries - at - 1) * sizeof *self->entries);
        self->nentries--;
    }
    outq_watch_fn *watch = entry->watch;
    void *watch_arg = entry->watch_arg;
    free (entry);
    if (watch)
        watch (watch_arg, err, message);
}

//  Schedules the next attempt; false when the entry had to be forgotten.
static bool
s_entry_retry (outq_t *self, entry_t *entry, int64_t at_ms)
{
    if (timers_add (self->timers, at_ms, s_due, entry, NULL) == 0)
        return true;
    //  it stays in the store and is performed after a restart
    log_error (entry->cid, "out of memory scheduling outbound action #%llu", (unsigned long long) entry->id);
    s_entry_remove (self, entry, RM_ENOMEM, "out of memory");
    return false;
}

//  ---------------------------------------------------------------------
//  construction

int
outq_new (const outq_host_t *host, const outq_opts_t *opts, MDB_dbi dbi, outq_t **self_p)
{
    outq_t *self = (outq_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->host = *host;
    self->opts = *opts;
    self->dbi = dbi;
    self->seed = (unsigned) clock_mono_us ();
    self->timers = timers_new (self);
    MDB_txn *txn = NULL;
    MDB_cursor *cursor = NULL;
    int rc = self->timers ? host->read (host->ctx, &txn) : RM_ENOMEM;
    if (rc == 0 && mdb_cursor_open (txn, dbi, &cursor) != 0)
        rc = RM_ESTORE;
    MDB_val key, val;
    int64_t now = s_mono (self);
    size_t pending = 0;
    for (int mrc = rc == 0 ? mdb_cursor_get (cursor, &key, &val, MDB_FIRST) : MDB_NOTFOUND; mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        uint64_t id = store_u64_of (&key);
        self->last_id = id > self->last_id ? id : self->last_id;
        record_t rec;
        if (s_record_decode (&val, &rec) != 0) {
            log_error (NULL, "outbound action #%llu cannot be read; left in the store",
                       (unsigned long long) id);
            continue;
        }
        if (!rec.dead) {
            if (!s_entry_add (self, id, &rec, false, now))
                rc = RM_ENOMEM;
            pending++;
        }
        s_record_free (&rec);
        if (rc != 0)
            break;
    }
    if (cursor)
        mdb_cursor_close (cursor);
    if (rc != 0) {
        outq_destroy (&self);
        return rc;
    }
    if (pending)
        log_info (NULL, "%zu outbound action(s) left pending: performing them again", pending);
    *self_p = self;
    return 0;
}

void
outq_destroy (outq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outq_t *self = *self_p;
    timers_destroy (&self->timers);
    for (size_t i = 0; i < self->nentries; i++)
        free (self->entries[i]);
    free (self->entries);
    free (self);
    *self_p = NULL;
}

//  ---------------------------------------------------------------------
//  queueing and performing

int
outq_push (outq_t *self, MDB_txn *txn, const outq_action_t *action, uint64_t *id)
{
    if (action->kind != OUTQ_CALL || !action->peer || !*action->peer || !action->op || !*action->op
        || strlen (action->peer) >= OUTQ_PEER_MAX || strlen (action->op) >= ENVELOPE_TYPE_MAX
        || (action->cid && strlen (action->cid) >= ENVELOPE_CID_MAX)
        || (action->idem && strlen (action->idem) >= ENVELOPE_IDEM_MAX)
        || (action->caller && strlen (action->caller) >= ENVELOPE_CALLER_MAX))
        return RM_EINVAL;
    record_t rec = {.kind = action->kind, .body = (char *) action->body, .body_len = action->body_len,
                    .created_at = s_unix (self)};
    snprintf (rec.peer, sizeof rec.peer, "%s", action->peer);
    snprintf (rec.op, sizeof rec.op, "%s", action->op);
    snprintf (rec.cid, sizeof rec.cid, "%s", action->cid ? action->cid : "");
    snprintf (rec.idem, sizeof rec.idem, "%s", action->idem ? action->idem : "");
    snprintf (rec.caller, sizeof rec.caller, "%s", action->caller ? action->caller : "");
    //  an id is never reused, even when txn is rolled back
    uint64_t next = self->last_id + 1;
    int rc = s_record_store (self, txn, next, &rec);
    if (rc != 0)
        return rc;
    self->last_id = next;
    if (!s_entry_add (self, next, &rec, false, s_mono (self)))
        return RM_ENOMEM;
    if (id)
        *id = next;
    return 0;
}

//  An entry's time has come: perform it if its change committed.
static void
s_due (void *owner, void *arg)
{
    outq_t *self = (outq_t *) owner;
    entry_t *entry = (entry_t *) arg;
    MDB_txn *txn;
    record_t rec = {0};
    int rc = self->host.read (self->host.ctx, &txn);
    if (rc == 0)
        rc = s_record_load (self, txn, entry->id, &rec);
    if (rc == RM_ENOTFOUND) {
        s_entry_remove (self, entry, RM_ENOTFOUND, "the change that queued it was not committed");
        return;
    }
    if (rc == 0 && entry->dead != rec.dead)
        rc = RM_ECONFLICT;
    if (rc != 0) {
        s_record_free (&rec);
        log_error (entry->cid, "outbound action #%llu not performed: %s", (unsigned long long) entry->id,
                   rm_strerror (rc));
        s_entry_remove (self, entry, rc, "its record could not be read");
        return;
    }
    outq_action_t action = {rec.kind, rec.peer, rec.op, rec.cid, rec.idem, rec.body, rec.body_len, rec.caller};
    entry->in_flight = true;
    self->started++;
    //  the entry may be gone once send returns (it can report at once)
    uint64_t id = entry->id;
    rc = self->host.send (self->host.ctx, self, id, &action);
    s_record_free (&rec);
    if (rc != 0)
        outq_done (self, id, rc, rm_strerror (rc));
}

int
outq_run (outq_t *self)
{
    self->started = 0;
    timers_run_due (self->timers, s_mono (self));
    return self->started;
}

int64_t
outq_next_due (outq_t *self)
{
    return timers_next_deadline (self->timers);
}

//  A random delay in [d/2, d], d the capped exponential backoff after
//  the given number of failed attempts: retries spread out instead of
//  arriving together at a recovering peer.
static int64_t
s_backoff (outq_t *self, int64_t attempts)
{
    int64_t delay = self->opts.backoff_ms > 0 ? self->opts.backoff_ms : 1;
    for (int64_t i = 1; i < attempts && delay < self->opts.backoff_max_ms; i++)
        delay *= 2;
    if (delay > self->opts.backoff_max_ms)
        delay = self->opts.backoff_max_ms;
    return delay / 2 + (int64_t) (rand_r (&self->seed) % (unsigned) (delay - delay / 2 + 1));
}

typedef struct {
    outq_t *self;
    uint64_t id;
    bool remove;                   //  else record the failure below
    int64_t attempts;
    bool dead;
    const char *error;
    const char *peer;              //  a drop: the peer the dead letter calls
} change_t;

static int
s_change_write (MDB_txn *txn, void *arg)
{
    change_t *change = (change_t *) arg;
    if (change->remove) {
        uint8_t key[8];
        store_key_u64 (change->id, key);
        return store_del (txn, change->self->dbi, key, sizeof key);
    }
    record_t rec;
    int rc = s_record_load (change->self, txn, change->id, &rec);
    if (rc != 0)
        return rc;
    rec.attempts = change->attempts;
    rec.dead = change->dead;
    rec.failed_at = s_unix (change->self);
    snprintf (rec.error, sizeof rec.error, "%s", change->error);
    rc = s_record_store (change->self, txn, change->id, &rec);
    s_record_free (&rec);
    return rc;
}

int
outq_done (outq_t *self, uint64_t id, int err, const char *message)
{
    entry_t *entry = s_find (self, id, NULL);
    if (!entry || !entry->in_flight)
        return RM_ENOTFOUND;
    entry->in_flight = false;
    const char *why = message && *message ? message : rm_strerror (err);
    change_t change = {self, id, err == 0, entry->attempts + 1, entry->dead, why, NULL};
    if (err == 0) {
        if (self->host.write (self->host.ctx, s_change_write, &change) != 0) {
            //  performed but still stored: it is sent again, which the receiver absorbs
            log_error (entry->cid, "outbound action #%llu succeeded but could not be removed", (unsigned long long) id);
            s_entry_retry (self, entry, s_mono (self) + s_backoff (self, entry->attempts + 1));
            return 0;
        }
        self->sent++;
        s_entry_remove (self, entry, 0, NULL);
        return 0;
    }
    self->failed_attempts++;
    entry->attempts = change.attempts;
    change.dead = change.dead || entry->attempts >= self->opts.max_attempts
                  || s_unix (self) - entry->created_at >= self->opts.max_age_ms;
    if (self->host.write (self->host.ctx, s_change_write, &change) != 0)
        log_error (entry->cid, "the failure of outbound action #%llu could not be recorded", (unsigned long long) id);
    if (change.dead) {
        log_warn (entry->cid, "outbound action #%llu failed %lld time(s) (%s): %s", (unsigned long long) id,
                  (long long) entry->attempts, why, entry->dead ? "it stays a dead letter" : "dead-lettered");
        s_entry_remove (self, entry, err, why);
        return 0;
    }
    int64_t delay = s_backoff (self, entry->attempts);
    log_info (entry->cid, "outbound action #%llu failed (%s); retry %lld in %lld ms", (unsigned long long) id, why,
              (long long) entry->attempts + 1, (long long) delay);
    if (!s_entry_retry (self, entry, s_mono (self) + delay))
        return 0;
    outq_watch_fn *watch = entry->watch;
    entry->watch = NULL;
    if (watch)
        watch (entry->watch_arg, err, why);
    return 0;
}

int
outq_watch (outq_t *self, uint64_t id, outq_watch_fn *fn, void *arg)
{
    entry_t *entry = s_find (self, id, NULL);
    if (!entry)
        return RM_ENOTFOUND;
    if (entry->watch)
        return RM_EBUSY;
    entry->watch = fn;
    entry->watch_arg = arg;
    return 0;
}

//  ---------------------------------------------------------------------
//  status and dead letters

typedef int (visit_fn) (outq_t *self, uint64_t id, const record_t *rec, void *arg);

static bool
s_peer_matches (const char *peer, const record_t *rec)
{
    return !peer || !*peer || strcmp (peer, rec->peer) == 0;
}

//  Calls fn on every dead letter to peer in txn, until fn returns non-zero.
static int
s_each_dead (outq_t *self, MDB_txn *txn, const char *peer, visit_fn *fn, void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, self->dbi, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); mrc == 0 && rc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        record_t rec;
        if (s_record_decode (&val, &rec) != 0)
            continue;
        if (rec.dead && s_peer_matches (peer, &rec))
            rc = fn (self, store_u64_of (&key), &rec, arg);
        s_record_free (&rec);
    }
    mdb_cursor_close (cursor);
    return rc;
}

static int
s_count_one (outq_t *self, uint64_t id, const record_t *rec, void *arg)
{
    (void) self, (void) id, (void) rec;
    (*(uint32_t *) arg)++;
    return 0;
}

uint32_t
outq_dlq_count (outq_t *self, MDB_txn *txn, const char *peer)
{
    uint32_t count = 0;
    s_each_dead (self, txn, peer, s_count_one, &count);
    return count;
}

void
outq_status (outq_t *self, MDB_txn *txn, core_outbound_status_t *status)
{
    size_t depth = 0, in_flight = 0;
    int64_t oldest = 0;
    for (size_t i = 0; i < self->nentries; i++) {
        const entry_t *entry = self->entries[i];
        if (entry->dead)
            continue;
        if (depth++ == 0 || entry->created_at < oldest)
            oldest = entry->created_at;
        in_flight += entry->in_flight ? 1 : 0;
    }
    int64_t age = depth ? s_unix (self) - oldest : 0;
    *status = (core_outbound_status_t) {
        .depth = (int64_t) depth,
        .oldest_age_ms = age > 0 ? age : 0,
        .in_flight = (int64_t) in_flight,
        .sent = (int64_t) self->sent,
        .failed_attempts = (int64_t) self->failed_attempts,
        .dead_letters = txn ? outq_dlq_count (self, txn, NULL) : 0,
    };
}

//  Fills a dead letter's fields in the shape of a consumer's (dlq.*):
//  entry is a core_dlq_entry_t or a core_dlq_shown_t, whose descriptions
//  share those members.
#define S_ENTRY_OF(entry, id, rec)                                                               \
    do {                                                                                         \
        (entry)->seq = (int64_t) (id);                                                           \
        (entry)->attempts = (rec)->attempts;                                                     \
        (entry)->failed_at = (rec)->failed_at;                                                   \
        snprintf ((entry)->queue, sizeof (entry)->queue, "outbound");                            \
        snprintf ((entry)->source, sizeof (entry)->source, "%s", (rec)->peer);                   \
        snprintf ((entry)->type, sizeof (entry)->type, "%s", (rec)->op);                         \
        snprintf ((entry)->error, sizeof (entry)->error, "%s", *(rec)->error ? (rec)->error : "-"); \
    } while (0)

static int
s_list_one (outq_t *self, uint64_t id, const record_t *rec, void *arg)
{
    (void) self;
    core_dlq_list_reply_t *list = (core_dlq_list_reply_t *) arg;
    core_dlq_entry_t *entry = (core_dlq_entry_t *) record_push (&list->entries, &list->entries_count, sizeof *entry);
    if (!entry)
        return RM_ENOMEM;
    S_ENTRY_OF (entry, id, rec);
    return 0;
}

int
outq_dlq_list (outq_t *self, MDB_txn *txn, const char *peer, core_dlq_list_reply_t *list)
{
    return s_each_dead (self, txn, peer, s_list_one, list);
}

//  Loads dead letter id to peer; RM_ENOTFOUND when there is none.
static int
s_dead_load (outq_t *self, MDB_txn *txn, const char *peer, uint64_t id, record_t *rec)
{
    int rc = s_record_load (self, txn, id, rec);
    if (rc == 0 && (!rec->dead || !s_peer_matches (peer, rec))) {
        s_record_free (rec);
        rc = RM_ENOTFOUND;
    }
    return rc;
}

int
outq_dlq_show (outq_t *self, MDB_txn *txn, const char *peer, uint64_t id, msgpack_packer *pk)
{
    record_t rec;
    int rc = s_dead_load (self, txn, peer, id, &rec);
    if (rc != 0)
        return rc;
    //  the action as its event: the call's fields and its body
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer action;
    msgpack_packer_init (&action, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&action, 6);
    s_pack_call (&action, &rec);
    mp_pack_str (&action, "body");
    mp_pack_raw (&action, rec.body, rec.body_len);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    core_dlq_shown_t shown = {0};
    S_ENTRY_OF (&shown, id, &rec);
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        shown.event = unpacked.data;
        record_pack (core_dlq_shown_fields, &shown, pk);
    }
    else
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    s_record_free (&rec);
    return rc;
}

int
outq_dlq_retry (outq_t *self, const char *peer, uint64_t id, outq_watch_fn *fn, void *arg)
{
    if (s_find (self, id, NULL))
        return RM_EBUSY;
    MDB_txn *txn;
    record_t rec = {0};
    int rc = self->host.read (self->host.ctx, &txn);
    if (rc == 0)
        rc = s_dead_load (self, txn, peer, id, &rec);
    if (rc != 0)
        return rc;
    entry_t *entry = s_entry_add (self, id, &rec, true, s_mono (self));
    s_record_free (&rec);
    if (!entry)
        return RM_ENOMEM;
    entry->watch = fn;
    entry->watch_arg = arg;
    return 0;
}

static int
s_drop_write (MDB_txn *txn, void *arg)
{
    change_t *change = (change_t *) arg;
    record_t rec;
    int rc = s_dead_load (change->self, txn, change->peer, change->id, &rec);
    s_record_free (&rec);
    if (rc == 0) {
        uint8_t key[8];
        store_key_u64 (change->id, key);
        rc = store_del (txn, change->self->dbi, key, sizeof key);
    }
    return rc;
}

int
outq_dlq_drop (outq_t *self, const char *peer, uint64_t id)
{
    if (s_find (self, id, NULL))
        return RM_EBUSY;
    change_t change = {self, id, true, 0, true, "", peer};
    return self->host.write (self->host.ctx, s_drop_write, &change);
}
