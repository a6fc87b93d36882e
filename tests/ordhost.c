#include "ordhost.h"
#include "harness.h"
#include "mp.h"
#include "storeval.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

int
ordhost_store (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t id[16], const char *status,
               const ordhost_line_t *lines, size_t count)
{
    static const uint8_t hash[32] = {5};
    char text[UUID_STR_LEN + 1];
    uuid_format (id, text);
    int64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += lines[i].quantity * lines[i].unit_price;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 11);
    mp_pack_kv_str (&pk, "order_id", text);
    mp_pack_kv_str (&pk, "external_id", text);
    mp_pack_kv_str (&pk, "channel", "salesforce");
    mp_pack_kv_str (&pk, "account_id", "ACC-1");
    mp_pack_kv_str (&pk, "status", status);
    mp_pack_kv_str (&pk, "currency", "EUR");
    mp_pack_kv_int (&pk, "total", total);
    mp_pack_kv_int (&pk, "created_at", 1700000000000);
    mp_pack_str (&pk, "lines");
    msgpack_pack_array (&pk, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        msgpack_pack_map (&pk, 7);
        mp_pack_kv_str (&pk, "sku", lines[i].sku);
        mp_pack_kv_int (&pk, "quantity", lines[i].quantity);
        mp_pack_kv_int (&pk, "unit_price", lines[i].unit_price);
        mp_pack_kv_int (&pk, "extended_price", lines[i].quantity * lines[i].unit_price);
        mp_pack_kv_int (&pk, "shipped", 0);
        mp_pack_kv_int (&pk, "delivered", 0);
        mp_pack_str (&pk, "reservations");
        msgpack_pack_array (&pk, 0);
    }
    mp_pack_kv_str (&pk, "idempotency_key", "");
    mp_pack_kv_str (&pk, "correlation_id", "cid-1");
    int rc = orders_store (txn, dbs, id, hash, "salesforce", text, "", buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

void
ordhost_load (txnhost_t *host, const orders_dbs_t *dbs, const uint8_t id[16], orders_order_t *order)
{
    MDB_txn *txn;
    orders_found_t found;
    *order = (orders_order_t) {0};
    CHECK_EQ_INT (txnhost_read (host, &txn), 0);
    CHECK_EQ_INT (orders_load (txn, dbs, id, &found), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, found.order.mv_data, found.order.mv_size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK_EQ_INT (record_decode (orders_order_fields, &unpacked.data, order), 0);
    msgpack_unpacked_destroy (&unpacked);
}

int
ordhost_history (txnhost_t *host, const orders_dbs_t *dbs, const uint8_t id[16], const char *event,
                 char *last_reason, size_t size)
{
    MDB_txn *txn;
    MDB_cursor *cursor;
    CHECK_EQ_INT (txnhost_read (host, &txn), 0);
    CHECK_EQ_INT (mdb_cursor_open (txn, dbs->history, &cursor), 0);
    int count = 0;
    MDB_val key = {16, (void *) id}, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         mrc == 0 && key.mv_size == 32 && memcmp (key.mv_data, id, 16) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        msgpack_unpacked unpacked;
        CHECK_EQ_INT (storeval_read (&val, ORDERS_RECORD_V, &unpacked), 0);
        char recorded[64] = "";
        mp_get_str (&unpacked.data, "event", recorded, sizeof recorded);
        if (!event || strcmp (recorded, event) == 0) {
            count++;
            if (last_reason)
                mp_get_str (&unpacked.data, "reason", last_reason, size);
        }
        msgpack_unpacked_destroy (&unpacked);
    }
    mdb_cursor_close (cursor);
    return count;
}

char *
ordhost_open (txnhost_t *host, orders_dbs_t *dbs, const char *name)
{
    char *dir = harness_tmpdir (name);
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION,
                         .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &host->store), 0);
    *dbs = orders_dbs_in (host->store);
    return dir;
}

void
ordhost_close (txnhost_t *host, char *dir)
{
    txnhost_close (host);
    store_close (&host->store);
    harness_rmtree (dir);
    free (dir);
}
