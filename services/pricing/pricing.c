#include "pricing.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "money.h"
#include "mp.h"
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
    if (val.mv_size != sizeof *price)
        return RM_ESTORE;
    memcpy (price, val.mv_data, sizeof *price);
    return 0;
}

int
pricing_put (MDB_txn *txn, MDB_dbi dbi, const char *currency, const char *sku, const price_t *price)
{
    char key[96];
    size_t klen = store_key_pair (key, sizeof key, currency, sku);
    if (!klen)
        return RM_EINVAL;
    return store_put (txn, dbi, key, klen, price, sizeof *price, 0);
}

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

//  quote and validate share everything but the fields of each line
static int
s_price_lines (service_t *svc, request_t *req, bool validate)
{
    const msgpack_object *body = request_body (req);
    char currency[8];
    line_t *lines = NULL;
    size_t count = 0;
    MDB_txn *txn;
    int rc = mp_get_str (body, "currency", currency, sizeof currency);
    if (rc == 0)
        rc = lines_decode (body, &lines, &count);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc != 0) {
        free (lines);
        return rc;
    }
    priced_line_t *priced = (priced_line_t *) calloc (count, sizeof *priced);
    int64_t total = 0;
    int bad_line = 0;
    rc = priced ? pricing_evaluate (txn, service_dbi (svc, PRICING_DB_PRICES), currency, lines, count,
                                    priced, &total, &bad_line)
                : RM_ENOMEM;
    if (rc != 0)
        rc = s_reply_lookup_error (req, rc, bad_line, lines, currency);
    else {
        bool all_ok = true;
        for (size_t i = 0; i < count; i++)
            all_ok = all_ok && priced[i].ok;
        msgpack_packer *pk = request_reply_ok (req);
        msgpack_pack_map (pk, validate ? 4 : 3);
        if (validate)
            mp_pack_kv_bool (pk, "ok", all_ok);
        mp_pack_kv_str (pk, "currency", currency);
        mp_pack_kv_int (pk, "total", total);
        mp_pack_str (pk, "lines");
        msgpack_pack_array (pk, (uint32_t) count);
        for (size_t i = 0; i < count; i++) {
            msgpack_pack_map (pk, validate ? 6 : 4);
            mp_pack_kv_str (pk, "sku", lines[i].sku);
            mp_pack_kv_int (pk, "quantity", lines[i].quantity);
            mp_pack_kv_int (pk, "unit_price", priced[i].unit_price);
            mp_pack_kv_int (pk, "extended_price", priced[i].extended_price);
            if (validate) {
                mp_pack_kv_int (pk, "quoted", lines[i].unit_price);
                mp_pack_kv_bool (pk, "ok", priced[i].ok);
            }
        }
    }
    free (priced);
    free (lines);
    return rc;
}

static int
s_quote (service_t *svc, request_t *req)
{
    return s_price_lines (svc, req, false);
}

static int
s_validate (service_t *svc, request_t *req)
{
    return s_price_lines (svc, req, true);
}

typedef struct {
    service_t *svc;
    request_t *req;
    char currency[8];
    char sku[LINES_SKU_MAX + 1];
    price_t price;
    price_t previous;
    bool existed;
} set_ctx_t;

static int
s_set_write (MDB_txn *txn, void *arg)
{
    set_ctx_t *ctx = (set_ctx_t *) arg;
    MDB_dbi dbi = service_dbi (ctx->svc, PRICING_DB_PRICES);
    int rc = pricing_get (txn, dbi, ctx->currency, ctx->sku, &ctx->previous);
    if (rc != 0 && rc != RM_ENOTFOUND)
        return rc;
    ctx->existed = rc == 0;
    rc = pricing_put (txn, dbi, ctx->currency, ctx->sku, &ctx->price);
    if (rc != 0)
        return rc;
    msgpack_packer *pk = service_event (ctx->svc, "pricing.price.set", request_cid (ctx->req));
    msgpack_pack_map (pk, ctx->existed ? 5 : 4);
    mp_pack_kv_str (pk, "currency", ctx->currency);
    mp_pack_kv_str (pk, "sku", ctx->sku);
    mp_pack_kv_int (pk, "unit_price", ctx->price.unit_price);
    mp_pack_kv_int (pk, "updated_at", ctx->price.updated_at);
    if (ctx->existed)
        mp_pack_kv_int (pk, "previous", ctx->previous.unit_price);
    return 0;
}

static int
s_set (service_t *svc, request_t *req)
{
    const msgpack_object *body = request_body (req);
    set_ctx_t ctx = {.svc = svc, .req = req};
    int rc = mp_get_str (body, "currency", ctx.currency, sizeof ctx.currency);
    if (rc == 0)
        rc = mp_get_str (body, "sku", ctx.sku, sizeof ctx.sku);
    if (rc == 0)
        rc = mp_get_int (body, "unit_price", &ctx.price.unit_price);
    if (rc != 0)
        return rc;
    ctx.price.updated_at = clock_now_ms ();
    rc = service_write (svc, s_set_write, &ctx);
    if (rc != 0)
        return rc;
    log_info (request_cid (req), "price %s %s = %lld", ctx.currency, ctx.sku, (long long) ctx.price.unit_price);
    msgpack_packer *pk = request_reply_ok (req);
    msgpack_pack_map (pk, 4);
    mp_pack_kv_str (pk, "currency", ctx.currency);
    mp_pack_kv_str (pk, "sku", ctx.sku);
    mp_pack_kv_int (pk, "unit_price", ctx.price.unit_price);
    mp_pack_kv_int (pk, "updated_at", ctx.price.updated_at);
    return 0;
}

const service_route_t pricing_routes[] = {
    {"pricing.quote", s_quote},
    {"pricing.validate", s_validate},
    {"pricing.set", s_set},
    {NULL, NULL},
};
