//  outq: the durable outbound queue over a real LMDB store, with a fake
//  host (its send records calls and answers as told; its clocks move by
//  hand): performed only once committed, sent after a restart when a crash
//  came between the commit and the send, retried with capped backoff and
//  jitter, dead-lettered by count or age, re-driven once fixed, dropped.
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "jsonmp.h"
#include "outq.h"
#include "store.h"
#include "txnhost.h"
#include <stdlib.h>
#include <string.h>

static const char *s_dbs[] = {"_outq", NULL};

typedef enum { ANSWER_OK, ANSWER_FAIL, ANSWER_LATER } answer_t;

typedef struct {
    store_t *store;
    outq_t *queue;
    txnhost_t txns;
    int64_t mono, unix_ms;
    answer_t answer;
    int sent;                      //  attempts the fake peer saw
    uint64_t last_id;
    char last_op[64], last_peer[32], last_cid[64], last_caller[64], last_body[128];
    int watched, watch_err;
} fixture_t;

static int
s_send (void *ctx, outq_t *queue, uint64_t id, const outq_action_t *action)
{
    fixture_t *f = (fixture_t *) ctx;
    f->sent++;
    f->last_id = id;
    snprintf (f->last_op, sizeof f->last_op, "%s", action->op);
    snprintf (f->last_peer, sizeof f->last_peer, "%s", action->peer);
    snprintf (f->last_cid, sizeof f->last_cid, "%s", action->cid);
    snprintf (f->last_caller, sizeof f->last_caller, "%s", action->caller ? action->caller : "");
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    f->last_body[0] = '\0';
    if (msgpack_unpack_next (&unpacked, action->body, action->body_len, NULL) == MSGPACK_UNPACK_SUCCESS)
        mp_get_str (&unpacked.data, "order_id", f->last_body, sizeof f->last_body);
    msgpack_unpacked_destroy (&unpacked);
    if (f->answer == ANSWER_OK)
        return outq_done (queue, id, 0, NULL);
    if (f->answer == ANSWER_FAIL)
        return outq_done (queue, id, RM_EUNAVAIL, "peer down");
    return 0;
}

static int
s_write (void *ctx, int (*fn) (MDB_txn *txn, void *arg), void *arg)
{
    return txnhost_write (&((fixture_t *) ctx)->txns, fn, arg);
}

static int
s_read (void *ctx, MDB_txn **txn)
{
    return txnhost_read (&((fixture_t *) ctx)->txns, txn);
}

static int64_t s_mono (void *ctx) { return ((fixture_t *) ctx)->mono; }
static int64_t s_unix (void *ctx) { return ((fixture_t *) ctx)->unix_ms; }

static const outq_opts_t s_opts = {.max_attempts = 6, .max_age_ms = 3600000, .backoff_ms = 100, .backoff_max_ms = 400};

static void
s_open (fixture_t *f, const char *dir, const outq_opts_t *opts)
{
    store_opts_t sopts = {.dir = dir, .map_size = 16u << 20, .schema_version = 1, .dbs = s_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&sopts, &f->store), 0);
    f->txns = (txnhost_t) {f->store, NULL};
    outq_host_t host = {f, s_send, s_write, s_read, s_mono, s_unix};
    CHECK_EQ_INT (outq_new (&host, opts, store_dbi (f->store, 0), &f->queue), 0);
}

static void
s_close (fixture_t *f)
{
    outq_destroy (&f->queue);
    txnhost_close (&f->txns);
    store_close (&f->store);
}

//  Queues a release call in a transaction that commits, or not.
static uint64_t
s_push (fixture_t *f, const char *order_id, bool commit)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_kv_str (&pk, "order_id", order_id);
    outq_action_t action = {OUTQ_CALL, "inventory", "inventory.release", "cid-7", "", body.data, body.size, "key-7"};
    MDB_txn *txn = NULL;
    uint64_t id = 0;
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    CHECK_EQ_INT (outq_push (f->queue, txn, &action, &id), 0);
    if (commit)
        CHECK_EQ_INT (store_commit (&txn), 0);
    else
        store_abort (&txn);
    msgpack_sbuffer_destroy (&body);
    return id;
}

