//  hold — holds before an order, their expiry and its timer.
#include "hold.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "storeval.h"
#include "uuid.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Holds expired per batch; more due are left to the next turn.
#define EXPIRE_BATCH 256
//  When an expiry batch failed to commit, the next try is this much later.
#define EXPIRE_RETRY_MS 1000

#define EXPIRY_KEY_LEN 24

//  Big-endian expiry then the hold's ID: the database's order is expiry order.
static void
s_expiry_key (int64_t expires_at, const uint8_t hold_id[16], uint8_t key[EXPIRY_KEY_LEN])
{
    uint64_t at = (uint64_t) expires_at;
    for (int i = 0; i < 8; i++)
        key[i] = (uint8_t) (at >> (56 - 8 * i));
    memcpy (key + 8, hold_id, 16);
}

static int64_t
s_expiry_of (const uint8_t *key)
{
    uint64_t at = 0;
    for (int i = 0; i < 8; i++)
        at = at << 8 | key[i];
    return (int64_t) at;
}

int
hold_deadline_put (MDB_txn *txn, MDB_dbi dbi, int64_t at, const uint8_t owner[16])
{
    uint8_t key[EXPIRY_KEY_LEN];
    s_expiry_key (at, owner, key);
    static const char empty_map = (char) 0x80;
    return storeval_put (txn, dbi, key, sizeof key, RESERVATION_RECORD_V, &empty_map, 1);
}

