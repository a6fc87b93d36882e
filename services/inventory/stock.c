#include "stock.h"
#include "backorder.h"
#include "catalog_inventory.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "storeval.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Stock keys are "<sku>\0<location>" (store_key_pair), so a SKU's
//  locations sit together; ledger keys are the stock key, a NUL and the
//  entry's sequence number (8 bytes, big-endian), so a stock's entries sit
//  together in the order they were written.
#define S_KEY_MAX (2 * (INVENTORY_LOCATION_MAX + 1) + 8)

//  What the stock record holds beyond stock_t: the location's own policy
//  (-1 when it follows the SKU's) and the last ledger sequence number.
typedef struct {
    stock_t stock;                 //  safety_stock is the effective figure
    int64_t own_safety;
    int64_t own_threshold;
    int64_t ledger_seq;
} s_record_t;

int64_t
stock_available (const stock_t *stock)
{
    int64_t available = stock->on_hand - stock->reserved - stock->quarantined - stock->safety_stock;
    return available > 0 ? available : 0;
}

//  Stores record, packed as fields describes, at version.
static int
s_store (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version, const field_spec_t *fields,
         const void *record)
{
    if (!klen)
        return RM_EINVAL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fields, record, &pk);
    int rc = storeval_put (txn, dbi, key, klen, version, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  Reads a record s_store stored. Returns 0 or RM_ESTORE.
static int
s_fetch (const MDB_val *val, unsigned version, const field_spec_t *fields, void *record)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, version, &unpacked);
    if (rc == 0 && record_decode (fields, &unpacked.data, record) != 0)
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

//  The stock record as stored (INVENTORY_STOCK_RECORD_V).
#define R_UNITS(X, T, n, req) X (T, INT, n, req, 0, INT64_MAX, #n)
#define STOCK_RECORD(X, T)                                                                             \
    R_UNITS (X, T, on_hand, true) R_UNITS (X, T, reserved, true) R_UNITS (X, T, quarantined, true)       \
    R_UNITS (X, T, ledger_seq, true) R_UNITS (X, T, safety_stock, false) R_UNITS (X, T, low_stock_threshold, false)
RECORD_STRUCT (stock_record, STOCK_RECORD)
RECORD_FIELDS (stock_record, STOCK_RECORD)

static int
s_record_decode (const MDB_val *val, s_record_t *rec)
{
    stock_record_t stored = {0};
    int rc = s_fetch (val, INVENTORY_STOCK_RECORD_V, stock_record_fields, &stored);
    *rec = (s_record_t) {
        .stock = {.on_hand = stored.on_hand, .reserved = stored.reserved, .quarantined = stored.quarantined},
        .own_safety = stored.has_safety_stock ? stored.safety_stock : -1,
        .own_threshold = stored.has_low_stock_threshold ? stored.low_stock_threshold : -1,
        .ledger_seq = stored.ledger_seq};
    return rc;
}

static int
s_record_put (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, const s_record_t *rec)
{
    char key[S_KEY_MAX];
    stock_record_t stored = {
        .on_hand = rec->stock.on_hand, .reserved = rec->stock.reserved, .quarantined = rec->stock.quarantined,
        .ledger_seq = rec->ledger_seq, .safety_stock = rec->own_safety, .has_safety_stock = rec->own_safety >= 0,
        .low_stock_threshold = rec->own_threshold, .has_low_stock_threshold = rec->own_threshold >= 0};
    return s_store (txn, dbs->stock, key, store_key_pair (key, sizeof key, sku, location), INVENTORY_STOCK_RECORD_V,
                    stock_record_fields, &stored);
}

//  A SKU's policy is stored as the inventory.policy.set body that set it.
int
stock_policy_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, stock_policy_t *policy)
{
    *policy = (stock_policy_t) {0, 0};
    MDB_val val;
    int rc = store_get (txn, dbs->skus, sku, strlen (sku), &val);
    if (rc != 0)
        return rc;
    inventory_sku_policy_t stored = {0};
    rc = s_fetch (&val, INVENTORY_RECORD_V, inventory_sku_policy_fields, &stored);
    policy->safety_stock = stored.safety_stock;
    policy->low_stock_threshold = stored.low_stock_threshold;
    return rc;
}

//  The SKU's policy, zero when it has none.
static int
s_policy (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, stock_policy_t *policy)
{
    int rc = stock_policy_get (txn, dbs, sku, policy);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

static int
s_record_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location,
              const stock_policy_t *policy, s_record_t *rec)
{
    char key[S_KEY_MAX];
    size_t klen = store_key_pair (key, sizeof key, sku, location);
    MDB_val val;
    int rc = klen ? store_get (txn, dbs->stock, key, klen, &val) : RM_ENOTFOUND;
    if (rc == 0)
        rc = s_record_decode (&val, rec);
    if (rc == 0)
        rec->stock.safety_stock = rec->own_safety >= 0 ? rec->own_safety : policy->safety_stock;
    return rc;
}

//  The stock record of sku at location with the SKU's policy applied.
static int
s_load (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, stock_policy_t *policy,
        s_record_t *rec)
{
    int rc = s_policy (txn, dbs, sku, policy);
    return rc == 0 ? s_record_get (txn, dbs, sku, location, policy, rec) : rc;
}

