//  retstore — returns' store: its databases, schema and key layouts.
//    returns     return_id → the return (retrec.h), a record at RETSTORE_RECORD_V
//    by_order    order_id (16 bytes) + authorized_at + return_id → nothing:
//                an order's returns oldest first
//    requests    return_id → SHA-256 (32 bytes) of the returns.authorize
//                body that made it, so a resend with another body conflicts
//    idem_keys   Idempotency-Key → return_id, for requests without one
//    expiry      expires_at + return_id → nothing: authorized returns by
//                when they expire, walked in key order by the expiry timer
//    receipts    return_id + receipt_id → what the receipt answered
//    stats       what sys.health reports: counts per status and per group of
//                resolution times (rtstats.h)
//    resolution_times  the resolution times, in order per group (rtstats.h)
//  Times in keys are 8-byte big-endian Unix ms, so key order is time order.
#ifndef RM_RETSTORE_H
#define RM_RETSTORE_H

#include "service.h"
#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RETSTORE_DB_RETURNS = 0,
    RETSTORE_DB_BY_ORDER,
    RETSTORE_DB_REQUESTS,
    RETSTORE_DB_IDEM_KEYS,
    RETSTORE_DB_EXPIRY,
    RETSTORE_DB_RECEIPTS,
    RETSTORE_DB_STATS,
    RETSTORE_DB_RESOLUTION_TIMES,
};
extern const char *const retstore_dbs[];

#define RETSTORE_SCHEMA_VERSION 1
#define RETSTORE_RECORD_V 1

//  return_id is FC_IDENT of at most 128 bytes; keys hold it without a NUL.
#define RETSTORE_ID_MAX 128
#define RETSTORE_BY_ORDER_KEY_MAX (16 + 8 + RETSTORE_ID_MAX)
#define RETSTORE_EXPIRY_KEY_MAX (8 + RETSTORE_ID_MAX)

typedef struct {
    MDB_dbi returns, by_order, requests, idem_keys, expiry, receipts, stats, resolution_times;
} retstore_dbs_t;

retstore_dbs_t retstore_dbs_of (service_t *svc);

//  Writes the expiry key of a return (expires_at, then return_id) into key
//  (RETSTORE_EXPIRY_KEY_MAX bytes); returns its length, 0 when return_id
//  is empty or longer than RETSTORE_ID_MAX.
size_t retstore_expiry_key (int64_t expires_at, const char *return_id, uint8_t *key);

//  Reads an expiry key back: *expires_at and return_id (a buffer of
//  RETSTORE_ID_MAX + 1). Returns 0, or RM_ESTORE when key is not one.
int retstore_expiry_parse (const MDB_val *key, int64_t *expires_at, char *return_id);

//  Writes the by_order key of a return into key (RETSTORE_BY_ORDER_KEY_MAX
//  bytes); returns its length, 0 when order_id is not a UUID or return_id
//  is empty or too long. The first 16 bytes are the order's prefix.
size_t retstore_by_order_key (const char *order_id, int64_t authorized_at, const char *return_id, uint8_t *key);

//  Reads the return_id out of a by_order key (a buffer of RETSTORE_ID_MAX
//  + 1). Returns 0, or RM_ESTORE when key is not one.
int retstore_by_order_id (const MDB_val *key, char *return_id);

#endif
