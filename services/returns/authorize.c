#include "authorize.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "rtstats.h"
#include "sha256.h"
#include "store.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---- the decision ---------------------------------------------------------

int
authorize_check (const returns_authorize_request_t *in, char field[AUTHORIZE_FIELD_MAX],
                 char message[AUTHORIZE_MESSAGE_MAX])
{
    const char *missing = !in->order_id[0] && !in->channel[0] ? "/order_id"
                          : !in->order_id[0] && !in->external_id[0] ? "/external_id"
                          : NULL;
    if (missing) {
        snprintf (field, AUTHORIZE_FIELD_MAX, "%s", missing);
        snprintf (message, AUTHORIZE_MESSAGE_MAX, "name the order: order_id, or channel and external_id");
        return RM_EINVAL;
    }
    for (size_t i = 0; i < in->lines_count; i++)
        if (refund_reason_index (in->lines[i].reason) < 0) {
            snprintf (field, AUTHORIZE_FIELD_MAX, "/lines/%zu/reason", i);
            snprintf (message, AUTHORIZE_MESSAGE_MAX, "reason must be %s (got '%s')", RETURNS_REASONS,
                      in->lines[i].reason);
            return RM_EINVAL;
        }
    return 0;
}

typedef struct {
    const orders_returnable_t *order;
    const int64_t *committed;
    const retopts_t *opts;
    int64_t now;
    int64_t taken[CATALOG_MAX_LINES];   //  units of each order line this request was given so far
} s_decide_t;

//  Units of the order line the basis counts, and when they counted (-1: never).
static int64_t
s_basis (const s_decide_t *d, const orders_returnable_line_t *line, int64_t *at)
{
    bool shipped = d->opts->basis_shipped;
    bool has = shipped ? line->has_shipped_at : line->has_delivered_at;
    *at = has ? (shipped ? line->shipped_at : line->delivered_at) : -1;
    return shipped ? line->shipped : line->delivered;
}

//  Units of the order line still to return now: none once its window closed.
static int64_t
s_left (const s_decide_t *d, const orders_returnable_line_t *line)
{
    int64_t at;
    int64_t units = s_basis (d, line, &at);
    if (units <= 0 || at < 0 || d->now > at + retopts_window_ms (d->opts, d->order->channel))
        return 0;
    int64_t left = units - d->committed[line->line] - d->taken[line->line];
    return left > 0 ? left : 0;
}

