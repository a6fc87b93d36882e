#include "pricing.h"
#include "catalog_pricing.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include "mp.h"
#include "storeval.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Price keys are "<currency>\0<sku>" (store_key_pair), so one currency's
//  prices sit together.
const char *const pricing_dbs[] = {"prices", NULL};

int
pricing_get (MDB_txn *txn, MDB_dbi dbi, const char *currency, const char *sku, price_t *price)
{
    char key[96];
    size_t klen = store_key_pair (key, sizeof key, currency, sku);
    if (!klen)
        return RM_EINVAL;
    MDB_val val;
    int rc = store_get (txn, dbi, key, klen, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, PRICING_PRICE_V, &unpacked);
    if (rc == 0 && (mp_get_int (&unpacked.data, "unit_price", &price->unit_price) != 0
                    || mp_get_int (&unpacked.data, "updated_at", &price->updated_at) != 0))
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

static void
s_pack_price (msgpack_packer *pk, const price_t *price)
{
    msgpack_pack_map (pk, 2);
    mp_pack_kv_int (pk, "unit_price", price->unit_price);
    mp_pack_kv_int (pk, "updated_at", price->updated_at);
}

int
pricing_put (MDB_txn *txn, MDB_dbi dbi, const char *currency, const char *sku, const price_t *price)
{
    char key[96];
    size_t klen = store_key_pair (key, sizeof key, currency, sku);
    if (!klen)
        return RM_EINVAL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    s_pack_price (&pk, price);
    int rc = storeval_put (txn, dbi, key, klen, PRICING_PRICE_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

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
    return storeval_migrate_db (txn, store_dbi (store, PRICING_DB_PRICES), PRICING_PRICE_V, s_price_from_v1, count);
}

const store_migration_t pricing_migrations[] = {
    {1, s_migrate_v1},
    {0, NULL},
};

bool
pricing_has_currency (MDB_txn *txn, MDB_dbi dbi, const char *currency)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return false;
    char prefix[8];
    size_t plen = strlen (currency) + 1;
    memcpy (prefix, currency, plen);
    MDB_val key = {plen, prefix}, val;
    bool found = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE) == 0
                 && key.mv_size > plen && memcmp (key.mv_data, prefix, plen) == 0;
    mdb_cursor_close (cursor);
    return found;
}

int
pricing_evaluate (MDB_txn *txn, MDB_dbi dbi, const char *currency,
                  const line_t *lines, size_t count, priced_line_t *out,
                  int64_t *total, int *bad_line)
{
    *total = 0;
    for (size_t i = 0; i < count; i++) {
        price_t price;
        int rc = pricing_get (txn, dbi, currency, lines[i].sku, &price);
        if (rc == RM_ENOTFOUND && !pricing_has_currency (txn, dbi, currency)) {
            *bad_line = -1;
            return RM_ENOTFOUND;
        }
        if (rc != 0) {
            *bad_line = (int) i;
            return rc;
        }
        out[i].unit_price = price.unit_price;
        out[i].ok = lines[i].unit_price < 0 || lines[i].unit_price == price.unit_price;
        if (money_mul (price.unit_price, lines[i].quantity, &out[i].extended_price) != 0
            || money_add (*total, out[i].extended_price, total) != 0) {
            *bad_line = (int) i;
            return RM_EINVAL;
        }
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  operation handlers

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
        snprintf (line->sku, sizeof line->sku, "%s", lines[i].sku);
        line->quantity = lines[i].quantity;
        line->unit_price = priced[i].unit_price;
        line->quoted = lines[i].unit_price;
        line->extended_price = priced[i].extended_price;
        line->ok = priced[i].ok;
        reply.ok = reply.ok && priced[i].ok;
    }
    record_pack (fields, &reply, request_reply_ok (req));
    record_free (pricing_validate_reply_fields, &reply);
}

//  Prices the lines of a quote or a validate request (quoted: the price
//  each line was quoted, or NULL) and answers with the reply fields
//  describes.
static int
s_price_lines (service_t *svc, request_t *req, const char *currency, const catalog_sku_quantity_t *items,
               const catalog_quoted_line_t *quoted, size_t count, const field_spec_t *fields)
{
    MDB_txn *txn;
    int rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    line_t *lines = NULL;
    priced_line_t *priced = (priced_line_t *) calloc (count, sizeof *priced);
    int64_t total = 0;
    int bad_line = 0;
    rc = priced ? lines_from (items, quoted, count, &lines) : RM_ENOMEM;
    if (rc == 0)
        rc = pricing_evaluate (txn, service_dbi (svc, PRICING_DB_PRICES), currency, lines, count, priced, &total,
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
        rc = s_price_lines (svc, req, in.currency, in.lines, NULL, in.lines_count, s_quote_reply_fields);
    record_free (pricing_quote_request_fields, &in);
    return rc;
}

static int
s_validate (service_t *svc, request_t *req)
{
    pricing_validate_request_t in = {0};
    int rc = record_decode (pricing_validate_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_price_lines (svc, req, in.currency, NULL, in.lines, in.lines_count, pricing_validate_reply_fields);
    record_free (pricing_validate_request_fields, &in);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    pricing_set_request_t in;
    price_t price;
    price_t previous;
    bool existed;
} set_ctx_t;

static int
s_set_write (MDB_txn *txn, void *arg)
{
    set_ctx_t *ctx = (set_ctx_t *) arg;
    MDB_dbi dbi = service_dbi (ctx->svc, PRICING_DB_PRICES);
    int rc = pricing_get (txn, dbi, ctx->in.currency, ctx->in.sku, &ctx->previous);
    if (rc != 0 && rc != RM_ENOTFOUND)
        return rc;
    ctx->existed = rc == 0;
    rc = pricing_put (txn, dbi, ctx->in.currency, ctx->in.sku, &ctx->price);
    if (rc != 0)
        return rc;
    pricing_price_changed_t event = {.unit_price = ctx->price.unit_price, .updated_at = ctx->price.updated_at,
                                     .has_previous = ctx->existed, .previous = ctx->previous.unit_price};
    snprintf (event.currency, sizeof event.currency, "%s", ctx->in.currency);
    snprintf (event.sku, sizeof event.sku, "%s", ctx->in.sku);
    record_pack (pricing_price_changed_fields, &event,
                 service_event (ctx->svc, "pricing.price.set", request_cid (ctx->req)));
    return 0;
}

static int
s_set (service_t *svc, request_t *req)
{
    set_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (pricing_set_request_fields, request_body (req), &ctx.in);
    if (rc != 0)
        return rc;
    ctx.price.unit_price = ctx.in.unit_price;
    ctx.price.updated_at = clock_now_ms ();
    rc = service_write (svc, s_set_write, &ctx);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "price %s %s = %lld", ctx.in.currency, ctx.in.sku, (long long) ctx.price.unit_price);
    pricing_price_t reply = {.unit_price = ctx.price.unit_price, .updated_at = ctx.price.updated_at};
    snprintf (reply.currency, sizeof reply.currency, "%s", ctx.in.currency);
    snprintf (reply.sku, sizeof reply.sku, "%s", ctx.in.sku);
    record_pack (pricing_price_fields, &reply, request_reply_ok (req));
    return 0;
}

const service_route_t pricing_routes[] = {
    {"pricing.quote", s_quote},
    {"pricing.validate", s_validate},
    {"pricing.set", s_set},
    {NULL, NULL},
};
