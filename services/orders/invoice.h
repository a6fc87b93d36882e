//  invoice — the invoices orders issues for what shipped: one per
//  fulfilment (the invoice_by_fulfilment index holds its number under the
//  fulfilment's ID, so a shipment applied again, or a later milestone of
//  the same fulfilment, issues nothing more), for the units that left at
//  the order lines' prices. Numbers come from one gap-free sequence per
//  currency, INV-<currency>-<at least 6 digits>: the last number of each
//  currency is stored (invoice_seq) and taken in the transaction that
//  stores the invoice, so a transaction that fails takes no number and a
//  number is never used twice. invoice_by_order lists an order's invoices
//  in the order they were issued. Values are records at ORDERS_RECORD_V;
//  these functions work on an LMDB transaction.
#ifndef RM_ORDERS_INVOICE_H
#define RM_ORDERS_INVOICE_H

#include "catalog_orders.h"
#include "orders.h"

//  The text of invoice number n of currency: "INV-USD-000001".
void orders_invoice_format (char *out, size_t size, const char *currency, uint64_t n);

//  Fills invoice (zeroed; record_free it) for what fulfilment shipped of
//  order: a line per order line with units shipped (or delivered, when a
//  delivery arrived before its shipment), at the line's unit price, the
//  total, and the order's references; no number yet. Returns 0;
//  RM_ENOTFOUND when nothing shipped (no invoice is due); RM_EINVAL when
//  the fulfilment names a line the order does not have or of another SKU,
//  or more units than the line has, or when the total overflows; RM_ENOMEM.
int orders_invoice_bill (const orders_order_t *order, const orders_fulfilment_t *fulfilment, int64_t issued_at,
                         orders_invoice_t *invoice);

//  Issues invoice (filled by orders_invoice_bill): takes the next number of
//  its currency and stores it with its indexes; *created is true. When its
//  fulfilment has an invoice already, nothing is stored, *created is false
//  and invoice_number is that invoice's. Returns 0 or a store error
//  (RM_ESTORE, RM_ENOMEM when the map is full).
int orders_invoice_issue (MDB_txn *txn, const orders_dbs_t *dbs, orders_invoice_t *invoice, bool *created);

//  The invoice with this number into invoice (zeroed; record_free it).
//  Returns 0, RM_ENOTFOUND, RM_ENOMEM or RM_ESTORE.
int orders_invoice_get (MDB_txn *txn, const orders_dbs_t *dbs, const char *number, orders_invoice_t *invoice);

//  The order's invoices, oldest first, added to list (zeroed; record_free
//  it either way). Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_invoice_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_invoices_t *list);

//  orders.invoices {order_id} -> {items} (not_found for an order orders
//  does not have) and orders.invoice {invoice_number} (service_handler_fn).
int orders_invoice_handle_list (service_t *svc, request_t *req);
int orders_invoice_handle_get (service_t *svc, request_t *req);

#endif
