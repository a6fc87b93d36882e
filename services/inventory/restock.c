//  restock — returned units coming back into the stock.
#include "restock.h"
#include "catalog_returns.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "movement.h"
#include "mp.h"
#include "stock.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MOVEMENT_MAX (sizeof ((inventory_stock_moved_event_t *) 0)->movement_id - 1)

//  A line planned: its movement ID, the digest that tells its movement
//  from another under that ID, and whether it came in before.
//  A line's key in the movements database: "return <return_id>
//  <movement_id>". A receipt ID names a receipt of one return only, so two
//  returns may bring "R-1#1"; the space, which no movement_id has, keeps it
//  apart from inventory.movement's IDs.
#define S_KEY_MAX (sizeof "return " - 1 + sizeof ((returns_return_t *) 0)->return_id + S_MOVEMENT_MAX)

//  A line planned: its movement ID, its key, the digest that tells its
//  movement from another under that key, and whether it came in before.
typedef struct {
    char movement_id[S_MOVEMENT_MAX + 1];
    char key[S_KEY_MAX + 1];
    uint8_t hash[SHA256_LEN];
    bool seen;
} s_plan_t;

static int
s_refuse (restock_outcome_t *out, int rc, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static int
s_refuse (restock_outcome_t *out, int rc, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    vsnprintf (out->message, sizeof out->message, fmt, args);
    va_end (args);
    return rc;
}

//  The digest of line i's movement: everything that makes it this one, so
//  the same receipt sent again with other units is told apart.
static void
s_hash (const restock_t *in, size_t i, const char *movement_id, uint8_t hash[SHA256_LEN])
{
    const restock_line_t *l = &in->lines[i];
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 8);
    mp_pack_kv_str (&pk, "movement_id", movement_id);
    mp_pack_kv_str (&pk, "type", "return");
    mp_pack_kv_str (&pk, "return_id", in->return_id);
    mp_pack_kv_str (&pk, "sku", l->sku);
    mp_pack_kv_str (&pk, "location", in->location);
    mp_pack_kv_int (&pk, "quantity", l->quantity);
    mp_pack_kv_bool (&pk, "damaged", l->damaged);
    mp_pack_kv_str (&pk, "reason", l->reason ? l->reason : "");
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    //  the buffer was packed just above: it unpacks
    msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL);
    sha256_canonical (&unpacked.data, hash);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

//  Units of line i's SKU that lines before it, still to come in, add.
static int64_t
s_incoming_before (const restock_t *in, const s_plan_t *plan, size_t i)
{
    int64_t units = 0;
    for (size_t k = 0; k < i; k++)
        if (!plan[k].seen && strcmp (in->lines[k].sku, in->lines[i].sku) == 0)
            units += in->lines[k].quantity;
    return units;
}

//  Checks every line before anything is written.
static int
s_plan (MDB_txn *txn, const inventory_dbs_t *dbs, const restock_t *in, s_plan_t *plan, restock_outcome_t *out)
{
    for (size_t i = 0; i < in->count; i++) {
        const restock_line_t *l = &in->lines[i];
        if (l->quantity <= 0)
            return s_refuse (out, RM_EINVAL, "receipt %s line %zu (%s) brings %lld units", in->receipt_id, i + 1,
                             l->sku, (long long) l->quantity);
        int len = snprintf (plan[i].movement_id, sizeof plan[i].movement_id, "%s#%zu", in->receipt_id, i + 1);
        if (len < 0 || (size_t) len > S_MOVEMENT_MAX)
            return s_refuse (out, RM_EINVAL, "receipt_id %.40s... is too long for a movement ID (%zu characters)",
                             in->receipt_id, S_MOVEMENT_MAX);
        snprintf (plan[i].key, sizeof plan[i].key, "return %s %s", in->return_id, plan[i].movement_id);
        s_hash (in, i, plan[i].movement_id, plan[i].hash);
        msgpack_sbuffer reply;
        msgpack_sbuffer_init (&reply);
        int rc = movement_seen (txn, dbs, plan[i].key, plan[i].hash, &reply);
        msgpack_sbuffer_destroy (&reply);
        plan[i].seen = rc == 0;
        if (rc == RM_ECONFLICT)
            return s_refuse (out, rc, "movement %s of return %s was already applied with other units",
                             plan[i].movement_id, in->return_id);
        if (rc != 0 && rc != RM_ENOTFOUND)
            return rc;
        stock_t stock = {0};
        rc = plan[i].seen ? RM_ENOTFOUND : stock_get (txn, dbs, l->sku, in->location, &stock);
        if (rc != 0 && rc != RM_ENOTFOUND)
            return rc;
        if (!plan[i].seen && stock.on_hand + s_incoming_before (in, plan, i) + l->quantity > CATALOG_MAX_ON_HAND)
            return s_refuse (out, RM_EINVAL, "receipt %s line %zu: on hand of %s at %s would pass %lld",
                             in->receipt_id, i + 1, l->sku, in->location, (long long) CATALOG_MAX_ON_HAND);
        out->applied += !plan[i].seen;
        out->duplicates += plan[i].seen;
    }
    return 0;
}

