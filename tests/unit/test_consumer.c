//  consumer, through its host interface and without a service: gaps are
//  filled with events.since, duplicates are dropped, a failing event is
//  retried with backoff and dead-lettered after a bounded number of
//  attempts (then retried from the dead-letter store), a business
//  rejection is not retried, and a consumer behind the source's retention
//  stalls until it is replayed. The test is the host: its own store, a
//  clock it moves by hand, an XPUB socket standing in for the source's PUB,
//  and events.since answered by the test itself.
#include "consumer.h"
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "store.h"
#include "txnhost.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

#define SOURCE "unit"
#define MAX_ATTEMPTS 3
#define BACKOFF_MS 100
#define PAGE 50
#define WAIT_MS 2000

static const char *s_dbs[] = {"positions", "dlq", "effects", NULL};
enum { DB_POSITIONS, DB_DLQ, DB_EFFECTS };
static const char *const s_types[] = {"unit.thing.done", "unit.thing.failed", "unit.thing.refused", NULL};

typedef struct {
    char *dir;
    store_t *store;
    zsock_t *pub;
    consumer_t *consumer;
    consumer_def_t def;
    int64_t now_ms, mono_ms;        //  the host's clocks, moved by the test
    bool failing;                   //  unit.thing.failed cannot be applied yet
    int handler_calls;
    //  the one events.since in flight, answered by s_answer_*
    rpc_client_fn *pending_fn;
    void *pending_arg;
    int64_t asked_from, asked_max;
    int calls;
} fixture_t;

//  The effect of an event: a row keyed by its sequence number, written in
//  the consumer's transaction, so it commits with the position or not at all.
static int
s_apply (void *host, MDB_txn *txn, const envelope_t *event)
{
    fixture_t *f = (fixture_t *) host;
    f->handler_calls++;
    if (strcmp (event->type, "unit.thing.failed") == 0 && f->failing)
        return RM_EUNAVAIL;
    if (strcmp (event->type, "unit.thing.refused") == 0)
        return RM_ECONFLICT;
    uint8_t key[8];
    store_key_u64 (event->seq, key);
    return store_put (txn, store_dbi (f->store, DB_EFFECTS), key, 8, "", 0, 0);
}

static int
s_host_write (void *arg, consumer_write_fn *fn, void *fn_arg)
{
    fixture_t *f = (fixture_t *) arg;
    txnhost_t txns = {.store = f->store};
    return txnhost_write (&txns, fn, fn_arg);
}

static int
s_host_call (void *arg, const char *source, const char *op, const char *body, size_t body_len,
             rpc_client_fn *fn, void *fn_arg)
{
    fixture_t *f = (fixture_t *) arg;
    CHECK_STR (source, SOURCE);
    CHECK_STR (op, "events.since");
    CHECK (f->pending_fn == NULL);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, body, body_len, NULL) == MSGPACK_UNPACK_SUCCESS);
    f->asked_from = f->asked_max = -1;
    mp_get_int (&unpacked.data, "from", &f->asked_from);
    mp_get_int (&unpacked.data, "max", &f->asked_max);
    msgpack_unpacked_destroy (&unpacked);
    f->pending_fn = fn;
    f->pending_arg = fn_arg;
    f->calls++;
    return 0;
}

//  Bounded wait for a socket to have input.
static bool
s_readable (zsock_t *sock)
{
    zmq_pollitem_t item = {zsock_resolve (sock), 0, ZMQ_POLLIN, 0};
    return zmq_poll (&item, 1, WAIT_MS) == 1;
}

static int64_t s_host_now (void *arg) { return ((fixture_t *) arg)->now_ms; }
static int64_t s_host_mono (void *arg) { return ((fixture_t *) arg)->mono_ms; }

static void
s_open (fixture_t *f, int index)
{
    memset (f, 0, sizeof *f);
    f->dir = harness_tmpdir ("consumer");
    f->now_ms = 1700000000000;
    f->mono_ms = 5000;
    f->failing = true;
    store_opts_t opts = {.dir = f->dir, .map_size = 16u << 20, .schema_version = 1, .dbs = s_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &f->store), 0);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://consumer-unit-%d", index);
    f->pub = zsock_new (ZMQ_XPUB);
    CHECK (f->pub && zsock_bind (f->pub, "%s", endpoint) == 0);
    f->def = (consumer_def_t) {SOURCE, s_types, s_apply};
    consumer_host_t host = {f, "unittest", f->store, s_host_write, s_host_call, s_host_now, s_host_mono};
    consumer_opts_t opts_c = {MAX_ATTEMPTS, BACKOFF_MS, 1000, PAGE};
    CHECK_EQ_INT (consumer_new (&host, &f->def, &opts_c, endpoint, store_dbi (f->store, DB_POSITIONS),
                                store_dbi (f->store, DB_DLQ), &f->consumer), 0);
    //  the XPUB hears the subscription, so no live event is sent before it
    CHECK (s_readable (f->pub));
    zframe_t *sub = zframe_recv (f->pub);
    CHECK (sub && zframe_size (sub) > 1 && zframe_data (sub)[0] == 1);
    zframe_destroy (&sub);
}

