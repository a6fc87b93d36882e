#include "orders.h"
#include "cancel.h"
#include "creditmemo.h"
#include "catalog_orders.h"
#include "fill.h"
#include "invoice.h"
#include "returnable.h"
#include "stale.h"
#include "tracking.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "storeval.h"
#include "uuid.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

//  by_external keys are "<channel>\0<external_id>" (store_key_pair).
const char *const orders_dbs[] = {"orders", "by_external", "by_idem", "releases", "history", "fulfilments",
                                  "invoices", "invoice_by_fulfilment", "invoice_by_order", "invoice_seq",
                                  "cancels", "fulfilment_age", "credit_memos", "credit_memo_by_receipt",
                                  "credit_memo_by_order", "credit_memo_seq", NULL};

#define HASH_LEN 32

orders_dbs_t
orders_dbs_of (service_t *svc)
{
    return orders_dbs_in (service_store (svc));
}

orders_dbs_t
orders_dbs_in (store_t *store)
{
    return (orders_dbs_t) {store_dbi (store, ORDERS_DB_ORDERS), store_dbi (store, ORDERS_DB_BY_EXTERNAL),
                           store_dbi (store, ORDERS_DB_BY_IDEM), store_dbi (store, ORDERS_DB_RELEASES),
                           store_dbi (store, ORDERS_DB_HISTORY), store_dbi (store, ORDERS_DB_FULFILMENTS),
                           store_dbi (store, ORDERS_DB_INVOICES), store_dbi (store, ORDERS_DB_INVOICE_BY_FULFILMENT),
                           store_dbi (store, ORDERS_DB_INVOICE_BY_ORDER), store_dbi (store, ORDERS_DB_INVOICE_SEQ),
                           store_dbi (store, ORDERS_DB_CANCELS), store_dbi (store, ORDERS_DB_FULFILMENT_AGE),
                           store_dbi (store, ORDERS_DB_CREDIT_MEMOS), store_dbi (store, ORDERS_DB_CREDIT_MEMO_BY_RECEIPT),
                           store_dbi (store, ORDERS_DB_CREDIT_MEMO_BY_ORDER),
                           store_dbi (store, ORDERS_DB_CREDIT_MEMO_SEQ)};
}

int
orders_call_timeout (service_t *svc, request_t *req)
{
    int timeout = service_call_timeout (svc);
    int64_t deadline = request_envelope (req)->deadline_ms;
    if (deadline > 0) {
        int64_t left = deadline - clock_now_ms () - 50;
        if (left < timeout)
            timeout = left > 1 ? (int) left : 1;
    }
    return timeout;
}

void
orders_channel_normalise (char *channel)
{
    for (char *c = channel; *c; c++)
        *c = (char) tolower ((unsigned char) *c);
}

//  Splits an order record into its hash and its packed order map (which
//  points into val).
static int
s_order_decode (const MDB_val *val, uint8_t hash[HASH_LEN], MDB_val *order)
{
    msgpack_unpacked unpacked;
    int rc = storeval_open (val, ORDERS_RECORD_V, order);
    if (rc == 0)
        rc = storeval_next (order, &unpacked);
    else
        msgpack_unpacked_init (&unpacked);
    if (rc == 0 && (unpacked.data.type != MSGPACK_OBJECT_BIN || unpacked.data.via.bin.size != HASH_LEN
                    || order->mv_size == 0))
        rc = RM_ESTORE;
    if (rc == 0)
        memcpy (hash, unpacked.data.via.bin.ptr, HASH_LEN);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

static void
s_pack_order_record (msgpack_packer *pk, unsigned version, const uint8_t hash[HASH_LEN], const char *order,
                     size_t order_len)
{
    storeval_begin (pk, version);
    msgpack_pack_bin (pk, HASH_LEN);
    msgpack_pack_bin_body (pk, hash, HASH_LEN);
    mp_pack_raw (pk, order, order_len);
}

int
orders_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_found_t *found)
{
    MDB_val val;
    int rc = store_get (txn, dbs->orders, order_id, 16, &val);
    if (rc != 0)
        return rc;
    if ((rc = s_order_decode (&val, found->hash, &found->order)) != 0)
        return rc;
    found->found = true;
    memcpy (found->order_id, order_id, 16);
    return 0;
}

