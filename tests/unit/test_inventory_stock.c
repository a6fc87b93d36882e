//  inventory stock: what is available, counts and their discrepancies,
//  movements refused for a shortfall, idempotent by movement_id, batches
//  of movements all or none, the
//  ledger (two entries per transfer, pages, sums to on hand), low-stock
//  events once per crossing, and more than 64 locations per SKU — the plain
//  functions on the transaction of a real inventory service run in the
//  test's process (loophost.h), no sockets used.
#include "err.h"
#include "harness.h"
#include "invhost.h"
#include "movebatch.h"
#include "movement.h"
#include "mp.h"
#include "reservation.h"
#include "stock.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;
static inventory_dbs_t s_dbs;

//  ---------------------------------------------------------------------
//  helpers, each step in a service_write of its own

static stock_t
s_get (const char *sku, const char *location)
{
    MDB_txn *txn;
    stock_t stock = {-1, -1, -1, -1};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (stock_get (txn, &s_dbs, sku, location, &stock), 0);
    return stock;
}

typedef struct {
    const char *id, *type, *sku, *location, *to;
    int64_t quantity;
    msgpack_sbuffer reply;
    bool replayed;
    movement_problem_t problem;
} move_t;

//  The inventory.movement body of m.
static void
s_pack_move (msgpack_packer *pk, const move_t *m)
{
    invhost_pack_move (pk, &(invhost_move_t) {m->id, m->type, m->sku, m->location, m->to, m->quantity});
}

static int
s_move_fn (MDB_txn *txn, void *arg)
{
    move_t *m = (move_t *) arg;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    s_pack_move (&pk, m);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, body.data, body.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    inventory_movement_request_t in = {0};
    int rc = record_decode (inventory_movement_request_fields, &unpacked.data, &in);
    CHECK_EQ_INT (rc, 0);
    if (rc == 0)
        rc = movement_apply (s_svc, txn, "test", &unpacked.data, &in, &m->reply, &m->replayed, &m->problem);
    record_free (inventory_movement_request_fields, &in);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

static move_t
s_mv (const char *id, const char *type, const char *sku, const char *location, const char *to, int64_t quantity)
{
    return (move_t) {.id = id, .type = type, .sku = sku, .location = location, .to = to, .quantity = quantity};
}

static int64_t
s_avail (const char *sku, const char *location)
{
    stock_t stock = s_get (sku, location);
    return stock_available (&stock);
}

//  Applies a movement; *m keeps its reply (destroy with s_move_done).
static int
s_move (move_t *m)
{
    msgpack_sbuffer_init (&m->reply);
    return service_write (s_svc, s_move_fn, m);
}

static void
s_move_done (move_t *m)
{
    msgpack_sbuffer_destroy (&m->reply);
}

//  Applies a movement that must succeed.
static void
s_apply (const char *id, const char *type, const char *sku, const char *location, const char *to, int64_t quantity)
{
    move_t m = s_mv (id, type, sku, location, to, quantity);
    CHECK_EQ_INT (s_move (&m), 0);
    s_move_done (&m);
}

//  An integer of the packed reply, at key (sub: within that map first).
static int64_t
s_reply_int (const msgpack_sbuffer *reply, const char *sub, const char *key)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int64_t value = -1;
    if (msgpack_unpack_next (&unpacked, reply->data, reply->size, NULL) == MSGPACK_UNPACK_SUCCESS)
        mp_get_int (sub ? mp_get (&unpacked.data, sub) : &unpacked.data, key, &value);
    msgpack_unpacked_destroy (&unpacked);
    return value;
}

typedef struct {
    const char *sku, *location;
    int64_t delta;
} reserve_t;

static int
s_reserve_fn (MDB_txn *txn, void *arg)
{
    reserve_t *r = (reserve_t *) arg;
    return stock_reserve (s_svc, txn, "test", r->sku, r->location, r->delta);
}

static int
s_reserve (const char *sku, const char *location, int64_t delta)
{
    reserve_t r = {sku, location, delta};
    return service_write (s_svc, s_reserve_fn, &r);
}

