#include "fill.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The line's reservations with the event's added: a location held before
//  grows, a new one is appended.
static int
s_pack_reservations (msgpack_packer *pk, const msgpack_object_array *held, const inventory_backorder_filled_t *fill)
{
    catalog_allocation_t *merged = NULL;
    size_t count = 0;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && held && i < held->size; i++) {
        catalog_allocation_t *at = (catalog_allocation_t *) record_push (&merged, &count, sizeof *at);
        rc = !at ? RM_ENOMEM : record_decode (catalog_allocation_fields, &held->ptr[i], at) == 0 ? 0 : RM_ESTORE;
    }
    for (size_t i = 0; rc == 0 && i < fill->allocations_count; i++) {
        const catalog_allocation_t *now = &fill->allocations[i];
        size_t k = 0;
        while (k < count && strcmp (merged[k].location, now->location) != 0)
            k++;
        if (k == count) {
            catalog_allocation_t *added = (catalog_allocation_t *) record_push (&merged, &count, sizeof *added);
            if (!added) {
                rc = RM_ENOMEM;
                break;
            }
            snprintf (added->location, sizeof added->location, "%s", now->location);
        }
        merged[k].quantity += now->quantity;
    }
    if (rc == 0) {
        msgpack_pack_array (pk, (uint32_t) count);
        for (size_t k = 0; k < count; k++)
            record_pack (catalog_allocation_fields, &merged[k], pk);
    }
    free (merged);
    return rc;
}

static int
s_pack_line (msgpack_packer *pk, const msgpack_object *line, const inventory_backorder_filled_t *fill)
{
    const msgpack_object_map *map = &line->via.map;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < map->size; i++)
        kept += !mp_str_eq (&map->ptr[i].key, "reservations") && !mp_str_eq (&map->ptr[i].key, "backordered");
    msgpack_pack_map (pk, kept + 2);
    for (uint32_t i = 0; i < map->size; i++)
        if (!mp_str_eq (&map->ptr[i].key, "reservations") && !mp_str_eq (&map->ptr[i].key, "backordered")) {
            mp_pack_object (pk, &map->ptr[i].key);
            mp_pack_object (pk, &map->ptr[i].val);
        }
    mp_pack_kv_int (pk, "backordered", fill->outstanding);
    mp_pack_str (pk, "reservations");
    return s_pack_reservations (pk, mp_get_array (line, "reservations"), fill);
}

//  The stored order map with the fill applied to its line and seq recorded.
static int
s_pack_filled (msgpack_packer *pk, const msgpack_object *order, const inventory_backorder_filled_t *fill,
               uint64_t seq)
{
    const msgpack_object_map *map = &order->via.map;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < map->size; i++)
        kept += !mp_str_eq (&map->ptr[i].key, "inventory_seq");
    msgpack_pack_map (pk, kept + 1);
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < map->size; i++) {
        const msgpack_object_kv *kv = &map->ptr[i];
        if (mp_str_eq (&kv->key, "inventory_seq"))
            continue;
        mp_pack_object (pk, &kv->key);
        if (!mp_str_eq (&kv->key, "lines")) {
            mp_pack_object (pk, &kv->val);
            continue;
        }
        msgpack_pack_array (pk, kv->val.via.array.size);
        for (uint32_t l = 0; rc == 0 && l < kv->val.via.array.size; l++)
            if ((int64_t) l == fill->line)
                rc = s_pack_line (pk, &kv->val.via.array.ptr[l], fill);
            else
                mp_pack_object (pk, &kv->val.via.array.ptr[l]);
    }
    mp_pack_kv_int (pk, "inventory_seq", (int64_t) seq);
    return rc;
}

