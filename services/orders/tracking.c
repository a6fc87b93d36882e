#include "tracking.h"
#include "catalog_fulfillment.h"
#include "clock.h"
#include "err.h"
#include "invoice.h"
#include "log.h"
#include "mp.h"
#include "stale.h"
#include "storeval.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

#define AGE_STATUS_MAX 16
//  "<status>\0", as_of, order ID, fulfilment ID
#define AGE_KEY_MAX (AGE_STATUS_MAX + 1 + 8 + 16 + 16)

bool
orders_tracking_final (const char *status)
{
    return strcmp (status, "delivered") == 0 || strcmp (status, "cancelled") == 0;
}

static bool
s_left (const orders_fulfilment_t *f)
{
    return strcmp (f->status, "shipped") == 0 || strcmp (f->status, "delivered") == 0;
}

//  Whether every unit the order still wants (its lines less what it
//  cancelled) has left or fell short in a fulfilment that left: then no
//  more will ship, whatever fulfilments the read model still shows open
//  (their cancellation may not have arrived yet).
static bool
s_all_left (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count)
{
    for (size_t l = 0; l < order->lines_count; l++) {
        int64_t wanted = order->lines[l].quantity - order->lines[l].cancelled;
        for (size_t i = 0; i < count && wanted > 0; i++)
            for (size_t k = 0; s_left (&fulfilments[i]) && k < fulfilments[i].lines_count; k++)
                if (fulfilments[i].lines[k].line == (int64_t) l)
                    wanted -= fulfilments[i].lines[k].shipped + fulfilments[i].lines[k].shortfall;
        if (wanted > 0)
            return false;
    }
    return true;
}

const char *
orders_tracking_order_status (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count)
{
    if (strcmp (order->status, "pending") == 0 || strcmp (order->status, "cancelled") == 0)
        return strcmp (order->status, "pending") == 0 ? "pending" : "cancelled";
    int64_t wanted = 0;
    for (size_t i = 0; i < order->lines_count; i++)
        wanted += order->lines[i].quantity - order->lines[i].cancelled;
    if (wanted <= 0)
        return "cancelled";
    size_t left = 0, delivered = 0;
    for (size_t i = 0; i < count; i++) {
        if (strcmp (fulfilments[i].status, "exception") == 0)
            return "exception";
        left += s_left (&fulfilments[i]);
        delivered += strcmp (fulfilments[i].status, "delivered") == 0;
    }
    bool all_left = left > 0 && s_all_left (order, fulfilments, count);
    if (all_left && delivered == left)
        return "delivered";
    if (delivered > 0)
        return "partially_delivered";
    if (all_left)
        return "shipped";
    return left > 0 ? "partially_shipped" : "accepted";
}

void
orders_tracking_lines (const orders_order_t *order, const orders_fulfilment_t *fulfilments, size_t count,
                       orders_status_line_t *lines)
{
    for (size_t i = 0; i < order->lines_count; i++) {
        orders_status_line_t *to = &lines[i];
        to->line = (int64_t) i;
        snprintf (to->sku, sizeof to->sku, "%s", order->lines[i].sku);
        to->quantity = order->lines[i].quantity;
        to->cancelled = order->lines[i].cancelled;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t l = 0; l < fulfilments[i].lines_count; l++) {
            const orders_fulfilment_line_t *from = &fulfilments[i].lines[l];
            if (from->line < 0 || (size_t) from->line >= order->lines_count)
                continue;
            orders_status_line_t *to = &lines[from->line];
            to->shipped += from->shipped;
            to->delivered += from->delivered;
            to->shortfall += from->shortfall;
        }
}

//  ---------------------------------------------------------------------
//  the fulfilments and their age

static void
s_key (uint8_t key[32], const uint8_t order_id[16], const uint8_t fulfilment_id[16])
{
    memcpy (key, order_id, 16);
    memcpy (key + 16, fulfilment_id, 16);
}

static size_t
s_age_key (uint8_t key[AGE_KEY_MAX], const char *status, int64_t as_of, const uint8_t pair[32])
{
    size_t n = strnlen (status, AGE_STATUS_MAX);
    memcpy (key, status, n);
    key[n++] = '\0';
    store_key_u64 ((uint64_t) (as_of > 0 ? as_of : 0), key + n);
    memcpy (key + n + 8, pair, 32);
    return n + 8 + 32;
}