typedef struct {
    inventory_sku_policy_t sku;
    inventory_stock_policy_request_t at;
    bool at_location;
} policy_t;

static int
s_policy_fn (MDB_txn *txn, void *arg)
{
    policy_t *p = (policy_t *) arg;
    stock_policy_t policy;
    stock_t stock;
    return p->at_location ? stock_set_location_policy (s_svc, txn, "test", &p->at, &stock)
                          : stock_set_policy (s_svc, txn, "test", &p->sku, &policy);
}

static void
s_sku_policy (const char *sku, int64_t safety, int64_t threshold)
{
    policy_t p = {.sku = {.has_safety_stock = safety >= 0, .safety_stock = safety,
                          .has_low_stock_threshold = threshold >= 0, .low_stock_threshold = threshold}};
    snprintf (p.sku.sku, sizeof p.sku.sku, "%s", sku);
    CHECK_EQ_INT (service_write (s_svc, s_policy_fn, &p), 0);
}

static void
s_location_policy (const char *sku, const char *location, int64_t safety, int64_t threshold)
{
    policy_t p = {.at_location = true,
                  .at = {.has_safety_stock = safety >= 0, .safety_stock = safety,
                         .has_low_stock_threshold = threshold >= 0, .low_stock_threshold = threshold}};
    snprintf (p.at.sku, sizeof p.at.sku, "%s", sku);
    snprintf (p.at.location, sizeof p.at.location, "%s", location);
    CHECK_EQ_INT (service_write (s_svc, s_policy_fn, &p), 0);
}

//  Every ledger entry of sku at location, a page of page entries at a time.
static size_t
s_ledger (const char *sku, const char *location, size_t page, inventory_ledger_entry_t *out, size_t max)
{
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    size_t total = 0;
    uint64_t from = 1;
    for (int pages = 0; pages < 1000 && from != 0; pages++) {
        inventory_ledger_entry_t *entries;
        size_t count;
        uint64_t next;
        CHECK_EQ_INT (stock_ledger (txn, &s_dbs, sku, location, from, page, &entries, &count, &next), 0);
        CHECK (count <= page);
        CHECK (next == 0 || count == page);
        for (size_t i = 0; i < count && total < max; i++)
            out[total++] = entries[i];
        free (entries);
        from = next;
    }
    return total;
}

static int64_t
s_ledger_sum (const char *sku, const char *location)
{
    inventory_ledger_entry_t entries[256];
    size_t n = s_ledger (sku, location, 7, entries, 256);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += entries[i].quantity_delta;
        CHECK_EQ_INT (entries[i].on_hand_after, sum);
    }
    return sum;
}

