#include "milestone.h"
#include "clock.h"
#include "err.h"
#include "ffstats.h"
#include "log.h"
#include "mp.h"
#include "sha256.h"
#include "storeval.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define S_EVENT_ID_MAX 128
#define S_KEY_MAX (16 + 8 + S_EVENT_ID_MAX)
#define S_EXCEPTION (-2)

static const char *const s_outcomes[] = {"applied", "duplicate", "kept", "rejected"};

const char *
milestone_outcome_name (milestone_outcome_t outcome)
{
    return s_outcomes[outcome];
}

static int s_reject (milestone_result_t *result, int rc, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_reject (milestone_result_t *result, int rc, const char *field, const char *fmt, ...)
{
    result->outcome = MILESTONE_REJECTED;
    snprintf (result->field, sizeof result->field, "%s", field ? field : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (result->message, sizeof result->message, fmt, args);
    va_end (args);
    return rc;
}

//  event_ids: the fulfilment's ID, then event_id.
static size_t
s_event_key (uint8_t key[S_KEY_MAX], const uint8_t id[16], const char *event_id)
{
    size_t len = strlen (event_id);
    memcpy (key, id, 16);
    memcpy (key + 16, event_id, len);
    return 16 + len;
}

//  history: the fulfilment's ID, occurred_at, then event_id.
static size_t
s_history_key (uint8_t key[S_KEY_MAX], const uint8_t id[16], int64_t occurred_at, const char *event_id)
{
    size_t len = strlen (event_id);
    memcpy (key, id, 16);
    store_key_u64 ((uint64_t) occurred_at, key + 16);
    memcpy (key + 24, event_id, len);
    return 24 + len;
}

//  1 when event_id was recorded with this hash, 0 when it was not,
//  RM_ECONFLICT when it was with another, or a store error.
static int
s_seen (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t id[16], const char *event_id,
        const uint8_t hash[SHA256_LEN])
{
    uint8_t key[S_KEY_MAX];
    MDB_val val;
    int rc = store_get (txn, dbs->event_ids, key, s_event_key (key, id, event_id), &val);
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, FFSTORE_RECORD_V, &unpacked);
    const msgpack_object *stored = rc == 0 ? mp_get (&unpacked.data, "hash") : NULL;
    if (!stored || stored->type != MSGPACK_OBJECT_BIN || stored->via.bin.size != SHA256_LEN)
        rc = RM_ESTORE;
    else
        rc = memcmp (stored->via.bin.ptr, hash, SHA256_LEN) == 0 ? 1 : RM_ECONFLICT;
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  Records the milestone in the history and its event_id.
static int
s_remember (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t id[16], const fulfillment_milestone_request_t *m,
            const uint8_t hash[SHA256_LEN], bool applied)
{
    fulfillment_history_entry_t entry = {
        .occurred_at = m->occurred_at, .has_occurred_at = true, .lines = m->lines, .lines_count = m->lines_count,
        .recorded_at = clock_now_ms (), .has_recorded_at = true, .applied = applied};
    snprintf (entry.event_id, sizeof entry.event_id, "%s", m->event_id);
    snprintf (entry.type, sizeof entry.type, "%s", m->type);
    snprintf (entry.carrier, sizeof entry.carrier, "%s", m->carrier);
    snprintf (entry.tracking_number, sizeof entry.tracking_number, "%s", m->tracking_number);
    snprintf (entry.tracking_url, sizeof entry.tracking_url, "%s", m->tracking_url);
    snprintf (entry.reason, sizeof entry.reason, "%s", m->reason);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fulfillment_history_entry_fields, &entry, &pk);
    uint8_t key[S_KEY_MAX];
    int rc = storeval_put (txn, dbs->history, key, s_history_key (key, id, m->occurred_at, m->event_id),
                           FFSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_clear (&buf);
    msgpack_pack_map (&pk, 1);
    mp_pack_str (&pk, "hash");
    msgpack_pack_bin (&pk, SHA256_LEN);
    msgpack_pack_bin_body (&pk, hash, SHA256_LEN);
    if (rc == 0)
        rc = storeval_put (txn, dbs->event_ids, key, s_event_key (key, id, m->event_id), FFSTORE_RECORD_V, buf.data,
                           buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  The stage the type names, S_EXCEPTION, or a rejection.
static int
s_check_type (const fulfillment_milestone_request_t *m, milestone_result_t *result)
{
    int stage = strcmp (m->type, "exception") == 0 ? S_EXCEPTION : fulfilment_stage_of (m->type);
    if (stage == FULFILMENT_ALLOCATED || stage == -1)
        return s_reject (result, RM_EINVAL, "/type", "unknown milestone type '%s': picked, packed, shipped, "
                         "delivered or exception", m->type);
    if (stage == S_EXCEPTION && !m->reason[0])
        return s_reject (result, RM_EINVAL, "/reason", "an exception needs a reason: " FULFILLMENT_REASONS);
    if (m->reason[0] && !fulfilment_reason_valid (m->reason))
        return s_reject (result, RM_EINVAL, "/reason", "unknown reason '%s': " FULFILLMENT_REASONS, m->reason);
    if (m->reason[0] && stage != S_EXCEPTION && (stage != FULFILMENT_SHIPPED || strcmp (m->reason, "short_pick") != 0))
        return s_reject (result, RM_EINVAL, "/reason", "only an exception has a reason, and a shipped milestone "
                         "short_pick (got '%s' on %s)", m->reason, m->type);
    return stage;
}

//  The units per fulfilment line the milestone's lines name, each line
//  taking at most cap[i] (lines of one SKU filled in order). 1 when the
//  milestone has no lines, 0 with units set, or a rejection naming the
//  line; what says what cap is ("holds", "shipped").
static int
s_units (const fulfilment_t *f, const fulfillment_milestone_request_t *m, const int64_t *cap, int64_t *units,
         const char *what, milestone_result_t *result)
{
    memset (units, 0, f->lines_count * sizeof *units);
    if (m->lines_count == 0)
        return 1;
    char field[64];
    for (size_t i = 0; i < m->lines_count; i++) {
        const catalog_sku_quantity_t *want = &m->lines[i];
        for (size_t k = 0; k < i; k++)
            if (strcmp (m->lines[k].sku, want->sku) == 0) {
                snprintf (field, sizeof field, "/lines/%zu/sku", i);
                return s_reject (result, RM_EINVAL, field, "%s appears more than once", want->sku);
            }
        int64_t left = want->quantity, held = 0;
        bool found = false;
        for (size_t l = 0; l < f->lines_count; l++)
            if (strcmp (f->lines[l].sku, want->sku) == 0) {
                int64_t take = left < cap[l] ? left : cap[l];
                found = true;
                units[l] = take;
                left -= take;
                held += cap[l];
            }
        if (!found) {
            snprintf (field, sizeof field, "/lines/%zu/sku", i);
            return s_reject (result, RM_EINVAL, field, "fulfilment %s holds no %s", f->fulfillment_id, want->sku);
        }
        if (left > 0) {
            snprintf (field, sizeof field, "/lines/%zu/quantity", i);
            return s_reject (result, RM_EINVAL, field, "%lld units of %s are more than the %lld the fulfilment %s",
                             (long long) want->quantity, want->sku, (long long) held, what);
        }
    }
    return 0;
}

static void
s_set_status (fulfilment_t *f, const char *status)
{
    snprintf (f->status, sizeof f->status, "%s", status);
}

static void
s_set_tracking (fulfilment_t *f, const fulfillment_milestone_request_t *m)
{
    if (m->carrier[0])
        snprintf (f->carrier, sizeof f->carrier, "%s", m->carrier);
    if (m->tracking_number[0])
        snprintf (f->tracking_number, sizeof f->tracking_number, "%s", m->tracking_number);
    if (m->tracking_url[0])
        snprintf (f->tracking_url, sizeof f->tracking_url, "%s", m->tracking_url);
}

static bool
s_short (const fulfilment_t *f)
{
    for (size_t l = 0; l < f->lines_count; l++)
        if (f->lines[l].shortfall > 0)
            return true;
    return false;
}

//  What left: given units, or what was picked (everything open when no
//  pick was reported); the rest of each line is its shortfall.
static int
s_ship (service_t *svc, MDB_txn *txn, fulfilment_t *f, const int64_t *given, const fulfillment_milestone_request_t *m,
        const char *cid)
{
    for (size_t l = 0; l < f->lines_count; l++) {
        fulfillment_line_t *line = &f->lines[l];
        int64_t open = fulfilment_line_open (line);
        line->shipped = given ? given[l] : f->stage >= FULFILMENT_PICKED ? line->picked : open;
        if (line->picked < line->shipped)
            line->picked = line->shipped;
        line->shortfall = open - line->shipped;
    }
    f->stage = FULFILMENT_SHIPPED;
    s_set_status (f, "shipped");
    snprintf (f->reason, sizeof f->reason, "%s", s_short (f) || strcmp (m->reason, "short_pick") == 0 ? "short_pick" : "");
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    int rc = ffstats_shipped (txn, &dbs, f->location, f->fulfillment_id, m->occurred_at - f->accepted_at);
    if (rc == 0)
        fulfilment_emit (svc, f, "fulfillment.shipment.shipped", cid, m->event_id, m->occurred_at);
    return rc;
}

//  Moves the fulfilment forward to stage.
static int
s_progress (service_t *svc, MDB_txn *txn, fulfilment_t *f, int stage, const int64_t *given,
            const fulfillment_milestone_request_t *m, const char *cid)
{
    int rc = 0;
    if (stage <= FULFILMENT_PACKED && f->stage < FULFILMENT_PICKED)
        for (size_t l = 0; l < f->lines_count; l++)
            f->lines[l].picked = given ? given[l] : fulfilment_line_open (&f->lines[l]);
    if (stage == FULFILMENT_SHIPPED || (stage == FULFILMENT_DELIVERED && f->stage < FULFILMENT_SHIPPED))
        rc = s_ship (svc, txn, f, given, m, cid);
    if (rc == 0 && stage == FULFILMENT_DELIVERED)
        for (size_t l = 0; l < f->lines_count; l++)
            f->lines[l].delivered = given ? given[l] : f->lines[l].shipped;
    if (stage != FULFILMENT_SHIPPED)
        snprintf (f->reason, sizeof f->reason, "%s", s_short (f) ? "short_pick" : "");
    f->stage = stage;
    s_set_status (f, fulfilment_stage_name (stage));
    if (rc == 0 && stage != FULFILMENT_SHIPPED)
        fulfilment_emit (svc, f, stage == FULFILMENT_PICKED   ? "fulfillment.shipment.picked"
                                 : stage == FULFILMENT_PACKED ? "fulfillment.shipment.packed"
                                                              : "fulfillment.shipment.delivered",
                         cid, m->event_id, m->occurred_at);
    return rc;
}

static int
s_except (service_t *svc, MDB_txn *txn, fulfilment_t *f, const fulfillment_milestone_request_t *m, const char *cid)
{
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    int rc = f->excepted ? 0 : ffstats_exception (txn, &dbs, f->location);
    f->excepted = true;
    s_set_status (f, "exception");
    snprintf (f->reason, sizeof f->reason, "%s", m->reason);
    if (rc == 0)
        fulfilment_emit (svc, f, "fulfillment.shipment.exception", cid, m->event_id, m->occurred_at);
    return rc;
}

//  Checks the milestone against the fulfilment and applies it when it
//  moves the status; *applied says whether it did.
static int
s_apply (service_t *svc, MDB_txn *txn, fulfilment_t *f, const fulfillment_milestone_request_t *m, const char *cid,
         bool *applied, milestone_result_t *result)
{
    int stage = s_check_type (m, result);
    if (stage < 0 && stage != S_EXCEPTION)
        return stage;
    if (strcmp (f->status, "cancelled") == 0)
        return s_reject (result, RM_ECONFLICT, NULL, "fulfilment %s is cancelled", f->fulfillment_id);
    if (f->milestones >= FULFILLMENT_HISTORY_MAX)
        return s_reject (result, RM_ECONFLICT, NULL, "fulfilment %s has %d milestones, the most it keeps",
                         f->fulfillment_id, FULFILLMENT_HISTORY_MAX);
    int64_t cap[CATALOG_MAX_LINES], units[CATALOG_MAX_LINES];
    bool against_shipped = stage == FULFILMENT_DELIVERED && f->stage >= FULFILMENT_SHIPPED;
    for (size_t l = 0; l < f->lines_count; l++)
        cap[l] = against_shipped ? f->lines[l].shipped : fulfilment_line_open (&f->lines[l]);
    int rc = s_units (f, m, cap, units, against_shipped ? "shipped" : "holds", result);
    if (rc < 0)
        return rc;
    const int64_t *given = rc == 0 ? units : NULL;
    //  updated_at is created_at until a milestone first moves the status
    bool confirmed = f->stage > FULFILMENT_ALLOCATED || f->excepted;
    *applied = stage == S_EXCEPTION ? !confirmed || m->occurred_at >= f->updated_at : stage > f->stage;
    if (!*applied)
        return 0;
    s_set_tracking (f, m);
    if (!confirmed || m->occurred_at > f->updated_at)
        f->updated_at = m->occurred_at;
    return stage == S_EXCEPTION ? s_except (svc, txn, f, m, cid) : s_progress (svc, txn, f, stage, given, m, cid);
}

int
milestone_apply (service_t *svc, MDB_txn *txn, const fulfillment_milestone_request_t *m, const msgpack_object *body,
                 const char *cid, fulfilment_t *after, milestone_result_t *result)
{
    *result = (milestone_result_t) {.outcome = MILESTONE_REJECTED};
    memset (after, 0, sizeof *after);
    uint8_t id[16], hash[SHA256_LEN];
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    int rc = uuid_parse (m->fulfillment_id, id) == 0 ? fulfilment_load (txn, &dbs, id, after) : RM_ENOTFOUND;
    if (rc == RM_ENOTFOUND)
        return s_reject (result, rc, NULL, "no fulfilment %s", m->fulfillment_id);
    if (rc != 0)
        return rc;
    sha256_canonical (body, hash);
    rc = s_seen (txn, &dbs, id, m->event_id, hash);
    if (rc == RM_ECONFLICT)
        return s_reject (result, rc, "/event_id", "event_id %s was sent before with another body", m->event_id);
    if (rc == 1)
        result->outcome = MILESTONE_DUPLICATE;
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    bool applied = false;
    rc = s_apply (svc, txn, after, m, cid, &applied, result);
    if (rc == 0) {
        after->milestones++;
        rc = fulfilment_save (txn, &dbs, after);
    }
    if (rc == 0)
        rc = s_remember (txn, &dbs, id, m, hash, applied);
    if (rc == 0) {
        result->outcome = applied ? MILESTONE_APPLIED : MILESTONE_KEPT;
        log_info (cid, "fulfilment %s: %s %s (%s), now %s", after->fulfillment_id, m->type, m->event_id,
                  applied ? "applied" : "kept in the history", after->status);
    }
    return rc;
}

int
milestone_history (MDB_txn *txn, const ffstore_dbs_t *dbs, fulfilment_t *self)
{
    uint8_t id[16];
    if (uuid_parse (self->fulfillment_id, id) != 0)
        return RM_ESTORE;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->history, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key = {16, id}, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && key.mv_size > 24 && memcmp (key.mv_data, id, 16) == 0
         && self->history_count < FULFILLMENT_HISTORY_MAX;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        fulfillment_history_entry_t *entry = (fulfillment_history_entry_t *) record_push (
            &self->history, &self->history_count, sizeof *entry);
        msgpack_unpacked unpacked;
        rc = entry ? storeval_read (&val, FFSTORE_RECORD_V, &unpacked) : RM_ENOMEM;
        if (rc == 0)
            rc = record_decode (fulfillment_history_entry_fields, &unpacked.data, entry);
        if (entry)
            msgpack_unpacked_destroy (&unpacked);
    }
    mdb_cursor_close (cursor);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

//  ---------------------------------------------------------------------
//  the operations

typedef struct {
    service_t *svc;
    const char *cid;
    const fulfillment_milestone_request_t *m;
    const msgpack_object *body;
    fulfilment_t after;
    milestone_result_t result;
} s_item_t;

static int
s_item_write (MDB_txn *txn, void *arg)
{
    s_item_t *item = (s_item_t *) arg;
    fulfilment_free (&item->after);
    return milestone_apply (item->svc, txn, item->m, item->body, item->cid, &item->after, &item->result);
}

//  A rejection the caller answers (or lists in a batch): the others are
//  failures of the service.
static bool
s_business (int rc)
{
    return rc == RM_ENOTFOUND || rc == RM_EINVAL || rc == RM_ECONFLICT;
}

int
milestone_handle (service_t *svc, request_t *req)
{
    fulfillment_milestone_request_t m = {0};
    int rc = record_decode (fulfillment_milestone_request_fields, request_body (req), &m);
    s_item_t item = {.svc = svc, .cid = request_cid (req), .m = &m, .body = request_body (req)};
    if (rc == 0)
        rc = service_write (svc, s_item_write, &item);
    if (rc == 0) {
        item.after.applied = item.result.outcome == MILESTONE_APPLIED;
        item.after.duplicate = item.result.outcome == MILESTONE_DUPLICATE;
        record_pack (fulfilment_milestone_reply_fields, &item.after, request_reply_ok (req));
    }
    else if (s_business (rc))
        request_reply_error (req, rc, item.result.field[0] ? item.result.field : NULL, "%s", item.result.message);
    fulfilment_free (&item.after);
    record_free (fulfillment_milestone_request_fields, &m);
    return rc;
}

static int
s_http_code (int rc)
{
    return rc == RM_ENOTFOUND ? 404 : rc == RM_ECONFLICT ? 409 : 422;
}

int
milestone_handle_batch (service_t *svc, request_t *req)
{
    fulfillment_milestones_batch_request_t in = {0};
    fulfillment_milestones_batch_reply_t reply = {0};
    int rc = record_decode (fulfillment_milestones_batch_request_fields, request_body (req), &in);
    const msgpack_object_array *bodies = mp_get_array (request_body (req), "items");
    size_t applied = 0;
    for (size_t i = 0; rc == 0 && i < in.items_count; i++) {
        s_item_t item = {.svc = svc, .cid = request_cid (req), .m = &in.items[i], .body = &bodies->ptr[i]};
        int irc = service_write (svc, s_item_write, &item);
        fulfillment_batch_result_t *r = (fulfillment_batch_result_t *) record_push (&reply.results, &reply.results_count,
                                                                                  sizeof *r);
        if (!r)
            rc = RM_ENOMEM;
        else if (irc != 0 && !s_business (irc))
            rc = irc;
        else {
            r->index = (int64_t) i;
            snprintf (r->fulfillment_id, sizeof r->fulfillment_id, "%s", in.items[i].fulfillment_id);
            snprintf (r->event_id, sizeof r->event_id, "%s", in.items[i].event_id);
            snprintf (r->status, sizeof r->status, "%s", milestone_outcome_name (item.result.outcome));
            applied += item.result.outcome == MILESTONE_APPLIED;
            if (irc != 0) {
                r->code = s_http_code (irc);
                r->has_code = true;
                r->has_error = true;
                snprintf (r->error.field, sizeof r->error.field, "%s", item.result.field);
                snprintf (r->error.message, sizeof r->error.message, "%s", item.result.message);
            }
        }
        fulfilment_free (&item.after);
    }
    if (rc == 0) {
        record_pack (fulfillment_milestones_batch_reply_fields, &reply, request_reply_ok (req));
        log_info (request_cid (req), "milestones batch: %zu of %zu applied", applied, in.items_count);
    }
    record_free (fulfillment_milestones_batch_reply_fields, &reply);
    record_free (fulfillment_milestones_batch_request_fields, &in);
    return rc;
}
