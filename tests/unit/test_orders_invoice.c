//  orders: invoices (invoice.c) — what a shipment bills at the order's
//  prices, numbers gap-free per currency (a transaction that fails takes
//  none), one invoice per fulfilment however often it is issued, reading
//  one back and listing an order's — on a real LMDB store, without sockets.
#include "catalog_orders.h"
#include "err.h"
#include "harness.h"
#include "invoice.h"
#include "txnhost.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;

static orders_line_t s_lines[2];
static orders_order_t s_order;

static void
s_order_reset (const char *currency)
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
    snprintf (s_order.account_id, sizeof s_order.account_id, "ACC-7");
    snprintf (s_order.currency, sizeof s_order.currency, "%s", currency);
}

//  A fulfilment of both lines with these units shipped and delivered.
static orders_fulfilment_t
s_ff (orders_fulfilment_line_t lines[2], int64_t tee_shipped, int64_t mug_shipped, int64_t mug_delivered)
{
    lines[0] = (orders_fulfilment_line_t) {.line = 0, .quantity = 5, .shipped = tee_shipped};
    snprintf (lines[0].sku, sizeof lines[0].sku, "TEE");
    lines[1] = (orders_fulfilment_line_t) {.line = 1, .quantity = 2, .shipped = mug_shipped,
                                           .delivered = mug_delivered};
    snprintf (lines[1].sku, sizeof lines[1].sku, "MUG");
    orders_fulfilment_t f = {.lines = lines, .lines_count = 2};
    uuid_new_str (f.fulfillment_id);
    snprintf (f.location, sizeof f.location, "WH-EAST");
    snprintf (f.status, sizeof f.status, "shipped");
    return f;
}

static void
test_format (void)
{
    char number[41];
    orders_invoice_format (number, sizeof number, "USD", 1);
    CHECK_STR (number, "INV-USD-000001");
    orders_invoice_format (number, sizeof number, "JPY", 1234567);
    CHECK_STR (number, "INV-JPY-1234567");
}

static void
test_bill (void)
{
    s_order_reset ("EUR");
    orders_fulfilment_line_t lines[2];
    //  a short pick: 4 of 5 TEE left, MUG not at all
    orders_fulfilment_t f = s_ff (lines, 4, 0, 0);
    orders_invoice_t invoice = {0};
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1700000000000, &invoice), 0);
    CHECK_EQ_INT (invoice.lines_count, 1);
    CHECK_EQ_INT (invoice.lines[0].line, 0);
    CHECK_STR (invoice.lines[0].sku, "TEE");
    CHECK_EQ_INT (invoice.lines[0].quantity, 4);
    CHECK_EQ_INT (invoice.lines[0].unit_price, 1999);
    CHECK_EQ_INT (invoice.lines[0].extended, 7996);
    CHECK_EQ_INT (invoice.total, 7996);
    CHECK_STR (invoice.currency, "EUR");
    CHECK_STR (invoice.order_id, s_order.order_id);
    CHECK_STR (invoice.fulfillment_id, f.fulfillment_id);
    CHECK_STR (invoice.external_id, "SF-100");
    CHECK_STR (invoice.location, "WH-EAST");
    CHECK_EQ_INT (invoice.issued_at, 1700000000000);
    CHECK_STR (invoice.invoice_number, "");
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};

    //  a delivery reported before its shipment bills what was delivered
    f = s_ff (lines, 5, 0, 2);
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1700000000000, &invoice), 0);
    CHECK_EQ_INT (invoice.lines_count, 2);
    CHECK_EQ_INT (invoice.lines[1].quantity, 2);
    CHECK_EQ_INT (invoice.total, 5 * 1999 + 2 * 850);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};

    //  nothing shipped: nothing to bill
    f = s_ff (lines, 0, 0, 0);
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1, &invoice), RM_ENOTFOUND);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    //  lines that are not the order's
    f = s_ff (lines, 1, 0, 0);
    snprintf (lines[0].sku, sizeof lines[0].sku, "CAP");
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1, &invoice), RM_EINVAL);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    f = s_ff (lines, 1, 0, 0);
    lines[0].line = 2;
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1, &invoice), RM_EINVAL);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    f = s_ff (lines, 6, 0, 0);
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1, &invoice), RM_EINVAL);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    //  a total that does not fit
    s_lines[0].unit_price = INT64_MAX / 2;
    f = s_ff (lines, 3, 0, 0);
    CHECK_EQ_INT (orders_invoice_bill (&s_order, &f, 1, &invoice), RM_EINVAL);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
}

//  ---------------------------------------------------------------------
//  issuing

