//  reservation — orders' reservations: allocation, status, listing.
#include "reservation.h"
#include "backorder.h"
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "failpoint.h"
#include "hold.h"
#include "log.h"
#include "mp.h"
#include "settle.h"
#include "stock.h"
#include "storeval.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

RECORD_FIELDS (reservation, RESERVATION_RECORD)

bool
reservation_may_move (const char *from, const char *to)
{
    if (strcmp (from, RESERVATION_HELD) == 0)
        return strcmp (to, RESERVATION_COMMITTED) == 0 || strcmp (to, RESERVATION_RELEASED) == 0
               || strcmp (to, RESERVATION_EXPIRED) == 0;
    return strcmp (from, RESERVATION_COMMITTED) == 0 && strcmp (to, RESERVATION_RELEASED) == 0;
}

int
reservation_move (reservation_t *record, const char *to, int64_t now)
{
    if (!reservation_may_move (record->status, to))
        return RM_ECONFLICT;
    snprintf (record->status, sizeof record->status, "%s", to);
    record->updated_at = now;
    return 0;
}

int
reservation_get (MDB_txn *txn, MDB_dbi dbi, const uint8_t owner[16], reservation_t *out)
{
    MDB_val val;
    int rc = store_get (txn, dbi, owner, 16, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, RESERVATION_RECORD_V, &unpacked) == 0 ? 0 : RM_ESTORE;
    if (rc == 0)
        rc = record_decode (reservation_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == RM_EINVAL ? RM_ESTORE : rc;
}

int
reservation_put (MDB_txn *txn, MDB_dbi dbi, const uint8_t owner[16], const reservation_t *record)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (reservation_fields, record, &pk);
    int rc = storeval_put (txn, dbi, owner, 16, RESERVATION_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  Adds quantity at location to line, beside what it holds there already.
static int
s_alloc_add (inventory_reserved_line_t *line, const char *location, int64_t quantity)
{
    for (size_t i = 0; i < line->allocations_count; i++)
        if (strcmp (line->allocations[i].location, location) == 0) {
            line->allocations[i].quantity += quantity;
            return 0;
        }
    catalog_allocation_t *at = (catalog_allocation_t *) record_push (&line->allocations, &line->allocations_count,
                                                                     sizeof *at);
    if (!at)
        return RM_ENOMEM;
    snprintf (at->location, sizeof at->location, "%s", location);
    at->quantity = quantity;
    return 0;
}

static bool
s_in_scope (const reservation_scope_t *scope, const char *location)
{
    if (!scope || !scope->ship_from)
        return true;
    for (size_t i = 0; i < scope->ship_from_count; i++)
        if (strcmp (scope->ship_from[i], location) == 0)
            return true;
    return false;
}

int
reservation_allocate (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, int64_t quantity,
                      const reservation_scope_t *scope, inventory_reserved_line_t *line, int64_t *available)
{
    stock_at_t *locs = NULL;
    size_t n = 0;
    int rc = stock_locations (txn, dbs, sku, &locs, &n);
    if (rc != 0)
        return rc;
    if (n == 0) {
        free (locs);
        return RM_ENOTFOUND;
    }
    *available = 0;
    const stock_at_t *whole = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!s_in_scope (scope, locs[i].location))
            continue;
        int64_t free_here = stock_available (&locs[i].stock);
        *available += free_here;
        if (!whole && free_here >= quantity)
            whole = &locs[i];
    }
    if (whole)
        rc = s_alloc_add (line, whole->location, quantity);
    else if (*available < quantity)
        rc = RM_ESHORT;
    int64_t left = whole ? 0 : quantity;
    for (size_t i = 0; rc == 0 && left > 0 && i < n; i++) {
        int64_t free_here = s_in_scope (scope, locs[i].location) ? stock_available (&locs[i].stock) : 0;
        int64_t take = free_here < left ? free_here : left;
        if (take > 0)
            rc = s_alloc_add (line, locs[i].location, take);
        left -= take;
    }
    free (locs);
    return rc;
}

int
reservation_hold_line (service_t *svc, MDB_txn *txn, const char *cid, const inventory_reserved_line_t *line)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < line->allocations_count; i++)
        if (line->allocations[i].quantity > 0)
            rc = stock_reserve (svc, txn, cid, line->sku, line->allocations[i].location, line->allocations[i].quantity);
    return rc;
}

