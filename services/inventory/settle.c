//  settle — the check with orders of order reservations past their deadline.
#include "settle.h"
#include "catalog_inventory.h"
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "hold.h"
#include "log.h"
#include "reservation.h"
#include "storeval.h"
#include "uuid.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTLE_DEFAULT_TTL_MS 60000

static struct {
    service_t *svc;                //  the service the timer belongs to
    uint64_t timer;                //  0: none armed
    int64_t at;                    //  the deadline it is armed for
    bool asking;                   //  a question to orders is out
    bool unanswered;               //  the last question went unanswered (logged once)
    int64_t sweep_until;           //  deadlines up to this are due now (orders restarted)
    int64_t restarted_at;          //  orders' last start, its clock
    int64_t ttl_ms;
} s_settle = {.ttl_ms = SETTLE_DEFAULT_TTL_MS};

int64_t
settle_ttl_ms (const uint8_t order_id[16])
{
    return uuid_time_ms (order_id) < s_settle.restarted_at ? 0 : s_settle.ttl_ms;
}

void
settle_orders_restarted (int64_t started_at, int64_t now)
{
    s_settle.sweep_until = now + s_settle.ttl_ms;
    if (started_at > s_settle.restarted_at)
        s_settle.restarted_at = started_at;
}

int
settle_apply (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t order_id[16], const char *status,
              int64_t now, bool *ended)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *ended = false;
    if (strcmp (status, ORDERS_HOLD_ACCEPTED) == 0) {
        reservation_t before = {0};
        int rc = reservation_get (txn, dbs.reservations, order_id, &before);
        bool held = rc == 0 && strcmp (before.status, RESERVATION_HELD) == 0;
        record_free (reservation_fields, &before);
        if (rc != 0 && rc != RM_ENOTFOUND)
            return rc;
        rc = reservation_commit (svc, txn, cid, order_id);
        *ended = rc == 0 && held;
        return rc;
    }
    if (strcmp (status, ORDERS_HOLD_ABSENT) == 0) {
        reservation_t out = {0};
        int rc = reservation_expire (svc, txn, cid, order_id, &out, ended);
        record_free (reservation_fields, &out);
        return rc;
    }
    return reservation_postpone (txn, &dbs, order_id, now + SETTLE_RETRY_MS);
}

//  ---------------------------------------------------------------------
//  the check: one timer, armed for the earliest deadline known, and at
//  most one question to orders at a time

static void s_check (service_t *svc, void *arg);

void
settle_arm (service_t *svc, int64_t at)
{
    bool armed = s_settle.svc == svc && s_settle.timer != 0;
    if (at <= 0 || (armed && s_settle.at <= at))
        return;
    if (armed)
        service_timer_cancel (svc, s_settle.timer);
    int64_t delay = at - clock_now_ms ();
    delay = delay < 1 ? 1 : delay > INT_MAX ? INT_MAX : delay;
    s_settle.svc = svc;
    s_settle.at = at;
    s_settle.timer = 0;
    if (service_timer_add (svc, (int) delay, s_check, NULL, &s_settle.timer) != 0)
        log_error (NULL, "inventory: cannot arm the order hold check; it runs at the next start");
}

typedef struct {
    service_t *svc;
    char cid[UUID_STR_LEN + 1];
    orders_hold_status_reply_t answer;
    size_t ended;
} answer_ctx_t;

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    answer_ctx_t *ctx = (answer_ctx_t *) arg;
    int64_t now = clock_now_ms ();
    ctx->ended = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ctx->answer.orders_count; i++) {
        uint8_t id[16];
        bool ended = false;
        if (uuid_parse (ctx->answer.orders[i].order_id, id) != 0)
            continue;
        rc = settle_apply (ctx->svc, txn, ctx->cid, id, ctx->answer.orders[i].status, now, &ended);
        ctx->ended += ended;
    }
    return rc;
}

static void
s_answered (void *arg, int err, const envelope_t *reply)
{
    answer_ctx_t *ctx = (answer_ctx_t *) arg;
    service_t *svc = ctx->svc;
    s_settle.asking = false;
    int rc = err != 0 ? err : reply->ok ? 0 : RM_EUNAVAIL;
    if (rc == 0)
        rc = record_decode (orders_hold_status_reply_fields, &reply->body, &ctx->answer);
    if (rc == 0)
        rc = service_write (svc, s_apply_write, ctx);
    if (rc != 0) {
        if (!s_settle.unanswered)
            log_warn (ctx->cid, "inventory: orders did not say whether orders past their hold deadline exist (%s); "
                      "their stock stays held and they are asked again", rm_strerror (rc));
        s_settle.unanswered = true;
        settle_arm (svc, clock_now_ms () + SETTLE_RETRY_MS);
    }
    else {
        s_settle.unanswered = false;
        if (ctx->ended > 0)
            log_info (ctx->cid, "settled %zu order reservation(s) past their deadline", ctx->ended);
        //  the rest due, or the next deadline
        settle_arm (svc, clock_now_ms ());
    }
    record_free (orders_hold_status_reply_fields, &ctx->answer);
    free (ctx);
}

