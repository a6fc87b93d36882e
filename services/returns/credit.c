#include "credit.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "rtstats.h"
#include "text.h"
#include <stdlib.h>
#include <string.h>

bool
credit_all_received (const retrec_t *ret)
{
    for (size_t j = 0; j < ret->lines_count; j++)
        if (ret->lines[j].received < ret->lines[j].quantity)
            return false;
    return true;
}

bool
credit_all_refunded (const retrec_t *ret)
{
    for (size_t r = 0; r < ret->receipts_count; r++)
        if (!ret->receipts[r].has_refunded_at)
            return false;
    return ret->receipts_count > 0;
}

//  Counts receipt r's units as refunded on the return's lines they were
//  received on. Lines that share an order line (other reasons) cannot be
//  told apart by the receipt's lines, so the allocation receipt_apply made
//  is replayed over the receipts up to r: each unit went to the first line
//  of its order line and SKU with room left, in receipt order.
static int
s_refund_units (retrec_t *ret, size_t r)
{
    int64_t *fill = ret->lines_count ? (int64_t *) calloc (ret->lines_count, sizeof *fill) : NULL;
    if (ret->lines_count && !fill)
        return RM_ENOMEM;
    for (size_t k = 0; k <= r; k++)
        for (size_t i = 0; i < ret->receipts[k].lines_count; i++) {
            const returns_receipt_line_t *from = &ret->receipts[k].lines[i];
            for (size_t j = 0; j < ret->lines_count; j++) {
                returns_line_t *to = &ret->lines[j];
                if (to->line != from->line || strcmp (to->sku, from->sku) != 0 || to->quantity - fill[j] <= 0)
                    continue;
                fill[j] += from->quantity;
                if (k == r)
                    to->refunded += from->quantity;
                break;
            }
        }
    free (fill);
    return 0;
}

int
credit_apply (retrec_t *ret, const orders_credit_memo_t *memo, int64_t now, credit_result_t *out)
{
    *out = (credit_result_t) {0};
    if (strcmp (ret->currency, memo->currency) != 0 || strcmp (ret->order_id, memo->order_id) != 0)
        return RM_ECONFLICT;
    size_t r = 0;
    while (r < ret->receipts_count && strcmp (ret->receipts[r].receipt_id, memo->receipt_id) != 0)
        r++;
    if (r == ret->receipts_count)
        return RM_ENOTFOUND;
    out->receipt = r;
    returns_receipt_t *receipt = &ret->receipts[r];
    if (receipt->has_refunded_at)
        return 0;
    //  a memo for another amount than returns priced is not this receipt's refund
    if (memo->total != receipt->refund_amount)
        return RM_ECONFLICT;
    out->applied = true;
    text_copy (receipt->credit_memo_number, sizeof receipt->credit_memo_number, memo->credit_memo_number);
    receipt->refunded_at = memo->issued_at;
    receipt->has_refunded_at = true;
    if (s_refund_units (ret, r) != 0)
        return RM_ENOMEM;
    if (!credit_all_refunded (ret) || strcmp (ret->status, "received") != 0)
        return 0;
    text_copy (ret->status, sizeof ret->status, "refunded");
    out->refunded = true;
    if (!ret->has_refunded_at) {
        ret->refunded_at = memo->issued_at;
        ret->has_refunded_at = true;
        out->first_refund = true;
    }
    if (credit_all_received (ret) || (ret->has_expires_at && ret->expires_at <= now)) {
        text_copy (ret->status, sizeof ret->status, "closed");
        ret->closed_at = now;
        ret->has_closed_at = true;
        out->closed = true;
    }
    return 0;
}

//  Queues returns.refund.issued for the receipt.
static int
s_issued (service_t *svc, const retrec_t *ret, const orders_credit_memo_t *memo, const char *cid)
{
    returns_refund_issued_t issued = {.amount = memo->total, .refunded_at = memo->issued_at, .has_refunded_at = true};
    text_copy (issued.return_id, sizeof issued.return_id, ret->return_id);
    text_copy (issued.receipt_id, sizeof issued.receipt_id, memo->receipt_id);
    text_copy (issued.order_id, sizeof issued.order_id, ret->order_id);
    text_copy (issued.credit_memo_number, sizeof issued.credit_memo_number, memo->credit_memo_number);
    text_copy (issued.currency, sizeof issued.currency, ret->currency);
    msgpack_packer *pk = service_event (svc, "returns.refund.issued", cid);
    if (!pk)
        return RM_ENOMEM;
    record_pack (returns_refund_issued_fields, &issued, pk);
    return 0;
}

//  Queues one event with the return as its body.
static int
s_emit (service_t *svc, const retrec_t *ret, const char *type, const char *cid)
{
    msgpack_packer *pk = service_event (svc, type, cid);
    if (!pk)
        return RM_ENOMEM;
    record_pack (retrec_fields, ret, pk);
    return 0;
}

int
credit_memo (service_t *svc, MDB_txn *txn, const orders_credit_memo_t *memo, int64_t now, const char *cid)
{
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    retrec_t ret;
    credit_result_t result;
    int rc = retrec_load (txn, &dbs, memo->return_id, &ret);
    char was[sizeof ret.status];
    text_copy (was, sizeof was, ret.status);
    if (rc == 0)
        rc = credit_apply (&ret, memo, now, &result);
    if (rc == 0 && result.applied) {
        rc = rtstats_status (txn, &dbs, was, ret.status);
        if (rc == 0 && result.first_refund)
            rc = rtstats_resolved (txn, &dbs, &ret);
        if (rc == 0)
            rc = retrec_save (txn, &dbs, &ret);
        if (rc == 0)
            rc = s_issued (svc, &ret, memo, cid);
        if (rc == 0 && result.refunded)
            rc = s_emit (svc, &ret, "returns.return.refunded", cid);
        if (rc == 0 && result.closed)
            rc = s_emit (svc, &ret, "returns.return.closed", cid);
    }
    if (rc == 0 && result.applied)
        log_info (cid, "return %s: receipt %s refunded by credit memo %s%s", memo->return_id, memo->receipt_id,
                  memo->credit_memo_number, result.closed ? "; closed" : result.refunded ? "; refunded" : "");
    else if (rc == RM_ENOTFOUND || rc == RM_ECONFLICT)
        log_error (cid, "credit memo %s names return %s receipt %s, which returns %s", memo->credit_memo_number,
                   memo->return_id, memo->receipt_id,
                   rc == RM_ENOTFOUND ? "does not know" : "holds for another order, currency or amount");
    retrec_free (&ret);
    return rc;
}

static int
s_on_memo (void *host, MDB_txn *txn, const envelope_t *event)
{
    orders_credit_memo_t memo = {0};
    int rc = record_decode (orders_credit_memo_fields, &event->body, &memo);
    if (rc == 0)
        rc = credit_memo ((service_t *) host, txn, &memo, clock_now_ms (), event->cid);
    record_free (orders_credit_memo_fields, &memo);
    //  A memo that fits no receipt is money orders refunded that returns
    //  cannot show: not a business rejection the consumer would skip, but a
    //  failure it retries and then dead-letters, for `retailmesh dlq`.
    return rc == RM_ENOTFOUND || rc == RM_ECONFLICT ? RM_EINTERNAL : rc;
}

static const char *const s_orders_events[] = {"orders.credit_memo.created", NULL};

const consumer_def_t credit_consumers[] = {
    {"orders", s_orders_events, s_on_memo},
    {NULL, NULL, NULL},
};