static int
s_reject (retrec_t *out, const char *field, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_reject (retrec_t *out, const char *field, const char *code, const char *fmt, ...)
{
    returns_rejection_t *r =
        (returns_rejection_t *) record_push (&out->rejection, &out->rejection_count, sizeof *out->rejection);
    if (!r)
        return RM_ENOMEM;
    snprintf (r->field, sizeof r->field, "%s", field);
    snprintf (r->code, sizeof r->code, "%s", code);
    va_list args;
    va_start (args, fmt);
    vsnprintf (r->message, sizeof r->message, fmt, args);
    va_end (args);
    return 0;
}

//  Checks requested line i: *rejected, with a rejection added to out, when
//  it cannot be had.
static int
s_check_line (s_decide_t *d, const returns_request_line_t *want, size_t i, retrec_t *out, bool *rejected)
{
    const orders_returnable_t *order = d->order;
    bool on_order = false;
    int64_t basis = 0, left = 0, closed_at = -1;
    for (size_t k = 0; k < order->lines_count; k++) {
        const orders_returnable_line_t *line = &order->lines[k];
        if (strcmp (line->sku, want->sku) != 0)
            continue;
        on_order = true;
        int64_t at;
        int64_t units = s_basis (d, line, &at);
        basis += units;
        if (units > 0 && at >= 0 && at + retopts_window_ms (d->opts, order->channel) > closed_at)
            closed_at = at + retopts_window_ms (d->opts, order->channel);
        left += s_left (d, line);
    }
    const char *basis_word = d->opts->basis_shipped ? "shipped" : "delivered";
    char field[AUTHORIZE_FIELD_MAX];
    *rejected = true;
    if (!on_order) {
        snprintf (field, sizeof field, "/lines/%zu/sku", i);
        return s_reject (out, field, "unknown_sku", "SKU %s is not on order %s", want->sku, order->order_id);
    }
    snprintf (field, sizeof field, "/lines/%zu", i);
    if (basis == 0)
        return s_reject (out, field, "not_delivered", "no unit of SKU %s has been %s yet", want->sku, basis_word);
    if (closed_at < 0)
        return s_reject (out, field, "not_delivered", "orders knows no time SKU %s was %s at, so its return window "
                         "cannot be told", want->sku, basis_word);
    if (closed_at < d->now) {
        char when[32];
        clock_format_rfc3339 (closed_at, when, sizeof when);
        return s_reject (out, field, "window_passed", "the return window for SKU %s closed at %s", want->sku, when);
    }
    if (want->quantity > left) {
        snprintf (field, sizeof field, "/lines/%zu/quantity", i);
        return s_reject (out, field, "exceeds_returnable", "at most %lld unit%s of SKU %s may be returned",
                         (long long) left, left == 1 ? "" : "s", want->sku);
    }
    *rejected = false;
    return 0;
}

//  Gives the requested units to the order lines of the SKU, in line order.
static int
s_allocate (s_decide_t *d, const returns_request_line_t *want, retrec_t *out)
{
    int64_t rest = want->quantity;
    for (size_t k = 0; rest > 0 && k < d->order->lines_count; k++) {
        const orders_returnable_line_t *line = &d->order->lines[k];
        int64_t take = strcmp (line->sku, want->sku) == 0 ? s_left (d, line) : 0;
        if (take > rest)
            take = rest;
        if (take == 0)
            continue;
        returns_line_t *to = (returns_line_t *) record_push (&out->lines, &out->lines_count, sizeof *out->lines);
        if (!to)
            return RM_ENOMEM;
        to->line = line->line;
        snprintf (to->sku, sizeof to->sku, "%s", line->sku);
        snprintf (to->reason, sizeof to->reason, "%s", want->reason);
        to->quantity = take;
        to->unit_price = line->unit_price;
        d->taken[line->line] += take;
        rest -= take;
    }
    return 0;
}

int
authorize_decide (const returns_authorize_request_t *in, const orders_returnable_t *order,
                  const int64_t *committed, const retopts_t *opts, int64_t now, retrec_t *out)
{
    char return_id[sizeof out->return_id];
    snprintf (return_id, sizeof return_id, "%s", out->return_id);
    memset (out, 0, sizeof *out);
    snprintf (out->return_id, sizeof out->return_id, "%s", return_id);
    snprintf (out->order_id, sizeof out->order_id, "%s", order->order_id);
    snprintf (out->external_id, sizeof out->external_id, "%s", order->external_id);
    snprintf (out->channel, sizeof out->channel, "%s", order->channel);
    snprintf (out->account_id, sizeof out->account_id, "%s", order->account_id);
    snprintf (out->currency, sizeof out->currency, "%s", order->currency);
    snprintf (out->return_location, sizeof out->return_location, "%s", in->return_location);
    snprintf (out->requested_by, sizeof out->requested_by, "%s", in->requested_by);
    out->authorized_at = now;
    out->has_authorized_at = true;
    s_decide_t *d = (s_decide_t *) calloc (1, sizeof *d);
    if (!d)
        return RM_ENOMEM;
    *d = (s_decide_t) {.order = order, .committed = committed, .opts = opts, .now = now};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->lines_count; i++) {
        bool rejected;
        rc = s_check_line (d, &in->lines[i], i, out, &rejected);
        if (rc == 0 && !rejected)
            rc = s_allocate (d, &in->lines[i], out);
    }
    free (d);
    if (rc != 0)
        return rc;
    bool authorized = out->rejection_count == 0;
    snprintf (out->status, sizeof out->status, "%s", authorized ? "authorized" : "rejected");
    out->expires_at = authorized ? now + opts->expiry_ms : 0;
    out->has_expires_at = authorized;
    return authorized ? 0 : RM_EINVAL;
}

