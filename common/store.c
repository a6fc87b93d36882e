#include "store.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define STORE_META_DB "meta"
#define STORE_SCHEMA_KEY "schema_version"

//  Room below which a short write is taken for a full disk.
#define STORE_DISK_SLACK (1 << 20)

typedef enum { STORE_ROOM, STORE_FULL_MAP, STORE_FULL_DISK } store_state_t;

struct store_t {
    MDB_env *env;
    MDB_dbi *dbis;
    int ndbs;
    size_t map_size_max;            //  0: bounded by the disk
    bool wants_growth;              //  a write found the map full
    store_state_t state;
    char reason[160];               //  why writes fail, while state is not STORE_ROOM
    MDB_txn *top;                   //  the open top-level write transaction
    bool top_wrote;                 //  something was put or deleted in it
    char dir[PATH_MAX];
};

//  At open, where the caller only passes the code on: logs an LMDB failure
//  once, naming the store, and maps it to an RM code.
static int
s_fail (const char *dir, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
        log_error (NULL, "store %s: cannot %s: %s (raise --map-size)", dir, what, mdb_strerror (rc));
        return RM_ENOMEM;
    }
    log_error (NULL, "store %s: cannot %s: %s", dir, what, mdb_strerror (rc));
    return rc == MDB_BAD_VALSIZE ? RM_EINVAL : rc == ENOMEM ? RM_ENOMEM : RM_ESTORE;
}

static int64_t s_map_size (store_t *self);

static store_t *
s_of_txn (MDB_txn *txn)
{
    return (store_t *) mdb_env_get_userctx (mdb_txn_env (txn));
}

static void
s_set_full (store_t *self, store_state_t state, const char *reason)
{
    if (self->state == STORE_ROOM)
        log_error (NULL, "store %s is full: %s; writes fail until there is room", self->dir, reason);
    self->state = state;
    snprintf (self->reason, sizeof self->reason, "%s", reason);
}

//  Maps an LMDB failure after open to an RM code without logging: the
//  caller logs what it handles. A full map or disk is remembered.
static int
s_code (store_t *self, int rc)
{
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
        if (self && rc == MDB_MAP_FULL && !self->wants_growth) {
            self->wants_growth = true;
            log_warn (NULL, "store %s: the map is full at %lld bytes; it grows after this batch "
                      "if the maximum and the disk allow", self->dir, (long long) s_map_size (self));
        }
        return RM_ENOMEM;
    }
    if (rc == ENOSPC || rc == EDQUOT) {
        if (self)
            s_set_full (self, STORE_FULL_DISK, "the disk is full");
        return RM_ESTORAGE_FULL;
    }
    return rc == MDB_BAD_VALSIZE ? RM_EINVAL : rc == ENOMEM ? RM_ENOMEM : RM_ESTORE;
}

static int
s_mkdir_p (const char *dir)
{
    char path[PATH_MAX];
    if (snprintf (path, sizeof path, "%s", dir) >= (int) sizeof path) {
        log_error (NULL, "store: data directory path is too long: %s", dir);
        return RM_EINVAL;
    }
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir (path, 0755) != 0 && errno != EEXIST) {
            log_error (NULL, "store: cannot create directory %s: %s", path, strerror (errno));
            return RM_ESTORE;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    struct stat st;
    if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        log_error (NULL, "store: %s is not a directory", dir);
        return RM_ESTORE;
    }
    return 0;
}

static void
s_pack_version (unsigned version, uint8_t be[4])
{
    be[0] = (uint8_t) (version >> 24);
    be[1] = (uint8_t) (version >> 16);
    be[2] = (uint8_t) (version >> 8);
    be[3] = (uint8_t) version;
}

static const store_migration_t *
s_migration (const store_opts_t *opts, unsigned from)
{
    for (const store_migration_t *m = opts->migrations; m && m->fn; m++)
        if (m->from == from)
            return m;
    return NULL;
}

//  Runs the migrations from stored up to expected, all in txn.
static int
s_migrate (store_t *self, MDB_txn *txn, const store_opts_t *opts, unsigned stored)
{
    for (unsigned v = stored; v < opts->schema_version; v++)
        if (!s_migration (opts, v)) {
            log_error (NULL, "store %s: schema version on disk is %u, this program expects %u "
                       "and has no migration from version %u", self->dir, stored, opts->schema_version, v);
            return RM_ECONFLICT;
        }
    int64_t count = 0;
    for (unsigned v = stored; v < opts->schema_version; v++) {
        int err = s_migration (opts, v)->fn (self, txn, &count);
        if (err) {
            log_error (NULL, "store %s: migration from schema version %u to %u failed: %s",
                       self->dir, v, v + 1, rm_strerror (err));
            return err;
        }
    }
    log_info (NULL, "store %s: migrated from schema version %u to %u: %lld record(s) rewritten",
              self->dir, stored, opts->schema_version, (long long) count);
    return 0;
}