int
orders_decode (const MDB_val *stored, msgpack_unpacked *unpacked, orders_order_t *order)
{
    msgpack_unpacked_init (unpacked);
    if (msgpack_unpack_next (unpacked, (const char *) stored->mv_data, stored->mv_size, NULL) != MSGPACK_UNPACK_SUCCESS
        || unpacked->data.type != MSGPACK_OBJECT_MAP)
        return RM_ESTORE;
    int rc = record_decode (orders_order_fields, &unpacked->data, order);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
orders_load_decoded (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_found_t *found,
                     msgpack_unpacked *unpacked, orders_order_t *order)
{
    msgpack_unpacked_init (unpacked);
    int rc = orders_load (txn, dbs, order_id, found);
    return rc != 0 ? rc : orders_decode (&found->order, unpacked, order);
}

int
orders_request_load (service_t *svc, request_t *req, uint8_t id[16], MDB_txn **txn, orders_found_t *found)
{
    orders_get_request_t in = {0};
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = record_decode (orders_get_request_fields, request_body (req), &in);
    if (rc == 0 && uuid_parse (in.order_id, id) != 0)
        rc = RM_ENOTFOUND;
    if (rc == 0)
        rc = service_read_txn (svc, txn);
    if (rc == 0)
        rc = orders_load (*txn, &dbs, id, found);
    if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "no order %s", in.order_id);
    return rc;
}

int
orders_find_submission (MDB_txn *txn, const orders_dbs_t *dbs, const char *channel,
                        const char *external_id, const char *idem, const uint8_t hash[32],
                        orders_found_t *found)
{
    memset (found, 0, sizeof *found);
    MDB_val val;
    int rc;
    if (idem && *idem) {
        rc = store_get (txn, dbs->by_idem, idem, strlen (idem), &val);
        if (rc == 0) {
            if (val.mv_size != 16 || (rc = orders_load (txn, dbs, (const uint8_t *) val.mv_data, found)) != 0)
                return rc == 0 ? RM_ESTORE : rc;
            found->by_idem = true;
            return !hash || memcmp (found->hash, hash, HASH_LEN) == 0 ? 0 : RM_ECONFLICT;
        }
        if (rc != RM_ENOTFOUND)
            return rc;
    }
    char key[200];
    size_t klen = store_key_pair (key, sizeof key, channel, external_id);
    if (!klen)
        return RM_EINVAL;
    rc = store_get (txn, dbs->by_external, key, klen, &val);
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (val.mv_size != 16)
        return RM_ESTORE;
    if ((rc = orders_load (txn, dbs, (const uint8_t *) val.mv_data, found)) != 0)
        return rc;
    return !hash || memcmp (found->hash, hash, HASH_LEN) == 0 ? 0 : RM_ECONFLICT;
}

int
orders_replace (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const uint8_t hash[32],
                const char *order, size_t order_len)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    s_pack_order_record (&pk, ORDERS_RECORD_V, hash, order, order_len);
    int rc = store_put (txn, dbs->orders, order_id, 16, buf.data, buf.size, 0);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
orders_store (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
              const uint8_t hash[32], const char *channel, const char *external_id,
              const char *idem, const char *order, size_t order_len)
{
    int rc = orders_replace (txn, dbs, order_id, hash, order, order_len);
    if (rc != 0)
        return rc;
    char ekey[200];
    size_t klen = store_key_pair (ekey, sizeof ekey, channel, external_id);
    rc = klen ? store_put (txn, dbs->by_external, ekey, klen, order_id, 16, 0) : RM_EINVAL;
    if (rc == 0 && idem && *idem)
        rc = store_put (txn, dbs->by_idem, idem, strlen (idem), order_id, 16, 0);
    return rc;
}

