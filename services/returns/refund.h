//  refund — the money a receipt gives back. Per return line that received
//  units are allocated to: extended = units × unit price; a restocking fee
//  in basis points of extended, by the line's reason (--restocking-fee
//  "no_longer_needed=1500,other=500"; a reason not named pays none),
//  rounded half up per line; refund = extended − fee.
#ifndef RM_REFUND_H
#define RM_REFUND_H

#include <stddef.h>
#include <stdint.h>

//  The reasons a unit may be returned for, in this order.
#define REFUND_REASONS 5
extern const char *const refund_reasons[REFUND_REASONS];

//  The fee per reason, in basis points (0 to 10000), in refund_reasons' order.
typedef struct {
    int64_t bp[REFUND_REASONS];
} refund_fees_t;

typedef struct {
    int64_t extended;
    int64_t restocking_fee;
    int64_t refund;
} refund_amount_t;

//  The index of reason in refund_reasons, -1 when it is none of them.
int refund_reason_index (const char *reason);

//  Parses --restocking-fee: "" (or NULL) for no fees, else comma-separated
//  reason=bp items, each reason once. Returns 0, or RM_EINVAL (logged,
//  naming the item at fault) for an unknown or repeated reason, a bp that
//  is not a whole number from 0 to 10000, or an item without "=".
int refund_fees_parse (const char *text, refund_fees_t *out);

//  The fee of reason in basis points; 0 for a reason without one.
int64_t refund_fee_bp (const refund_fees_t *self, const char *reason);

//  The amounts of quantity units (≥ 0) at unit_price (≥ 0) with a fee of
//  bp (0 to 10000). Returns 0, or RM_EINVAL when an argument is out of
//  range or extended does not fit in int64.
int refund_line (int64_t quantity, int64_t unit_price, int64_t bp, refund_amount_t *out);

//  Adds line to *total, field by field. Returns 0, or RM_EINVAL when a sum
//  overflows (*total unchanged).
int refund_sum (refund_amount_t *total, const refund_amount_t *line);

#endif