static void
s_close (fixture_t *f)
{
    consumer_destroy (&f->consumer);
    CHECK (f->consumer == NULL);
    zsock_destroy (&f->pub);
    store_close (&f->store);
    harness_rmtree (f->dir);
    free (f->dir);
}

static void
s_pack_event (msgpack_packer *pk, uint64_t seq, const char *type)
{
    envelope_t ev;
    memset (&ev, 0, sizeof ev);
    ev.kind = ENVELOPE_EVENT;
    ev.version = PROTO_VERSION;
    snprintf (ev.type, sizeof ev.type, "%s", type);
    uuid_new_str (ev.id);
    snprintf (ev.cid, sizeof ev.cid, "cid-%llu", (unsigned long long) seq);
    snprintf (ev.source, sizeof ev.source, SOURCE);
    ev.seq = seq;
    ev.time_ms = 1700000000000 + (int64_t) seq;
    envelope_pack_header (pk, &ev);
    msgpack_pack_map (pk, 1);
    mp_pack_kv_int (pk, "n", (int64_t) seq);
}

//  Publishes one live event (or heartbeat: its type is its topic) and
//  lets the consumer read it.
static void
s_live (fixture_t *f, uint64_t seq, const char *type)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    s_pack_event (&pk, seq, type);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, type);
    zmsg_addmem (msg, buf.data, buf.size);
    CHECK_EQ_INT (zmsg_send (&msg, f->pub), 0);
    msgpack_sbuffer_destroy (&buf);
    CHECK (s_readable (consumer_socket (f->consumer)));
    consumer_handle (f->consumer);
}

//  Starts the reply to the events.since in flight: its envelope header,
//  after which the caller packs the body.
static void
s_reply_begin (msgpack_sbuffer *buf, msgpack_packer *pk, bool ok)
{
    envelope_t req, rep;
    envelope_init_request (&req, "events.since", "cid-since", NULL, 0);
    envelope_init_reply (&rep, &req, ok);
    msgpack_sbuffer_init (buf);
    msgpack_packer_init (pk, buf, msgpack_sbuffer_write);
    envelope_pack_header (pk, &rep);
}

//  Hands the packed reply to the consumer's callback, as the loop would.
static void
s_reply_send (fixture_t *f, msgpack_sbuffer *buf)
{
    msgpack_unpacked unpacked;
    envelope_t decoded;
    proto_error_t perr;
    CHECK_EQ_INT (envelope_decode (buf->data, buf->size, &unpacked, &decoded, &perr), 0);
    CHECK (f->pending_fn != NULL);
    rpc_client_fn *fn = f->pending_fn;
    f->pending_fn = NULL;
    if (fn)
        fn (f->pending_arg, 0, &decoded);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (buf);
}

//  Answers the events.since in flight with events first..last (none when
//  first is 0) and the source's last sequence number.
static void
s_answer_page (fixture_t *f, uint64_t first, uint64_t last, uint64_t source_last)
{
    msgpack_sbuffer buf;
    msgpack_packer pk;
    s_reply_begin (&buf, &pk, true);
    msgpack_pack_map (&pk, 2);
    mp_pack_str (&pk, "events");
    msgpack_pack_array (&pk, first && last >= first ? (uint32_t) (last - first + 1) : 0);
    for (uint64_t seq = first; first && seq <= last; seq++)
        s_pack_event (&pk, seq, "unit.thing.done");
    mp_pack_kv_int (&pk, "last_seq", (int64_t) source_last);
    s_reply_send (f, &buf);
}

//  Answers the events.since in flight with an error of code err.
static void
s_answer_error (fixture_t *f, int err, const char *message)
{
    msgpack_sbuffer buf;
    msgpack_packer pk;
    s_reply_begin (&buf, &pk, false);
    envelope_pack_error_body (&pk, err, "/from", message, 0);
    s_reply_send (f, &buf);
}

