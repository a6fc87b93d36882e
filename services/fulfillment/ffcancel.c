#include "ffcancel.h"
#include "err.h"
#include "fforder.h"
#include "fulfilment.h"
#include "log.h"
#include "sha256.h"
#include "storeval.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_problem (ffcancel_problem_t *problem, int rc, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_problem (ffcancel_problem_t *problem, int rc, const char *field, const char *fmt, ...)
{
    snprintf (problem->field, sizeof problem->field, "%s", field ? field : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem->message, sizeof problem->message, fmt, args);
    va_end (args);
    return rc;
}

typedef struct {
    fulfilment_t *items;
    size_t count;
} s_set_t;

static void
s_set_free (s_set_t *set)
{
    for (size_t i = 0; i < set->count; i++)
        fulfilment_free (&set->items[i]);
    free (set->items);
    *set = (s_set_t) {0};
}

static int
s_set_load (MDB_txn *txn, const ffstore_dbs_t *dbs, const fforder_t *order, s_set_t *set)
{
    set->items = order->fulfillments_count ? (fulfilment_t *) calloc (order->fulfillments_count, sizeof *set->items)
                                           : NULL;
    if (order->fulfillments_count && !set->items)
        return RM_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < order->fulfillments_count; i++, set->count++) {
        uint8_t fid[16];
        rc = uuid_parse (order->fulfillments[i], fid) == 0 ? fulfilment_load (txn, dbs, fid, &set->items[i])
                                                           : RM_ESTORE;
    }
    return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
}

static bool
s_shipped (const fulfilment_t *f)
{
    return f->stage >= FULFILMENT_SHIPPED;
}

//  The line's entry in f, or NULL.
static fulfillment_line_t *
s_line_of (fulfilment_t *f, int64_t line)
{
    for (size_t l = 0; l < f->lines_count; l++)
        if (f->lines[l].line == line)
            return &f->lines[l];
    return NULL;
}

//  RM_ECONFLICT naming the shipped fulfilments (those holding line, when
//  line is not -1).
static int
s_shipped_conflict (const s_set_t *set, int64_t line, const char *field, ffcancel_problem_t *problem)
{
    char names[200] = "";
    size_t used = 0, n = 0;
    for (size_t i = 0; i < set->count; i++)
        if (s_shipped (&set->items[i]) && (line < 0 || s_line_of (&set->items[i], line))) {
            if (used < sizeof names)
                used += (size_t) snprintf (names + used, sizeof names - used, "%s%s", n ? ", " : "",
                                           set->items[i].fulfillment_id);
            n++;
        }
    if (line < 0)
        return s_problem (problem, RM_ECONFLICT, field, "shipped already: fulfilment%s %s", n == 1 ? "" : "s", names);
    return s_problem (problem, RM_ECONFLICT, field, "line %lld has shipped in part: fulfilment%s %s",
                      (long long) line, n == 1 ? "" : "s", names);
}

static fulfillment_cancelled_t *
s_entry (fulfillment_cancel_reply_t *out, const fulfilment_t *f)
{
    fulfillment_cancelled_t *entry = (fulfillment_cancelled_t *) record_push (&out->cancelled, &out->cancelled_count,
                                                                            sizeof *entry);
    if (entry) {
        snprintf (entry->fulfillment_id, sizeof entry->fulfillment_id, "%s", f->fulfillment_id);
        snprintf (entry->location, sizeof entry->location, "%s", f->location);
    }
    return entry;
}

static int
s_entry_line (fulfillment_cancelled_t *entry, const fulfillment_line_t *line, int64_t quantity)
{
    fulfillment_cancelled_line_t *at = (fulfillment_cancelled_line_t *) record_push (&entry->lines,
                                                                                   &entry->lines_count, sizeof *at);
    if (!at)
        return RM_ENOMEM;
    at->line = line->line;
    snprintf (at->sku, sizeof at->sku, "%s", line->sku);
    at->quantity = quantity;
    return 0;
}

//  Takes units off a line; a fulfilment with nothing open is cancelled.
static void
s_take (fulfilment_t *f, fulfillment_line_t *line, int64_t units)
{
    line->cancelled = (line->has_cancelled ? line->cancelled : 0) + units;
    line->has_cancelled = true;
    int64_t open = fulfilment_line_open (line);
    if (line->picked > open)
        line->picked = open;
    int64_t left = 0;
    for (size_t l = 0; l < f->lines_count; l++)
        left += fulfilment_line_open (&f->lines[l]);
    if (left == 0) {
        snprintf (f->status, sizeof f->status, "cancelled");
        f->reason[0] = '\0';
    }
}

static int
s_save (service_t *svc, MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfilment_t *f, const char *cid)
{
    int rc = fulfilment_save (txn, dbs, f);
    if (rc == 0) {
        fulfilment_emit (svc, f, "fulfillment.order.cancelled", cid, NULL, 0);
        log_info (cid, "order %s: fulfilment %s at %s %s", f->order_id, f->fulfillment_id, f->location,
                  strcmp (f->status, "cancelled") == 0 ? "cancelled" : "reduced");
    }
    return rc;
}

