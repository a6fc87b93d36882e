#include "tracking.h"
#include "err.h"
#include "mp.h"
#include "storeval.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

#define AGE_STATUS_MAX 16
//  "<status>\0", as_of, order ID, fulfilment ID
#define AGE_KEY_MAX (AGE_STATUS_MAX + 1 + 8 + 16 + 16)

bool
orders_tracking_final (const char *status)
{
    return strcmp (status, "delivered") == 0 || strcmp (status, "cancelled") == 0;
}

static int64_t
s_line_quantity (const orders_fulfilment_line_t *line)
{
    return line->quantity > line->cancelled ? line->quantity - line->cancelled : 0;
}

const char *
orders_tracking_order_status (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count)
{
    if (strcmp (order->status, "pending") == 0 || strcmp (order->status, "cancelled") == 0)
        return strcmp (order->status, "pending") == 0 ? "pending" : "cancelled";
    int64_t waiting = 0;
    for (size_t i = 0; i < order->lines_count; i++)
        waiting += order->lines[i].quantity - order->lines[i].cancelled;
    if (waiting <= 0)
        return "cancelled";
    size_t active = 0, left = 0, delivered = 0;
    for (size_t i = 0; i < count; i++) {
        const orders_fulfilment_t *f = &fulfilments[i];
        if (strcmp (f->status, "exception") == 0)
            return "exception";
        if (strcmp (f->status, "cancelled") == 0)
            continue;
        active++;
        delivered += strcmp (f->status, "delivered") == 0;
        left += strcmp (f->status, "shipped") == 0 || strcmp (f->status, "delivered") == 0;
        for (size_t l = 0; l < f->lines_count; l++)
            waiting -= s_line_quantity (&f->lines[l]);
    }
    bool covered = waiting <= 0;
    if (active > 0 && delivered == active && covered)
        return "delivered";
    if (delivered > 0)
        return "partially_delivered";
    if (active > 0 && left == active && covered)
        return "shipped";
    return left > 0 ? "partially_shipped" : "accepted";
}

void
orders_tracking_lines (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count,
                       orders_status_line_t *lines)
{
    for (size_t i = 0; i < order->lines_count; i++) {
        orders_status_line_t *to = &lines[i];
        to->line = (int64_t) i;
        snprintf (to->sku, sizeof to->sku, "%s", order->lines[i].sku);
        to->quantity = order->lines[i].quantity;
        to->cancelled = order->lines[i].cancelled;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t l = 0; l < fulfilments[i].lines_count; l++) {
            const orders_fulfilment_line_t *from = &fulfilments[i].lines[l];
            if (from->line < 0 || (size_t) from->line >= order->lines_count)
                continue;
            orders_status_line_t *to = &lines[from->line];
            to->shipped += from->shipped;
            to->delivered += from->delivered;
            to->shortfall += from->shortfall;
        }
}

//  ---------------------------------------------------------------------
//  the fulfilments and their age

static void
s_key (uint8_t key[32], const uint8_t order_id[16], const uint8_t fulfilment_id[16])
{
    memcpy (key, order_id, 16);
    memcpy (key + 16, fulfilment_id, 16);
}

static size_t
s_age_key (uint8_t key[AGE_KEY_MAX], const char *status, int64_t as_of, const uint8_t pair[32])
{
    size_t n = strnlen (status, AGE_STATUS_MAX);
    memcpy (key, status, n);
    key[n++] = '\0';
    store_key_u64 ((uint64_t) (as_of > 0 ? as_of : 0), key + n);
    memcpy (key + n + 8, pair, 32);
    return n + 8 + 32;
}

