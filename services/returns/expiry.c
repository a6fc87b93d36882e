#include "expiry.h"
#include "clock.h"
#include "credit.h"
#include "err.h"
#include "log.h"
#include "rtstats.h"
#include "text.h"
#include "uuid.h"
#include <string.h>

expiry_action_t
expiry_decide (retrec_t *ret, int64_t now)
{
    if (strcmp (ret->status, "authorized") == 0 && ret->receipts_count == 0) {
        text_copy (ret->status, sizeof ret->status, "expired");
        return EXPIRY_EXPIRED;
    }
    if (strcmp (ret->status, "refunded") == 0 && credit_all_refunded (ret)) {
        text_copy (ret->status, sizeof ret->status, "closed");
        ret->closed_at = now;
        ret->has_closed_at = true;
        return EXPIRY_CLOSED;
    }
    return EXPIRY_NONE;
}

//  Acts on the return an entry names: its events and counts.
static int
s_act (service_t *svc, MDB_txn *txn, const retstore_dbs_t *dbs, const char *return_id, int64_t now, const char *cid)
{
    retrec_t ret;
    int rc = retrec_load (txn, dbs, return_id, &ret);
    char was[sizeof ret.status];
    text_copy (was, sizeof was, ret.status);
    expiry_action_t action = rc == 0 ? expiry_decide (&ret, now) : EXPIRY_NONE;
    if (action != EXPIRY_NONE) {
        rc = rtstats_status (txn, dbs, was, ret.status);
        if (rc == 0)
            rc = retrec_save (txn, dbs, &ret);
        msgpack_packer *pk = rc == 0 ? service_event (svc, action == EXPIRY_EXPIRED ? "returns.return.expired"
                                                                                    : "returns.return.closed",
                                                      cid)
                                     : NULL;
        if (pk)
            record_pack (retrec_fields, &ret, pk);
        else if (rc == 0)
            rc = RM_ENOMEM;
    }
    if (rc == 0 && action != EXPIRY_NONE)
        log_info (cid, "return %s %s: its expiry has passed", return_id, ret.status);
    retrec_free (&ret);
    //  an entry naming no return has nothing left to act on
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
expiry_walk (service_t *svc, MDB_txn *txn, int64_t now, const char *cid, size_t *walked)
{
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    *walked = 0;
    uint8_t keys[EXPIRY_BATCH][RETSTORE_EXPIRY_KEY_MAX];
    size_t lens[EXPIRY_BATCH], n = 0;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs.expiry, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); mrc == 0 && n < EXPIRY_BATCH;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        int64_t at;
        char id[RETSTORE_ID_MAX + 1];
        if (retstore_expiry_parse (&key, &at, id) != 0 || key.mv_size > RETSTORE_EXPIRY_KEY_MAX) {
            mdb_cursor_close (cursor);
            return RM_ESTORE;
        }
        if (at > now)
            break;
        memcpy (keys[n], key.mv_data, key.mv_size);
        lens[n++] = key.mv_size;
    }
    mdb_cursor_close (cursor);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        MDB_val k = {lens[i], keys[i]};
        int64_t at;
        char id[RETSTORE_ID_MAX + 1];
        rc = retstore_expiry_parse (&k, &at, id);
        if (rc == 0)
            rc = s_act (svc, txn, &dbs, id, now, cid);
        if (rc == 0)
            rc = store_del (txn, dbs.expiry, keys[i], lens[i]);
    }
    *walked = rc == 0 ? n : 0;
    return rc;
}

typedef struct {
    service_t *svc;
    char cid[UUID_STR_LEN + 1];
    size_t walked;
} s_turn_t;

static int
s_write (MDB_txn *txn, void *arg)
{
    s_turn_t *turn = (s_turn_t *) arg;
    return expiry_walk (turn->svc, txn, clock_now_ms (), turn->cid, &turn->walked);
}

static void
s_tick (service_t *svc, void *arg)
{
    (void) arg;
    s_turn_t turn = {.svc = svc};
    uuid_new_str (turn.cid);
    int rc = service_write (svc, s_write, &turn);
    if (rc != 0)
        log_error (turn.cid, "returns: the expiry walk failed (%s); it runs again in a second", rm_strerror (rc));
    else if (turn.walked == EXPIRY_BATCH && service_timer_add (svc, 1, s_tick, NULL, NULL) != 0)
        log_warn (turn.cid, "returns: more returns are due; they expire on the next turns of the timer");
}

const service_timer_t expiry_timers[] = {
    {"returns-expiry", 1000, s_tick},
    {NULL, 0, NULL},
};