int
stock_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, stock_t *stock)
{
    stock_policy_t policy;
    s_record_t rec;
    int rc = s_load (txn, dbs, sku, location, &policy, &rec);
    if (rc == 0)
        *stock = rec.stock;
    return rc;
}

//  ---------------------------------------------------------------------
//  locations

int
stock_location_get (MDB_txn *txn, const inventory_dbs_t *dbs, const char *location, inventory_location_t *loc)
{
    MDB_val val;
    int rc = store_get (txn, dbs->locations, location, strlen (location), &val);
    if (rc == 0)
        *loc = (inventory_location_t) {0};
    return rc == 0 ? s_fetch (&val, INVENTORY_RECORD_V, inventory_location_fields, loc) : rc;
}

static const char *const s_location_types[] = {"warehouse", "store", "dropship", NULL};

int
stock_location_put (MDB_txn *txn, const inventory_dbs_t *dbs, const inventory_location_t *loc)
{
    bool known = false;
    for (int i = 0; s_location_types[i]; i++)
        known |= strcmp (loc->type, s_location_types[i]) == 0;
    if (!known)
        return RM_EINVAL;
    return s_store (txn, dbs->locations, loc->location, strlen (loc->location), INVENTORY_RECORD_V,
                    inventory_location_fields, loc);
}

