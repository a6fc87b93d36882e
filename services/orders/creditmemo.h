//  creditmemo — the credit memos orders issues for what came back: one per
//  return receipt (returns.return.received carries the receipt with its
//  prices, fees and refunds), for the units received at the order lines'
//  prices less the restocking fees returns withheld. The order lines'
//  returned grows by them in the same transaction, and the order's history
//  records it. Numbers come from one gap-free sequence per currency,
//  CM-<currency>-<at least 6 digits> (credit_memo_seq, taken in the
//  transaction that stores the memo, as invoices' are). credit_memo_by_receipt
//  holds a memo's number under "<return_id>\0<receipt_id>", so a receipt
//  applied again credits nothing more; credit_memo_by_order lists an
//  order's memos in the order they were issued. Values are records at
//  ORDERS_RECORD_V; these functions work on an LMDB transaction.
//
//  Failure hook (common/failpoint.h): orders-credit-memo-before-commit
//  exits once the memo, the order and the event are written, before the
//  consumer's transaction commits.
#ifndef RM_ORDERS_CREDITMEMO_H
#define RM_ORDERS_CREDITMEMO_H

#include "catalog_orders.h"
#include "catalog_returns.h"
#include "orders.h"

#define ORDERS_CREDIT_MEMO_CRASH "orders-credit-memo-before-commit"

//  The text of credit memo number n of currency: "CM-USD-000001".
void orders_creditmemo_format (char *out, size_t size, const char *currency, uint64_t n);

//  Fills memo (zeroed; record_free it) for the receipt of the event in,
//  against order (decoded; the order in names) and its invoices (oldest
//  first: a line's invoice_number is the newest billing its order line),
//  and returned (order->lines_count items) with each line's returned
//  count once the memo is issued; no number yet. Returns 0, RM_ENOMEM, or
//  RM_EINVAL with why (a JSON Pointer into the event body, then what is
//  wrong) when the event is for another order or currency, a receipt line
//  names a line the order does not have or of another SKU, at another
//  unit price, with an extended, restocking_fee or refund that does not
//  add up, when more units come back of a line than shipped of it, or
//  when the receipt's refund_amount or restocking_fee is not the sum of
//  its lines'.
int orders_creditmemo_make (const orders_order_t *order, const orders_invoices_t *invoices,
                            const returns_received_event_t *in, int64_t issued_at, orders_credit_memo_t *memo,
                            int64_t *returned, char *why, size_t why_size);

//  The number of the memo issued for the receipt into number (of
//  sizeof memo->credit_memo_number bytes). Returns 0, RM_ENOTFOUND when
//  none was, or RM_ESTORE.
int orders_creditmemo_of_receipt (MDB_txn *txn, const orders_dbs_t *dbs, const char *return_id,
                                  const char *receipt_id, char *number);

//  Issues memo (filled by orders_creditmemo_make): takes the next number of
//  its currency and stores it with its indexes; *created is true. When its
//  receipt has a memo already, nothing is stored, *created is false and
//  credit_memo_number is that memo's. Returns 0, RM_EINVAL (order_id not a
//  UUID) or a store error (RM_ESTORE, RM_ENOMEM when the map is full).
int orders_creditmemo_issue (MDB_txn *txn, const orders_dbs_t *dbs, orders_credit_memo_t *memo, bool *created);

//  The order's credit memos, oldest first, added to list (zeroed;
//  record_free it either way). Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_creditmemo_list (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                            orders_credit_memos_t *list);

//  Credits the receipt of in (returns.return.received's body), issued at
//  issued_at: the memo into memo (zeroed; record_free it), the order lines'
//  returned grown by it, and a history entry (the order's status, event
//  orders.credit_memo.created, the memo's number and refund as reason, cid
//  and caller). When the receipt was credited before nothing changes,
//  *created is false and memo holds only that memo's number. Returns 0;
//  RM_ENOTFOUND for an order orders does not have; RM_EINVAL with why (see
//  orders_creditmemo_make) when the receipt does not match the order, both
//  before anything is written; RM_ENOMEM or a store error.
int orders_creditmemo_apply (MDB_txn *txn, const orders_dbs_t *dbs, const returns_received_event_t *in,
                             int64_t issued_at, const char *cid, const char *caller, orders_credit_memo_t *memo,
                             bool *created, char *why, size_t why_size);

//  Applies returns.return.received (a consumer_apply_fn: host is the
//  service): orders_creditmemo_apply, and on a new memo the event
//  orders.credit_memo.created, in txn. A body that is not a receipt of the
//  order or does not match it, or an order orders does not have, writes
//  nothing and answers RM_EINTERNAL (logged): not a business rejection, so
//  the consumer retries it and then dead-letters it rather than skip a
//  refund; store errors are retried.
int orders_creditmemo_on_event (void *host, MDB_txn *txn, const envelope_t *event);

//  orders.credit_memos {order_id} -> {items} (a service_handler_fn;
//  not_found for an order orders does not have).
int orders_creditmemo_handle_list (service_t *svc, request_t *req);

#endif
