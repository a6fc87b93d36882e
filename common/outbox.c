#include "outbox.h"
#include "catalog_core.h"
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "store.h"
#include "text.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

#define RELAY_KEY "_relay"

struct outbox_t {
    MDB_env *env;
    MDB_dbi events;
    MDB_dbi positions;
    char source[32];
    uint64_t last;                //  last sequence number appended (committed or in the batch)
    uint64_t committed;           //  last sequence number known committed
    uint64_t published;           //  last sequence number sent on the PUB socket
    uint64_t saved;               //  relay position last written to the store
    char heartbeat_topic[48];
};

//  The last key of the log, 0 when it is empty.
static int
s_read_last (outbox_t *self, MDB_txn *txn, uint64_t *last)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, self->events, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = mdb_cursor_get (cursor, &key, &val, MDB_LAST);
    *last = rc == 0 ? store_u64_of (&key) : 0;
    mdb_cursor_close (cursor);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : RM_ESTORE;
}

int
outbox_reload (outbox_t *self)
{
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) != 0)
        return RM_ESTORE;
    int rc = s_read_last (self, txn, &self->last);
    mdb_txn_abort (txn);
    self->committed = self->last;
    if (self->published > self->last)
        self->published = self->last;
    return rc;
}

int
outbox_new (MDB_env *env, MDB_dbi events, MDB_dbi positions, const char *source, outbox_t **self_p)
{
    outbox_t *self = (outbox_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->env = env;
    self->events = events;
    self->positions = positions;
    snprintf (self->source, sizeof self->source, "%s", source);
    snprintf (self->heartbeat_topic, sizeof self->heartbeat_topic, "%s._heartbeat", source);
    MDB_txn *txn;
    if (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn) != 0) {
        free (self);
        return RM_ESTORE;
    }
    MDB_val val;
    int rc = store_get (txn, positions, RELAY_KEY, strlen (RELAY_KEY), &val);
    if (rc == 0 && val.mv_size == 8)
        self->published = self->saved = store_u64_of (&val);
    rc = s_read_last (self, txn, &self->last);
    mdb_txn_abort (txn);
    if (rc != 0) {
        free (self);
        return rc;
    }
    self->committed = self->last;
    //  a position past the log means the log was trimmed or replaced: start over
    if (self->published > self->last)
        self->published = self->last;
    *self_p = self;
    return 0;
}

void
outbox_destroy (outbox_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

uint64_t outbox_mark (outbox_t *self) { return self->last; }
void outbox_rollback (outbox_t *self, uint64_t mark) { self->last = mark; }
uint64_t outbox_last_seq (outbox_t *self) { return self->committed; }
uint64_t outbox_published (outbox_t *self) { return self->published; }

int
outbox_append (outbox_t *self, MDB_txn *txn, const char *type, const char *cid,
               const char *caller, const char *body, size_t body_len, uint64_t *seq)
{
    envelope_t env;
    memset (&env, 0, sizeof env);
    env.kind = ENVELOPE_EVENT;
    env.version = PROTO_VERSION;
    text_copy (env.type, sizeof env.type, type);
    uuid_new_str (env.id);
    text_copy (env.cid, sizeof env.cid, cid && *cid ? cid : "-");
    text_copy (env.caller, sizeof env.caller, caller);
    text_copy (env.source, sizeof env.source, self->source);
    env.seq = self->last + 1;
    env.time_ms = clock_now_ms ();
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    int rc = envelope_pack_raw (&buf, &env, body, body_len);
    if (rc == 0) {
        uint8_t key[8];
        store_key_u64 (env.seq, key);
        //  a failure is the caller's to log: it is the write's failure
        rc = store_put (txn, self->events, key, sizeof key, buf.data, buf.size, MDB_APPEND);
    }
    msgpack_sbuffer_destroy (&buf);
    if (rc == 0)
        *seq = self->last = env.seq;
    return rc;
}

int
outbox_relay (outbox_t *self, zsock_t *pub, int max)
{
    self->committed = self->last;
    if (self->published >= self->committed)
        return 0;
    MDB_txn *txn;
    MDB_cursor *cursor;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) != 0)
        return RM_ESTORE;
    if (mdb_cursor_open (txn, self->events, &cursor) != 0) {
        mdb_txn_abort (txn);
        return RM_ESTORE;
    }
    uint8_t start[8];
    store_key_u64 (self->published + 1, start);
    MDB_val key = {8, start}, val;
    int sent = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE); rc == 0 && sent < max;
         rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        //  the log holds envelopes this service packed: only the topic is read
        char type[ENVELOPE_TYPE_MAX];
        if (envelope_type (val.mv_data, val.mv_size, type, sizeof type) != 0) {
            log_error (NULL, "event %llu in the log is unreadable: it has no type", (unsigned long long) store_u64_of (&key));
            self->published = store_u64_of (&key);
            continue;
        }
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, type);
        zmsg_addmem (msg, val.mv_data, val.mv_size);
        //  PUB never blocks; a subscriber that drops recovers through replay
        if (zmsg_send (&msg, pub) != 0) {
            zmsg_destroy (&msg);
            break;
        }
        self->published = store_u64_of (&key);
        sent++;
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    return sent;
}

