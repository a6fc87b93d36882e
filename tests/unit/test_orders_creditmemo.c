//  orders: credit memos (creditmemo.c) — a receipt credited at the order's
//  prices less restocking fees, checked against the order (line, SKU,
//  price, sums, no more back than shipped), numbers gap-free per currency
//  (a transaction that fails takes none), one memo per receipt however
//  often it arrives, the order lines' returned and history in the same
//  transaction, a line's invoice, and an order's memos listed — on a real
//  LMDB store, without sockets.
#include "catalog_orders.h"
#include "catalog_returns.h"
#include "creditmemo.h"
#include "err.h"
#include "harness.h"
#include "invoice.h"
#include "ordhost.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;

//  An order of two lines, TEE x5 at 1999 (4 shipped) and MUG x2 at 850
//  (2 shipped and delivered).
static orders_line_t s_lines[2];
static orders_order_t s_order;

static void
s_order_reset (const char *currency)
{
    s_lines[0] = (orders_line_t) {.quantity = 5, .unit_price = 1999, .shipped = 4};
    snprintf (s_lines[0].sku, sizeof s_lines[0].sku, "TEE");
    s_lines[1] = (orders_line_t) {.quantity = 2, .unit_price = 850, .shipped = 2, .delivered = 2};
    snprintf (s_lines[1].sku, sizeof s_lines[1].sku, "MUG");
    s_order = (orders_order_t) {.lines = s_lines, .lines_count = 2};
    uuid_new_str (s_order.order_id);
    snprintf (s_order.external_id, sizeof s_order.external_id, "SF-100");
    snprintf (s_order.account_id, sizeof s_order.account_id, "ACC-7");
    snprintf (s_order.currency, sizeof s_order.currency, "%s", currency);
    snprintf (s_order.status, sizeof s_order.status, "delivered");
}

//  A receipt line of order line `line`, quantity units at the order's
//  price with fee withheld.
static returns_received_line_t
s_rline (int64_t line, int64_t quantity, int64_t fee)
{
    returns_received_line_t l = {.line = line, .quantity = quantity, .unit_price = s_lines[line].unit_price,
                                 .restocking_fee = fee};
    snprintf (l.sku, sizeof l.sku, "%s", s_lines[line].sku);
    snprintf (l.condition, sizeof l.condition, "resellable");
    snprintf (l.reason, sizeof l.reason, "no_longer_needed");
    l.extended = quantity * l.unit_price;
    l.refund = l.extended - fee;
    return l;
}

//  The event for a receipt of these lines, its totals summed from them.
static returns_received_event_t
s_event (const char *return_id, const char *receipt_id, returns_received_line_t *lines, size_t count)
{
    returns_received_event_t in = {0};
    snprintf (in.return_id, sizeof in.return_id, "%s", return_id);
    snprintf (in.order_id, sizeof in.order_id, "%s", s_order.order_id);
    snprintf (in.currency, sizeof in.currency, "%s", s_order.currency);
    snprintf (in.receipt.receipt_id, sizeof in.receipt.receipt_id, "%s", receipt_id);
    snprintf (in.receipt.location, sizeof in.receipt.location, "STORE-1");
    in.receipt.lines = lines;
    in.receipt.lines_count = count;
    for (size_t i = 0; i < count; i++) {
        in.refund_amount += lines[i].refund;
        in.restocking_fee += lines[i].restocking_fee;
    }
    return in;
}

static void
test_format (void)
{
    char number[41];
    orders_creditmemo_format (number, sizeof number, "USD", 1);
    CHECK_STR (number, "CM-USD-000001");
    orders_creditmemo_format (number, sizeof number, "JPY", 1234567);
    CHECK_STR (number, "CM-JPY-1234567");
}

//  orders_creditmemo_make's answer for the event; why into why.
static int
s_make (returns_received_event_t *in, const orders_invoices_t *invoices, orders_credit_memo_t *memo, int64_t *returned,
        char *why, size_t size)
{
    *memo = (orders_credit_memo_t) {0};
    why[0] = '\0';
    return orders_creditmemo_make (&s_order, invoices, in, 1700000400000, memo, returned, why, size);
}

