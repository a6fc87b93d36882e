//  orders' releases without sockets, on a real store with the outbound
//  queue and a fake peer: a rejected submission (nothing of it stored)
//  queues its release (nothing queued when the transaction is undone); an
//  accepted order releases nothing and a repeat sees it; pending orders a
//  store from before two-commit submissions holds are settled at start
//  into queued releases that survive a restart and are sent once; the
//  restart notice's body.
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "orders.h"
#include "release.h"
#include "txnhost.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static const char *const s_dbs[] = {"orders", "by_external", "by_idem", "releases", "history", "_outq", NULL};
enum { DB_OUTQ = 5 };

static store_t *s_store;
static orders_dbs_t s_orders;
static outq_t *s_queue;
static txnhost_t s_txns;

//  What the fake inventory was asked to release.
static int s_sent;
static char s_released[8][UUID_STR_LEN + 1];
static char s_cid[64];
static char s_caller[64];

static int
s_send (void *ctx, outq_t *queue, uint64_t id, const outq_action_t *action)
{
    (void) ctx;
    CHECK_STR (action->peer, "inventory");
    CHECK_STR (action->op, "inventory.release");
    snprintf (s_cid, sizeof s_cid, "%s", action->cid);
    snprintf (s_caller, sizeof s_caller, "%s", action->caller ? action->caller : "");
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    char order_id[UUID_STR_LEN + 1] = "";
    if (msgpack_unpack_next (&unpacked, action->body, action->body_len, NULL) == MSGPACK_UNPACK_SUCCESS)
        mp_get_str (&unpacked.data, "order_id", order_id, sizeof order_id);
    msgpack_unpacked_destroy (&unpacked);
    if (s_sent < 8)
        snprintf (s_released[s_sent], sizeof s_released[s_sent], "%s", order_id);
    s_sent++;
    return outq_done (queue, id, 0, NULL);
}

static int
s_write (void *ctx, int (*fn) (MDB_txn *txn, void *arg), void *arg)
{
    (void) ctx;
    return txnhost_write (&s_txns, fn, arg);
}

static int
s_read (void *ctx, MDB_txn **txn)
{
    (void) ctx;
    return txnhost_read (&s_txns, txn);
}

static void
s_open (const char *dir)
{
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = 1, .dbs = s_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_txns = (txnhost_t) {s_store, NULL};
    //  only the databases releases touch: this store has no others
    s_orders = (orders_dbs_t) {.orders = store_dbi (s_store, ORDERS_DB_ORDERS),
                               .by_external = store_dbi (s_store, ORDERS_DB_BY_EXTERNAL),
                               .by_idem = store_dbi (s_store, ORDERS_DB_BY_IDEM),
                               .releases = store_dbi (s_store, ORDERS_DB_RELEASES),
                               .history = store_dbi (s_store, ORDERS_DB_HISTORY)};
    outq_host_t host = {.send = s_send, .write = s_write, .read = s_read};
    outq_opts_t qopts = {.max_attempts = 5, .max_age_ms = 60000, .backoff_ms = 10, .backoff_max_ms = 100};
    CHECK_EQ_INT (outq_new (&host, &qopts, store_dbi (s_store, DB_OUTQ), &s_queue), 0);
}

static void
s_close (void)
{
    outq_destroy (&s_queue);
    txnhost_close (&s_txns);
    store_close (&s_store);
}

