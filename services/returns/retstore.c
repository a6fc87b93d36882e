#include "retstore.h"
#include "err.h"
#include "store.h"
#include "uuid.h"
#include <string.h>

const char *const retstore_dbs[] = {"returns", "by_order", "requests", "idem_keys", "expiry", "receipts", "stats",
                                    "resolution_times", NULL};

retstore_dbs_t
retstore_dbs_of (service_t *svc)
{
    return (retstore_dbs_t) {service_dbi (svc, RETSTORE_DB_RETURNS),   service_dbi (svc, RETSTORE_DB_BY_ORDER),
                             service_dbi (svc, RETSTORE_DB_REQUESTS),  service_dbi (svc, RETSTORE_DB_IDEM_KEYS),
                             service_dbi (svc, RETSTORE_DB_EXPIRY),    service_dbi (svc, RETSTORE_DB_RECEIPTS),
                             service_dbi (svc, RETSTORE_DB_STATS), service_dbi (svc, RETSTORE_DB_RESOLUTION_TIMES)};
}

//  Copies the ID that ends a key; RM_ESTORE when it cannot be one.
static int
s_tail_id (const MDB_val *key, size_t head, char *return_id)
{
    if (key->mv_size <= head || key->mv_size - head > RETSTORE_ID_MAX)
        return RM_ESTORE;
    size_t len = key->mv_size - head;
    memcpy (return_id, (const uint8_t *) key->mv_data + head, len);
    return_id[len] = '\0';
    return 0;
}

size_t
retstore_expiry_key (int64_t expires_at, const char *return_id, uint8_t *key)
{
    size_t len = strlen (return_id);
    if (len == 0 || len > RETSTORE_ID_MAX)
        return 0;
    store_key_u64 ((uint64_t) expires_at, key);
    memcpy (key + 8, return_id, len);
    return 8 + len;
}

int
retstore_expiry_parse (const MDB_val *key, int64_t *expires_at, char *return_id)
{
    int rc = s_tail_id (key, 8, return_id);
    if (rc == 0)
        *expires_at = (int64_t) store_u64_of (&(MDB_val) {.mv_size = 8, .mv_data = key->mv_data});
    return rc;
}

size_t
retstore_by_order_key (const char *order_id, int64_t authorized_at, const char *return_id, uint8_t *key)
{
    size_t len = strlen (return_id);
    if (len == 0 || len > RETSTORE_ID_MAX || uuid_parse (order_id, key) != 0)
        return 0;
    store_key_u64 ((uint64_t) authorized_at, key + 16);
    memcpy (key + 24, return_id, len);
    return 24 + len;
}

int
retstore_by_order_id (const MDB_val *key, char *return_id)
{
    return s_tail_id (key, 24, return_id);
}