//  What a stored fulfilment says: its record (fields decoded into f when
//  not NULL) and the sequence number that set it.
static int
s_stored (const MDB_val *val, orders_fulfilment_t *f, uint64_t *seq)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, ORDERS_RECORD_V, &unpacked);
    int64_t n = 0;
    if (rc == 0 && mp_get_int (&unpacked.data, "seq", &n) != 0)
        rc = RM_ESTORE;
    if (rc == 0 && f)
        rc = record_decode (orders_fulfilment_fields, &unpacked.data, f);
    msgpack_unpacked_destroy (&unpacked);
    *seq = (uint64_t) n;
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
orders_tracking_put (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                     const orders_fulfilment_t *fulfilment, uint64_t seq, bool *applied)
{
    uint8_t id[16], key[32], age[AGE_KEY_MAX];
    *applied = false;
    if (uuid_parse (fulfilment->fulfillment_id, id) != 0)
        return RM_EINVAL;
    s_key (key, order_id, id);
    MDB_val val;
    int rc = store_get (txn, dbs->fulfilments, key, sizeof key, &val);
    if (rc == 0) {
        orders_fulfilment_t before = {0};
        uint64_t stored_seq = 0;
        rc = s_stored (&val, &before, &stored_seq);
        if (rc == 0 && stored_seq >= seq) {
            record_free (orders_fulfilment_fields, &before);
            return 0;
        }
        if (rc == 0 && !orders_tracking_final (before.status)) {
            rc = store_del (txn, dbs->fulfilment_age, age, s_age_key (age, before.status, before.as_of, key));
            rc = rc == RM_ENOTFOUND ? 0 : rc;
        }
        record_free (orders_fulfilment_fields, &before);
    }
    else if (rc == RM_ENOTFOUND)
        rc = 0;
    if (rc != 0)
        return rc;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    //  the record's map with "seq" added: one map header more
    msgpack_sbuffer rec;
    msgpack_sbuffer_init (&rec);
    msgpack_packer rpk;
    msgpack_packer_init (&rpk, &rec, msgpack_sbuffer_write);
    record_pack (orders_fulfilment_fields, fulfilment, &rpk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    rc = msgpack_unpack_next (&unpacked, rec.data, rec.size, NULL) == MSGPACK_UNPACK_SUCCESS ? 0 : RM_EINTERNAL;
    if (rc == 0) {
        const msgpack_object_map *map = &unpacked.data.via.map;
        msgpack_pack_map (&pk, map->size + 1);
        for (uint32_t i = 0; i < map->size; i++) {
            mp_pack_object (&pk, &map->ptr[i].key);
            mp_pack_object (&pk, &map->ptr[i].val);
        }
        mp_pack_kv_int (&pk, "seq", (int64_t) seq);
        rc = storeval_put (txn, dbs->fulfilments, key, sizeof key, ORDERS_RECORD_V, buf.data, buf.size);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&rec);
    msgpack_sbuffer_destroy (&buf);
    if (rc == 0 && !orders_tracking_final (fulfilment->status))
        rc = store_put (txn, dbs->fulfilment_age, age, s_age_key (age, fulfilment->status, fulfilment->as_of, key),
                        "", 0, 0);
    *applied = rc == 0;
    return rc;
}

int
orders_tracking_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                      orders_fulfilment_t **items, size_t *count)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->fulfilments, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key = {16, (void *) order_id}, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size == 32 && memcmp (key.mv_data, order_id, 16) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        orders_fulfilment_t *item = (orders_fulfilment_t *) record_push (items, count, sizeof *item);
        uint64_t seq;
        rc = item ? s_stored (&val, item, &seq) : RM_ENOMEM;
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
orders_tracking_older (MDB_txn *txn, const orders_dbs_t *dbs, const char *status, int64_t before, int max,
                       void (*fn) (void *arg, const uint8_t order_id[16]), void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->fulfilment_age, &cursor) != 0)
        return RM_ESTORE;
    uint8_t first[AGE_KEY_MAX] = {0}, zero[32] = {0};
    size_t plen = s_age_key (first, status, 0, zero) - 8 - 32;
    MDB_val key = {plen + 8, first}, val;
    int walked = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         mrc == 0 && walked < max && key.mv_size == plen + 8 + 32 && memcmp (key.mv_data, first, plen) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        MDB_val at = {8, (uint8_t *) key.mv_data + plen};
        if ((int64_t) store_u64_of (&at) >= before)
            break;
        fn (arg, (const uint8_t *) key.mv_data + plen + 8);
        walked++;
    }
    mdb_cursor_close (cursor);
    return walked;
}

