#include "inventory.h"
#include "hold.h"
#include "reservation.h"
#include "catalog_inventory.h"
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "storeval.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Stock keys are "<sku>\0<location>" (store_key_pair), so a SKU's
//  locations sit together; reservations are keyed by the order's 16-byte ID.
const char *const inventory_dbs[] = {"stock",  "reservations", "released", "locations",   "skus",
                                     "ledger", "movements",    "holds",    "hold_expiry", "backorders", NULL};

static int
s_stock_decode (const MDB_val *val, stock_t *stock)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, INVENTORY_RECORD_V, &unpacked);
    if (rc == 0 && (mp_get_int (&unpacked.data, "on_hand", &stock->on_hand) != 0
                    || mp_get_int (&unpacked.data, "reserved", &stock->reserved) != 0))
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

static void
s_pack_stock_record (msgpack_packer *pk, const stock_t *stock)
{
    msgpack_pack_map (pk, 2);
    mp_pack_kv_int (pk, "on_hand", stock->on_hand);
    mp_pack_kv_int (pk, "reserved", stock->reserved);
}

int
inventory_stock_get (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location, stock_t *stock)
{
    char key[160];
    size_t klen = store_key_pair (key, sizeof key, sku, location);
    MDB_val val;
    int rc = klen ? store_get (txn, dbi, key, klen, &val) : RM_EINVAL;
    return rc != 0 ? rc : s_stock_decode (&val, stock);
}

int
inventory_stock_put (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location, const stock_t *stock)
{
    char key[160];
    size_t klen = store_key_pair (key, sizeof key, sku, location);
    if (!klen)
        return RM_EINVAL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    s_pack_stock_record (&pk, stock);
    int rc = storeval_put (txn, dbi, key, klen, INVENTORY_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
inventory_locations (MDB_txn *txn, MDB_dbi dbi, const char *sku, location_stock_t *out, int max)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    size_t plen = strlen (sku) + 1;
    MDB_val key = {plen, (void *) sku}, val;
    int count = 0;
    int rc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
    while (rc == 0 && count < max && key.mv_size > plen && memcmp (key.mv_data, sku, plen) == 0) {
        size_t llen = key.mv_size - plen;
        if (llen > INVENTORY_LOCATION_MAX || s_stock_decode (&val, &out[count].stock) != 0) {
            count = RM_ESTORE;
            break;
        }
        memcpy (out[count].location, (char *) key.mv_data + plen, llen);
        out[count].location[llen] = '\0';
        count++;
        rc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return count;
}

int
inventory_set_on_hand (MDB_txn *txn, MDB_dbi dbi, const char *sku, const char *location,
                       int64_t on_hand, stock_t *result)
{
    stock_t stock = {0, 0};
    int rc = inventory_stock_get (txn, dbi, sku, location, &stock);
    if (rc != 0 && rc != RM_ENOTFOUND)
        return rc;
    if (on_hand < stock.reserved) {
        *result = stock;
        return RM_ECONFLICT;
    }
    stock.on_hand = on_hand;
    *result = stock;
    return inventory_stock_put (txn, dbi, sku, location, &stock);
}

//  ---------------------------------------------------------------------
//  migrations

//  Schema 1 -> 2, stock: a raw stock_t {int64 on_hand, int64 reserved}.
static int
s_stock_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    static const char *const fields[] = {"on_hand", "reserved"};
    return storeval_from_int64s (old, version, fields, 2, pk);
}

//  Schema 1 -> 2, released: a raw int64 release time.
static int
s_released_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    static const char *const fields[] = {"released_at"};
    return storeval_from_int64s (old, version, fields, 1, pk);
}

//  Reservations were a bare array of lines already.
static int
s_migrate_v1 (store_t *store, MDB_txn *txn, int64_t *count)
{
    int rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_STOCK), INVENTORY_RECORD_V, s_stock_from_v1, count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_RESERVATIONS), INVENTORY_RECORD_V, storeval_wrap,
                                count);
    if (rc == 0)
        rc = storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_RELEASED), INVENTORY_RECORD_V, s_released_from_v1,
                                count);
    return rc;
}

const store_migration_t inventory_migrations[] = {
    {1, s_migrate_v1},
    {0, NULL},
};

//  ---------------------------------------------------------------------
//  operation handlers

inventory_dbs_t
inventory_dbs_of (service_t *svc)
{
    return (inventory_dbs_t) {
        .stock = service_dbi (svc, INVENTORY_DB_STOCK),
        .reservations = service_dbi (svc, INVENTORY_DB_RESERVATIONS),
        .released = service_dbi (svc, INVENTORY_DB_RELEASED),
        .locations = service_dbi (svc, INVENTORY_DB_LOCATIONS),
        .skus = service_dbi (svc, INVENTORY_DB_SKUS),
        .ledger = service_dbi (svc, INVENTORY_DB_LEDGER),
        .movements = service_dbi (svc, INVENTORY_DB_MOVEMENTS),
        .holds = service_dbi (svc, INVENTORY_DB_HOLDS),
        .hold_expiry = service_dbi (svc, INVENTORY_DB_HOLD_EXPIRY),
        .backorders = service_dbi (svc, INVENTORY_DB_BACKORDERS),
    };
}

