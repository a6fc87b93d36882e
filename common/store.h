//  store — one LMDB environment per service under its data directory, with
//  named databases, a configured map size and a schema version that is
//  checked at open. Write transactions are committed whole or aborted.
#ifndef RM_STORE_H
#define RM_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store_t store_t;

typedef struct {
    const char *dir;             //  data directory, created if missing
    size_t map_size;             //  LMDB map size in bytes
    unsigned schema_version;     //  expected schema; a store with another one is refused
    const char *const *dbs;      //  names of the named databases, NULL-terminated
    bool nosync;                 //  MDB_NOSYNC: only for benchmarks and tests that say so
} store_opts_t;

//  Opens (creating if needed) the store. Returns 0 or RM_ESTORE (logged,
//  naming the directory and LMDB's reason) or RM_ECONFLICT when the stored
//  schema version differs.
int store_open (const store_opts_t *opts, store_t **self_p);

//  Closes the environment and nulls the pointer; safe on NULL.
void store_close (store_t **self_p);

//  Returns the handle of the i-th named database given at open.
MDB_dbi store_dbi (store_t *self, int index);

MDB_env *store_env (store_t *self);

//  Begins a read-only transaction. Returns 0 or RM_ESTORE.
int store_read_begin (store_t *self, MDB_txn **txn);

//  Begins a write transaction, nested in parent when parent is not NULL.
int store_write_begin (store_t *self, MDB_txn *parent, MDB_txn **txn);

//  Commits; on failure the transaction is aborted. Returns 0 or RM_ESTORE
//  (RM_ENOMEM when the map is full). Nulls *txn either way.
int store_commit (MDB_txn **txn);

//  Aborts and nulls *txn; safe on NULL.
void store_abort (MDB_txn **txn);

//  Bytes used by the data file (last page in use × page size).
int64_t store_size (store_t *self);

//  Convenience wrappers that map LMDB errors to RM codes:
//  get returns RM_ENOTFOUND when the key is absent.
int store_get (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val);
int store_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags);
int store_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen);

//  Composite keys "<a>\0<b>": one a's entries sit together, so a cursor
//  from "<a>\0" walks them. Returns the length, 0 when it does not fit.
size_t store_key_pair (char *key, size_t size, const char *a, const char *b);

//  Big-endian 64-bit keys, so LMDB's byte order is numeric order and
//  increasing numbers append at the end of the tree.
void store_key_u64 (uint64_t value, uint8_t key[8]);

//  Reads a big-endian 64-bit key or value (0 when it is not 8 bytes).
uint64_t store_u64_of (const MDB_val *val);

#endif