static inventory_settled_line_t *
s_settled (const reservation_t *record, size_t line, const char *location)
{
    for (size_t i = 0; i < record->settled_count; i++)
        if (record->settled[i].line == (int64_t) line && strcmp (record->settled[i].location, location) == 0)
            return &record->settled[i];
    return NULL;
}

int64_t
reservation_held_at (const reservation_t *record, size_t line, const char *location)
{
    if (line >= record->lines_count)
        return 0;
    int64_t held = 0;
    const inventory_reserved_line_t *l = &record->lines[line];
    for (size_t i = 0; i < l->allocations_count; i++)
        if (strcmp (l->allocations[i].location, location) == 0)
            held += l->allocations[i].quantity;
    const inventory_settled_line_t *done = s_settled (record, line, location);
    return done ? held - done->shipped - done->released : held;
}

int
reservation_settle (reservation_t *record, size_t line, const char *location, int64_t shipped, int64_t released)
{
    inventory_settled_line_t *done = s_settled (record, line, location);
    if (!done) {
        done = (inventory_settled_line_t *) record_push (&record->settled, &record->settled_count, sizeof *done);
        if (!done)
            return RM_ENOMEM;
        done->line = (int64_t) line;
        snprintf (done->sku, sizeof done->sku, "%s", line < record->lines_count ? record->lines[line].sku : "");
        snprintf (done->location, sizeof done->location, "%s", location);
    }
    done->shipped += shipped;
    done->released += released;
    return 0;
}

//  Moves up to *left units of line's SKU out of pool's allocations into line.
static int
s_take_from_pool (reservation_t *pool, inventory_reserved_line_t *line, int64_t *left)
{
    for (size_t p = 0; pool && p < pool->lines_count && *left > 0; p++) {
        inventory_reserved_line_t *have = &pool->lines[p];
        if (strcmp (have->sku, line->sku) != 0)
            continue;
        for (size_t a = 0; a < have->allocations_count && *left > 0; a++) {
            catalog_allocation_t *at = &have->allocations[a];
            int64_t take = at->quantity < *left ? at->quantity : *left;
            if (take <= 0)
                continue;
            int rc = s_alloc_add (line, at->location, take);
            if (rc != 0)
                return rc;
            at->quantity -= take;
            *left -= take;
        }
    }
    return 0;
}

//  Allocates and holds what line still needs beyond the pool's units.
static int
s_fill_line (service_t *svc, MDB_txn *txn, const char *cid, const reservation_scope_t *scope,
             inventory_reserved_line_t *line, int64_t left, int64_t *available)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    inventory_reserved_line_t fresh = {0};
    snprintf (fresh.sku, sizeof fresh.sku, "%s", line->sku);
    int rc = reservation_allocate (txn, &dbs, line->sku, left, scope, &fresh, available);
    //  held at once, so the next line of the same SKU sees these units gone
    if (rc == 0)
        rc = reservation_hold_line (svc, txn, cid, &fresh);
    for (size_t i = 0; rc == 0 && i < fresh.allocations_count; i++)
        rc = s_alloc_add (line, fresh.allocations[i].location, fresh.allocations[i].quantity);
    record_free (inventory_reserved_line_fields, &fresh);
    return rc;
}

int
reservation_fill (service_t *svc, MDB_txn *txn, const char *cid, const line_t *lines, size_t count,
                  const reservation_scope_t *scope, reservation_t *pool, reservation_t *out,
                  reservation_outcome_t *outcome)
{
    outcome->nshort = 0;
    for (size_t i = 0; i < count; i++) {
        inventory_reserved_line_t *line = (inventory_reserved_line_t *) record_push (&out->lines, &out->lines_count,
                                                                                   sizeof *line);
        if (!line)
            return RM_ENOMEM;
        snprintf (line->sku, sizeof line->sku, "%s", lines[i].sku);
        line->quantity = lines[i].quantity;
        int64_t left = lines[i].quantity;
        int rc = s_take_from_pool (pool, line, &left);
        int64_t available = 0;
        if (rc == 0 && left > 0)
            rc = s_fill_line (svc, txn, cid, scope, line, left, &available);
        if (rc == RM_ESHORT && scope && scope->backorder && scope->backorder[i]) {
            int64_t held = available;
            rc = held > 0 ? s_fill_line (svc, txn, cid, scope, line, held, &available) : 0;
            line->backordered = left - held;
            line->has_backordered = true;
        }
        if (rc == RM_ESHORT)
            outcome->shortages[outcome->nshort++] =
                (shortage_t) {(int) i, lines[i].quantity, lines[i].quantity - left + available};
        else if (rc == RM_ENOTFOUND) {
            outcome->bad_line = (int) i;
            return rc;
        }
        else if (rc != 0)
            return rc;
    }
    return outcome->nshort > 0 ? RM_ESHORT : 0;
}

