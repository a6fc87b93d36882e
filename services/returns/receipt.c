#include "receipt.h"
#include "err.h"
#include "text.h"
#include <stdio.h>
#include <string.h>

//  Units of sku the return authorized and has received, over its lines.
static void
s_units (const returns_return_t *ret, const char *sku, int64_t *authorized, int64_t *received)
{
    *authorized = *received = 0;
    for (size_t j = 0; j < ret->lines_count; j++)
        if (strcmp (ret->lines[j].sku, sku) == 0) {
            *authorized += ret->lines[j].quantity;
            *received += ret->lines[j].received;
        }
}

int
receipt_check (const returns_return_t *ret, const returns_receive_request_t *in, char *field, size_t field_size,
               char *message, size_t message_size)
{
    const char *status = ret->status;
    if (strcmp (status, "authorized") != 0 && strcmp (status, "received") != 0 && strcmp (status, "refunded") != 0) {
        snprintf (field, field_size, "/return_id");
        snprintf (message, message_size, "return %s is %s: units can be received only while it is authorized, "
                  "received or refunded", ret->return_id, status);
        return RM_ECONFLICT;
    }
    for (size_t i = 0; i < in->lines_count; i++) {
        const returns_receive_line_t *line = &in->lines[i];
        int64_t authorized, received;
        s_units (ret, line->sku, &authorized, &received);
        if (authorized == 0) {
            snprintf (field, field_size, "/lines/%zu/sku", i);
            snprintf (message, message_size, "SKU %s is not in return %s", line->sku, ret->return_id);
            return RM_EINVAL;
        }
        int64_t asked = 0;
        for (size_t k = 0; k <= i; k++)
            if (strcmp (in->lines[k].sku, line->sku) == 0)
                asked += in->lines[k].quantity;
        if (received + asked > authorized) {
            snprintf (field, field_size, "/lines/%zu/quantity", i);
            snprintf (message, message_size,
                      "%lld units of SKU %s are authorized and %lld received: at most %lld more may be received",
                      (long long) authorized, line->sku, (long long) received,
                      (long long) (authorized - received - (asked - line->quantity)));
            return RM_EINVAL;
        }
    }
    return 0;
}

//  Adds q units of the request line (its condition) to the return's line
//  and one priced line to the event's receipt and to the stored one.
static int
s_allocate (const refund_fees_t *fees, returns_line_t *to, const returns_receive_line_t *from, int64_t q,
            returns_received_receipt_t *out, returns_receipt_t *kept)
{
    refund_amount_t amount;
    int rc = refund_line (q, to->unit_price, refund_fee_bp (fees, to->reason), &amount);
    returns_received_line_t *line =
        rc == 0 ? (returns_received_line_t *) record_push (&out->lines, &out->lines_count, sizeof *line) : NULL;
    returns_receipt_line_t *stored =
        line ? (returns_receipt_line_t *) record_push (&kept->lines, &kept->lines_count, sizeof *stored) : NULL;
    if (!stored)
        return rc != 0 ? rc : RM_ENOMEM;
    *line = (returns_received_line_t) {.line = to->line, .has_line = true, .quantity = q, .has_quantity = true,
                                       .unit_price = to->unit_price, .has_unit_price = true,
                                       .extended = amount.extended, .has_extended = true,
                                       .restocking_fee = amount.restocking_fee, .has_restocking_fee = true,
                                       .refund = amount.refund, .has_refund = true};
    text_copy (line->sku, sizeof line->sku, to->sku);
    text_copy (line->condition, sizeof line->condition, from->condition);
    text_copy (line->reason, sizeof line->reason, to->reason);
    *stored = (returns_receipt_line_t) {.line = to->line, .has_line = true, .quantity = q, .has_quantity = true};
    text_copy (stored->sku, sizeof stored->sku, to->sku);
    text_copy (stored->condition, sizeof stored->condition, from->condition);
    to->received += q;
    if (strcmp (from->condition, "damaged") == 0)
        to->damaged += q;
    else
        to->resellable += q;
    refund_amount_t sum = {.restocking_fee = kept->restocking_fee, .refund = kept->refund_amount};
    rc = refund_sum (&sum, &amount);
    kept->restocking_fee = sum.restocking_fee;
    kept->refund_amount = sum.refund;
    return rc;
}

int
receipt_apply (const refund_fees_t *fees, returns_return_t *ret, const returns_receive_request_t *in, int64_t now,
               returns_received_receipt_t *out)
{
    *out = (returns_received_receipt_t) {.received_at = now, .has_received_at = true};
    text_copy (out->receipt_id, sizeof out->receipt_id, in->receipt_id);
    text_copy (out->location, sizeof out->location, in->location);
    returns_receipt_t *kept =
        (returns_receipt_t *) record_push (&ret->receipts, &ret->receipts_count, sizeof *kept);
    if (!kept)
        return RM_ENOMEM;
    *kept = (returns_receipt_t) {.received_at = now, .has_received_at = true, .has_refund_amount = true,
                                 .has_restocking_fee = true};
    text_copy (kept->receipt_id, sizeof kept->receipt_id, in->receipt_id);
    text_copy (kept->location, sizeof kept->location, in->location);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->lines_count; i++) {
        const returns_receive_line_t *from = &in->lines[i];
        int64_t left = from->quantity;
        for (size_t j = 0; rc == 0 && left > 0 && j < ret->lines_count; j++) {
            returns_line_t *to = &ret->lines[j];
            int64_t room = to->quantity - to->received;
            if (strcmp (to->sku, from->sku) != 0 || room <= 0)
                continue;
            int64_t q = left < room ? left : room;
            rc = s_allocate (fees, to, from, q, out, kept);
            left -= q;
        }
        if (rc == 0 && left > 0)
            rc = RM_EINVAL;
    }
    refund_amount_t totals = {.restocking_fee = ret->restocking_fee_total, .refund = ret->refund_total};
    refund_amount_t add = {.restocking_fee = kept->restocking_fee, .refund = kept->refund_amount};
    if (rc == 0)
        rc = refund_sum (&totals, &add);
    if (rc != 0)
        return rc;
    ret->restocking_fee_total = totals.restocking_fee;
    ret->refund_total = totals.refund;
    text_copy (ret->status, sizeof ret->status, "received");
    if (!ret->has_received_at) {
        ret->received_at = now;
        ret->has_received_at = true;
    }
    return 0;
}