//  The first tick asks from #1 even though nothing is known yet; the
//  source has nothing.
static void
s_start (fixture_t *f)
{
    consumer_tick (f->consumer);
    CHECK_EQ_INT (f->calls, 1);
    CHECK_EQ_INT (f->asked_from, 1);
    CHECK_EQ_INT (f->asked_max, PAGE);
    s_answer_page (f, 0, 0, 0);
}

//  Reads one field of consumer_status, as sys.health packs it.
static int64_t
s_status (fixture_t *f, const char *key)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    core_consumer_status_t status;
    consumer_status (f->consumer, &status);
    record_pack (core_consumer_status_fields, &status, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int64_t value = -1;
    bool flag = false;
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        if (mp_get_int (&unpacked.data, key, &value) != 0 && mp_get_bool (&unpacked.data, key, &flag) == 0)
            value = flag;
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return value;
}

//  The effects committed, as a list of sequence numbers in key order.
static int
s_effects (fixture_t *f, uint64_t *seqs, int max)
{
    MDB_txn *txn;
    CHECK_EQ_INT (store_read_begin (f->store, &txn), 0);
    MDB_cursor *cursor;
    CHECK_EQ_INT (mdb_cursor_open (txn, store_dbi (f->store, DB_EFFECTS), &cursor), 0);
    MDB_val key, val;
    int n = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && n < max;
         rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
        seqs[n++] = store_u64_of (&key);
    mdb_cursor_close (cursor);
    store_abort (&txn);
    return n;
}

static void
test_gap_fill (void)
{
    fixture_t f;
    s_open (&f, 1);
    s_start (&f);
    s_live (&f, 1, "unit.thing.done");
    CHECK_EQ_INT (s_status (&f, "position"), 1);

    //  #2 is lost on the wire: #3 shows the gap and starts a fetch from #2
    s_live (&f, 3, "unit.thing.done");
    CHECK_EQ_INT (s_status (&f, "gaps"), 1);
    CHECK_EQ_INT (s_status (&f, "position"), 1);
    CHECK_EQ_INT (f.calls, 2);
    CHECK_EQ_INT (f.asked_from, 2);
    //  live events while the fetch is in flight wait for it
    s_live (&f, 4, "unit.thing.done");
    CHECK_EQ_INT (s_status (&f, "position"), 1);
    CHECK_EQ_INT (s_status (&f, "source_last_seq"), 4);
    CHECK_EQ_INT (s_status (&f, "lag"), 3);

    //  a short page: the consumer asks for the rest by itself
    s_answer_page (&f, 2, 3, 4);
    CHECK_EQ_INT (s_status (&f, "position"), 3);
    CHECK_EQ_INT (f.calls, 3);
    CHECK_EQ_INT (f.asked_from, 4);
    s_answer_page (&f, 4, 4, 4);
    CHECK_EQ_INT (s_status (&f, "position"), 4);
    CHECK_EQ_INT (s_status (&f, "lag"), 0);
    CHECK_EQ_INT (s_status (&f, "applied"), 4);
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.calls, 3);

    uint64_t seqs[8];
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 4);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT (seqs[i], i + 1);
    //  the position was committed with the effects
    consumer_reload (f.consumer);
    CHECK_EQ_INT (s_status (&f, "position"), 4);
    s_close (&f);
}

//  A heartbeat saying the source has events up to seq.
static void
s_heartbeat (fixture_t *f, uint64_t seq)
{
    s_live (f, seq, SOURCE "._heartbeat");
}

//  When the consumer was last known to be caught up: never at first; each
//  time the source's heartbeat, event or page finds it so; not while it is
//  behind, however often the source speaks.
static void
test_caught_up_at (void)
{
    fixture_t f;
    s_open (&f, 6);
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), 0);
    s_start (&f);
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), f.now_ms);
    f.now_ms += 1000;
    s_live (&f, 1, "unit.thing.done");
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), f.now_ms);
    f.now_ms += 1000;
    s_heartbeat (&f, 1);
    int64_t caught = f.now_ms;
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), caught);
    //  behind: #2 is missing
    f.now_ms += 1000;
    s_heartbeat (&f, 2);
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), caught);
    f.now_ms += 1000;
    s_live (&f, 3, "unit.thing.done");
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), caught);
    //  the page brings it level
    f.now_ms += 1000;
    s_answer_page (&f, 2, 3, 3);
    CHECK_EQ_INT (s_status (&f, "position"), 3);
    CHECK_EQ_INT (consumer_caught_up_at (f.consumer), f.now_ms);
    s_close (&f);
}