//  sys.health's outbound map, as JSON.
static json_t *
s_status (fixture_t *f)
{
    MDB_txn *txn;
    CHECK_EQ_INT (s_read (f, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    core_outbound_status_t outbound;
    outq_status (f->queue, txn, &outbound);
    record_pack (core_outbound_status_fields, &outbound, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    json_t *status = NULL;
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS)
        status = jsonmp_show (&unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return status ? status : json_object ();
}

static int64_t
s_field (fixture_t *f, const char *key)
{
    json_t *status = s_status (f);
    int64_t value = json_integer_value (json_object_get (status, key));
    json_decref (status);
    return value;
}

static void
s_watch (void *arg, int err, const char *message)
{
    fixture_t *f = (fixture_t *) arg;
    (void) message;
    f->watched++;
    f->watch_err = err;
}

//  Committed: performed at the next run, removed once it succeeded.
//  Rolled back: never performed, and a watcher hears not_found.
static void
s_test_after_commit (const char *dir)
{
    fixture_t f = {.mono = 1000, .unix_ms = 1767225600000};
    s_open (&f, dir, &s_opts);
    uint64_t id = s_push (&f, "order-a", true);
    CHECK (id > 0);
    CHECK_EQ_INT (s_field (&f, "depth"), 1);
    CHECK_EQ_INT (outq_next_due (f.queue), 1000);
    f.answer = ANSWER_LATER;
    CHECK_EQ_INT (outq_watch (f.queue, id, s_watch, &f), 0);
    CHECK_EQ_INT (outq_watch (f.queue, id, s_watch, &f), RM_EBUSY);
    CHECK_EQ_INT (outq_run (f.queue), 1);
    CHECK_EQ_INT (f.sent, 1);
    CHECK_STR (f.last_op, "inventory.release");
    CHECK_STR (f.last_peer, "inventory");
    CHECK_STR (f.last_cid, "cid-7");
    CHECK_STR (f.last_caller, "key-7");
    CHECK_STR (f.last_body, "order-a");
    CHECK_EQ_INT (s_field (&f, "in_flight"), 1);
    //  in flight: not sent again however often the loop turns
    f.mono += 10000;
    CHECK_EQ_INT (outq_run (f.queue), 0);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    CHECK_EQ_INT (outq_done (f.queue, id, 0, NULL), 0);
    CHECK_EQ_INT (outq_done (f.queue, id, 0, NULL), RM_ENOTFOUND);
    CHECK_EQ_INT (f.watched, 1);
    CHECK_EQ_INT (f.watch_err, 0);
    CHECK_EQ_INT (s_field (&f, "depth"), 0);
    CHECK_EQ_INT (s_field (&f, "sent"), 1);

    uint64_t lost = s_push (&f, "order-b", false);
    CHECK (lost > id);
    CHECK_EQ_INT (outq_watch (f.queue, lost, s_watch, &f), 0);
    CHECK_EQ_INT (outq_run (f.queue), 0);
    CHECK_EQ_INT (f.sent, 1);
    CHECK_EQ_INT (f.watched, 2);
    CHECK_EQ_INT (f.watch_err, RM_ENOTFOUND);
    CHECK_EQ_INT (s_field (&f, "depth"), 0);
    //  an id is not reused after a rollback
    CHECK (s_push (&f, "order-c", true) > lost);
    f.answer = ANSWER_OK;
    CHECK_EQ_INT (outq_run (f.queue), 1);
    CHECK_EQ_INT (s_field (&f, "depth"), 0);
    s_close (&f);

    //  nothing was left in the store
    s_open (&f, dir, &s_opts);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    s_close (&f);
}

//  A crash after the commit and before the send (or during the call):
//  the action is sent after the restart, its failed attempts counted.
static void
s_test_restart (const char *dir)
{
    fixture_t f = {.mono = 1000, .unix_ms = 1767225600000, .answer = ANSWER_FAIL};
    s_open (&f, dir, &s_opts);
    uint64_t id = s_push (&f, "order-r", true);
    CHECK_EQ_INT (outq_run (f.queue), 1);
    s_close (&f);                  //  failed once, then "crashed" before the retry

    fixture_t g = {.mono = 5, .unix_ms = 1767225601000, .answer = ANSWER_LATER};
    s_open (&g, dir, &s_opts);
    CHECK_EQ_INT (s_field (&g, "depth"), 1);
    CHECK_EQ_INT (s_field (&g, "oldest_age_ms"), 1000);
    CHECK_EQ_INT (outq_next_due (g.queue), 5);
    CHECK_EQ_INT (outq_run (g.queue), 1);
    CHECK_EQ_INT (g.last_id, id);
    CHECK_STR (g.last_body, "order-r");
    CHECK_STR (g.last_caller, "key-7");
    s_close (&g);                  //  crashed while the call was in flight: sent again

    fixture_t h = {.mono = 7, .unix_ms = 1767225602000, .answer = ANSWER_OK};
    s_open (&h, dir, &s_opts);
    CHECK_EQ_INT (outq_run (h.queue), 1);
    CHECK_EQ_INT (h.last_id, id);
    CHECK_EQ_INT (s_field (&h, "depth"), 0);
    CHECK_EQ_INT (s_field (&h, "dead_letters"), 0);
    s_close (&h);
}

//  Runs the queue at the instant before the next attempt is due (nothing
//  happens) and at it (one attempt); returns the delay since `from`.
static int64_t
s_next_attempt (fixture_t *f, int64_t from)
{
    int64_t due = outq_next_due (f->queue);
    CHECK (due > from);
    int sent = f->sent;
    f->mono = due - 1;
    CHECK_EQ_INT (outq_run (f->queue), 0);
    f->mono = due;
    CHECK_EQ_INT (outq_run (f->queue), 1);
    CHECK_EQ_INT (f->sent, sent + 1);
    return due - from;
}

//  Failing: retried after delays in [d/2, d], d doubling from 100 ms up
//  to the 400 ms cap; after the 6th failure a dead letter, shown as one;
//  retried while still failing it stays; once fixed it is sent and gone.
static void
s_test_backoff_dead_redrive (const char *dir)
{
    fixture_t f = {.mono = 1000, .unix_ms = 1767225600000, .answer = ANSWER_FAIL};
    s_open (&f, dir, &s_opts);
    uint64_t id = s_push (&f, "order-d", true);
    CHECK_EQ_INT (outq_run (f.queue), 1);
    int64_t caps[] = {100, 200, 400, 400, 400};
    for (int i = 0; i < 5; i++) {
        int64_t delay = s_next_attempt (&f, f.mono);
        if (delay < caps[i] / 2 || delay > caps[i])
            fprintf (stderr, "retry %d came after %lld ms, expected %lld..%lld\n", i + 1, (long long) delay,
                     (long long) caps[i] / 2, (long long) caps[i]);
        CHECK (delay >= caps[i] / 2 && delay <= caps[i]);
    }
    CHECK_EQ_INT (f.sent, 6);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    CHECK_EQ_INT (s_field (&f, "depth"), 0);
    CHECK_EQ_INT (s_field (&f, "dead_letters"), 1);
    CHECK_EQ_INT (s_field (&f, "failed_attempts"), 6);

    MDB_txn *txn;
    CHECK_EQ_INT (s_read (&f, &txn), 0);
    CHECK_EQ_INT (outq_dlq_count (f.queue, txn, NULL), 1);
    CHECK_EQ_INT (outq_dlq_count (f.queue, txn, "inventory"), 1);
    CHECK_EQ_INT (outq_dlq_count (f.queue, txn, "pricing"), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (outq_dlq_show (f.queue, txn, "inventory", id, &pk), 0);
    CHECK_EQ_INT (outq_dlq_show (f.queue, txn, "pricing", id, &pk), RM_ENOTFOUND);
    CHECK_EQ_INT (outq_dlq_show (f.queue, txn, "inventory", id + 1, &pk), RM_ENOTFOUND);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    json_t *shown = jsonmp_show (&unpacked.data);
    CHECK_STR (json_string_value (json_object_get (shown, "queue")), "outbound");
    CHECK_STR (json_string_value (json_object_get (shown, "source")), "inventory");
    CHECK_STR (json_string_value (json_object_get (shown, "type")), "inventory.release");
    CHECK_STR (json_string_value (json_object_get (shown, "error")), "peer down");
    CHECK_EQ_INT (json_integer_value (json_object_get (shown, "seq")), id);
    CHECK_EQ_INT (json_integer_value (json_object_get (shown, "attempts")), 6);
    json_t *event = json_object_get (shown, "event");
    CHECK_STR (json_string_value (json_object_get (event, "op")), "inventory.release");
    CHECK_STR (json_string_value (json_object_get (json_object_get (event, "body"), "order_id")), "order-d");
    json_decref (shown);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    //  a dead letter is not performed again after a restart
    s_close (&f);
    s_open (&f, dir, &s_opts);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);

    //  re-driven while the cause is not fixed: one attempt, and it stays
    CHECK_EQ_INT (outq_dlq_retry (f.queue, "pricing", id, s_watch, &f), RM_ENOTFOUND);
    CHECK_EQ_INT (outq_dlq_retry (f.queue, "inventory", id, s_watch, &f), 0);
    CHECK_EQ_INT (outq_dlq_retry (f.queue, "inventory", id, s_watch, &f), RM_EBUSY);
    CHECK_EQ_INT (outq_dlq_drop (f.queue, "inventory", id), RM_EBUSY);
    int sent = f.sent;
    CHECK_EQ_INT (outq_run (f.queue), 1);
    CHECK_EQ_INT (f.sent, sent + 1);
    CHECK_EQ_INT (f.watched, 1);
    CHECK_EQ_INT (f.watch_err, RM_EUNAVAIL);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    CHECK_EQ_INT (s_field (&f, "dead_letters"), 1);

    //  fixed: re-driven, sent, removed
    f.answer = ANSWER_OK;
    CHECK_EQ_INT (outq_dlq_retry (f.queue, "inventory", id, s_watch, &f), 0);
    CHECK_EQ_INT (outq_run (f.queue), 1);
    CHECK_EQ_INT (f.watched, 2);
    CHECK_EQ_INT (f.watch_err, 0);
    CHECK_EQ_INT (s_field (&f, "dead_letters"), 0);
    CHECK_EQ_INT (outq_dlq_retry (f.queue, "inventory", id, s_watch, &f), RM_ENOTFOUND);
    s_close (&f);
}

//  Past the age bound, one more failure makes a dead letter at once;
//  drop removes it without performing it.
static void
s_test_age_and_drop (const char *dir)
{
    outq_opts_t opts = s_opts;
    opts.max_age_ms = 60000;
    fixture_t f = {.mono = 1000, .unix_ms = 1767225600000, .answer = ANSWER_FAIL};
    s_open (&f, dir, &opts);
    uint64_t id = s_push (&f, "order-e", true);
    CHECK_EQ_INT (outq_run (f.queue), 1);
    CHECK (outq_next_due (f.queue) > 0);
    f.unix_ms += 60000;
    s_next_attempt (&f, f.mono);
    CHECK_EQ_INT (f.sent, 2);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    CHECK_EQ_INT (s_field (&f, "dead_letters"), 1);
    CHECK_EQ_INT (outq_dlq_drop (f.queue, "pricing", id), RM_ENOTFOUND);
    CHECK_EQ_INT (outq_dlq_drop (f.queue, "inventory", id), 0);
    CHECK_EQ_INT (outq_dlq_drop (f.queue, "inventory", id), RM_ENOTFOUND);
    CHECK_EQ_INT (s_field (&f, "dead_letters"), 0);

    //  what cannot be queued is refused and writes nothing
    outq_action_t bad = {OUTQ_CALL, "inventory", "", "cid", "", "\x80", 1, NULL};
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (f.store, NULL, &txn), 0);
    CHECK_EQ_INT (outq_push (f.queue, txn, &bad, NULL), RM_EINVAL);
    bad.op = "inventory.release";
    bad.peer = NULL;
    CHECK_EQ_INT (outq_push (f.queue, txn, &bad, NULL), RM_EINVAL);
    bad.peer = "inventory";
    bad.kind = (outq_kind_t) 0;
    CHECK_EQ_INT (outq_push (f.queue, txn, &bad, NULL), RM_EINVAL);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (outq_next_due (f.queue), -1);
    s_close (&f);
}

int
main (int argc, char **argv)
{
    (void) argc;
    const char *names[] = {"after-commit", "restart", "backoff", "age"};
    void (*tests[]) (const char *) = {s_test_after_commit, s_test_restart, s_test_backoff_dead_redrive,
                                      s_test_age_and_drop};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        char prefix[64];
        snprintf (prefix, sizeof prefix, "retailmesh-outq-%s", names[i]);
        char *dir = harness_tmpdir (prefix);
        tests[i] (dir);
        harness_rmtree (dir);
        free (dir);
    }
    return harness_report (argv[0]);
}
