#include "returnable.h"
#include "err.h"
#include "tracking.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

int
orders_returnable_of (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count,
                      orders_returnable_t *out)
{
    snprintf (out->order_id, sizeof out->order_id, "%s", order->order_id);
    snprintf (out->external_id, sizeof out->external_id, "%s", order->external_id);
    snprintf (out->channel, sizeof out->channel, "%s", order->channel);
    snprintf (out->account_id, sizeof out->account_id, "%s", order->account_id);
    snprintf (out->currency, sizeof out->currency, "%s", order->currency);
    snprintf (out->status, sizeof out->status, "%s", order->status);
    orders_status_line_t *known = (orders_status_line_t *) calloc (order->lines_count, sizeof *known);
    out->lines = (orders_returnable_line_t *) calloc (order->lines_count, sizeof *out->lines);
    if (!known || !out->lines) {
        free (known);
        return RM_ENOMEM;
    }
    out->lines_count = order->lines_count;
    orders_tracking_lines (order, fulfilments, count, known);
    for (size_t i = 0; i < order->lines_count; i++) {
        orders_returnable_line_t *to = &out->lines[i];
        to->line = (int64_t) i;
        snprintf (to->sku, sizeof to->sku, "%s", order->lines[i].sku);
        to->quantity = order->lines[i].quantity;
        to->unit_price = order->lines[i].unit_price;
        to->shipped = known[i].shipped;
        to->delivered = known[i].delivered;
        to->cancelled = order->lines[i].cancelled;
        to->returned = order->lines[i].returned;
    }
    free (known);
    for (size_t f = 0; f < count; f++)
        for (size_t l = 0; l < fulfilments[f].lines_count; l++) {
            const orders_fulfilment_line_t *from = &fulfilments[f].lines[l];
            if (from->line < 0 || (size_t) from->line >= order->lines_count)
                continue;
            orders_returnable_line_t *to = &out->lines[from->line];
            int64_t as_of = fulfilments[f].as_of;
            if (from->shipped > 0 && (!to->has_shipped_at || as_of > to->shipped_at)) {
                to->shipped_at = as_of;
                to->has_shipped_at = true;
            }
            if (from->delivered > 0 && (!to->has_delivered_at || as_of > to->delivered_at)) {
                to->delivered_at = as_of;
                to->has_delivered_at = true;
            }
        }
    return 0;
}

//  The order the request names, into found, and what to call it in a
//  not_found answer. Returns 0, RM_EINVAL (answered), RM_ENOTFOUND or a
//  store error.
static int
s_find (service_t *svc, request_t *req, MDB_txn *txn, orders_returnable_request_t *in, orders_found_t *found,
        char *what, size_t size)
{
    orders_dbs_t dbs = orders_dbs_of (svc);
    if (*in->order_id) {
        uint8_t id[16];
        snprintf (what, size, "%s", in->order_id);
        return uuid_parse (in->order_id, id) != 0 ? RM_ENOTFOUND : orders_load (txn, &dbs, id, found);
    }
    if (!*in->channel || !*in->external_id)
        return request_reply_error (req, RM_EINVAL, *in->channel ? "/external_id" : "/order_id",
                                    "%s", *in->channel ? "external_id is required with channel"
                                                       : "order_id, or channel and external_id, is required");
    orders_channel_normalise (in->channel);
    snprintf (what, size, "with channel %s and external_id %s", in->channel, in->external_id);
    int rc = orders_find_submission (txn, &dbs, in->channel, in->external_id, NULL, NULL, found);
    return rc == 0 && !found->found ? RM_ENOTFOUND : rc;
}

int
orders_returnable_handle (service_t *svc, request_t *req)
{
    orders_returnable_request_t in = {0};
    char what[sizeof in.channel + sizeof in.external_id + 40] = "";
    orders_found_t found = {0};
    MDB_txn *txn = NULL;
    int rc = record_decode (orders_returnable_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    rc = s_find (svc, req, txn, &in, &found, what, sizeof what);
    if (rc == RM_EINVAL)
        return 0;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    orders_order_t order = {0};
    orders_status_t known = {0};
    orders_returnable_t reply = {0};
    if (rc == 0)
        rc = orders_decode (&found.order, &unpacked, &order);
    //  a pending order (a store from before two-commit submissions) is not one yet
    if (rc == 0 && strcmp (order.status, "pending") == 0)
        rc = RM_ENOTFOUND;
    orders_dbs_t dbs = orders_dbs_of (svc);
    if (rc == 0)
        rc = orders_tracking_load (txn, &dbs, found.order_id, &known.fulfillments, &known.fulfillments_count);
    if (rc == 0)
        rc = orders_returnable_of (&order, known.fulfillments, known.fulfillments_count, &reply);
    if (rc == 0)
        record_pack (orders_returnable_fields, &reply, request_reply_ok (req));
    else if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "no order %s", what);
    record_free (orders_status_fields, &known);
    record_free (orders_returnable_fields, &reply);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc == RM_ENOTFOUND ? 0 : rc;
}