static void
test_duplicates (void)
{
    fixture_t f;
    s_open (&f, 2);
    s_start (&f);
    s_live (&f, 1, "unit.thing.done");
    s_live (&f, 1, "unit.thing.done");
    CHECK_EQ_INT (s_status (&f, "duplicates"), 1);
    CHECK_EQ_INT (s_status (&f, "applied"), 1);

    //  a fetched page that overlaps what was applied live
    s_live (&f, 3, "unit.thing.done");
    CHECK_EQ_INT (f.asked_from, 2);
    s_answer_page (&f, 1, 3, 3);
    CHECK_EQ_INT (s_status (&f, "duplicates"), 2);
    CHECK_EQ_INT (s_status (&f, "applied"), 3);
    //  and the live copy of an event that came through the fetch
    s_live (&f, 2, "unit.thing.done");
    CHECK_EQ_INT (s_status (&f, "duplicates"), 3);
    CHECK_EQ_INT (s_status (&f, "position"), 3);
    CHECK_EQ_INT (f.handler_calls, 3);

    uint64_t seqs[8];
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 3);
    s_close (&f);
}

//  Events of other types move the position without a write: the stored
//  position stays until an event handled commits it, and one read back
//  before then skips the others again.
static void
test_others_cost_no_write (void)
{
    fixture_t f;
    s_open (&f, 5);
    s_start (&f);
    s_live (&f, 1, "unit.thing.done");
    s_live (&f, 2, "unit.other.thing");
    s_live (&f, 3, "unit.other.thing");
    CHECK_EQ_INT (s_status (&f, "position"), 3);
    CHECK_EQ_INT (f.handler_calls, 1);
    consumer_reload (f.consumer);
    CHECK_EQ_INT (s_status (&f, "position"), 1);
    //  the next live event shows the gap; the fetch skips #2 and #3 again
    s_live (&f, 4, "unit.thing.done");
    CHECK_EQ_INT (f.asked_from, 2);
    msgpack_sbuffer buf;
    msgpack_packer pk;
    s_reply_begin (&buf, &pk, true);
    msgpack_pack_map (&pk, 2);
    mp_pack_str (&pk, "events");
    msgpack_pack_array (&pk, 3);
    s_pack_event (&pk, 2, "unit.other.thing");
    s_pack_event (&pk, 3, "unit.other.thing");
    s_pack_event (&pk, 4, "unit.thing.done");
    mp_pack_kv_int (&pk, "last_seq", 4);
    s_reply_send (&f, &buf);
    CHECK_EQ_INT (s_status (&f, "position"), 4);
    CHECK_EQ_INT (f.handler_calls, 2);
    consumer_reload (f.consumer);
    CHECK_EQ_INT (s_status (&f, "position"), 4);
    uint64_t seqs[8];
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 2);
    s_close (&f);
}

