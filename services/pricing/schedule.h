//  schedule — the moments at which a dated price entry begins or ends,
//  each naming its book and SKU: the durable list of price changes still
//  to announce. A moment is removed in the transaction that announces it,
//  so each is announced once, also across a restart.
//
//  Keys are the moment (Unix ms, big-endian, so LMDB's order is time
//  order), the book ID, NUL, the SKU. Values are empty: the schedule is an
//  index, a key rather than a record (as orders' by_external).
#ifndef RM_SCHEDULE_H
#define RM_SCHEDULE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEDULE_ID_MAX 64

typedef struct {
    int64_t at;                       //  Unix ms
    char book_id[SCHEDULE_ID_MAX + 1];
    char sku[SCHEDULE_ID_MAX + 1];
} schedule_item_t;

//  Adds a moment (adding one twice keeps one). Returns 0, RM_EINVAL when
//  an ID is too long, or what store_put returns.
int schedule_add (MDB_txn *txn, MDB_dbi dbi, const schedule_item_t *item);

//  Removes a moment. Returns 0 (also when it was not there) or RM_ESTORE.
int schedule_remove (MDB_txn *txn, MDB_dbi dbi, const schedule_item_t *item);

//  The earliest moment. Returns 0, RM_ENOTFOUND when there is none, or
//  RM_ESTORE when a key is unreadable.
int schedule_first (MDB_txn *txn, MDB_dbi dbi, schedule_item_t *item);

#endif
