//  The money of a receipt: the restocking fee option (reasons, bounds,
//  repeats, malformed items), per-line amounts rounded half up at the
//  basis-point boundary, and the overflow checks on a line and on sums.
#include "err.h"
#include "harness.h"
#include "refund.h"
#include <stdint.h>

static void
test_fees_option (void)
{
    refund_fees_t fees;
    CHECK_EQ_INT (refund_fees_parse ("no_longer_needed=1500,other=500", &fees), 0);
    CHECK_EQ_INT (refund_fee_bp (&fees, "no_longer_needed"), 1500);
    CHECK_EQ_INT (refund_fee_bp (&fees, "other"), 500);
    CHECK_EQ_INT (refund_fee_bp (&fees, "damaged"), 0);
    CHECK_EQ_INT (refund_fee_bp (&fees, "lost"), 0);
    CHECK_EQ_INT (refund_fees_parse ("", &fees), 0);
    CHECK_EQ_INT (refund_fee_bp (&fees, "other"), 0);
    CHECK_EQ_INT (refund_fees_parse (NULL, &fees), 0);
    CHECK_EQ_INT (refund_fees_parse ("damaged=0,wrong_item=10000", &fees), 0);
    CHECK_EQ_INT (refund_fee_bp (&fees, "wrong_item"), 10000);
    static const char *const bad[] = {
        "lost=100",           "other=10001",   "other=-1", "other=", "other", "=100", "other=1x",
        "other=5,other=6",    "other=5,",      ",other=5", "other=+5", "other=99999999999999999999",
        "no_longer_needed 1", "Other=5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fees.bp[0] = 7;
        CHECK_EQ_INT (refund_fees_parse (bad[i], &fees), RM_EINVAL);
        CHECK_EQ_INT (fees.bp[0], 0);
    }
    CHECK_EQ_INT (refund_reason_index ("damaged"), 0);
    CHECK_EQ_INT (refund_reason_index ("other"), REFUND_REASONS - 1);
    CHECK_EQ_INT (refund_reason_index ("Damaged"), -1);
}

static void
test_line (void)
{
    refund_amount_t a;
    CHECK_EQ_INT (refund_line (2, 1999, 1500, &a), 0);
    CHECK_EQ_INT (a.extended, 3998);
    //  3998 × 0.15 = 599.7 → 600
    CHECK_EQ_INT (a.restocking_fee, 600);
    CHECK_EQ_INT (a.refund, 3398);
    //  exactly half a minor unit rounds up, just below half rounds down
    CHECK_EQ_INT (refund_line (1, 10, 500, &a), 0);
    CHECK_EQ_INT (a.restocking_fee, 1);
    CHECK_EQ_INT (refund_line (1, 9, 500, &a), 0);
    CHECK_EQ_INT (a.restocking_fee, 0);
    CHECK_EQ_INT (refund_line (3, 100, 0, &a), 0);
    CHECK_EQ_INT (a.restocking_fee, 0);
    CHECK_EQ_INT (a.refund, 300);
    CHECK_EQ_INT (refund_line (3, 100, 10000, &a), 0);
    CHECK_EQ_INT (a.refund, 0);
    CHECK_EQ_INT (refund_line (0, 100, 1500, &a), 0);
    CHECK_EQ_INT (a.extended, 0);
    //  an extended amount whose product with the fee would not fit
    CHECK_EQ_INT (refund_line (1, INT64_MAX, 5000, &a), 0);
    CHECK_EQ_INT (a.restocking_fee, INT64_MAX / 2 + 1);
    CHECK_EQ_INT (a.refund, INT64_MAX / 2);
    CHECK_EQ_INT (refund_line (1, INT64_MAX, 10000, &a), 0);
    CHECK_EQ_INT (a.refund, 0);
    CHECK_EQ_INT (refund_line (2, INT64_MAX / 2 + 1, 0, &a), RM_EINVAL);
    CHECK_EQ_INT (refund_line (-1, 100, 0, &a), RM_EINVAL);
    CHECK_EQ_INT (refund_line (1, -100, 0, &a), RM_EINVAL);
    CHECK_EQ_INT (refund_line (1, 100, 10001, &a), RM_EINVAL);
}

static void
test_sum (void)
{
    refund_amount_t total = {0}, line;
    CHECK_EQ_INT (refund_line (2, 1999, 1500, &line), 0);
    CHECK_EQ_INT (refund_sum (&total, &line), 0);
    CHECK_EQ_INT (refund_sum (&total, &line), 0);
    CHECK_EQ_INT (total.extended, 7996);
    CHECK_EQ_INT (total.restocking_fee, 1200);
    CHECK_EQ_INT (total.refund, 6796);
    CHECK_EQ_INT (refund_line (1, INT64_MAX, 0, &line), 0);
    CHECK_EQ_INT (refund_sum (&total, &line), RM_EINVAL);
    CHECK_EQ_INT (total.extended, 7996);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_fees_option ();
    test_line ();
    test_sum ();
    return harness_report (argv[0]);
}