static void
s_order (msgpack_sbuffer *buf, const char *status, const char *external_id, const char *cid)
{
    msgpack_sbuffer_clear (buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    mp_pack_kv_str (&pk, "status", status);
    mp_pack_kv_str (&pk, "channel", "salesforce");
    mp_pack_kv_str (&pk, "external_id", external_id);
    mp_pack_kv_str (&pk, "idempotency_key", "");
    mp_pack_kv_str (&pk, "correlation_id", cid);
}

//  Stores the order with a status in its own committed transaction.
static void
s_store_order (const uint8_t id[16], const char *status, const char *external_id)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_order (&buf, status, external_id, "cid-saga");
    uint8_t hash[32] = {7};
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    CHECK_EQ_INT (orders_store (txn, &s_orders, id, hash, "salesforce", external_id, NULL, buf.data, buf.size), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    msgpack_sbuffer_destroy (&buf);
}

//  The status a repeat of the submission would see ("" when none).
static void
s_seen (const char *external_id, char *status, size_t size)
{
    uint8_t hash[32] = {7};
    MDB_txn *txn;
    orders_found_t found;
    CHECK_EQ_INT (s_read (NULL, &txn), 0);
    CHECK_EQ_INT (orders_find_submission (txn, &s_orders, "salesforce", external_id, NULL, hash, &found), 0);
    status[0] = '\0';
    if (found.found)
        orders_status (&found.order, status, size);
}

static uint64_t
s_reject (const uint8_t id[16], bool commit)
{
    MDB_txn *txn = NULL;
    uint64_t action = 0;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    CHECK_EQ_INT (orders_release_queue (s_queue, txn, id, "cid-saga", "key-saga", &action), 0);
    if (commit)
        CHECK_EQ_INT (store_commit (&txn), 0);
    else
        store_abort (&txn);
    return action;
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders-release");
    s_open (dir);
    char status[16], text[UUID_STR_LEN + 1];

    //  accepted: a repeat sees it; nothing to release
    uint8_t accepted[16];
    uuid_new (accepted);
    s_seen ("SF-OK", status, sizeof status);
    CHECK_STR (status, "");
    s_store_order (accepted, "accepted", "SF-OK");
    s_seen ("SF-OK", status, sizeof status);
    CHECK_STR (status, "accepted");
    CHECK_EQ_INT (outq_run (s_queue), 0);

    //  rejected after inventory held stock: release queued and sent once
    //  the transaction has committed
    uint8_t rejected[16];
    uuid_new (rejected);
    uuid_format (rejected, text);
    uint64_t action = s_reject (rejected, true);
    CHECK (action > 0);
    s_seen ("SF-NO", status, sizeof status);
    CHECK_STR (status, "");
    CHECK_EQ_INT (outq_run (s_queue), 1);
    CHECK_EQ_INT (s_sent, 1);
    CHECK_STR (s_released[0], text);
    CHECK_STR (s_cid, "cid-saga");
    CHECK_STR (s_caller, "key-saga");
    CHECK_EQ_INT (outq_run (s_queue), 0);

    //  a rejection whose transaction is undone releases nothing
    uint8_t undone[16];
    uuid_new (undone);
    CHECK (s_reject (undone, false) > action);
    CHECK_EQ_INT (outq_run (s_queue), 0);
    CHECK_EQ_INT (s_sent, 1);

    //  a store written before submissions stopped storing pending orders
    //  holds one: start-up settles it into a queued release in one
    //  transaction; it survives another crash before the send and is sent
    //  once after the restart
    s_store_order (undone, "pending", "SF-UNDONE");
    s_seen ("SF-UNDONE", status, sizeof status);
    CHECK_STR (status, "pending");
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    CHECK_EQ_INT (orders_settle_pending (txn, &s_orders), 1);
    CHECK_EQ_INT (orders_releases_queue (txn, &s_orders, s_queue), 1);
    CHECK_EQ_INT (store_commit (&txn), 0);
    MDB_val mark;
    CHECK_EQ_INT (s_read (NULL, &txn), 0);
    CHECK_EQ_INT (store_get (txn, s_orders.releases, undone, 16, &mark), RM_ENOTFOUND);
    s_seen ("SF-UNDONE", status, sizeof status);
    CHECK_STR (status, "");
    s_seen ("SF-OK", status, sizeof status);
    CHECK_STR (status, "accepted");
    s_close ();

    s_open (dir);
    CHECK_EQ_INT (outq_run (s_queue), 1);
    CHECK_EQ_INT (s_sent, 2);
    uuid_format (undone, text);
    CHECK_STR (s_released[1], text);
    s_close ();
    s_open (dir);
    CHECK_EQ_INT (outq_run (s_queue), 0);
    //  a second start-up finds nothing more to settle
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    CHECK_EQ_INT (orders_settle_pending (txn, &s_orders), 0);
    CHECK_EQ_INT (orders_releases_queue (txn, &s_orders, s_queue), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (outq_run (s_queue), 0);


    //  the restart notice names when orders started, as the catalogue says
    msgpack_sbuffer notice;
    msgpack_sbuffer_init (&notice);
    orders_restarted_body (&notice, 1700000000000);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int64_t started_at = 0;
    CHECK (msgpack_unpack_next (&unpacked, notice.data, notice.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK_EQ_INT (mp_get_int (&unpacked.data, "started_at", &started_at), 0);
    CHECK_EQ_INT (started_at, 1700000000000);
    CHECK_EQ_INT ((int) unpacked.data.via.map.size, 1);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&notice);
    s_close ();
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