//  Events of type in the log after seq (type NULL: any); the highest
//  sequence number seen in *last (may be NULL). The log is read in the
//  batch's transaction, which holds what is not committed yet.
static int
s_scan (const char *type, uint64_t after, uint64_t *last)
{
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (outbox_since (service_outbox (s_svc), txn, after + 1, 100000, &pk), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int n = 0;
    if (last)
        *last = after;
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object_array *events = mp_get_array (&unpacked.data, "events");
        for (uint32_t i = 0; events && i < events->size; i++) {
            int64_t seq = 0;
            mp_get_int (&events->ptr[i], "seq", &seq);
            if (last && (uint64_t) seq > *last)
                *last = (uint64_t) seq;
            n += !type || mp_str_eq (mp_get (&events->ptr[i], "type"), type);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return n;
}

static int
s_events (const char *type, uint64_t after)
{
    return s_scan (type, after, NULL);
}

static uint64_t
s_mark (void)
{
    uint64_t last = 0;
    s_scan (NULL, 0, &last);
    return last;
}

//  ---------------------------------------------------------------------
//  the tests

static void
test_available (void)
{
    CHECK_EQ_INT (stock_available (&(stock_t) {10, 3, 2, 1}), 4);
    CHECK_EQ_INT (stock_available (&(stock_t) {10, 3, 2, 9}), 0);
    CHECK_EQ_INT (stock_available (&(stock_t) {2, 5, 0, 0}), 0);
    s_apply ("av-1", "receipt", "AV", "WH-1", NULL, 10);
    s_reserve ("AV", "WH-1", 3);
    s_apply ("av-2", "quarantine", "AV", "WH-1", NULL, 2);
    stock_t stock = s_get ("AV", "WH-1");
    CHECK_EQ_INT (stock.on_hand, 10);
    CHECK_EQ_INT (stock.quarantined, 2);
    CHECK_EQ_INT (stock_available (&stock), 5);
    //  the SKU's safety stock, then the location's own over it
    s_sku_policy ("AV", 1, -1);
    CHECK_EQ_INT (s_get ("AV", "WH-1").safety_stock, 1);
    CHECK_EQ_INT (stock_available (&(stock_t) {0}), 0);
    s_location_policy ("AV", "WH-1", 20, -1);
    stock = s_get ("AV", "WH-1");
    CHECK_EQ_INT (stock.safety_stock, 20);
    CHECK_EQ_INT (stock_available (&stock), 0);
    //  nothing can be reserved out of safety stock
    CHECK_EQ_INT (s_reserve ("AV", "WH-1", 1), RM_ESHORT);
    s_location_policy ("AV", "WH-1", 0, -1);
    CHECK_EQ_INT (s_avail ("AV", "WH-1"), 5);
    //  quarantined units come back
    s_apply ("av-3", "release_quarantine", "AV", "WH-1", NULL, 2);
    CHECK_EQ_INT (s_get ("AV", "WH-1").quarantined, 0);
    move_t m = s_mv ("av-4", "release_quarantine", "AV", "WH-1", NULL, 1);
    CHECK_EQ_INT (s_move (&m), RM_ESHORT);
    CHECK_EQ_INT (m.problem.shortfall, 1);
    s_move_done (&m);
    CHECK_EQ_INT (s_ledger_sum ("AV", "WH-1"), 10);
}

static void
test_count_and_discrepancy (void)
{
    s_apply ("ct-1", "receipt", "CT", "WH-1", NULL, 10);
    CHECK_EQ_INT (s_reserve ("CT", "WH-1", 6), 0);
    uint64_t mark = s_mark ();
    move_t m = s_mv ("ct-2", "count", "CT", "WH-1", NULL, 4);
    CHECK_EQ_INT (s_move (&m), 0);
    //  the count applies, reservations are kept, the shortfall is reported
    CHECK_EQ_INT (s_reply_int (&m.reply, NULL, "shortfall"), 2);
    CHECK_EQ_INT (s_reply_int (&m.reply, "stock", "on_hand"), 4);
    CHECK_EQ_INT (s_reply_int (&m.reply, "stock", "available"), 0);
    s_move_done (&m);
    stock_t stock = s_get ("CT", "WH-1");
    CHECK_EQ_INT (stock.on_hand, 4);
    CHECK_EQ_INT (stock.reserved, 6);
    CHECK_EQ_INT (stock_available (&stock), 0);
    CHECK_EQ_INT (s_events ("inventory.stock.discrepancy", mark), 1);
    //  the count's difference is in the ledger
    inventory_ledger_entry_t entries[8];
    CHECK_EQ_INT (s_ledger ("CT", "WH-1", 100, entries, 8), 2);
    CHECK_STR (entries[1].type, "count");
    CHECK_EQ_INT (entries[1].quantity_delta, -6);
    CHECK_STR (entries[1].movement_id, "ct-2");
    //  a count that agrees with the book is recorded too
    s_apply ("ct-3", "count", "CT", "WH-1", NULL, 4);
    CHECK_EQ_INT (s_ledger ("CT", "WH-1", 100, entries, 8), 3);
    CHECK_EQ_INT (entries[2].quantity_delta, 0);
    //  a receipt is never refused, even while short; then a count up
    mark = s_mark ();
    s_apply ("ct-4", "receipt", "CT", "WH-1", NULL, 1);
    CHECK_EQ_INT (s_get ("CT", "WH-1").on_hand, 5);
    m = s_mv ("ct-5", "count", "CT", "WH-1", NULL, 9);
    CHECK_EQ_INT (s_move (&m), 0);
    CHECK_EQ_INT (s_reply_int (&m.reply, NULL, "shortfall"), -1);
    s_move_done (&m);
    CHECK_EQ_INT (s_events ("inventory.stock.discrepancy", mark), 0);
    CHECK_EQ_INT (s_avail ("CT", "WH-1"), 3);
    CHECK_EQ_INT (s_ledger_sum ("CT", "WH-1"), 9);
}

static void
test_shortfall_refused (void)
{
    s_apply ("sf-1", "receipt", "SF", "WH-1", NULL, 5);
    CHECK_EQ_INT (s_reserve ("SF", "WH-1", 3), 0);
    uint64_t mark = s_mark ();
    move_t m = s_mv ("sf-2", "adjustment", "SF", "WH-1", NULL, -3);
    CHECK_EQ_INT (s_move (&m), RM_ESHORT);
    CHECK_EQ_INT (m.problem.shortfall, 1);
    CHECK_STR (m.problem.field, "/quantity");
    CHECK (strstr (m.problem.message, "1 units short") != NULL);
    s_move_done (&m);
    m = s_mv ("sf-3", "transfer", "SF", "WH-1", "WH-2", 4);
    CHECK_EQ_INT (s_move (&m), RM_ESHORT);
    CHECK_EQ_INT (m.problem.shortfall, 2);
    s_move_done (&m);
    m = s_mv ("sf-4", "quarantine", "SF", "WH-1", NULL, 3);
    CHECK_EQ_INT (s_move (&m), RM_ESHORT);
    s_move_done (&m);
    //  nothing of a refused movement stays: no stock, no ledger entry, no event
    CHECK_EQ_INT (s_get ("SF", "WH-1").on_hand, 5);
    CHECK_EQ_INT (s_ledger_sum ("SF", "WH-1"), 5);
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    stock_t stock;
    CHECK_EQ_INT (stock_get (txn, &s_dbs, "SF", "WH-2", &stock), RM_ENOTFOUND);
    CHECK_EQ_INT (s_events ("inventory.stock.moved", mark), 0);
    //  what is free may go
    s_apply ("sf-5", "adjustment", "SF", "WH-1", NULL, -2);
    CHECK_EQ_INT (s_get ("SF", "WH-1").on_hand, 3);
    //  what the catalogue cannot check
    m = s_mv ("sf-6", "theft", "SF", "WH-1", NULL, 1);
    CHECK_EQ_INT (s_move (&m), RM_EINVAL);
    CHECK_STR (m.problem.field, "/type");
    s_move_done (&m);
    m = s_mv ("sf-7", "receipt", "SF", "WH-1", NULL, -1);
    CHECK_EQ_INT (s_move (&m), RM_EINVAL);
    CHECK_STR (m.problem.field, "/quantity");
    s_move_done (&m);
    m = s_mv ("sf-8", "transfer", "SF", "WH-1", NULL, 1);
    CHECK_EQ_INT (s_move (&m), RM_EINVAL);
    CHECK_STR (m.problem.field, "/to_location");
    s_move_done (&m);
    m = s_mv ("sf-9", "transfer", "SF", "WH-1", "WH-1", 1);
    CHECK_EQ_INT (s_move (&m), RM_EINVAL);
    s_move_done (&m);
}

static void
test_idempotent (void)
{
    uint64_t mark = s_mark ();
    move_t first = s_mv ("id-1", "receipt", "ID", "WH-1", NULL, 7);
    CHECK_EQ_INT (s_move (&first), 0);
    CHECK (!first.replayed);
    move_t again = s_mv ("id-1", "receipt", "ID", "WH-1", NULL, 7);
    CHECK_EQ_INT (s_move (&again), 0);
    CHECK (again.replayed);
    CHECK_EQ_INT (again.reply.size, first.reply.size);
    CHECK (memcmp (again.reply.data, first.reply.data, first.reply.size) == 0);
    CHECK_EQ_INT (s_get ("ID", "WH-1").on_hand, 7);
    CHECK_EQ_INT (s_events ("inventory.stock.moved", mark), 1);
    move_t other = s_mv ("id-1", "receipt", "ID", "WH-1", NULL, 8);
    CHECK_EQ_INT (s_move (&other), RM_ECONFLICT);
    CHECK_STR (other.problem.field, "/movement_id");
    CHECK_EQ_INT (s_get ("ID", "WH-1").on_hand, 7);
    CHECK_EQ_INT (s_ledger_sum ("ID", "WH-1"), 7);
    s_move_done (&first);
    s_move_done (&again);
    s_move_done (&other);
}

static void
test_transfer_and_ledger (void)
{
    s_apply ("tr-1", "receipt", "TR", "WH-1", NULL, 20);
    move_t m = s_mv ("tr-2", "transfer", "TR", "WH-1", "ST-NEW", 8);
    CHECK_EQ_INT (s_move (&m), 0);
    CHECK_EQ_INT (s_reply_int (&m.reply, "stock", "on_hand"), 12);
    CHECK_EQ_INT (s_reply_int (&m.reply, "to_stock", "on_hand"), 8);
    s_move_done (&m);
    inventory_ledger_entry_t entries[64];
    CHECK_EQ_INT (s_ledger ("TR", "WH-1", 100, entries, 64), 2);
    CHECK_STR (entries[1].type, "transfer_out");
    CHECK_EQ_INT (entries[1].quantity_delta, -8);
    CHECK_EQ_INT (s_ledger ("TR", "ST-NEW", 100, entries, 64), 1);
    CHECK_STR (entries[0].type, "transfer_in");
    CHECK_STR (entries[0].movement_id, "tr-2");
    CHECK_EQ_INT (entries[0].quantity_delta, 8);
    //  the new location was made a warehouse, used after every other
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    inventory_location_t loc, first;
    CHECK_EQ_INT (stock_location_get (txn, &s_dbs, "ST-NEW", &loc), 0);
    CHECK_EQ_INT (stock_location_get (txn, &s_dbs, "WH-1", &first), 0);
    CHECK_STR (loc.type, "warehouse");
    CHECK (loc.priority > first.priority);
    //  many entries, read in pages of 1, 3 and 7, sum to on hand
    for (int i = 0; i < 20; i++) {
        char id[32];
        snprintf (id, sizeof id, "tr-adj-%d", i);
        s_apply (id, "adjustment", "TR", "WH-1", NULL, i % 2 ? -1 : 2);
    }
    CHECK_EQ_INT (s_get ("TR", "WH-1").on_hand, 22);
    CHECK_EQ_INT (s_ledger ("TR", "WH-1", 1, entries, 64), 22);
    CHECK_EQ_INT (s_ledger ("TR", "WH-1", 3, entries, 64), 22);
    CHECK_STR (entries[21].movement_id, "tr-adj-19");
    CHECK_EQ_INT (s_ledger_sum ("TR", "WH-1"), 22);
    CHECK_EQ_INT (s_ledger_sum ("TR", "ST-NEW"), 8);
    //  a page from the middle
    inventory_ledger_entry_t *page;
    size_t count;
    uint64_t next;
    CHECK_EQ_INT (stock_ledger (txn, &s_dbs, "TR", "WH-1", 21, 5, &page, &count, &next), 0);
    CHECK_EQ_INT (count, 2);
    CHECK_EQ_INT (next, 0);
    free (page);
    CHECK_EQ_INT (stock_ledger (txn, &s_dbs, "TR", "WH-1", 2, 5, &page, &count, &next), 0);
    CHECK_EQ_INT (count, 5);
    CHECK_EQ_INT (next, 7);
    free (page);
}

static void
test_low_stock_once (void)
{
    s_apply ("lo-1", "receipt", "LO", "WH-1", NULL, 10);
    uint64_t mark = s_mark ();
    s_sku_policy ("LO", -1, 5);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 0);
    //  10 -> 6 -> 4 (crosses) -> 2: low once
    CHECK_EQ_INT (s_reserve ("LO", "WH-1", 4), 0);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 0);
    CHECK_EQ_INT (s_reserve ("LO", "WH-1", 2), 0);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 1);
    s_apply ("lo-2", "adjustment", "LO", "WH-1", NULL, -2);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 1);
    CHECK_EQ_INT (s_events ("inventory.stock.replenished", mark), 0);
    //  2 -> 4 still low, -> 8 replenished once
    CHECK_EQ_INT (s_reserve ("LO", "WH-1", -2), 0);
    CHECK_EQ_INT (s_events ("inventory.stock.replenished", mark), 0);
    s_apply ("lo-3", "receipt", "LO", "WH-1", NULL, 4);
    CHECK_EQ_INT (s_events ("inventory.stock.replenished", mark), 1);
    s_apply ("lo-4", "receipt", "LO", "WH-1", NULL, 4);
    CHECK_EQ_INT (s_events ("inventory.stock.replenished", mark), 1);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 1);
    //  a location's own threshold watches that location
    mark = s_mark ();
    s_location_policy ("LO", "WH-1", -1, 20);
    CHECK_EQ_INT (s_events ("inventory.stock.low", mark), 1);
    s_location_policy ("LO", "WH-1", -1, 0);
    CHECK_EQ_INT (s_events ("inventory.stock.replenished", mark), 1);
}

