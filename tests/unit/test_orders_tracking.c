//  orders: the read model of fulfillment's events (tracking.c) and when a
//  fulfilment is stale (stale.c) — the order's status from its
//  fulfilments, per-line counts, a replayed older event changing nothing,
//  the stored order kept in step with one history entry per change, and
//  the stale ones found and counted — on a real LMDB store, without
//  sockets.
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "ordhost.h"
#include "stale.h"
#include "tracking.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;

//  An order of two lines, TEE x5 and MUG x1.
static orders_line_t s_lines[2];
static orders_order_t s_order;

static void
s_order_reset (const char *status)
{
    memset (s_lines, 0, sizeof s_lines);
    snprintf (s_lines[0].sku, sizeof s_lines[0].sku, "TEE");
    s_lines[0].quantity = 5;
    s_lines[0].unit_price = 100;
    snprintf (s_lines[1].sku, sizeof s_lines[1].sku, "MUG");
    s_lines[1].quantity = 1;
    s_lines[1].unit_price = 250;
    s_order = (orders_order_t) {.lines = s_lines, .lines_count = 2};
    snprintf (s_order.status, sizeof s_order.status, "%s", status);
}

//  A fulfilment of one line of the order, in status, with units shipped
//  and delivered; its lines point into line.
static orders_fulfilment_t
s_ff (orders_fulfilment_line_t *line, int64_t index, int64_t quantity, const char *status, int64_t shipped,
      int64_t delivered)
{
    *line = (orders_fulfilment_line_t) {.line = index, .quantity = quantity, .shipped = shipped,
                                        .delivered = delivered};
    snprintf (line->sku, sizeof line->sku, "%s", s_lines[index].sku);
    orders_fulfilment_t f = {.lines = line, .lines_count = 1, .as_of = 1700000000000, .has_as_of = true};
    snprintf (f.status, sizeof f.status, "%s", status);
    snprintf (f.location, sizeof f.location, "%s", index == 0 ? "WH-EAST" : "WH-WEST");
    uuid_new_str (f.fulfillment_id);
    return f;
}

//  A fulfilment of a whole line whose units follow its status.
static orders_fulfilment_t
s_whole (orders_fulfilment_line_t *line, int64_t index, const char *status)
{
    bool left = strcmp (status, "shipped") == 0 || strcmp (status, "delivered") == 0;
    int64_t quantity = s_lines[index].quantity - s_lines[index].cancelled;
    return s_ff (line, index, quantity, status, left ? quantity : 0, strcmp (status, "delivered") == 0 ? quantity : 0);
}

static const char *
s_status_of (const char *tee, const char *mug)
{
    orders_fulfilment_line_t l[2];
    orders_fulfilment_t f[2] = {s_whole (&l[0], 0, tee), s_whole (&l[1], 1, mug)};
    return orders_tracking_order_status (&s_order, f, 2);
}

static void
test_order_status (void)
{
    s_order_reset ("accepted");
    CHECK_STR (orders_tracking_order_status (&s_order, NULL, 0), "accepted");
    CHECK_STR (s_status_of ("allocated", "packed"), "accepted");
    CHECK_STR (s_status_of ("shipped", "picked"), "partially_shipped");
    CHECK_STR (s_status_of ("shipped", "shipped"), "shipped");
    CHECK_STR (s_status_of ("delivered", "shipped"), "partially_delivered");
    CHECK_STR (s_status_of ("delivered", "allocated"), "partially_delivered");
    CHECK_STR (s_status_of ("delivered", "delivered"), "delivered");
    //  an exception wins while it lasts, whatever the others did
    CHECK_STR (s_status_of ("delivered", "exception"), "exception");
    //  a short pick: what did not leave will not, the order has shipped
    orders_fulfilment_line_t s[2];
    orders_fulfilment_t shorted[2] = {s_ff (&s[0], 0, 5, "shipped", 3, 0), s_ff (&s[1], 1, 1, "shipped", 1, 0)};
    s[0].shortfall = 2;
    CHECK_STR (orders_tracking_order_status (&s_order, shorted, 2), "shipped");
    //  units cancelled while the read model still shows their fulfilment
    //  open (its cancellation not arrived yet): nothing more will ship
    s_lines[0].cancelled = 5;
    orders_fulfilment_line_t o[2];
    orders_fulfilment_t open[2] = {s_ff (&o[0], 0, 5, "allocated", 0, 0), s_ff (&o[1], 1, 1, "shipped", 1, 0)};
    CHECK_STR (orders_tracking_order_status (&s_order, open, 2), "shipped");
    s_lines[0].cancelled = 0;
    //  a cancelled fulfilment counts for nothing, its units no longer wait
    s_lines[1].cancelled = 1;
    CHECK_STR (s_status_of ("shipped", "cancelled"), "shipped");
    CHECK_STR (s_status_of ("delivered", "cancelled"), "delivered");
    //  every unit cancelled: the order is
    s_lines[0].cancelled = 5;
    CHECK_STR (s_status_of ("cancelled", "cancelled"), "cancelled");

    //  two units of TEE still backordered: no fulfilment covers them, so
    //  all fulfilments delivered is not all the order delivered
    s_order_reset ("accepted");
    orders_fulfilment_line_t l[2];
    orders_fulfilment_t f[2] = {s_ff (&l[0], 0, 3, "shipped", 3, 0), s_ff (&l[1], 1, 1, "shipped", 1, 0)};
    CHECK_STR (orders_tracking_order_status (&s_order, f, 2), "partially_shipped");
    snprintf (f[0].status, sizeof f[0].status, "delivered");
    snprintf (f[1].status, sizeof f[1].status, "delivered");
    CHECK_STR (orders_tracking_order_status (&s_order, f, 2), "partially_delivered");

    //  an order's own final word stays
    s_order_reset ("cancelled");
    CHECK_STR (s_status_of ("shipped", "shipped"), "cancelled");
    s_order_reset ("pending");
    CHECK_STR (s_status_of ("shipped", "shipped"), "pending");
}

