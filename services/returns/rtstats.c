#include "rtstats.h"
#include "err.h"
#include "percentile.h"
#include "refund.h"
#include "storeval.h"
#include "text.h"
#include <string.h>

#define S_COUNT(X, T) R_AMOUNT (X, T, count, "")
RECORD_STRUCT (s_count, S_COUNT)
RECORD_FIELDS (s_count, S_COUNT)

static const char *const s_statuses[] = {"authorized", "received",  "refunded", "closed",
                                         "rejected",   "cancelled", "expired"};
#define S_STATUSES (sizeof s_statuses / sizeof s_statuses[0])

//  The member of counts that holds status i of s_statuses.
static int64_t *
s_status_member (returns_status_counts_t *counts, size_t i)
{
    int64_t *const at[S_STATUSES] = {&counts->authorized, &counts->received,  &counts->refunded, &counts->closed,
                                     &counts->rejected,   &counts->cancelled, &counts->expired};
    return at[i];
}

static int
s_status_index (const char *status)
{
    for (size_t i = 0; i < S_STATUSES; i++)
        if (strcmp (s_statuses[i], status) == 0)
            return (int) i;
    return -1;
}

static int
s_count_of (const MDB_val *val, int64_t *count)
{
    msgpack_unpacked unpacked;
    s_count_t rec = {0};
    int rc = storeval_read (val, RETSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (s_count_fields, &unpacked.data, &rec);
    msgpack_unpacked_destroy (&unpacked);
    *count = rec.count;
    return rc == 0 ? 0 : RM_ESTORE;
}

//  Adds delta to the count under key (absent: 0). Returns 0, RM_ESTORE
//  when it would fall below 0, or a store error.
static int
s_add (MDB_txn *txn, const retstore_dbs_t *dbs, const char *key, int64_t delta)
{
    MDB_val val;
    int64_t count = 0;
    int rc = store_get (txn, dbs->stats, key, strlen (key), &val);
    if (rc == 0)
        rc = s_count_of (&val, &count);
    else if (rc == RM_ENOTFOUND)
        rc = 0;
    if (rc != 0 || count + delta < 0)
        return rc != 0 ? rc : RM_ESTORE;
    s_count_t rec = {.count = count + delta};
    return storeval_put_record (txn, dbs->stats, key, strlen (key), RETSTORE_RECORD_V, s_count_fields, &rec);
}

int
rtstats_status (MDB_txn *txn, const retstore_dbs_t *dbs, const char *from, const char *to)
{
    if ((from && s_status_index (from) < 0) || s_status_index (to) < 0)
        return RM_EINVAL;
    if (from && strcmp (from, to) == 0)
        return 0;
    char key[32];
    int rc = 0;
    if (from) {
        snprintf (key, sizeof key, "s:%s", from);
        rc = s_add (txn, dbs, key, -1);
    }
    snprintf (key, sizeof key, "s:%s", to);
    return rc == 0 ? s_add (txn, dbs, key, 1) : rc;
}

#define S_GROUP_MAX (2 + 64)

//  One sample in group: its time and its count.
static int
s_sample (MDB_txn *txn, const retstore_dbs_t *dbs, const char *group, const char *return_id, int64_t ms)
{
    char key[2 + S_GROUP_MAX + 1];
    snprintf (key, sizeof key, "g:%s", group);
    int rc = percentile_add (txn, dbs->resolution_times, group, return_id, strlen (return_id), ms);
    return rc == 0 ? s_add (txn, dbs, key, 1) : rc;
}

int
rtstats_resolved (MDB_txn *txn, const retstore_dbs_t *dbs, const retrec_t *ret)
{
    if (!ret->has_refunded_at)
        return RM_EINVAL;
    int64_t ms = ret->refunded_at - ret->authorized_at;
    char group[S_GROUP_MAX + 1];
    int rc = s_sample (txn, dbs, "*", ret->return_id, ms);
    if (rc == 0) {
        snprintf (group, sizeof group, "l:%s", ret->return_location);
        rc = s_sample (txn, dbs, group, ret->return_id, ms);
    }
    bool seen[REFUND_REASONS] = {false};
    for (size_t i = 0; rc == 0 && i < ret->lines_count; i++) {
        int at = refund_reason_index (ret->lines[i].reason);
        if (at < 0 || seen[at] || ret->lines[i].refunded == 0)
            continue;
        seen[at] = true;
        snprintf (group, sizeof group, "r:%s", refund_reasons[at]);
        rc = s_sample (txn, dbs, group, ret->return_id, ms);
    }
    return rc;
}

//  The count and percentiles of group (its key in stats, after "g:").
static int
s_resolution (MDB_txn *txn, const retstore_dbs_t *dbs, const char *group, int64_t count, returns_resolution_t *out,
              bool *has)
{
    catalog_percentiles_t times;
    int rc = percentile_read (txn, dbs->resolution_times, group, count, &times);
    *out = (returns_resolution_t) {.count = count, .p50 = times.p50, .p90 = times.p90, .p99 = times.p99};
    *has = rc == 0;
    return rc;
}

//  Reads one "g:..." or "s:..." entry of stats into out.
static int
s_entry (MDB_txn *txn, const retstore_dbs_t *dbs, const MDB_val *key, const MDB_val *val, returns_health_t *out)
{
    char name[2 + S_GROUP_MAX + 1];
    int64_t count;
    if (key->mv_size < 3 || key->mv_size >= sizeof name || s_count_of (val, &count) != 0)
        return RM_ESTORE;
    memcpy (name, key->mv_data, key->mv_size);
    name[key->mv_size] = '\0';
    const char *group = name + 2;
    if (name[0] == 's') {
        int at = s_status_index (group);
        if (at < 0)
            return RM_ESTORE;
        *s_status_member (&out->statuses, (size_t) at) = count;
        return 0;
    }
    if (count == 0)
        return 0;
    if (strcmp (group, "*") == 0)
        return s_resolution (txn, dbs, group, count, &out->resolution_ms, &out->has_resolution_ms);
    if (strncmp (group, "r:", 2) == 0) {
        returns_reason_health_t *at =
            (returns_reason_health_t *) record_push (&out->reasons, &out->reasons_count, sizeof *at);
        if (!at)
            return RM_ENOMEM;
        text_copy (at->reason, sizeof at->reason, group + 2);
        return s_resolution (txn, dbs, group, count, &at->resolution_ms, &at->has_resolution_ms);
    }
    if (strncmp (group, "l:", 2) == 0) {
        returns_location_health_t *at =
            (returns_location_health_t *) record_push (&out->locations, &out->locations_count, sizeof *at);
        if (!at)
            return RM_ENOMEM;
        text_copy (at->return_location, sizeof at->return_location, group + 2);
        return s_resolution (txn, dbs, group, count, &at->resolution_ms, &at->has_resolution_ms);
    }
    return RM_ESTORE;
}

int
rtstats_read (MDB_txn *txn, const retstore_dbs_t *dbs, returns_health_t *out)
{
    *out = (returns_health_t) {0};
    out->has_statuses = true;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->stats, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT))
        rc = s_entry (txn, dbs, &key, &val, out);
    mdb_cursor_close (cursor);
    return rc;
}

int
rtstats_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk)
{
    if (!txn)
        return RM_ESTORE;
    retstore_dbs_t dbs = retstore_dbs_of (svc);
    returns_health_t health;
    int rc = rtstats_read (txn, &dbs, &health);
    if (rc == 0)
        record_pack (returns_health_fields, &health, pk);
    record_free (returns_health_fields, &health);
    return rc;
}