static int
s_whole (service_t *svc, MDB_txn *txn, const ffstore_dbs_t *dbs, fforder_t *order, s_set_t *set, const char *cid,
         fulfillment_cancel_reply_t *out, ffcancel_problem_t *problem)
{
    int rc = 0;
    if (!order->cancelled) {
        for (size_t i = 0; i < set->count; i++)
            if (s_shipped (&set->items[i]))
                return s_shipped_conflict (set, -1, NULL, problem);
        for (size_t i = 0; rc == 0 && i < set->count; i++) {
            fulfilment_t *f = &set->items[i];
            if (strcmp (f->status, "cancelled") == 0)
                continue;
            for (size_t l = 0; l < f->lines_count; l++) {
                int64_t open = fulfilment_line_open (&f->lines[l]);
                if (open > 0)
                    s_take (f, &f->lines[l], open);
            }
            rc = s_save (svc, txn, dbs, f, cid);
        }
        order->cancelled = true;
    }
    for (size_t i = 0; rc == 0 && i < set->count; i++) {
        const fulfilment_t *f = &set->items[i];
        fulfillment_cancelled_t *entry = s_entry (out, f);
        rc = entry ? 0 : RM_ENOMEM;
        for (size_t l = 0; rc == 0 && l < f->lines_count; l++)
            if (f->lines[l].has_cancelled && f->lines[l].cancelled > 0)
                rc = s_entry_line (entry, &f->lines[l], f->lines[l].cancelled);
    }
    return rc;
}

//  Units of line open in fulfilments that have not shipped, and whether
//  any fulfilment holds it at all.
static int64_t
s_unshipped (const s_set_t *set, int64_t line, bool *held)
{
    int64_t open = 0;
    *held = false;
    for (size_t i = 0; i < set->count; i++) {
        fulfillment_line_t *at = s_line_of (&set->items[i], line);
        *held = *held || at;
        if (at && !s_shipped (&set->items[i]) && strcmp (set->items[i].status, "cancelled") != 0)
            open += fulfilment_line_open (at);
    }
    return open;
}

static int
s_check_lines (const fulfillment_cancel_request_t *in, const s_set_t *set, ffcancel_problem_t *problem)
{
    char field[64];
    for (size_t k = 0; k < in->lines_count; k++) {
        const fulfillment_cancel_line_t *want = &in->lines[k];
        for (size_t j = 0; j < k; j++)
            if (in->lines[j].line == want->line) {
                snprintf (field, sizeof field, "/lines/%zu/line", k);
                return s_problem (problem, RM_EINVAL, field, "line %lld appears more than once", (long long) want->line);
            }
        bool held;
        int64_t open = s_unshipped (set, want->line, &held);
        if (!held) {
            snprintf (field, sizeof field, "/lines/%zu/line", k);
            return s_problem (problem, RM_EINVAL, field, "no fulfilment holds line %lld", (long long) want->line);
        }
        snprintf (field, sizeof field, "/lines/%zu/quantity", k);
        bool shipped = false;
        for (size_t i = 0; i < set->count; i++)
            shipped = shipped || (s_shipped (&set->items[i]) && s_line_of (&set->items[i], want->line));
        if (want->quantity > open && shipped)
            return s_shipped_conflict (set, want->line, field, problem);
        if (want->quantity > open)
            return s_problem (problem, RM_EINVAL, field, "line %lld has %lld units open, not %lld",
                              (long long) want->line, (long long) open, (long long) want->quantity);
    }
    return 0;
}

static int
s_lines (service_t *svc, MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfillment_cancel_request_t *in, s_set_t *set,
         const char *cid, fulfillment_cancel_reply_t *out, ffcancel_problem_t *problem)
{
    int rc = s_check_lines (in, set, problem);
    //  newest first: a backorder's fulfilment before the order's own
    for (size_t i = set->count; rc == 0 && i-- > 0;) {
        fulfilment_t *f = &set->items[i];
        fulfillment_cancelled_t *entry = NULL;
        if (s_shipped (f) || strcmp (f->status, "cancelled") == 0)
            continue;
        for (size_t k = 0; rc == 0 && k < in->lines_count; k++) {
            fulfillment_line_t *line = s_line_of (f, in->lines[k].line);
            int64_t open = line ? fulfilment_line_open (line) : 0, asked = in->lines[k].quantity, done = 0;
            for (size_t j = 0; j < out->cancelled_count; j++)
                for (size_t m = 0; m < out->cancelled[j].lines_count; m++)
                    done += out->cancelled[j].lines[m].line == in->lines[k].line ? out->cancelled[j].lines[m].quantity
                                                                                 : 0;
            int64_t take = asked - done < open ? asked - done : open;
            if (take <= 0)
                continue;
            if (!entry && !(entry = s_entry (out, f)))
                rc = RM_ENOMEM;
            if (rc == 0)
                rc = s_entry_line (entry, line, take);
            if (rc == 0)
                s_take (f, line, take);
        }
        if (rc == 0 && entry)
            rc = s_save (svc, txn, dbs, f, cid);
    }
    return rc;
}