int
stock_location_list (MDB_txn *txn, const inventory_dbs_t *dbs, inventory_location_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->locations, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        inventory_location_t *loc = (inventory_location_t *) record_push (out, count, sizeof *loc);
        rc = loc ? s_fetch (&val, INVENTORY_RECORD_V, inventory_location_fields, loc) : RM_ENOMEM;
    }
    mdb_cursor_close (cursor);
    if (rc != 0) {
        free (*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

//  A location stock found unknown: a warehouse named by its ID.
static int
s_location_new (MDB_txn *txn, const inventory_dbs_t *dbs, const char *location, int64_t priority)
{
    inventory_location_t loc = {.priority = priority};
    snprintf (loc.location, sizeof loc.location, "%s", location);
    snprintf (loc.name, sizeof loc.name, "%s", location);
    snprintf (loc.type, sizeof loc.type, "warehouse");
    return stock_location_put (txn, dbs, &loc);
}

int
stock_location_ensure (MDB_txn *txn, const inventory_dbs_t *dbs, const char *location, bool *created)
{
    *created = false;
    inventory_location_t loc;
    int rc = stock_location_get (txn, dbs, location, &loc);
    if (rc != RM_ENOTFOUND)
        return rc;
    inventory_location_t *all;
    size_t count;
    if ((rc = stock_location_list (txn, dbs, &all, &count)) != 0)
        return rc;
    //  a location nobody described is used last, after every known one
    int64_t lowest = 0;
    for (size_t i = 0; i < count; i++)
        if (all[i].priority > lowest)
            lowest = all[i].priority;
    free (all);
    rc = s_location_new (txn, dbs, location, lowest < STOCK_PRIORITY_MAX ? lowest + 1 : STOCK_PRIORITY_MAX);
    *created = rc == 0;
    return rc;
}

//  ---------------------------------------------------------------------
//  a SKU's locations

static int
s_by_priority (const void *a, const void *b)
{
    const stock_at_t *x = (const stock_at_t *) a, *y = (const stock_at_t *) b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    int64_t ax = stock_available (&x->stock), ay = stock_available (&y->stock);
    if (ax != ay)
        return ax > ay ? -1 : 1;
    return strcmp (x->location, y->location);
}

//  Walks sku's stock records in key order, calling fn for each.
typedef int (s_each_fn) (const char *location, const s_record_t *rec, void *arg);

static int
s_each (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, s_each_fn *fn, void *arg)
{
    stock_policy_t policy;
    int rc = s_policy (txn, dbs, sku, &policy);
    MDB_cursor *cursor;
    if (rc == 0 && mdb_cursor_open (txn, dbs->stock, &cursor) != 0)
        rc = RM_ESTORE;
    if (rc != 0)
        return rc;
    size_t plen = strlen (sku) + 1;
    MDB_val key = {plen, (void *) sku}, val;
    int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
    while (rc == 0 && mrc == 0 && key.mv_size > plen && memcmp (key.mv_data, sku, plen) == 0) {
        size_t llen = key.mv_size - plen;
        char location[INVENTORY_LOCATION_MAX + 1];
        s_record_t rec;
        if (llen > INVENTORY_LOCATION_MAX || s_record_decode (&val, &rec) != 0)
            rc = RM_ESTORE;
        else {
            memcpy (location, (char *) key.mv_data + plen, llen);
            location[llen] = '\0';
            rec.stock.safety_stock = rec.own_safety >= 0 ? rec.own_safety : policy.safety_stock;
            rc = fn (location, &rec, arg);
        }
        if (rc == 0)
            mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc;
}

typedef struct {
    MDB_txn *txn;
    const inventory_dbs_t *dbs;
    stock_at_t *at;
    size_t count;
} s_collect_t;

static int
s_collect (const char *location, const s_record_t *rec, void *arg)
{
    s_collect_t *ctx = (s_collect_t *) arg;
    stock_at_t *at = (stock_at_t *) record_push (&ctx->at, &ctx->count, sizeof *at);
    if (!at)
        return RM_ENOMEM;
    snprintf (at->location, sizeof at->location, "%s", location);
    at->stock = rec->stock;
    inventory_location_t loc;
    int rc = stock_location_get (ctx->txn, ctx->dbs, location, &loc);
    //  every stocked location has a record (stock creates them, the schema 3
    //  migration made them); one missing is used last rather than refused
    at->priority = rc == 0 ? loc.priority : STOCK_PRIORITY_MAX;
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
stock_locations (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, stock_at_t **out, size_t *count)
{
    s_collect_t ctx = {txn, dbs, NULL, 0};
    int rc = s_each (txn, dbs, sku, s_collect, &ctx);
    if (rc != 0) {
        free (ctx.at);
        ctx = (s_collect_t) {0};
    }
    else if (ctx.count > 1)
        qsort (ctx.at, ctx.count, sizeof *ctx.at, s_by_priority);
    *out = ctx.at;
    *count = ctx.count;
    return rc;
}

//  ---------------------------------------------------------------------
//  low stock

//  What is available of a SKU at each of its locations (in key order) and
//  over all of them, with the thresholds that apply (0: none).
typedef struct {
    char location[INVENTORY_LOCATION_MAX + 1];
    int64_t available, threshold;
} s_level_t;

typedef struct {
    int64_t total, total_threshold;
    s_level_t *at;
    size_t count;
} s_levels_t;

static int
s_sum (const char *location, const s_record_t *rec, void *arg)
{
    s_levels_t *levels = (s_levels_t *) arg;
    s_level_t *at = (s_level_t *) record_push (&levels->at, &levels->count, sizeof *at);
    if (!at)
        return RM_ENOMEM;
    snprintf (at->location, sizeof at->location, "%s", location);
    at->available = stock_available (&rec->stock);
    at->threshold = rec->own_threshold > 0 ? rec->own_threshold : 0;
    levels->total += at->available;
    return 0;
}

static int
s_levels (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, s_levels_t *levels)
{
    stock_policy_t policy;
    *levels = (s_levels_t) {0};
    int rc = s_policy (txn, dbs, sku, &policy);
    if (rc == 0) {
        levels->total_threshold = policy.low_stock_threshold;
        rc = s_each (txn, dbs, sku, s_sum, levels);
    }
    if (rc != 0)
        free (levels->at);
    return rc;
}

static void
s_pack_low (msgpack_packer *pk, const char *sku, const char *location, int64_t available, int64_t threshold)
{
    inventory_stock_low_event_t event = {.available = available, .low_stock_threshold = threshold};
    snprintf (event.sku, sizeof event.sku, "%s", sku);
    snprintf (event.location, sizeof event.location, "%s", location ? location : "");
    record_pack (inventory_stock_low_event_fields, &event, pk);
}

//  Emits low when available went from at or above threshold to below it,
//  replenished when it went back: so each fires once per crossing.
static void
s_cross (service_t *svc, const char *cid, const char *sku, const char *location, int64_t before, int64_t after,
         int64_t threshold_before, int64_t threshold_after)
{
    bool was_low = threshold_before > 0 && before < threshold_before;
    bool is_low = threshold_after > 0 && after < threshold_after;
    if (was_low == is_low)
        return;
    const char *type = is_low ? "inventory.stock.low" : "inventory.stock.replenished";
    s_pack_low (service_event (svc, type, cid), sku, location, after, is_low ? threshold_after : threshold_before);
}

//  Emits what crossed between before and after, and frees both. Both list
//  locations in key order; one new in after was not low before.
static void
s_crossings (service_t *svc, const char *cid, const char *sku, s_levels_t *before, s_levels_t *after)
{
    s_cross (svc, cid, sku, NULL, before->total, after->total, before->total_threshold, after->total_threshold);
    size_t j = 0;
    for (size_t i = 0; i < after->count; i++) {
        const s_level_t *now = &after->at[i];
        while (j < before->count && strcmp (before->at[j].location, now->location) < 0)
            j++;
        bool known = j < before->count && strcmp (before->at[j].location, now->location) == 0;
        s_cross (svc, cid, sku, now->location, known ? before->at[j].available : now->available,
                 now->available, known ? before->at[j].threshold : 0, now->threshold);
    }
    free (before->at);
    free (after->at);
}

//  ---------------------------------------------------------------------
//  the ledger

static size_t
s_ledger_key (char *key, size_t size, const char *sku, const char *location, uint64_t seq)
{
    size_t klen = store_key_pair (key, size, sku, location);
    if (!klen || klen + 9 > size)
        return 0;
    key[klen++] = '\0';
    for (int i = 7; i >= 0; i--)
        key[klen++] = (char) (seq >> (8 * i));
    return klen;
}

static int
s_ledger_append (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, uint64_t seq,
                 const inventory_ledger_entry_t *entry)
{
    char key[S_KEY_MAX];
    return s_store (txn, dbs->ledger, key, s_ledger_key (key, sizeof key, sku, location, seq), INVENTORY_RECORD_V,
                    inventory_ledger_entry_fields, entry);
}

int
stock_ledger (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, const char *location, uint64_t from,
              size_t limit, inventory_ledger_entry_t **entries, size_t *count, uint64_t *next)
{
    *entries = NULL;
    *count = 0;
    *next = 0;
    char key[S_KEY_MAX];
    size_t klen = s_ledger_key (key, sizeof key, sku, location, from);
    if (!klen)
        return RM_ENOTFOUND;
    size_t plen = klen - 8;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->ledger, &cursor) != 0)
        return RM_ESTORE;
    MDB_val k = {klen, key}, val;
    int rc = 0;
    int mrc = mdb_cursor_get (cursor, &k, &val, MDB_SET_RANGE);
    while (rc == 0 && mrc == 0 && k.mv_size == klen && memcmp (k.mv_data, key, plen) == 0) {
        if (*count == limit) {
            const unsigned char *at = (const unsigned char *) k.mv_data + plen;
            for (int i = 0; i < 8; i++)
                *next = (*next << 8) | at[i];
            break;
        }
        inventory_ledger_entry_t *entry = (inventory_ledger_entry_t *) record_push (entries, count, sizeof *entry);
        rc = entry ? s_fetch (&val, INVENTORY_RECORD_V, inventory_ledger_entry_fields, entry) : RM_ENOMEM;
        if (rc == 0)
            mrc = mdb_cursor_get (cursor, &k, &val, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (rc != 0) {
        free (*entries);
        *entries = NULL;
        *count = 0;
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  changing what is on hand

static int
s_check (const stock_change_t *change, const stock_t *stock, int64_t delta, int64_t *shortfall)
{
    int64_t on_hand = stock->on_hand + delta;
    int64_t quarantined = stock->quarantined + change->quarantine_delta;
    int64_t held = stock->reserved + change->reserve_delta + quarantined;
    if (change->reserve_delta > 0 && change->reserve_delta > stock_available (stock)) {
        *shortfall = change->reserve_delta - stock_available (stock);
        return RM_ESHORT;
    }
    if (change->reserve_delta < 0 && -change->reserve_delta > stock->reserved)
        return RM_ESTORE;
    if (quarantined < 0) {
        *shortfall = -quarantined;
        return RM_ESHORT;
    }
    //  refused only when the change eats into what is free: a shipment takes
    //  its units off on hand and reserved alike, so it passes also where a
    //  count left on hand short of what is reserved
    bool takes_free = delta - change->reserve_delta - change->quarantine_delta < 0;
    if (on_hand < 0 || (!change->count && takes_free && on_hand < held)) {
        *shortfall = on_hand < 0 ? -on_hand : held - on_hand;
        return RM_ESHORT;
    }
    return on_hand > CATALOG_MAX_ON_HAND ? RM_EINVAL : 0;
}

int
stock_change (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location,
              const stock_change_t *change, stock_t *after, int64_t *shortfall)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_policy_t policy;
    s_record_t rec;
    s_levels_t was, now;
    *shortfall = 0;
    int rc = s_load (txn, &dbs, sku, location, &policy, &rec);
    if (rc == RM_ENOTFOUND && change->entry) {
        rec = (s_record_t) {.own_safety = -1, .own_threshold = -1};
        rec.stock.safety_stock = policy.safety_stock;
        rc = 0;
    }
    if (rc != 0)
        return rc;
    int64_t delta = change->count ? change->counted - rec.stock.on_hand : change->on_hand_delta;
    if ((rc = s_check (change, &rec.stock, delta, shortfall)) != 0)
        return rc;
    if ((rc = s_levels (txn, &dbs, sku, &was)) != 0)
        return rc;
    rec.stock.on_hand += delta;
    rec.stock.quarantined += change->quarantine_delta;
    rec.stock.reserved += change->reserve_delta;
    if (change->entry && (change->count || delta != 0 || change->reserve_delta != 0)) {
        int64_t now_ms = clock_now_ms ();
        const stock_entry_t *e = change->entry;
        inventory_ledger_entry_t entry = {.quantity_delta = delta, .on_hand_after = rec.stock.on_hand,
                                          .occurred_at = e->occurred_at > 0 ? e->occurred_at : now_ms,
                                          .recorded_at = now_ms};
        snprintf (entry.movement_id, sizeof entry.movement_id, "%s", e->movement_id);
        snprintf (entry.type, sizeof entry.type, "%s", change->type);
        snprintf (entry.reason, sizeof entry.reason, "%s", e->reason ? e->reason : "");
        snprintf (entry.order_id, sizeof entry.order_id, "%s", e->order_id ? e->order_id : "");
        snprintf (entry.fulfillment_id, sizeof entry.fulfillment_id, "%s", e->fulfillment_id ? e->fulfillment_id : "");
        rc = s_ledger_append (txn, &dbs, sku, location, (uint64_t) ++rec.ledger_seq, &entry);
    }
    if (rc == 0)
        rc = s_record_put (txn, &dbs, sku, location, &rec);
    if (rc == 0)
        rc = s_levels (txn, &dbs, sku, &now);
    if (rc != 0) {
        free (was.at);
        return rc;
    }
    s_crossings (svc, cid, sku, &was, &now);
    *after = rec.stock;
    int64_t held = rec.stock.reserved + rec.stock.quarantined;
    if (change->count && rec.stock.on_hand < held)
        *shortfall = held - rec.stock.on_hand;
    return 0;
}

int
stock_reserve (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location, int64_t delta)
{
    stock_change_t change = {.reserve_delta = delta};
    stock_t after;
    int64_t shortfall;
    return stock_change (svc, txn, cid, sku, location, &change, &after, &shortfall);
}

int
stock_arrived (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location, stock_t *stock)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = backorder_fill (svc, txn, cid, sku);
    return rc == 0 ? stock_get (txn, &dbs, sku, location, stock) : rc;
}

static void
s_pack_discrepancy (service_t *svc, const char *cid, const char *sku, const char *location,
                    const stock_entry_t *entry, const stock_t *stock, int64_t shortfall)
{
    inventory_stock_discrepancy_event_t event = {
        .on_hand = stock->on_hand, .reserved = stock->reserved, .quarantined = stock->quarantined,
        .safety_stock = stock->safety_stock, .available = stock_available (stock), .shortfall = shortfall};
    snprintf (event.movement_id, sizeof event.movement_id, "%s", entry->movement_id);
    snprintf (event.sku, sizeof event.sku, "%s", sku);
    snprintf (event.location, sizeof event.location, "%s", location);
    record_pack (inventory_stock_discrepancy_event_fields, &event,
                 service_event (svc, "inventory.stock.discrepancy", cid));
}

int
stock_count (service_t *svc, MDB_txn *txn, const char *cid, const char *sku, const char *location, int64_t counted,
             const stock_entry_t *entry, stock_t *after, int64_t *shortfall, bool *created)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_t before = {0};
    int rc = stock_get (txn, &dbs, sku, location, &before);
    if (rc == RM_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = stock_location_ensure (txn, &dbs, location, created);
    stock_change_t change = {.entry = entry, .type = "count", .count = true, .counted = counted};
    if (rc == 0)
        rc = stock_change (svc, txn, cid, sku, location, &change, after, shortfall);
    //  units found are stock arriving: backorders waiting for it come first
    if (rc == 0 && counted > before.on_hand)
        rc = stock_arrived (svc, txn, cid, sku, location, after);
    if (rc == 0 && *shortfall > 0) {
        log_warn (cid, "count of %s at %s: %lld on hand, %lld short of what is reserved and quarantined", sku, location,
                  (long long) counted, (long long) *shortfall);
        s_pack_discrepancy (svc, cid, sku, location, entry, after, *shortfall);
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  handlers

static void
s_levels_of (const stock_t *stock, int64_t *on_hand, int64_t *reserved, int64_t *quarantined, int64_t *safety,
             int64_t *available)
{
    *on_hand = stock->on_hand;
    *reserved = stock->reserved;
    *quarantined = stock->quarantined;
    *safety = stock->safety_stock;
    *available = stock_available (stock);
}

void
stock_fill_location_stock (inventory_location_stock_t *out, const char *location, const stock_t *stock)
{
    snprintf (out->location, sizeof out->location, "%s", location);
    s_levels_of (stock, &out->on_hand, &out->reserved, &out->quarantined, &out->safety_stock, &out->available);
}

void
stock_fill_stock (inventory_stock_t *out, const char *sku, const char *location, const stock_t *stock)
{
    snprintf (out->sku, sizeof out->sku, "%s", sku);
    snprintf (out->location, sizeof out->location, "%s", location);
    s_levels_of (stock, &out->on_hand, &out->reserved, &out->quarantined, &out->safety_stock, &out->available);
}

static bool
s_wanted (const inventory_availability_request_t *in, const char *location)
{
    if (in->locations_count == 0)
        return true;
    for (size_t i = 0; i < in->locations_count; i++)
        if (strcmp (in->locations[i], location) == 0)
            return true;
    return false;
}

//  Looks every SKU up, so an unknown one is reported before any reply is
//  packed, and fills the reply's items.
static int
s_availability_items (service_t *svc, request_t *req, MDB_txn *txn, const inventory_availability_request_t *in,
                      inventory_availability_reply_t *reply)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->skus_count; i++) {
        inventory_availability_item_t *item = &reply->items[i];
        snprintf (item->sku, sizeof item->sku, "%s", in->skus[i]);
        stock_at_t *locs;
        size_t count;
        if ((rc = stock_locations (txn, &dbs, in->skus[i], &locs, &count)) != 0)
            return rc;
        if (count == 0) {
            char field[32];
            snprintf (field, sizeof field, "/skus/%zu", i);
            return request_reply_error (req, RM_ENOTFOUND, field, "unknown SKU '%s'", in->skus[i]);
        }
        for (size_t l = 0; rc == 0 && l < count; l++) {
            if (!s_wanted (in, locs[l].location))
                continue;
            inventory_location_stock_t *at = (inventory_location_stock_t *) record_push (
                &item->locations, &item->locations_count, sizeof *at);
            if (!at) {
                rc = RM_ENOMEM;
                break;
            }
            stock_fill_location_stock (at, locs[l].location, &locs[l].stock);
            item->on_hand += at->on_hand;
            item->reserved += at->reserved;
            item->quarantined += at->quarantined;
            item->safety_stock += at->safety_stock;
            item->available += at->available;
        }
        free (locs);
    }
    return rc;
}

int
stock_handle_availability (service_t *svc, request_t *req)
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
    char movement_id[128];
    inventory_set_stock_reply_t reply;
} s_set_ctx_t;

static int
s_set_write (MDB_txn *txn, void *arg)
{
    s_set_ctx_t *ctx = (s_set_ctx_t *) arg;
    const char *cid = request_cid (ctx->req);
    stock_entry_t entry = {.movement_id = ctx->movement_id, .reason = "PUT /v1/stock"};
    stock_t after;
    int64_t shortfall;
    int rc = stock_count (ctx->svc, txn, cid, ctx->in.sku, ctx->in.location, ctx->in.on_hand, &entry, &after,
                          &shortfall, &ctx->reply.location_created);
    if (rc != 0)
        return rc;
    inventory_stock_t stock;
    stock_fill_stock (&stock, ctx->in.sku, ctx->in.location, &after);
    record_pack (inventory_stock_fields, &stock, service_event (ctx->svc, "inventory.stock.set", cid));
    inventory_set_stock_reply_t *reply = &ctx->reply;
    snprintf (reply->sku, sizeof reply->sku, "%s", ctx->in.sku);
    snprintf (reply->location, sizeof reply->location, "%s", ctx->in.location);
    s_levels_of (&after, &reply->on_hand, &reply->reserved, &reply->quarantined, &reply->safety_stock,
                 &reply->available);
    ctx->reply.shortfall = shortfall;
    ctx->reply.has_shortfall = shortfall > 0;
    return 0;
}

int
stock_handle_set_stock (service_t *svc, request_t *req)
{
    s_set_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (inventory_set_stock_request_fields, request_body (req), &ctx.in);
    //  a count made by PUT carries no ID of its own: the request's names it
    snprintf (ctx.movement_id, sizeof ctx.movement_id, "put-%.120s", request_cid (req));
    if (rc == 0)
        rc = service_write (svc, s_set_write, &ctx);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "stock %s at %s counted: on hand = %lld", ctx.in.sku, ctx.in.location,
              (long long) ctx.in.on_hand);
    record_pack (inventory_set_stock_reply_fields, &ctx.reply, request_reply_ok (req));
    return 0;
}

//  ---------------------------------------------------------------------
//  schema 2 -> 3

//  A schema 2 stock record {on_hand, reserved} (INVENTORY_RECORD_V) gains
//  quarantined and the ledger's first sequence number.
static int
s_stock_from_v2 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    msgpack_unpacked unpacked;
    int64_t on_hand, reserved;
    int rc = storeval_read (old, INVENTORY_RECORD_V, &unpacked);
    if (rc == 0 && (mp_get_int (&unpacked.data, "on_hand", &on_hand) != 0
                    || mp_get_int (&unpacked.data, "reserved", &reserved) != 0))
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    if (rc != 0)
        return RM_ESTORE;
    storeval_begin (pk, version);
    msgpack_pack_map (pk, 4);
    mp_pack_kv_int (pk, "on_hand", on_hand);
    mp_pack_kv_int (pk, "reserved", reserved);
    mp_pack_kv_int (pk, "quarantined", 0);
    mp_pack_kv_int (pk, "ledger_seq", 1);
    return 0;
}

//  Each stock's on hand becomes its first ledger entry, and each of its
//  locations a warehouse of priority 1: all alike, so allocation still
//  takes the location with the most available first, as schema 2 did.
int
stock_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    inventory_dbs_t dbs = {.stock = store_dbi (store, INVENTORY_DB_STOCK),
                           .locations = store_dbi (store, INVENTORY_DB_LOCATIONS),
                           .skus = store_dbi (store, INVENTORY_DB_SKUS),
                           .ledger = store_dbi (store, INVENTORY_DB_LEDGER)};
    int rc = storeval_migrate_db (txn, dbs.stock, INVENTORY_STOCK_RECORD_V, s_stock_from_v2, count);
    MDB_cursor *cursor;
    if (rc == 0 && mdb_cursor_open (txn, dbs.stock, &cursor) != 0)
        rc = RM_ESTORE;
    if (rc != 0)
        return rc;
    int64_t now = clock_now_ms ();
    MDB_val key, val;
    int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    for (; rc == 0 && mrc == 0; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        const char *sku = (const char *) key.mv_data;
        size_t slen = strnlen (sku, key.mv_size);
        size_t llen = slen < key.mv_size ? key.mv_size - slen - 1 : 0;
        s_record_t rec;
        if (slen == key.mv_size || slen > INVENTORY_LOCATION_MAX || llen == 0 || llen > INVENTORY_LOCATION_MAX
            || s_record_decode (&val, &rec) != 0) {
            rc = RM_ESTORE;
            break;
        }
        char sku_text[INVENTORY_LOCATION_MAX + 1], location[INVENTORY_LOCATION_MAX + 1];
        memcpy (sku_text, sku, slen + 1);
        memcpy (location, sku + slen + 1, llen);
        location[llen] = '\0';
        inventory_ledger_entry_t entry = {.quantity_delta = rec.stock.on_hand, .on_hand_after = rec.stock.on_hand,
                                          .occurred_at = now, .recorded_at = now};
        snprintf (entry.movement_id, sizeof entry.movement_id, "initial");
        snprintf (entry.type, sizeof entry.type, "initial");
        snprintf (entry.reason, sizeof entry.reason, "on hand when the ledger began (schema 3)");
        rc = s_ledger_append (txn, &dbs, sku_text, location, 1, &entry);
        inventory_location_t loc;
        if (rc == 0 && stock_location_get (txn, &dbs, location, &loc) == RM_ENOTFOUND)
            rc = s_location_new (txn, &dbs, location, 1);
    }
    mdb_cursor_close (cursor);
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = RM_ESTORE;
    return rc;
}