//  Units line (of record's) still holds, over its locations.
static int64_t
s_units (const reservation_t *record, size_t line)
{
    int64_t units = 0;
    const inventory_reserved_line_t *l = &record->lines[line];
    for (size_t i = 0; i < l->allocations_count; i++)
        units += l->allocations[i].quantity;
    for (size_t i = 0; i < record->settled_count; i++)
        if (record->settled[i].line == (int64_t) line)
            units -= record->settled[i].shipped + record->settled[i].released;
    return units;
}

//  Whether a line of record before line first holds units of its SKU.
static bool
s_sku_seen (const reservation_t *record, size_t first)
{
    for (size_t k = 0; k < first; k++)
        if (strcmp (record->lines[k].sku, record->lines[first].sku) == 0 && s_units (record, k) > 0)
            return true;
    return false;
}

//  Gives back what line of record still holds at each location.
static int
s_give_back_line (service_t *svc, MDB_txn *txn, const char *cid, const reservation_t *record, size_t line)
{
    const inventory_reserved_line_t *l = &record->lines[line];
    int rc = 0;
    //  a line's allocations name each location once (s_alloc_add)
    for (size_t i = 0; rc == 0 && i < l->allocations_count; i++) {
        int64_t held = reservation_held_at (record, line, l->allocations[i].location);
        if (held > 0)
            rc = stock_reserve (svc, txn, cid, l->sku, l->allocations[i].location, -held);
    }
    return rc;
}

int
reservation_give_back (service_t *svc, MDB_txn *txn, const char *cid, const reservation_t *record)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < record->lines_count; i++)
        rc = s_give_back_line (svc, txn, cid, record, i);
    //  once per SKU: the first fill takes what the units given back allow
    for (size_t i = 0; rc == 0 && i < record->lines_count; i++)
        if (s_units (record, i) > 0 && !s_sku_seen (record, i))
            rc = backorder_fill (svc, txn, cid, record->lines[i].sku);
    return rc;
}

int
reservation_reserve (service_t *svc, MDB_txn *txn, const char *cid, const reservation_request_t *request,
                     reservation_t *out, bool *existing, reservation_outcome_t *outcome, bool *hold_error)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *existing = false;
    *hold_error = false;
    MDB_val tombstone;
    int rc = store_get (txn, dbs.released, request->order_id, 16, &tombstone);
    if (rc == 0)
        return RM_ECONFLICT;
    if (rc != RM_ENOTFOUND)
        return rc;
    rc = reservation_get (txn, dbs.reservations, request->order_id, out);
    if (rc == 0)
        *existing = true;
    if (rc != RM_ENOTFOUND)
        return rc;
    record_free (reservation_fields, out);
    int64_t now = clock_now_ms ();
    reservation_t pool = {0};
    rc = 0;
    if (request->has_hold) {
        rc = hold_take (svc, txn, cid, request->hold_id, request->order_id, now, &pool);
        *hold_error = rc == RM_ENOTFOUND || rc == RM_ECONFLICT;
        if (rc == 0)
            uuid_format (request->hold_id, out->hold_id);
    }
    if (rc == 0)
        rc = reservation_fill (svc, txn, cid, request->lines, request->count, &request->scope,
                               request->has_hold ? &pool : NULL, out, outcome);
    //  what the order did not take of the hold's units
    if (rc == 0)
        rc = reservation_give_back (svc, txn, cid, &pool);
    record_free (reservation_fields, &pool);
    for (size_t i = 0; rc == 0 && i < out->lines_count; i++)
        if (out->lines[i].has_backordered)
            rc = backorder_add (txn, &dbs, request->order_id, i, out->lines[i].sku, out->lines[i].backordered);
    if (rc != 0)
        return rc;
    snprintf (out->status, sizeof out->status, "%s", RESERVATION_HELD);
    out->created_at = out->updated_at = now;
    out->expires_at = now + request->ttl_ms;
    out->has_expires_at = true;
    rc = reservation_put (txn, dbs.reservations, request->order_id, out);
    if (rc == 0)
        rc = hold_deadline_put (txn, dbs.order_expiry, out->expires_at, request->order_id);
    return rc;
}