//  Compares the schema version on disk with the expected one: writes it
//  into a store that has none yet, migrates an older store, refuses a newer.
static int
s_check_schema (store_t *self, MDB_txn *txn, MDB_dbi meta, const store_opts_t *opts)
{
    MDB_val key = {strlen (STORE_SCHEMA_KEY), STORE_SCHEMA_KEY};
    MDB_val val;
    uint8_t be[4];
    s_pack_version (opts->schema_version, be);
    MDB_val data = {sizeof be, be};
    int rc = mdb_get (txn, meta, &key, &val);
    if (rc == MDB_NOTFOUND) {
        rc = mdb_put (txn, meta, &key, &data, 0);
        return rc ? s_fail (self->dir, rc, "write the schema version") : 0;
    }
    if (rc)
        return s_fail (self->dir, rc, "read the schema version");
    if (val.mv_size != sizeof be) {
        log_error (NULL, "store %s: schema version record has %zu bytes, expected 4",
                   self->dir, val.mv_size);
        return RM_ESTORE;
    }
    const uint8_t *p = val.mv_data;
    unsigned stored = (unsigned) p[0] << 24 | (unsigned) p[1] << 16
                    | (unsigned) p[2] << 8 | (unsigned) p[3];
    if (stored > opts->schema_version) {
        log_error (NULL, "store %s was written with schema version %u; this program knows schema "
                   "versions up to %u: refusing to open it (run a newer release)",
                   self->dir, stored, opts->schema_version);
        return RM_ECONFLICT;
    }
    if (stored == opts->schema_version)
        return 0;
    int err = s_migrate (self, txn, opts, stored);
    if (err)
        return err;
    rc = mdb_put (txn, meta, &key, &data, 0);
    return rc ? s_fail (self->dir, rc, "write the schema version") : 0;
}

static int
s_open_dbs (store_t *self, const store_opts_t *opts)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, 0, &txn);
    if (rc)
        return s_fail (self->dir, rc, "begin the opening transaction");
    //  The meta database is opened last, after the caller's.
    MDB_dbi meta = 0;
    for (int i = 0; i <= self->ndbs; i++) {
        const char *name = i < self->ndbs ? opts->dbs[i] : STORE_META_DB;
        rc = mdb_dbi_open (txn, name, MDB_CREATE, i < self->ndbs ? &self->dbis[i] : &meta);
        if (rc) {
            char what[300];
            snprintf (what, sizeof what, "open database '%s'", name);
            mdb_txn_abort (txn);
            return s_fail (self->dir, rc, what);
        }
    }
    int err = s_check_schema (self, txn, meta, opts);
    if (err) {
        mdb_txn_abort (txn);
        return err;
    }
    rc = mdb_txn_commit (txn);
    return rc ? s_fail (self->dir, rc, "commit the opening transaction") : 0;
}

int
store_open (const store_opts_t *opts, store_t **self_p)
{
    *self_p = NULL;
    if (!opts || !opts->dir || !*opts->dir || !opts->dbs) {
        log_error (NULL, "store: open needs a directory and a database list");
        return RM_EINVAL;
    }
    int ndbs = 0;
    for (; opts->dbs[ndbs]; ndbs++)
        if (strcmp (opts->dbs[ndbs], STORE_META_DB) == 0) {
            log_error (NULL, "store %s: database name '%s' is reserved", opts->dir, STORE_META_DB);
            return RM_EINVAL;
        }

    int err = s_mkdir_p (opts->dir);
    if (err)
        return err;

    store_t *self = calloc (1, sizeof *self);
    if (!self) {
        log_error (NULL, "store %s: out of memory", opts->dir);
        return RM_ENOMEM;
    }
    snprintf (self->dir, sizeof self->dir, "%s", opts->dir);
    self->ndbs = ndbs;
    self->map_size_max = opts->map_size_max;
    self->dbis = calloc ((size_t) ndbs + 1, sizeof *self->dbis);
    if (!self->dbis) {
        log_error (NULL, "store %s: out of memory", opts->dir);
        free (self);
        return RM_ENOMEM;
    }

    const char *step = "create the environment";
    int rc = mdb_env_create (&self->env);
    if (rc == 0)
        rc = mdb_env_set_userctx (self->env, self);
    if (rc == 0 && opts->map_size > 0) {
        step = "set the map size";
        rc = mdb_env_set_mapsize (self->env, opts->map_size);
    }
    if (rc == 0) {
        step = "set the number of databases";
        rc = mdb_env_set_maxdbs (self->env, (MDB_dbi) ndbs + 1);
    }
    if (rc == 0) {
        step = "open the environment";
        //  MDB_NOTLS ties read transactions to the transaction object, not
        //  to the thread, so a read transaction may move between threads.
        unsigned flags = MDB_NOTLS | (opts->nosync ? MDB_NOSYNC : 0);
        rc = mdb_env_open (self->env, self->dir, flags, 0644);
    }
    if (rc == 0) {
        step = "check for stale readers";
        int dead = 0;
        rc = mdb_reader_check (self->env, &dead);
        if (rc == 0 && dead > 0)
            log_warn (NULL, "store %s: cleared %d stale reader slot(s) left by a crashed process",
                      self->dir, dead);
    }
    if (rc) {
        s_fail (self->dir, rc, step);
        store_close (&self);
        return RM_ESTORE;
    }

    err = s_open_dbs (self, opts);
    if (err) {
        store_close (&self);
        return err;
    }
    *self_p = self;
    return 0;
}