static void
test_make (void)
{
    s_order_reset ("EUR");
    s_lines[0].returned = 1;
    //  an invoice for the TEE line, then one for both: the newest wins
    orders_invoice_line_t tee = {.line = 0, .quantity = 2}, both[2] = {{.line = 0}, {.line = 1}};
    orders_invoice_t inv[2] = {{.lines = &tee, .lines_count = 1}, {.lines = both, .lines_count = 2}};
    snprintf (inv[0].invoice_number, sizeof inv[0].invoice_number, "INV-EUR-000001");
    snprintf (inv[1].invoice_number, sizeof inv[1].invoice_number, "INV-EUR-000002");
    orders_invoices_t invoices = {.items = inv, .items_count = 1};
    returns_received_line_t lines[2] = {s_rline (0, 2, 600), s_rline (1, 1, 0)};
    returns_received_event_t in = s_event ("RET-1", "RCPT-1", lines, 2);
    orders_credit_memo_t memo;
    int64_t returned[2];
    char why[320];
    CHECK_EQ_INT (s_make (&in, &invoices, &memo, returned, why, sizeof why), 0);
    CHECK_STR (memo.credit_memo_number, "");
    CHECK_STR (memo.return_id, "RET-1");
    CHECK_STR (memo.receipt_id, "RCPT-1");
    CHECK_STR (memo.order_id, s_order.order_id);
    CHECK_STR (memo.external_id, "SF-100");
    CHECK_STR (memo.account_id, "ACC-7");
    CHECK_STR (memo.currency, "EUR");
    CHECK_EQ_INT (memo.issued_at, 1700000400000);
    CHECK_EQ_INT (memo.lines_count, 2);
    CHECK_EQ_INT (memo.lines[0].line, 0);
    CHECK_STR (memo.lines[0].sku, "TEE");
    CHECK_EQ_INT (memo.lines[0].quantity, 2);
    CHECK_EQ_INT (memo.lines[0].unit_price, 1999);
    CHECK_EQ_INT (memo.lines[0].extended, 3998);
    CHECK_EQ_INT (memo.lines[0].restocking_fee, 600);
    CHECK_EQ_INT (memo.lines[0].amount, 3398);
    CHECK_STR (memo.lines[0].invoice_number, "INV-EUR-000001");
    //  MUG was on no invoice
    CHECK_STR (memo.lines[1].invoice_number, "");
    CHECK_EQ_INT (memo.lines[1].amount, 850);
    CHECK_EQ_INT (memo.restocking_fee, 600);
    CHECK_EQ_INT (memo.total, 3398 + 850);
    CHECK_EQ_INT (returned[0], 3);
    CHECK_EQ_INT (returned[1], 1);
    record_free (orders_credit_memo_fields, &memo);
    invoices.items_count = 2;
    CHECK_EQ_INT (s_make (&in, &invoices, &memo, returned, why, sizeof why), 0);
    CHECK_STR (memo.lines[0].invoice_number, "INV-EUR-000002");
    CHECK_STR (memo.lines[1].invoice_number, "INV-EUR-000002");
    record_free (orders_credit_memo_fields, &memo);

    //  what does not match the order is refused, naming where
    returns_received_line_t bad;
    returns_received_event_t one;
#define S_REFUSED(pointer)                                                             \
    do {                                                                               \
        CHECK_EQ_INT (s_make (&one, NULL, &memo, returned, why, sizeof why), RM_EINVAL); \
        CHECK (strncmp (why, pointer, strlen (pointer)) == 0);                         \
        record_free (orders_credit_memo_fields, &memo);                                \
    } while (0)
    bad = s_rline (0, 1, 0);
    bad.line = 2;
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/line");
    bad = s_rline (0, 1, 0);
    snprintf (bad.sku, sizeof bad.sku, "MUG");
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/sku");
    bad = s_rline (0, 1, 0);
    bad.unit_price = 1500;
    bad.extended = bad.refund = 1500;
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/unit_price");
    bad = s_rline (0, 1, 0);
    bad.extended = 2000;
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/extended");
    bad = s_rline (0, 1, 100);
    bad.refund = 1999;
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/refund");
    //  TEE: 4 shipped, 1 returned before: 3 more may come back, not 4
    bad = s_rline (0, 4, 0);
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    S_REFUSED ("/receipt/lines/0/quantity");
    //  also when split over two receipt lines of the same order line
    returns_received_line_t split[2] = {s_rline (0, 2, 0), s_rline (0, 2, 0)};
    one = s_event ("RET-1", "RCPT-2", split, 2);
    S_REFUSED ("/receipt/lines/1/quantity");
    bad = s_rline (0, 1, 0);
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    one.refund_amount += 1;
    S_REFUSED ("/refund_amount");
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    one.restocking_fee = 1;
    S_REFUSED ("/restocking_fee");
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    snprintf (one.currency, sizeof one.currency, "USD");
    S_REFUSED ("/currency");
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    uuid_new_str (one.order_id);
    S_REFUSED ("/order_id");
#undef S_REFUSED
    //  a line with everything it may: 3 of TEE
    bad = s_rline (0, 3, 0);
    one = s_event ("RET-1", "RCPT-2", &bad, 1);
    CHECK_EQ_INT (s_make (&one, NULL, &memo, returned, why, sizeof why), 0);
    CHECK_EQ_INT (returned[0], 4);
    record_free (orders_credit_memo_fields, &memo);
}

