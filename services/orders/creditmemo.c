#include "creditmemo.h"
#include "clock.h"
#include "err.h"
#include "failpoint.h"
#include "invoice.h"
#include "log.h"
#include "money.h"
#include "storeval.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_SIZE (sizeof ((orders_credit_memo_t *) 0)->credit_memo_number)
#define RECEIPT_KEY_MAX (2 * 128 + 2)

void
orders_creditmemo_format (char *out, size_t size, const char *currency, uint64_t n)
{
    snprintf (out, size, "CM-%s-%06llu", currency, (unsigned long long) n);
}

static int
s_wrong (char *why, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    vsnprintf (why, size, fmt, args);
    va_end (args);
    return RM_EINVAL;
}

//  The newest of the order's invoices billing order line `line`.
static const char *
s_invoice_of (const orders_invoices_t *invoices, int64_t line)
{
    for (size_t i = invoices ? invoices->items_count : 0; i-- > 0;)
        for (size_t l = 0; l < invoices->items[i].lines_count; l++)
            if (invoices->items[i].lines[l].line == line)
                return invoices->items[i].invoice_number;
    return NULL;
}

//  One receipt line checked against the order and added to memo.
static int
s_credit_line (const orders_order_t *order, const orders_invoices_t *invoices, const returns_received_line_t *from,
               size_t i, orders_credit_memo_t *memo, int64_t *returned, char *why, size_t size)
{
    if (from->line < 0 || (size_t) from->line >= order->lines_count)
        return s_wrong (why, size, "/receipt/lines/%zu/line: order %s has no line %lld", i, order->order_id,
                        (long long) from->line);
    const orders_line_t *line = &order->lines[from->line];
    if (strcmp (line->sku, from->sku) != 0)
        return s_wrong (why, size, "/receipt/lines/%zu/sku: order line %lld is %s, not %s", i,
                        (long long) from->line, line->sku, from->sku);
    if (line->unit_price != from->unit_price)
        return s_wrong (why, size, "/receipt/lines/%zu/unit_price: order line %lld was paid %lld, not %lld", i,
                        (long long) from->line, (long long) line->unit_price, (long long) from->unit_price);
    int64_t extended = 0;
    if (money_mul (from->quantity, from->unit_price, &extended) != 0 || extended != from->extended)
        return s_wrong (why, size, "/receipt/lines/%zu/extended: is not quantity * unit_price", i);
    if (from->restocking_fee > extended || from->refund != extended - from->restocking_fee)
        return s_wrong (why, size, "/receipt/lines/%zu/refund: is not extended - restocking_fee", i);
    //  what left is all that can come back (a delivery may be known before its shipment)
    int64_t left = line->shipped > line->delivered ? line->shipped : line->delivered;
    returned[from->line] += from->quantity;
    if (returned[from->line] > left)
        return s_wrong (why, size,
                        "/receipt/lines/%zu/quantity: %lld units of order line %lld would have come back, "
                        "%lld shipped",
                        i, (long long) returned[from->line], (long long) from->line, (long long) left);
    orders_credit_memo_line_t *to =
        (orders_credit_memo_line_t *) record_push (&memo->lines, &memo->lines_count, sizeof *to);
    if (!to)
        return RM_ENOMEM;
    *to = (orders_credit_memo_line_t) {.line = from->line, .quantity = from->quantity, .unit_price = from->unit_price,
                                       .extended = extended, .restocking_fee = from->restocking_fee,
                                       .amount = from->refund};
    snprintf (to->sku, sizeof to->sku, "%s", from->sku);
    const char *invoice = s_invoice_of (invoices, from->line);
    snprintf (to->invoice_number, sizeof to->invoice_number, "%s", invoice ? invoice : "");
    if (money_add (memo->restocking_fee, to->restocking_fee, &memo->restocking_fee) != 0
        || money_add (memo->total, to->amount, &memo->total) != 0)
        return s_wrong (why, size, "/receipt/lines/%zu/refund: the total overflows", i);
    return 0;
}