//  cancels: the order's ID, then the SHA-256 of the idempotency key.
static void
s_cancel_key (uint8_t key[16 + SHA256_LEN], const uint8_t order_id[16], const char *idem)
{
    memcpy (key, order_id, 16);
    sha256 (idem, strlen (idem), key + 16);
}

//  The answer stored under the key into *out: 0, RM_ENOTFOUND, or a store
//  error.
static int
s_answered_before (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t key[16 + SHA256_LEN],
                   fulfillment_cancel_reply_t *out)
{
    MDB_val val;
    int rc = store_get (txn, dbs->cancels, key, 16 + SHA256_LEN, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, FFSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (fulfillment_cancel_reply_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

static int
s_remember (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t key[16 + SHA256_LEN],
            const fulfillment_cancel_reply_t *out)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fulfillment_cancel_reply_fields, out, &pk);
    int rc = storeval_put (txn, dbs->cancels, key, 16 + SHA256_LEN, FFSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
ffcancel_apply (service_t *svc, MDB_txn *txn, const fulfillment_cancel_request_t *in, const char *cid,
                const char *idem, fulfillment_cancel_reply_t *out, ffcancel_problem_t *problem)
{
    *out = (fulfillment_cancel_reply_t) {0};
    *problem = (ffcancel_problem_t) {0};
    uint8_t id[16];
    if (uuid_parse (in->order_id, id) != 0)
        return s_problem (problem, RM_EINVAL, "/order_id", "not an order ID");
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    uint8_t key[16 + SHA256_LEN];
    bool keyed = in->lines_count && idem && *idem;
    if (keyed) {
        s_cancel_key (key, id, idem);
        int rc = s_answered_before (txn, &dbs, key, out);
        if (rc != RM_ENOTFOUND)
            return rc;
    }
    fforder_t order;
    s_set_t set = {0};
    int rc = fforder_load (txn, &dbs, id, &order);
    if (rc == RM_ENOTFOUND)
        rc = 0;
    if (rc == 0 && in->lines_count && !order.accepted)
        rc = s_problem (problem, RM_EBUSY, NULL, "fulfillment has not received order %s yet: try again shortly",
                        in->order_id);
    else if (rc == 0 && in->lines_count && order.cancelled)
        rc = s_problem (problem, RM_ECONFLICT, NULL, "order %s is cancelled", in->order_id);
    if (rc == 0)
        rc = s_set_load (txn, &dbs, &order, &set);
    if (rc == 0)
        rc = in->lines_count ? s_lines (svc, txn, &dbs, in, &set, cid, out, problem)
                             : s_whole (svc, txn, &dbs, &order, &set, cid, out, problem);
    if (rc == 0 && !order.accepted)
        log_info (cid, "order %s cancelled before fulfillment received it: its acceptance will make nothing",
                  in->order_id);
    if (rc == 0)
        rc = fforder_save (txn, &dbs, id, &order);
    if (rc == 0 && keyed)
        rc = s_remember (txn, &dbs, key, out);
    s_set_free (&set);
    record_free (fforder_fields, &order);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    const fulfillment_cancel_request_t *in;
    fulfillment_cancel_reply_t out;
    ffcancel_problem_t problem;
} s_ctx_t;

static int
s_write (MDB_txn *txn, void *arg)
{
    s_ctx_t *ctx = (s_ctx_t *) arg;
    record_free (fulfillment_cancel_reply_fields, &ctx->out);
    return ffcancel_apply (ctx->svc, txn, ctx->in, request_cid (ctx->req), request_idem (ctx->req), &ctx->out,
                           &ctx->problem);
}

int
ffcancel_handle (service_t *svc, request_t *req)
{
    fulfillment_cancel_request_t in = {0};
    s_ctx_t ctx = {.svc = svc, .req = req, .in = &in};
    int rc = record_decode (fulfillment_cancel_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_write (svc, s_write, &ctx);
    if (rc == 0)
        record_pack (fulfillment_cancel_reply_fields, &ctx.out, request_reply_ok (req));
    else if (rc == RM_ECONFLICT || rc == RM_EINVAL || rc == RM_EBUSY)
        request_reply_error (req, rc, ctx.problem.field[0] ? ctx.problem.field : NULL, "%s", ctx.problem.message);
    record_free (fulfillment_cancel_reply_fields, &ctx.out);
    record_free (fulfillment_cancel_request_fields, &in);
    return rc;
}