static void
test_lines (void)
{
    s_order_reset ("accepted");
    s_lines[0].cancelled = 1;
    //  TEE from two locations, one short by a unit; MUG delivered
    orders_fulfilment_line_t l[3];
    orders_fulfilment_t f[3] = {s_ff (&l[0], 0, 2, "shipped", 1, 0), s_ff (&l[1], 0, 2, "delivered", 2, 2),
                                s_ff (&l[2], 1, 1, "delivered", 1, 1)};
    l[0].shortfall = 1;
    orders_status_line_t lines[2] = {{0}};
    orders_tracking_lines (&s_order, f, 3, lines);
    CHECK_EQ_INT (lines[0].line, 0);
    CHECK_STR (lines[0].sku, "TEE");
    CHECK_EQ_INT (lines[0].quantity, 5);
    CHECK_EQ_INT (lines[0].shipped, 3);
    CHECK_EQ_INT (lines[0].delivered, 2);
    CHECK_EQ_INT (lines[0].shortfall, 1);
    CHECK_EQ_INT (lines[0].cancelled, 1);
    CHECK_EQ_INT (lines[1].line, 1);
    CHECK_EQ_INT (lines[1].shipped, 1);
    CHECK_EQ_INT (lines[1].delivered, 1);
    CHECK_EQ_INT (lines[1].cancelled, 0);
}

//  ---------------------------------------------------------------------
//  on the store

typedef struct {
    uint8_t order_id[16];
    const orders_fulfilment_t *fulfilment;
    uint64_t seq;
    bool applied;
    char status[ORDERS_STATUS_SIZE];
} op_t;

//  The order of s_lines, accepted.
static int
s_store_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    ordhost_line_t lines[2];
    for (int i = 0; i < 2; i++)
        lines[i] = (ordhost_line_t) {s_lines[i].sku, s_lines[i].quantity, s_lines[i].unit_price};
    return ordhost_store (txn, &s_dbs, op->order_id, "accepted", lines, 2);
}

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    int rc = orders_tracking_put (txn, &s_dbs, op->order_id, op->fulfilment, op->seq, &op->applied);
    if (rc == 0 && op->applied)
        rc = orders_tracking_sync (txn, &s_dbs, op->order_id, "fulfillment.test", "cid-ff", "", op->status);
    return rc;
}

//  Applies fulfilment as fulfillment event seq; whether it was applied.
static bool
s_apply (const uint8_t order_id[16], const orders_fulfilment_t *fulfilment, uint64_t seq)
{
    op_t op = {.fulfilment = fulfilment, .seq = seq};
    memcpy (op.order_id, order_id, 16);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    return op.applied;
}

static void
s_load (const uint8_t id[16], orders_order_t *order)
{
    ordhost_load (&s_host, &s_dbs, id, order);
}

static int
s_history_count (const uint8_t id[16])
{
    return ordhost_history (&s_host, &s_dbs, id, NULL, NULL, 0);
}

