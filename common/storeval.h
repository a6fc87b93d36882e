//  storeval — the layout of every value a service stores: its record version
//  as a MessagePack unsigned integer, then the body, one or more MessagePack
//  objects. The version tells a reader which layout it holds and tells a
//  store migration (store.h) what to convert; a record of another version
//  than the reader's is never guessed at.
#ifndef RM_STOREVAL_H
#define RM_STOREVAL_H

#include "record.h"
#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

//  Packs the version; the caller then packs the body.
void storeval_begin (msgpack_packer *pk, unsigned version);

//  Checks a stored record's version and points *body at the bytes after
//  it. Returns 0, RM_ESTORE when val does not start with a version, or
//  RM_ECONFLICT when it holds another version.
int storeval_open (const MDB_val *val, unsigned version, MDB_val *body);

//  Unpacks the next object of body into unpacked (initialised here; the
//  caller destroys it either way) and moves body past it. Returns 0 or
//  RM_ESTORE when body holds no whole object.
int storeval_next (MDB_val *body, msgpack_unpacked *unpacked);

//  Opens a record whose body is one object and unpacks it. Returns what
//  storeval_open and storeval_next return.
int storeval_read (const MDB_val *val, unsigned version, msgpack_unpacked *unpacked);

//  Stores a record: version, then body (len packed bytes). Returns what
//  store_put returns.
int storeval_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
                const char *body, size_t len);

//  Stores record (described by fields, record.h) at version, packed once
//  straight into the value. Returns what store_put returns, or RM_ENOMEM
//  when packing ran out of memory (nothing is stored then).
int storeval_put_record (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
                         const field_spec_t *fields, const void *record);

//  Packs the record of the given version (storeval_begin, then the body)
//  from a value's old bytes. Returns 0 or a negative code.
typedef int (storeval_convert_fn) (const MDB_val *old, unsigned version, msgpack_packer *pk);

//  A converter for values that already were one packed MessagePack body:
//  the version goes in front.
int storeval_wrap (const MDB_val *old, unsigned version, msgpack_packer *pk);

//  For values that were a raw C struct of n int64 fields (host order):
//  packs the version and a map of names[i] to the i-th field. Returns 0 or
//  RM_ESTORE when old is not n int64s.
int storeval_from_int64s (const MDB_val *old, unsigned version, const char *const *names, size_t n,
                          msgpack_packer *pk);

//  Rewrites every value of a database through fn into a record of version,
//  inside txn (a store migration). Adds the records rewritten to *count.
//  Returns 0, the first error of fn, RM_ENOMEM when the map is full or
//  RM_ESTORE.
int storeval_migrate_db (MDB_txn *txn, MDB_dbi dbi, unsigned version, storeval_convert_fn *fn, int64_t *count);

#endif
