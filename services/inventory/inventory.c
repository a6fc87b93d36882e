#include "inventory.h"
#include "backorder.h"
#include "stock.h"
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

//  Reservations are keyed by the order's 16-byte ID; stock.c says how
//  stock, locations and the ledger are keyed.
const char *const inventory_dbs[] = {"stock",  "reservations", "released", "locations",   "skus",
                                     "ledger", "movements",    "holds",    "hold_expiry", "backorders", NULL};

//  Allocates one line and packs it into the record. Returns RM_ESHORT with
//  *available set when the SKU's locations together cannot meet it.
static int
s_allocate (service_t *svc, MDB_txn *txn, const char *cid, const line_t *line, msgpack_packer *pk,
            int64_t *available)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_at_t *locs;
    size_t n;
    int rc = stock_locations (txn, &dbs, line->sku, &locs, &n);
    if (rc != 0)
        return rc;
    if (n == 0)
        return RM_ENOTFOUND;
    *available = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t free_here = stock_available (&locs[i].stock);
        if (free_here > 0) {
            *available += free_here;
            if (*available - free_here < line->quantity)
                used = i + 1;
        }
    }
    if (*available < line->quantity) {
        free (locs);
        return RM_ESHORT;
    }
    msgpack_pack_map (pk, 3);
    mp_pack_kv_str (pk, "sku", line->sku);
    mp_pack_kv_int (pk, "quantity", line->quantity);
    mp_pack_str (pk, "allocations");
    size_t parts = 0;
    for (size_t i = 0; i < used; i++)
        parts += stock_available (&locs[i].stock) > 0;
    msgpack_pack_array (pk, (uint32_t) parts);
    int64_t left = line->quantity;
    for (size_t i = 0; rc == 0 && i < used; i++) {
        int64_t free_here = stock_available (&locs[i].stock);
        int64_t take = free_here < left ? free_here : left;
        if (take <= 0)
            continue;
        left -= take;
        rc = stock_reserve (svc, txn, cid, line->sku, locs[i].location, take);
        msgpack_pack_map (pk, 2);
        mp_pack_kv_str (pk, "location", locs[i].location);
        mp_pack_kv_int (pk, "quantity", take);
    }
    free (locs);
    return rc;
}

static int
s_record_get (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], msgpack_sbuffer *record)
{
    MDB_val val, body;
    int rc = store_get (txn, dbs->reservations, order_id, 16, &val);
    if (rc == 0)
        rc = storeval_open (&val, INVENTORY_RECORD_V, &body) == 0 ? 0 : RM_ESTORE;
    if (rc == 0)
        msgpack_sbuffer_write (record, (const char *) body.mv_data, body.mv_size);
    return rc;
}

int
inventory_reserve (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16],
                   const line_t *lines, size_t count, msgpack_sbuffer *record,
                   bool *existing, shortage_t *shortages, size_t *nshort, int *bad_line)
{
    inventory_dbs_t dbs_of = inventory_dbs_of (svc);
    const inventory_dbs_t *dbs = &dbs_of;
    *existing = false;
    *nshort = 0;
    MDB_val tombstone;
    int rc = store_get (txn, dbs->released, order_id, 16, &tombstone);
    if (rc == 0)
        return RM_ECONFLICT;
    if (rc != RM_ENOTFOUND)
        return rc;
    rc = s_record_get (txn, dbs, order_id, record);
    if (rc == 0) {
        *existing = true;
        return 0;
    }
    if (rc != RM_ENOTFOUND)
        return rc;
    msgpack_packer pk;
    msgpack_packer_init (&pk, record, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, (uint32_t) count);
    //  every line is tried so the caller can report all short lines at once
    for (size_t i = 0; i < count; i++) {
        int64_t available = 0;
        rc = s_allocate (svc, txn, cid, &lines[i], &pk, &available);
        if (rc == RM_ESHORT)
            shortages[(*nshort)++] = (shortage_t) {(int) i, lines[i].quantity, available};
        else if (rc == RM_ENOTFOUND) {
            *bad_line = (int) i;
            return rc;
        }
        else if (rc != 0)
            return rc;
    }
    if (*nshort > 0)
        return RM_ESHORT;
    return storeval_put (txn, dbs->reservations, order_id, 16, INVENTORY_RECORD_V, record->data, record->size);
}