typedef struct {
    orders_invoice_t *invoice;
    bool created;
    int then;                      //  what the write returns after issuing
} issue_t;

static int
s_issue_write (MDB_txn *txn, void *arg)
{
    issue_t *op = (issue_t *) arg;
    int rc = orders_invoice_issue (txn, &s_dbs, op->invoice, &op->created);
    return rc != 0 ? rc : op->then;
}

//  Bills and issues the fulfilment's invoice; its number into number.
static bool
s_issue (const orders_fulfilment_t *f, char *number, size_t size, int then)
{
    orders_invoice_t invoice = {0};
    CHECK_EQ_INT (orders_invoice_bill (&s_order, f, 1700000000000, &invoice), 0);
    issue_t op = {&invoice, false, then};
    CHECK_EQ_INT (txnhost_write (&s_host, s_issue_write, &op), then);
    snprintf (number, size, "%s", invoice.invoice_number);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    return op.created;
}

static void
test_issue (void)
{
    s_order_reset ("USD");
    orders_fulfilment_line_t l1[2], l2[2], l3[2], l4[2];
    orders_fulfilment_t first = s_ff (l1, 5, 0, 0), second = s_ff (l2, 0, 2, 0), failed = s_ff (l3, 1, 0, 0);
    char number[41];
    CHECK (s_issue (&first, number, sizeof number, 0));
    CHECK_STR (number, "INV-USD-000001");
    //  the same fulfilment again (a shipment applied twice, a delivery
    //  after it): the same invoice, nothing new
    CHECK (!s_issue (&first, number, sizeof number, 0));
    CHECK_STR (number, "INV-USD-000001");
    //  a transaction that fails after issuing takes no number
    s_issue (&failed, number, sizeof number, RM_ESTORE);
    CHECK (s_issue (&second, number, sizeof number, 0));
    CHECK_STR (number, "INV-USD-000002");
    //  the failed one, retried, is next
    CHECK (s_issue (&failed, number, sizeof number, 0));
    CHECK_STR (number, "INV-USD-000003");

    //  another currency counts on its own
    char usd_order[UUID_STR_LEN + 1];
    snprintf (usd_order, sizeof usd_order, "%s", s_order.order_id);
    s_order_reset ("EUR");
    orders_fulfilment_t euro = s_ff (l4, 2, 1, 0);
    CHECK (s_issue (&euro, number, sizeof number, 0));
    CHECK_STR (number, "INV-EUR-000001");

    //  read back
    MDB_txn *txn;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    orders_invoice_t invoice = {0};
    CHECK_EQ_INT (orders_invoice_get (txn, &s_dbs, "INV-EUR-000001", &invoice), 0);
    CHECK_STR (invoice.fulfillment_id, euro.fulfillment_id);
    CHECK_STR (invoice.order_id, s_order.order_id);
    CHECK_EQ_INT (invoice.total, 2 * 1999 + 850);
    CHECK_EQ_INT (invoice.lines_count, 2);
    record_free (orders_invoice_fields, &invoice);
    invoice = (orders_invoice_t) {0};
    CHECK_EQ_INT (orders_invoice_get (txn, &s_dbs, "INV-EUR-000002", &invoice), RM_ENOTFOUND);

    //  the USD order's three, in the order they were issued
    uint8_t id[16];
    CHECK_EQ_INT (uuid_parse (usd_order, id), 0);
    orders_invoices_t list = {0};
    CHECK_EQ_INT (orders_invoice_list (txn, &s_dbs, id, &list), 0);
    CHECK_EQ_INT (list.items_count, 3);
    if (list.items_count == 3) {
        CHECK_STR (list.items[0].invoice_number, "INV-USD-000001");
        CHECK_STR (list.items[0].fulfillment_id, first.fulfillment_id);
        CHECK_STR (list.items[1].invoice_number, "INV-USD-000002");
        CHECK_STR (list.items[2].invoice_number, "INV-USD-000003");
        CHECK_STR (list.items[2].fulfillment_id, failed.fulfillment_id);
    }
    record_free (orders_invoices_fields, &list);
    uint8_t none[16];
    uuid_new (none);
    CHECK_EQ_INT (orders_invoice_list (txn, &s_dbs, none, &list), 0);
    CHECK_EQ_INT (list.items_count, 0);
    record_free (orders_invoices_fields, &list);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders-invoice");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION,
                         .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_host.store), 0);
    s_dbs = orders_dbs_in (s_host.store);
    test_format ();
    test_bill ();
    test_issue ();
    txnhost_close (&s_host);
    store_close (&s_host.store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
