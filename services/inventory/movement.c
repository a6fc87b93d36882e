#include "movement.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "sha256.h"
#include "stock.h"
#include "storeval.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  The movements database: movement_id (or another movement's key, never
//  a movement_id: restock.h) -> {hash: SHA-256 of the canonical body,
//  reply: the packed reply}.

static int
s_problem (movement_problem_t *problem, int rc, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_problem (movement_problem_t *problem, int rc, const char *field, const char *fmt, ...)
{
    problem->field = field;
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem->message, sizeof problem->message, fmt, args);
    va_end (args);
    return rc;
}

int
movement_seen (MDB_txn *txn, const inventory_dbs_t *dbs, const char *key, const uint8_t hash[SHA256_LEN],
               msgpack_sbuffer *reply)
{
    MDB_val val;
    int rc = store_get (txn, dbs->movements, key, strlen (key), &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, INVENTORY_RECORD_V, &unpacked);
    const msgpack_object *stored = rc == 0 ? mp_get (&unpacked.data, "hash") : NULL;
    const msgpack_object *answer = rc == 0 ? mp_get (&unpacked.data, "reply") : NULL;
    if (!stored || stored->type != MSGPACK_OBJECT_BIN || stored->via.bin.size != SHA256_LEN || !answer
        || answer->type != MSGPACK_OBJECT_BIN)
        rc = RM_ESTORE;
    else if (memcmp (stored->via.bin.ptr, hash, SHA256_LEN) != 0)
        rc = RM_ECONFLICT;
    else
        msgpack_sbuffer_write (reply, answer->via.bin.ptr, answer->via.bin.size);
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

static int
s_remember (MDB_txn *txn, const inventory_dbs_t *dbs, const char *movement_id, const uint8_t hash[SHA256_LEN],
            const msgpack_sbuffer *reply)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_str (&pk, "hash");
    msgpack_pack_bin (&pk, SHA256_LEN);
    msgpack_pack_bin_body (&pk, hash, SHA256_LEN);
    mp_pack_str (&pk, "reply");
    msgpack_pack_bin (&pk, reply->size);
    msgpack_pack_bin_body (&pk, reply->data, reply->size);
    int rc = storeval_put (txn, dbs->movements, movement_id, strlen (movement_id), INVENTORY_RECORD_V, buf.data,
                           buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

typedef enum { M_RECEIPT, M_ADJUSTMENT, M_TRANSFER, M_COUNT, M_QUARANTINE, M_RELEASE, M_NONE } s_type_t;

static const char *const s_types[] = {"receipt", "adjustment", "transfer", "count", "quarantine",
                                      "release_quarantine", NULL};

//  Checks what the catalogue cannot: the type, and the quantity and
//  to_location the type allows.
static int
s_validate (const inventory_movement_request_t *in, s_type_t *type, movement_problem_t *problem)
{
    *type = M_NONE;
    for (int i = 0; s_types[i]; i++)
        if (strcmp (in->type, s_types[i]) == 0)
            *type = (s_type_t) i;
    if (*type == M_NONE)
        return s_problem (problem, RM_EINVAL, "/type",
                          "unknown type '%s': receipt, adjustment, transfer, count, quarantine or release_quarantine",
                          in->type);
    if (*type == M_ADJUSTMENT && in->quantity == 0)
        return s_problem (problem, RM_EINVAL, "/quantity", "an adjustment must change on hand: quantity is 0");
    if (*type == M_COUNT && in->quantity < 0)
        return s_problem (problem, RM_EINVAL, "/quantity", "a count cannot be negative (%lld)",
                          (long long) in->quantity);
    if (*type != M_ADJUSTMENT && *type != M_COUNT && in->quantity <= 0)
        return s_problem (problem, RM_EINVAL, "/quantity", "a %s needs a quantity of at least 1, not %lld", in->type,
                          (long long) in->quantity);
    if (*type == M_TRANSFER && !in->to_location[0])
        return s_problem (problem, RM_EINVAL, "/to_location", "a transfer needs to_location");
    if (*type == M_TRANSFER && strcmp (in->to_location, in->location) == 0)
        return s_problem (problem, RM_EINVAL, "/to_location", "a transfer must go to another location than %s",
                          in->location);
    if (*type != M_TRANSFER && in->to_location[0])
        return s_problem (problem, RM_EINVAL, "/to_location", "only a transfer has to_location");
    return 0;
}

static int
s_refused (int rc, const inventory_movement_request_t *in, const char *location, int64_t shortfall,
           movement_problem_t *problem)
{
    problem->shortfall = shortfall;
    problem->location = location;
    if (rc == RM_ESHORT && strcmp (in->type, "release_quarantine") == 0)
        return s_problem (problem, rc, "/quantity", "%lld more units than are quarantined of %s at %s",
                          (long long) shortfall, in->sku, location);
    if (rc == RM_ESHORT)
        return s_problem (problem, rc, "/quantity",
                          "on hand of %s at %s would be %lld units short of what is reserved and quarantined",
                          in->sku, location, (long long) shortfall);
    if (rc == RM_EINVAL)
        return s_problem (problem, rc, "/quantity", "on hand of %s at %s would pass %lld", in->sku, location,
                          (long long) CATALOG_MAX_ON_HAND);
    return rc;
}

//  The reply is the event less its quantity: packed from the event's struct.
RECORD_FIELDS_OF (s_reply_fields, INVENTORY_MOVEMENT_REPLY, inventory_stock_moved_event_t)

//  Applies the movement to the stock, filling the reply's figures.
static int
s_move (service_t *svc, MDB_txn *txn, const char *cid, const inventory_movement_request_t *in, s_type_t type,
        inventory_stock_moved_event_t *out, movement_problem_t *problem)
{
    static const char *const ledger_types[] = {"receipt", "adjustment", "transfer_out", "count", NULL, NULL};
    stock_entry_t entry = {.movement_id = in->movement_id, .reason = in->reason, .occurred_at = in->occurred_at};
    stock_change_t change = {.entry = &entry, .type = ledger_types[type]};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_t after;
    int64_t shortfall = 0;
    int rc;
    if (type == M_COUNT) {
        rc = stock_count (svc, txn, cid, in->sku, in->location, in->quantity, &entry, &after, &shortfall,
                          &out->location_created);
        out->shortfall = shortfall;
        out->has_shortfall = shortfall > 0;
    }
    else {
        if (type == M_QUARANTINE || type == M_RELEASE)
            change.quarantine_delta = type == M_QUARANTINE ? in->quantity : -in->quantity;
        else
            change.on_hand_delta = type == M_TRANSFER ? -in->quantity : in->quantity;
        rc = stock_location_ensure (txn, &dbs, in->location, &out->location_created);
        if (rc == 0)
            rc = stock_change (svc, txn, cid, in->sku, in->location, &change, &after, &shortfall);
    }
    bool arrived = type == M_RECEIPT || type == M_RELEASE || (type == M_ADJUSTMENT && in->quantity > 0);
    if (rc == 0 && arrived)
        rc = stock_arrived (svc, txn, cid, in->sku, in->location, &after);
    if (rc != 0)
        return s_refused (rc, in, in->location, shortfall, problem);
    stock_fill_location_stock (&out->stock, in->location, &after);
    out->has_stock = true;
    if (type != M_TRANSFER)
        return 0;
    stock_change_t in_change = {.entry = &entry, .type = "transfer_in", .on_hand_delta = in->quantity};
    rc = stock_location_ensure (txn, &dbs, in->to_location, &out->to_location_created);
    if (rc == 0)
        rc = stock_change (svc, txn, cid, in->sku, in->to_location, &in_change, &after, &shortfall);
    if (rc == 0)
        rc = stock_arrived (svc, txn, cid, in->sku, in->to_location, &after);
    if (rc != 0)
        return s_refused (rc, in, in->to_location, shortfall, problem);
    stock_fill_location_stock (&out->to_stock, in->to_location, &after);
    out->has_to_stock = true;
    //  the fill may have held units at the source too
    stock_t from;
    rc = stock_get (txn, &dbs, in->sku, in->location, &from);
    if (rc == 0)
        stock_fill_location_stock (&out->stock, in->location, &from);
    return rc;
}

int
movement_record (service_t *svc, MDB_txn *txn, const char *cid, const char *key, const uint8_t hash[SHA256_LEN],
                 const inventory_stock_moved_event_t *moved, msgpack_sbuffer *reply)
{
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    msgpack_packer pk;
    msgpack_packer_init (&pk, reply, msgpack_sbuffer_write);
    record_pack (s_reply_fields, moved, &pk);
    record_pack (inventory_stock_moved_event_fields, moved, service_event (svc, "inventory.stock.moved", cid));
    return s_remember (txn, &dbs, key, hash, reply);
}

int
movement_apply (service_t *svc, MDB_txn *txn, const char *cid, const msgpack_object *body,
                const inventory_movement_request_t *in, msgpack_sbuffer *reply, bool *replayed,
                movement_problem_t *problem)
{
    *replayed = false;
    *problem = (movement_problem_t) {0};
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    uint8_t hash[SHA256_LEN];
    sha256_canonical (body, hash);
    int rc = movement_seen (txn, &dbs, in->movement_id, hash, reply);
    if (rc == 0) {
        *replayed = true;
        return 0;
    }
    if (rc == RM_ECONFLICT)
        return s_problem (problem, rc, "/movement_id", "movement %s was already applied with another body",
                          in->movement_id);
    if (rc != RM_ENOTFOUND)
        return rc;
    s_type_t type;
    if ((rc = s_validate (in, &type, problem)) != 0)
        return rc;
    inventory_stock_moved_event_t out = {.quantity = in->quantity};
    snprintf (out.movement_id, sizeof out.movement_id, "%s", in->movement_id);
    snprintf (out.type, sizeof out.type, "%s", in->type);
    snprintf (out.sku, sizeof out.sku, "%s", in->sku);
    snprintf (out.location, sizeof out.location, "%s", in->location);
    snprintf (out.to_location, sizeof out.to_location, "%s", in->to_location);
    if ((rc = s_move (svc, txn, cid, in, type, &out, problem)) != 0)
        return rc;
    return movement_record (svc, txn, cid, in->movement_id, hash, &out, reply);
}

typedef struct {
    service_t *svc;
    request_t *req;
    inventory_movement_request_t in;
    msgpack_sbuffer reply;
    bool replayed;
    movement_problem_t problem;
} s_ctx_t;

static int
s_write (MDB_txn *txn, void *arg)
{
    s_ctx_t *ctx = (s_ctx_t *) arg;
    return movement_apply (ctx->svc, txn, request_cid (ctx->req), request_body (ctx->req), &ctx->in, &ctx->reply,
                           &ctx->replayed, &ctx->problem);
}

int
movement_handle (service_t *svc, request_t *req)
{
    s_ctx_t ctx = {.svc = svc, .req = req};
    msgpack_sbuffer_init (&ctx.reply);
    int rc = record_decode (inventory_movement_request_fields, request_body (req), &ctx.in);
    if (rc == 0)
        rc = service_write (svc, s_write, &ctx);
    if (rc == 0) {
        log_info (request_cid (req), "movement %s (%s of %s at %s, %lld)%s", ctx.in.movement_id, ctx.in.type,
                  ctx.in.sku, ctx.in.location, (long long) ctx.in.quantity, ctx.replayed ? ": already applied" : "");
        mp_pack_raw (request_reply_ok (req), ctx.reply.data, ctx.reply.size);
    }
    else if (rc == RM_ESHORT && ctx.problem.field) {
        //  the units the movement takes, and how many of them there are to take
        const movement_problem_t *p = &ctx.problem;
        int64_t requested = ctx.in.quantity < 0 ? -ctx.in.quantity : ctx.in.quantity;
        msgpack_packer *pk = request_reply_error_details (req, rc, p->field, p->message, 1);
        msgpack_pack_map (pk, 5);
        mp_pack_kv_str (pk, "sku", ctx.in.sku);
        mp_pack_kv_str (pk, "location", p->location);
        mp_pack_kv_int (pk, "requested", requested);
        mp_pack_kv_int (pk, "available", requested > p->shortfall ? requested - p->shortfall : 0);
        mp_pack_kv_int (pk, "shortfall", p->shortfall);
        rc = RM_ESHORT;
    }
    else if (ctx.problem.field)
        rc = request_reply_error (req, rc, ctx.problem.field, "%s", ctx.problem.message);
    msgpack_sbuffer_destroy (&ctx.reply);
    return rc;
}