static void
test_stored_order_in_step (void)
{
    s_order_reset ("accepted");
    op_t op = {0};
    uuid_new (op.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &op), 0);
    orders_fulfilment_line_t l[2];
    orders_fulfilment_t tee = s_ff (&l[0], 0, 5, "allocated", 0, 0), mug = s_ff (&l[1], 1, 1, "allocated", 0, 0);
    CHECK (s_apply (op.order_id, &tee, 3));
    CHECK (s_apply (op.order_id, &mug, 4));
    //  allocated moves nothing: no history entry
    CHECK_EQ_INT (s_history_count (op.order_id), 0);

    //  TEE ships 4 of 5 (short pick)
    snprintf (tee.status, sizeof tee.status, "shipped");
    l[0].shipped = 4;
    l[0].shortfall = 1;
    tee.as_of = 1700000100000;
    snprintf (tee.carrier, sizeof tee.carrier, "DHL");
    CHECK (s_apply (op.order_id, &tee, 7));
    orders_order_t order;
    s_load (op.order_id, &order);
    CHECK_STR (order.status, "partially_shipped");
    CHECK_EQ_INT (order.lines[0].shipped, 4);
    CHECK_EQ_INT (order.lines[0].delivered, 0);
    CHECK_EQ_INT (order.lines[1].shipped, 0);
    record_free (orders_order_fields, &order);
    CHECK_EQ_INT (s_history_count (op.order_id), 1);

    //  an older event replayed changes nothing
    orders_fulfilment_t old = tee;
    snprintf (old.status, sizeof old.status, "picked");
    CHECK (!s_apply (op.order_id, &old, 5));
    CHECK (!s_apply (op.order_id, &tee, 7));
    MDB_txn *txn;
    orders_status_t known = {0};
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    CHECK_EQ_INT (orders_tracking_load (txn, &s_dbs, op.order_id, &known.fulfillments, &known.fulfillments_count), 0);
    CHECK_EQ_INT (known.fulfillments_count, 2);
    for (size_t i = 0; i < known.fulfillments_count; i++)
        if (strcmp (known.fulfillments[i].fulfillment_id, tee.fulfillment_id) == 0) {
            CHECK_STR (known.fulfillments[i].status, "shipped");
            CHECK_STR (known.fulfillments[i].carrier, "DHL");
            CHECK_EQ_INT (known.fulfillments[i].as_of, 1700000100000);
            CHECK_EQ_INT (known.fulfillments[i].lines[0].shortfall, 1);
        }
    record_free (orders_status_fields, &known);

    //  MUG ships and everything is delivered
    snprintf (mug.status, sizeof mug.status, "shipped");
    l[1].shipped = 1;
    CHECK (s_apply (op.order_id, &mug, 8));
    s_load (op.order_id, &order);
    CHECK_STR (order.status, "shipped");
    record_free (orders_order_fields, &order);
    snprintf (tee.status, sizeof tee.status, "delivered");
    l[0].delivered = 4;
    CHECK (s_apply (op.order_id, &tee, 9));
    snprintf (mug.status, sizeof mug.status, "delivered");
    l[1].delivered = 1;
    CHECK (s_apply (op.order_id, &mug, 10));
    s_load (op.order_id, &order);
    CHECK_STR (order.status, "delivered");
    CHECK_EQ_INT (order.lines[0].delivered, 4);
    CHECK_EQ_INT (order.lines[1].delivered, 1);
    //  what the order holds otherwise is as it was
    CHECK_EQ_INT (order.total, 750);
    CHECK_STR (order.currency, "EUR");
    record_free (orders_order_fields, &order);
    //  partially_shipped, shipped, partially_delivered, delivered
    CHECK_EQ_INT (s_history_count (op.order_id), 4);

    //  an unknown order
    uint8_t none[16];
    uuid_new (none);
    op_t missing = {.fulfilment = &tee, .seq = 11};
    memcpy (missing.order_id, none, 16);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &missing), RM_ENOTFOUND);
}

//  ---------------------------------------------------------------------
//  stale