int
orders_creditmemo_make (const orders_order_t *order, const orders_invoices_t *invoices,
                        const returns_received_event_t *in, int64_t issued_at, orders_credit_memo_t *memo,
                        int64_t *returned, char *why, size_t why_size)
{
    if (strcmp (in->order_id, order->order_id) != 0)
        return s_wrong (why, why_size, "/order_id: %s is not order %s", in->order_id, order->order_id);
    if (strcmp (in->currency, order->currency) != 0)
        return s_wrong (why, why_size, "/currency: order %s is in %s, not %s", order->order_id, order->currency,
                        in->currency);
    snprintf (memo->return_id, sizeof memo->return_id, "%s", in->return_id);
    snprintf (memo->receipt_id, sizeof memo->receipt_id, "%s", in->receipt.receipt_id);
    snprintf (memo->order_id, sizeof memo->order_id, "%s", order->order_id);
    snprintf (memo->external_id, sizeof memo->external_id, "%s", order->external_id);
    snprintf (memo->account_id, sizeof memo->account_id, "%s", order->account_id);
    snprintf (memo->currency, sizeof memo->currency, "%s", order->currency);
    memo->issued_at = issued_at;
    memo->has_issued_at = true;
    for (size_t i = 0; i < order->lines_count; i++)
        returned[i] = order->lines[i].returned;
    for (size_t i = 0; i < in->receipt.lines_count; i++) {
        int rc = s_credit_line (order, invoices, &in->receipt.lines[i], i, memo, returned, why, why_size);
        if (rc != 0)
            return rc;
    }
    if (memo->lines_count == 0)
        return s_wrong (why, why_size, "/receipt/lines: no units came back");
    if (memo->total != in->refund_amount)
        return s_wrong (why, why_size, "/refund_amount: %lld is not the lines' refunds, %lld",
                        (long long) in->refund_amount, (long long) memo->total);
    if (memo->restocking_fee != in->restocking_fee)
        return s_wrong (why, why_size, "/restocking_fee: %lld is not the lines' restocking fees, %lld",
                        (long long) in->restocking_fee, (long long) memo->restocking_fee);
    return 0;
}

//  ---------------------------------------------------------------------
//  the store

static size_t
s_receipt_key (char key[RECEIPT_KEY_MAX], const char *return_id, const char *receipt_id)
{
    return store_key_pair (key, RECEIPT_KEY_MAX, return_id, receipt_id);
}

int
orders_creditmemo_of_receipt (MDB_txn *txn, const orders_dbs_t *dbs, const char *return_id,
                              const char *receipt_id, char *number)
{
    char key[RECEIPT_KEY_MAX];
    size_t klen = s_receipt_key (key, return_id, receipt_id);
    if (klen == 0)
        return RM_ESTORE;
    MDB_val val;
    int rc = store_get (txn, dbs->credit_memo_by_receipt, key, klen, &val);
    if (rc != 0)
        return rc;
    if (val.mv_size == 0 || val.mv_size >= NUMBER_SIZE)
        return RM_ESTORE;
    snprintf (number, NUMBER_SIZE, "%.*s", (int) val.mv_size, (const char *) val.mv_data);
    return 0;
}

int
orders_creditmemo_issue (MDB_txn *txn, const orders_dbs_t *dbs, orders_credit_memo_t *memo, bool *created)
{
    uint8_t order_id[16];
    *created = false;
    if (uuid_parse (memo->order_id, order_id) != 0)
        return RM_EINVAL;
    int rc = orders_creditmemo_of_receipt (txn, dbs, memo->return_id, memo->receipt_id, memo->credit_memo_number);
    if (rc != RM_ENOTFOUND)
        return rc;
    uint64_t n = 0;
    if ((rc = orders_sequence_next (txn, dbs->credit_memo_seq, memo->currency, &n)) != 0)
        return rc;
    orders_creditmemo_format (memo->credit_memo_number, NUMBER_SIZE, memo->currency, n);
    size_t number_len = strlen (memo->credit_memo_number);
    rc = storeval_put_record (txn, dbs->credit_memos, memo->credit_memo_number, number_len, ORDERS_RECORD_V,
                              orders_credit_memo_fields, memo);
    char key[RECEIPT_KEY_MAX];
    size_t klen = s_receipt_key (key, memo->return_id, memo->receipt_id);
    if (rc == 0)
        rc = store_put (txn, dbs->credit_memo_by_receipt, key, klen, memo->credit_memo_number, number_len, 0);
    uint8_t order_key[ORDERS_INDEX_KEY_LEN];
    orders_index_key (order_key, order_id, n);
    if (rc == 0)
        rc = store_put (txn, dbs->credit_memo_by_order, order_key, sizeof order_key, memo->credit_memo_number,
                        number_len, 0);
    *created = rc == 0;
    return rc;
}