void
store_close (store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_t *self = *self_p;
    if (self->env)
        mdb_env_close (self->env);
    free (self->dbis);
    free (self);
    *self_p = NULL;
}

MDB_dbi
store_dbi (store_t *self, int index)
{
    if (index < 0 || index >= self->ndbs) {
        //  An index outside the list given at open is a programming error;
        //  carrying on would read or write the wrong database.
        log_error (NULL, "store %s: no database at index %d (have %d)",
                   self->dir, index, self->ndbs);
        abort ();
    }
    return self->dbis[index];
}

MDB_env *
store_env (store_t *self)
{
    return self->env;
}

int
store_read_begin (store_t *self, MDB_txn **txn)
{
    int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, txn);
    if (rc) {
        *txn = NULL;
        return s_code (self, rc);
    }
    return 0;
}

int
store_write_begin (store_t *self, MDB_txn *parent, MDB_txn **txn)
{
    int rc = mdb_txn_begin (self->env, parent, 0, txn);
    if (rc) {
        *txn = NULL;
        return s_code (self, rc);
    }
    if (!parent) {
        self->top = *txn;
        self->top_wrote = false;
    }
    return 0;
}

//  LMDB reports a write the disk cut short as EIO (only a write that wrote
//  nothing carries ENOSPC); with the file system out of room it is the same
//  full disk.
static bool
s_disk_nearly_full (store_t *self)
{
    struct statvfs vfs;
    return statvfs (self->dir, &vfs) == 0 && (int64_t) vfs.f_bavail * (int64_t) vfs.f_frsize < STORE_DISK_SLACK;
}

int
store_commit (MDB_txn **txn)
{
    if (!txn || !*txn)
        return RM_EINVAL;
    store_t *self = s_of_txn (*txn);
    bool top = self && self->top == *txn;
    //  mdb_txn_commit frees the transaction whether or not it succeeds.
    int rc = mdb_txn_commit (*txn);
    *txn = NULL;
    if (!top)
        return rc ? s_code (self, rc) : 0;
    self->top = NULL;
    if (rc == EIO && s_disk_nearly_full (self))
        rc = ENOSPC;
    if (rc)
        return s_code (self, rc);
    //  a commit that wrote proves there is room again
    if (self->top_wrote && self->state != STORE_ROOM) {
        log_info (NULL, "store %s: writes succeed again (%s no longer)", self->dir, self->reason);
        self->state = STORE_ROOM;
        self->reason[0] = '\0';
    }
    return 0;
}

void
store_abort (MDB_txn **txn)
{
    if (!txn || !*txn)
        return;
    store_t *self = s_of_txn (*txn);
    if (self && self->top == *txn)
        self->top = NULL;
    mdb_txn_abort (*txn);
    *txn = NULL;
}

int64_t
store_size (store_t *self)
{
    MDB_envinfo info;
    MDB_stat stat;
    int rc = mdb_env_info (self->env, &info);
    if (rc == 0)
        rc = mdb_env_stat (self->env, &stat);
    if (rc)
        return s_code (self, rc);
    return ((int64_t) info.me_last_pgno + 1) * (int64_t) stat.ms_psize;
}

static int64_t
s_map_size (store_t *self)
{
    MDB_envinfo info;
    return mdb_env_info (self->env, &info) == 0 ? (int64_t) info.me_mapsize : 0;
}

