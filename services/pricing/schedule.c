#include "schedule.h"
#include "err.h"
#include "store.h"
#include <string.h>

#define S_KEY_MAX (8 + 2 * SCHEDULE_ID_MAX + 1)

static size_t
s_key (const schedule_item_t *item, uint8_t key[S_KEY_MAX])
{
    size_t blen = strlen (item->book_id), slen = strlen (item->sku);
    if (blen > SCHEDULE_ID_MAX || slen > SCHEDULE_ID_MAX)
        return 0;
    store_key_u64 ((uint64_t) item->at, key);
    memcpy (key + 8, item->book_id, blen);
    key[8 + blen] = '\0';
    memcpy (key + 9 + blen, item->sku, slen);
    return 9 + blen + slen;
}

int
schedule_add (MDB_txn *txn, MDB_dbi dbi, const schedule_item_t *item)
{
    uint8_t key[S_KEY_MAX];
    size_t klen = s_key (item, key);
    if (!klen)
        return RM_EINVAL;
    return store_put (txn, dbi, key, klen, "", 0, 0);
}

int
schedule_remove (MDB_txn *txn, MDB_dbi dbi, const schedule_item_t *item)
{
    uint8_t key[S_KEY_MAX];
    size_t klen = s_key (item, key);
    if (!klen)
        return 0;
    int rc = store_del (txn, dbi, key, klen);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
schedule_first (MDB_txn *txn, MDB_dbi dbi, schedule_item_t *item)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    mdb_cursor_close (cursor);
    if (rc == MDB_NOTFOUND)
        return RM_ENOTFOUND;
    if (rc != 0)
        return RM_ESTORE;
    const uint8_t *p = (const uint8_t *) key.mv_data;
    const uint8_t *nul = key.mv_size > 8 ? memchr (p + 8, '\0', key.mv_size - 8) : NULL;
    size_t blen = nul ? (size_t) (nul - p - 8) : 0, slen = nul ? key.mv_size - 9 - blen : 0;
    if (!nul || blen > SCHEDULE_ID_MAX || slen > SCHEDULE_ID_MAX)
        return RM_ESTORE;
    MDB_val at = {8, key.mv_data};
    item->at = (int64_t) store_u64_of (&at);
    memcpy (item->book_id, p + 8, blen);
    item->book_id[blen] = '\0';
    memcpy (item->sku, nul + 1, slen);
    item->sku[slen] = '\0';
    return 0;
}