//  ---------------------------------------------------------------------
//  policy

//  Sets what in has of a policy: the SKU's (location NULL, into *policy)
//  or a location's own (into *stock), with the crossings that makes.
typedef struct {
    const char *sku, *location;
    bool has_safety_stock, has_low_stock_threshold;
    int64_t safety_stock, low_stock_threshold;
} s_policy_in_t;

static int
s_set_policy (service_t *svc, MDB_txn *txn, const char *cid, const s_policy_in_t *in, stock_policy_t *policy,
              stock_t *stock)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    s_record_t rec;
    s_levels_t was, now;
    int rc = in->location ? s_load (txn, &dbs, in->sku, in->location, policy, &rec) : s_policy (txn, &dbs, in->sku, policy);
    if (rc == 0)
        rc = s_levels (txn, &dbs, in->sku, &was);
    if (rc != 0)
        return rc;
    int64_t *safety = in->location ? &rec.own_safety : &policy->safety_stock;
    int64_t *threshold = in->location ? &rec.own_threshold : &policy->low_stock_threshold;
    if (in->has_safety_stock)
        *safety = in->safety_stock;
    if (in->has_low_stock_threshold)
        *threshold = in->low_stock_threshold;
    inventory_sku_policy_t stored = {.safety_stock = policy->safety_stock, .has_safety_stock = true,
                                     .low_stock_threshold = policy->low_stock_threshold,
                                     .has_low_stock_threshold = true};
    snprintf (stored.sku, sizeof stored.sku, "%s", in->sku);
    rc = in->location ? s_record_put (txn, &dbs, in->sku, in->location, &rec)
                      : s_store (txn, dbs.skus, in->sku, strlen (in->sku), INVENTORY_RECORD_V,
                                 inventory_sku_policy_fields, &stored);
    if (rc == 0)
        rc = s_levels (txn, &dbs, in->sku, &now);
    if (rc != 0) {
        free (was.at);
        return rc;
    }
    //  less safety stock frees units, as stock arriving does: backorders first
    bool freed = now.total > was.total;
    s_crossings (svc, cid, in->sku, &was, &now);
    if (freed)
        rc = backorder_fill (svc, txn, cid, in->sku);
    return rc == 0 && in->location ? stock_get (txn, &dbs, in->sku, in->location, stock) : rc;
}