//  ---------------------------------------------------------------------
//  the stored order in step

//  The stored order map with status and each line's shipped and delivered
//  from lines.
static void
s_pack_synced (msgpack_packer *pk, const msgpack_object *order, const char *status,
               const orders_status_line_t *lines)
{
    const msgpack_object_map *map = &order->via.map;
    msgpack_pack_map (pk, map->size);
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object_kv *kv = &map->ptr[i];
        mp_pack_object (pk, &kv->key);
        if (mp_str_eq (&kv->key, "status"))
            mp_pack_str (pk, status);
        else if (!mp_str_eq (&kv->key, "lines"))
            mp_pack_object (pk, &kv->val);
        else {
            msgpack_pack_array (pk, kv->val.via.array.size);
            for (uint32_t l = 0; l < kv->val.via.array.size; l++) {
                const msgpack_object_map *line = &kv->val.via.array.ptr[l].via.map;
                uint32_t kept = 0;
                for (uint32_t k = 0; k < line->size; k++)
                    kept += !mp_str_eq (&line->ptr[k].key, "shipped") && !mp_str_eq (&line->ptr[k].key, "delivered");
                msgpack_pack_map (pk, kept + 2);
                for (uint32_t k = 0; k < line->size; k++)
                    if (!mp_str_eq (&line->ptr[k].key, "shipped") && !mp_str_eq (&line->ptr[k].key, "delivered")) {
                        mp_pack_object (pk, &line->ptr[k].key);
                        mp_pack_object (pk, &line->ptr[k].val);
                    }
                mp_pack_kv_int (pk, "shipped", lines[l].shipped);
                mp_pack_kv_int (pk, "delivered", lines[l].delivered);
            }
        }
    }
}

static bool
s_lines_differ (const orders_order_t *order, const orders_status_line_t *lines)
{
    for (size_t i = 0; i < order->lines_count; i++)
        if (order->lines[i].shipped != lines[i].shipped || order->lines[i].delivered != lines[i].delivered)
            return true;
    return false;
}

int
orders_tracking_sync (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *event,
                      const char *cid, const char *caller, char status[ORDERS_STATUS_SIZE])
{
    orders_found_t found;
    int rc = orders_load (txn, dbs, order_id, &found);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    orders_order_t order = {0};
    orders_status_t known = {0};
    orders_status_line_t *lines = NULL;
    rc = msgpack_unpack_next (&unpacked, (const char *) found.order.mv_data, found.order.mv_size, NULL)
                     == MSGPACK_UNPACK_SUCCESS
                 ? record_decode (orders_order_fields, &unpacked.data, &order)
                 : RM_ESTORE;
    rc = rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
    if (rc == 0)
        rc = orders_tracking_load (txn, dbs, order_id, &known.fulfillments, &known.fulfillments_count);
    if (rc == 0 && !(lines = (orders_status_line_t *) calloc (order.lines_count, sizeof *lines)))
        rc = RM_ENOMEM;
    const char *now = NULL;
    if (rc == 0) {
        orders_tracking_lines (&order, known.fulfillments, known.fulfillments_count, lines);
        now = orders_tracking_order_status (&order, known.fulfillments, known.fulfillments_count);
        if (status)
            snprintf (status, ORDERS_STATUS_SIZE, "%s", now);
    }
    bool moved = rc == 0 && strcmp (now, order.status) != 0;
    if (rc == 0 && (moved || s_lines_differ (&order, lines))) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init (&buf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        s_pack_synced (&pk, &unpacked.data, now, lines);
        rc = orders_replace (txn, dbs, order_id, found.hash, buf.data, buf.size);
        msgpack_sbuffer_destroy (&buf);
    }
    if (rc == 0 && moved)
        rc = orders_history_add (txn, dbs, order_id, now, event, cid, caller, NULL);
    free (lines);
    record_free (orders_status_fields, &known);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}
