//  A receipt on a return: who may receive (status), the refusals naming the
//  request's field (a SKU not in the return, more units than authorized,
//  counting the request's earlier lines), the allocation of a SKU's units
//  over the return's lines in line order with each line priced by its
//  reason's fee, the totals, and the overflow that stores nothing.
#include "err.h"
#include "harness.h"
#include "receipt.h"
#include "text.h"
#include <string.h>

//  A return authorized for 2 TEE (order line 0, no_longer_needed at 1999),
//  1 TEE (order line 3, damaged at 1999) and 1 CAP (order line 1, other at 500).
static void
s_return (retrec_t *ret)
{
    *ret = (retrec_t) {0};
    text_copy (ret->return_id, sizeof ret->return_id, "R-1");
    text_copy (ret->status, sizeof ret->status, "authorized");
    text_copy (ret->currency, sizeof ret->currency, "USD");
    static const struct {
        int64_t line;
        const char *sku, *reason;
        int64_t quantity, unit_price;
    } lines[] = {{0, "TEE", "no_longer_needed", 2, 1999}, {1, "CAP", "other", 1, 500}, {3, "TEE", "damaged", 1, 1999}};
    for (size_t i = 0; i < 3; i++) {
        returns_line_t *at = (returns_line_t *) record_push (&ret->lines, &ret->lines_count, sizeof *at);
        CHECK (at != NULL);
        at->line = lines[i].line;
        text_copy (at->sku, sizeof at->sku, lines[i].sku);
        text_copy (at->reason, sizeof at->reason, lines[i].reason);
        at->quantity = lines[i].quantity;
        at->unit_price = lines[i].unit_price;
    }
}

static void
s_request (returns_receive_request_t *in, const char *receipt_id, size_t n, const char *const *skus,
           const int64_t *quantities, const char *const *conditions)
{
    *in = (returns_receive_request_t) {0};
    text_copy (in->return_id, sizeof in->return_id, "R-1");
    text_copy (in->receipt_id, sizeof in->receipt_id, receipt_id);
    text_copy (in->location, sizeof in->location, "STORE-1");
    for (size_t i = 0; i < n; i++) {
        returns_receive_line_t *at = (returns_receive_line_t *) record_push (&in->lines, &in->lines_count, sizeof *at);
        CHECK (at != NULL);
        text_copy (at->sku, sizeof at->sku, skus[i]);
        at->quantity = quantities[i];
        text_copy (at->condition, sizeof at->condition, conditions[i]);
    }
}

static void
test_refusals (void)
{
    retrec_t ret;
    s_return (&ret);
    returns_receive_request_t in;
    char field[64], message[256];
    //  a SKU not in the return
    s_request (&in, "RC-1", 2, (const char *[]) {"TEE", "HAT"}, (int64_t[]) {1, 1},
               (const char *[]) {"resellable", "resellable"});
    CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), RM_EINVAL);
    CHECK_STR (field, "/lines/1/sku");
    record_free (returns_receive_request_fields, &in);
    //  3 TEE are authorized: 2 + 2 over two lines is one too many, at the second
    s_request (&in, "RC-1", 3, (const char *[]) {"TEE", "CAP", "TEE"}, (int64_t[]) {2, 1, 2},
               (const char *[]) {"resellable", "resellable", "damaged"});
    CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), RM_EINVAL);
    CHECK_STR (field, "/lines/2/quantity");
    CHECK (strstr (message, "at most 1 more") != NULL);
    record_free (returns_receive_request_fields, &in);
    //  each status that refuses a receipt
    static const char *const closed[] = {"closed", "rejected", "cancelled", "expired"};
    s_request (&in, "RC-1", 1, (const char *[]) {"CAP"}, (int64_t[]) {1}, (const char *[]) {"resellable"});
    for (size_t i = 0; i < 4; i++) {
        text_copy (ret.status, sizeof ret.status, closed[i]);
        CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), RM_ECONFLICT);
        CHECK_STR (field, "/return_id");
    }
    text_copy (ret.status, sizeof ret.status, "refunded");
    CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), 0);
    //  the rest may come until the return expires, not after
    ret.expires_at = 5000;
    ret.has_expires_at = true;
    CHECK_EQ_INT (receipt_check (&ret, &in, 4999, field, sizeof field, message, sizeof message), 0);
    CHECK_EQ_INT (receipt_check (&ret, &in, 5000, field, sizeof field, message, sizeof message), RM_ECONFLICT);
    CHECK_STR (field, "/return_id");
    CHECK (strstr (message, "expired") != NULL);
    ret.has_expires_at = false;
    record_free (returns_receive_request_fields, &in);
    retrec_free (&ret);
}