//  What a stored fulfilment says: its record (fields decoded into f when
//  not NULL) and the sequence number that set it.
static int
s_stored (const MDB_val *val, orders_fulfilment_t *f, uint64_t *seq)
{
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, ORDERS_RECORD_V, &unpacked);
    int64_t n = 0;
    if (rc == 0 && mp_get_int (&unpacked.data, "seq", &n) != 0)
        rc = RM_ESTORE;
    if (rc == 0 && f)
        rc = record_decode (orders_fulfilment_fields, &unpacked.data, f);
    msgpack_unpacked_destroy (&unpacked);
    *seq = (uint64_t) n;
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
orders_tracking_put (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                     const orders_fulfilment_t *fulfilment, uint64_t seq, bool *applied)
{
    uint8_t id[16], key[32], age[AGE_KEY_MAX];
    *applied = false;
    if (uuid_parse (fulfilment->fulfillment_id, id) != 0)
        return RM_EINVAL;
    s_key (key, order_id, id);
    MDB_val val;
    int rc = store_get (txn, dbs->fulfilments, key, sizeof key, &val);
    if (rc == 0) {
        orders_fulfilment_t before = {0};
        uint64_t stored_seq = 0;
        rc = s_stored (&val, &before, &stored_seq);
        if (rc == 0 && stored_seq >= seq) {
            record_free (orders_fulfilment_fields, &before);
            return 0;
        }
        if (rc == 0 && !orders_tracking_final (before.status)) {
            rc = store_del (txn, dbs->fulfilment_age, age, s_age_key (age, before.status, before.as_of, key));
            rc = rc == RM_ENOTFOUND ? 0 : rc;
        }
        record_free (orders_fulfilment_fields, &before);
    }
    else if (rc == RM_ENOTFOUND)
        rc = 0;
    if (rc != 0)
        return rc;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    //  the record's map with "seq" added: one map header more
    msgpack_sbuffer rec;
    msgpack_sbuffer_init (&rec);
    msgpack_packer rpk;
    msgpack_packer_init (&rpk, &rec, msgpack_sbuffer_write);
    record_pack (orders_fulfilment_fields, fulfilment, &rpk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    rc = msgpack_unpack_next (&unpacked, rec.data, rec.size, NULL) == MSGPACK_UNPACK_SUCCESS ? 0 : RM_EINTERNAL;
    if (rc == 0) {
        const msgpack_object_map *map = &unpacked.data.via.map;
        msgpack_pack_map (&pk, map->size + 1);
        for (uint32_t i = 0; i < map->size; i++) {
            mp_pack_object (&pk, &map->ptr[i].key);
            mp_pack_object (&pk, &map->ptr[i].val);
        }
        mp_pack_kv_int (&pk, "seq", (int64_t) seq);
        rc = storeval_put (txn, dbs->fulfilments, key, sizeof key, ORDERS_RECORD_V, buf.data, buf.size);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&rec);
    msgpack_sbuffer_destroy (&buf);
    if (rc == 0 && !orders_tracking_final (fulfilment->status))
        rc = store_put (txn, dbs->fulfilment_age, age, s_age_key (age, fulfilment->status, fulfilment->as_of, key),
                        "", 0, 0);
    *applied = rc == 0;
    return rc;
}

int
orders_tracking_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                      orders_fulfilment_t **items, size_t *count)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->fulfilments, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key = {16, (void *) order_id}, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size == 32 && memcmp (key.mv_data, order_id, 16) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        orders_fulfilment_t *item = (orders_fulfilment_t *) record_push (items, count, sizeof *item);
        uint64_t seq;
        rc = item ? s_stored (&val, item, &seq) : RM_ENOMEM;
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
orders_tracking_older (MDB_txn *txn, const orders_dbs_t *dbs, const char *status, int64_t before, int max,
                       void (*fn) (void *arg, const uint8_t order_id[16]), void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->fulfilment_age, &cursor) != 0)
        return RM_ESTORE;
    uint8_t first[AGE_KEY_MAX] = {0}, zero[32] = {0};
    size_t plen = s_age_key (first, status, 0, zero) - 8 - 32;
    MDB_val key = {plen + 8, first}, val;
    int walked = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         mrc == 0 && walked < max && key.mv_size == plen + 8 + 32 && memcmp (key.mv_data, first, plen) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        MDB_val at = {8, (uint8_t *) key.mv_data + plen};
        if ((int64_t) store_u64_of (&at) >= before)
            break;
        fn (arg, (const uint8_t *) key.mv_data + plen + 8);
        walked++;
    }
    mdb_cursor_close (cursor);
    return walked;
}