//  ---------------------------------------------------------------------
//  applying receipts to a stored order

typedef struct {
    uint8_t order_id[16];
    returns_received_event_t in;
    orders_credit_memo_t memo;
    bool created;
    char why[320];
    int then;                      //  what the write returns after applying
} apply_t;

static int
s_store_order (MDB_txn *txn, void *arg)
{
    const ordhost_line_t lines[2] = {{"TEE", 5, 1999}, {"MUG", 2, 850}};
    apply_t *op = (apply_t *) arg;
    int rc = ordhost_store (txn, &s_dbs, op->order_id, "delivered", lines, 2);
    if (rc != 0)
        return rc;
    //  what shipped, as tracking keeps it on the stored order
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    rc = orders_load_decoded (txn, &s_dbs, op->order_id, &found, &unpacked, &order);
    int64_t shipped[2] = {4, 2};
    if (rc == 0)
        rc = orders_replace_line_counts (txn, &s_dbs, op->order_id, &found, &unpacked.data, "shipped", shipped);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    apply_t *op = (apply_t *) arg;
    record_free (orders_credit_memo_fields, &op->memo);
    op->memo = (orders_credit_memo_t) {0};
    int rc = orders_creditmemo_apply (txn, &s_dbs, &op->in, 1700000500000, "cid-ret", "caller-1", &op->memo,
                                      &op->created, op->why, sizeof op->why);
    return rc != 0 ? rc : op->then;
}

typedef struct {
    orders_credit_memo_t *memo;
    bool created;
} issue_t;

static int
s_issue_write (MDB_txn *txn, void *arg)
{
    issue_t *op = (issue_t *) arg;
    return orders_creditmemo_issue (txn, &s_dbs, op->memo, &op->created);
}

