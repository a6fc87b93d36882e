//  Credit memos settling a return's receipts: the receipt gets its number
//  and time, units count as refunded, the return becomes refunded once
//  every receipt is (refunded_at the first time only) and closed at once
//  when nothing more is expected; a memo applied twice changes nothing; a
//  memo for another order or currency, or an unknown receipt, is refused.
//  And the expiry timer's decision per status.
#include "credit.h"
#include "err.h"
#include "expiry.h"
#include "harness.h"
#include "text.h"
#include <string.h>

#define S_ORDER "01938a4e-6f00-7c00-9d2e-000000000001"

//  A return of 3 TEE over order lines 0 (2) and 2 (1), received as given.
static void
s_return (retrec_t *ret, int64_t received0, int64_t received2)
{
    *ret = (retrec_t) {.authorized_at = 1000, .expires_at = 50000, .has_expires_at = true};
    text_copy (ret->return_id, sizeof ret->return_id, "R-1");
    text_copy (ret->order_id, sizeof ret->order_id, S_ORDER);
    text_copy (ret->currency, sizeof ret->currency, "EUR");
    text_copy (ret->status, sizeof ret->status, received0 + received2 ? "received" : "authorized");
    const int64_t lines[2][3] = {{0, 2, received0}, {2, 1, received2}};
    for (size_t i = 0; i < 2; i++) {
        returns_line_t *at = (returns_line_t *) record_push (&ret->lines, &ret->lines_count, sizeof *at);
        CHECK (at != NULL);
        *at = (returns_line_t) {.line = lines[i][0], .quantity = lines[i][1], .received = lines[i][2]};
        text_copy (at->sku, sizeof at->sku, "TEE");
    }
}

//  A receipt of q TEE on order line `line`.
static void
s_receipt (retrec_t *ret, const char *id, int64_t line, int64_t q)
{
    returns_receipt_t *at = (returns_receipt_t *) record_push (&ret->receipts, &ret->receipts_count, sizeof *at);
    CHECK (at != NULL);
    text_copy (at->receipt_id, sizeof at->receipt_id, id);
    returns_receipt_line_t *l = (returns_receipt_line_t *) record_push (&at->lines, &at->lines_count, sizeof *l);
    CHECK (l != NULL);
    *l = (returns_receipt_line_t) {.line = line, .quantity = q};
    text_copy (l->sku, sizeof l->sku, "TEE");
}

static void
s_memo (orders_credit_memo_t *memo, const char *receipt_id, const char *number, int64_t issued_at)
{
    *memo = (orders_credit_memo_t) {.issued_at = issued_at, .has_issued_at = true};
    text_copy (memo->credit_memo_number, sizeof memo->credit_memo_number, number);
    text_copy (memo->return_id, sizeof memo->return_id, "R-1");
    text_copy (memo->receipt_id, sizeof memo->receipt_id, receipt_id);
    text_copy (memo->order_id, sizeof memo->order_id, S_ORDER);
    text_copy (memo->currency, sizeof memo->currency, "EUR");
}

static void
test_partial_then_rest (void)
{
    retrec_t ret;
    s_return (&ret, 2, 0);
    s_receipt (&ret, "RC-1", 0, 2);
    orders_credit_memo_t memo;
    credit_result_t result;
    s_memo (&memo, "RC-1", "CM-EUR-000001", 5000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), 0);
    CHECK (result.applied && result.refunded && result.first_refund && !result.closed);
    CHECK_STR (ret.status, "refunded");
    CHECK_EQ_INT (ret.refunded_at, 5000);
    CHECK_STR (ret.receipts[0].credit_memo_number, "CM-EUR-000001");
    CHECK_EQ_INT (ret.receipts[0].refunded_at, 5000);
    CHECK_EQ_INT (ret.lines[0].refunded, 2);
    //  applied again: nothing changes
    CHECK_EQ_INT (credit_apply (&ret, &memo, 7000, &result), 0);
    CHECK (!result.applied && !result.refunded);
    CHECK_EQ_INT (ret.lines[0].refunded, 2);
    //  the rest arrives (refunded → received), and its memo closes the return
    text_copy (ret.status, sizeof ret.status, "received");
    ret.lines[1].received = 1;
    s_receipt (&ret, "RC-2", 2, 1);
    s_memo (&memo, "RC-2", "CM-EUR-000002", 8000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 9000, &result), 0);
    CHECK (result.applied && result.refunded && !result.first_refund && result.closed);
    CHECK_EQ_INT (result.receipt, 1);
    CHECK_STR (ret.status, "closed");
    CHECK_EQ_INT (ret.refunded_at, 5000);
    CHECK_EQ_INT (ret.closed_at, 9000);
    CHECK_EQ_INT (ret.lines[1].refunded, 1);
    retrec_free (&ret);
}

