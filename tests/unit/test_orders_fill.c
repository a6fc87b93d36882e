//  orders: inventory.backorder.filled applied to a stored order (fill.c) —
//  the line's reservations grow, backordered shrinks, history records it,
//  an event applied twice changes nothing — on a real LMDB store, without
//  sockets.
#include "catalog_orders.h"
#include "err.h"
#include "fill.h"
#include "harness.h"
#include "mp.h"
#include "ordhost.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;
static const uint8_t s_hash[32] = {7};

//  An order of status with two lines: TEE x5 (3 held at WH-EAST, 2
//  backordered) and MUG x1 (held at WH-EAST), stored as submit.c stores it.
static void
s_order_pack (msgpack_sbuffer *buf, const char *id_text, const char *status)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 11);
    mp_pack_kv_str (&pk, "order_id", id_text);
    mp_pack_kv_str (&pk, "external_id", id_text);
    mp_pack_kv_str (&pk, "channel", "salesforce");
    mp_pack_kv_str (&pk, "account_id", "ACC-1");
    mp_pack_kv_str (&pk, "status", status);
    mp_pack_kv_str (&pk, "currency", "EUR");
    mp_pack_kv_int (&pk, "total", 600);
    mp_pack_kv_int (&pk, "created_at", 1700000000000);
    mp_pack_str (&pk, "lines");
    msgpack_pack_array (&pk, 2);
    msgpack_pack_map (&pk, 6);
    mp_pack_kv_str (&pk, "sku", "TEE");
    mp_pack_kv_int (&pk, "quantity", 5);
    mp_pack_kv_int (&pk, "unit_price", 100);
    mp_pack_kv_int (&pk, "extended_price", 500);
    mp_pack_kv_int (&pk, "backordered", 2);
    mp_pack_str (&pk, "reservations");
    msgpack_pack_array (&pk, 1);
    record_pack (catalog_allocation_fields, &(catalog_allocation_t) {"WH-EAST", 3, true}, &pk);
    msgpack_pack_map (&pk, 5);
    mp_pack_kv_str (&pk, "sku", "MUG");
    mp_pack_kv_int (&pk, "quantity", 1);
    mp_pack_kv_int (&pk, "unit_price", 100);
    mp_pack_kv_int (&pk, "extended_price", 100);
    mp_pack_str (&pk, "reservations");
    msgpack_pack_array (&pk, 1);
    record_pack (catalog_allocation_fields, &(catalog_allocation_t) {"WH-EAST", 1, true}, &pk);
    mp_pack_kv_str (&pk, "idempotency_key", "");
    mp_pack_kv_str (&pk, "correlation_id", "cid-1");
}

typedef struct {
    uint8_t id[16];
    const char *status;
    const inventory_backorder_filled_t *fill;
    uint64_t seq;
} op_t;

static int
s_store_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    char text[UUID_STR_LEN + 1];
    uuid_format (op->id, text);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    s_order_pack (&buf, text, op->status);
    int rc = orders_store (txn, &s_dbs, op->id, s_hash, "salesforce", text, "", buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    return orders_fill_apply (txn, &s_dbs, op->fill, op->seq, "cid-fill", "key-ops");
}

static int
s_apply (const uint8_t id[16], const inventory_backorder_filled_t *fill, uint64_t seq)
{
    op_t op = {.fill = fill, .seq = seq};
    memcpy (op.id, id, 16);
    return txnhost_write (&s_host, s_apply_write, &op);
}

static void
s_load (const uint8_t id[16], orders_order_t *order)
{
    ordhost_load (&s_host, &s_dbs, id, order);
}

static int64_t
s_held_at (const orders_line_t *line, const char *location)
{
    for (size_t i = 0; i < line->reservations_count; i++)
        if (strcmp (line->reservations[i].location, location) == 0)
            return line->reservations[i].quantity;
    return 0;
}

//  History entries recorded for the order by inventory.backorder.filled.
static int
s_fill_entries (const uint8_t id[16], char *last_reason, size_t size)
{
    return ordhost_history (&s_host, &s_dbs, id, "inventory.backorder.filled", last_reason, size);
}

static inventory_backorder_filled_t
s_fill (const uint8_t id[16], int64_t line, const char *sku, catalog_allocation_t *allocs, size_t n,
        int64_t outstanding)
{
    inventory_backorder_filled_t fill = {.line = line, .allocations = allocs, .allocations_count = n,
                                         .outstanding = outstanding};
    uuid_format (id, fill.order_id);
    snprintf (fill.sku, sizeof fill.sku, "%s", sku);
    for (size_t i = 0; i < n; i++)
        fill.quantity += allocs[i].quantity;
    return fill;
}