static void
test_stale_parse (void)
{
    int64_t ms = 0;
    CHECK_EQ_INT (clock_parse_duration ("24h", &ms), 0);
    CHECK_EQ_INT (ms, 24LL * 3600 * 1000);
    CHECK_EQ_INT (clock_parse_duration ("90m", &ms), 0);
    CHECK_EQ_INT (ms, 90LL * 60 * 1000);
    CHECK_EQ_INT (clock_parse_duration ("7d", &ms), 0);
    CHECK_EQ_INT (ms, 7LL * 86400 * 1000);
    CHECK_EQ_INT (clock_parse_duration ("45s", &ms), 0);
    CHECK_EQ_INT (ms, 45000);
    CHECK_EQ_INT (clock_parse_duration ("3600", &ms), 0);
    CHECK_EQ_INT (ms, 3600000);
    const char *bad[] = {"", "h", "0", "-5m", "24x", "24hh", "1.5h", " 24h", "99999999999999999999d", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_EQ_INT (clock_parse_duration (bad[i], &ms), RM_EINVAL);
    CHECK_EQ_INT (clock_parse_duration (NULL, &ms), RM_EINVAL);
}

static void
test_stale_count (void)
{
    orders_stale_t limits;
    for (int i = 0; i < ORDERS_STALE_STATUSES; i++)
        limits.limit_ms[i] = 3600 * 1000;
    CHECK_EQ_INT (orders_stale_limit (&limits, "picked"), 3600 * 1000);
    CHECK_EQ_INT (orders_stale_limit (&limits, "delivered"), 0);
    int64_t now = 1700010000000;
    CHECK (orders_stale_is (&limits, "allocated", now - 3600 * 1000 - 1, now));
    CHECK (!orders_stale_is (&limits, "allocated", now - 3600 * 1000, now));
    CHECK (!orders_stale_is (&limits, "delivered", 0, now));

    //  on the store: a fresh order, one with both fulfilments stale and
    //  one whose stale fulfilment moved on
    MDB_txn *txn;
    int64_t orders = -1, fulfilments = -1;
    bool bounded = true;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    CHECK_EQ_INT (orders_stale_count (txn, &s_dbs, &limits, now, 1000, &orders, &fulfilments, &bounded), 0);
    int64_t orders_before = orders, fulfilments_before = fulfilments;

    s_order_reset ("accepted");
    op_t a = {0}, b = {0}, c = {0};
    uuid_new (a.order_id);
    uuid_new (b.order_id);
    uuid_new (c.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &a), 0);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &b), 0);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &c), 0);
    orders_fulfilment_line_t l[5];
    orders_fulfilment_t fresh = s_ff (&l[0], 0, 5, "allocated", 0, 0);
    fresh.as_of = now - 60 * 1000;
    orders_fulfilment_t b1 = s_ff (&l[1], 0, 5, "packed", 0, 0), b2 = s_ff (&l[2], 1, 1, "exception", 0, 0);
    b1.as_of = b2.as_of = now - 2 * 3600 * 1000;
    orders_fulfilment_t moved = s_ff (&l[3], 0, 5, "picked", 0, 0);
    moved.as_of = now - 5 * 3600 * 1000;
    orders_fulfilment_t done = s_ff (&l[4], 1, 1, "delivered", 0, 1);
    done.as_of = now - 50 * 3600 * 1000;
    CHECK (s_apply (a.order_id, &fresh, 20));
    CHECK (s_apply (b.order_id, &b1, 21));
    CHECK (s_apply (b.order_id, &b2, 22));
    CHECK (s_apply (c.order_id, &moved, 23));
    CHECK (s_apply (c.order_id, &done, 24));
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    CHECK_EQ_INT (orders_stale_count (txn, &s_dbs, &limits, now, 1000, &orders, &fulfilments, &bounded), 0);
    CHECK_EQ_INT (orders - orders_before, 2);
    CHECK_EQ_INT (fulfilments - fulfilments_before, 3);
    CHECK (!bounded);

    //  the picked one packs now: its old age entry goes
    snprintf (moved.status, sizeof moved.status, "packed");
    moved.as_of = now - 1000;
    CHECK (s_apply (c.order_id, &moved, 25));
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    CHECK_EQ_INT (orders_stale_count (txn, &s_dbs, &limits, now, 1000, &orders, &fulfilments, &bounded), 0);
    CHECK_EQ_INT (orders - orders_before, 1);
    CHECK_EQ_INT (fulfilments - fulfilments_before, 2);
    //  a bound stops the walk and says so
    CHECK_EQ_INT (orders_stale_count (txn, &s_dbs, &limits, now, 1, &orders, &fulfilments, &bounded), 0);
    CHECK (bounded);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders-tracking");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION,
                         .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_host.store), 0);
    s_dbs = orders_dbs_in (s_host.store);
    test_order_status ();
    test_lines ();
    test_stored_order_in_step ();
    test_stale_parse ();
    test_stale_count ();
    txnhost_close (&s_host);
    store_close (&s_host.store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