//  Ends order_id's reservation with status to: the order is marked in the
//  released database (no later reserve holds stock for it), its backorders
//  are removed and its units given back. *changed when the record moved.
static int
s_end_order (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16], const char *to,
             reservation_t *out, bool *changed)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *changed = false;
    int64_t now = clock_now_ms ();
    msgpack_sbuffer mark;
    msgpack_sbuffer_init (&mark);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &mark, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_kv_int (&pk, "released_at", now);
    int rc = storeval_put (txn, dbs.released, order_id, 16, INVENTORY_RECORD_V, mark.data, mark.size);
    msgpack_sbuffer_destroy (&mark);
    if (rc == 0)
        rc = backorder_cancel (txn, &dbs, order_id);
    if (rc == 0)
        rc = reservation_get (txn, dbs.reservations, order_id, out);
    if (rc == RM_ENOTFOUND)
        return 0;
    int64_t deadline = out->expires_at;
    if (rc != 0 || reservation_move (out, to, now) != 0)
        return rc;
    rc = reservation_put (txn, dbs.reservations, order_id, out);
    if (rc == 0 && deadline != 0)
        rc = hold_deadline_del (txn, dbs.order_expiry, deadline, order_id);
    if (rc == 0)
        rc = reservation_give_back (svc, txn, cid, out);
    *changed = rc == 0;
    return rc;
}

int
reservation_release (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16],
                     reservation_t *out, bool *released)
{
    return s_end_order (svc, txn, cid, order_id, RESERVATION_RELEASED, out, released);
}

int
reservation_expire (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16], reservation_t *out,
                    bool *expired)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *expired = false;
    int rc = reservation_get (txn, dbs.reservations, order_id, out);
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (strcmp (out->status, RESERVATION_HELD) != 0)
        return out->expires_at != 0 ? hold_deadline_del (txn, dbs.order_expiry, out->expires_at, order_id) : 0;
    record_free (reservation_fields, out);
    rc = s_end_order (svc, txn, cid, order_id, RESERVATION_EXPIRED, out, expired);
    if (rc == 0 && *expired) {
        char text[UUID_STR_LEN + 1];
        uuid_format (order_id, text);
        reservation_pack (service_event (svc, "inventory.reservation.expired", cid), text, out);
    }
    return rc;
}

int
reservation_postpone (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], int64_t at)
{
    reservation_t record = {0};
    int rc = reservation_get (txn, dbs->reservations, order_id, &record);
    bool held = rc == 0 && strcmp (record.status, RESERVATION_HELD) == 0;
    if (rc == 0 && record.expires_at != 0)
        rc = hold_deadline_del (txn, dbs->order_expiry, record.expires_at, order_id);
    if (rc == 0 && held) {
        record.expires_at = at;
        record.has_expires_at = true;
        rc = reservation_put (txn, dbs->reservations, order_id, &record);
    }
    if (rc == 0 && held)
        rc = hold_deadline_put (txn, dbs->order_expiry, at, order_id);
    record_free (reservation_fields, &record);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
reservation_commit (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16])
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    reservation_t record = {0};
    int rc = reservation_get (txn, dbs.reservations, order_id, &record);
    int64_t deadline = record.expires_at;
    bool moved = rc == 0 && reservation_move (&record, RESERVATION_COMMITTED, clock_now_ms ()) == 0;
    if (moved)
        rc = reservation_put (txn, dbs.reservations, order_id, &record);
    if (moved && rc == 0 && deadline != 0)
        rc = hold_deadline_del (txn, dbs.order_expiry, deadline, order_id);
    if (moved && rc == 0) {
        inventory_committed_event_t event = {0};
        uuid_format (order_id, event.order_id);
        snprintf (event.status, sizeof event.status, "%s", record.status);
        record_pack (inventory_committed_event_fields, &event, service_event (svc, "inventory.reservation.committed", cid));
    }
    record_free (reservation_fields, &record);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