static void
test_apply (void)
{
    s_order_reset ("EUR");
    apply_t op = {0};
    uuid_new (op.order_id);
    uuid_format (op.order_id, s_order.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_order, &op), 0);
    returns_received_line_t first[2] = {s_rline (0, 1, 200), s_rline (1, 2, 0)};
    op.in = s_event ("RET-1", "RCPT-1", first, 2);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    CHECK (op.created);
    CHECK_STR (op.memo.credit_memo_number, "CM-EUR-000001");
    CHECK_EQ_INT (op.memo.total, 1799 + 1700);
    orders_order_t order = {0};
    ordhost_load (&s_host, &s_dbs, op.order_id, &order);
    CHECK_EQ_INT (order.lines[0].returned, 1);
    CHECK_EQ_INT (order.lines[1].returned, 2);
    CHECK_EQ_INT (order.lines[0].shipped, 4);
    CHECK_STR (order.status, "delivered");
    record_free (orders_order_fields, &order);
    char reason[256] = "";
    CHECK_EQ_INT (ordhost_history (&s_host, &s_dbs, op.order_id, "orders.credit_memo.created", reason, sizeof reason),
                  1);
    CHECK_STR (reason, "credit memo CM-EUR-000001: 3499 EUR refunded");

    //  the same receipt again: the same memo, nothing more returned
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    CHECK (!op.created);
    CHECK_STR (op.memo.credit_memo_number, "CM-EUR-000001");
    ordhost_load (&s_host, &s_dbs, op.order_id, &order);
    CHECK_EQ_INT (order.lines[0].returned, 1);
    record_free (orders_order_fields, &order);
    CHECK_EQ_INT (ordhost_history (&s_host, &s_dbs, op.order_id, "orders.credit_memo.created", NULL, 0), 1);

    //  a transaction that fails after crediting takes no number and
    //  returns nothing (the crash the failure hook makes)
    returns_received_line_t second = s_rline (0, 3, 0);
    op.in = s_event ("RET-2", "RCPT-1", &second, 1);
    op.then = RM_ESTORE;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_ESTORE);
    ordhost_load (&s_host, &s_dbs, op.order_id, &order);
    CHECK_EQ_INT (order.lines[0].returned, 1);
    record_free (orders_order_fields, &order);
    //  retried: the next number (the same receipt_id in another return is
    //  another receipt)
    op.then = 0;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    CHECK (op.created);
    CHECK_STR (op.memo.credit_memo_number, "CM-EUR-000002");
    ordhost_load (&s_host, &s_dbs, op.order_id, &order);
    CHECK_EQ_INT (order.lines[0].returned, 4);
    record_free (orders_order_fields, &order);

    //  one more TEE is more than shipped: refused, nothing written
    returns_received_line_t over = s_rline (0, 1, 0);
    op.in = s_event ("RET-3", "RCPT-1", &over, 1);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_EINVAL);
    CHECK (strncmp (op.why, "/receipt/lines/0/quantity", 25) == 0);
    MDB_txn *txn;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    char number[41];
    CHECK_EQ_INT (orders_creditmemo_of_receipt (txn, &s_dbs, "RET-3", "RCPT-1", number), RM_ENOTFOUND);
    CHECK_EQ_INT (orders_creditmemo_of_receipt (txn, &s_dbs, "RET-2", "RCPT-1", number), 0);
    CHECK_STR (number, "CM-EUR-000002");

    //  an order orders does not have
    op.in = s_event ("RET-4", "RCPT-1", &over, 1);
    uuid_new_str (op.in.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_ENOTFOUND);

    //  another order in the currency takes the next number
    apply_t next = {0};
    s_order_reset ("EUR");
    uuid_new (next.order_id);
    uuid_format (next.order_id, s_order.order_id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_order, &next), 0);
    returns_received_line_t mug = s_rline (1, 1, 0);
    next.in = s_event ("RET-9", "RCPT-9", &mug, 1);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &next), 0);
    CHECK_STR (next.memo.credit_memo_number, "CM-EUR-000003");
    //  another currency counts on its own
    snprintf (next.memo.currency, sizeof next.memo.currency, "USD");
    snprintf (next.memo.receipt_id, sizeof next.memo.receipt_id, "RCPT-10");
    issue_t issue = {&next.memo, false};
    CHECK_EQ_INT (txnhost_write (&s_host, s_issue_write, &issue), 0);
    CHECK (issue.created);
    CHECK_STR (next.memo.credit_memo_number, "CM-USD-000001");

    //  the first order's memos, oldest first; none for an order without
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    orders_credit_memos_t list = {0};
    CHECK_EQ_INT (orders_creditmemo_list (txn, &s_dbs, op.order_id, &list), 0);
    CHECK_EQ_INT (list.items_count, 2);
    if (list.items_count == 2) {
        CHECK_STR (list.items[0].credit_memo_number, "CM-EUR-000001");
        CHECK_STR (list.items[1].credit_memo_number, "CM-EUR-000002");
        CHECK_STR (list.items[1].return_id, "RET-2");
        CHECK_EQ_INT (list.items[0].lines_count, 2);
        CHECK_EQ_INT (list.items[0].issued_at, 1700000500000);
    }
    record_free (orders_credit_memos_fields, &list);
    list = (orders_credit_memos_t) {0};
    uint8_t other[16];
    uuid_new (other);
    CHECK_EQ_INT (orders_creditmemo_list (txn, &s_dbs, other, &list), 0);
    CHECK_EQ_INT (list.items_count, 0);
    record_free (orders_credit_memos_fields, &list);
    record_free (orders_credit_memo_fields, &op.memo);
    record_free (orders_credit_memo_fields, &next.memo);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = ordhost_open (&s_host, &s_dbs, "retailmesh-orders-creditmemo");
    test_format ();
    test_make ();
    test_apply ();
    ordhost_close (&s_host, dir);
    return harness_report (argv[0]);
}