int
orders_replace_line_counts (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                            const orders_found_t *found, const msgpack_object *stored, const char *name,
                            const int64_t *counts)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    const msgpack_object_map *map = &stored->via.map;
    msgpack_pack_map (&pk, map->size);
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object_kv *kv = &map->ptr[i];
        mp_pack_object (&pk, &kv->key);
        if (!mp_str_eq (&kv->key, "lines")) {
            mp_pack_object (&pk, &kv->val);
            continue;
        }
        msgpack_pack_array (&pk, kv->val.via.array.size);
        for (uint32_t l = 0; l < kv->val.via.array.size; l++) {
            const msgpack_object_map *line = &kv->val.via.array.ptr[l].via.map;
            uint32_t kept = 0;
            for (uint32_t k = 0; k < line->size; k++)
                kept += !mp_str_eq (&line->ptr[k].key, name);
            msgpack_pack_map (&pk, kept + (counts[l] > 0));
            for (uint32_t k = 0; k < line->size; k++)
                if (!mp_str_eq (&line->ptr[k].key, name)) {
                    mp_pack_object (&pk, &line->ptr[k].key);
                    mp_pack_object (&pk, &line->ptr[k].val);
                }
            if (counts[l] > 0)
                mp_pack_kv_int (&pk, name, counts[l]);
        }
    }
    int rc = orders_replace (txn, dbs, order_id, found->hash, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static int
s_del_absent_ok (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
    int rc = store_del (txn, dbi, key, klen);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
orders_remove (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
               const char *channel, const char *external_id, const char *idem)
{
    char ekey[200];
    size_t klen = store_key_pair (ekey, sizeof ekey, channel, external_id);
    int rc = s_del_absent_ok (txn, dbs->orders, order_id, 16);
    if (rc == 0 && klen)
        rc = s_del_absent_ok (txn, dbs->by_external, ekey, klen);
    if (rc == 0 && idem && *idem)
        rc = s_del_absent_ok (txn, dbs->by_idem, idem, strlen (idem));
    return rc;
}

int
orders_sequence_next (MDB_txn *txn, MDB_dbi seq, const char *currency, uint64_t *n)
{
    MDB_val val;
    int rc = store_get (txn, seq, currency, strlen (currency), &val);
    if (rc != 0 && rc != RM_ENOTFOUND)
        return rc;
    if (rc == 0 && val.mv_size != 8)
        return RM_ESTORE;
    *n = (rc == 0 ? store_u64_of (&val) : 0) + 1;
    uint8_t value[8];
    store_key_u64 (*n, value);
    return store_put (txn, seq, currency, strlen (currency), value, 8, 0);
}

void
orders_index_key (uint8_t key[ORDERS_INDEX_KEY_LEN], const uint8_t order_id[16], uint64_t n)
{
    memcpy (key, order_id, 16);
    store_key_u64 (n, key + 16);
}

int
orders_index_walk (MDB_txn *txn, MDB_dbi index, MDB_dbi records, const uint8_t order_id[16],
                   int (*fn) (void *arg, const MDB_val *stored), void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, index, &cursor) != 0)
        return RM_ESTORE;
    uint8_t first[ORDERS_INDEX_KEY_LEN];
    orders_index_key (first, order_id, 0);
    MDB_val key = {sizeof first, first}, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size == sizeof first && memcmp (key.mv_data, order_id, 16) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        MDB_val stored;
        rc = store_get (txn, records, val.mv_data, val.mv_size, &stored);
        if (rc == 0)
            rc = fn (arg, &stored);
        else if (rc == RM_ENOTFOUND)
            rc = RM_ESTORE;
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
orders_reply_order_list (service_t *svc, request_t *req, orders_list_fn *list, const field_spec_t *fields,
                         void *record)
{
    uint8_t id[16];
    MDB_txn *txn;
    orders_found_t found;
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = orders_request_load (svc, req, id, &txn, &found);
    if (rc != 0)
        return rc == RM_ENOTFOUND ? 0 : rc;
    rc = list (txn, &dbs, id, record);
    if (rc == 0)
        record_pack (fields, record, request_reply_ok (req));
    record_free (fields, record);
    return rc;
}

int
orders_release_mark (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *cid)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_kv_str (&pk, "correlation_id", cid);
    int rc = storeval_put (txn, dbs->releases, order_id, 16, ORDERS_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
orders_release_cid (const MDB_val *val, char *cid, size_t size)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, ORDERS_RECORD_V, &unpacked);
    if (rc == 0 && mp_get_str (&unpacked.data, "correlation_id", cid, size) != 0)
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

int
orders_release_clear (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16])
{
    return s_del_absent_ok (txn, dbs->releases, order_id, 16);
}

