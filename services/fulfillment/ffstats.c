#include "ffstats.h"
#include "err.h"
#include "percentile.h"
#include "storeval.h"
#include "uuid.h"
#include <string.h>

#define S_COUNTS(X, T) \
    R_AMOUNT (X, T, fulfillments, "") R_AMOUNT (X, T, exceptions, "") R_AMOUNT (X, T, shipped, "")
RECORD_STRUCT (s_counts, S_COUNTS)
RECORD_FIELDS (s_counts, S_COUNTS)

static int
s_counts_get (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location, s_counts_t *out)
{
    *out = (s_counts_t) {0};
    MDB_val val;
    int rc = store_get (txn, dbs->stats, location, strlen (location), &val);
    if (rc == RM_ENOTFOUND)
        return 0;
    msgpack_unpacked unpacked;
    if (rc == 0)
        rc = storeval_read (&val, FFSTORE_RECORD_V, &unpacked);
    else
        msgpack_unpacked_init (&unpacked);
    if (rc == 0)
        rc = record_decode (s_counts_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

//  Adds to the location's counters.
static int
s_count (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location, int fulfillments, int exceptions,
         int shipped)
{
    s_counts_t counts;
    int rc = s_counts_get (txn, dbs, location, &counts);
    if (rc != 0)
        return rc;
    counts.fulfillments += fulfillments;
    counts.exceptions += exceptions;
    counts.shipped += shipped;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (s_counts_fields, &counts, &pk);
    rc = storeval_put (txn, dbs->stats, location, strlen (location), FFSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
ffstats_created (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location)
{
    return s_count (txn, dbs, location, 1, 0, 0);
}

int
ffstats_exception (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location)
{
    return s_count (txn, dbs, location, 0, 1, 0);
}

#define S_LOCATION_MAX 64

int
ffstats_shipped (MDB_txn *txn, const ffstore_dbs_t *dbs, const char *location, const char *fulfillment_id,
                 int64_t elapsed_ms)
{
    uint8_t id[16];
    if (strlen (location) > S_LOCATION_MAX || uuid_parse (fulfillment_id, id) != 0)
        return RM_EINVAL;
    int rc = percentile_add (txn, dbs->ship_times, location, id, sizeof id, elapsed_ms);
    return rc == 0 ? s_count (txn, dbs, location, 0, 0, 1) : rc;
}

static int64_t
s_rate_bp (int64_t part, int64_t whole)
{
    return whole > 0 ? part * 10000 / whole : 0;
}

static int
s_location (MDB_txn *txn, const ffstore_dbs_t *dbs, const MDB_val *key, const MDB_val *val,
            fulfillment_location_health_t *out)
{
    if (key->mv_size == 0 || key->mv_size > S_LOCATION_MAX)
        return RM_ESTORE;
    memcpy (out->location, key->mv_data, key->mv_size);
    out->location[key->mv_size] = '\0';
    msgpack_unpacked unpacked;
    s_counts_t counts = {0};
    int rc = storeval_read (val, FFSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (s_counts_fields, &unpacked.data, &counts);
    msgpack_unpacked_destroy (&unpacked);
    if (rc != 0)
        return RM_ESTORE;
    out->fulfillments = counts.fulfillments;
    out->exceptions = counts.exceptions;
    out->exception_rate_bp = s_rate_bp (counts.exceptions, counts.fulfillments);
    out->shipped = counts.shipped;
    out->has_accepted_to_shipped_ms = counts.shipped > 0;
    return counts.shipped == 0
               ? 0
               : percentile_read (txn, dbs->ship_times, out->location, counts.shipped, &out->accepted_to_shipped_ms);
}

int
ffstats_read (MDB_txn *txn, const ffstore_dbs_t *dbs, fulfillment_health_t *out)
{
    *out = (fulfillment_health_t) {0};
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->stats, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        fulfillment_location_health_t *at = (fulfillment_location_health_t *) record_push (
            &out->locations, &out->locations_count, sizeof *at);
        rc = at ? s_location (txn, dbs, &key, &val, at) : RM_ENOMEM;
        if (rc == 0) {
            out->fulfillments += at->fulfillments;
            out->exceptions += at->exceptions;
        }
    }
    mdb_cursor_close (cursor);
    out->exception_rate_bp = s_rate_bp (out->exceptions, out->fulfillments);
    return rc;
}

int
ffstats_health (service_t *svc, MDB_txn *txn, msgpack_packer *pk)
{
    if (!txn)
        return RM_ESTORE;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    fulfillment_health_t health;
    int rc = ffstats_read (txn, &dbs, &health);
    if (rc == 0)
        record_pack (fulfillment_health_fields, &health, pk);
    record_free (fulfillment_health_fields, &health);
    return rc;
}