int
stock_set_policy (service_t *svc, MDB_txn *txn, const char *cid, const inventory_sku_policy_t *in,
                  stock_policy_t *policy)
{
    s_policy_in_t set = {in->sku, NULL, in->has_safety_stock, in->has_low_stock_threshold, in->safety_stock,
                         in->low_stock_threshold};
    return s_set_policy (svc, txn, cid, &set, policy, NULL);
}

int
stock_set_location_policy (service_t *svc, MDB_txn *txn, const char *cid, const inventory_stock_policy_request_t *in,
                           stock_t *stock)
{
    stock_policy_t policy;
    s_policy_in_t set = {in->sku, in->location, in->has_safety_stock, in->has_low_stock_threshold, in->safety_stock,
                         in->low_stock_threshold};
    return s_set_policy (svc, txn, cid, &set, &policy, stock);
}

//  ---------------------------------------------------------------------
//  handlers of locations, policy and the ledger

typedef struct {
    service_t *svc;
    request_t *req;
    inventory_location_t in;
} s_location_ctx_t;

static int
s_location_write (MDB_txn *txn, void *arg)
{
    s_location_ctx_t *ctx = (s_location_ctx_t *) arg;
    inventory_dbs_t dbs = inventory_dbs_of (ctx->svc);
    return stock_location_put (txn, &dbs, &ctx->in);
}