reservation_add (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t owner[16], size_t line,
                 const char *location, int64_t quantity)
{
    reservation_t record = {0};
    int rc = reservation_get (txn, dbs->reservations, owner, &record);
    if (rc == 0 && (line >= record.lines_count || !reservation_may_move (record.status, RESERVATION_RELEASED)))
        rc = RM_ENOTFOUND;
    if (rc == 0)
        rc = s_alloc_add (&record.lines[line], location, quantity);
    if (rc == 0 && record.lines[line].has_backordered) {
        inventory_reserved_line_t *held = &record.lines[line];
        held->backordered = held->backordered > quantity ? held->backordered - quantity : 0;
        held->has_backordered = held->backordered > 0;
    }
    if (rc == 0)
        rc = reservation_put (txn, dbs->reservations, owner, &record);
    record_free (reservation_fields, &record);
    return rc;
}

int
reservation_rows (const reservation_t *record, int64_t expires_at, inventory_reservation_row_t **rows,
                  size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < record->lines_count; i++)
        *count += record->lines[i].allocations_count;
    *rows = (inventory_reservation_row_t *) calloc (*count ? *count : 1, sizeof **rows);
    if (!*rows)
        return RM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < record->lines_count; i++)
        for (size_t a = 0; a < record->lines[i].allocations_count; a++) {
            inventory_reservation_row_t *row = &(*rows)[n++];
            row->line = (int64_t) i;
            snprintf (row->sku, sizeof row->sku, "%s", record->lines[i].sku);
            snprintf (row->location, sizeof row->location, "%s", record->lines[i].allocations[a].location);
            row->quantity = record->lines[i].allocations[a].quantity;
            snprintf (row->status, sizeof row->status, "%s", record->status);
            row->expires_at = expires_at;
            row->has_expires_at = expires_at != 0;
        }
    return 0;
}

void
reservation_pack (msgpack_packer *pk, const char *order_id, const reservation_t *record)
{
    inventory_reservation_t reply = {.lines = record->lines, .lines_count = record->lines_count};
    snprintf (reply.order_id, sizeof reply.order_id, "%s", order_id);
    record_pack (inventory_reservation_fields, &reply, pk);
}

//  ---------------------------------------------------------------------
//  migration

//  A schema 2 reservation (record version 1, a bare array of lines)
//  becomes a record of this version.
static int
s_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    MDB_val body;
    msgpack_unpacked lines;
    int rc = storeval_open (old, 1, &body) == 0 ? 0 : RM_ESTORE;
    if (rc == 0)
        rc = storeval_next (&body, &lines);
    else
        msgpack_unpacked_init (&lines);
    if (rc == 0 && lines.data.type != MSGPACK_OBJECT_ARRAY)
        rc = RM_ESTORE;
    if (rc == 0) {
        int64_t now = clock_now_ms ();
        storeval_begin (pk, version);
        msgpack_pack_map (pk, 4);
        mp_pack_kv_str (pk, "status", RESERVATION_COMMITTED);
        mp_pack_kv_int (pk, "created_at", now);
        mp_pack_kv_int (pk, "updated_at", now);
        mp_pack_str (pk, "lines");
        mp_pack_object (pk, &lines.data);
    }
    msgpack_unpacked_destroy (&lines);
    return rc;
}

int
reservation_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    return storeval_migrate_db (txn, store_dbi (store, INVENTORY_DB_RESERVATIONS), RESERVATION_RECORD_V, s_from_v1,
                                count);
}

//  ---------------------------------------------------------------------
//  handlers

bool
reservation_reply_refused (request_t *req, const line_t *lines, const reservation_outcome_t *outcome, int rc)
{
    if (rc == RM_ENOTFOUND) {
        char field[48];
        snprintf (field, sizeof field, "/lines/%d/sku", outcome->bad_line);
        request_reply_error (req, rc, field, "unknown SKU '%s'", lines[outcome->bad_line].sku);
        return true;
    }
    if (rc != RM_ESHORT)
        return false;
    msgpack_packer *pk = request_reply_error_details (req, RM_ESHORT, NULL, "not enough stock for some lines",
                                                      outcome->nshort);
    for (size_t i = 0; i < outcome->nshort; i++) {
        const shortage_t *s = &outcome->shortages[i];
        msgpack_pack_map (pk, 4);
        mp_pack_kv_int (pk, "line", s->line);
        mp_pack_kv_str (pk, "sku", lines[s->line].sku);
        mp_pack_kv_int (pk, "requested", s->requested);
        mp_pack_kv_int (pk, "available", s->available);
    }
    return true;
}

typedef struct {
    service_t *svc;
    request_t *req;
    reservation_request_t request;
    char order_text[UUID_STR_LEN + 1];
    reservation_t record;
    bool existing;
    bool hold_error;
    reservation_outcome_t outcome;
} reserve_ctx_t;