int
orders_history_add (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                    const char *status, const char *event, const char *cid, const char *caller,
                    const char *reason)
{
    uint8_t key[32];
    memcpy (key, order_id, 16);
    uuid_new (key + 16);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    bool has_caller = caller && *caller, has_reason = reason && *reason;
    msgpack_pack_map (&pk, 4 + has_caller + has_reason);
    mp_pack_kv_str (&pk, "status", status);
    mp_pack_kv_str (&pk, "event", event);
    mp_pack_kv_int (&pk, "time", clock_now_ms ());
    mp_pack_kv_str (&pk, "correlation_id", cid && *cid ? cid : "-");
    if (has_caller)
        mp_pack_kv_str (&pk, "caller", caller);
    if (has_reason)
        mp_pack_kv_str (&pk, "reason", reason);
    int rc = storeval_put (txn, dbs->history, key, sizeof key, ORDERS_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

void
orders_status (const MDB_val *order, char *status, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    status[0] = '\0';
    if (msgpack_unpack_next (&unpacked, (const char *) order->mv_data, order->mv_size, NULL) == MSGPACK_UNPACK_SUCCESS
        && mp_get_str (&unpacked.data, "status", status, size) != 0)
        status[0] = '\0';
    msgpack_unpacked_destroy (&unpacked);
}

//  What settling reads of a stored order: its status, the
//  keys of its indexes and the submission's IDs kept for internal use.
#define S_ORDER_KEYS(X, T)                                                                         \
    R_ORDER_STATUS (X, T)                                                                           \
    R_CHANNEL (X, T, true, "sales channel") R_EXTERNAL_ID (X, T, "the client's order reference")    \
    ORDERS_INTERNAL_KEYS (X, T)
RECORD_STRUCT (orders_keys, S_ORDER_KEYS)
RECORD_FIELDS (orders_keys, S_ORDER_KEYS)

static int
s_keys_read (const msgpack_object *order, orders_keys_t *keys)
{
    *keys = (orders_keys_t) {0};
    return record_decode (orders_keys_fields, order, keys) == 0 ? 0 : RM_ESTORE;
}

//  Removes one pending order found at the cursor; its reservation, if
//  inventory made one, is released later by the settlement loop.
static int
s_settle_one (MDB_txn *txn, const orders_dbs_t *dbs, const MDB_val *key, const MDB_val *order)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    orders_keys_t keys;
    int rc = msgpack_unpack_next (&unpacked, (const char *) order->mv_data, order->mv_size, NULL)
                     == MSGPACK_UNPACK_SUCCESS
                 ? s_keys_read (&unpacked.data, &keys)
                 : RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    uint8_t id[16];
    memcpy (id, key->mv_data, 16);
    if (rc == 0)
        rc = orders_release_mark (txn, dbs, id, keys.correlation_id);
    if (rc == 0)
        rc = orders_remove (txn, dbs, id, keys.channel, keys.external_id, keys.idempotency_key);
    if (rc == 0)
        log_warn (keys.correlation_id, "order %s/%s was left pending: removed, its stock will be released",
                  keys.channel, keys.external_id);
    return rc;
}

int
orders_settle_pending (MDB_txn *txn, const orders_dbs_t *dbs)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->orders, &cursor) != 0)
        return RM_ESTORE;
    //  collect first: removing under an open cursor would skip entries
    uint8_t (*pending)[16] = NULL;
    size_t count = 0, cap = 0;
    MDB_val key, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        char status[ORDERS_STATUS_SIZE];
        uint8_t hash[HASH_LEN];
        MDB_val order;
        if (key.mv_size != 16 || s_order_decode (&val, hash, &order) != 0)
            continue;
        orders_status (&order, status, sizeof status);
        if (strcmp (status, "pending") != 0)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc (pending, cap * sizeof *pending);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            pending = grown;
        }
        memcpy (pending[count++], key.mv_data, 16);
    }
    mdb_cursor_close (cursor);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        MDB_val k = {16, pending[i]};
        orders_found_t found;
        if ((rc = orders_load (txn, dbs, pending[i], &found)) == 0)
            rc = s_settle_one (txn, dbs, &k, &found.order);
    }
    free (pending);
    return rc == 0 ? (int) count : rc;
}

