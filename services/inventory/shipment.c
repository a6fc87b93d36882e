//  shipment — shipped and given-back units of orders' reservations.
#include "shipment.h"
#include "backorder.h"
#include "catalog_fulfillment.h"
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "reservation.h"
#include "stock.h"
#include "storeval.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_refuse (shipment_outcome_t *out, int rc, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    vsnprintf (out->message, sizeof out->message, fmt, args);
    va_end (args);
    return rc;
}

//  Units of sku at location that lines before line ship.
static int64_t
s_shipped_before (const shipment_t *in, size_t line)
{
    int64_t units = 0;
    for (size_t k = 0; k < line; k++)
        if (strcmp (in->lines[k].sku, in->lines[line].sku) == 0
            && strcmp (in->lines[k].location, in->lines[line].location) == 0)
            units += in->lines[k].shipped;
    return units;
}

//  Settles in's lines in record (in memory) into done's lines, refusing
//  before anything is written.
static int
s_plan (MDB_txn *txn, const inventory_dbs_t *dbs, const shipment_t *in, reservation_t *record,
        inventory_settled_event_t *done, shipment_outcome_t *out)
{
    bool live = reservation_may_move (record->status, RESERVATION_RELEASED);
    for (size_t i = 0; i < in->count; i++) {
        const shipment_line_t *l = &in->lines[i];
        if (l->line >= record->lines_count || strcmp (record->lines[l->line].sku, l->sku) != 0)
            return s_refuse (out, RM_EINVAL, "line %zu (%s) is not a line of order %s", l->line, l->sku,
                             in->order_text);
        int64_t held = live ? reservation_held_at (record, l->line, l->location) : 0;
        if (l->shipped > held)
            return s_refuse (out, RM_ECONFLICT,
                             "line %zu ships %lld units of %s at %s, but order %s holds %lld there (%s)", l->line,
                             (long long) l->shipped, l->sku, l->location, in->order_text, (long long) held,
                             record->status);
        stock_t stock = {0};
        int rc = l->shipped > 0 ? stock_get (txn, dbs, l->sku, l->location, &stock) : 0;
        if (rc != 0)
            return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
        if (l->shipped > 0 && stock.on_hand < s_shipped_before (in, i) + l->shipped)
            return s_refuse (out, RM_ECONFLICT, "line %zu ships %lld units of %s at %s, but %lld are on hand there",
                             l->line, (long long) l->shipped, l->sku, l->location, (long long) stock.on_hand);
        int64_t released = l->released < held - l->shipped ? l->released : held - l->shipped;
        if ((rc = reservation_settle (record, l->line, l->location, l->shipped, released)) != 0)
            return rc;
        inventory_settled_line_t *row = (inventory_settled_line_t *) record_push (&done->lines, &done->lines_count,
                                                                                sizeof *row);
        if (!row)
            return RM_ENOMEM;
        *row = (inventory_settled_line_t) {.line = (int64_t) l->line, .shipped = l->shipped, .released = released};
        snprintf (row->sku, sizeof row->sku, "%s", l->sku);
        snprintf (row->location, sizeof row->location, "%s", l->location);
        out->changed = out->changed || l->shipped > 0 || released > 0;
    }
    return 0;
}

