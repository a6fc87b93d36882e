#include "release.h"
#include "catalog_inventory.h"
#include "err.h"
#include "mp.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

void
orders_release_body (msgpack_sbuffer *body, const uint8_t order_id[16])
{
    char text[UUID_STR_LEN + 1];
    uuid_format (order_id, text);
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "order_id", text);
    mp_pack_kv_str (&pk, "reason", "order not accepted");
}

int
orders_release_queue (outq_t *outq, MDB_txn *txn, const uint8_t order_id[16], const char *cid,
                      const char *caller, uint64_t *action)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    orders_release_body (&body, order_id);
    //  no idempotency key: inventory keys the release by order_id
    outq_action_t call = {OUTQ_CALL, "inventory", "inventory.release", cid, "", body.data, body.size, caller};
    int rc = outq_push (outq, txn, &call, action);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

void
orders_restarted_body (msgpack_sbuffer *body, int64_t started_at)
{
    inventory_orders_restarted_request_t notice = {.started_at = started_at};
    msgpack_packer pk;
    msgpack_packer_init (&pk, body, msgpack_sbuffer_write);
    record_pack (inventory_orders_restarted_request_fields, &notice, &pk);
}

int
orders_releases_queue (MDB_txn *txn, const orders_dbs_t *dbs, outq_t *outq)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->releases, &cursor) != 0)
        return RM_ESTORE;
    //  collect first: deleting under an open cursor would skip entries
    typedef struct {
        uint8_t id[16];
        char cid[ENVELOPE_CID_MAX];
    } mark_t;
    mark_t *marks = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    MDB_val key, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (key.mv_size != 16)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            mark_t *grown = (mark_t *) realloc (marks, cap * sizeof *grown);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            marks = grown;
        }
        mark_t *mark = &marks[count++];
        memcpy (mark->id, key.mv_data, 16);
        if (orders_release_cid (&val, mark->cid, sizeof mark->cid) != 0)
            mark->cid[0] = '\0';
    }
    mdb_cursor_close (cursor);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = orders_release_queue (outq, txn, marks[i].id, marks[i].cid, NULL, NULL);
        if (rc == 0)
            rc = orders_release_clear (txn, dbs, marks[i].id);
    }
    free (marks);
    return rc == 0 ? (int) count : rc;
}