static void
test_waiting_and_refused (void)
{
    retrec_t ret;
    s_return (&ret, 2, 1);
    s_receipt (&ret, "RC-1", 0, 2);
    s_receipt (&ret, "RC-2", 2, 1);
    orders_credit_memo_t memo;
    credit_result_t result;
    //  one of two receipts refunded: still received
    s_memo (&memo, "RC-2", "CM-EUR-000003", 5000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), 0);
    CHECK (result.applied && !result.refunded);
    CHECK_STR (ret.status, "received");
    CHECK (!ret.has_refunded_at);
    s_memo (&memo, "RC-9", "CM-EUR-000004", 5000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), RM_ENOTFOUND);
    s_memo (&memo, "RC-1", "CM-USD-000004", 5000);
    text_copy (memo.currency, sizeof memo.currency, "USD");
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), RM_ECONFLICT);
    CHECK (!ret.receipts[0].has_refunded_at);
    //  a memo for another amount than the receipt's refund is not its refund
    s_memo (&memo, "RC-1", "CM-EUR-000005", 5000);
    memo.total = ret.receipts[0].refund_amount + 1;
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), RM_ECONFLICT);
    CHECK (!ret.receipts[0].has_refunded_at && !result.applied);
    //  the last memo after expiry with nothing missing closes too
    s_memo (&memo, "RC-1", "CM-EUR-000005", 60000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 60000, &result), 0);
    CHECK (result.closed);
    retrec_free (&ret);
}

static void
test_expired_short (void)
{
    //  one of three units came; its memo arrives after the return's expiry: closed
    retrec_t ret;
    s_return (&ret, 1, 0);
    s_receipt (&ret, "RC-1", 0, 1);
    orders_credit_memo_t memo;
    credit_result_t result;
    s_memo (&memo, "RC-1", "CM-EUR-000006", 40000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 60000, &result), 0);
    CHECK (result.refunded && result.closed);
    CHECK_STR (ret.status, "closed");
    retrec_free (&ret);
}

static void
test_expiry (void)
{
    retrec_t ret;
    s_return (&ret, 0, 0);
    CHECK_EQ_INT (expiry_decide (&ret, 60000), EXPIRY_EXPIRED);
    CHECK_STR (ret.status, "expired");
    CHECK_EQ_INT (expiry_decide (&ret, 60000), EXPIRY_NONE);
    retrec_free (&ret);
    //  waiting for a refund: left to the credit memo
    s_return (&ret, 1, 0);
    s_receipt (&ret, "RC-1", 0, 1);
    CHECK_EQ_INT (expiry_decide (&ret, 60000), EXPIRY_NONE);
    CHECK_STR (ret.status, "received");
    //  refunded with units missing: closed
    ret.receipts[0].has_refunded_at = true;
    text_copy (ret.status, sizeof ret.status, "refunded");
    CHECK_EQ_INT (expiry_decide (&ret, 60000), EXPIRY_CLOSED);
    CHECK_STR (ret.status, "closed");
    CHECK_EQ_INT (ret.closed_at, 60000);
    static const char *const rest[] = {"closed", "rejected", "cancelled", "expired"};
    for (size_t i = 0; i < 4; i++) {
        text_copy (ret.status, sizeof ret.status, rest[i]);
        CHECK_EQ_INT (expiry_decide (&ret, 60000), EXPIRY_NONE);
    }
    retrec_free (&ret);
}

//  Two return lines on one order line (other reasons): receipt RC-1 filled
//  the first, RC-2 the second. RC-2's memo coming first refunds the second.
static void
test_shared_order_line (void)
{
    retrec_t ret;
    s_return (&ret, 1, 0);
    //  the second line becomes order line 0 too, one unit, received
    ret.lines[1].line = 0;
    ret.lines[1].received = 1;
    ret.lines[0].quantity = 1;
    s_receipt (&ret, "RC-1", 0, 1);
    s_receipt (&ret, "RC-2", 0, 1);
    orders_credit_memo_t memo;
    credit_result_t result;
    s_memo (&memo, "RC-2", "CM-EUR-000007", 5000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), 0);
    CHECK_EQ_INT (ret.lines[0].refunded, 0);
    CHECK_EQ_INT (ret.lines[1].refunded, 1);
    s_memo (&memo, "RC-1", "CM-EUR-000008", 5000);
    CHECK_EQ_INT (credit_apply (&ret, &memo, 6000, &result), 0);
    CHECK_EQ_INT (ret.lines[0].refunded, 1);
    CHECK_EQ_INT (ret.lines[1].refunded, 1);
    CHECK (result.refunded && result.closed);
    retrec_free (&ret);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_partial_then_rest ();
    test_shared_order_line ();
    test_waiting_and_refused ();
    test_expired_short ();
    test_expiry ();
    return harness_report (argv[0]);
}
