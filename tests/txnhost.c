#include "txnhost.h"

int
txnhost_write (txnhost_t *self, int (*fn) (MDB_txn *txn, void *arg), void *arg)
{
    MDB_txn *txn = NULL;
    int rc = store_write_begin (self->store, NULL, &txn);
    if (rc == 0 && (rc = fn (txn, arg)) == 0)
        return store_commit (&txn);
    store_abort (&txn);
    return rc;
}

int
txnhost_read (txnhost_t *self, MDB_txn **txn)
{
    store_abort (&self->reader);
    int rc = store_read_begin (self->store, &self->reader);
    *txn = self->reader;
    return rc;
}

void
txnhost_close (txnhost_t *self)
{
    store_abort (&self->reader);
}