//  ---------------------------------------------------------------------
//  migrations

//  Schema 1 -> 2, orders: the bare hash and map.
static int
s_order_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    if (old->mv_size <= HASH_LEN)
        return RM_ESTORE;
    s_pack_order_record (pk, version, (const uint8_t *) old->mv_data, (const char *) old->mv_data + HASH_LEN,
                         old->mv_size - HASH_LEN);
    return 0;
}

//  Schema 1 -> 2, releases: the correlation ID's bare bytes.
static int
s_release_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    storeval_begin (pk, version);
    msgpack_pack_map (pk, 1);
    mp_pack_str (pk, "correlation_id");
    mp_pack_strn (pk, (const char *) old->mv_data, old->mv_size);
    return 0;
}

//  History entries were bare maps already.
static int
s_migrate_v1 (store_t *store, MDB_txn *txn, int64_t *count)
{
    int rc = storeval_migrate_db (txn, store_dbi (store, ORDERS_DB_ORDERS), ORDERS_RECORD_V, s_order_from_v1, count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, ORDERS_DB_RELEASES), ORDERS_RECORD_V, s_release_from_v1, count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, ORDERS_DB_HISTORY), ORDERS_RECORD_V, storeval_wrap, count);
    return rc;
}

//  Schema 2 -> 3: channels are compared in lower case, so an order stored
//  with an upper-case channel is indexed, and records its channel, in
//  lower case; otherwise no lookup (which lowers the channel it is given)
//  would find it. When another order already holds the lower-case key, the
//  old order is left as it is (logged): rewriting it would let its cancel
//  remove the other order's index entry.
static int
s_lower_order_channel (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *channel)
{
    MDB_val val, order;
    uint8_t hash[HASH_LEN];
    int rc = store_get (txn, dbs->orders, order_id, 16, &val);
    if (rc == 0)
        rc = s_order_decode (&val, hash, &order);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (rc == 0 && (msgpack_unpack_next (&unpacked, (const char *) order.mv_data, order.mv_size, NULL)
                        != MSGPACK_UNPACK_SUCCESS
                    || unpacked.data.type != MSGPACK_OBJECT_MAP))
        rc = RM_ESTORE;
    msgpack_sbuffer map, buf;
    msgpack_sbuffer_init (&map);
    msgpack_sbuffer_init (&buf);
    if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &map, msgpack_sbuffer_write);
        const msgpack_object_map *in = &unpacked.data.via.map;
        msgpack_pack_map (&pk, in->size);
        for (uint32_t i = 0; i < in->size; i++) {
            msgpack_pack_object (&pk, in->ptr[i].key);
            if (mp_str_eq (&in->ptr[i].key, "channel"))
                mp_pack_str (&pk, channel);
            else
                msgpack_pack_object (&pk, in->ptr[i].val);
        }
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        s_pack_order_record (&pk, ORDERS_RECORD_V, hash, map.data, map.size);
        rc = store_put (txn, dbs->orders, order_id, 16, buf.data, buf.size, 0);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&map);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

typedef struct {
    char key[200];
    size_t klen;
    uint8_t order_id[16];
} rekey_t;

