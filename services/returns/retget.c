#include "retget.h"
#include "err.h"
#include "mp.h"
#include <string.h>

typedef struct {
    msgpack_packer pk;
    size_t count;
} s_items_t;

static int
s_pack_item (void *arg, const retrec_t *ret)
{
    s_items_t *items = (s_items_t *) arg;
    if (items->count == RETURNS_PER_ORDER_MAX)
        return RM_ENOMEM;
    record_pack (retrec_fields, ret, &items->pk);
    items->count++;
    return 0;
}

int
retget_by_order (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, msgpack_packer *pk)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_items_t items = {.count = 0};
    msgpack_packer_init (&items.pk, &buf, msgpack_sbuffer_write);
    int rc = retrec_each_of_order (txn, dbs, order_id, s_pack_item, &items);
    if (rc == 0) {
        msgpack_pack_map (pk, 1);
        mp_pack_str (pk, "items");
        msgpack_pack_array (pk, (uint32_t) items.count);
        mp_pack_raw (pk, buf.data, buf.size);
    }
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
retget_get (service_t *svc, request_t *req)
{
    returns_get_request_t in = {0};
    MDB_txn *txn;
    int rc = record_decode (returns_get_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    retrec_t ret = {0};
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    if (rc == 0)
        rc = retrec_load (txn, &dbs, in.return_id, &ret);
    if (rc == RM_ENOTFOUND) {
        request_reply_error (req, rc, NULL, "no return %s", in.return_id);
        rc = 0;
    }
    else if (rc == 0)
        record_pack (retrec_fields, &ret, request_reply_ok (req));
    retrec_free (&ret);
    return rc;
}

int
retget_handle_by_order (service_t *svc, request_t *req)
{
    orders_get_request_t in = {0};
    MDB_txn *txn;
    int rc = record_decode (orders_get_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    if (rc == 0) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init (&buf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        rc = retget_by_order (txn, &dbs, in.order_id, &pk);
        if (rc == 0)
            mp_pack_raw (request_reply_ok (req), buf.data, buf.size);
        msgpack_sbuffer_destroy (&buf);
    }
    return rc;
}
