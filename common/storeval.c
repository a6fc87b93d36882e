#include "storeval.h"
#include "err.h"
#include "mp.h"
#include "store.h"
#include <stdbool.h>
#include <string.h>

void
storeval_begin (msgpack_packer *pk, unsigned version)
{
    msgpack_pack_unsigned_int (pk, version);
}

int
storeval_open (const MDB_val *val, unsigned version, MDB_val *body)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc = RM_ESTORE;
    if (msgpack_unpack_next (&unpacked, (const char *) val->mv_data, val->mv_size, &offset) == MSGPACK_UNPACK_SUCCESS
        && unpacked.data.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        rc = unpacked.data.via.u64 == version ? 0 : RM_ECONFLICT;
    msgpack_unpacked_destroy (&unpacked);
    if (rc == 0) {
        body->mv_data = (char *) val->mv_data + offset;
        body->mv_size = val->mv_size - offset;
    }
    return rc;
}

int
storeval_next (MDB_val *body, msgpack_unpacked *unpacked)
{
    msgpack_unpacked_init (unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (unpacked, (const char *) body->mv_data, body->mv_size, &offset) != MSGPACK_UNPACK_SUCCESS)
        return RM_ESTORE;
    body->mv_data = (char *) body->mv_data + offset;
    body->mv_size -= offset;
    return 0;
}

int
storeval_read (const MDB_val *val, unsigned version, msgpack_unpacked *unpacked)
{
    MDB_val body;
    int rc = storeval_open (val, version, &body);
    if (rc != 0) {
        msgpack_unpacked_init (unpacked);
        return rc;
    }
    return storeval_next (&body, unpacked);
}

//  A packer's sink that remembers a failed write: msgpack's packers drop
//  the writer's error.
typedef struct {
    msgpack_sbuffer buf;
    bool failed;
} s_sink_t;

static int
s_sink_write (void *data, const char *bytes, size_t len)
{
    s_sink_t *sink = (s_sink_t *) data;
    if (msgpack_sbuffer_write (&sink->buf, bytes, len) != 0)
        sink->failed = true;
    return 0;
}

int
storeval_put_record (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
                     const field_spec_t *fields, const void *record)
{
    s_sink_t sink = {.failed = false};
    msgpack_sbuffer_init (&sink.buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sink, s_sink_write);
    storeval_begin (&pk, version);
    record_pack (fields, record, &pk);
    int rc = sink.failed || !sink.buf.data ? RM_ENOMEM
                                           : store_put (txn, dbi, key, klen, sink.buf.data, sink.buf.size, 0);
    msgpack_sbuffer_destroy (&sink.buf);
    return rc;
}

int
storeval_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
            const char *body, size_t len)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    storeval_begin (&pk, version);
    int rc = msgpack_sbuffer_write (&buf, body, len) == 0 ? store_put (txn, dbi, key, klen, buf.data, buf.size, 0)
                                                           : RM_ENOMEM;
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
storeval_wrap (const MDB_val *old, unsigned version, msgpack_packer *pk)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    //  only a whole MessagePack object is a body
    bool whole = msgpack_unpack_next (&unpacked, (const char *) old->mv_data, old->mv_size, &offset)
                     == MSGPACK_UNPACK_SUCCESS && offset == old->mv_size;
    msgpack_unpacked_destroy (&unpacked);
    if (!whole)
        return RM_ESTORE;
    storeval_begin (pk, version);
    mp_pack_raw (pk, (const char *) old->mv_data, old->mv_size);
    return 0;
}

int
storeval_from_int64s (const MDB_val *old, unsigned version, const char *const *names, size_t n,
                      msgpack_packer *pk)
{
    if (old->mv_size != n * sizeof (int64_t))
        return RM_ESTORE;
    storeval_begin (pk, version);
    msgpack_pack_map (pk, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        int64_t value;
        memcpy (&value, (const char *) old->mv_data + i * sizeof value, sizeof value);
        mp_pack_kv_int (pk, names[i], value);
    }
    return 0;
}

//  The new values are collected first and written after the walk:
//  replacing values of another size under an open cursor would move it.
int
storeval_migrate_db (MDB_txn *txn, MDB_dbi dbi, unsigned version, storeval_convert_fn *fn, int64_t *count)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    //  a stream of (key, value) pairs, each a MessagePack bin
    msgpack_sbuffer pairs, value;
    msgpack_sbuffer_init (&pairs);
    msgpack_sbuffer_init (&value);
    msgpack_packer pairs_pk, value_pk;
    msgpack_packer_init (&pairs_pk, &pairs, msgpack_sbuffer_write);
    msgpack_packer_init (&value_pk, &value, msgpack_sbuffer_write);
    MDB_val key, val;
    int rc = 0;
    int mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        msgpack_sbuffer_clear (&value);
        rc = fn (&val, version, &value_pk);
        if (rc == 0) {
            msgpack_pack_bin (&pairs_pk, key.mv_size);
            msgpack_pack_bin_body (&pairs_pk, key.mv_data, key.mv_size);
            msgpack_pack_bin (&pairs_pk, value.size);
            msgpack_pack_bin_body (&pairs_pk, value.data, value.size);
        }
    }
    mdb_cursor_close (cursor);
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = RM_ESTORE;
    msgpack_unpacked k, v;
    msgpack_unpacked_init (&k);
    msgpack_unpacked_init (&v);
    size_t offset = 0;
    while (rc == 0 && offset < pairs.size) {
        if (msgpack_unpack_next (&k, pairs.data, pairs.size, &offset) != MSGPACK_UNPACK_SUCCESS
            || msgpack_unpack_next (&v, pairs.data, pairs.size, &offset) != MSGPACK_UNPACK_SUCCESS) {
            rc = RM_EINTERNAL;
            break;
        }
        MDB_val mk = {k.data.via.bin.size, (void *) k.data.via.bin.ptr};
        MDB_val mv = {v.data.via.bin.size, (void *) v.data.via.bin.ptr};
        if ((mrc = mdb_put (txn, dbi, &mk, &mv, 0)) != 0)
            rc = mrc == MDB_MAP_FULL ? RM_ENOMEM : RM_ESTORE;
        else
            (*count)++;
    }
    msgpack_unpacked_destroy (&k);
    msgpack_unpacked_destroy (&v);
    msgpack_sbuffer_destroy (&pairs);
    msgpack_sbuffer_destroy (&value);
    return rc;
}