int
hold_deadline_del (MDB_txn *txn, MDB_dbi dbi, int64_t at, const uint8_t owner[16])
{
    uint8_t key[EXPIRY_KEY_LEN];
    s_expiry_key (at, owner, key);
    int rc = store_del (txn, dbi, key, sizeof key);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
hold_deadlines_due (MDB_txn *txn, MDB_dbi dbi, int64_t now, size_t max, uint8_t (*due)[16], size_t *count,
                    int64_t *next)
{
    *count = 0;
    *next = 0;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    for (; mrc == 0; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (key.mv_size != EXPIRY_KEY_LEN)
            continue;
        int64_t at = s_expiry_of ((const uint8_t *) key.mv_data);
        if (at > now || *count == max) {
            *next = at;
            break;
        }
        memcpy (due[(*count)++], (const uint8_t *) key.mv_data + 8, 16);
    }
    mdb_cursor_close (cursor);
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : RM_ESTORE;
}

//  ---------------------------------------------------------------------
//  the expiry timer: one, armed for the earliest expiry known

static struct {
    service_t *svc;                //  the service the timer belongs to
    uint64_t id;                   //  0: none armed
    int64_t at;                    //  the expiry it is armed for
} s_timer;

static void s_expiry_due (service_t *svc, void *arg);

//  Arms the timer for at unless it is armed for an earlier time already.
static void
s_arm (service_t *svc, int64_t at)
{
    bool armed = s_timer.svc == svc && s_timer.id != 0;
    if (at <= 0 || (armed && s_timer.at <= at))
        return;
    if (armed)
        service_timer_cancel (svc, s_timer.id);
    int64_t delay = at - clock_now_ms ();
    delay = delay < 1 ? 1 : delay > INT_MAX ? INT_MAX : delay;
    s_timer.svc = svc;
    s_timer.at = at;
    s_timer.id = 0;
    if (service_timer_add (svc, (int) delay, s_expiry_due, NULL, &s_timer.id) != 0)
        log_error (NULL, "inventory: cannot arm the hold expiry timer; holds expire at the next start");
}

typedef struct {
    service_t *svc;
    char cid[UUID_STR_LEN + 1];
    int64_t now;
    size_t expired;
    int64_t next;
} expire_ctx_t;

static int
s_expire_write (MDB_txn *txn, void *arg)
{
    expire_ctx_t *ctx = (expire_ctx_t *) arg;
    return hold_expire_due (ctx->svc, txn, ctx->cid, ctx->now, EXPIRE_BATCH, &ctx->expired, &ctx->next);
}

static void
s_expire_committed (void *arg, int err)
{
    service_t *svc = (service_t *) arg;
    if (err != 0)
        s_arm (svc, clock_now_ms () + EXPIRE_RETRY_MS);
}

//  Expires what is due and arms the timer for what is left. Returns the
//  write's code.
static int
s_expire (service_t *svc)
{
    expire_ctx_t ctx = {.svc = svc, .now = clock_now_ms ()};
    uuid_new_str (ctx.cid);
    int rc = service_write (svc, s_expire_write, &ctx);
    if (rc != 0) {
        log_error (ctx.cid, "inventory: expiring holds failed: %s", rm_strerror (rc));
        s_arm (svc, ctx.now + EXPIRE_RETRY_MS);
        return rc;
    }
    if (ctx.expired > 0) {
        log_info (ctx.cid, "expired %zu hold(s)", ctx.expired);
        service_after_commit (svc, s_expire_committed, svc);
    }
    s_arm (svc, ctx.expired == EXPIRE_BATCH ? ctx.now : ctx.next);
    return 0;
}

static void
s_expiry_due (service_t *svc, void *arg)
{
    (void) arg;
    s_timer.id = 0;
    s_expire (svc);
}

int
hold_start (service_t *svc)
{
    s_timer.svc = NULL;
    s_timer.id = 0;
    return s_expire (svc);
}

//  ---------------------------------------------------------------------
//  holds

int
hold_get (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t hold_id[16], reservation_t *out)
{
    return reservation_get (txn, dbs->holds, hold_id, out);
}

static bool
s_same_lines (const reservation_t *hold, const line_t *lines, size_t count)
{
    if (hold->lines_count != count)
        return false;
    for (size_t i = 0; i < count; i++)
        if (strcmp (hold->lines[i].sku, lines[i].sku) != 0 || hold->lines[i].quantity != lines[i].quantity)
            return false;
    return true;
}

int
hold_pack (msgpack_packer *pk, const char *hold_id, const reservation_t *record, const bool *created)
{
    inventory_hold_t hold = {.created_at = record->created_at, .expires_at = record->expires_at};
    snprintf (hold.hold_id, sizeof hold.hold_id, "%s", hold_id);
    snprintf (hold.status, sizeof hold.status, "%s", record->status);
    snprintf (hold.order_id, sizeof hold.order_id, "%s", record->order_id);
    bool live = strcmp (record->status, RESERVATION_HELD) == 0;
    int rc = reservation_rows (record, live ? record->expires_at : 0, &hold.reservations, &hold.reservations_count);
    if (rc == 0 && created) {
        inventory_hold_made_t made = {.created_at = hold.created_at, .expires_at = hold.expires_at,
                                      .reservations = hold.reservations,
                                      .reservations_count = hold.reservations_count, .created = *created};
        memcpy (made.hold_id, hold.hold_id, sizeof made.hold_id);
        memcpy (made.status, hold.status, sizeof made.status);
        memcpy (made.order_id, hold.order_id, sizeof made.order_id);
        record_pack (inventory_hold_made_fields, &made, pk);
    }
    else if (rc == 0)
        record_pack (inventory_hold_fields, &hold, pk);
    record_free (inventory_hold_fields, &hold);
    return rc;
}

static int
s_event (service_t *svc, const char *type, const char *cid, const uint8_t hold_id[16], const reservation_t *record)
{
    char text[UUID_STR_LEN + 1];
    uuid_format (hold_id, text);
    return hold_pack (service_event (svc, type, cid), text, record, NULL);
}

int
hold_place (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], const line_t *lines,
            size_t count, int64_t ttl_ms, int64_t now, reservation_t *out, bool *existing,
            reservation_outcome_t *outcome)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *existing = false;
    int rc = hold_get (txn, &dbs, hold_id, out);
    if (rc == 0) {
        *existing = true;
        return s_same_lines (out, lines, count) ? 0 : RM_ECONFLICT;
    }
    if (rc != RM_ENOTFOUND)
        return rc;
    record_free (reservation_fields, out);
    rc = reservation_fill (svc, txn, cid, lines, count, NULL, NULL, out, outcome);
    if (rc != 0)
        return rc;
    snprintf (out->status, sizeof out->status, "%s", RESERVATION_HELD);
    out->created_at = out->updated_at = now;
    out->expires_at = now + ttl_ms;
    out->has_expires_at = true;
    rc = reservation_put (txn, dbs.holds, hold_id, out);
    if (rc == 0)
        rc = hold_deadline_put (txn, dbs.hold_expiry, out->expires_at, hold_id);
    if (rc == 0)
        rc = s_event (svc, "inventory.hold.placed", cid, hold_id, out);
    if (rc == 0)
        s_arm (svc, out->expires_at);
    return rc;
}

