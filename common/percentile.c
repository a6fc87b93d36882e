#include "percentile.h"
#include "err.h"
#include "store.h"
#include <string.h>

int
percentile_add (MDB_txn *txn, MDB_dbi dbi, const char *group, const void *id, size_t id_len, int64_t ms)
{
    size_t len = strlen (group);
    if (len == 0 || len > PERCENTILE_GROUP_MAX || id_len == 0 || id_len > PERCENTILE_ID_MAX)
        return RM_EINVAL;
    uint8_t key[PERCENTILE_GROUP_MAX + 1 + 8 + PERCENTILE_ID_MAX];
    memcpy (key, group, len + 1);
    store_key_u64 (ms > 0 ? (uint64_t) ms : 0, key + len + 1);
    memcpy (key + len + 9, id, id_len);
    return store_put (txn, dbi, key, len + 9 + id_len, "", 0, 0);
}

int
percentile_read (MDB_txn *txn, MDB_dbi dbi, const char *group, int64_t n, catalog_percentiles_t *out)
{
    const int pct[] = {50, 90, 99};
    int64_t *const at[] = {&out->p50, &out->p90, &out->p99};
    MDB_cursor *cursor;
    if (n < 1 || mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    size_t len = strlen (group);
    MDB_val key = {len + 1, (void *) group}, val;
    int64_t rank = 0;
    size_t next = 0;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         mrc == 0 && next < 3 && key.mv_size > len + 9 && memcmp (key.mv_data, group, len + 1) == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        rank++;
        MDB_val ms = {8, (uint8_t *) key.mv_data + len + 1};
        while (next < 3 && rank * 100 >= pct[next] * n) {
            *at[next] = (int64_t) store_u64_of (&ms);
            next++;
        }
    }
    mdb_cursor_close (cursor);
    return next == 3 ? 0 : RM_ESTORE;
}
