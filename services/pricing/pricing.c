#include "pricing.h"
#include "catalog_pricing.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include "storeval.h"
#include "takeover.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DAY_MS (24LL * 3600 * 1000)

static pricing_policy_t s_policy = {.notice_ms = 7 * S_DAY_MS};

const service_option_t pricing_options[] = {
    {"price-tolerance", "0",
     "how far a quoted unit price may be from the current one and still match: basis points of the current "
     "price (\"50bp\") or minor units (\"5\"); 0 means exactly"},
    {"price-end-notice", "7",
     "days: a quote or price check reports the valid_to of a price that ends within them"},
    {NULL, NULL, NULL},
};

//  ---- store -------------------------------------------------------------

//  Schema 1 -> 2: a raw price_t {int64 unit_price, int64 updated_at} in
//  host order becomes a price record.
static int
s_price_from_v1 (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    static const char *const fields[] = {"unit_price", "updated_at"};
    return storeval_from_int64s (old, version, fields, 2, pk);
}

static int
s_migrate_v1 (store_t *store, MDB_txn *txn, int64_t *count)
{
    return storeval_migrate_db (txn, store_dbi (store, PRICING_DB_PRICES), 1, s_price_from_v1, count);
}

static pricebook_t
s_pricebook_of (store_t *store)
{
    return (pricebook_t) {.prices = store_dbi (store, PRICING_DB_PRICES), .books = store_dbi (store, PRICING_DB_BOOKS),
                          .scopes = store_dbi (store, PRICING_DB_SCOPES),
                          .schedule = store_dbi (store, PRICING_DB_SCHEDULE)};
}

static int
s_migrate_v2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    pricebook_t pb = s_pricebook_of (store);
    return pricebook_migrate_prices (&pb, txn, clock_now_ms (), count);
}

const store_migration_t pricing_migrations[] = {
    {1, s_migrate_v1},
    {2, s_migrate_v2},
    {0, NULL},
};

static void
s_emit (void *arg, const char *cid, const pricing_price_changed_t *event)
{
    record_pack (pricing_price_changed_fields, event, service_event ((service_t *) arg, "pricing.price.changed", cid));
}

pricebook_t
pricing_pricebook (service_t *svc)
{
    pricebook_t pb = s_pricebook_of (service_store (svc));
    pb.emit = s_emit;
    pb.emit_arg = svc;
    return pb;
}

int
pricing_start (service_t *svc)
{
    config_t *cfg = service_config (svc);
    const char *tolerance = config_get (cfg, "price-tolerance");
    if (tolerance_parse (tolerance, &s_policy.tolerance) != 0) {
        log_error (NULL, "pricing: --price-tolerance '%s' is neither basis points (\"50bp\", at most 10000bp) "
                   "nor minor units (\"5\")", tolerance ? tolerance : "");
        return RM_EINVAL;
    }
    int64_t days;
    if (config_get_int (cfg, "price-end-notice", &days) != 0 || days < 0 || days > 3650) {
        log_error (NULL, "pricing: --price-end-notice must be a number of days from 0 to 3650");
        return RM_EINVAL;
    }
    s_policy.notice_ms = days * S_DAY_MS;
    return takeover_start (svc);
}

//  ---- pricing lines -------------------------------------------------------

int
pricing_evaluate (const pricebook_t *pb, MDB_txn *txn, const pricebook_scope_t *scope, const pricing_policy_t *policy,
                  const char *currency, const line_t *lines, size_t count, int64_t now, priced_line_t *out,
                  int64_t *total, int *bad_line)
{
    *total = 0;
    for (size_t i = 0; i < count; i++) {
        priced_line_t *line = &out[i];
        int rc = pricebook_price (pb, txn, scope, lines[i].sku, lines[i].quantity, now, &line->price);
        *bad_line = (int) i;
        if (rc == RM_ENOTFOUND && !pricebook_has_currency (pb, txn, currency))
            *bad_line = -1;
        if (rc != 0)
            return rc;
        line->ok = lines[i].unit_price < 0
                   || tolerance_matches (&policy->tolerance, line->price.unit_price, lines[i].unit_price);
        line->ends_soon = line->price.has_valid_to && line->price.valid_to - now <= policy->notice_ms;
        if (money_mul (line->price.unit_price, lines[i].quantity, &line->extended_price) != 0
            || money_add (*total, line->extended_price, total) != 0)
            return RM_EINVAL;
    }
    return 0;
}

