//  store — one LMDB environment per service under its data directory, with
//  named databases, a map that grows in steps up to a maximum, and a schema
//  version that is checked at open: an older store is migrated, one step
//  per version, in the opening transaction; a newer one is refused. Write
//  transactions are committed whole or aborted.
//
//  Failures at open are logged here. After open, functions return codes
//  and log nothing, except the store's change into and out of "full",
//  logged once each; their callers log what they handle.
#ifndef RM_STORE_H
#define RM_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store_t store_t;

//  Turns every record of a store at schema version from into version
//  from + 1, inside the opening transaction. Adds the records it rewrote to
//  *count. Returns 0 or a negative code (the open fails and nothing changes).
typedef int (store_migrate_fn) (store_t *store, MDB_txn *txn, int64_t *count);

typedef struct {
    unsigned from;               //  the schema version this step upgrades
    store_migrate_fn *fn;
} store_migration_t;

typedef struct {
    const char *dir;             //  data directory, created if missing
    size_t map_size;             //  LMDB map size in bytes at open (the map only grows)
    size_t map_size_max;         //  the map grows up to this; 0: as far as the disk has room
    unsigned schema_version;     //  expected schema; a newer store is refused
    const store_migration_t *migrations;  //  terminated by {0, NULL}; may be NULL
    const char *const *dbs;      //  names of the named databases, NULL-terminated
    bool nosync;                 //  MDB_NOSYNC: only for benchmarks and tests that say so
} store_opts_t;

//  Opens (creating if needed) the store. Returns 0 or RM_ESTORE (logged,
//  naming the directory and LMDB's reason) or RM_ECONFLICT when the stored
//  schema version is newer than expected, or older with no migration for
//  one of its steps (logged with both versions). Migrations run in one
//  transaction with the check, logged once with the count of records.
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

//  Commits; on failure the transaction is aborted. Returns 0, RM_ESTORE,
//  RM_ENOMEM when the map is full, or RM_ESTORAGE_FULL when the disk is.
//  Nulls *txn either way.
int store_commit (MDB_txn **txn);

//  Aborts and nulls *txn; safe on NULL.
void store_abort (MDB_txn **txn);

//  Bytes used by the data file (last page in use × page size).
int64_t store_size (store_t *self);

//  How full the store is, for health reports.
typedef struct {
    int64_t used;                //  bytes in use (store_size)
    int64_t map_size;            //  current map size
    int64_t map_size_max;        //  the most the map may grow to now (the disk's room when unbounded)
    bool full;                   //  writes fail: the map is at its maximum or the disk is full
    const char *reason;          //  why it is full ("" when not)
} store_fill_t;

void store_fill (store_t *self, store_fill_t *fill);

//  Grows the map when a write found it full since the last call, or when
//  it is more than three quarters used: doubles it, capped at the maximum.
//  Only with no transaction open in this process (LMDB remaps the file).
//  Returns 1 when it grew, 0 when it had no need, RM_ESTORAGE_FULL when it
//  needed to and could not (the store is then full, see store_fill).
int store_grow (store_t *self);

//  True when a write found the map full since the last store_grow.
bool store_wants_growth (store_t *self);

//  True while the map is below the most it may grow to (--map-size-max, or
//  the disk's room): a write that found it full can run again after growth.
bool store_can_grow (store_t *self);

//  Convenience wrappers that map LMDB errors to RM codes:
//  get returns RM_ENOTFOUND when the key is absent; put returns RM_ENOMEM
//  when the map is full (store_grow can then make room).
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