//  Asks orders about the reservations due; arms the timer for the next
//  deadline when none is.
static int
s_ask (service_t *svc)
{
    uint8_t (*due)[16] = (uint8_t (*)[16]) calloc (ORDERS_HOLD_STATUS_MAX, 16);
    orders_hold_status_request_t question = {0};
    answer_ctx_t *ctx = (answer_ctx_t *) calloc (1, sizeof *ctx);
    MDB_txn *txn;
    size_t count = 0;
    int64_t next = 0;
    int64_t now = clock_now_ms ();
    int rc = due && ctx ? service_read_txn (svc, &txn) : RM_ENOMEM;
    if (rc == 0)
        rc = hold_deadlines_due (txn, inventory_dbs_of (svc).order_expiry,
                                 s_settle.sweep_until > now ? s_settle.sweep_until : now, ORDERS_HOLD_STATUS_MAX,
                                 due, &count, &next);
    if (rc == 0 && count > 0
        && !(question.order_ids = (char (*)[UUID_STR_LEN + 1]) calloc (count, sizeof *question.order_ids)))
        rc = RM_ENOMEM;
    if (rc == 0 && count == 0)
        settle_arm (svc, next);
    if (rc == 0 && count > 0) {
        for (size_t i = 0; i < count; i++)
            uuid_format (due[i], question.order_ids[i]);
        question.order_ids_count = count;
        msgpack_sbuffer body;
        msgpack_sbuffer_init (&body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
        record_pack (orders_hold_status_request_fields, &question, &pk);
        ctx->svc = svc;
        uuid_new_str (ctx->cid);
        rc = service_call (svc, "orders", "orders.hold_status", ctx->cid, NULL, service_call_timeout (svc), body.data,
                           body.size, s_answered, ctx);
        msgpack_sbuffer_destroy (&body);
        if (rc == 0) {
            s_settle.asking = true;
            ctx = NULL;
        }
    }
    record_free (orders_hold_status_request_fields, &question);
    free (due);
    free (ctx);
    return rc;
}

static void
s_check (service_t *svc, void *arg)
{
    (void) arg;
    s_settle.timer = 0;
    if (s_settle.asking)
        return;
    int rc = s_ask (svc);
    if (rc != 0) {
        log_error (NULL, "inventory: checking order reservations past their deadline failed: %s", rm_strerror (rc));
        settle_arm (svc, clock_now_ms () + SETTLE_RETRY_MS);
    }
}

int
settle_handle_orders_restarted (service_t *svc, request_t *req)
{
    inventory_orders_restarted_request_t in = {0};
    int rc = record_decode (inventory_orders_restarted_request_fields, request_body (req), &in);
    if (rc != 0)
        return rc;
    int64_t now = clock_now_ms ();
    settle_orders_restarted (in.started_at, now);
    log_info (request_cid (req), "orders started at %lld: its earlier submissions' holds are checked now",
              (long long) in.started_at);
    if (s_settle.svc == svc && s_settle.timer != 0)
        service_timer_cancel (svc, s_settle.timer);
    s_settle.timer = 0;
    settle_arm (svc, now);
    inventory_orders_restarted_reply_t reply = {.until = s_settle.sweep_until};
    record_pack (inventory_orders_restarted_reply_fields, &reply, request_reply_ok (req));
    return 0;
}

int
settle_start (service_t *svc)
{
    int64_t ttl_s = 0;
    if (config_get_int (service_config (svc), "order-hold-ttl", &ttl_s) != 0 || ttl_s <= 0
        || ttl_s > INT64_MAX / 1000) {
        log_error (NULL, "inventory: --order-hold-ttl must be a positive number of seconds");
        return RM_EINVAL;
    }
    s_settle.svc = NULL;
    s_settle.timer = 0;
    s_settle.asking = false;
    s_settle.unanswered = false;
    s_settle.sweep_until = 0;
    s_settle.restarted_at = 0;
    s_settle.ttl_ms = ttl_s * 1000;
    settle_arm (svc, clock_now_ms ());
    return 0;
}

//  ---------------------------------------------------------------------
//  migration

int
settle_migrate_v3 (store_t *store, MDB_txn *txn, int64_t *count)
{
    MDB_dbi reservations = store_dbi (store, INVENTORY_DB_RESERVATIONS);
    MDB_dbi deadlines = store_dbi (store, INVENTORY_DB_ORDER_EXPIRY);
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, reservations, &cursor) != 0)
        return RM_ESTORE;
    //  collect first: writing under an open cursor would move it
    uint8_t (*held)[16] = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    MDB_val key, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        reservation_t record = {0};
        if (key.mv_size != 16 || reservation_get (txn, reservations, key.mv_data, &record) != 0
            || strcmp (record.status, RESERVATION_HELD) != 0) {
            record_free (reservation_fields, &record);
            continue;
        }
        record_free (reservation_fields, &record);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc (held, cap * sizeof *held);
            if (!grown)
                rc = RM_ENOMEM;
            else
                held = grown;
        }
        if (rc == 0)
            memcpy (held[n++], key.mv_data, 16);
    }
    mdb_cursor_close (cursor);
    int64_t now = clock_now_ms ();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        reservation_t record = {0};
        rc = reservation_get (txn, reservations, held[i], &record);
        record.expires_at = now;
        record.has_expires_at = true;
        if (rc == 0)
            rc = reservation_put (txn, reservations, held[i], &record);
        if (rc == 0)
            rc = hold_deadline_put (txn, deadlines, now, held[i]);
        record_free (reservation_fields, &record);
        *count += rc == 0;
    }
    free (held);
    return rc;
}