void
authorize_reply_rejected (request_t *req, const retrec_t *ret)
{
    const returns_rejection_t *first = ret->rejection_count ? &ret->rejection[0] : NULL;
    char message[RETSTORE_ID_MAX + AUTHORIZE_MESSAGE_MAX + 32];
    snprintf (message, sizeof message, "return %s was rejected: %s", ret->return_id,
              first ? first->message : "nothing may be returned");
    msgpack_packer *pk =
        request_reply_error_details (req, RM_EINVAL, first ? first->field : NULL, message, ret->rejection_count);
    for (size_t i = 0; i < ret->rejection_count; i++)
        record_pack (returns_rejection_fields, &ret->rejection[i], pk);
}

//  ---- the write ---------------------------------------------------------------

int
authorize_seen (MDB_txn *txn, const retstore_dbs_t *dbs, authorize_job_t *job)
{
    if (job->idem[0]) {
        MDB_val id;
        int rc = store_get (txn, dbs->idem_keys, job->idem, strlen (job->idem), &id);
        if (rc == 0 && id.mv_size <= RETSTORE_ID_MAX) {
            memcpy (job->return_id, id.mv_data, id.mv_size);
            job->return_id[id.mv_size] = '\0';
        }
        else if (rc != RM_ENOTFOUND)
            return rc == 0 ? RM_ESTORE : rc;
    }
    MDB_val sha;
    int rc = store_get (txn, dbs->requests, job->return_id, strlen (job->return_id), &sha);
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    job->replay = true;
    job->conflict = sha.mv_size != SHA256_LEN || !sha256_equal_ct (sha.mv_data, job->sha, SHA256_LEN);
    if (job->conflict)
        return 0;
    retrec_free (&job->ret);
    rc = retrec_load (txn, dbs, job->return_id, &job->ret);
    return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
}

//  Stores the decided return with what makes a resend find it, and its event.
static int
s_store (MDB_txn *txn, const retstore_dbs_t *dbs, authorize_job_t *job)
{
    size_t id_len = strlen (job->return_id);
    int rc = retrec_create (txn, dbs, &job->ret);
    if (rc == 0)
        rc = rtstats_status (txn, dbs, NULL, job->ret.status);
    if (rc == 0)
        rc = store_put (txn, dbs->requests, job->return_id, id_len, job->sha, SHA256_LEN, 0);
    if (rc == 0 && job->idem[0])
        rc = store_put (txn, dbs->idem_keys, job->idem, strlen (job->idem), job->return_id, id_len, 0);
    if (rc == 0 && job->decision == 0) {
        uint8_t key[RETSTORE_EXPIRY_KEY_MAX];
        size_t klen = retstore_expiry_key (job->ret.expires_at, job->return_id, key);
        rc = store_put (txn, dbs->expiry, key, klen, "", 0, 0);
    }
    if (rc == 0)
        retrec_emit (job->svc, &job->ret, job->decision == 0 ? "returns.return.authorized" : "returns.return.rejected",
                     job->cid, job->caller);
    return rc;
}

int
authorize_write (MDB_txn *txn, authorize_job_t *job)
{
    retstore_dbs_t dbs = retstore_dbs_of (job->svc);
    //  a request with the same ID may have been decided since this one was checked
    int rc = authorize_seen (txn, &dbs, job);
    if (rc != 0 || job->replay)
        return rc;
    int64_t *committed = (int64_t *) calloc (CATALOG_MAX_LINES, sizeof *committed);
    if (!committed)
        return RM_ENOMEM;
    size_t returns = 0;
    rc = retrec_committed (txn, &dbs, job->order->order_id, committed, &returns);
    //  GET /v1/orders/{id}/returns answers them all: one more would not fit
    if (rc == 0 && returns >= RETURNS_PER_ORDER_MAX)
        rc = RM_EBUSY;
    retrec_free (&job->ret);
    snprintf (job->ret.return_id, sizeof job->ret.return_id, "%s", job->return_id);
    if (rc == 0)
        rc = job->decision = authorize_decide (job->in, job->order, committed, job->opts, job->now, &job->ret);
    free (committed);
    if (rc == RM_EINVAL)
        rc = 0;
    job->ret.created = true;
    return rc == 0 ? s_store (txn, &dbs, job) : rc;
}