//  ---------------------------------------------------------------------
//  the stored order in step

//  The stored order map with status and each line's shipped and delivered
//  from lines.
static void
s_pack_synced (msgpack_packer *pk, const msgpack_object *order, const char *status,
               const orders_status_line_t *lines)
{
    const msgpack_object_map *map = &order->via.map;
    msgpack_pack_map (pk, map->size);
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object_kv *kv = &map->ptr[i];
        mp_pack_object (pk, &kv->key);
        if (mp_str_eq (&kv->key, "status"))
            mp_pack_str (pk, status);
        else if (!mp_str_eq (&kv->key, "lines"))
            mp_pack_object (pk, &kv->val);
        else {
            msgpack_pack_array (pk, kv->val.via.array.size);
            for (uint32_t l = 0; l < kv->val.via.array.size; l++) {
                const msgpack_object_map *line = &kv->val.via.array.ptr[l].via.map;
                uint32_t kept = 0;
                for (uint32_t k = 0; k < line->size; k++)
                    kept += !mp_str_eq (&line->ptr[k].key, "shipped") && !mp_str_eq (&line->ptr[k].key, "delivered");
                msgpack_pack_map (pk, kept + 2);
                for (uint32_t k = 0; k < line->size; k++)
                    if (!mp_str_eq (&line->ptr[k].key, "shipped") && !mp_str_eq (&line->ptr[k].key, "delivered")) {
                        mp_pack_object (pk, &line->ptr[k].key);
                        mp_pack_object (pk, &line->ptr[k].val);
                    }
                mp_pack_kv_int (pk, "shipped", lines[l].shipped);
                mp_pack_kv_int (pk, "delivered", lines[l].delivered);
            }
        }
    }
}

static bool
s_lines_differ (const orders_order_t *order, const orders_status_line_t *lines)
{
    for (size_t i = 0; i < order->lines_count; i++)
        if (order->lines[i].shipped != lines[i].shipped || order->lines[i].delivered != lines[i].delivered)
            return true;
    return false;
}

