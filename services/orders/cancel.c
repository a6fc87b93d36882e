#include "cancel.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "sha256.h"
#include "tracking.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

int
orders_cancel_check (const orders_order_t *order, const orders_cancel_request_t *in, char *field,
                     size_t field_size, char *message, size_t message_size)
{
    if (strcmp (order->status, "pending") == 0)
        return RM_EBUSY;
    if (strcmp (order->status, "cancelled") == 0)
        return 1;
    for (size_t i = 0; i < in->lines_count; i++) {
        const orders_cancel_line_t *ask = &in->lines[i];
        bool twice = false;
        for (size_t j = 0; j < i; j++)
            twice = twice || in->lines[j].line == ask->line;
        if (ask->line >= (int64_t) order->lines_count || twice) {
            snprintf (field, field_size, "/lines/%zu/line", i);
            if (twice)
                snprintf (message, message_size, "line %lld is named twice", (long long) ask->line);
            else
                snprintf (message, message_size, "the order has no line %lld (it has %zu)", (long long) ask->line,
                          order->lines_count);
            return RM_EINVAL;
        }
        const orders_line_t *line = &order->lines[ask->line];
        int64_t left = line->quantity - line->cancelled;
        if (ask->quantity > left) {
            snprintf (field, field_size, "/lines/%zu/quantity", i);
            snprintf (message, message_size, "line %lld has %lld units left to cancel (asked %lld)",
                      (long long) ask->line, (long long) left, (long long) ask->quantity);
            return RM_EINVAL;
        }
    }
    return 0;
}

int
orders_cancel_units (const orders_order_t *order, const fulfillment_cancel_reply_t *reply, int64_t *per_line,
                     orders_lines_cancelled_event_t *event)
{
    for (size_t i = 0; i < reply->cancelled_count; i++) {
        const fulfillment_cancelled_t *at = &reply->cancelled[i];
        for (size_t l = 0; l < at->lines_count; l++) {
            const fulfillment_cancelled_line_t *from = &at->lines[l];
            if (from->line < 0 || from->line >= (int64_t) order->lines_count
                || strcmp (order->lines[from->line].sku, from->sku) != 0)
                return RM_EINVAL;
            per_line[from->line] += from->quantity;
            orders_line_cancelled_t *to =
                (orders_line_cancelled_t *) record_push (&event->lines, &event->lines_count, sizeof *to);
            if (!to)
                return RM_ENOMEM;
            to->line = from->line;
            to->quantity = from->quantity;
            snprintf (to->sku, sizeof to->sku, "%s", from->sku);
            snprintf (to->location, sizeof to->location, "%s", at->location);
        }
    }
    for (size_t i = 0; i < order->lines_count; i++)
        if (per_line[i] > order->lines[i].quantity - order->lines[i].cancelled)
            return RM_EINVAL;
    return 0;
}

//  ---------------------------------------------------------------------
//  the stored order

//  The order as now stored, into out.
static int
s_copy_stored (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], msgpack_sbuffer *out)
{
    orders_found_t found;
    int rc = orders_load (txn, dbs, order_id, &found);
    msgpack_sbuffer_clear (out);
    if (rc == 0)
        msgpack_sbuffer_write (out, found.order.mv_data, found.order.mv_size);
    return rc;
}