static int
s_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    orders_dbs_t dbs = orders_dbs_in (store);
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs.by_external, &cursor) != 0)
        return RM_ESTORE;
    //  collect first: writing under an open cursor would disturb it
    rekey_t *keys = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    MDB_val key, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); mrc == 0 && rc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        const char *k = (const char *) key.mv_data;
        size_t channel_len = strnlen (k, key.mv_size);
        bool upper = false;
        for (size_t i = 0; i < channel_len; i++)
            upper = upper || isupper ((unsigned char) k[i]);
        if (!upper)
            continue;
        if (val.mv_size != 16 || key.mv_size > sizeof keys->key || channel_len == key.mv_size) {
            rc = RM_ESTORE;
            break;
        }
        if (n == cap) {
            rekey_t *grown = (rekey_t *) realloc (keys, (cap = cap ? cap * 2 : 16) * sizeof *grown);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            keys = grown;
        }
        memcpy (keys[n].key, key.mv_data, key.mv_size);
        keys[n].klen = key.mv_size;
        memcpy (keys[n].order_id, val.mv_data, 16);
        n++;
    }
    mdb_cursor_close (cursor);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char lower[sizeof keys->key];
        memcpy (lower, keys[i].key, keys[i].klen);
        orders_channel_normalise (lower);
        const char *external_id = keys[i].key + strlen (keys[i].key) + 1;
        rc = store_get (txn, dbs.by_external, lower, keys[i].klen, &val);
        if (rc == 0) {
            char text[UUID_STR_LEN + 1];
            uuid_format (keys[i].order_id, text);
            log_warn (NULL, "order %s keeps channel '%s': another order holds '%s' with external_id '%.*s'", text,
                      keys[i].key, lower, (int) (keys[i].klen - strlen (keys[i].key) - 1), external_id);
            continue;
        }
        if (rc == RM_ENOTFOUND)
            rc = store_put (txn, dbs.by_external, lower, keys[i].klen, keys[i].order_id, 16, 0);
        if (rc == 0)
            rc = store_del (txn, dbs.by_external, keys[i].key, keys[i].klen);
        if (rc == 0)
            rc = s_lower_order_channel (txn, &dbs, keys[i].order_id, lower);
        if (rc == 0)
            ++*count;
    }
    free (keys);
    return rc;
}

//  Schema 3 -> 4: every line shows what shipped and what was delivered
//  (0 before fulfillment existed), as lines of orders accepted since do.
static int
s_order_line_counts (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    uint8_t hash[HASH_LEN];
    MDB_val order;
    int rc = s_order_decode (old, hash, &order);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (rc == 0
        && (msgpack_unpack_next (&unpacked, (const char *) order.mv_data, order.mv_size, NULL) != MSGPACK_UNPACK_SUCCESS
            || unpacked.data.type != MSGPACK_OBJECT_MAP || !mp_get_array (&unpacked.data, "lines")))
        rc = RM_ESTORE;
    msgpack_sbuffer map;
    msgpack_sbuffer_init (&map);
    if (rc == 0) {
        msgpack_packer mpk;
        msgpack_packer_init (&mpk, &map, msgpack_sbuffer_write);
        const msgpack_object_map *in = &unpacked.data.via.map;
        msgpack_pack_map (&mpk, in->size);
        for (uint32_t i = 0; i < in->size; i++) {
            mp_pack_object (&mpk, &in->ptr[i].key);
            if (!mp_str_eq (&in->ptr[i].key, "lines")) {
                mp_pack_object (&mpk, &in->ptr[i].val);
                continue;
            }
            const msgpack_object_array *lines = &in->ptr[i].val.via.array;
            msgpack_pack_array (&mpk, lines->size);
            for (uint32_t l = 0; rc == 0 && l < lines->size; l++) {
                const msgpack_object *line = &lines->ptr[l];
                if (line->type != MSGPACK_OBJECT_MAP) {
                    rc = RM_ESTORE;
                    break;
                }
                bool shipped = mp_get (line, "shipped") != NULL, delivered = mp_get (line, "delivered") != NULL;
                msgpack_pack_map (&mpk, line->via.map.size + !shipped + !delivered);
                for (uint32_t k = 0; k < line->via.map.size; k++) {
                    mp_pack_object (&mpk, &line->via.map.ptr[k].key);
                    mp_pack_object (&mpk, &line->via.map.ptr[k].val);
                }
                if (!shipped)
                    mp_pack_kv_int (&mpk, "shipped", 0);
                if (!delivered)
                    mp_pack_kv_int (&mpk, "delivered", 0);
            }
        }
        if (rc == 0)
            s_pack_order_record (pk, version, hash, map.data, map.size);
    }
    msgpack_sbuffer_destroy (&map);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

static int
s_migrate_v3 (store_t *store, MDB_txn *txn, int64_t *count)
{
    return storeval_migrate_db (txn, store_dbi (store, ORDERS_DB_ORDERS), ORDERS_RECORD_V, s_order_line_counts,
                                count);
}

const store_migration_t orders_migrations[] = {
    {1, s_migrate_v1},
    {2, s_migrate_v2},
    {3, s_migrate_v3},
    {0, NULL},
};

//  ---------------------------------------------------------------------
//  operation handlers: get and find

//  The order's own fields, read from a stored order into the replies that
//  carry them with a flag.
static RECORD_FIELDS_OF (s_order_in_submitted, ORDERS_ORDER_FIELDS, orders_submitted_order_t)
static RECORD_FIELDS_OF (s_order_in_cancelled, ORDERS_ORDER_FIELDS, orders_cancelled_order_t)

#define S_MADE_STORED(X, T) ORDERS_ORDER_FIELDS (X, T) ORDERS_INTERNAL_KEYS (X, T)
RECORD_FIELDS_OF (orders_made_stored, S_MADE_STORED, orders_made_t)
RECORD_FIELDS_OF (orders_made_event, ORDERS_ORDER_FIELDS, orders_made_t)
RECORD_FIELDS_OF (orders_made_reply, ORDERS_SUBMITTED_ORDER, orders_made_t)

int
orders_pack_stored (msgpack_packer *pk, const msgpack_object *stored, const field_spec_t *read,
                    const field_spec_t *fields, void *record)
{
    int rc = record_decode (read, stored, record);
    if (rc == 0)
        record_pack (fields, record, pk);
    record_free (fields, record);
    return rc == RM_ENOMEM ? rc : rc ? RM_ESTORE : 0;
}

//  The same from a packed stored order, as a reply.
static void
s_reply_stored (request_t *req, const MDB_val *order, const field_spec_t *read, const field_spec_t *fields,
                void *record)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    int rc = msgpack_unpack_next (&unpacked, (const char *) order->mv_data, order->mv_size, NULL)
                     == MSGPACK_UNPACK_SUCCESS
                 ? orders_pack_stored (&pk, &unpacked.data, read, fields, record)
                 : RM_ESTORE;
    if (rc == 0)
        mp_pack_raw (request_reply_ok (req), buf.data, buf.size);
    else
        request_reply_error (req, rc, NULL, "stored order is unreadable");
    msgpack_sbuffer_destroy (&buf);
    msgpack_unpacked_destroy (&unpacked);
}

