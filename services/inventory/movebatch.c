#include "movebatch.h"
#include "err.h"
#include "inventory.h"
#include "movement.h"
#include "mp.h"
#include <stdio.h>

typedef struct {
    service_t *svc;
    const char *cid;
    const msgpack_object_array *bodies;   //  the items as received, for their digests
    const inventory_movements_batch_request_t *in;
    msgpack_sbuffer reply;                //  each movement's reply, not kept
} s_batch_t;

static int
s_item (MDB_txn *txn, size_t index, void *arg, bulk_fault_t *fault)
{
    s_batch_t *ctx = (s_batch_t *) arg;
    ctx->reply.size = 0;
    bool replayed;
    movement_problem_t problem;
    int rc = movement_apply (ctx->svc, txn, ctx->cid, &ctx->bodies->ptr[index], &ctx->in->items[index], &ctx->reply,
                             &replayed, &problem);
    if (rc != 0 && problem.field) {
        snprintf (fault->field, sizeof fault->field, "%s", problem.field);
        snprintf (fault->message, sizeof fault->message, "%s", problem.message);
    }
    return rc;
}

int
movebatch_apply (service_t *svc, MDB_txn *txn, const char *cid, const msgpack_object *body,
                 const inventory_movements_batch_request_t *in, const uint8_t digest[SHA256_LEN], int64_t now,
                 catalog_batch_reply_t *result, bulk_faults_t *faults)
{
    const msgpack_object_array *bodies = mp_get_array (body, "items");
    if (!bodies || bodies->size != in->items_count)
        return RM_EINVAL;
    s_batch_t ctx = {.svc = svc, .cid = cid, .bodies = bodies, .in = in};
    msgpack_sbuffer_init (&ctx.reply);
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = bulk_apply (txn, dbs.batches, in->batch_id, digest, in->items_count, s_item, &ctx, now, result, faults);
    msgpack_sbuffer_destroy (&ctx.reply);
    return rc;
}

static int
s_apply (service_t *svc, request_t *req, MDB_txn *txn, const void *in, const uint8_t digest[SHA256_LEN], int64_t now,
         catalog_batch_reply_t *result, bulk_faults_t *faults)
{
    return movebatch_apply (svc, txn, request_cid (req), request_body (req),
                            (const inventory_movements_batch_request_t *) in, digest, now, result, faults);
}

int
movebatch_handle (service_t *svc, request_t *req)
{
    inventory_movements_batch_request_t in = {0};
    catalog_batch_reply_t result = {0};
    return bulk_handle (svc, req, inventory_movements_batch_request_fields, &in, s_apply, &result);
}
