//  orders: what of an order may come back (returnable.c) — per line the
//  units shipped and delivered over its fulfilments, what the order
//  cancelled and credit memos returned, and when a line last shipped and
//  was delivered (the latest as_of of the fulfilments with such units);
//  from fulfilments stored in the read model and read back, on a real
//  LMDB store, without sockets.
#include "catalog_orders.h"
#include "err.h"
#include "harness.h"
#include "ordhost.h"
#include "returnable.h"
#include "tracking.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;

//  An order of two lines, TEE x5 at 1999 and MUG x2 at 850.
static orders_line_t s_lines[2];
static orders_order_t s_order;

static void
s_order_reset (void)
{
    memset (s_lines, 0, sizeof s_lines);
    snprintf (s_lines[0].sku, sizeof s_lines[0].sku, "TEE");
    s_lines[0].quantity = 5;
    s_lines[0].unit_price = 1999;
    snprintf (s_lines[1].sku, sizeof s_lines[1].sku, "MUG");
    s_lines[1].quantity = 2;
    s_lines[1].unit_price = 850;
    s_order = (orders_order_t) {.lines = s_lines, .lines_count = 2};
    uuid_new_str (s_order.order_id);
    snprintf (s_order.external_id, sizeof s_order.external_id, "SF-100");
    snprintf (s_order.channel, sizeof s_order.channel, "web");
    snprintf (s_order.account_id, sizeof s_order.account_id, "ACC-7");
    snprintf (s_order.currency, sizeof s_order.currency, "EUR");
    snprintf (s_order.status, sizeof s_order.status, "partially_delivered");
}

//  A fulfilment of one order line, in status as of as_of.
static orders_fulfilment_t
s_ff (orders_fulfilment_line_t *line, int64_t index, const char *status, int64_t shipped, int64_t delivered,
      int64_t as_of)
{
    *line = (orders_fulfilment_line_t) {.line = index, .quantity = shipped > 0 ? shipped : 1, .shipped = shipped,
                                        .delivered = delivered};
    snprintf (line->sku, sizeof line->sku, "%s", s_lines[index].sku);
    orders_fulfilment_t f = {.lines = line, .lines_count = 1, .as_of = as_of, .has_as_of = true};
    snprintf (f.status, sizeof f.status, "%s", status);
    snprintf (f.location, sizeof f.location, "WH-EAST");
    uuid_new_str (f.fulfillment_id);
    return f;
}

static void
test_counts_and_times (void)
{
    s_order_reset ();
    s_lines[0].cancelled = 1;
    s_lines[0].returned = 2;
    //  TEE: 2 delivered at t=300, 2 shipped later at t=500 (in transit);
    //  MUG: allocated, nothing left; a fulfilment naming a line the order
    //  does not have is no line's
    orders_fulfilment_line_t l[4];
    orders_fulfilment_t f[4] = {s_ff (&l[0], 0, "delivered", 2, 2, 300), s_ff (&l[1], 0, "shipped", 2, 0, 500),
                                s_ff (&l[2], 1, "allocated", 0, 0, 700), s_ff (&l[3], 1, "shipped", 1, 0, 900)};
    l[3].line = 7;
    orders_returnable_t r = {0};
    CHECK_EQ_INT (orders_returnable_of (&s_order, f, 4, &r), 0);
    CHECK_STR (r.order_id, s_order.order_id);
    CHECK_STR (r.external_id, "SF-100");
    CHECK_STR (r.channel, "web");
    CHECK_STR (r.account_id, "ACC-7");
    CHECK_STR (r.currency, "EUR");
    CHECK_STR (r.status, "partially_delivered");
    CHECK_EQ_INT (r.lines_count, 2);
    CHECK_EQ_INT (r.lines[0].line, 0);
    CHECK_STR (r.lines[0].sku, "TEE");
    CHECK_EQ_INT (r.lines[0].quantity, 5);
    CHECK_EQ_INT (r.lines[0].unit_price, 1999);
    CHECK_EQ_INT (r.lines[0].shipped, 4);
    CHECK_EQ_INT (r.lines[0].delivered, 2);
    CHECK_EQ_INT (r.lines[0].cancelled, 1);
    CHECK_EQ_INT (r.lines[0].returned, 2);
    CHECK (r.lines[0].has_shipped_at && r.lines[0].has_delivered_at);
    CHECK_EQ_INT (r.lines[0].shipped_at, 500);
    CHECK_EQ_INT (r.lines[0].delivered_at, 300);
    //  nothing of MUG left: no times
    CHECK_EQ_INT (r.lines[1].line, 1);
    CHECK_EQ_INT (r.lines[1].shipped, 0);
    CHECK_EQ_INT (r.lines[1].returned, 0);
    CHECK (!r.lines[1].has_shipped_at && !r.lines[1].has_delivered_at);
    record_free (orders_returnable_fields, &r);

    //  no fulfilments at all: every count 0, no times
    orders_returnable_t none = {0};
    CHECK_EQ_INT (orders_returnable_of (&s_order, NULL, 0, &none), 0);
    CHECK_EQ_INT (none.lines_count, 2);
    CHECK_EQ_INT (none.lines[0].shipped + none.lines[0].delivered, 0);
    CHECK (!none.lines[0].has_shipped_at);
    record_free (orders_returnable_fields, &none);
}