static int
s_list_one (void *arg, const MDB_val *stored)
{
    orders_credit_memos_t *list = (orders_credit_memos_t *) arg;
    orders_credit_memo_t *item =
        (orders_credit_memo_t *) record_push (&list->items, &list->items_count, sizeof *item);
    if (!item)
        return RM_ENOMEM;
    msgpack_unpacked unpacked;
    int rc = storeval_read (stored, ORDERS_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (orders_credit_memo_fields, &unpacked.data, item);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
orders_creditmemo_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                        orders_credit_memos_t *list)
{
    return orders_index_walk (txn, dbs->credit_memo_by_order, dbs->credit_memos, order_id, s_list_one, list);
}

//  ---------------------------------------------------------------------
//  returns.return.received

int
orders_creditmemo_apply (MDB_txn *txn, const orders_dbs_t *dbs, const returns_received_event_t *in,
                         int64_t issued_at, const char *cid, const char *caller, orders_credit_memo_t *memo,
                         bool *created, char *why, size_t why_size)
{
    uint8_t order_id[16];
    *created = false;
    if (uuid_parse (in->order_id, order_id) != 0)
        return s_wrong (why, why_size, "/order_id: %s is not a UUID", in->order_id);
    //  a receipt credited before (the event delivered again) changes nothing
    int rc = orders_creditmemo_of_receipt (txn, dbs, in->return_id, in->receipt.receipt_id,
                                           memo->credit_memo_number);
    if (rc != RM_ENOTFOUND)
        return rc;
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    orders_invoices_t invoices = {0};
    int64_t *returned = NULL;
    rc = orders_load_decoded (txn, dbs, order_id, &found, &unpacked, &order);
    if (rc == 0 && !(returned = (int64_t *) calloc (order.lines_count, sizeof *returned)))
        rc = RM_ENOMEM;
    if (rc == 0)
        rc = orders_invoice_list (txn, dbs, order_id, &invoices);
    if (rc == 0)
        rc = orders_creditmemo_make (&order, &invoices, in, issued_at, memo, returned, why, why_size);
    if (rc == 0)
        rc = orders_creditmemo_issue (txn, dbs, memo, created);
    if (rc == 0)
        rc = orders_replace_line_counts (txn, dbs, order_id, &found, &unpacked.data, "returned", returned);
    if (rc == 0) {
        char reason[256];
        snprintf (reason, sizeof reason, "credit memo %s: %lld %s refunded", memo->credit_memo_number,
                  (long long) memo->total, memo->currency);
        rc = orders_history_add (txn, dbs, order_id, order.status, "orders.credit_memo.created", cid, caller,
                                 reason);
    }
    free (returned);
    record_free (orders_invoices_fields, &invoices);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

int
orders_creditmemo_on_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    orders_dbs_t dbs = orders_dbs_of (svc);
    returns_received_event_t in = {0};
    orders_credit_memo_t memo = {0};
    bool created = false;
    char why[320] = "not a receipt of an order";
    int rc = record_decode (returns_received_event_fields, &event->body, &in);
    if (rc == 0)
        rc = orders_creditmemo_apply (txn, &dbs, &in, clock_now_ms (), event->cid, event->caller, &memo, &created,
                                      why, sizeof why);
    if (rc == 0 && created) {
        record_pack (orders_credit_memo_fields, &memo,
                     service_event_for (svc, "orders.credit_memo.created", event->cid, event->caller));
        log_info (event->cid, "order %s: credit memo %s for return %s receipt %s, %lld %s", memo.order_id,
                  memo.credit_memo_number, memo.return_id, memo.receipt_id, (long long) memo.total, memo.currency);
        FAILPOINT_CRASH (ORDERS_CREDIT_MEMO_CRASH);
    }
    else if (rc == 0)
        log_info (event->cid, "return %s receipt %s: credit memo %s issued before", in.return_id,
                  in.receipt.receipt_id, memo.credit_memo_number);
    else if (rc == RM_EINVAL)
        log_error (event->cid, "%s #%llu (return %s receipt %s, order %s): %s; no credit memo", event->type,
                   (unsigned long long) event->seq, in.return_id, in.receipt.receipt_id, in.order_id, why);
    else if (rc == RM_ENOTFOUND)
        log_error (event->cid, "%s #%llu for order %s, which orders does not have; no credit memo", event->type,
                   (unsigned long long) event->seq, in.order_id);
    record_free (orders_credit_memo_fields, &memo);
    record_free (returns_received_event_fields, &in);
    //  A refund that cannot be credited must not vanish as a business
    //  rejection (which the consumer only logs and skips): as a failure it
    //  is retried and then dead-lettered, where `retailmesh dlq` shows it
    //  and replays it once the cause is fixed.
    return rc == RM_EINVAL || rc == RM_ENOTFOUND ? RM_EINTERNAL : rc;
}

//  ---------------------------------------------------------------------
//  orders.credit_memos

static int
s_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], void *record)
{
    return orders_creditmemo_list (txn, dbs, order_id, (orders_credit_memos_t *) record);
}

int
orders_creditmemo_handle_list (service_t *svc, request_t *req)
{
    orders_credit_memos_t list = {0};
    return orders_reply_order_list (svc, req, s_list, orders_credit_memos_fields, &list);
}
