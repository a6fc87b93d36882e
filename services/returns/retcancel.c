#include "retcancel.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "rtstats.h"
#include "store.h"
#include <stdio.h>
#include <string.h>

int
retcancel_apply (service_t *svc, MDB_txn *txn, const returns_cancel_request_t *in, int64_t now, const char *cid,
                 const char *caller, retrec_t *out)
{
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    int rc = retrec_load (txn, &dbs, in->return_id, out);
    if (rc != 0)
        return rc;
    if (strcmp (out->status, "cancelled") == 0)
        return 0;
    if (strcmp (out->status, "authorized") != 0)
        return RM_ECONFLICT;
    uint8_t key[RETSTORE_EXPIRY_KEY_MAX];
    size_t klen = retstore_expiry_key (out->expires_at, out->return_id, key);
    snprintf (out->status, sizeof out->status, "cancelled");
    out->cancelled_at = now;
    out->has_cancelled_at = true;
    snprintf (out->cancel_reason, sizeof out->cancel_reason, "%s", in->reason);
    rc = store_del (txn, dbs.expiry, key, klen);
    if (rc == 0 || rc == RM_ENOTFOUND)
        rc = rtstats_status (txn, &dbs, "authorized", out->status);
    if (rc == 0)
        rc = retrec_save (txn, &dbs, out);
    if (rc == 0) {
        retrec_emit (svc, out, "returns.return.cancelled", cid, caller);
        out->changed = true;
    }
    return rc;
}

typedef struct {
    service_t *svc;
    request_t *req;
    returns_cancel_request_t in;
    retrec_t ret;
} s_ctx_t;

static int
s_write (MDB_txn *txn, void *arg)
{
    s_ctx_t *ctx = (s_ctx_t *) arg;
    return retcancel_apply (ctx->svc, txn, &ctx->in, clock_now_ms (), request_cid (ctx->req),
                            request_caller (ctx->req), &ctx->ret);
}

int
retcancel_handle (service_t *svc, request_t *req)
{
    s_ctx_t ctx = {.svc = svc, .req = req};
    int rc = record_decode (returns_cancel_request_fields, request_body (req), &ctx.in);
    if (rc == 0)
        rc = service_write (svc, s_write, &ctx);
    if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "no return %s", ctx.in.return_id);
    else if (rc == RM_ECONFLICT)
        request_reply_error (req, rc, "/return_id", "return %s is %s: only an authorized return may be cancelled",
                             ctx.in.return_id, ctx.ret.status);
    else if (rc == 0) {
        if (ctx.ret.changed)
            log_info (request_cid (req), "return %s cancelled%s%s", ctx.ret.return_id, ctx.in.reason[0] ? ": " : "",
                      ctx.in.reason);
        record_pack (retrec_cancel_reply_fields, &ctx.ret, request_reply_ok (req));
    }
    retrec_free (&ctx.ret);
    record_free (returns_cancel_request_fields, &ctx.in);
    return rc == RM_ENOTFOUND || rc == RM_ECONFLICT ? 0 : rc;
}