void
orders_reply_order (request_t *req, const MDB_val *order)
{
    orders_order_t reply = {0};
    s_reply_stored (req, order, orders_order_fields, orders_order_fields, &reply);
}

void
orders_reply_submitted (request_t *req, const MDB_val *order, bool created)
{
    orders_submitted_order_t reply = {.created = created};
    s_reply_stored (req, order, s_order_in_submitted, orders_submitted_order_fields, &reply);
}

void
orders_reply_cancelled (request_t *req, const MDB_val *order, bool changed)
{
    orders_cancelled_order_t reply = {.changed = changed};
    s_reply_stored (req, order, s_order_in_cancelled, orders_cancelled_order_fields, &reply);
}

static int
s_reply_found (service_t *svc, request_t *req, int rc, orders_found_t *found, const char *what)
{
    (void) svc;
    if (rc == 0 && !found->found)
        rc = RM_ENOTFOUND;
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "no order %s", what);
    if (rc != 0)
        return rc;
    char status[ORDERS_STATUS_SIZE];
    orders_status (&found->order, status, sizeof status);
    if (strcmp (status, "pending") == 0)
        return request_reply_error (req, RM_ENOTFOUND, NULL, "no order %s (a submission is still being processed)", what);
    orders_reply_order (req, &found->order);
    return 0;
}

static int
s_get (service_t *svc, request_t *req)
{
    orders_get_request_t in = {0};
    char what[64];
    uint8_t id[16];
    orders_found_t found = {0};
    MDB_txn *txn;
    int rc = record_decode (orders_get_request_fields, request_body (req), &in);
    const char *text = in.order_id;
    if (rc == 0 && uuid_parse (text, id) != 0)
        return request_reply_error (req, RM_ENOTFOUND, NULL, "no order %s", text);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    orders_dbs_t dbs = orders_dbs_of (svc);
    if (rc == 0)
        rc = orders_load (txn, &dbs, id, &found);
    snprintf (what, sizeof what, "%s", text);
    return s_reply_found (svc, req, rc, &found, what);
}