//  Ends a held hold with status to, giving its units back when give_back.
static int
s_end (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], reservation_t *hold, const char *to,
       bool give_back, int64_t now, const char *event)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int64_t expires_at = hold->expires_at;
    int rc = reservation_move (hold, to, now);
    if (rc == 0 && give_back)
        rc = reservation_give_back (svc, txn, cid, hold);
    if (rc == 0)
        rc = reservation_put (txn, dbs.holds, hold_id, hold);
    if (rc == 0)
        rc = hold_deadline_del (txn, dbs.hold_expiry, expires_at, hold_id);
    if (rc == 0)
        rc = s_event (svc, event, cid, hold_id, hold);
    return rc;
}

int
hold_release (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], int64_t now,
              reservation_t *out, bool *changed)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *changed = false;
    int rc = hold_get (txn, &dbs, hold_id, out);
    if (rc != 0 || !reservation_may_move (out->status, RESERVATION_RELEASED))
        return rc;
    rc = s_end (svc, txn, cid, hold_id, out, RESERVATION_RELEASED, true, now, "inventory.hold.released");
    *changed = rc == 0;
    return rc;
}

int
hold_take (service_t *svc, MDB_txn *txn, const char *cid, const uint8_t hold_id[16], const uint8_t order_id[16],
           int64_t now, reservation_t *out)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = hold_get (txn, &dbs, hold_id, out);
    if (rc == 0 && (strcmp (out->status, RESERVATION_HELD) != 0 || out->expires_at <= now))
        rc = RM_ECONFLICT;
    if (rc != 0)
        return rc;
    uuid_format (order_id, out->order_id);
    return s_end (svc, txn, cid, hold_id, out, RESERVATION_COMMITTED, false, now, "inventory.hold.committed");
}

int
hold_expire_due (service_t *svc, MDB_txn *txn, const char *cid, int64_t now, size_t max, size_t *expired,
                 int64_t *next)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    *expired = 0;
    *next = 0;
    uint8_t (*due)[16] = (uint8_t (*)[16]) calloc (max ? max : 1, 16);
    if (!due)
        return RM_ENOMEM;
    //  the due keys first: the records change only after the cursor is closed
    size_t ndue = 0;
    int rc = hold_deadlines_due (txn, dbs.hold_expiry, now, max, due, &ndue, next);
    for (size_t i = 0; rc == 0 && i < ndue; i++) {
        reservation_t hold = {0};
        rc = hold_get (txn, &dbs, due[i], &hold);
        if (rc == 0 && strcmp (hold.status, RESERVATION_HELD) == 0) {
            rc = s_end (svc, txn, cid, due[i], &hold, RESERVATION_EXPIRED, true, now, "inventory.hold.expired");
            *expired += rc == 0;
        }
        else if (rc == 0)
            rc = hold_deadline_del (txn, dbs.hold_expiry, hold.expires_at, due[i]);
        record_free (reservation_fields, &hold);
    }
    free (due);
    return rc;
}

//  ---------------------------------------------------------------------
//  handlers

int
hold_reply_unusable (service_t *svc, request_t *req, const uint8_t hold_id[16], int rc)
{
    char text[UUID_STR_LEN + 1];
    uuid_format (hold_id, text);
    MDB_txn *txn;
    reservation_t hold = {0};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int found = service_read_txn (svc, &txn);
    if (found == 0)
        found = hold_get (txn, &dbs, hold_id, &hold);
    if (rc == RM_ENOTFOUND || found == RM_ENOTFOUND)
        rc = request_reply_error (req, RM_ENOTFOUND, "/hold_id", "unknown hold %s", text);
    else if (found != 0)
        rc = found;
    else if (strcmp (hold.status, RESERVATION_COMMITTED) == 0)
        rc = request_reply_error (req, RM_ECONFLICT, "/hold_id", "hold %s was taken over by order %s", text,
                                  hold.order_id);
    else if (strcmp (hold.status, RESERVATION_HELD) == 0)
        rc = request_reply_error (req, RM_ECONFLICT, "/hold_id", "hold %s has expired", text);
    else
        rc = request_reply_error (req, RM_ECONFLICT, "/hold_id", "hold %s is %s", text, hold.status);
    record_free (reservation_fields, &hold);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t hold_id[16];
    char hold_text[UUID_STR_LEN + 1];
    const line_t *lines;
    size_t count;
    int64_t ttl_ms;
    reservation_t record;
    bool existing;
    reservation_outcome_t outcome;
} place_ctx_t;