int
orders_cancel_lines_apply (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                           const int64_t *per_line, size_t count, const char *reason, const char *cid,
                           const char *caller, msgpack_sbuffer *order)
{
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t before = {0};
    int rc = orders_load_decoded (txn, dbs, order_id, &found, &unpacked, &before);
    if (rc == 0 && count != before.lines_count)
        rc = RM_EINVAL;
    int64_t units = 0;
    int64_t *cancelled = rc == 0 ? (int64_t *) calloc (count, sizeof *cancelled) : NULL;
    if (rc == 0 && !cancelled)
        rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (per_line[i] < 0 || per_line[i] > before.lines[i].quantity - before.lines[i].cancelled)
            rc = RM_EINVAL;
        units += per_line[i];
        cancelled[i] = before.lines[i].cancelled + per_line[i];
    }
    if (rc == 0)
        rc = orders_replace_line_counts (txn, dbs, order_id, &found, &unpacked.data, "cancelled", cancelled);
    free (cancelled);
    char status[ORDERS_STATUS_SIZE] = "";
    if (rc == 0)
        rc = orders_tracking_sync (txn, dbs, order_id, "orders.order.lines_cancelled", cid, caller, status);
    //  the history says why, when the status stayed too
    if (rc == 0 && strcmp (status, before.status) == 0) {
        char why[256];
        snprintf (why, sizeof why, "%s%s%lld units cancelled", reason && *reason ? reason : "",
                  reason && *reason ? ": " : "", (long long) units);
        rc = orders_history_add (txn, dbs, order_id, status, "orders.order.lines_cancelled", cid, caller, why);
    }
    if (rc == 0)
        rc = s_copy_stored (txn, dbs, order_id, order);
    record_free (orders_order_fields, &before);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

static void
s_seen_key (uint8_t key[48], const uint8_t order_id[16], const char *text)
{
    memcpy (key, order_id, 16);
    sha256 (text, strlen (text), key + 16);
}

int
orders_cancel_seen (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *key)
{
    uint8_t k[48];
    s_seen_key (k, order_id, key);
    MDB_val val;
    int rc = store_get (txn, dbs->cancels, k, sizeof k, &val);
    return rc == 0 ? 1 : rc == RM_ENOTFOUND ? 0 : rc;
}

int
orders_cancel_mark (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *key)
{
    uint8_t k[48];
    s_seen_key (k, order_id, key);
    return store_put (txn, dbs->cancels, k, sizeof k, "", 0, 0);
}

//  ---------------------------------------------------------------------
//  orders.cancel

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t id[16];
    orders_cancel_request_t in;
    char cid[ENVELOPE_CID_MAX];
    char caller[ENVELOPE_CALLER_MAX];
    char key[ENVELOPE_IDEM_MAX + 8];   //  a partial cancel's: Idempotency-Key, else "cid:" and the correlation ID
    fulfillment_cancel_reply_t answer;
    bool changed;
    msgpack_sbuffer order;             //  the order as it is now stored
} cancel_t;

static void
s_free (cancel_t **ctx_p)
{
    cancel_t *ctx = *ctx_p;
    if (!ctx)
        return;
    record_free (orders_cancel_request_fields, &ctx->in);
    record_free (fulfillment_cancel_reply_fields, &ctx->answer);
    msgpack_sbuffer_destroy (&ctx->order);
    free (ctx);
    *ctx_p = NULL;
}

//  The stored map with status cancelled, the time and the reason.
static void
s_pack_cancelled (msgpack_packer *pk, const msgpack_object *stored, const char *reason)
{
    const msgpack_object_map *map = &stored->via.map;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < map->size; i++)
        kept += !mp_str_eq (&map->ptr[i].key, "status");
    msgpack_pack_map (pk, kept + (*reason ? 3 : 2));
    for (uint32_t i = 0; i < map->size; i++)
        if (!mp_str_eq (&map->ptr[i].key, "status")) {
            mp_pack_object (pk, &map->ptr[i].key);
            mp_pack_object (pk, &map->ptr[i].val);
        }
    mp_pack_kv_str (pk, "status", "cancelled");
    mp_pack_kv_int (pk, "cancelled_at", clock_now_ms ());
    if (*reason)
        mp_pack_kv_str (pk, "cancel_reason", reason);
}

