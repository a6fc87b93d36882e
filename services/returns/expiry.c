#include "expiry.h"
#include "credit.h"
#include "text.h"
#include <string.h>

expiry_action_t
expiry_decide (returns_return_t *ret, int64_t now)
{
    if (strcmp (ret->status, "authorized") == 0 && ret->receipts_count == 0) {
        text_copy (ret->status, sizeof ret->status, "expired");
        return EXPIRY_EXPIRED;
    }
    if (strcmp (ret->status, "refunded") == 0 && credit_all_refunded (ret)) {
        text_copy (ret->status, sizeof ret->status, "closed");
        ret->closed_at = now;
        ret->has_closed_at = true;
        return EXPIRY_CLOSED;
    }
    return EXPIRY_NONE;
}