//  Brings line i in: on hand (and quarantined when damaged) with its ledger
//  entry, the SKU's backorders filled by resellable units, then the
//  movement's reply, event and record.
static int
s_bring_in (service_t *svc, MDB_txn *txn, const char *cid, const restock_t *in, size_t i, const s_plan_t *plan)
{
    const restock_line_t *l = &in->lines[i];
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    inventory_stock_moved_event_t moved = {.quantity = l->quantity, .has_stock = true};
    snprintf (moved.movement_id, sizeof moved.movement_id, "%s", plan->movement_id);
    snprintf (moved.type, sizeof moved.type, "return");
    snprintf (moved.sku, sizeof moved.sku, "%s", l->sku);
    snprintf (moved.location, sizeof moved.location, "%s", in->location);
    stock_entry_t entry = {.movement_id = plan->movement_id, .reason = l->reason, .occurred_at = in->received_at,
                           .order_id = in->order_id};
    stock_change_t change = {.entry = &entry, .type = "return", .on_hand_delta = l->quantity,
                             .quarantine_delta = l->damaged ? l->quantity : 0};
    stock_t after;
    int64_t shortfall;
    int rc = stock_location_ensure (txn, &dbs, in->location, &moved.location_created);
    if (rc == 0)
        rc = stock_change (svc, txn, cid, l->sku, in->location, &change, &after, &shortfall);
    if (rc == 0 && !l->damaged)
        rc = stock_arrived (svc, txn, cid, l->sku, in->location, &after);
    if (rc != 0)
        //  the plan checked what could refuse the change
        return rc == RM_EINVAL || rc == RM_ENOTFOUND || rc == RM_ESHORT ? RM_ESTORE : rc;
    stock_fill_location_stock (&moved.stock, in->location, &after);
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    rc = movement_record (svc, txn, cid, plan->key, plan->hash, &moved, &reply);
    msgpack_sbuffer_destroy (&reply);
    return rc;
}

int
restock_apply (service_t *svc, MDB_txn *txn, const char *cid, const restock_t *in, restock_outcome_t *out)
{
    *out = (restock_outcome_t) {0};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    s_plan_t *plan = in->count ? (s_plan_t *) calloc (in->count, sizeof *plan) : NULL;
    if (in->count && !plan)
        return RM_ENOMEM;
    restock_t at = *in;
    at.received_at = in->received_at > 0 ? in->received_at : clock_now_ms ();
    int rc = s_plan (txn, &dbs, &at, plan, out);
    for (size_t i = 0; rc == 0 && i < at.count; i++)
        if (!plan[i].seen)
            rc = s_bring_in (svc, txn, cid, &at, i, &plan[i]);
    free (plan);
    return rc;
}

//  ---------------------------------------------------------------------
//  events consumed

int
restock_on_returns_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    returns_received_event_t received = {0};
    int rc = record_decode (returns_received_event_fields, &event->body, &received);
    const returns_received_receipt_t *receipt = &received.receipt;
    size_t count = rc == 0 ? receipt->lines_count : 0;
    restock_line_t *lines = count ? (restock_line_t *) calloc (count, sizeof *lines) : NULL;
    if (count && !lines)
        rc = RM_ENOMEM;
    restock_outcome_t out = {0};
    for (size_t i = 0; rc == 0 && lines && i < count; i++) {
        const char *condition = receipt->lines[i].condition;
        lines[i] = (restock_line_t) {.sku = receipt->lines[i].sku, .quantity = receipt->lines[i].quantity,
                                     .damaged = strcmp (condition, "damaged") == 0,
                                     .reason = receipt->lines[i].reason};
        //  a condition unknown here may be damaged: it is not put up for sale
        if (!lines[i].damaged && strcmp (condition, "resellable") != 0)
            rc = s_refuse (&out, RM_EINVAL, "receipt %s line %zu: condition '%s' is not " RETURNS_CONDITIONS,
                           receipt->receipt_id, i + 1, condition);
    }
    restock_t in = {.return_id = received.return_id, .receipt_id = receipt->receipt_id,
                    .order_id = received.order_id, .location = receipt->location,
                    .received_at = receipt->received_at, .lines = lines, .count = count};
    if (rc == 0)
        rc = restock_apply ((service_t *) host, txn, event->cid, &in, &out);
    if (rc == RM_EINVAL || rc == RM_ECONFLICT)
        log_error (event->cid, "%s of return %s not applied: %s", event->type, received.return_id,
                   out.message[0] ? out.message : "not a valid receipt");
    else if (rc == 0)
        log_info (event->cid, "%s: receipt %s of return %s at %s, %zu line(s) in, %zu in before", event->type,
                  in.receipt_id, in.return_id, in.location, out.applied, out.duplicates);
    free (lines);
    record_free (returns_received_event_fields, &received);
    //  Units refunded but not in stock must not vanish as a business
    //  rejection (which the consumer only logs and skips): as a failure the
    //  receipt is retried and then dead-lettered, for `retailmesh dlq`.
    return rc == RM_EINVAL || rc == RM_ECONFLICT ? RM_EINTERNAL : rc;
}