static int
s_place_write (MDB_txn *txn, void *arg)
{
    place_ctx_t *ctx = (place_ctx_t *) arg;
    record_free (reservation_fields, &ctx->record);
    return hold_place (ctx->svc, txn, request_cid (ctx->req), ctx->hold_id, ctx->lines, ctx->count, ctx->ttl_ms,
                       clock_now_ms (), &ctx->record, &ctx->existing, &ctx->outcome);
}

static int
s_reply_place (place_ctx_t *ctx, int rc)
{
    request_t *req = ctx->req;
    if (reservation_reply_refused (req, ctx->lines, &ctx->outcome, rc))
        return rc;
    if (rc == RM_ECONFLICT)
        request_reply_error (req, rc, "/lines", "hold %s was made with other lines", ctx->hold_text);
    else if (rc == 0) {
        bool created = !ctx->existing;
        if (created)
            log_info (request_cid (req), "hold %s: %zu line(s) until %lld", ctx->hold_text, ctx->count,
                      (long long) ctx->record.expires_at);
        rc = hold_pack (request_reply_ok (req), ctx->hold_text, &ctx->record, &created);
    }
    return rc;
}

int
hold_handle_place (service_t *svc, request_t *req)
{
    place_ctx_t ctx = {.svc = svc, .req = req};
    inventory_hold_request_t in = {0};
    line_t *lines = NULL;
    int rc = record_decode (inventory_hold_request_fields, request_body (req), &in);
    if (rc == 0 && in.hold_id[0])
        rc = uuid_parse (in.hold_id, ctx.hold_id);
    else if (rc == 0)
        uuid_new (ctx.hold_id);
    uuid_format (ctx.hold_id, ctx.hold_text);
    if (rc == 0)
        rc = lines_from (in.lines, NULL, in.lines_count, &lines);
    ctx.lines = lines;
    ctx.count = in.lines_count;
    ctx.ttl_ms = in.ttl_seconds * 1000;
    if (rc == 0 && !(ctx.outcome.shortages = (shortage_t *) calloc (ctx.count, sizeof (shortage_t))))
        rc = RM_ENOMEM;
    if (rc == 0)
        rc = s_reply_place (&ctx, service_write (svc, s_place_write, &ctx));
    record_free (reservation_fields, &ctx.record);
    record_free (inventory_hold_request_fields, &in);
    free (lines);
    free (ctx.outcome.shortages);
    return rc;
}

int
hold_handle_get (service_t *svc, request_t *req)
{
    inventory_hold_id_request_t in = {0};
    reservation_t hold = {0};
    uint8_t id[16];
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = record_decode (inventory_hold_id_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = uuid_parse (in.hold_id, id);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = hold_get (txn, &dbs, id, &hold);
    if (rc == RM_ENOTFOUND)
        rc = request_reply_error (req, rc, NULL, "no hold %s", in.hold_id);
    else if (rc == 0)
        rc = hold_pack (request_reply_ok (req), in.hold_id, &hold, NULL);
    record_free (reservation_fields, &hold);
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t hold_id[16];
    reservation_t record;
    bool changed;
} release_ctx_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_ctx_t *ctx = (release_ctx_t *) arg;
    record_free (reservation_fields, &ctx->record);
    return hold_release (ctx->svc, txn, request_cid (ctx->req), ctx->hold_id, clock_now_ms (), &ctx->record,
                         &ctx->changed);
}

int
hold_handle_release (service_t *svc, request_t *req)
{
    release_ctx_t ctx = {.svc = svc, .req = req};
    inventory_hold_id_request_t in = {0};
    int rc = record_decode (inventory_hold_id_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = uuid_parse (in.hold_id, ctx.hold_id);
    if (rc == 0)
        rc = service_write (svc, s_release_write, &ctx);
    if (rc == RM_ENOTFOUND)
        rc = request_reply_error (req, rc, NULL, "no hold %s", in.hold_id);
    else if (rc == 0) {
        if (ctx.changed)
            log_info (request_cid (req), "released hold %s", in.hold_id);
        rc = hold_pack (request_reply_ok (req), in.hold_id, &ctx.record, NULL);
    }
    record_free (reservation_fields, &ctx.record);
    return rc;
}
