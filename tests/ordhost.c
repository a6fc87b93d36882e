#include "ordhost.h"
#include "harness.h"
#include "mp.h"
#include "storeval.h"
#include <string.h>

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