//  ---- operation handlers ----------------------------------------------------

static int
s_reply_lookup_error (request_t *req, int rc, int bad_line, const line_t *lines, const char *currency)
{
    char field[48];
    if (rc == RM_ENOTFOUND && bad_line < 0)
        return request_reply_error (req, RM_ENOTFOUND, "/currency", "no prices exist in currency %s", currency);
    snprintf (field, sizeof field, "/lines/%d/%s", bad_line, rc == RM_ENOTFOUND ? "sku" : "quantity");
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, field, "unknown SKU '%s' in currency %s", lines[bad_line].sku, currency);
    if (rc == RM_EINVAL)
        return request_reply_error (req, rc, field, "the extended price overflows");
    return rc;
}

//  A quote is a price check's reply without the check (quoted, ok): both
//  are packed from one pricing_validate_reply_t, a quote through its
//  description read from that struct.
typedef pricing_validate_line_t s_quote_line_t;
static RECORD_FIELDS_OF (s_quote_line_fields, PRICING_QUOTE_LINE, s_quote_line_t)
#define S_QUOTE_REPLY(X, T) PRICING_QUOTE_REPLY_OF (X, T, s_quote_line)
static RECORD_FIELDS_OF (s_quote_reply_fields, S_QUOTE_REPLY, pricing_validate_reply_t)

//  Answers with the lines priced now, as fields describes (a quote's or a
//  price check's reply).
static void
s_reply_priced (request_t *req, const field_spec_t *fields, const char *currency, int64_t total,
                const line_t *lines, const priced_line_t *priced, size_t count)
{
    pricing_validate_reply_t reply = {.ok = true, .total = total, .lines_count = count};
    snprintf (reply.currency, sizeof reply.currency, "%s", currency);
    reply.lines = (pricing_validate_line_t *) calloc (count, sizeof *reply.lines);
    if (!reply.lines) {
        request_reply_error (req, RM_ENOMEM, NULL, "out of memory packing the prices");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        pricing_validate_line_t *line = &reply.lines[i];
        const pricebook_price_t *price = &priced[i].price;
        snprintf (line->sku, sizeof line->sku, "%s", lines[i].sku);
        line->quantity = lines[i].quantity;
        line->unit_price = price->unit_price;
        line->quoted = lines[i].unit_price;
        line->extended_price = priced[i].extended_price;
        line->ok = priced[i].ok;
        snprintf (line->price_book, sizeof line->price_book, "%s", price->book_id);
        line->has_min_quantity = price->min_quantity > 0;
        line->min_quantity = price->min_quantity;
        line->has_valid_to = priced[i].ends_soon;
        line->valid_to = price->valid_to;
        reply.ok = reply.ok && priced[i].ok;
    }
    record_pack (fields, &reply, request_reply_ok (req));
    record_free (pricing_validate_reply_fields, &reply);
}

//  Prices the lines of a quote or a validate request (quoted: the price
//  each line was quoted, or NULL) and answers with the reply fields
//  describes.
static int
s_price_lines (service_t *svc, request_t *req, const char *currency, const char *account_id, const char *channel,
               const catalog_sku_quantity_t *items, const catalog_quoted_line_t *quoted, size_t count,
               const field_spec_t *fields)
{
    MDB_txn *txn;
    int rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    pricebook_t pb = pricing_pricebook (svc);
    pricebook_scope_t scope;
    line_t *lines = NULL;
    priced_line_t *priced = (priced_line_t *) calloc (count, sizeof *priced);
    int64_t total = 0;
    int bad_line = 0;
    rc = priced ? lines_from (items, quoted, count, &lines) : RM_ENOMEM;
    if (rc == 0)
        rc = pricebook_scope (&pb, txn, currency, account_id, channel, &scope);
    if (rc == 0)
        rc = pricing_evaluate (&pb, txn, &scope, &s_policy, currency, lines, count, clock_now_ms (), priced, &total,
                               &bad_line);
    if (rc == RM_ENOTFOUND || rc == RM_EINVAL)
        rc = s_reply_lookup_error (req, rc, bad_line, lines, currency);
    else if (rc == 0)
        s_reply_priced (req, fields, currency, total, lines, priced, count);
    free (priced);
    free (lines);
    return rc;
}

