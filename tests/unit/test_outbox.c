//  outbox: sequence numbers, replay pages, retention, rollback, and the
//  relay resuming from its saved position after a reopen.
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "outbox.h"
#include "store.h"
#include <stdlib.h>
#include <string.h>

static const char *s_dbs[] = {"_events", "_positions", NULL};

typedef struct {
    store_t *store;
    outbox_t *outbox;
    zsock_t *pub;
    zsock_t *sub;
} fixture_t;

static void
s_open (fixture_t *f, const char *dir)
{
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = 1, .dbs = s_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &f->store), 0);
    CHECK_EQ_INT (outbox_new (store_env (f->store), store_dbi (f->store, 0), store_dbi (f->store, 1), "unit",
                              &f->outbox), 0);
}

static void
s_close (fixture_t *f)
{
    outbox_destroy (&f->outbox);
    store_close (&f->store);
}

//  Appends n events in one committed transaction; returns the last seq.
static uint64_t
s_append (fixture_t *f, int n, bool commit)
{
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    uint64_t mark = outbox_mark (f->outbox), seq = 0;
    for (int i = 0; i < n; i++) {
        msgpack_sbuffer body;
        msgpack_sbuffer_init (&body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, 1);
        mp_pack_kv_int (&pk, "n", i);
        CHECK_EQ_INT (outbox_append (f->outbox, txn, "unit.thing.done", "cid-1", NULL, body.data, body.size, &seq), 0);
        msgpack_sbuffer_destroy (&body);
    }
    if (commit)
        CHECK_EQ_INT (store_commit (&txn), 0);
    else {
        store_abort (&txn);
        outbox_rollback (f->outbox, mark);
    }
    return seq;
}

//  events.since as a client sees it: first, last and the seqs returned.
static int
s_since (fixture_t *f, uint64_t from, uint32_t max, int64_t *first, int64_t *last, uint64_t *seqs)
{
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_read_begin (f->store, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    int rc = outbox_since (f->outbox, txn, from, max, &pk);
    store_abort (&txn);
    int count = -1;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (rc == 0 && msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        mp_get_int (&unpacked.data, "first_seq", first);
        mp_get_int (&unpacked.data, "last_seq", last);
        const msgpack_object_array *events = mp_get_array (&unpacked.data, "events");
        count = events ? (int) events->size : -1;
        for (int i = 0; i < count; i++) {
            int64_t seq = 0;
            const msgpack_object *s = mp_get (&events->ptr[i], "seq");
            CHECK (s && mp_int (s, &seq) == 0);
            CHECK (mp_str_eq (mp_get (&events->ptr[i], "source"), "unit"));
            seqs[i] = (uint64_t) seq;
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return rc == 0 ? count : rc;
}

static void
test_sequence_and_pages (fixture_t *f)
{
    CHECK_EQ_INT (s_append (f, 5, true), 5);
    //  an aborted transaction takes its numbers back
    s_append (f, 3, false);
    CHECK_EQ_INT (outbox_mark (f->outbox), 5);
    CHECK_EQ_INT (s_append (f, 5, true), 10);
    uint64_t seqs[16];
    int64_t first = 0, last = 0;
    CHECK_EQ_INT (s_since (f, 1, 4, &first, &last, seqs), 4);
    CHECK_EQ_INT (first, 1);
    CHECK_EQ_INT (last, 10);
    CHECK_EQ_INT (seqs[0], 1);
    CHECK_EQ_INT (seqs[3], 4);
    CHECK_EQ_INT (s_since (f, 9, 100, &first, &last, seqs), 2);
    CHECK_EQ_INT (seqs[1], 10);
    CHECK_EQ_INT (s_since (f, 11, 100, &first, &last, seqs), 0);
}

static void
test_relay_and_position (fixture_t *f, const char *dir)
{
    //  subscribe first: the relay sends what is committed, in order
    CHECK_EQ_INT (outbox_relay (f->outbox, f->pub, 4), 4);
    CHECK_EQ_INT (outbox_published (f->outbox), 4);
    CHECK_EQ_INT (outbox_relay (f->outbox, f->pub, 100), 6);
    for (uint64_t expected = 1; expected <= 10; expected++) {
        zmsg_t *msg = zmsg_recv (f->sub);
        CHECK (msg != NULL);
        if (!msg)
            break;
        msgpack_unpacked unpacked;
        envelope_t env;
        proto_error_t perr;
        zframe_t *data = zmsg_last (msg);
        CHECK_EQ_INT (envelope_decode (zframe_data (data), zframe_size (data), &unpacked, &env, &perr), 0);
        CHECK_EQ_INT (env.seq, expected);
        CHECK_STR (env.cid, "cid-1");
        msgpack_unpacked_destroy (&unpacked);
        zmsg_destroy (&msg);
    }
    //  the position saved with a later batch is where a restart resumes
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    CHECK_EQ_INT (outbox_save_position (f->outbox, txn), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    s_append (f, 2, true);
    s_close (f);
    s_open (f, dir);
    CHECK_EQ_INT (outbox_last_seq (f->outbox), 12);
    CHECK_EQ_INT (outbox_published (f->outbox), 10);
    CHECK_EQ_INT (outbox_relay (f->outbox, f->pub, 100), 2);
}

static void
test_retention (fixture_t *f)
{
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    CHECK_EQ_INT (outbox_trim (f->outbox, txn, 5, 0), 7);
    CHECK_EQ_INT (store_commit (&txn), 0);
    uint64_t seqs[16];
    int64_t first = 0, last = 0;
    CHECK_EQ_INT (s_since (f, 8, 100, &first, &last, seqs), 5);
    CHECK_EQ_INT (first, 8);
    CHECK_EQ_INT (s_since (f, 3, 100, &first, &last, seqs), RM_EGONE);
    //  by age: everything is older than tomorrow, but the newest is kept
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    CHECK_EQ_INT (outbox_trim (f->outbox, txn, 1000, clock_now_ms () + 86400000), 4);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (s_since (f, 12, 100, &first, &last, seqs), 1);
    CHECK_EQ_INT (seqs[0], 12);
    //  keeping nothing still keeps what is not yet published (13..15),
    //  and numbering goes on
    s_append (f, 3, true);
    CHECK_EQ_INT (store_write_begin (f->store, NULL, &txn), 0);
    CHECK_EQ_INT (outbox_trim (f->outbox, txn, 0, 0), 1);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (s_since (f, 13, 100, &first, &last, seqs), 3);
    CHECK_EQ_INT (first, 13);
    CHECK_EQ_INT (last, 15);
    CHECK_EQ_INT (s_since (f, 12, 100, &first, &last, seqs), RM_EGONE);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-outbox");
    fixture_t f = {0};
    int port = harness_free_port ();
    f.pub = zsock_new (ZMQ_PUB);
    f.sub = zsock_new (ZMQ_SUB);
    CHECK (zsock_bind (f.pub, "tcp://127.0.0.1:%d", port) == port);
    CHECK_EQ_INT (zsock_connect (f.sub, "tcp://127.0.0.1:%d", port), 0);
    zsock_set_subscribe (f.sub, "unit.");
    zsock_set_rcvtimeo (f.sub, 2000);
    //  let the subscription reach the publisher before anything is sent
    zclock_sleep (200);
    s_open (&f, dir);
    test_sequence_and_pages (&f);
    test_relay_and_position (&f, dir);
    test_retention (&f);
    s_close (&f);
    zsock_destroy (&f.sub);
    zsock_destroy (&f.pub);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