typedef struct {
    const char *batch_id;
    const move_t *items;
    size_t count;
    catalog_batch_reply_t result;
    bulk_faults_t faults;
} batch_t;

static int
s_batch_fn (MDB_txn *txn, void *arg)
{
    batch_t *b = (batch_t *) arg;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "batch_id", b->batch_id);
    mp_pack_str (&pk, "items");
    msgpack_pack_array (&pk, (uint32_t) b->count);
    for (size_t i = 0; i < b->count; i++) {
        s_pack_move (&pk, &b->items[i]);
    }
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, body.data, body.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    inventory_movements_batch_request_t in = {0};
    uint8_t digest[SHA256_LEN];
    int rc = record_decode (inventory_movements_batch_request_fields, &unpacked.data, &in);
    CHECK_EQ_INT (rc, 0);
    if (rc == 0)
        rc = bulk_digest (&unpacked.data, digest);
    if (rc == 0)
        rc = movebatch_apply (s_svc, txn, "test", &unpacked.data, &in, digest, 1000, &b->result, &b->faults);
    record_free (inventory_movements_batch_request_fields, &in);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

static void
test_batch_all_or_none (void)
{
    move_t good[] = {s_mv ("b-1", "receipt", "BA", "WH-1", NULL, 5), s_mv ("b-2", "transfer", "BA", "WH-1", "WH-2", 2),
                     s_mv ("b-3", "count", "BA", "WH-2", NULL, 3)};
    batch_t b = {.batch_id = "batch-1", .items = good, .count = 3};
    CHECK_EQ_INT (service_write (s_svc, s_batch_fn, &b), 0);
    CHECK_EQ_INT (b.result.applied, 3);
    CHECK (!b.result.replayed);
    CHECK_EQ_INT (s_get ("BA", "WH-1").on_hand, 3);
    CHECK_EQ_INT (s_get ("BA", "WH-2").on_hand, 3);
    //  sent again: the first answer, nothing applied twice
    b = (batch_t) {.batch_id = "batch-1", .items = good, .count = 3};
    CHECK_EQ_INT (service_write (s_svc, s_batch_fn, &b), 0);
    CHECK (b.result.replayed);
    CHECK_EQ_INT (s_get ("BA", "WH-1").on_hand, 3);
    //  one item short: none of the batch applies, the item is named
    move_t bad[] = {s_mv ("b-4", "receipt", "BA", "WH-1", NULL, 1), s_mv ("b-5", "adjustment", "BA", "WH-2", NULL, -9),
                    s_mv ("b-6", "receipt", "BA", "WH-2", NULL, 1)};
    b = (batch_t) {.batch_id = "batch-2", .items = bad, .count = 3};
    CHECK_EQ_INT (service_write (s_svc, s_batch_fn, &b), RM_EINVAL);
    CHECK_EQ_INT (b.faults.count, 1);
    CHECK_EQ_INT (b.faults.count ? b.faults.items[0].code : 0, RM_ESHORT);
    CHECK_STR (b.faults.count ? b.faults.items[0].field : "", "/items/1/quantity");
    CHECK (b.faults.count && strstr (b.faults.items[0].message, "6 units short"));
    bulk_faults_free (&b.faults);
    CHECK_EQ_INT (s_get ("BA", "WH-1").on_hand, 3);
    CHECK_EQ_INT (s_ledger_sum ("BA", "WH-1"), 3);
    //  so once fixed it applies whole, under the same batch_id
    bad[1].quantity = -1;
    b = (batch_t) {.batch_id = "batch-2", .items = bad, .count = 3};
    CHECK_EQ_INT (service_write (s_svc, s_batch_fn, &b), 0);
    CHECK_EQ_INT (b.result.applied, 3);
    CHECK_EQ_INT (s_get ("BA", "WH-1").on_hand, 4);
    CHECK_EQ_INT (s_get ("BA", "WH-2").on_hand, 3);
}