static int
s_find (service_t *svc, request_t *req)
{
    orders_find_request_t in = {0};
    char what[sizeof in.channel + sizeof in.external_id + 40];
    orders_found_t found;
    MDB_txn *txn;
    int rc = record_decode (orders_find_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    orders_dbs_t dbs = orders_dbs_of (svc);
    orders_channel_normalise (in.channel);
    if (rc == 0)
        rc = orders_find_submission (txn, &dbs, in.channel, in.external_id, NULL, NULL, &found);
    snprintf (what, sizeof what, "with channel %s and external_id %s", in.channel, in.external_id);
    //  a submission in flight is stored only once it is accepted
    if (rc == 0 && !found.found && orders_submission_in_flight (in.channel, in.external_id))
        return request_reply_error (req, RM_ENOTFOUND, NULL, "no order %s (a submission is still being processed)",
                                    what);
    return s_reply_found (svc, req, rc, &found, what);
}

//  ---------------------------------------------------------------------
//  history

static int
s_history (service_t *svc, request_t *req)
{
    uint8_t id[16];
    MDB_txn *txn;
    orders_found_t found = {0};
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = orders_request_load (svc, req, id, &txn, &found);
    if (rc != 0)
        return rc == RM_ENOTFOUND ? 0 : rc;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs.history, &cursor) != 0)
        return RM_ESTORE;
    orders_history_t reply = {0};
    uuid_format (id, reply.order_id);
    MDB_val key = {16, id}, val;
    rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size == 32 && memcmp (key.mv_data, id, 16) == 0 && reply.events_count < 10000;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        msgpack_unpacked unpacked;
        orders_history_entry_t *entry = (orders_history_entry_t *) record_push (&reply.events, &reply.events_count,
                                                                                sizeof *entry);
        rc = entry ? storeval_read (&val, ORDERS_RECORD_V, &unpacked) : RM_ENOMEM;
        if (rc == 0)
            rc = record_decode (orders_history_entry_fields, &unpacked.data, entry);
        if (entry)
            msgpack_unpacked_destroy (&unpacked);
    }
    mdb_cursor_close (cursor);
    if (rc == 0)
        record_pack (orders_history_fields, &reply, request_reply_ok (req));
    record_free (orders_history_fields, &reply);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

const service_route_t orders_routes[] = {
    {"orders.submit", orders_submit},
    {"orders.get", s_get},
    {"orders.find", s_find},
    {"orders.cancel", orders_cancel_handle},
    {"orders.history", s_history},
    {"orders.hold_status", orders_hold_status},
    {"orders.status", orders_tracking_handle_status},
    {"orders.invoices", orders_invoice_handle_list},
    {"orders.invoice", orders_invoice_handle_get},
    {"orders.returnable", orders_returnable_handle},
    {"orders.credit_memos", orders_creditmemo_handle_list},
    {NULL, NULL},
};

static const char *const s_inventory_events[] = {"inventory.backorder.filled", NULL};
static const char *const s_fulfillment_events[] = {
    "fulfillment.order.created",        "fulfillment.shipment.picked",    "fulfillment.shipment.packed",
    "fulfillment.shipment.shipped",     "fulfillment.shipment.delivered", "fulfillment.shipment.exception",
    "fulfillment.order.cancelled",      NULL};

static const char *const s_returns_events[] = {"returns.return.received", NULL};

const consumer_def_t orders_consumers[] = {
    {"inventory", s_inventory_events, orders_fill_on_event},
    {"fulfillment", s_fulfillment_events, orders_tracking_on_event},
    {"returns", s_returns_events, orders_creditmemo_on_event},
    {NULL, NULL, NULL},
};

const service_option_t orders_options[] = {
    ORDERS_STALE_OPTIONS,
    {NULL, NULL, NULL},
};

int
orders_on_start (service_t *svc)
{
    int rc = orders_tracking_start (svc);
    return rc == 0 ? orders_start (svc) : rc;
}
