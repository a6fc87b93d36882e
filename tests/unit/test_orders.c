//  orders: the order book's plain functions — store, find by external ID
//  and idempotency key, remove, settle what a crash left pending — on a
//  real LMDB store and without sockets.
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "orders.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static store_t *s_store;
static orders_dbs_t s_dbs;

//  A minimal packed order map with a status.
static void
s_order (msgpack_sbuffer *buf, const char *status, const char *external_id)
{
    msgpack_sbuffer_clear (buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    mp_pack_kv_str (&pk, "status", status);
    mp_pack_kv_str (&pk, "channel", "salesforce");
    mp_pack_kv_str (&pk, "external_id", external_id);
    mp_pack_kv_str (&pk, "idempotency_key", "");
    mp_pack_kv_str (&pk, "correlation_id", "cid-9");
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION, .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_dbs = orders_dbs_in (s_store);
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    uint8_t a[16], b[16], hash[32] = {1}, other[32] = {2};
    uuid_new (a);
    uuid_new (b);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_order (&buf, "accepted", "SF-1");
    CHECK_EQ_INT (orders_store (txn, &s_dbs, a, hash, "salesforce", "SF-1", "KEY-1", buf.data, buf.size), 0);

    //  found by external ID and by key; the key with another body conflicts
    orders_found_t found;
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "salesforce", "SF-1", NULL, hash, &found), 0);
    CHECK (found.found && memcmp (found.order_id, a, 16) == 0);
    char status[16];
    orders_status (&found.order, status, sizeof status);
    CHECK_STR (status, "accepted");
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "web", "X", "KEY-1", hash, &found), 0);
    CHECK (found.found && memcmp (found.order_id, a, 16) == 0);
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "web", "X", "KEY-1", other, &found), RM_ECONFLICT);
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "web", "SF-1", NULL, hash, &found), 0);
    CHECK (!found.found);

    //  a pending order left by a crash is removed and its stock marked for release
    s_order (&buf, "pending", "SF-2");
    CHECK_EQ_INT (orders_store (txn, &s_dbs, b, hash, "salesforce", "SF-2", NULL, buf.data, buf.size), 0);
    CHECK_EQ_INT (orders_settle_pending (txn, &s_dbs), 1);
    CHECK_EQ_INT (orders_load (txn, &s_dbs, b, &found), RM_ENOTFOUND);
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "salesforce", "SF-2", NULL, hash, &found), 0);
    CHECK (!found.found);
    MDB_val mark;
    CHECK_EQ_INT (store_get (txn, s_dbs.releases, b, 16, &mark), 0);
    char mark_cid[16] = "";
    CHECK_EQ_INT (orders_release_cid (&mark, mark_cid, sizeof mark_cid), 0);
    CHECK_STR (mark_cid, "cid-9");
    CHECK_EQ_INT (orders_load (txn, &s_dbs, a, &found), 0);
    CHECK_EQ_INT (orders_release_clear (txn, &s_dbs, b), 0);
    CHECK_EQ_INT (store_get (txn, s_dbs.releases, b, 16, &mark), RM_ENOTFOUND);

    //  history entries sort after the order's ID, oldest first
    CHECK_EQ_INT (orders_history_add (txn, &s_dbs, a, "accepted", "orders.order.accepted", "c1", "crm", NULL), 0);
    CHECK_EQ_INT (orders_history_add (txn, &s_dbs, a, "cancelled", "orders.order.cancelled", "c2", NULL, "asked"), 0);
    MDB_cursor *cursor;
    CHECK_EQ_INT (mdb_cursor_open (txn, s_dbs.history, &cursor), 0);
    MDB_val key = {16, a}, val;
    int entries = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && key.mv_size == 32 && memcmp (key.mv_data, a, 16) == 0;
         rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
        entries++;
    mdb_cursor_close (cursor);
    CHECK_EQ_INT (entries, 2);

    //  removal takes the indexes with it
    CHECK_EQ_INT (orders_remove (txn, &s_dbs, a, "salesforce", "SF-1", "KEY-1"), 0);
    CHECK_EQ_INT (orders_find_submission (txn, &s_dbs, "salesforce", "SF-1", "KEY-1", hash, &found), 0);
    CHECK (!found.found);
    store_abort (&txn);
    msgpack_sbuffer_destroy (&buf);
    store_close (&s_store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
