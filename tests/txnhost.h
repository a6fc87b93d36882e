//  txnhost — the store half of a host for code that writes and reads
//  through callbacks (the outbound queue's outq_host_t) in tests: a write
//  commits at once, a read sees every commit so far.
#ifndef RM_TXNHOST_H
#define RM_TXNHOST_H

#include "store.h"

typedef struct {
    store_t *store;
    MDB_txn *reader;               //  the last read transaction handed out
} txnhost_t;

//  Runs fn in its own write transaction: committed when fn returns 0,
//  else aborted. Returns fn's code or the commit's.
int txnhost_write (txnhost_t *self, int (*fn) (MDB_txn *txn, void *arg), void *arg);

//  A fresh read transaction, valid until the next call or txnhost_close.
int txnhost_read (txnhost_t *self, MDB_txn **txn);

//  Ends the read transaction (before the store is closed).
void txnhost_close (txnhost_t *self);

#endif