//  ---- from the read model --------------------------------------------------------

typedef struct {
    uint8_t order_id[16];
    orders_fulfilment_t *f;
    uint64_t seq;
} put_t;

static int
s_store_order (MDB_txn *txn, void *arg)
{
    const ordhost_line_t lines[2] = {{"TEE", 5, 1999}, {"MUG", 2, 850}};
    return ordhost_store (txn, &s_dbs, ((put_t *) arg)->order_id, "accepted", lines, 2);
}

static int
s_put (MDB_txn *txn, void *arg)
{
    put_t *op = (put_t *) arg;
    bool applied = false;
    int rc = orders_tracking_put (txn, &s_dbs, op->order_id, op->f, op->seq, &applied);
    return rc == 0 ? orders_tracking_sync (txn, &s_dbs, op->order_id, "fulfillment.test", "cid-r", "", NULL) : rc;
}

static void
test_from_stored (void)
{
    s_order_reset ();
    put_t op = {.seq = 1};
    uuid_new (op.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_order, &op), 0);
    orders_fulfilment_line_t l[2];
    orders_fulfilment_t first = s_ff (&l[0], 1, "shipped", 2, 0, 1000);
    op.f = &first;
    CHECK_EQ_INT (txnhost_write (&s_host, s_put, &op), 0);
    //  the same fulfilment delivered later: its as_of moves on
    orders_fulfilment_t later = s_ff (&l[1], 1, "delivered", 2, 2, 4000);
    snprintf (later.fulfillment_id, sizeof later.fulfillment_id, "%s", first.fulfillment_id);
    op.f = &later;
    op.seq = 2;
    CHECK_EQ_INT (txnhost_write (&s_host, s_put, &op), 0);

    orders_order_t order = {0};
    ordhost_load (&s_host, &s_dbs, op.order_id, &order);
    MDB_txn *txn;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    orders_status_t known = {0};
    CHECK_EQ_INT (orders_tracking_load (txn, &s_dbs, op.order_id, &known.fulfillments, &known.fulfillments_count), 0);
    orders_returnable_t r = {0};
    CHECK_EQ_INT (orders_returnable_of (&order, known.fulfillments, known.fulfillments_count, &r), 0);
    CHECK_STR (r.status, "partially_delivered");
    CHECK_EQ_INT (r.lines[1].shipped, 2);
    CHECK_EQ_INT (r.lines[1].delivered, 2);
    CHECK_EQ_INT (r.lines[1].delivered_at, 4000);
    CHECK_EQ_INT (r.lines[1].shipped_at, 4000);
    CHECK (!r.lines[0].has_shipped_at);
    record_free (orders_returnable_fields, &r);
    record_free (orders_status_fields, &known);
    record_free (orders_order_fields, &order);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = ordhost_open (&s_host, &s_dbs, "retailmesh-orders-returnable");
    test_counts_and_times ();
    test_from_stored ();
    ordhost_close (&s_host, dir);
    return harness_report (argv[0]);
}