static int
s_reserve_write (MDB_txn *txn, void *arg)
{
    reserve_ctx_t *ctx = (reserve_ctx_t *) arg;
    const char *cid = request_cid (ctx->req);
    record_free (reservation_fields, &ctx->record);
    int rc = reservation_reserve (ctx->svc, txn, cid, &ctx->request, &ctx->record, &ctx->existing, &ctx->outcome,
                                  &ctx->hold_error);
    if (rc == 0 && !ctx->existing)
        reservation_pack (service_event (ctx->svc, "inventory.stock.reserved", cid), ctx->order_text, &ctx->record);
    return rc;
}

static int
s_reply_reserve (reserve_ctx_t *ctx, int rc)
{
    request_t *req = ctx->req;
    const line_t *lines = ctx->request.lines;
    if (ctx->hold_error)
        hold_reply_unusable (ctx->svc, req, ctx->request.hold_id, rc);
    else if (reservation_reply_refused (req, lines, &ctx->outcome, rc))
        return rc;
    else if (rc == RM_ECONFLICT)
        request_reply_error (req, rc, "/order_id", "the hold of order %s was already released", ctx->order_text);
    else if (rc == 0) {
        log_info (request_cid (req), "reserved %zu line(s) for order %s%s%s%s", ctx->request.count, ctx->order_text,
                  ctx->record.hold_id[0] ? ", taking over hold " : "", ctx->record.hold_id,
                  ctx->existing ? " (already held)" : "");
        reservation_pack (request_reply_ok (req), ctx->order_text, &ctx->record);
    }
    return rc;
}

int
reservation_handle_reserve (service_t *svc, request_t *req)
{
    reserve_ctx_t ctx = {.svc = svc, .req = req};
    inventory_reserve_request_t in = {0};
    line_t *lines = NULL;
    int rc = record_decode (inventory_reserve_request_fields, request_body (req), &in);
    if (rc == 0) {
        snprintf (ctx.order_text, sizeof ctx.order_text, "%s", in.order_id);
        rc = uuid_parse (ctx.order_text, ctx.request.order_id);
    }
    if (rc == 0 && in.hold_id[0]) {
        ctx.request.has_hold = true;
        rc = uuid_parse (in.hold_id, ctx.request.hold_id);
    }
    bool *backorder = NULL;
    if (rc == 0 && (!(lines = (line_t *) calloc (in.lines_count, sizeof *lines))
                    || !(backorder = (bool *) calloc (in.lines_count, sizeof *backorder))))
        rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < in.lines_count; i++) {
        snprintf (lines[i].sku, sizeof lines[i].sku, "%s", in.lines[i].sku);
        lines[i].quantity = in.lines[i].quantity;
        lines[i].unit_price = -1;
        backorder[i] = in.allow_backorder || in.lines[i].allow_backorder;
    }
    ctx.request.lines = lines;
    ctx.request.count = in.lines_count;
    ctx.request.scope.backorder = backorder;
    if (in.ship_from_count > 0) {
        ctx.request.scope.ship_from = (const char (*)[INVENTORY_LOCATION_MAX + 1]) in.ship_from;
        ctx.request.scope.ship_from_count = in.ship_from_count;
    }
    if (rc == 0 && !(ctx.outcome.shortages = (shortage_t *) calloc (ctx.request.count, sizeof (shortage_t))))
        rc = RM_ENOMEM;
    ctx.request.ttl_ms = settle_ttl_ms (ctx.request.order_id);
    if (rc == 0)
        rc = s_reply_reserve (&ctx, service_write (svc, s_reserve_write, &ctx));
    if (rc == 0 && strcmp (ctx.record.status, RESERVATION_HELD) == 0)
        settle_arm (svc, ctx.record.expires_at);
    record_free (reservation_fields, &ctx.record);
    record_free (inventory_reserve_request_fields, &in);
    free (lines);
    free (backorder);
    free (ctx.outcome.shortages);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t order_id[16];
    char order_text[UUID_STR_LEN + 1];
    reservation_t record;
    bool released;
} release_ctx_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_ctx_t *ctx = (release_ctx_t *) arg;
    const char *cid = request_cid (ctx->req);
    record_free (reservation_fields, &ctx->record);
    int rc = reservation_release (ctx->svc, txn, cid, ctx->order_id, &ctx->record, &ctx->released);
    if (rc == 0 && ctx->released)
        reservation_pack (service_event (ctx->svc, "inventory.reservation.released", cid), ctx->order_text,
                          &ctx->record);
    return rc;
}