int
stock_handle_location_put (service_t *svc, request_t *req)
{
    s_location_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (inventory_location_fields, request_body (req), &ctx.in);
    if (rc == 0)
        rc = service_write (svc, s_location_write, &ctx);
    if (rc == RM_EINVAL)
        return request_reply_error (req, rc, "/type", "unknown type '%s': warehouse, store or dropship",
                                    ctx.in.type);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "location %s: %s, %s, priority %lld", ctx.in.location, ctx.in.name, ctx.in.type,
              (long long) ctx.in.priority);
    record_pack (inventory_location_fields, &ctx.in, request_reply_ok (req));
    return 0;
}

int
stock_handle_location_get (service_t *svc, request_t *req)
{
    inventory_location_get_request_t in = {0};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    inventory_location_t loc;
    MDB_txn *txn;
    int rc = record_decode (inventory_location_get_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = stock_location_get (txn, &dbs, in.location, &loc);
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "no location %s", in.location);
    if (rc == 0)
        record_pack (inventory_location_fields, &loc, request_reply_ok (req));
    return rc;
}

int
stock_handle_location_list (service_t *svc, request_t *req)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    inventory_location_list_reply_t reply = {0};
    MDB_txn *txn;
    int rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = stock_location_list (txn, &dbs, &reply.locations, &reply.locations_count);
    if (rc == 0 && reply.locations_count > CATALOG_MAX_LOCATIONS)
        rc = request_reply_error (req, RM_ENOMEM, NULL, "%zu locations: more than one reply lists (%d)",
                                  reply.locations_count, CATALOG_MAX_LOCATIONS);
    else if (rc == 0)
        record_pack (inventory_location_list_reply_fields, &reply, request_reply_ok (req));
    record_free (inventory_location_list_reply_fields, &reply);
    return rc;
}

