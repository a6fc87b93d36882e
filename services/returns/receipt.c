#include "receipt.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "retopts.h"
#include "retrec.h"
#include "rtstats.h"
#include "storeval.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The return's fields inside returns.return.received.
static RECORD_FIELDS_OF (s_return_in_event, RETURNS_RETURN_FIELDS, returns_received_event_t)


//  Units of sku the return authorized and has received, over its lines.
static void
s_units (const retrec_t *ret, const char *sku, int64_t *authorized, int64_t *received)
{
    *authorized = *received = 0;
    for (size_t j = 0; j < ret->lines_count; j++)
        if (strcmp (ret->lines[j].sku, sku) == 0) {
            *authorized += ret->lines[j].quantity;
            *received += ret->lines[j].received;
        }
}

int
receipt_check (const retrec_t *ret, const returns_receive_request_t *in, int64_t now, char *field,
               size_t field_size, char *message, size_t message_size)
{
    const char *status = ret->status;
    if (strcmp (status, "authorized") != 0 && strcmp (status, "received") != 0 && strcmp (status, "refunded") != 0) {
        snprintf (field, field_size, "/return_id");
        snprintf (message, message_size, "return %s is %s: units can be received only while it is authorized, "
                  "received or refunded", ret->return_id, status);
        return RM_ECONFLICT;
    }
    //  the rest of a return may arrive until it expires, even while an
    //  earlier receipt's refund (which closes it) is still on its way
    if (ret->has_expires_at && now >= ret->expires_at) {
        char at[32];
        clock_format_rfc3339 (ret->expires_at, at, sizeof at);
        snprintf (field, field_size, "/return_id");
        snprintf (message, message_size, "return %s expired at %s: no more units are expected", ret->return_id, at);
        return RM_ECONFLICT;
    }
    if (ret->receipts_count >= RETURNS_RECEIPTS_MAX) {
        snprintf (field, field_size, "/return_id");
        snprintf (message, message_size, "return %s has %d receipts, the most one return takes", ret->return_id,
                  RETURNS_RECEIPTS_MAX);
        return RM_ECONFLICT;
    }
    for (size_t i = 0; i < in->lines_count; i++) {
        const returns_receive_line_t *line = &in->lines[i];
        if (strcmp (line->condition, "resellable") != 0 && strcmp (line->condition, "damaged") != 0) {
            snprintf (field, field_size, "/lines/%zu/condition", i);
            snprintf (message, message_size, "condition must be resellable or damaged, not %s", line->condition);
            return RM_EINVAL;
        }
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
receipt_apply (const refund_fees_t *fees, retrec_t *ret, const returns_receive_request_t *in, int64_t now,
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

#define S_RECEIPT_KEY_MAX (RETSTORE_ID_MAX + 1 + 128)

//  Whether the receipt was applied: 1 with this digest, 0 never,
//  RM_ECONFLICT with another, or a store error.
static int
s_seen (MDB_txn *txn, const retstore_dbs_t *dbs, const returns_receive_request_t *in,
        const uint8_t digest[SHA256_LEN])
{
    char key[S_RECEIPT_KEY_MAX];
    size_t klen = store_key_pair (key, sizeof key, in->return_id, in->receipt_id);
    MDB_val val;
    int rc = klen ? store_get (txn, dbs->receipts, key, klen, &val) : RM_EINVAL;
    if (rc != 0)
        return rc == RM_ENOTFOUND ? 0 : rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, RETSTORE_RECORD_V, &unpacked);
    const msgpack_object *o = &unpacked.data;
    if (rc == 0 && (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != SHA256_LEN))
        rc = RM_ESTORE;
    if (rc == 0)
        rc = sha256_equal_ct ((const uint8_t *) o->via.bin.ptr, digest, SHA256_LEN) ? 1 : RM_ECONFLICT;
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

static int
s_mark (MDB_txn *txn, const retstore_dbs_t *dbs, const returns_receive_request_t *in,
        const uint8_t digest[SHA256_LEN])
{
    char key[S_RECEIPT_KEY_MAX];
    size_t klen = store_key_pair (key, sizeof key, in->return_id, in->receipt_id);
    if (klen == 0)
        return RM_EINVAL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_bin (&pk, SHA256_LEN);
    msgpack_pack_bin_body (&pk, digest, SHA256_LEN);
    int rc = storeval_put (txn, dbs->receipts, key, klen, RETSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  What the store alone says of the receipt: 1 when it was applied before
//  with this body (out->ret loaded), 0 when it may be applied, or the
//  refusal (field and message in out).
static int
s_decide (MDB_txn *txn, const retstore_dbs_t *dbs, const returns_receive_request_t *in,
          const uint8_t digest[SHA256_LEN], int64_t now, receipt_outcome_t *out)
{
    int rc = retrec_load (txn, dbs, in->return_id, &out->ret);
    if (rc == RM_ENOTFOUND)
        snprintf (out->message, sizeof out->message, "no return %s", in->return_id);
    if (rc == 0)
        rc = s_seen (txn, dbs, in, digest);
    if (rc == RM_ECONFLICT) {
        text_copy (out->field, sizeof out->field, "/receipt_id");
        snprintf (out->message, sizeof out->message, "receipt %s of return %s was applied with another body",
                  in->receipt_id, in->return_id);
    }
    if (rc == 0)
        rc = receipt_check (&out->ret, in, now, out->field, sizeof out->field, out->message, sizeof out->message);
    return rc;
}

//  Queues returns.return.received: the return, the receipt, its figures.
static int
s_event (service_t *svc, const retrec_t *ret, returns_received_receipt_t *receipt, const char *cid,
         const char *caller)
{
    returns_received_event_t event = {0};
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer copy;
    msgpack_packer_init (&copy, &buf, msgpack_sbuffer_write);
    record_pack (retrec_fields, ret, &copy);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = buf.data && msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS
                 ? record_decode (s_return_in_event, &unpacked.data, &event)
                 : RM_ENOMEM;
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    const returns_receipt_t *kept = &ret->receipts[ret->receipts_count - 1];
    event.receipt = *receipt;
    event.has_receipt = true;
    *receipt = (returns_received_receipt_t) {0};
    event.refund_amount = kept->refund_amount;
    event.restocking_fee = kept->restocking_fee;
    msgpack_packer *pk = rc == 0 ? service_event_for (svc, "returns.return.received", cid, caller) : NULL;
    if (pk)
        record_pack (returns_received_event_fields, &event, pk);
    record_free (returns_received_event_fields, &event);
    return rc != 0 ? rc : pk ? 0 : RM_ENOMEM;
}

int
receipt_write (service_t *svc, MDB_txn *txn, const returns_receive_request_t *in,
               const uint8_t digest[SHA256_LEN], int64_t now, const char *cid, const char *caller,
               receipt_outcome_t *out)
{
    *out = (receipt_outcome_t) {0};
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    int rc = s_decide (txn, &dbs, in, digest, now, out);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return rc;
    char was[sizeof out->ret.status];
    text_copy (was, sizeof was, out->ret.status);
    returns_received_receipt_t receipt;
    rc = receipt_apply (&((const retopts_t *) service_state (svc))->fees, &out->ret, in, now, &receipt);
    if (rc == RM_EINVAL)
        snprintf (out->message, sizeof out->message, "the refund of receipt %s does not fit in an amount",
                  in->receipt_id);
    if (rc == 0)
        rc = rtstats_status (txn, &dbs, was, out->ret.status);
    if (rc == 0)
        rc = retrec_save (txn, &dbs, &out->ret);
    if (rc == 0)
        rc = s_mark (txn, &dbs, in, digest);
    if (rc == 0)
        rc = s_event (svc, &out->ret, &receipt, cid, caller);
    record_free (returns_received_receipt_fields, &receipt);
    out->applied = rc == 0;
    return rc;
}

void
receipt_reply (receipt_outcome_t *outcome, msgpack_packer *pk)
{
    outcome->ret.applied = outcome->applied;
    record_pack (retrec_receive_reply_fields, &outcome->ret, pk);
}

typedef struct {
    service_t *svc;
    request_t *req;
    returns_receive_request_t in;
    uint8_t digest[SHA256_LEN];
    receipt_outcome_t outcome;
} s_receive_t;

static void
s_free (s_receive_t *ctx)
{
    record_free (returns_receive_request_fields, &ctx->in);
    retrec_free (&ctx->outcome.ret);
    free (ctx);
}

//  Answers with the outcome, or the refusal rc.
static void
s_answer (s_receive_t *ctx, int rc)
{
    const receipt_outcome_t *o = &ctx->outcome;
    if (rc == 0) {
        if (o->applied)
            log_info (request_cid (ctx->req), "return %s: receipt %s received at %s", ctx->in.return_id,
                      ctx->in.receipt_id, ctx->in.location);
        receipt_reply (&ctx->outcome, request_reply_ok (ctx->req));
    }
    if (rc != 0)
        request_reply_error (ctx->req, rc, *o->field ? o->field : NULL, "%s",
                             *o->message ? o->message : rm_strerror (rc));
}

static int
s_write (MDB_txn *txn, void *arg)
{
    s_receive_t *ctx = (s_receive_t *) arg;
    retrec_free (&ctx->outcome.ret);
    return receipt_write (ctx->svc, txn, &ctx->in, ctx->digest, clock_now_ms (), request_cid (ctx->req),
                          request_caller (ctx->req), &ctx->outcome);
}

static void
s_located (void *arg, int err, const envelope_t *reply)
{
    s_receive_t *ctx = (s_receive_t *) arg;
    int rc = rpc_client_answer (err, reply);
    if (rc == RM_ENOTFOUND)
        request_reply_error (ctx->req, rc, "/location", "no location %s", ctx->in.location);
    else if (rc == RM_ETIMEOUT || rc == RM_EUNAVAIL)
        request_reply_error (ctx->req, RM_EUNAVAIL, NULL, "inventory %s; return %s received nothing",
                             rc == RM_ETIMEOUT ? "did not answer in time" : "cannot be reached",
                             ctx->in.return_id);
    else if (rc != 0)
        request_reply_error (ctx->req, rc, "/location", "inventory refused to look up location %s (%s); "
                             "return %s received nothing", ctx->in.location, rm_strerror (rc), ctx->in.return_id);
    else
        s_answer (ctx, service_write (ctx->svc, s_write, ctx));
    s_free (ctx);
}

int
receipt_handle (service_t *svc, request_t *req)
{
    s_receive_t *ctx = (s_receive_t *) calloc (1, sizeof *ctx);
    if (!ctx)
        return RM_ENOMEM;
    *ctx = (s_receive_t) {.svc = svc, .req = req};
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    sha256_canonical (request_body (req), ctx->digest);
    int rc = record_decode (returns_receive_request_fields, request_body (req), &ctx->in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = s_decide (txn, &dbs, &ctx->in, ctx->digest, clock_now_ms (), &ctx->outcome);
    if (rc != 0) {
        //  replayed (1) or refused: answered from the store
        s_answer (ctx, rc == 1 ? 0 : rc);
        s_free (ctx);
        return 0;
    }
    inventory_location_get_request_t ask = {0};
    text_copy (ask.location, sizeof ask.location, ctx->in.location);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    record_pack (inventory_location_get_request_fields, &ask, &pk);
    request_defer (req);
    if (service_call (svc, "inventory", "inventory.location.get", request_cid (req), NULL,
                      service_call_timeout (svc), body.data, body.size, s_located, ctx)
        != 0)
        s_located (ctx, RM_EUNAVAIL, NULL);
    msgpack_sbuffer_destroy (&body);
    return 0;
}