//  Units a lower safety stock frees go to the SKU's backorders first.
static void
test_policy_frees_for_backorders (void)
{
    invhost_stock (s_svc, "BS", "WH-1", 5, 1);
    s_sku_policy ("BS", 5, -1);
    CHECK_EQ_INT (s_avail ("BS", "WH-1"), 0);
    static const bool may[] = {true};
    line_t lines[] = {{"BS", 3, -1}};
    invhost_reserve_t a = {.request.scope = {.backorder = may}};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), 0);
    CHECK_EQ_INT (a.record.lines[0].backordered, 3);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "BS", "WH-1"), 0);
    s_sku_policy ("BS", 1, -1);
    CHECK_EQ_INT (invhost_reserved (s_svc, "BS", "WH-1"), 3);
    CHECK_EQ_INT (s_avail ("BS", "WH-1"), 1);
    reservation_t order = invhost_order (s_svc, a.request.order_id);
    CHECK_EQ_INT (order.lines[0].backordered, 0);
    record_free (reservation_fields, &order);
}

enum { N = 100 };

static int
s_allocate_all_fn (MDB_txn *txn, void *arg)
{
    (void) arg;
    inventory_reserved_line_t line = {.quantity = 2 * N};
    snprintf (line.sku, sizeof line.sku, "MANY");
    int64_t available = 0;
    int rc = reservation_allocate (txn, &s_dbs, "MANY", 2 * N, &(reservation_scope_t) {0}, &line, &available);
    CHECK_EQ_INT (rc, 0);
    CHECK_EQ_INT (line.allocations_count, N);
    if (rc == 0)
        rc = reservation_hold_line (s_svc, txn, "test", &line);
    record_free (inventory_reserved_line_fields, &line);
    return rc;
}

