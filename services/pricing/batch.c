#include "batch.h"
#include "pricing.h"
#include "err.h"
#include "takeover.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const pricebook_t *pb;
    const char *cid;
    const pricing_batch_request_t *in;
    int64_t now;
} s_batch_t;

static int
s_item (MDB_txn *txn, size_t index, void *arg, bulk_fault_t *fault)
{
    s_batch_t *ctx = (s_batch_t *) arg;
    const pricing_batch_price_t *item = &ctx->in->items[index];
    pricing_dated_entry_t entry = {.unit_price = item->unit_price, .has_unit_price = true, .tiers = item->tiers,
                                   .tiers_count = item->tiers_count, .valid_from = item->valid_from,
                                   .has_valid_from = item->has_valid_from, .valid_to = item->valid_to,
                                   .has_valid_to = item->has_valid_to};
    pricebook_fault_t why = {0};
    int rc;
    if (!item->book_id[0])
        rc = pricebook_list_entry_put (ctx->pb, txn, ctx->cid, item->currency, item->sku, &entry, ctx->now, &why);
    else {
        pricing_book_t book;
        rc = pricebook_book_get (ctx->pb, txn, item->book_id, &book);
        if (rc == RM_ENOTFOUND) {
            snprintf (why.field, sizeof why.field, "/book_id");
            snprintf (why.message, sizeof why.message, "no price book '%s'", item->book_id);
        }
        else if (rc == 0 && strcmp (book.currency, item->currency) != 0) {
            rc = RM_EINVAL;
            snprintf (why.field, sizeof why.field, "/currency");
            snprintf (why.message, sizeof why.message, "price book %s prices in %s", book.book_id, book.currency);
        }
        else if (rc == 0)
            rc = pricebook_entry_put (ctx->pb, txn, ctx->cid, item->book_id, item->sku, &entry, ctx->now, &why);
    }
    snprintf (fault->field, sizeof fault->field, "%s", why.field);
    snprintf (fault->message, sizeof fault->message, "%s", why.message);
    return rc;
}

int
batch_apply (const pricebook_t *pb, MDB_txn *txn, MDB_dbi dbi, const char *cid, const pricing_batch_request_t *in,
             const uint8_t digest[SHA256_LEN], int64_t now, catalog_batch_reply_t *result, bulk_faults_t *faults)
{
    s_batch_t ctx = {pb, cid, in, now};
    return bulk_apply (txn, dbi, in->batch_id, digest, in->items_count, s_item, &ctx, now, result, faults);
}

static int
s_apply (service_t *svc, request_t *req, MDB_txn *txn, const void *in, const uint8_t digest[SHA256_LEN], int64_t now,
         catalog_batch_reply_t *result, bulk_faults_t *faults)
{
    pricebook_t pb = pricing_pricebook (svc);
    return batch_apply (&pb, txn, service_dbi (svc, PRICING_DB_BATCHES), request_cid (req),
                        (const pricing_batch_request_t *) in, digest, now, result, faults);
}

int
batch_handle (service_t *svc, request_t *req)
{
    pricing_batch_request_t in = {0};
    catalog_batch_reply_t result = {0};
    int rc = bulk_handle (svc, req, pricing_batch_request_fields, &in, s_apply, &result);
    if (result.has_applied_at && !result.replayed)
        takeover_arm (svc);
    return rc;
}