//  Both policy operations: the SKU's (location "") and a location's own.
typedef struct {
    service_t *svc;
    request_t *req;
    inventory_stock_policy_request_t in;
    stock_policy_t policy;
    stock_t stock;
} s_policy_ctx_t;

static int
s_policy_write (MDB_txn *txn, void *arg)
{
    s_policy_ctx_t *ctx = (s_policy_ctx_t *) arg;
    const inventory_stock_policy_request_t *in = &ctx->in;
    s_policy_in_t set = {in->sku, in->location[0] ? in->location : NULL, in->has_safety_stock,
                         in->has_low_stock_threshold, in->safety_stock, in->low_stock_threshold};
    return s_set_policy (ctx->svc, txn, request_cid (ctx->req), &set, &ctx->policy, &ctx->stock);
}

static int
s_policy_handle (service_t *svc, request_t *req, s_policy_ctx_t *ctx)
{
    int rc = service_write (svc, s_policy_write, ctx);
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "%s was never stocked at %s", ctx->in.sku, ctx->in.location);
    if (rc == 0)
        log_info (request_cid (req), "policy of %s%s%s set", ctx->in.sku, ctx->in.location[0] ? " at " : "",
                  ctx->in.location);
    return rc;
}

int
stock_handle_policy_set (service_t *svc, request_t *req)
{
    inventory_sku_policy_t in = {0};
    int rc = record_decode (inventory_sku_policy_fields, request_body (req), &in);
    s_policy_ctx_t ctx = {.svc = svc, .req = req,
                          .in = {.has_safety_stock = in.has_safety_stock, .safety_stock = in.safety_stock,
                                 .has_low_stock_threshold = in.has_low_stock_threshold,
                                 .low_stock_threshold = in.low_stock_threshold}};
    snprintf (ctx.in.sku, sizeof ctx.in.sku, "%s", in.sku);
    if (rc == 0)
        rc = s_policy_handle (svc, req, &ctx);
    if (rc != 0)
        return rc;
    inventory_sku_policy_t reply = {.safety_stock = ctx.policy.safety_stock, .has_safety_stock = true,
                                    .low_stock_threshold = ctx.policy.low_stock_threshold,
                                    .has_low_stock_threshold = true};
    snprintf (reply.sku, sizeof reply.sku, "%s", in.sku);
    record_pack (inventory_sku_policy_fields, &reply, request_reply_ok (req));
    return 0;
}