//  Reads a reservation record (the packed array of lines stored for an
//  order) into the lines of reservation. Returns 0, RM_ENOMEM or RM_ESTORE.
static int
s_reservation_read (const char *data, size_t size, inventory_reservation_t *reservation)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = msgpack_unpack_next (&unpacked, data, size, NULL) == MSGPACK_UNPACK_SUCCESS
                     && unpacked.data.type == MSGPACK_OBJECT_ARRAY
                 ? 0 : RM_ESTORE;
    const msgpack_object_array *stored = &unpacked.data.via.array;
    for (uint32_t i = 0; rc == 0 && i < stored->size; i++) {
        inventory_reserved_line_t *line = (inventory_reserved_line_t *) record_push (
            &reservation->lines, &reservation->lines_count, sizeof *line);
        rc = !line ? RM_ENOMEM
             : record_decode (inventory_reserved_line_fields, &stored->ptr[i], line) == 0 ? 0 : RM_ESTORE;
    }
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  Gives back one line's allocations as recorded at reservation time.
static int
s_unallocate (service_t *svc, MDB_txn *txn, const char *cid, const inventory_reserved_line_t *line)
{
    for (size_t i = 0; i < line->allocations_count; i++) {
        const catalog_allocation_t *at = &line->allocations[i];
        int rc = stock_reserve (svc, txn, cid, line->sku, at->location, -at->quantity);
        if (rc != 0)
            return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
    }
    return 0;
}

int
inventory_release (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16],
                   msgpack_sbuffer *record)
{
    inventory_dbs_t dbs_of = inventory_dbs_of (svc);
    const inventory_dbs_t *dbs = &dbs_of;
    msgpack_sbuffer released;
    msgpack_sbuffer_init (&released);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &released, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_kv_int (&pk, "released_at", clock_now_ms ());
    int rc = storeval_put (txn, dbs->released, order_id, 16, INVENTORY_RECORD_V, released.data, released.size);
    msgpack_sbuffer_destroy (&released);
    if (rc == 0)
        rc = s_record_get (txn, dbs, order_id, record);
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    inventory_reservation_t held = {0};
    rc = s_reservation_read (record->data, record->size, &held);
    for (size_t i = 0; rc == 0 && i < held.lines_count; i++)
        rc = s_unallocate (svc, txn, cid, &held.lines[i]);
    record_free (inventory_reservation_fields, &held);
    if (rc == 0)
        rc = store_del (txn, dbs->reservations, order_id, 16);
    return rc;
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

//  Stock gains quarantined units, a ledger and location records (stock.h).
static int
s_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    return stock_migrate_v2 (store, txn, count);
}

const store_migration_t inventory_migrations[] = {
    {1, s_migrate_v1},
    {2, s_migrate_v2},
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

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t order_id[16];
    char order_text[UUID_STR_LEN + 1];
    line_t *lines;
    size_t count;
    msgpack_sbuffer record;
    bool existing;
    shortage_t *shortages;
    size_t nshort;
    int bad_line;
} reserve_ctx_t;

//  Packs the reservation of order_id that record holds (inventory.reserve's
//  reply, its events) from its description. Returns 0, RM_ENOMEM or
//  RM_ESTORE with nothing packed.
static int
s_pack_reservation (msgpack_packer *pk, const char *order_id, const msgpack_sbuffer *record)
{
    inventory_reservation_t reservation = {0};
    snprintf (reservation.order_id, sizeof reservation.order_id, "%s", order_id);
    int rc = s_reservation_read (record->data, record->size, &reservation);
    if (rc == 0)
        record_pack (inventory_reservation_fields, &reservation, pk);
    record_free (inventory_reservation_fields, &reservation);
    return rc;
}

static int
s_pack_record_event (service_t *svc, const char *type, const char *cid, const char *order_id,
                     const msgpack_sbuffer *record)
{
    return s_pack_reservation (service_event (svc, type, cid), order_id, record);
}

static int
s_reserve_write (MDB_txn *txn, void *arg)
{
    reserve_ctx_t *ctx = (reserve_ctx_t *) arg;
    int rc = inventory_reserve (ctx->svc, txn, request_cid (ctx->req), ctx->order_id, ctx->lines, ctx->count, &ctx->record,
                                &ctx->existing, ctx->shortages, &ctx->nshort, &ctx->bad_line);
    if (rc == 0 && !ctx->existing)
        rc = s_pack_record_event (ctx->svc, "inventory.stock.reserved", request_cid (ctx->req),
                                  ctx->order_text, &ctx->record);
    return rc;
}