int
outbox_save_position (outbox_t *self, MDB_txn *txn)
{
    if (self->published == self->saved)
        return 0;
    uint8_t value[8];
    store_key_u64 (self->published, value);
    int rc = store_put (txn, self->positions, RELAY_KEY, strlen (RELAY_KEY), value, 8, 0);
    if (rc == 0)
        self->saved = self->published;
    return rc;
}

void
outbox_heartbeat (outbox_t *self, zsock_t *pub)
{
    envelope_t env;
    memset (&env, 0, sizeof env);
    env.kind = ENVELOPE_EVENT;
    env.version = PROTO_VERSION;
    snprintf (env.type, sizeof env.type, "%s", self->heartbeat_topic);
    uuid_new_str (env.id);
    snprintf (env.cid, sizeof env.cid, "-");
    snprintf (env.source, sizeof env.source, "%s", self->source);
    env.seq = self->published;
    env.time_ms = clock_now_ms ();
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    static const char empty_map = (char) 0x80;
    if (envelope_pack_raw (&buf, &env, &empty_map, 1) == 0) {
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, self->heartbeat_topic);
        zmsg_addmem (msg, buf.data, buf.size);
        if (zmsg_send (&msg, pub) != 0)
            zmsg_destroy (&msg);
    }
    msgpack_sbuffer_destroy (&buf);
}

int
outbox_first_seq (outbox_t *self, MDB_txn *txn, uint64_t *first)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, self->events, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    mdb_cursor_close (cursor);
    if (rc == MDB_NOTFOUND) {
        uint64_t last = 0;
        int lrc = s_read_last (self, txn, &last);
        *first = last + 1;
        return lrc;
    }
    if (rc != 0)
        return RM_ESTORE;
    *first = store_u64_of (&key);
    return 0;
}

int
outbox_since (outbox_t *self, MDB_txn *txn, uint64_t from, uint32_t max, msgpack_packer *pk)
{
    uint64_t first = 0, last = 0;
    int rc = outbox_first_seq (self, txn, &first);
    if (rc == 0)
        rc = s_read_last (self, txn, &last);
    if (rc != 0)
        return rc;
    if (from < first && from <= last)
        return RM_EGONE;
    if (from < first)
        from = first;
    uint64_t upto = from + max - 1 < last ? from + max - 1 : last;
    uint32_t count = upto >= from ? (uint32_t) (upto - from + 1) : 0;
    core_since_reply_t reply = {.first_seq = (int64_t) first, .last_seq = (int64_t) last};
    msgpack_unpacked *held = count ? (msgpack_unpacked *) calloc (count, sizeof *held) : NULL;
    reply.events = count ? (msgpack_object *) calloc (count, sizeof *reply.events) : NULL;
    MDB_cursor *cursor = NULL;
    rc = count && (!held || !reply.events) ? RM_ENOMEM : 0;
    if (rc == 0 && mdb_cursor_open (txn, self->events, &cursor) != 0)
        rc = RM_ESTORE;
    uint8_t start[8];
    store_key_u64 (from, start);
    MDB_val key = {8, start}, val;
    for (int mrc = rc == 0 ? mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE) : MDB_NOTFOUND;
         mrc == 0 && reply.events_count < count; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        msgpack_unpacked *event = &held[reply.events_count];
        msgpack_unpacked_init (event);
        if (msgpack_unpack_next (event, (const char *) val.mv_data, val.mv_size, NULL) != MSGPACK_UNPACK_SUCCESS)
            break;
        reply.events[reply.events_count++] = event->data;
    }
    if (cursor)
        mdb_cursor_close (cursor);
    //  a log with holes is corrupt
    if (rc == 0 && reply.events_count != count)
        rc = RM_ESTORE;
    if (rc == 0)
        record_pack (core_since_reply_fields, &reply, pk);
    for (uint32_t i = 0; held && i < count; i++)
        msgpack_unpacked_destroy (&held[i]);
    free (held);
    record_free (core_since_reply_fields, &reply);
    return rc;
}

int
outbox_trim (outbox_t *self, MDB_txn *txn, uint64_t keep_count, int64_t min_time_ms)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, self->events, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int deleted = 0;
    int rc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    //  bounded per call so trimming a huge backlog never stalls the loop
    while (rc == 0 && deleted < 10000) {
        uint64_t seq = store_u64_of (&key);
        bool over_count = self->last - seq + 1 > keep_count;
        bool too_old = false;
        if (!over_count && min_time_ms > 0) {
            msgpack_unpacked unpacked;
            envelope_t env;
            proto_error_t perr;
            if (envelope_decode (val.mv_data, val.mv_size, &unpacked, &env, &perr) == 0) {
                too_old = env.time_ms < min_time_ms;
                msgpack_unpacked_destroy (&unpacked);
            }
        }
        //  never trim what the relay has not sent yet, nor the newest event:
        //  it is what tells the next start where the sequence stands
        if ((!over_count && !too_old) || seq > self->published || seq >= self->last)
            break;
        if (mdb_cursor_del (cursor, 0) != 0) {
            mdb_cursor_close (cursor);
            return RM_ESTORE;
        }
        deleted++;
        rc = mdb_cursor_get (cursor, &key, &val, MDB_GET_CURRENT);
        if (rc == 0 && store_u64_of (&key) == seq)
            rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return deleted;
}