static void
test_allocation (void)
{
    refund_fees_t fees;
    CHECK_EQ_INT (refund_fees_parse ("no_longer_needed=1500,other=500", &fees), 0);
    retrec_t ret;
    s_return (&ret);
    returns_receive_request_t in;
    char field[64], message[256];
    //  3 TEE in one line: 2 to order line 0 (fee 15 %), 1 to order line 3 (no fee)
    s_request (&in, "RC-1", 1, (const char *[]) {"TEE"}, (int64_t[]) {3}, (const char *[]) {"damaged"});
    CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), 0);
    returns_received_receipt_t out;
    CHECK_EQ_INT (receipt_apply (&fees, &ret, &in, 1700000000000, &out), 0);
    CHECK_EQ_INT (out.lines_count, 2);
    CHECK_EQ_INT (out.lines[0].line, 0);
    CHECK_EQ_INT (out.lines[0].quantity, 2);
    CHECK_EQ_INT (out.lines[0].extended, 3998);
    CHECK_EQ_INT (out.lines[0].restocking_fee, 600);
    CHECK_EQ_INT (out.lines[0].refund, 3398);
    CHECK_STR (out.lines[0].reason, "no_longer_needed");
    CHECK_STR (out.lines[0].condition, "damaged");
    CHECK_EQ_INT (out.lines[1].line, 3);
    CHECK_EQ_INT (out.lines[1].quantity, 1);
    CHECK_EQ_INT (out.lines[1].restocking_fee, 0);
    CHECK_EQ_INT (out.lines[1].refund, 1999);
    CHECK_STR (out.receipt_id, "RC-1");
    CHECK_STR (ret.status, "received");
    CHECK (ret.has_received_at);
    CHECK_EQ_INT (ret.received_at, 1700000000000);
    CHECK_EQ_INT (ret.receipts_count, 1);
    CHECK_EQ_INT (ret.receipts[0].refund_amount, 5397);
    CHECK_EQ_INT (ret.receipts[0].restocking_fee, 600);
    CHECK_EQ_INT (ret.receipts[0].lines_count, 2);
    CHECK_EQ_INT (ret.refund_total, 5397);
    CHECK_EQ_INT (ret.restocking_fee_total, 600);
    CHECK_EQ_INT (ret.lines[0].received, 2);
    CHECK_EQ_INT (ret.lines[0].damaged, 2);
    CHECK_EQ_INT (ret.lines[2].received, 1);
    CHECK_EQ_INT (ret.lines[1].received, 0);
    record_free (returns_received_receipt_fields, &out);
    record_free (returns_receive_request_fields, &in);
    //  no TEE is left to receive; the CAP comes, resellable, at 5 % of 500
    s_request (&in, "RC-2", 1, (const char *[]) {"TEE"}, (int64_t[]) {1}, (const char *[]) {"resellable"});
    CHECK_EQ_INT (receipt_check (&ret, &in, 1000, field, sizeof field, message, sizeof message), RM_EINVAL);
    CHECK_STR (field, "/lines/0/quantity");
    record_free (returns_receive_request_fields, &in);
    s_request (&in, "RC-2", 1, (const char *[]) {"CAP"}, (int64_t[]) {1}, (const char *[]) {"resellable"});
    CHECK_EQ_INT (receipt_apply (&fees, &ret, &in, 1700000001000, &out), 0);
    CHECK_EQ_INT (out.lines[0].restocking_fee, 25);
    CHECK_EQ_INT (ret.lines[1].resellable, 1);
    CHECK_EQ_INT (ret.refund_total, 5397 + 475);
    CHECK_EQ_INT (ret.restocking_fee_total, 625);
    CHECK_EQ_INT (ret.received_at, 1700000000000);
    CHECK_EQ_INT (ret.receipts_count, 2);
    record_free (returns_received_receipt_fields, &out);
    record_free (returns_receive_request_fields, &in);
    retrec_free (&ret);
}

static void
test_overflow (void)
{
    refund_fees_t fees = {{0}};
    retrec_t ret;
    s_return (&ret);
    ret.refund_total = INT64_MAX - 10;
    returns_receive_request_t in;
    returns_received_receipt_t out;
    s_request (&in, "RC-1", 1, (const char *[]) {"CAP"}, (int64_t[]) {1}, (const char *[]) {"resellable"});
    CHECK_EQ_INT (receipt_apply (&fees, &ret, &in, 1, &out), RM_EINVAL);
    record_free (returns_received_receipt_fields, &out);
    record_free (returns_receive_request_fields, &in);
    retrec_free (&ret);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_refusals ();
    test_allocation ();
    test_overflow ();
    return harness_report (argv[0]);
}