static void
test_many_locations (void)
{
    for (int i = 0; i < N; i++) {
        char id[32], location[32];
        snprintf (id, sizeof id, "many-%d", i);
        snprintf (location, sizeof location, "LOC-%03d", i);
        s_apply (id, "receipt", "MANY", location, NULL, 2);
    }
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    stock_at_t *at;
    size_t count;
    CHECK_EQ_INT (stock_locations (txn, &s_dbs, "MANY", &at, &count), 0);
    CHECK_EQ_INT (count, N);
    //  in priority order: the locations were created one after the other
    for (size_t i = 1; i < count; i++)
        CHECK (at[i - 1].priority < at[i].priority);
    free (at);
    //  one line takes every unit of every location
    CHECK_EQ_INT (service_write (s_svc, s_allocate_all_fn, NULL), 0);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (stock_locations (txn, &s_dbs, "MANY", &at, &count), 0);
    CHECK_EQ_INT (count, N);
    int64_t reserved = 0;
    for (size_t i = 0; i < count; i++) {
        reserved += at[i].stock.reserved;
        CHECK_EQ_INT (stock_available (&at[i].stock), 0);
    }
    CHECK_EQ_INT (reserved, 2 * N);
    free (at);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    s_dbs = inventory_dbs_of (s_svc);
    test_available ();
    test_count_and_discrepancy ();
    test_shortfall_refused ();
    test_idempotent ();
    test_transfer_and_ledger ();
    test_low_stock_once ();
    test_batch_all_or_none ();
    test_policy_frees_for_backorders ();
    test_many_locations ();
    loophost_close (&host);
    return harness_report (argv[0]);
}
