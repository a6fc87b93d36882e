#include "credit.h"
#include "err.h"
#include "text.h"
#include <string.h>

bool
credit_all_received (const returns_return_t *ret)
{
    for (size_t j = 0; j < ret->lines_count; j++)
        if (ret->lines[j].received < ret->lines[j].quantity)
            return false;
    return true;
}

bool
credit_all_refunded (const returns_return_t *ret)
{
    for (size_t r = 0; r < ret->receipts_count; r++)
        if (!ret->receipts[r].has_refunded_at)
            return false;
    return ret->receipts_count > 0;
}

//  Counts the receipt's units as refunded on the return's lines of their
//  order line and SKU, in line order, each up to what it has received.
static void
s_refund_units (returns_return_t *ret, const returns_receipt_t *receipt)
{
    for (size_t i = 0; i < receipt->lines_count; i++) {
        const returns_receipt_line_t *from = &receipt->lines[i];
        int64_t left = from->quantity;
        for (size_t j = 0; left > 0 && j < ret->lines_count; j++) {
            returns_line_t *to = &ret->lines[j];
            int64_t room = to->received - to->refunded;
            if (to->line != from->line || strcmp (to->sku, from->sku) != 0 || room <= 0)
                continue;
            int64_t q = left < room ? left : room;
            to->refunded += q;
            left -= q;
        }
    }
}

int
credit_apply (returns_return_t *ret, const orders_credit_memo_t *memo, int64_t now, credit_result_t *out)
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
    out->applied = true;
    text_copy (receipt->credit_memo_number, sizeof receipt->credit_memo_number, memo->credit_memo_number);
    receipt->refunded_at = memo->issued_at;
    receipt->has_refunded_at = true;
    s_refund_units (ret, receipt);
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