static int
s_reserve (service_t *svc, request_t *req)
{
    reserve_ctx_t ctx = {.svc = svc, .req = req};
    msgpack_sbuffer_init (&ctx.record);
    inventory_reserve_request_t in = {0};
    int rc = record_decode (inventory_reserve_request_fields, request_body (req), &in);
    if (rc == 0) {
        snprintf (ctx.order_text, sizeof ctx.order_text, "%s", in.order_id);
        ctx.count = in.lines_count;
        rc = uuid_parse (ctx.order_text, ctx.order_id);
    }
    if (rc == 0 && !(ctx.lines = (line_t *) calloc (ctx.count, sizeof *ctx.lines)))
        rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < ctx.count; i++) {
        snprintf (ctx.lines[i].sku, sizeof ctx.lines[i].sku, "%s", in.lines[i].sku);
        ctx.lines[i].quantity = in.lines[i].quantity;
        ctx.lines[i].unit_price = -1;
    }
    record_free (inventory_reserve_request_fields, &in);
    if (rc == 0 && !(ctx.shortages = (shortage_t *) calloc (ctx.count, sizeof *ctx.shortages)))
        rc = RM_ENOMEM;
    if (rc == 0)
        rc = service_write (svc, s_reserve_write, &ctx);
    if (rc == RM_ESHORT) {
        msgpack_packer *pk = request_reply_error_details (req, RM_ESHORT, NULL, "not enough stock for some lines",
                                                          ctx.nshort);
        for (size_t i = 0; i < ctx.nshort; i++) {
            const shortage_t *s = &ctx.shortages[i];
            msgpack_pack_map (pk, 4);
            mp_pack_kv_int (pk, "line", s->line);
            mp_pack_kv_str (pk, "sku", ctx.lines[s->line].sku);
            mp_pack_kv_int (pk, "requested", s->requested);
            mp_pack_kv_int (pk, "available", s->available);
        }
    }
    else if (rc == RM_ECONFLICT)
        request_reply_error (req, rc, "/order_id", "the hold of order %s was already released", ctx.order_text);
    else if (rc == RM_ENOTFOUND) {
        char field[48];
        snprintf (field, sizeof field, "/lines/%d/sku", ctx.bad_line);
        request_reply_error (req, rc, field, "unknown SKU '%s'", ctx.lines[ctx.bad_line].sku);
    }
    else if (rc == 0) {
        log_info (request_cid (req), "reserved %zu line(s) for order %s%s", ctx.count, ctx.order_text,
                  ctx.existing ? " (already held)" : "");
        rc = s_pack_reservation (request_reply_ok (req), ctx.order_text, &ctx.record);
    }
    msgpack_sbuffer_destroy (&ctx.record);
    free (ctx.lines);
    free (ctx.shortages);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t order_id[16];
    char order_text[UUID_STR_LEN + 1];
    msgpack_sbuffer record;
} release_ctx_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_ctx_t *ctx = (release_ctx_t *) arg;
    int rc = inventory_release (ctx->svc, txn, request_cid (ctx->req), ctx->order_id, &ctx->record);
    if (rc == 0 && ctx->record.size > 0)
        rc = s_pack_record_event (ctx->svc, "inventory.reservation.released", request_cid (ctx->req),
                                  ctx->order_text, &ctx->record);
    return rc;
}

static int
s_release (service_t *svc, request_t *req)
{
    release_ctx_t ctx = {.svc = svc, .req = req};
    msgpack_sbuffer_init (&ctx.record);
    inventory_release_request_t in = {0};
    int rc = record_decode (inventory_release_request_fields, request_body (req), &in);
    if (rc == 0) {
        snprintf (ctx.order_text, sizeof ctx.order_text, "%s", in.order_id);
        rc = uuid_parse (ctx.order_text, ctx.order_id);
    }
    if (rc == 0)
        rc = service_write (svc, s_release_write, &ctx);
    if (rc == 0) {
        if (ctx.record.size > 0)
            log_info (request_cid (req), "released reservation of order %s", ctx.order_text);
        inventory_release_reply_t reply = {.released = ctx.record.size > 0};
        snprintf (reply.order_id, sizeof reply.order_id, "%s", ctx.order_text);
        record_pack (inventory_release_reply_fields, &reply, request_reply_ok (req));
    }
    msgpack_sbuffer_destroy (&ctx.record);
    return rc;
}

//  ---------------------------------------------------------------------
//  events consumed from orders

//  A cancelled order gives its stock back. Applied exactly once per event
//  by the consumer; a second release of the same order would find nothing.
static int
s_on_order_cancelled (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    orders_cancelled_event_t cancelled = {0};
    uint8_t id[16];
    int rc = record_decode (orders_cancelled_event_fields, &event->body, &cancelled);
    const char *text = cancelled.order_id;
    if (rc == 0 && uuid_parse (text, id) != 0)
        rc = RM_EINVAL;
    msgpack_sbuffer record;
    msgpack_sbuffer_init (&record);
    if (rc == 0)
        rc = inventory_release (svc, txn, event->cid, id, &record);
    if (rc == 0 && record.size > 0)
        rc = s_pack_record_event (svc, "inventory.reservation.released", event->cid, text, &record);
    if (rc == 0 && record.size > 0)
        log_info (event->cid, "order %s cancelled: reservation released", text);
    msgpack_sbuffer_destroy (&record);
    record_free (orders_cancelled_event_fields, &cancelled);
    return rc;
}

static const char *const s_order_events[] = {"orders.order.cancelled", NULL};

const consumer_def_t inventory_consumers[] = {
    {"orders", s_order_events, s_on_order_cancelled},
    {NULL, NULL, NULL},
};

const service_route_t inventory_routes[] = {
    {"inventory.availability", stock_handle_availability},
    {"inventory.reserve", s_reserve},
    {"inventory.release", s_release},
    {"inventory.set_stock", stock_handle_set_stock},
    {"inventory.backorders", backorder_handle_list},
    {NULL, NULL},
};
