#include "fforder.h"
#include "err.h"
#include "storeval.h"
#include <stdio.h>
#include <string.h>

RECORD_FIELDS (fforder, FFORDER_FIELDS)

int
fforder_load (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t order_id[16], fforder_t *out)
{
    memset (out, 0, sizeof *out);
    MDB_val val;
    int rc = store_get (txn, dbs->orders, order_id, 16, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, FFSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (fforder_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
fforder_save (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t order_id[16], const fforder_t *self)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fforder_fields, self, &pk);
    int rc = storeval_put (txn, dbs->orders, order_id, 16, FFSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
fforder_add (fforder_t *self, const char *fulfillment_id)
{
    if (self->fulfillments_count >= FULFILLMENT_PER_ORDER_MAX)
        return RM_ECONFLICT;
    char (*slot)[UUID_STR_LEN + 1] = (char (*)[UUID_STR_LEN + 1]) record_push (
        &self->fulfillments, &self->fulfillments_count, sizeof *slot);
    if (!slot)
        return RM_ENOMEM;
    snprintf (*slot, sizeof *slot, "%s", fulfillment_id);
    return 0;
}