int
orders_tracking_sync (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *event,
                      const char *cid, const char *caller, char status[ORDERS_STATUS_SIZE])
{
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    orders_status_t known = {0};
    orders_status_line_t *lines = NULL;
    int rc = orders_load_decoded (txn, dbs, order_id, &found, &unpacked, &order);
    if (rc == 0)
        rc = orders_tracking_load (txn, dbs, order_id, &known.fulfillments, &known.fulfillments_count);
    if (rc == 0 && !(lines = (orders_status_line_t *) calloc (order.lines_count, sizeof *lines)))
        rc = RM_ENOMEM;
    const char *now = NULL;
    if (rc == 0) {
        orders_tracking_lines (&order, known.fulfillments, known.fulfillments_count, lines);
        now = orders_tracking_order_status (&order, known.fulfillments, known.fulfillments_count);
        if (status)
            snprintf (status, ORDERS_STATUS_SIZE, "%s", now);
    }
    bool moved = rc == 0 && strcmp (now, order.status) != 0;
    if (rc == 0 && (moved || s_lines_differ (&order, lines))) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init (&buf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        s_pack_synced (&pk, &unpacked.data, now, lines);
        rc = orders_replace (txn, dbs, order_id, found.hash, buf.data, buf.size);
        msgpack_sbuffer_destroy (&buf);
    }
    if (rc == 0 && moved)
        rc = orders_history_add (txn, dbs, order_id, now, event, cid, caller, NULL);
    free (lines);
    record_free (orders_status_fields, &known);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  ---------------------------------------------------------------------
//  fulfillment's events

//  The fulfilment as orders keeps it. A fulfilment reported delivered (a
//  delivery may arrive before its shipment, and then is all fulfillment
//  says) has its units delivered, and shipped, at least as the lines say.
static int
s_from_event (const fulfillment_event_t *in, orders_fulfilment_t *out)
{
    snprintf (out->fulfillment_id, sizeof out->fulfillment_id, "%s", in->fulfillment_id);
    snprintf (out->location, sizeof out->location, "%s", in->location);
    snprintf (out->status, sizeof out->status, "%s", in->status);
    snprintf (out->reason, sizeof out->reason, "%s", in->reason);
    snprintf (out->carrier, sizeof out->carrier, "%s", in->carrier);
    snprintf (out->tracking_number, sizeof out->tracking_number, "%s", in->tracking_number);
    snprintf (out->tracking_url, sizeof out->tracking_url, "%s", in->tracking_url);
    out->as_of = in->updated_at;
    out->has_as_of = true;
    bool delivered = strcmp (in->status, "delivered") == 0;
    for (size_t i = 0; i < in->lines_count; i++) {
        const fulfillment_line_t *from = &in->lines[i];
        orders_fulfilment_line_t *to =
            (orders_fulfilment_line_t *) record_push (&out->lines, &out->lines_count, sizeof *to);
        if (!to)
            return RM_ENOMEM;
        *to = (orders_fulfilment_line_t) {.line = from->line, .quantity = from->quantity, .shipped = from->shipped,
                                          .delivered = from->delivered, .shortfall = from->shortfall,
                                          .cancelled = from->cancelled, .has_cancelled = from->has_cancelled};
        snprintf (to->sku, sizeof to->sku, "%s", from->sku);
        if (delivered && to->delivered == 0 && to->shipped == 0)
            to->delivered = from->quantity - from->cancelled - from->shortfall;
        if (delivered && to->shipped < to->delivered)
            to->shipped = to->delivered;
    }
    return 0;
}

//  On a fulfilment that has left (shipped, or delivered before its
//  shipment came): its invoice, once, and orders.invoice.created.
static int
s_invoice (service_t *svc, MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
           const orders_fulfilment_t *fulfilment, const envelope_t *event)
{
    orders_found_t found;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    orders_invoice_t invoice = {0};
    int rc = orders_load_decoded (txn, dbs, order_id, &found, &unpacked, &order);
    if (rc == 0)
        rc = orders_invoice_bill (&order, fulfilment, clock_now_ms (), &invoice);
    bool created = false;
    if (rc == 0)
        rc = orders_invoice_issue (txn, dbs, &invoice, &created);
    if (rc == 0 && created) {
        record_pack (orders_invoice_fields, &invoice, service_event (svc, "orders.invoice.created", event->cid));
        log_info (event->cid, "order %s: invoice %s for fulfilment %s, %lld %s", order.order_id,
                  invoice.invoice_number, fulfilment->fulfillment_id, (long long) invoice.total, invoice.currency);
    }
    //  the fulfilment is recorded all the same: billing it is for a person
    else if (rc == RM_EINVAL)
        log_error (event->cid, "order %s: fulfilment %s ships lines the order does not have, or the total "
                   "overflows; no invoice", order.order_id, fulfilment->fulfillment_id);
    //  nothing left: nothing to bill
    if (rc == RM_ENOTFOUND || rc == RM_EINVAL)
        rc = 0;
    record_free (orders_invoice_fields, &invoice);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

int
orders_tracking_on_event (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    orders_dbs_t dbs = orders_dbs_of (svc);
    fulfillment_event_t in = {0};
    orders_fulfilment_t fulfilment = {0};
    uint8_t order_id[16];
    int rc = record_decode (fulfillment_event_fields, &event->body, &in);
    if (rc == 0 && uuid_parse (in.order_id, order_id) != 0)
        rc = RM_EINVAL;
    orders_found_t found;
    if (rc == 0)
        rc = orders_load (txn, &dbs, order_id, &found);
    if (rc == 0)
        rc = s_from_event (&in, &fulfilment);
    bool applied = false;
    if (rc == 0)
        rc = orders_tracking_put (txn, &dbs, order_id, &fulfilment, event->seq, &applied);
    char status[ORDERS_STATUS_SIZE] = "";
    if (rc == 0 && applied)
        rc = orders_tracking_sync (txn, &dbs, order_id, event->type, event->cid, event->caller, status);
    if (rc == 0 && applied && (strcmp (in.status, "shipped") == 0 || strcmp (in.status, "delivered") == 0))
        rc = s_invoice (svc, txn, &dbs, order_id, &fulfilment, event);
    if (rc == 0 && applied)
        log_info (event->cid, "order %s: fulfilment %s at %s is %s; the order is %s", in.order_id,
                  in.fulfillment_id, in.location, in.status, status);
    else if (rc == RM_ENOTFOUND)
        log_warn (event->cid, "%s for order %s, which orders does not have", event->type, in.order_id);
    record_free (orders_fulfilment_fields, &fulfilment);
    record_free (fulfillment_event_fields, &in);
    return rc;
}

//  ---------------------------------------------------------------------
//  orders.status and sys.health

//  How many fulfilments of each status sys.health looks at for its count.
#define HEALTH_STALE_MAX 10000

static orders_stale_t s_stale;

int
orders_tracking_start (service_t *svc)
{
    return orders_stale_configure (&s_stale, service_config (svc));
}

//  Seconds since orders was last caught up with fulfillment's events, or
//  nil when it has not heard from fulfillment since it started.
static msgpack_object
s_lag (service_t *svc, int64_t now)
{
    consumer_t *consumer = service_consumer_of (svc, "fulfillment");
    int64_t at = consumer ? consumer_caught_up_at (consumer) : 0;
    if (at <= 0)
        return (msgpack_object) {.type = MSGPACK_OBJECT_NIL};
    int64_t seconds = now > at ? (now - at) / 1000 : 0;
    return (msgpack_object) {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = (uint64_t) seconds};
}

static int
s_status_of (service_t *svc, MDB_txn *txn, const uint8_t order_id[16], const orders_order_t *order,
             orders_status_t *reply)
{
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = orders_tracking_load (txn, &dbs, order_id, &reply->fulfillments, &reply->fulfillments_count);
    if (rc != 0)
        return rc;
    if (!(reply->lines = (orders_status_line_t *) calloc (order->lines_count, sizeof *reply->lines)))
        return RM_ENOMEM;
    reply->lines_count = order->lines_count;
    orders_tracking_lines (order, reply->fulfillments, reply->fulfillments_count, reply->lines);
    snprintf (reply->order_id, sizeof reply->order_id, "%s", order->order_id);
    snprintf (reply->status, sizeof reply->status, "%s", order->status);
    int64_t now = clock_now_ms ();
    for (size_t i = 0; i < reply->fulfillments_count; i++) {
        orders_fulfilment_t *f = &reply->fulfillments[i];
        f->stale = orders_stale_is (&s_stale, f->status, f->as_of, now);
        reply->stale = reply->stale || f->stale;
        if (f->as_of > reply->as_of)
            reply->as_of = f->as_of;
        reply->has_as_of = true;
    }
    reply->lag_seconds = s_lag (svc, now);
    return 0;
}

int
orders_tracking_handle_status (service_t *svc, request_t *req)
{
    uint8_t id[16];
    MDB_txn *txn;
    orders_found_t found;
    int rc = orders_request_load (svc, req, id, &txn, &found);
    if (rc != 0)
        return rc == RM_ENOTFOUND ? 0 : rc;
    msgpack_unpacked unpacked;
    orders_order_t order = {0};
    orders_status_t reply = {0};
    rc = orders_decode (&found.order, &unpacked, &order);
    //  a pending order (a store from before two-commit submissions) is not one yet
    if (rc == 0 && strcmp (order.status, "pending") == 0)
        request_reply_error (req, RM_ENOTFOUND, NULL, "no order %s (a submission is still being processed)",
                             order.order_id);
    else if (rc == 0 && (rc = s_status_of (svc, txn, id, &order, &reply)) == 0)
        record_pack (orders_status_fields, &reply, request_reply_ok (req));
    record_free (orders_status_fields, &reply);
    record_free (orders_order_fields, &order);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

int
orders_tracking_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk)
{
    if (!txn)
        return RM_ESTORE;
    orders_dbs_t dbs = orders_dbs_of (svc);
    orders_health_t health = {0};
    int64_t now = clock_now_ms ();
    int rc = orders_stale_count (txn, &dbs, &s_stale, now, HEALTH_STALE_MAX, &health.stale_orders,
                                 &health.stale_fulfillments, &health.stale_bounded);
    health.lag_seconds = s_lag (svc, now);
    if (rc == 0)
        record_pack (orders_health_fields, &health, pk);
    return rc;
}
