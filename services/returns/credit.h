//  credit — orders' credit memos settle the refunds: orders issues one per
//  receipt (orders.credit_memo.created, naming return_id and receipt_id)
//  and returns records its number and time on that receipt, counts the
//  units refunded on the return's lines and emits returns.refund.issued.
//  Once every receipt is refunded the return is refunded
//  (returns.return.refunded; refunded_at the first time, which is when its
//  resolution time is measured); when, besides, every authorized unit has
//  been received, or the return has expired with units still missing, it
//  is closed at once (returns.return.closed). A memo applied before (its
//  receipt has a credit memo number) changes nothing.
#ifndef RM_CREDIT_H
#define RM_CREDIT_H

#include "catalog_orders.h"
#include "retrec.h"
#include "retstore.h"
#include "service.h"
#include <stdbool.h>

//  What applying a memo did.
typedef struct {
    bool applied;                  //  false: the receipt had its memo already
    bool refunded;                 //  the return became refunded
    bool first_refund;             //  ... for the first time (refunded_at set)
    bool closed;                   //  the return became closed
    size_t receipt;                //  the receipt's index in ret->receipts
} credit_result_t;

//  Applies memo to ret (the return memo->return_id names) at now. Returns
//  0, RM_ENOTFOUND when ret has no receipt memo->receipt_id, or
//  RM_ENOMEM, or RM_ECONFLICT when the memo's currency or order is not the return's, or its
//  total is not the receipt's refund_amount.
int credit_apply (retrec_t *ret, const orders_credit_memo_t *memo, int64_t now, credit_result_t *out);

//  Whether every authorized unit of ret has been received.
bool credit_all_received (const retrec_t *ret);

//  Whether every receipt of ret (at least one) has its credit memo.
bool credit_all_refunded (const retrec_t *ret);

//  Applies orders.credit_memo.created (memo) inside txn: the return saved,
//  its figures (rtstats.h) and events queued for cid. Returns 0 (also for a
//  memo applied before); RM_ENOTFOUND for an unknown return or receipt
//  and RM_ECONFLICT as credit_apply; or a store error.
int credit_memo (service_t *svc, MDB_txn *txn, const orders_credit_memo_t *memo, int64_t now, const char *cid);

//  The consumer of orders' events (service_def_t's consumers). A memo
//  credit_memo refuses fails as RM_EINTERNAL, so it is retried and then
//  dead-lettered rather than skipped.
extern const consumer_def_t credit_consumers[];

#endif