//  Takes row's units off the stock: shipped off on hand and reserved,
//  released off reserved. The plan checked both, so a refusal here means
//  the store disagrees with itself: never a business rejection.
static int
s_apply_row (service_t *svc, MDB_txn *txn, const char *cid, const shipment_t *in, const inventory_settled_line_t *row)
{
    char reason[256];
    stock_entry_t entry = {.movement_id = in->fulfillment_id, .reason = reason, .occurred_at = in->occurred_at,
                           .order_id = in->order_text, .fulfillment_id = in->fulfillment_id};
    stock_t after;
    int64_t shortfall;
    int rc = 0;
    if (row->shipped > 0) {
        snprintf (reason, sizeof reason, "shipped for order %s", in->order_text);
        stock_change_t change = {.entry = &entry, .type = "shipment", .on_hand_delta = -row->shipped,
                                 .reserve_delta = -row->shipped};
        rc = stock_change (svc, txn, cid, row->sku, row->location, &change, &after, &shortfall);
    }
    if (rc == 0 && row->released > 0) {
        snprintf (reason, sizeof reason, "short pick: %lld units not shipped, released", (long long) row->released);
        stock_change_t change = {.entry = in->fulfillment_id ? &entry : NULL, .type = "short_pick",
                                 .reserve_delta = -row->released};
        rc = stock_change (svc, txn, cid, row->sku, row->location, &change, &after, &shortfall);
    }
    return rc == RM_EINVAL || rc == RM_ENOTFOUND || rc == RM_ECONFLICT || rc == RM_ESHORT ? RM_ESTORE : rc;
}

//  Lets each SKU given back fill its backorders, once per SKU.
static int
s_fill_backorders (service_t *svc, MDB_txn *txn, const char *cid, const inventory_settled_event_t *done)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < done->lines_count; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || (done->lines[k].released > 0 && strcmp (done->lines[k].sku, done->lines[i].sku) == 0);
        if (done->lines[i].released > 0 && !seen)
            rc = backorder_fill (svc, txn, cid, done->lines[i].sku);
    }
    return rc;
}

static int
s_put_shipment (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t id[16], const inventory_settled_event_t *done)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (inventory_settled_event_fields, done, &pk);
    int rc = storeval_put (txn, dbs->shipments, id, 16, INVENTORY_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  The writes of a settlement planned: stock, the reservation, the
//  shipment, then what reads them back (backorder fills, the commit).
static int
s_write (service_t *svc, MDB_txn *txn, const char *cid, const shipment_t *in, const uint8_t fid[16],
         const reservation_t *record, const inventory_settled_event_t *done, bool commit)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < done->lines_count; i++)
        rc = s_apply_row (svc, txn, cid, in, &done->lines[i]);
    if (rc == 0)
        rc = reservation_put (txn, dbs.reservations, in->order_id, record);
    if (rc == 0 && in->fulfillment_id)
        rc = s_put_shipment (txn, &dbs, fid, done);
    if (rc == 0)
        rc = s_fill_backorders (svc, txn, cid, done);
    if (rc == 0 && commit)
        rc = reservation_commit (svc, txn, cid, in->order_id);
    const char *type = in->fulfillment_id ? "inventory.stock.shipped" : "inventory.reservation.reduced";
    if (rc == 0)
        record_pack (inventory_settled_event_fields, done, service_event (svc, type, cid));
    return rc;
}

int
shipment_apply (service_t *svc, MDB_txn *txn, const char *cid, const shipment_t *in, shipment_outcome_t *out)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *out = (shipment_outcome_t) {0};
    uint8_t fid[16] = {0};
    int rc = 0;
    if (in->fulfillment_id) {
        if (uuid_parse (in->fulfillment_id, fid) != 0)
            return s_refuse (out, RM_EINVAL, "fulfillment_id '%s' is not a UUID", in->fulfillment_id);
        MDB_val seen;
        rc = store_get (txn, dbs.shipments, fid, 16, &seen);
        if (rc == 0) {
            out->duplicate = true;
            return 0;
        }
        if (rc != RM_ENOTFOUND)
            return rc;
    }
    reservation_t record = {0};
    inventory_settled_event_t done = {.occurred_at = in->occurred_at > 0 ? in->occurred_at : clock_now_ms ()};
    snprintf (done.order_id, sizeof done.order_id, "%s", in->order_text);
    snprintf (done.fulfillment_id, sizeof done.fulfillment_id, "%s", in->fulfillment_id ? in->fulfillment_id : "");
    rc = reservation_get (txn, dbs.reservations, in->order_id, &record);
    if (rc == RM_ENOTFOUND)
        s_refuse (out, rc, "inventory holds no reservation for order %s", in->order_text);
    bool commit = rc == 0 && in->fulfillment_id && strcmp (record.status, RESERVATION_HELD) == 0;
    if (rc == 0)
        rc = s_plan (txn, &dbs, in, &record, &done, out);
    //  a fulfilment is recorded even when it moved nothing, so it ships once
    if (rc == 0 && (out->changed || in->fulfillment_id))
        rc = s_write (svc, txn, cid, in, fid, &record, &done, commit);
    record_free (reservation_fields, &record);
    record_free (inventory_settled_event_fields, &done);
    return rc;
}