//  ---- the handler -----------------------------------------------------------

typedef struct {
    request_t *req;
    char cid[ENVELOPE_CID_MAX], caller[ENVELOPE_CALLER_MAX];
    returns_authorize_request_t in;
    orders_returnable_t order;
    authorize_job_t job;
    int waiting;                           //  answers still to come
    int order_err, location_err;
    char order_message[AUTHORIZE_MESSAGE_MAX];
} s_ctx_t;

static void
s_free (s_ctx_t *ctx)
{
    record_free (returns_authorize_request_fields, &ctx->in);
    record_free (orders_returnable_fields, &ctx->order);
    retrec_free (&ctx->job.ret);
    free (ctx);
}

//  The answer to a request the store already knew, or to one decided now.
static void
s_reply (s_ctx_t *ctx)
{
    const retrec_t *ret = &ctx->job.ret;
    if (ctx->job.conflict)
        request_reply_error (ctx->req, RM_ECONFLICT, ctx->in.return_id[0] ? "/return_id" : NULL,
                             "return %s was requested before with another body", ctx->job.return_id);
    else if (strcmp (ret->status, "rejected") == 0)
        authorize_reply_rejected (ctx->req, ret);
    else
        record_pack (retrec_authorize_reply_fields, ret, request_reply_ok (ctx->req));
}

static int
s_write (MDB_txn *txn, void *arg)
{
    return authorize_write (txn, &((s_ctx_t *) arg)->job);
}

static void
s_finish (s_ctx_t *ctx)
{
    const char *peer = ctx->order_err ? "orders" : "inventory";
    int err = ctx->order_err ? ctx->order_err : ctx->location_err;
    if (err == RM_ENOTFOUND && ctx->order_err)
    {
        if (ctx->in.order_id[0])
            request_reply_error (ctx->req, err, "/order_id", "no order %s", ctx->in.order_id);
        else
            request_reply_error (ctx->req, err, "/external_id", "no order with channel %s and external_id %s",
                                 ctx->in.channel, ctx->in.external_id);
    }
    else if (err == RM_ENOTFOUND)
        request_reply_error (ctx->req, err, "/return_location", "no location %s", ctx->in.return_location);
    else if (err == RM_ETIMEOUT || err == RM_EUNAVAIL)
        request_reply_error (ctx->req, RM_EUNAVAIL, NULL, "%s %s; return %s was not decided", peer,
                             err == RM_ETIMEOUT ? "did not answer in time" : "cannot be reached", ctx->job.return_id);
    else if (err)
        request_reply_error (ctx->req, err, NULL, "%s refused: %s", peer,
                             ctx->order_err && ctx->order_message[0] ? ctx->order_message : rm_strerror (err));
    if (err) {
        s_free (ctx);
        return;
    }
    ctx->job.order = &ctx->order;
    ctx->job.now = clock_now_ms ();
    int rc = service_write (ctx->job.svc, s_write, ctx);
    if (rc == RM_EBUSY)
        request_reply_error (ctx->req, RM_ECONFLICT, "/order_id", "order %s has %d returns, the most one order "
                             "takes; return %s was not stored", ctx->order.order_id, RETURNS_PER_ORDER_MAX,
                             ctx->job.return_id);
    else if (rc != 0)
        request_reply_error (ctx->req, rc, NULL, "return %s was not decided: %s", ctx->job.return_id,
                             rm_strerror (rc));
    else {
        if (!ctx->job.replay)
            log_info (ctx->cid, "return %s of order %s %s", ctx->job.return_id, ctx->job.ret.order_id,
                      ctx->job.ret.status);
        s_reply (ctx);
    }
    s_free (ctx);
}