//  The whole order: cancelled, with orders.order.cancelled (the order as
//  it was stored before, and why).
static int
s_whole_write (MDB_txn *txn, void *arg)
{
    cancel_t *ctx = (cancel_t *) arg;
    orders_dbs_t dbs = orders_dbs_of (ctx->svc);
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    int rc = orders_load_decoded (txn, &dbs, ctx->id, &found, &unpacked, &order);
    msgpack_sbuffer_clear (&ctx->order);
    if (rc == 0 && strcmp (order.status, "cancelled") == 0)
        msgpack_sbuffer_write (&ctx->order, found.order.mv_data, found.order.mv_size);
    else if (rc == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &ctx->order, msgpack_sbuffer_write);
        s_pack_cancelled (&pk, &unpacked.data, ctx->in.reason);
        rc = orders_replace (txn, &dbs, ctx->id, found.hash, ctx->order.data, ctx->order.size);
        if (rc == 0)
            rc = orders_history_add (txn, &dbs, ctx->id, "cancelled", "orders.order.cancelled", ctx->cid, ctx->caller,
                                     ctx->in.reason);
        orders_cancelled_event_t event = {0};
        snprintf (event.reason, sizeof event.reason, "%s", ctx->in.reason);
        if (rc == 0)
            rc = orders_pack_stored (service_event_for (ctx->svc, "orders.order.cancelled", ctx->cid, ctx->caller),
                                     &unpacked.data, orders_cancelled_event_fields, orders_cancelled_event_fields,
                                     &event);
        ctx->changed = rc == 0;
    }
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  Some units: the lines' cancelled grow, with orders.order.lines_cancelled.
static int
s_lines_write (MDB_txn *txn, void *arg)
{
    cancel_t *ctx = (cancel_t *) arg;
    orders_dbs_t dbs = orders_dbs_of (ctx->svc);
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    orders_lines_cancelled_event_t event = {0};
    int64_t *per_line = NULL;
    int rc = orders_load_decoded (txn, &dbs, ctx->id, &found, &unpacked, &order);
    if (rc == 0 && !(per_line = (int64_t *) calloc (order.lines_count, sizeof *per_line)))
        rc = RM_ENOMEM;
    if (rc == 0)
        rc = orders_cancel_units (&order, &ctx->answer, per_line, &event);
    if (rc == RM_EINVAL)
        log_error (ctx->cid, "order %s: fulfillment cancelled units the order does not have left; nothing changed",
                   order.order_id);
    //  a cancelled order, or fulfillment found nothing left to cancel
    bool nothing = rc == 0 && (strcmp (order.status, "cancelled") == 0 || event.lines_count == 0);
    if (rc == 0 && nothing)
        rc = s_copy_stored (txn, &dbs, ctx->id, &ctx->order);
    else if (rc == 0)
        rc = orders_cancel_lines_apply (txn, &dbs, ctx->id, per_line, order.lines_count, ctx->in.reason, ctx->cid,
                                        ctx->caller, &ctx->order);
    if (rc == 0 && !nothing) {
        snprintf (event.order_id, sizeof event.order_id, "%s", order.order_id);
        snprintf (event.external_id, sizeof event.external_id, "%s", order.external_id);
        snprintf (event.channel, sizeof event.channel, "%s", order.channel);
        snprintf (event.reason, sizeof event.reason, "%s", ctx->in.reason);
        record_pack (orders_lines_cancelled_event_fields, &event,
                     service_event_for (ctx->svc, "orders.order.lines_cancelled", ctx->cid, ctx->caller));
    }
    if (rc == 0)
        rc = orders_cancel_mark (txn, &dbs, ctx->id, ctx->key);
    ctx->changed = rc == 0 && !nothing;
    free (per_line);
    record_free (orders_lines_cancelled_event_fields, &event);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  The fulfilments of the order orders knows to have left, for the
//  details of a conflict: {fulfillment_id} each (list: record_free it).
static int
s_shipped (cancel_t *ctx, orders_status_t *known)
{
    MDB_txn *txn;
    orders_dbs_t dbs = orders_dbs_of (ctx->svc);
    int rc = service_read_txn (ctx->svc, &txn);
    if (rc == 0)
        rc = orders_tracking_load (txn, &dbs, ctx->id, &known->fulfillments, &known->fulfillments_count);
    size_t left = 0;
    for (size_t i = 0; rc == 0 && i < known->fulfillments_count; i++) {
        const char *status = known->fulfillments[i].status;
        if (strcmp (status, "shipped") == 0 || strcmp (status, "delivered") == 0)
            known->fulfillments[left++] = known->fulfillments[i];
        else
            record_free (orders_fulfilment_fields, &known->fulfillments[i]);
    }
    known->fulfillments_count = rc == 0 ? left : known->fulfillments_count;
    return rc;
}

//  Passes fulfillment's refusal on: its message (a conflict's names the
//  shipped fulfilments) and field, which points into its request's lines,
//  orders' own; a conflict's details are the fulfilments orders knows to
//  have shipped.
static void
s_forward (cancel_t *ctx, int code, const envelope_t *reply)
{
    char field[128] = "", message[256] = "fulfillment refused the cancellation";
    mp_get_str (&reply->body, "field", field, sizeof field);
    mp_get_str (&reply->body, "message", message, sizeof message);
    bool ours = strncmp (field, "/lines", 6) == 0;
    orders_status_t known = {0};
    if (code == RM_ECONFLICT && s_shipped (ctx, &known) != 0)
        known.fulfillments_count = 0;
    msgpack_packer *pk = request_reply_error_details (ctx->req, code, ours ? field : NULL, message,
                                                      known.fulfillments_count);
    for (size_t i = 0; i < known.fulfillments_count; i++) {
        msgpack_pack_map (pk, 1);
        mp_pack_kv_str (pk, "fulfillment_id", known.fulfillments[i].fulfillment_id);
    }
    record_free (orders_status_fields, &known);
}

static void
s_answered (void *arg, int err, const envelope_t *reply)
{
    cancel_t *ctx = (cancel_t *) arg;
    const char *text = ctx->in.order_id;
    int rc = rpc_client_answer (err, reply);
    if (rc == RM_ETIMEOUT || rc == RM_EUNAVAIL)
        request_reply_error (ctx->req, RM_EUNAVAIL, NULL, "fulfillment %s; order %s was not cancelled",
                             rc == RM_ETIMEOUT ? "did not answer in time" : "cannot be reached", text);
    else if (rc != 0) {
        if (rc == RM_ECONFLICT)
            log_info (ctx->cid, "order %s not cancelled: a fulfilment of it has shipped", text);
        s_forward (ctx, rc, reply);
    }
    if (rc != 0) {
        s_free (&ctx);
        return;
    }
    int decoded = record_decode (fulfillment_cancel_reply_fields, &reply->body, &ctx->answer);
    rc = decoded != 0 ? RM_EPROTO : service_write (ctx->svc, ctx->in.lines_count ? s_lines_write : s_whole_write, ctx);
    if (rc == RM_ENOTFOUND)
        request_reply_error (ctx->req, rc, NULL, "no order %s", text);
    else if (rc != 0)
        request_reply_error (ctx->req, rc, NULL, "order %s was not cancelled: %s", text, rm_strerror (rc));
    else {
        if (ctx->changed)
            log_info (ctx->cid, "order %s: %s%s%s", text, ctx->in.lines_count ? "units cancelled" : "cancelled",
                      *ctx->in.reason ? ": " : "", ctx->in.reason);
        MDB_val order = {ctx->order.size, ctx->order.data};
        orders_reply_cancelled (ctx->req, &order, ctx->changed);
    }
    s_free (&ctx);
}

//  Asks fulfillment, at once (the call acts on nothing this turn wrote).
static int
s_ask (cancel_t *ctx)
{
    fulfillment_cancel_request_t ask = {.lines_count = ctx->in.lines_count};
    snprintf (ask.order_id, sizeof ask.order_id, "%s", ctx->in.order_id);
    ask.lines = ctx->in.lines_count ? (fulfillment_cancel_line_t *) calloc (ctx->in.lines_count, sizeof *ask.lines)
                                    : NULL;
    if (ctx->in.lines_count && !ask.lines)
        return RM_ENOMEM;
    for (size_t i = 0; i < ctx->in.lines_count; i++)
        ask.lines[i] = (fulfillment_cancel_line_t) {.line = ctx->in.lines[i].line, .quantity = ctx->in.lines[i].quantity};
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    record_pack (fulfillment_cancel_request_fields, &ask, &pk);
    free (ask.lines);
    int64_t deadline = clock_mono_ms () + orders_call_timeout (ctx->svc, ctx->req);
    request_defer (ctx->req);
    const char *idem = request_idem (ctx->req);
    if (rpc_client_send_as (service_peer (ctx->svc, "fulfillment"), "fulfillment.cancel", ctx->cid,
                            *idem ? idem : NULL, ctx->caller, deadline, body.data, body.size, s_answered, ctx)
        != 0)
        s_answered (ctx, RM_EUNAVAIL, NULL);
    msgpack_sbuffer_destroy (&body);
    return 0;
}

//  Whether the request can be answered from the stored order alone: 1
//  when it was (nothing to do, or refused), 0 when fulfillment is to be
//  asked, or an error for the runtime to answer.
static int
s_answer_here (cancel_t *ctx, MDB_txn *txn)
{
    orders_dbs_t dbs = orders_dbs_of (ctx->svc);
    orders_found_t found;
    int rc = orders_load (txn, &dbs, ctx->id, &found);
    if (rc == RM_ENOTFOUND) {
        request_reply_error (ctx->req, rc, NULL, "no order %s", ctx->in.order_id);
        return 1;
    }
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    char field[64] = "", message[160] = "";
    rc = orders_decode (&found.order, &unpacked, &order);
    if (rc == 0)
        rc = orders_cancel_check (&order, &ctx->in, field, sizeof field, message, sizeof message);
    if (rc == 0 && ctx->in.lines_count && orders_cancel_seen (txn, &dbs, ctx->id, ctx->key) == 1)
        rc = 1;
    if (rc == RM_EBUSY)
        request_reply_error (ctx->req, rc, NULL, "order %s is still being submitted; retry shortly", ctx->in.order_id);
    else if (rc == RM_EINVAL)
        request_reply_error (ctx->req, rc, field, "%s", message);
    else if (rc == 1)
        orders_reply_cancelled (ctx->req, &found.order, false);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc == RM_EBUSY || rc == RM_EINVAL ? 1 : rc;
}

int
orders_cancel_handle (service_t *svc, request_t *req)
{
    cancel_t *ctx = (cancel_t *) calloc (1, sizeof *ctx);
    if (!ctx)
        return RM_ENOMEM;
    ctx->svc = svc;
    ctx->req = req;
    msgpack_sbuffer_init (&ctx->order);
    snprintf (ctx->cid, sizeof ctx->cid, "%s", request_cid (req));
    snprintf (ctx->caller, sizeof ctx->caller, "%s", request_caller (req));
    const char *idem = request_idem (req);
    if (*idem)
        snprintf (ctx->key, sizeof ctx->key, "%s", idem);
    else
        snprintf (ctx->key, sizeof ctx->key, "cid:%s", ctx->cid);
    MDB_txn *txn;
    int rc = record_decode (orders_cancel_request_fields, request_body (req), &ctx->in);
    if (rc == 0 && uuid_parse (ctx->in.order_id, ctx->id) != 0) {
        request_reply_error (req, RM_ENOTFOUND, NULL, "no order %s", ctx->in.order_id);
        rc = 1;
    }
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = s_answer_here (ctx, txn);
    //  once asked, the answer's callback owns ctx
    if (rc == 0 && (rc = s_ask (ctx)) == 0)
        return 0;
    s_free (&ctx);
    return rc == 1 ? 0 : rc;
}