//  Looks every SKU up, so an unknown one is reported before any reply is
//  packed, and fills the reply's items.
static int
s_availability_items (service_t *svc, request_t *req, MDB_txn *txn, const inventory_availability_request_t *in,
                      inventory_availability_reply_t *reply)
{
    location_stock_t locs[INVENTORY_LOCATIONS_MAX];
    for (size_t i = 0; i < in->skus_count; i++) {
        inventory_availability_item_t *item = &reply->items[i];
        snprintf (item->sku, sizeof item->sku, "%s", in->skus[i]);
        int count = inventory_locations (txn, inventory_dbs_of (svc).stock, in->skus[i], locs, INVENTORY_LOCATIONS_MAX);
        if (count < 0)
            return count;
        if (count == 0) {
            char field[32];
            snprintf (field, sizeof field, "/skus/%zu", i);
            return request_reply_error (req, RM_ENOTFOUND, field, "unknown SKU '%s'", in->skus[i]);
        }
        item->locations = (inventory_location_stock_t *) calloc ((size_t) count, sizeof *item->locations);
        if (!item->locations)
            return RM_ENOMEM;
        item->locations_count = (size_t) count;
        for (int l = 0; l < count; l++) {
            inventory_location_stock_t *at = &item->locations[l];
            _Static_assert (sizeof at->location == sizeof locs[l].location, "a location is sized by the catalogue");
            memcpy (at->location, locs[l].location, sizeof at->location);
            at->on_hand = locs[l].stock.on_hand;
            at->reserved = locs[l].stock.reserved;
            at->available = at->on_hand - at->reserved;
            item->on_hand += at->on_hand;
            item->reserved += at->reserved;
        }
        item->available = item->on_hand - item->reserved;
    }
    return 0;
}

static int
s_availability (service_t *svc, request_t *req)
{
    inventory_availability_request_t in = {0};
    inventory_availability_reply_t reply = {0};
    MDB_txn *txn;
    int rc = record_decode (inventory_availability_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0) {
        reply.items = (inventory_availability_item_t *) calloc (in.skus_count, sizeof *reply.items);
        reply.items_count = reply.items ? in.skus_count : 0;
        rc = reply.items ? s_availability_items (svc, req, txn, &in, &reply) : RM_ENOMEM;
    }
    if (rc == 0)
        record_pack (inventory_availability_reply_fields, &reply, request_reply_ok (req));
    record_free (inventory_availability_reply_fields, &reply);
    record_free (inventory_availability_request_fields, &in);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    inventory_set_stock_request_t in;
    stock_t result;
} set_ctx_t;

//  The stock a set_stock reply and event carry.
static void
s_pack_stock (msgpack_packer *pk, const set_ctx_t *ctx)
{
    inventory_stock_t stock = {.on_hand = ctx->result.on_hand, .reserved = ctx->result.reserved,
                               .available = ctx->result.on_hand - ctx->result.reserved};
    snprintf (stock.location, sizeof stock.location, "%s", ctx->in.location);
    snprintf (stock.sku, sizeof stock.sku, "%s", ctx->in.sku);
    record_pack (inventory_stock_fields, &stock, pk);
}

static int
s_set_write (MDB_txn *txn, void *arg)
{
    set_ctx_t *ctx = (set_ctx_t *) arg;
    int rc = inventory_set_on_hand (txn, service_dbi (ctx->svc, INVENTORY_DB_STOCK), ctx->in.sku,
                                    ctx->in.location, ctx->in.on_hand, &ctx->result);
    if (rc == 0)
        s_pack_stock (service_event (ctx->svc, "inventory.stock.set", request_cid (ctx->req)), ctx);
    return rc;
}

static int
s_set_stock (service_t *svc, request_t *req)
{
    set_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (inventory_set_stock_request_fields, request_body (req), &ctx.in);
    if (rc == 0)
        rc = service_write (svc, s_set_write, &ctx);
    if (rc == RM_ECONFLICT)
        return request_reply_error (req, rc, "/on_hand",
                                    "on hand %lld is below the %lld units reserved at %s for %s",
                                    (long long) ctx.in.on_hand, (long long) ctx.result.reserved,
                                    ctx.in.location, ctx.in.sku);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "stock %s at %s on hand = %lld", ctx.in.sku, ctx.in.location,
              (long long) ctx.in.on_hand);
    s_pack_stock (request_reply_ok (req), &ctx);
    return 0;
}

static const char *const s_order_events[] = {"orders.order.accepted", "orders.order.cancelled", NULL};

const consumer_def_t inventory_consumers[] = {
    {"orders", s_order_events, reservation_on_orders_event},
    {NULL, NULL, NULL},
};

const service_route_t inventory_routes[] = {
    {"inventory.availability", s_availability},
    {"inventory.reserve", reservation_handle_reserve},
    {"inventory.release", reservation_handle_release},
    {"inventory.reservations", reservation_handle_list},
    {"inventory.hold", hold_handle_place},
    {"inventory.hold_get", hold_handle_get},
    {"inventory.hold_release", hold_handle_release},
    {"inventory.set_stock", s_set_stock},
    {NULL, NULL},
};