//  The most the map may grow to: the configured maximum, or what the data
//  file could reach on its disk; never below the map it has.
static int64_t
s_map_max (store_t *self)
{
    int64_t map = s_map_size (self), max = (int64_t) self->map_size_max;
    if (max == 0) {
        char path[PATH_MAX + 16];
        struct stat st;
        struct statvfs vfs;
        snprintf (path, sizeof path, "%s/data.mdb", self->dir);
        if (stat (path, &st) == 0 && statvfs (self->dir, &vfs) == 0)
            max = (int64_t) st.st_size + (int64_t) vfs.f_bavail * (int64_t) vfs.f_frsize;
    }
    max -= max % 4096;
    return max > map ? max : map;
}

void
store_fill (store_t *self, store_fill_t *fill)
{
    fill->used = store_size (self);
    fill->map_size = s_map_size (self);
    fill->map_size_max = s_map_max (self);
    fill->full = self->state != STORE_ROOM;
    fill->reason = self->reason;
}

bool
store_wants_growth (store_t *self)
{
    return self->wants_growth;
}

int
store_grow (store_t *self)
{
    int64_t used = store_size (self), map = s_map_size (self);
    bool hit = self->wants_growth;
    self->wants_growth = false;
    if (!hit && used <= map / 4 * 3)
        return 0;
    int64_t max = s_map_max (self);
    int64_t grown = map * 2 < max ? map * 2 : max;
    if (grown <= map) {
        if (!hit)
            return 0;
        char reason[160];
        if (self->map_size_max)
            snprintf (reason, sizeof reason, "the map is full at its maximum of %lld bytes (--map-size-max)",
                      (long long) map);
        else
            snprintf (reason, sizeof reason, "the map is full at %lld bytes and the disk has no room to grow it",
                      (long long) map);
        s_set_full (self, STORE_FULL_MAP, reason);
        return RM_ESTORAGE_FULL;
    }
    int rc = mdb_env_set_mapsize (self->env, (size_t) grown);
    if (rc) {
        log_error (NULL, "store %s: cannot grow the map to %lld bytes: %s", self->dir, (long long) grown,
                   mdb_strerror (rc));
        return s_code (self, rc);
    }
    log_info (NULL, "store %s: map grown from %lld to %lld bytes (%lld in use, at most %lld)", self->dir,
              (long long) map, (long long) grown, (long long) used, (long long) max);
    if (self->state == STORE_FULL_MAP) {
        self->state = STORE_ROOM;
        self->reason[0] = '\0';
    }
    return 1;
}

bool
store_can_grow (store_t *self)
{
    return s_map_size (self) < s_map_max (self);
}

int
store_get (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
    MDB_val k = {klen, (void *) key};
    int rc = mdb_get (txn, dbi, &k, val);
    if (rc == MDB_NOTFOUND)
        return RM_ENOTFOUND;
    return rc ? s_code (s_of_txn (txn), rc) : 0;
}

static int
s_wrote (store_t *self, int rc)
{
    if (rc)
        return s_code (self, rc);
    if (self)
        self->top_wrote = true;
    return 0;
}

int
store_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
           const void *val, size_t vlen, unsigned flags)
{
    MDB_val k = {klen, (void *) key};
    MDB_val v = {vlen, (void *) val};
    int rc = mdb_put (txn, dbi, &k, &v, flags);
    //  With MDB_NOOVERWRITE an existing key is an answer, not a failure.
    if (rc == MDB_KEYEXIST)
        return RM_ECONFLICT;
    return s_wrote (s_of_txn (txn), rc);
}

int
store_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *) key};
    int rc = mdb_del (txn, dbi, &k, NULL);
    if (rc == MDB_NOTFOUND)
        return RM_ENOTFOUND;
    return s_wrote (s_of_txn (txn), rc);
}

size_t
store_key_pair (char *key, size_t size, const char *a, const char *b)
{
    size_t alen = strlen (a), blen = strlen (b);
    if (alen + 1 + blen > size)
        return 0;
    memcpy (key, a, alen);
    key[alen] = '\0';
    memcpy (key + alen + 1, b, blen);
    return alen + 1 + blen;
}

void
store_key_u64 (uint64_t value, uint8_t key[8])
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        key[i] = (uint8_t) (value & 0xff);
}

uint64_t
store_u64_of (const MDB_val *val)
{
    if (val->mv_size != 8)
        return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < 8; i++)
        value = (value << 8) | ((const uint8_t *) val->mv_data)[i];
    return value;
}
