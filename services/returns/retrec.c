#include "retrec.h"
#include "err.h"
#include "rtstats.h"
#include "storeval.h"
#include <string.h>

int
retrec_load (MDB_txn *txn, const retstore_dbs_t *dbs, const char *return_id, returns_return_t *out)
{
    *out = (returns_return_t) {0};
    MDB_val val;
    int rc = store_get (txn, dbs->returns, return_id, strlen (return_id), &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, RETSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (returns_return_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
retrec_save (MDB_txn *txn, const retstore_dbs_t *dbs, const char *was, const returns_return_t *ret)
{
    size_t len = strlen (ret->return_id);
    if (len == 0)
        return RM_EINVAL;
    int rc = rtstats_status (txn, dbs, was, ret->status);
    if (rc != 0)
        return rc;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (returns_return_fields, ret, &pk);
    rc = storeval_put (txn, dbs->returns, ret->return_id, len, RETSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}