//  Whether the stored order can take the fill: RM_EINVAL when its line is
//  not there or is of another SKU, 1 when the event was applied already.
static int
s_check (const msgpack_object *order, const inventory_backorder_filled_t *fill, uint64_t seq)
{
    int64_t applied = 0;
    if (mp_get_int (order, "inventory_seq", &applied) == 0 && (uint64_t) applied >= seq)
        return 1;
    const msgpack_object_array *lines = mp_get_array (order, "lines");
    if (!lines)
        return RM_ESTORE;
    char sku[sizeof fill->sku];
    if (fill->line >= (int64_t) lines->size || lines->ptr[fill->line].type != MSGPACK_OBJECT_MAP
        || mp_get_str (&lines->ptr[fill->line], "sku", sku, sizeof sku) != 0 || strcmp (sku, fill->sku) != 0)
        return RM_EINVAL;
    return 0;
}

//  What the history says: how much of which SKU was held where.
static void
s_reason (const inventory_backorder_filled_t *fill, char *reason, size_t size)
{
    int n = snprintf (reason, size, "line %lld: %lld of %s held (", (long long) fill->line,
                      (long long) fill->quantity, fill->sku);
    for (size_t i = 0; i < fill->allocations_count && n > 0 && (size_t) n < size; i++)
        n += snprintf (reason + n, size - (size_t) n, "%s%s %lld", i ? ", " : "", fill->allocations[i].location,
                       (long long) fill->allocations[i].quantity);
    if (n > 0 && (size_t) n < size)
        snprintf (reason + n, size - (size_t) n, "); %lld still backordered", (long long) fill->outstanding);
}

int
orders_fill_apply (MDB_txn *txn, const orders_dbs_t *dbs, const inventory_backorder_filled_t *fill,
                   uint64_t seq, const char *cid, const char *caller)
{
    uint8_t id[16];
    if (uuid_parse (fill->order_id, id) != 0)
        return RM_EINVAL;
    orders_found_t found;
    int rc = orders_load (txn, dbs, id, &found);
    if (rc != 0)
        return rc;
    char status[ORDERS_STATUS_SIZE];
    orders_status (&found.order, status, sizeof status);
    if (strcmp (status, "pending") == 0)
        return RM_EBUSY;
    if (strcmp (status, "cancelled") == 0)
        return 0;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    msgpack_sbuffer order;
    msgpack_sbuffer_init (&order);
    rc = msgpack_unpack_next (&unpacked, (const char *) found.order.mv_data, found.order.mv_size, NULL)
                     == MSGPACK_UNPACK_SUCCESS
                 && unpacked.data.type == MSGPACK_OBJECT_MAP
             ? s_check (&unpacked.data, fill, seq)
             : RM_ESTORE;
    if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &order, msgpack_sbuffer_write);
        rc = s_pack_filled (&pk, &unpacked.data, fill, seq);
    }
    if (rc == 0)
        rc = orders_replace (txn, dbs, id, found.hash, order.data, order.size);
    if (rc == 0) {
        char reason[256];
        s_reason (fill, reason, sizeof reason);
        rc = orders_history_add (txn, dbs, id, status, "inventory.backorder.filled", cid, caller, reason);
    }
    msgpack_sbuffer_destroy (&order);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 1 ? 0 : rc;
}

int
orders_fill_on_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    inventory_backorder_filled_t fill = {0};
    int rc = record_decode (inventory_backorder_filled_fields, &event->body, &fill);
    orders_dbs_t dbs = orders_dbs_of (svc);
    if (rc == 0)
        rc = orders_fill_apply (txn, &dbs, &fill, event->seq, event->cid, event->caller);
    //  an order in flight is stored once accepted: the fill is applied then
    if (rc == RM_ENOTFOUND && orders_order_in_flight (fill.order_id))
        rc = RM_EBUSY;
    if (rc == 0)
        log_info (event->cid, "order %s line %lld: %lld of %s held for its backorder, %lld outstanding", fill.order_id,
                  (long long) fill.line, (long long) fill.quantity, fill.sku, (long long) fill.outstanding);
    else if (rc == RM_EBUSY)
        log_info (event->cid, "order %s is still being submitted; its backorder fill is applied again shortly",
                  fill.order_id);
    record_free (inventory_backorder_filled_fields, &fill);
    return rc;
}
