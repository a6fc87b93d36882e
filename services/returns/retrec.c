#include "retrec.h"
#include "err.h"
#include "store.h"
#include "storeval.h"
#include "uuid.h"
#include <string.h>

RECORD_FIELDS_OF (retrec_fields, RETURNS_RETURN, retrec_t)
RECORD_FIELDS_OF (retrec_authorize_reply_fields, RETURNS_AUTHORIZE_REPLY, retrec_t)
RECORD_FIELDS_OF (retrec_cancel_reply_fields, RETURNS_CANCEL_REPLY, retrec_t)
RECORD_FIELDS_OF (retrec_receive_reply_fields, RETURNS_RECEIVE_REPLY, retrec_t)

static int
s_decode (const MDB_val *val, retrec_t *out)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, RETSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (retrec_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
retrec_load (MDB_txn *txn, const retstore_dbs_t *dbs, const char *return_id, retrec_t *out)
{
    memset (out, 0, sizeof *out);
    size_t len = strlen (return_id);
    if (len == 0 || len > RETSTORE_ID_MAX)
        return RM_ENOTFOUND;
    MDB_val val;
    int rc = store_get (txn, dbs->returns, return_id, len, &val);
    return rc != 0 ? rc : s_decode (&val, out);
}

int
retrec_save (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *self)
{
    size_t len = strlen (self->return_id);
    if (len == 0 || len > RETSTORE_ID_MAX)
        return RM_EINVAL;
    return storeval_put_record (txn, dbs->returns, self->return_id, len, RETSTORE_RECORD_V, retrec_fields, self);
}

int
retrec_create (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *self)
{
    uint8_t key[RETSTORE_BY_ORDER_KEY_MAX];
    size_t klen = retstore_by_order_key (self->order_id, self->authorized_at, self->return_id, key);
    if (klen == 0)
        return RM_EINVAL;
    int rc = retrec_save (txn, dbs, self);
    return rc != 0 ? rc : store_put (txn, dbs->by_order, key, klen, "", 0, 0);
}

void
retrec_free (retrec_t *self)
{
    record_free (retrec_fields, self);
}

void
retrec_emit (service_t *svc, const retrec_t *self, const char *type, const char *cid, const char *caller)
{
    record_pack (retrec_fields, self, service_event_for (svc, type, cid, caller));
}

bool
retrec_commits (const char *status)
{
    static const char *const s_committing[] = {"authorized", "received", "refunded", "closed", NULL};
    for (const char *const *s = s_committing; *s; s++)
        if (strcmp (*s, status) == 0)
            return true;
    return false;
}

int
retrec_each_of_order (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, retrec_each_fn *fn, void *arg)
{
    uint8_t prefix[16];
    if (uuid_parse (order_id, prefix) != 0)
        return RM_EINVAL;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->by_order, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key = {sizeof prefix, prefix}, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size > 16 && memcmp (key.mv_data, prefix, 16) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        char id[RETSTORE_ID_MAX + 1];
        retrec_t ret = {0};
        rc = retstore_by_order_id (&key, id);
        if (rc == 0 && (rc = retrec_load (txn, dbs, id, &ret)) == RM_ENOTFOUND)
            rc = RM_ESTORE;
        if (rc == 0)
            rc = fn (arg, &ret);
        retrec_free (&ret);
    }
    mdb_cursor_close (cursor);
    return rc;
}

typedef struct {
    int64_t *committed;
    size_t returns;
} s_committed_t;

static int
s_add_committed (void *arg, const retrec_t *ret)
{
    int64_t *committed = ((s_committed_t *) arg)->committed;
    ((s_committed_t *) arg)->returns++;
    //  a closed return expects no more units: only what it received still counts
    bool closed = strcmp (ret->status, "closed") == 0;
    for (size_t i = 0; retrec_commits (ret->status) && i < ret->lines_count; i++)
        if (ret->lines[i].line >= 0 && ret->lines[i].line < CATALOG_MAX_LINES)
            committed[ret->lines[i].line] += closed ? ret->lines[i].received : ret->lines[i].quantity;
    return 0;
}

int
retrec_committed (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, int64_t *committed,
                  size_t *returns)
{
    s_committed_t sum = {committed, 0};
    int rc = retrec_each_of_order (txn, dbs, order_id, s_add_committed, &sum);
    *returns = sum.returns;
    return rc;
}