int
reservation_handle_release (service_t *svc, request_t *req)
{
    release_ctx_t ctx = {.svc = svc, .req = req};
    inventory_release_request_t in = {0};
    int rc = record_decode (inventory_release_request_fields, request_body (req), &in);
    if (rc == 0) {
        snprintf (ctx.order_text, sizeof ctx.order_text, "%s", in.order_id);
        rc = uuid_parse (ctx.order_text, ctx.order_id);
    }
    if (rc == 0)
        rc = service_write (svc, s_release_write, &ctx);
    if (rc == 0) {
        if (ctx.released)
            log_info (request_cid (req), "released reservation of order %s", ctx.order_text);
        inventory_release_reply_t reply = {.released = ctx.released};
        snprintf (reply.order_id, sizeof reply.order_id, "%s", ctx.order_text);
        record_pack (inventory_release_reply_fields, &reply, request_reply_ok (req));
    }
    record_free (reservation_fields, &ctx.record);
    return rc;
}

int
reservation_handle_list (service_t *svc, request_t *req)
{
    inventory_reservations_request_t in = {0};
    inventory_order_reservations_t reply = {0};
    reservation_t record = {0};
    uint8_t id[16];
    MDB_txn *txn;
    int rc = record_decode (inventory_reservations_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = uuid_parse (in.order_id, id);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = reservation_get (txn, inventory_dbs_of (svc).reservations, id, &record);
    if (rc == RM_ENOTFOUND)
        rc = request_reply_error (req, rc, NULL, "inventory holds no reservation for order %s", in.order_id);
    else if (rc == 0)
        rc = reservation_rows (&record, 0, &reply.reservations, &reply.reservations_count);
    if (rc == 0 && reply.reservations) {
        snprintf (reply.order_id, sizeof reply.order_id, "%s", in.order_id);
        snprintf (reply.status, sizeof reply.status, "%s", record.status);
        snprintf (reply.hold_id, sizeof reply.hold_id, "%s", record.hold_id);
        //  lent, not copied: record frees them
        reply.settled = record.settled;
        reply.settled_count = record.settled_count;
        record_pack (inventory_order_reservations_fields, &reply, request_reply_ok (req));
        reply.settled = NULL;
        reply.settled_count = 0;
    }
    record_free (inventory_order_reservations_fields, &reply);
    record_free (reservation_fields, &record);
    return rc;
}

//  ---------------------------------------------------------------------
//  events consumed from orders

static int
s_on_order_accepted (service_t *svc, MDB_txn *txn, const envelope_t *event)
{
    orders_order_t accepted = {0};
    uint8_t id[16];
    int rc = record_decode (orders_order_fields, &event->body, &accepted);
    if (rc == 0 && uuid_parse (accepted.order_id, id) != 0)
        rc = RM_EINVAL;
    FAILPOINT_CRASH ("inventory-before-confirm");
    if (rc == 0)
        rc = reservation_commit (svc, txn, event->cid, id);
    record_free (orders_order_fields, &accepted);
    return rc;
}

//  A cancelled order gives its stock back. Applied exactly once per event
//  by the consumer; a second release of the same order would find nothing.
static int
s_on_order_cancelled (service_t *svc, MDB_txn *txn, const envelope_t *event)
{
    orders_cancelled_event_t cancelled = {0};
    reservation_t record = {0};
    uint8_t id[16];
    bool released = false;
    int rc = record_decode (orders_cancelled_event_fields, &event->body, &cancelled);
    if (rc == 0 && uuid_parse (cancelled.order_id, id) != 0)
        rc = RM_EINVAL;
    if (rc == 0)
        rc = reservation_release (svc, txn, event->cid, id, &record, &released);
    if (rc == 0 && released) {
        reservation_pack (service_event (svc, "inventory.reservation.released", event->cid), cancelled.order_id,
                          &record);
        log_info (event->cid, "order %s cancelled: reservation released", cancelled.order_id);
    }
    record_free (reservation_fields, &record);
    record_free (orders_cancelled_event_fields, &cancelled);
    return rc;
}

int
reservation_on_orders_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    if (strcmp (event->type, "orders.order.accepted") == 0)
        return s_on_order_accepted (svc, txn, event);
    return s_on_order_cancelled (svc, txn, event);
}