int
stock_handle_stock_policy_set (service_t *svc, request_t *req)
{
    s_policy_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (inventory_stock_policy_request_fields, request_body (req), &ctx.in);
    if (rc == 0)
        rc = s_policy_handle (svc, req, &ctx);
    if (rc != 0)
        return rc;
    inventory_stock_t reply;
    stock_fill_stock (&reply, ctx.in.sku, ctx.in.location, &ctx.stock);
    record_pack (inventory_stock_fields, &reply, request_reply_ok (req));
    return 0;
}

#define S_LEDGER_PAGE 100

int
stock_handle_ledger (service_t *svc, request_t *req)
{
    inventory_ledger_request_t in = {0};
    inventory_ledger_reply_t reply = {0};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    MDB_txn *txn;
    int rc = record_decode (inventory_ledger_request_fields, request_body (req), &in);
    if (rc != 0)
        return rc;
    uint64_t from = 1, next = 0;
    if (in.cursor[0]) {
        char *end;
        unsigned long long value = strtoull (in.cursor, &end, 10);
        if (*end || value == 0 || in.cursor[0] == '-')
            return request_reply_error (req, RM_EINVAL, "/cursor", "'%s' is not a cursor this ledger gave",
                                        in.cursor);
        from = value;
    }
    stock_t stock;
    rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = stock_get (txn, &dbs, in.sku, in.location, &stock);
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "%s was never stocked at %s", in.sku, in.location);
    if (rc == 0)
        rc = stock_ledger (txn, &dbs, in.sku, in.location, from, in.has_limit ? (size_t) in.limit : S_LEDGER_PAGE,
                           &reply.entries, &reply.entries_count, &next);
    if (rc == 0) {
        snprintf (reply.sku, sizeof reply.sku, "%s", in.sku);
        snprintf (reply.location, sizeof reply.location, "%s", in.location);
        if (next)
            snprintf (reply.next_cursor, sizeof reply.next_cursor, "%llu", (unsigned long long) next);
        record_pack (inventory_ledger_reply_fields, &reply, request_reply_ok (req));
    }
    record_free (inventory_ledger_reply_fields, &reply);
    return rc;
}
