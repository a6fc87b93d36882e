#include "bulk.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "record.h"
#include "store.h"
#include "storeval.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A batch as recorded: the digest of its body and its answer.
typedef struct {
    char digest[SHA256_HEX_LEN + 1];
    CATALOG_BATCH_REPLY (RECORD_MEMBER, s_record_t)
} s_record_t;
#define S_RECORD(X, T) \
    X (T, STR, digest, true, FC_IDENT, SHA256_HEX_LEN, "SHA-256 of the body, hex") CATALOG_BATCH_REPLY (X, T)
static RECORD_FIELDS_OF (s_record_fields, S_RECORD, s_record_t)

int
bulk_digest (const msgpack_object *body, uint8_t digest[SHA256_LEN])
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, body);
    int rc = buf.data ? 0 : RM_ENOMEM;
    if (rc == 0)
        sha256 (buf.data, buf.size, digest);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static void
s_hex (const uint8_t digest[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
    for (size_t i = 0; i < SHA256_LEN; i++)
        snprintf (hex + 2 * i, 3, "%02x", digest[i]);
}

//  The recorded batch. Returns 0, RM_ENOTFOUND or RM_ESTORE.
static int
s_find (MDB_txn *txn, MDB_dbi dbi, const char *batch_id, s_record_t *record)
{
    MDB_val val;
    int rc = store_get (txn, dbi, batch_id, strlen (batch_id), &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, BULK_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (s_record_fields, &unpacked.data, record);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

static int
s_record (MDB_txn *txn, MDB_dbi dbi, const s_record_t *record)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (s_record_fields, record, &pk);
    int rc = buf.data ? storeval_put (txn, dbi, record->batch_id, strlen (record->batch_id), BULK_RECORD_V, buf.data,
                                      buf.size)
                      : RM_ENOMEM;
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static int
s_fault_keep (bulk_faults_t *faults, size_t index, const bulk_fault_t *fault)
{
    if (faults->count == faults->capacity) {
        size_t capacity = faults->capacity ? 2 * faults->capacity : 16;
        bulk_fault_t *grown = (bulk_fault_t *) realloc (faults->items, capacity * sizeof *grown);
        if (!grown)
            return RM_ENOMEM;
        faults->items = grown;
        faults->capacity = capacity;
    }
    bulk_fault_t *item = &faults->items[faults->count++];
    memset (item, 0, sizeof *item);
    item->index = index;
    item->code = fault->code;
    snprintf (item->field, sizeof item->field, "/items/%zu%.64s", index, fault->field);
    snprintf (item->message, sizeof item->message, "%s", fault->message);
    return 0;
}

static void
s_result_of (const s_record_t *record, catalog_batch_reply_t *result)
{
    memset (result, 0, sizeof *result);
    snprintf (result->batch_id, sizeof result->batch_id, "%s", record->batch_id);
    result->applied = record->applied;
    result->has_applied = true;
    result->applied_at = record->applied_at;
    result->has_applied_at = true;
}

int
bulk_apply (MDB_txn *txn, MDB_dbi dbi, const char *batch_id, const uint8_t digest[SHA256_LEN], size_t count,
            bulk_item_fn *fn, void *arg, int64_t now, catalog_batch_reply_t *result, bulk_faults_t *faults)
{
    s_record_t record = {0};
    s_hex (digest, record.digest);
    s_record_t found = {0};
    int rc = s_find (txn, dbi, batch_id, &found);
    if (rc == 0) {
        if (strcmp (found.digest, record.digest) != 0)
            return RM_ECONFLICT;
        s_result_of (&found, result);
        result->replayed = true;
        return 0;
    }
    if (rc != RM_ENOTFOUND)
        return rc;
    for (size_t i = 0; i < count; i++) {
        bulk_fault_t fault = {0};
        rc = fn (txn, i, arg, &fault);
        if (rc == 0)
            continue;
        if (rc != RM_EINVAL && rc != RM_ENOTFOUND && rc != RM_ECONFLICT && rc != RM_ESHORT)
            return rc;
        fault.code = rc;
        if ((rc = s_fault_keep (faults, i, &fault)) != 0)
            return rc;
    }
    if (faults->count > 0)
        return RM_EINVAL;
    snprintf (record.batch_id, sizeof record.batch_id, "%s", batch_id);
    record.applied = (int64_t) count;
    record.has_applied = true;
    record.applied_at = now;
    record.has_applied_at = true;
    rc = s_record (txn, dbi, &record);
    if (rc == 0)
        s_result_of (&record, result);
    return rc;
}

void
bulk_faults_free (bulk_faults_t *faults)
{
    free (faults->items);
    faults->items = NULL;
    faults->count = 0;
    faults->capacity = 0;
}

int
bulk_reply (request_t *req, int rc, const catalog_batch_reply_t *result, const bulk_faults_t *faults)
{
    if (rc == 0) {
        record_pack (catalog_batch_reply_fields, result, request_reply_ok (req));
        return 0;
    }
    if (rc == RM_ECONFLICT)
        return request_reply_error (req, rc, "/batch_id", "the batch was applied before with another body");
    if (rc != RM_EINVAL || faults->count == 0)
        return rc;
    char message[128];
    snprintf (message, sizeof message, "%zu item%s not valid; nothing was applied", faults->count,
              faults->count == 1 ? " is" : "s are");
    msgpack_packer *pk = request_reply_error_details (req, rc, "/items", message, faults->count);
    for (size_t i = 0; i < faults->count; i++) {
        const bulk_fault_t *fault = &faults->items[i];
        msgpack_pack_map (pk, 4);
        mp_pack_kv_int (pk, "index", (int64_t) fault->index);
        mp_pack_kv_str (pk, "code", rm_errname (fault->code));
        mp_pack_kv_str (pk, "field", fault->field);
        mp_pack_kv_str (pk, "message", fault->message);
    }
    return 0;
}

typedef struct {
    service_t *svc;
    request_t *req;
    const void *in;
    bulk_apply_fn *apply;
    uint8_t digest[SHA256_LEN];
    catalog_batch_reply_t *result;
    bulk_faults_t faults;
} s_handled_t;

static int
s_handled_write (MDB_txn *txn, void *arg)
{
    s_handled_t *ctx = (s_handled_t *) arg;
    bulk_faults_free (&ctx->faults);
    return ctx->apply (ctx->svc, ctx->req, txn, ctx->in, ctx->digest, clock_now_ms (), ctx->result, &ctx->faults);
}

int
bulk_handle (service_t *svc, request_t *req, const field_spec_t *fields, void *in, bulk_apply_fn *apply,
             catalog_batch_reply_t *result)
{
    s_handled_t ctx = {.svc = svc, .req = req, .in = in, .apply = apply, .result = result};
    int rc = record_decode (fields, request_body (req), in);
    if (rc == 0)
        rc = bulk_digest (request_body (req), ctx.digest);
    if (rc == 0)
        rc = service_write (svc, s_handled_write, &ctx);
    if (rc == 0)
        log_info (request_cid (req), "%s %s: %lld items %s", request_op (req), result->batch_id,
                  (long long) result->applied, result->replayed ? "applied before" : "applied");
    rc = bulk_reply (req, rc, result, &ctx.faults);
    bulk_faults_free (&ctx.faults);
    record_free (fields, in);
    return rc;
}