//  ---------------------------------------------------------------------
//  events consumed

//  Applies what an event says settled (in, its lines allocated: freed
//  here) for order_text, logging a refusal once.
static int
s_apply_event (service_t *svc, MDB_txn *txn, const envelope_t *event, shipment_t *in, shipment_line_t *lines, int rc)
{
    shipment_outcome_t out = {0};
    in->lines = lines;
    if (rc == 0 && uuid_parse (in->order_text, in->order_id) != 0)
        rc = RM_EINVAL;
    if (rc == 0)
        rc = shipment_apply (svc, txn, event->cid, in, &out);
    if (rc == RM_EINVAL || rc == RM_ENOTFOUND || rc == RM_ECONFLICT)
        log_warn (event->cid, "%s of order %s not applied: %s", event->type, in->order_text,
                  out.message[0] ? out.message : "not a valid order ID");
    else if (rc == 0 && out.duplicate)
        log_info (event->cid, "%s of order %s: fulfilment %s shipped before, nothing changed", event->type,
                  in->order_text, in->fulfillment_id);
    else if (rc == 0)
        log_info (event->cid, "%s of order %s: %zu line(s) settled", event->type, in->order_text, in->count);
    free (lines);
    return rc;
}

//  Lines for count items, or NULL (out of memory: *rc).
static shipment_line_t *
s_lines (size_t count, int *rc)
{
    shipment_line_t *lines = *rc == 0 ? (shipment_line_t *) calloc (count, sizeof *lines) : NULL;
    if (*rc == 0 && !lines)
        *rc = RM_ENOMEM;
    return lines;
}

int
shipment_on_fulfillment_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    fulfillment_event_t ff = {0};
    int rc = record_decode (fulfillment_event_fields, &event->body, &ff);
    shipment_line_t *lines = s_lines (ff.lines_count, &rc);
    for (size_t i = 0; lines && i < ff.lines_count; i++)
        lines[i] = (shipment_line_t) {.line = (size_t) ff.lines[i].line, .sku = ff.lines[i].sku,
                                      .location = ff.location, .shipped = ff.lines[i].shipped,
                                      .released = ff.lines[i].shortfall};
    shipment_t in = {.order_text = ff.order_id, .fulfillment_id = ff.fulfillment_id, .occurred_at = ff.occurred_at,
                     .count = ff.lines_count};
    rc = s_apply_event ((service_t *) host, txn, event, &in, lines, rc);
    record_free (fulfillment_event_fields, &ff);
    return rc;
}

int
shipment_on_lines_cancelled (service_t *svc, MDB_txn *txn, const envelope_t *event)
{
    orders_lines_cancelled_event_t cancelled = {0};
    int rc = record_decode (orders_lines_cancelled_event_fields, &event->body, &cancelled);
    shipment_line_t *lines = s_lines (cancelled.lines_count, &rc);
    for (size_t i = 0; lines && i < cancelled.lines_count; i++)
        lines[i] = (shipment_line_t) {.line = (size_t) cancelled.lines[i].line, .sku = cancelled.lines[i].sku,
                                      .location = cancelled.lines[i].location,
                                      .released = cancelled.lines[i].quantity};
    shipment_t in = {.order_text = cancelled.order_id, .count = cancelled.lines_count};
    rc = s_apply_event (svc, txn, event, &in, lines, rc);
    record_free (orders_lines_cancelled_event_fields, &cancelled);
    return rc;
}