static void
test_fill_grows_reservations (void)
{
    op_t op = {.status = "accepted"};
    uuid_new (op.id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &op), 0);

    //  one unit at a location the line holds already, none elsewhere yet
    catalog_allocation_t first[] = {{"WH-EAST", 1, true}};
    inventory_backorder_filled_t fill = s_fill (op.id, 0, "TEE", first, 1, 1);
    CHECK_EQ_INT (s_apply (op.id, &fill, 10), 0);
    orders_order_t order;
    s_load (op.id, &order);
    CHECK_EQ_INT (order.lines[0].backordered, 1);
    CHECK_EQ_INT (order.lines[0].reservations_count, 1);
    CHECK_EQ_INT (s_held_at (&order.lines[0], "WH-EAST"), 4);
    //  the other line is as it was
    CHECK (!order.lines[1].has_backordered);
    CHECK_EQ_INT (s_held_at (&order.lines[1], "WH-EAST"), 1);
    record_free (orders_order_fields, &order);

    //  the same event again (a replay) changes nothing
    CHECK_EQ_INT (s_apply (op.id, &fill, 10), 0);
    s_load (op.id, &order);
    CHECK_EQ_INT (order.lines[0].backordered, 1);
    CHECK_EQ_INT (s_held_at (&order.lines[0], "WH-EAST"), 4);
    record_free (orders_order_fields, &order);

    //  the last unit from a new location: appended, nothing outstanding
    catalog_allocation_t second[] = {{"WH-WEST", 1, true}};
    fill = s_fill (op.id, 0, "TEE", second, 1, 0);
    CHECK_EQ_INT (s_apply (op.id, &fill, 12), 0);
    s_load (op.id, &order);
    CHECK (order.lines[0].has_backordered);
    CHECK_EQ_INT (order.lines[0].backordered, 0);
    CHECK_EQ_INT (order.lines[0].reservations_count, 2);
    CHECK_EQ_INT (s_held_at (&order.lines[0], "WH-EAST"), 4);
    CHECK_EQ_INT (s_held_at (&order.lines[0], "WH-WEST"), 1);
    CHECK_STR (order.status, "accepted");
    record_free (orders_order_fields, &order);

    //  the history has one entry per fill, saying what and where
    char reason[256] = "";
    CHECK_EQ_INT (s_fill_entries (op.id, reason, sizeof reason), 2);
    CHECK_STR (reason, "line 0: 1 of TEE held (WH-WEST 1); 0 still backordered");
}

static void
test_refusals (void)
{
    op_t op = {.status = "accepted"};
    uuid_new (op.id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &op), 0);
    catalog_allocation_t one[] = {{"WH-EAST", 1, true}};

    //  a line the order does not have, or of another SKU: refused for good
    inventory_backorder_filled_t fill = s_fill (op.id, 2, "TEE", one, 1, 0);
    CHECK_EQ_INT (s_apply (op.id, &fill, 20), RM_EINVAL);
    fill = s_fill (op.id, 1, "TEE", one, 1, 0);
    CHECK_EQ_INT (s_apply (op.id, &fill, 21), RM_EINVAL);

    //  an unknown order
    uint8_t unknown[16];
    uuid_new (unknown);
    fill = s_fill (unknown, 0, "TEE", one, 1, 0);
    CHECK_EQ_INT (s_apply (unknown, &fill, 22), RM_ENOTFOUND);

    //  a pending order is retried: its acceptance is still to be stored
    op_t pending = {.status = "pending"};
    uuid_new (pending.id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &pending), 0);
    fill = s_fill (pending.id, 0, "TEE", one, 1, 1);
    CHECK_EQ_INT (s_apply (pending.id, &fill, 23), RM_EBUSY);

    //  a cancelled order takes nothing (inventory gives its stock back)
    op_t cancelled = {.status = "cancelled"};
    uuid_new (cancelled.id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &cancelled), 0);
    fill = s_fill (cancelled.id, 0, "TEE", one, 1, 1);
    CHECK_EQ_INT (s_apply (cancelled.id, &fill, 24), 0);
    orders_order_t order;
    s_load (cancelled.id, &order);
    CHECK_EQ_INT (order.lines[0].backordered, 2);
    CHECK_EQ_INT (s_held_at (&order.lines[0], "WH-EAST"), 3);
    record_free (orders_order_fields, &order);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders-fill");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION,
                         .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_host.store), 0);
    s_dbs = orders_dbs_in (s_host.store);
    test_fill_grows_reservations ();
    test_refusals ();
    txnhost_close (&s_host);
    store_close (&s_host.store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
