#include "refund.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *const refund_reasons[REFUND_REASONS] = {"damaged", "wrong_item", "not_as_described", "no_longer_needed",
                                                    "other"};

int
refund_reason_index (const char *reason)
{
    for (int i = 0; i < REFUND_REASONS; i++)
        if (strcmp (refund_reasons[i], reason) == 0)
            return i;
    return -1;
}

//  One "reason=bp" item of length len into fees. Returns 0 or RM_EINVAL.
static int
s_item (const char *item, size_t len, refund_fees_t *fees, bool *seen)
{
    const char *eq = memchr (item, '=', len);
    char reason[32];
    size_t rlen = eq ? (size_t) (eq - item) : 0;
    if (!eq || rlen >= sizeof reason)
        return RM_EINVAL;
    memcpy (reason, item, rlen);
    reason[rlen] = '\0';
    int at = refund_reason_index (reason);
    char digits[8];
    size_t dlen = len - rlen - 1;
    if (at < 0 || seen[at] || dlen == 0 || dlen >= sizeof digits || eq[1] < '0' || eq[1] > '9')
        return RM_EINVAL;
    memcpy (digits, eq + 1, dlen);
    digits[dlen] = '\0';
    char *end = NULL;
    errno = 0;
    long bp = strtol (digits, &end, 10);
    if (errno != 0 || *end != '\0' || bp > 10000)
        return RM_EINVAL;
    fees->bp[at] = bp;
    seen[at] = true;
    return 0;
}

int
refund_fees_parse (const char *text, refund_fees_t *out)
{
    *out = (refund_fees_t) {{0}};
    bool seen[REFUND_REASONS] = {false};
    for (const char *at = text && *text ? text : NULL; at;) {
        const char *comma = strchr (at, ',');
        size_t len = comma ? (size_t) (comma - at) : strlen (at);
        if (s_item (at, len, out, seen) != 0) {
            log_error (NULL,
                       "returns: --restocking-fee wants reason=basis_points items such as no_longer_needed=1500 "
                       "(reasons: damaged, wrong_item, not_as_described, no_longer_needed, other, each once; "
                       "0 to 10000): '%.*s' is not one",
                       (int) len, at);
            *out = (refund_fees_t) {{0}};
            return RM_EINVAL;
        }
        at = comma ? comma + 1 : NULL;
    }
    return 0;
}

int64_t
refund_fee_bp (const refund_fees_t *self, const char *reason)
{
    int at = refund_reason_index (reason);
    return at < 0 ? 0 : self->bp[at];
}

int
refund_line (int64_t quantity, int64_t unit_price, int64_t bp, refund_amount_t *out)
{
    int64_t extended;
    if (quantity < 0 || unit_price < 0 || bp < 0 || bp > 10000 || money_mul (quantity, unit_price, &extended) != 0)
        return RM_EINVAL;
    //  extended = whole × 10000 + part: the fee is whole × bp plus the
    //  rounded share of part, exactly (extended × bp + 5000) / 10000
    //  without the product that could overflow
    int64_t whole = extended / 10000, part = extended % 10000;
    int64_t fee = whole * bp + (part * bp + 5000) / 10000;
    *out = (refund_amount_t) {.extended = extended, .restocking_fee = fee, .refund = extended - fee};
    return 0;
}

int
refund_sum (refund_amount_t *total, const refund_amount_t *line)
{
    refund_amount_t sum;
    if (money_add (total->extended, line->extended, &sum.extended) != 0
        || money_add (total->restocking_fee, line->restocking_fee, &sum.restocking_fee) != 0
        || money_add (total->refund, line->refund, &sum.refund) != 0)
        return RM_EINVAL;
    *total = sum;
    return 0;
}
