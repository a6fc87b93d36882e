#include "store.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STORE_META_DB "meta"
#define STORE_SCHEMA_KEY "schema_version"

struct store_t {
    MDB_env *env;
    MDB_dbi *dbis;
    int ndbs;
    char dir[PATH_MAX];
};

//  Logs an LMDB failure once, naming the store, and maps it to an RM code.
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

static const char *
s_env_dir (MDB_env *env)
{
    const char *dir = NULL;
    if (mdb_env_get_path (env, &dir) != 0 || !dir)
        dir = "?";
    return dir;
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

//  Compares the schema version on disk with the expected one, or writes it
//  into a store that has none yet.
static int
s_check_schema (store_t *self, MDB_txn *txn, MDB_dbi meta, unsigned expected)
{
    MDB_val key = {strlen (STORE_SCHEMA_KEY), STORE_SCHEMA_KEY};
    MDB_val val;
    uint8_t be[4] = {(uint8_t) (expected >> 24), (uint8_t) (expected >> 16),
                     (uint8_t) (expected >> 8), (uint8_t) expected};
    int rc = mdb_get (txn, meta, &key, &val);
    if (rc == MDB_NOTFOUND) {
        MDB_val data = {sizeof be, be};
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
    if (stored != expected) {
        log_error (NULL, "store %s: schema version on disk is %u, this program expects %u",
                   self->dir, stored, expected);
        return RM_ECONFLICT;
    }
    return 0;
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
    int err = s_check_schema (self, txn, meta, opts->schema_version);
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
    self->dbis = calloc ((size_t) ndbs + 1, sizeof *self->dbis);
    if (!self->dbis) {
        log_error (NULL, "store %s: out of memory", opts->dir);
        free (self);
        return RM_ENOMEM;
    }

    const char *step = "create the environment";
    int rc = mdb_env_create (&self->env);
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
        return s_fail (self->dir, rc, "begin a read transaction");
    }
    return 0;
}

int
store_write_begin (store_t *self, MDB_txn *parent, MDB_txn **txn)
{
    int rc = mdb_txn_begin (self->env, parent, 0, txn);
    if (rc) {
        *txn = NULL;
        return s_fail (self->dir, rc, parent ? "begin a nested write transaction"
                                             : "begin a write transaction");
    }
    return 0;
}

int
store_commit (MDB_txn **txn)
{
    if (!txn || !*txn)
        return RM_EINVAL;
    MDB_env *env = mdb_txn_env (*txn);
    //  mdb_txn_commit frees the transaction whether or not it succeeds.
    int rc = mdb_txn_commit (*txn);
    *txn = NULL;
    return rc ? s_fail (s_env_dir (env), rc, "commit") : 0;
}

void
store_abort (MDB_txn **txn)
{
    if (!txn || !*txn)
        return;
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
        return s_fail (self->dir, rc, "read environment info");
    return ((int64_t) info.me_last_pgno + 1) * (int64_t) stat.ms_psize;
}

int
store_get (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
    MDB_val k = {klen, (void *) key};
    int rc = mdb_get (txn, dbi, &k, val);
    if (rc == MDB_NOTFOUND)
        return RM_ENOTFOUND;
    return rc ? s_fail (s_env_dir (mdb_txn_env (txn)), rc, "get") : 0;
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
    return rc ? s_fail (s_env_dir (mdb_txn_env (txn)), rc, "put") : 0;
}

int
store_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *) key};
    int rc = mdb_del (txn, dbi, &k, NULL);
    if (rc == MDB_NOTFOUND)
        return RM_ENOTFOUND;
    return rc ? s_fail (s_env_dir (mdb_txn_env (txn)), rc, "delete") : 0;
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