//  Reads a dead letter through consumer_dlq_show; its event must be #seq.
static void
s_dead_letter (fixture_t *f, uint64_t seq, int64_t *attempts, int64_t *failed_at, char *error, size_t size)
{
    MDB_txn *txn;
    CHECK_EQ_INT (store_read_begin (f->store, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (consumer_dlq_show (f->consumer, txn, seq, &pk), 0);
    store_abort (&txn);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK_EQ_INT (mp_get_int (&unpacked.data, "attempts", attempts), 0);
    CHECK_EQ_INT (mp_get_int (&unpacked.data, "failed_at", failed_at), 0);
    CHECK_EQ_INT (mp_get_str (&unpacked.data, "error", error, size), 0);
    const msgpack_object *event = mp_get (&unpacked.data, "event");
    int64_t event_seq = 0;
    CHECK (event && mp_get_int (event, "seq", &event_seq) == 0 && event_seq == (int64_t) seq);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

static uint32_t
s_dlq_count (fixture_t *f)
{
    MDB_txn *txn;
    CHECK_EQ_INT (store_read_begin (f->store, &txn), 0);
    uint32_t count = consumer_dlq_count (f->consumer, txn);
    store_abort (&txn);
    return count;
}

static void
test_dead_letter (void)
{
    fixture_t f;
    s_open (&f, 3);
    s_start (&f);
    s_live (&f, 1, "unit.thing.failed");
    CHECK_EQ_INT (f.handler_calls, 1);
    CHECK_EQ_INT (s_status (&f, "position"), 0);
    //  the stream waits behind the failing event, so order holds
    s_live (&f, 2, "unit.thing.done");
    CHECK_EQ_INT (f.handler_calls, 1);

    //  retries come after the backoff, doubled each time, and not before
    f.mono_ms += BACKOFF_MS - 1;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.handler_calls, 1);
    f.mono_ms += 1;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.handler_calls, 2);
    f.mono_ms += 2 * BACKOFF_MS - 1;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.handler_calls, 2);
    CHECK_EQ_INT (s_dlq_count (&f), 0);
    f.mono_ms += 1;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.handler_calls, MAX_ATTEMPTS);

    //  after the last attempt it is dead-lettered and the stream moves on
    CHECK_EQ_INT (s_status (&f, "dead_letters"), 1);
    CHECK_EQ_INT (s_status (&f, "position"), 1);
    CHECK_EQ_INT (s_dlq_count (&f), 1);
    int64_t attempts = 0, failed_at = 0;
    char error[128] = "";
    s_dead_letter (&f, 1, &attempts, &failed_at, error, sizeof error);
    CHECK_EQ_INT (attempts, MAX_ATTEMPTS);
    CHECK_EQ_INT (failed_at, f.now_ms);
    CHECK_STR (error, rm_strerror (RM_EUNAVAIL));
    uint64_t seqs[8];
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 0);
    //  #2, skipped while #1 was retried, is fetched again
    CHECK_EQ_INT (f.asked_from, 2);
    s_answer_page (&f, 2, 2, 2);
    CHECK_EQ_INT (s_status (&f, "position"), 2);
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 1);
    CHECK_EQ_INT (seqs[0], 2);

    //  re-driving it while it still fails keeps it; once fixed it applies
    char why[128];
    CHECK_EQ_INT (consumer_dlq_retry (f.consumer, 1, why, sizeof why), RM_EUNAVAIL);
    CHECK_STR (why, rm_strerror (RM_EUNAVAIL));
    CHECK_EQ_INT (s_dlq_count (&f), 1);
    f.failing = false;
    CHECK_EQ_INT (consumer_dlq_retry (f.consumer, 1, why, sizeof why), 0);
    CHECK_EQ_INT (s_dlq_count (&f), 0);
    CHECK_EQ_INT (s_effects (&f, seqs, 8), 2);
    CHECK_EQ_INT (consumer_dlq_retry (f.consumer, 1, why, sizeof why), RM_ENOTFOUND);

    //  a business rejection is settled at once: skipped, never retried
    int calls = f.handler_calls;
    s_live (&f, 3, "unit.thing.refused");
    CHECK_EQ_INT (f.handler_calls, calls + 1);
    CHECK_EQ_INT (s_status (&f, "rejected"), 1);
    CHECK_EQ_INT (s_status (&f, "position"), 3);
    f.mono_ms += 100 * BACKOFF_MS;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.handler_calls, calls + 1);
    CHECK_EQ_INT (s_dlq_count (&f), 0);
    s_close (&f);
}

static void
test_stall_behind_retention (void)
{
    fixture_t f;
    s_open (&f, 4);
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.asked_from, 1);
    s_answer_error (&f, RM_EGONE, "events before #5 are no longer kept");
    CHECK_EQ_INT (s_status (&f, "stalled"), 1);

    //  stalled: neither live events nor ticks move it, nothing is asked
    s_live (&f, 6, "unit.thing.done");
    f.mono_ms += 100000;
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.calls, 1);
    CHECK_EQ_INT (s_status (&f, "position"), 0);
    CHECK_EQ_INT (f.handler_calls, 0);

    //  an operator replays from what the source still has
    CHECK_EQ_INT (consumer_replay (f.consumer, 5), 0);
    CHECK_EQ_INT (s_status (&f, "stalled"), 0);
    CHECK_EQ_INT (f.calls, 2);
    CHECK_EQ_INT (f.asked_from, 5);
    s_answer_page (&f, 5, 6, 6);
    CHECK_EQ_INT (s_status (&f, "position"), 6);
    CHECK_EQ_INT (s_status (&f, "applied"), 2);
    consumer_reload (f.consumer);
    CHECK_EQ_INT (s_status (&f, "position"), 6);

    //  a source that cannot be reached is not a stall: the next tick asks again
    s_live (&f, 8, "unit.thing.done");
    CHECK_EQ_INT (f.calls, 3);
    rpc_client_fn *fn = f.pending_fn;
    f.pending_fn = NULL;
    fn (f.pending_arg, RM_ETIMEOUT, NULL);
    CHECK_EQ_INT (s_status (&f, "stalled"), 0);
    consumer_tick (f.consumer);
    CHECK_EQ_INT (f.calls, 4);
    CHECK_EQ_INT (f.asked_from, 7);
    s_close (&f);
}

int
main (void)
{
    test_gap_fill ();
    test_duplicates ();
    test_dead_letter ();
    test_stall_behind_retention ();
    test_others_cost_no_write ();
    test_caught_up_at ();
    return harness_report ("test_consumer");
}
