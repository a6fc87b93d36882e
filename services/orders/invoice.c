#include "invoice.h"
#include "err.h"
#include "money.h"
#include "storeval.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_SIZE (sizeof ((orders_invoice_t *) 0)->invoice_number)

void
orders_invoice_format (char *out, size_t size, const char *currency, uint64_t n)
{
    snprintf (out, size, "INV-%s-%06llu", currency, (unsigned long long) n);
}

int
orders_invoice_bill (const orders_order_t *order, const orders_fulfilment_t *fulfilment, int64_t issued_at,
                     orders_invoice_t *invoice)
{
    snprintf (invoice->order_id, sizeof invoice->order_id, "%s", order->order_id);
    snprintf (invoice->fulfillment_id, sizeof invoice->fulfillment_id, "%s", fulfilment->fulfillment_id);
    snprintf (invoice->external_id, sizeof invoice->external_id, "%s", order->external_id);
    snprintf (invoice->account_id, sizeof invoice->account_id, "%s", order->account_id);
    snprintf (invoice->location, sizeof invoice->location, "%s", fulfilment->location);
    snprintf (invoice->currency, sizeof invoice->currency, "%s", order->currency);
    invoice->issued_at = issued_at;
    invoice->has_issued_at = true;
    for (size_t i = 0; i < fulfilment->lines_count; i++) {
        const orders_fulfilment_line_t *from = &fulfilment->lines[i];
        int64_t units = from->shipped > from->delivered ? from->shipped : from->delivered;
        if (units == 0)
            continue;
        if (from->line < 0 || (size_t) from->line >= order->lines_count)
            return RM_EINVAL;
        const orders_line_t *line = &order->lines[from->line];
        if (strcmp (line->sku, from->sku) != 0 || units > line->quantity)
            return RM_EINVAL;
        orders_invoice_line_t *to =
            (orders_invoice_line_t *) record_push (&invoice->lines, &invoice->lines_count, sizeof *to);
        if (!to)
            return RM_ENOMEM;
        to->line = from->line;
        snprintf (to->sku, sizeof to->sku, "%s", from->sku);
        to->quantity = units;
        to->unit_price = line->unit_price;
        if (money_mul (units, line->unit_price, &to->extended) != 0
            || money_add (invoice->total, to->extended, &invoice->total) != 0)
            return RM_EINVAL;
    }
    return invoice->lines_count ? 0 : RM_ENOTFOUND;
}

int
orders_invoice_issue (MDB_txn *txn, const orders_dbs_t *dbs, orders_invoice_t *invoice, bool *created)
{
    uint8_t fulfilment[16], order_id[16];
    *created = false;
    if (uuid_parse (invoice->fulfillment_id, fulfilment) != 0 || uuid_parse (invoice->order_id, order_id) != 0)
        return RM_EINVAL;
    MDB_val val;
    int rc = store_get (txn, dbs->invoice_by_fulfilment, fulfilment, 16, &val);
    if (rc == 0) {
        if (val.mv_size == 0 || val.mv_size >= NUMBER_SIZE)
            return RM_ESTORE;
        snprintf (invoice->invoice_number, NUMBER_SIZE, "%.*s", (int) val.mv_size, (const char *) val.mv_data);
        return 0;
    }
    if (rc != RM_ENOTFOUND)
        return rc;
    uint64_t n = 0;
    if ((rc = orders_sequence_next (txn, dbs->invoice_seq, invoice->currency, &n)) != 0)
        return rc;
    orders_invoice_format (invoice->invoice_number, NUMBER_SIZE, invoice->currency, n);
    size_t number_len = strlen (invoice->invoice_number);
    rc = storeval_put_record (txn, dbs->invoices, invoice->invoice_number, number_len, ORDERS_RECORD_V,
                              orders_invoice_fields, invoice);
    if (rc == 0)
        rc = store_put (txn, dbs->invoice_by_fulfilment, fulfilment, 16, invoice->invoice_number, number_len, 0);
    uint8_t key[ORDERS_INDEX_KEY_LEN];
    orders_index_key (key, order_id, n);
    if (rc == 0)
        rc = store_put (txn, dbs->invoice_by_order, key, sizeof key, invoice->invoice_number, number_len, 0);
    *created = rc == 0;
    return rc;
}

static int
s_read (const MDB_val *val, orders_invoice_t *invoice)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, ORDERS_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (orders_invoice_fields, &unpacked.data, invoice);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
orders_invoice_get (MDB_txn *txn, const orders_dbs_t *dbs, const char *number, orders_invoice_t *invoice)
{
    MDB_val val;
    int rc = store_get (txn, dbs->invoices, number, strlen (number), &val);
    return rc == 0 ? s_read (&val, invoice) : rc;
}

static int
s_list_one (void *arg, const MDB_val *stored)
{
    orders_invoices_t *list = (orders_invoices_t *) arg;
    orders_invoice_t *item = (orders_invoice_t *) record_push (&list->items, &list->items_count, sizeof *item);
    return item ? s_read (stored, item) : RM_ENOMEM;
}

int
orders_invoice_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_invoices_t *list)
{
    return orders_index_walk (txn, dbs->invoice_by_order, dbs->invoices, order_id, s_list_one, list);
}

//  ---------------------------------------------------------------------
//  orders.invoices and orders.invoice

static int
s_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], void *record)
{
    return orders_invoice_list (txn, dbs, order_id, (orders_invoices_t *) record);
}

int
orders_invoice_handle_list (service_t *svc, request_t *req)
{
    orders_invoices_t list = {0};
    return orders_reply_order_list (svc, req, s_list, orders_invoices_fields, &list);
}

int
orders_invoice_handle_get (service_t *svc, request_t *req)
{
    orders_invoice_request_t in = {0};
    MDB_txn *txn;
    orders_dbs_t dbs = orders_dbs_of (svc);
    orders_invoice_t invoice = {0};
    int rc = record_decode (orders_invoice_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = orders_invoice_get (txn, &dbs, in.invoice_number, &invoice);
    if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "no invoice %s", in.invoice_number);
    else if (rc == 0)
        record_pack (orders_invoice_fields, &invoice, request_reply_ok (req));
    record_free (orders_invoice_fields, &invoice);
    return rc == RM_ENOTFOUND ? 0 : rc;
}