static int
s_quote (service_t *svc, request_t *req)
{
    pricing_quote_request_t in = {0};
    int rc = record_decode (pricing_quote_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_price_lines (svc, req, in.currency, in.account_id, in.channel, in.lines, NULL, in.lines_count,
                            s_quote_reply_fields);
    record_free (pricing_quote_request_fields, &in);
    return rc;
}

static int
s_validate (service_t *svc, request_t *req)
{
    pricing_validate_request_t in = {0};
    int rc = record_decode (pricing_validate_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_price_lines (svc, req, in.currency, in.account_id, in.channel, NULL, in.lines, in.lines_count,
                            pricing_validate_reply_fields);
    record_free (pricing_validate_request_fields, &in);
    return rc;
}

//  A write of the price books, with the request it answers and what was
//  wrong with it.
typedef struct {
    service_t *svc;
    request_t *req;
    pricebook_t pb;
    int64_t now;
    pricebook_fault_t fault;
    const void *in;
    void *out;
} s_write_t;

//  Answers a failed write: an unknown book as not found, bad input naming
//  its field; other codes go to the runtime.
static int
s_reply_fault (s_write_t *ctx, int rc, const char *book_id)
{
    if (rc == RM_ENOTFOUND && strcmp (ctx->fault.field, "/book_id") == 0)
        return request_reply_error (ctx->req, rc, NULL, "no price book '%s'", book_id);
    if (ctx->fault.message[0])
        return request_reply_error (ctx->req, rc, ctx->fault.field[0] ? ctx->fault.field : NULL, "%s",
                                    ctx->fault.message);
    return rc;
}

static int
s_run_write (service_t *svc, request_t *req, service_write_fn *fn, const void *in, void *out, s_write_t *ctx)
{
    *ctx = (s_write_t) {.svc = svc, .req = req, .pb = pricing_pricebook (svc), .now = clock_now_ms (), .in = in,
                        .out = out};
    return service_write (svc, fn, ctx);
}

static int
s_set_write (MDB_txn *txn, void *arg)
{
    s_write_t *ctx = (s_write_t *) arg;
    const pricing_set_request_t *in = (const pricing_set_request_t *) ctx->in;
    return pricebook_list_put (&ctx->pb, txn, request_cid (ctx->req), in->currency, in->sku, in->unit_price, ctx->now,
                               &ctx->fault);
}

static int
s_set (service_t *svc, request_t *req)
{
    pricing_set_request_t in = {0};
    int rc = record_decode (pricing_set_request_fields, request_body (req), &in);
    s_write_t ctx = {0};
    if (rc == 0)
        rc = s_run_write (svc, req, s_set_write, &in, NULL, &ctx);
    if (rc != 0)
        return s_reply_fault (&ctx, rc, "");
    log_info (request_cid (req), "price %s %s = %lld", in.currency, in.sku, (long long) in.unit_price);
    pricing_price_t reply = {.unit_price = in.unit_price, .updated_at = ctx.now, .has_updated_at = true};
    snprintf (reply.currency, sizeof reply.currency, "%s", in.currency);
    snprintf (reply.sku, sizeof reply.sku, "%s", in.sku);
    record_pack (pricing_price_fields, &reply, request_reply_ok (req));
    return 0;
}

static int
s_put_book_write (MDB_txn *txn, void *arg)
{
    s_write_t *ctx = (s_write_t *) arg;
    return pricebook_book_put (&ctx->pb, txn, (const pricing_put_book_request_t *) ctx->in, ctx->now,
                               (pricing_book_t *) ctx->out, &ctx->fault);
}

static int
s_put_book (service_t *svc, request_t *req)
{
    pricing_put_book_request_t in = {0};
    pricing_book_t book = {0};
    s_write_t ctx = {0};
    int rc = record_decode (pricing_put_book_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_run_write (svc, req, s_put_book_write, &in, &book, &ctx);
    if (rc != 0)
        return s_reply_fault (&ctx, rc, in.book_id);
    log_info (request_cid (req), "price book %s (%s %s) stored", book.book_id, book.kind, book.currency);
    record_pack (pricing_book_fields, &book, request_reply_ok (req));
    return 0;
}

//  Decodes a read's request into in and opens the transaction it reads.
static int
s_read_request (service_t *svc, request_t *req, const field_spec_t *fields, void *in, MDB_txn **txn)
{
    int rc = record_decode (fields, request_body (req), in);
    return rc != 0 ? rc : service_read_txn (svc, txn);
}

static int
s_get_book (service_t *svc, request_t *req)
{
    pricing_get_book_request_t in = {0};
    pricing_book_t book;
    pricebook_t pb = pricing_pricebook (svc);
    MDB_txn *txn;
    int rc = s_read_request (svc, req, pricing_get_book_request_fields, &in, &txn);
    if (rc == 0)
        rc = pricebook_book_get (&pb, txn, in.book_id, &book);
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "no price book '%s'", in.book_id);
    if (rc == 0)
        record_pack (pricing_book_fields, &book, request_reply_ok (req));
    return rc;
}

static int
s_list_books (service_t *svc, request_t *req)
{
    pricing_list_books_request_t in = {0};
    pricing_books_t books = {0};
    pricebook_t pb = pricing_pricebook (svc);
    MDB_txn *txn;
    int rc = s_read_request (svc, req, pricing_list_books_request_fields, &in, &txn);
    if (rc == 0 && in.kind[0] && !pricebook_kind_known (in.kind))
        return request_reply_error (req, RM_EINVAL, "/kind", "must be list, channel or account, not '%s'", in.kind);
    if (rc == 0)
        rc = pricebook_book_list (&pb, txn, in.currency, in.kind, &books);
    if (rc == 0)
        record_pack (pricing_books_fields, &books, request_reply_ok (req));
    record_free (pricing_books_fields, &books);
    return rc;
}

static int
s_put_entry_write (MDB_txn *txn, void *arg)
{
    s_write_t *ctx = (s_write_t *) arg;
    const pricing_put_entry_request_t *in = (const pricing_put_entry_request_t *) ctx->in;
    pricing_dated_entry_t entry = {.unit_price = in->unit_price, .has_unit_price = true, .tiers = in->tiers,
                                   .tiers_count = in->tiers_count, .valid_from = in->valid_from,
                                   .has_valid_from = in->has_valid_from, .valid_to = in->valid_to,
                                   .has_valid_to = in->has_valid_to};
    int rc = pricebook_entry_put (&ctx->pb, txn, request_cid (ctx->req), in->book_id, in->sku, &entry, ctx->now,
                                  &ctx->fault);
    return rc != 0 ? rc : pricebook_entries_get (&ctx->pb, txn, in->book_id, in->sku, (pricing_entries_t *) ctx->out);
}

//  The stored entry from valid_from among a SKU's entries.
static const pricing_dated_entry_t *
s_entry_from (const pricing_entries_t *entries, const pricing_put_entry_request_t *in)
{
    for (size_t i = 0; i < entries->entries_count; i++) {
        const pricing_dated_entry_t *entry = &entries->entries[i];
        if ((entry->has_valid_from ? entry->valid_from : 0) == (in->has_valid_from ? in->valid_from : 0))
            return entry;
    }
    return NULL;
}

static int
s_put_entry (service_t *svc, request_t *req)
{
    pricing_put_entry_request_t in = {0};
    pricing_entries_t entries = {0};
    s_write_t ctx = {0};
    int rc = record_decode (pricing_put_entry_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_run_write (svc, req, s_put_entry_write, &in, &entries, &ctx);
    const pricing_dated_entry_t *stored = rc == 0 ? s_entry_from (&entries, &in) : NULL;
    if (rc != 0)
        rc = s_reply_fault (&ctx, rc, in.book_id);
    else if (!stored)
        rc = RM_EINTERNAL;
    else {
        takeover_arm (svc);
        log_info (request_cid (req), "price book %s entry %s = %lld", in.book_id, in.sku, (long long) in.unit_price);
        pricing_entry_t reply = {.unit_price = stored->unit_price, .has_unit_price = true, .tiers = stored->tiers,
                                 .tiers_count = stored->tiers_count, .valid_from = stored->valid_from,
                                 .has_valid_from = stored->has_valid_from, .valid_to = stored->valid_to,
                                 .has_valid_to = stored->has_valid_to, .updated_at = stored->updated_at,
                                 .has_updated_at = true};
        snprintf (reply.book_id, sizeof reply.book_id, "%s", entries.book_id);
        snprintf (reply.currency, sizeof reply.currency, "%s", entries.currency);
        snprintf (reply.sku, sizeof reply.sku, "%s", entries.sku);
        record_pack (pricing_entry_fields, &reply, request_reply_ok (req));
    }
    record_free (pricing_entries_fields, &entries);
    record_free (pricing_put_entry_request_fields, &in);
    return rc;
}

static int
s_get_entry (service_t *svc, request_t *req)
{
    pricing_get_entry_request_t in = {0};
    pricing_entries_t entries = {0};
    pricebook_t pb = pricing_pricebook (svc);
    MDB_txn *txn;
    int rc = s_read_request (svc, req, pricing_get_entry_request_fields, &in, &txn);
    if (rc == 0)
        rc = pricebook_entries_get (&pb, txn, in.book_id, in.sku, &entries);
    if (rc == RM_ENOTFOUND)
        rc = request_reply_error (req, rc, NULL, "no entry for SKU '%s' in price book '%s'", in.sku, in.book_id);
    else if (rc == 0)
        record_pack (pricing_entries_fields, &entries, request_reply_ok (req));
    record_free (pricing_entries_fields, &entries);
    return rc;
}

static int
s_delete_entry_write (MDB_txn *txn, void *arg)
{
    s_write_t *ctx = (s_write_t *) arg;
    const pricing_delete_entry_request_t *in = (const pricing_delete_entry_request_t *) ctx->in;
    return pricebook_entry_delete (&ctx->pb, txn, request_cid (ctx->req), in->book_id, in->sku, in->has_valid_from,
                                   in->valid_from, ctx->now, (int64_t *) ctx->out);
}

static int
s_delete_entry (service_t *svc, request_t *req)
{
    pricing_delete_entry_request_t in = {0};
    pricing_delete_entry_reply_t reply = {0};
    s_write_t ctx;
    int rc = record_decode (pricing_delete_entry_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_run_write (svc, req, s_delete_entry_write, &in, &reply.deleted, &ctx);
    if (rc == RM_ENOTFOUND)
        return request_reply_error (req, rc, NULL, "no entry for SKU '%s'%s in price book '%s'", in.sku,
                                    in.has_valid_from ? " from that valid_from" : "", in.book_id);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "price book %s entry %s: %lld removed", in.book_id, in.sku, (long long) reply.deleted);
    reply.has_deleted = true;
    snprintf (reply.book_id, sizeof reply.book_id, "%s", in.book_id);
    snprintf (reply.sku, sizeof reply.sku, "%s", in.sku);
    record_pack (pricing_delete_entry_reply_fields, &reply, request_reply_ok (req));
    return 0;
}

const service_route_t pricing_routes[] = {
    {"pricing.quote", s_quote},
    {"pricing.validate", s_validate},
    {"pricing.set", s_set},
    {"pricing.put_book", s_put_book},
    {"pricing.get_book", s_get_book},
    {"pricing.list_books", s_list_books},
    {"pricing.put_entry", s_put_entry},
    {"pricing.get_entry", s_get_entry},
    {"pricing.delete_entry", s_delete_entry},
    {NULL, NULL},
};