static void
s_order_answered (void *arg, int err, const envelope_t *reply)
{
    s_ctx_t *ctx = (s_ctx_t *) arg;
    int rc = rpc_client_answer (err, reply);
    if (rc != 0 && rc != RM_ETIMEOUT && rc != RM_EUNAVAIL)
        mp_get_str (&reply->body, "message", ctx->order_message, sizeof ctx->order_message);
    proto_error_t bad = {0};
    if (rc == 0 && catalog_validate (orders_returnable_fields, &reply->body, &bad) != 0) {
        log_error (ctx->cid, "orders.returnable answered a body that is not its catalogue's: %s %s", bad.field,
                   bad.message);
        rc = RM_EPROTO;
    }
    if (rc == 0)
        rc = record_decode (orders_returnable_fields, &reply->body, &ctx->order);
    ctx->order_err = rc;
    if (--ctx->waiting == 0)
        s_finish (ctx);
}

static void
s_location_answered (void *arg, int err, const envelope_t *reply)
{
    s_ctx_t *ctx = (s_ctx_t *) arg;
    ctx->location_err = rpc_client_answer (err, reply);
    if (--ctx->waiting == 0)
        s_finish (ctx);
}

static int
s_call (s_ctx_t *ctx, const char *peer, const char *op, const field_spec_t *fields, const void *body,
        rpc_client_fn *fn)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fields, body, &pk);
    service_t *svc = ctx->job.svc;
    int rc = service_call (svc, peer, op, ctx->cid, NULL, service_call_timeout (svc), buf.data, buf.size, fn, ctx);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  Asks orders and inventory at once; each answer (or a call that could
//  not be sent) counts down ctx->waiting, and the last one decides.
static void
s_ask (s_ctx_t *ctx)
{
    orders_returnable_request_t order = {0};
    snprintf (order.order_id, sizeof order.order_id, "%s", ctx->in.order_id);
    if (!ctx->in.order_id[0]) {
        snprintf (order.channel, sizeof order.channel, "%s", ctx->in.channel);
        snprintf (order.external_id, sizeof order.external_id, "%s", ctx->in.external_id);
    }
    inventory_location_get_request_t location = {0};
    snprintf (location.location, sizeof location.location, "%s", ctx->in.return_location);
    ctx->waiting = 2;
    request_defer (ctx->req);
    if (s_call (ctx, "orders", "orders.returnable", orders_returnable_request_fields, &order, s_order_answered) != 0)
        s_order_answered (ctx, RM_EUNAVAIL, NULL);
    if (s_call (ctx, "inventory", "inventory.location.get", inventory_location_get_request_fields, &location,
                s_location_answered)
        != 0)
        s_location_answered (ctx, RM_EUNAVAIL, NULL);
}

int
authorize_handle (service_t *svc, request_t *req)
{
    s_ctx_t *ctx = (s_ctx_t *) calloc (1, sizeof *ctx);
    if (!ctx)
        return RM_ENOMEM;
    ctx->req = req;
    snprintf (ctx->cid, sizeof ctx->cid, "%s", request_cid (req));
    snprintf (ctx->caller, sizeof ctx->caller, "%s", request_caller (req));
    authorize_job_t *job = &ctx->job;
    *job = (authorize_job_t) {.svc = svc, .in = &ctx->in, .opts = (const retopts_t *) service_state (svc),
                              .cid = ctx->cid, .caller = ctx->caller};
    int rc = record_decode (returns_authorize_request_fields, request_body (req), &ctx->in);
    char field[AUTHORIZE_FIELD_MAX] = "", message[AUTHORIZE_MESSAGE_MAX] = "";
    if (rc == 0 && authorize_check (&ctx->in, field, message) != 0) {
        request_reply_error (req, RM_EINVAL, field, "%s", message);
        s_free (ctx);
        return 0;
    }
    sha256_canonical (request_body (req), job->sha);
    if (!ctx->in.return_id[0])
        snprintf (job->idem, sizeof job->idem, "%s", request_idem (req));
    if (ctx->in.return_id[0])
        snprintf (job->return_id, sizeof job->return_id, "%s", ctx->in.return_id);
    else
        uuid_new_str (job->return_id);
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    if (rc == 0 && (rc = service_read_txn (svc, &txn)) == 0)
        rc = authorize_seen (txn, &dbs, job);
    if (rc == 0 && job->replay) {
        s_reply (ctx);
        s_free (ctx);
        return 0;
    }
    if (rc == 0) {
        s_ask (ctx);
        return 0;
    }
    s_free (ctx);
    return rc;
}
