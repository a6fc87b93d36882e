//  store: creation, the schema version guard, transaction visibility,
//  nested aborts, reopening, stale readers and a full map.
#include "err.h"
#include "harness.h"
#include "store.h"
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *s_dbs[] = {"items", "index", NULL};
static char *s_root;

static store_opts_t
s_opts (const char *dir, unsigned version)
{
    return (store_opts_t) {.dir = dir, .map_size = 16u << 20, .schema_version = version,
                           .dbs = s_dbs, .nosync = true};
}

static char *
s_path (const char *name)
{
    char *path = NULL;
    CHECK (asprintf (&path, "%s/%s", s_root, name) > 0);
    return path;
}

//  Opens a new store under the test root, and sets *dir_p to its directory
//  (free it); NULL, a failed check and no directory when it cannot.
static store_t *
s_open_new (const char *name, unsigned version, size_t map_size, char **dir_p)
{
    *dir_p = s_path (name);
    store_opts_t opts = s_opts (*dir_p, version);
    if (map_size)
        opts.map_size = map_size;
    store_t *store = NULL;
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    CHECK (store != NULL);
    if (!store) {
        free (*dir_p);
        *dir_p = NULL;
    }
    return store;
}

static int
s_put_str (store_t *store, MDB_txn *txn, const char *key, const char *val)
{
    return store_put (txn, store_dbi (store, 0), key, strlen (key), val, strlen (val) + 1, 0);
}

//  Returns the value of key in a fresh read transaction, or NULL.
static char *
s_read (store_t *store, const char *key)
{
    MDB_txn *txn;
    if (store_read_begin (store, &txn) != 0)
        return NULL;
    MDB_val val;
    char *copy = NULL;
    if (store_get (txn, store_dbi (store, 0), key, strlen (key), &val) == 0)
        copy = strndup (val.mv_data, val.mv_size);
    store_abort (&txn);
    return copy;
}

static void
s_check_value (store_t *store, const char *key, const char *expected)
{
    char *value = s_read (store, key);
    if (expected)
        CHECK_STR (value, expected);
    else
        CHECK (value == NULL);
    free (value);
}

static void
test_open_creates_and_writes_schema (void)
{
    char *dir;
    store_t *store = s_open_new ("a/b/c", 7, 0, &dir);
    if (!store)
        return;
    CHECK (access (dir, F_OK) == 0);
    CHECK (store_dbi (store, 0) != store_dbi (store, 1));
    CHECK (store_env (store) != NULL);

    //  The schema version is a 4-byte big-endian value in the meta database.
    MDB_txn *txn;
    CHECK_EQ_INT (store_read_begin (store, &txn), 0);
    MDB_dbi meta;
    CHECK_EQ_INT (mdb_dbi_open (txn, "meta", 0, &meta), 0);
    MDB_val val;
    CHECK_EQ_INT (store_get (txn, meta, "schema_version", 14, &val), 0);
    CHECK_EQ_INT (val.mv_size, 4);
    if (val.mv_size == 4)
        CHECK (memcmp (val.mv_data, "\0\0\0\7", 4) == 0);
    store_abort (&txn);
    CHECK (txn == NULL);

    int64_t size = store_size (store);
    CHECK (size > 0);
    CHECK (size % 4096 == 0);
    store_close (&store);
    CHECK (store == NULL);
    store_close (&store);
    free (dir);
}

static void
test_bad_options (void)
{
    store_t *store = (store_t *) 1;
    const char *reserved[] = {"items", "meta", NULL};
    char *dir = s_path ("bad");
    store_opts_t opts = s_opts (dir, 1);
    opts.dbs = reserved;
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), RM_EINVAL);
    char *err = harness_capture_end (&cap);
    CHECK (strstr (err, "meta") != NULL);
    CHECK (store == NULL);
    free (err);

    char *file = s_path ("plain-file");
    FILE *f = fopen (file, "w");
    CHECK (f != NULL);
    if (f)
        fclose (f);
    opts = s_opts (file, 1);
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), RM_ESTORE);
    err = harness_capture_end (&cap);
    CHECK (strstr (err, "plain-file") != NULL);
    free (err);
    free (file);
    free (dir);
}

static void
test_commit_abort_visibility (void)
{
    char *dir;
    store_t *store = s_open_new ("visibility", 1, 0, &dir);
    if (!store)
        return;
    MDB_txn *txn;
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    CHECK_EQ_INT (s_put_str (store, txn, "aborted", "x"), 0);
    store_abort (&txn);
    CHECK (txn == NULL);
    s_check_value (store, "aborted", NULL);

    //  A reader that began before a commit keeps its snapshot.
    MDB_txn *before;
    CHECK_EQ_INT (store_read_begin (store, &before), 0);
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    CHECK_EQ_INT (s_put_str (store, txn, "committed", "yes"), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK (txn == NULL);
    s_check_value (store, "committed", "yes");
    MDB_val val;
    CHECK_EQ_INT (store_get (before, store_dbi (store, 0), "committed", 9, &val), RM_ENOTFOUND);
    store_abort (&before);

    //  Databases are separate; NOOVERWRITE conflicts; delete works once.
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    CHECK_EQ_INT (store_get (txn, store_dbi (store, 1), "committed", 9, &val), RM_ENOTFOUND);
    CHECK_EQ_INT (store_put (txn, store_dbi (store, 0), "committed", 9, "no", 3, MDB_NOOVERWRITE),
                  RM_ECONFLICT);
    CHECK_EQ_INT (store_del (txn, store_dbi (store, 0), "committed", 9), 0);
    CHECK_EQ_INT (store_del (txn, store_dbi (store, 0), "committed", 9), RM_ENOTFOUND);
    CHECK_EQ_INT (store_commit (&txn), 0);
    s_check_value (store, "committed", NULL);
    CHECK_EQ_INT (store_commit (&txn), RM_EINVAL);

    store_close (&store);
    free (dir);
}

static void
test_nested_abort_keeps_parent (void)
{
    char *dir;
    store_t *store = s_open_new ("nested", 1, 0, &dir);
    if (!store)
        return;
    MDB_txn *parent, *child;
    CHECK_EQ_INT (store_write_begin (store, NULL, &parent), 0);
    CHECK_EQ_INT (s_put_str (store, parent, "parent", "p"), 0);

    CHECK_EQ_INT (store_write_begin (store, parent, &child), 0);
    CHECK_EQ_INT (s_put_str (store, child, "child-aborted", "c"), 0);
    CHECK_EQ_INT (s_put_str (store, child, "parent", "overwritten"), 0);
    store_abort (&child);

    CHECK_EQ_INT (store_write_begin (store, parent, &child), 0);
    CHECK_EQ_INT (s_put_str (store, child, "child-committed", "k"), 0);
    CHECK_EQ_INT (store_commit (&child), 0);

    MDB_val val;
    CHECK_EQ_INT (store_get (parent, store_dbi (store, 0), "child-aborted", 13, &val), RM_ENOTFOUND);
    CHECK_EQ_INT (store_commit (&parent), 0);

    s_check_value (store, "parent", "p");
    s_check_value (store, "child-aborted", NULL);
    s_check_value (store, "child-committed", "k");
    store_close (&store);
    free (dir);
}

static void
test_reopen_and_schema_mismatch (void)
{
    char *dir = s_path ("reopen");
    store_opts_t opts = s_opts (dir, 3);
    opts.nosync = false;
    store_t *store = NULL;
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    if (!store) {
        free (dir);
        return;
    }
    MDB_txn *txn;
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    CHECK_EQ_INT (s_put_str (store, txn, "kept", "across opens"), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    store_close (&store);

    CHECK_EQ_INT (store_open (&opts, &store), 0);
    if (store) {
        s_check_value (store, "kept", "across opens");
        store_close (&store);
    }

    store_opts_t newer = s_opts (dir, 4);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&newer, &store), RM_ECONFLICT);
    char *err = harness_capture_end (&cap);
    CHECK (store == NULL);
    CHECK (strstr (err, "3") != NULL);
    CHECK (strstr (err, "4") != NULL);
    CHECK (strstr (err, "schema") != NULL);
    free (err);

    //  The refused open changed nothing.
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    if (store) {
        s_check_value (store, "kept", "across opens");
        store_close (&store);
    }
    free (dir);
}

//  A process that dies inside a read transaction leaves its reader slot
//  behind while another process keeps the environment open (alone, LMDB
//  resets the table anyway); the next open clears the slot.
static void
test_stale_reader_cleared (void)
{
    char *dir = s_path ("stale");
    store_opts_t opts = s_opts (dir, 1);
    int ready[2], done[2];
    CHECK (pipe (ready) == 0 && pipe (done) == 0);
    fflush (NULL);
    pid_t holder = fork ();
    if (holder == 0) {
        alarm (30);
        close (ready[0]);
        close (done[1]);
        store_t *store = NULL;
        if (store_open (&opts, &store) != 0)
            _exit (1);
        char byte = 'r';
        if (write (ready[1], &byte, 1) != 1)
            _exit (1);
        while (read (done[0], &byte, 1) > 0)
            ;
        store_close (&store);
        _exit (0);
    }
    close (ready[1]);
    close (done[0]);
    char byte;
    CHECK (holder > 0 && read (ready[0], &byte, 1) == 1);

    pid_t reader = fork ();
    if (reader == 0) {
        store_t *store = NULL;
        MDB_txn *txn = NULL;
        if (store_open (&opts, &store) != 0 || store_read_begin (store, &txn) != 0)
            _exit (1);
        _exit (0);
    }
    int status = -1;
    CHECK (reader > 0 && waitpid (reader, &status, 0) == reader);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);

    store_t *store = NULL;
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    char *err = harness_capture_end (&cap);
    CHECK (strstr (err, "stale reader") != NULL);
    free (err);
    store_close (&store);

    close (done[1]);
    close (ready[0]);
    status = -1;
    CHECK (holder > 0 && waitpid (holder, &status, 0) == holder);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    free (dir);
}

static void
test_map_full (void)
{
    char *dir;
    store_t *store = s_open_new ("full", 1, 256u << 10, &dir);
    if (!store)
        return;
    char value[4000];
    memset (value, 'v', sizeof value);
    int first_error = 0;
    int64_t size_before = store_size (store);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    //  A 256 KiB map holds a few dozen 4 kB values; 1000 tries bound it.
    for (int i = 0; i < 1000 && first_error == 0; i++) {
        char key[16];
        snprintf (key, sizeof key, "k%05d", i);
        MDB_txn *txn;
        int rc = store_write_begin (store, NULL, &txn);
        if (rc == 0) {
            rc = store_put (txn, store_dbi (store, 0), key, strlen (key), value, sizeof value, 0);
            if (rc == 0)
                rc = store_commit (&txn);
            else
                store_abort (&txn);
        }
        first_error = rc;
    }
    char *err = harness_capture_end (&cap);
    CHECK_EQ_INT (first_error, RM_ENOMEM);
    CHECK (strstr (err, "map") != NULL);
    free (err);
    CHECK (store_size (store) > size_before);

    //  What was committed before the map filled is still there.
    MDB_txn *txn;
    CHECK_EQ_INT (store_read_begin (store, &txn), 0);
    MDB_val val;
    CHECK_EQ_INT (store_get (txn, store_dbi (store, 0), "k00000", 6, &val), 0);
    CHECK_EQ_INT (val.mv_size, sizeof value);
    store_abort (&txn);

    //  Inside one big transaction the map fills at a put, not at commit.
    harness_capture_begin (&cap, STDERR_FILENO);
    first_error = store_write_begin (store, NULL, &txn);
    for (int i = 0; i < 1000 && first_error == 0; i++) {
        char key[16];
        snprintf (key, sizeof key, "big%05d", i);
        first_error = store_put (txn, store_dbi (store, 1), key, strlen (key),
                                 value, sizeof value, 0);
    }
    free (harness_capture_end (&cap));
    CHECK_EQ_INT (first_error, RM_ENOMEM);
    store_abort (&txn);
    store_close (&store);
    free (dir);
}

//  Version 1 -> 2 doubles every value's first byte; 2 -> 3 fails when told.
static bool s_fail_v2;

static int
s_migrate_1 (store_t *store, MDB_txn *txn, int64_t *count)
{
    MDB_val val;
    int rc = store_get (txn, store_dbi (store, 0), "n", 1, &val);
    if (rc != 0)
        return rc;
    char doubled = (char) (((const char *) val.mv_data)[0] * 2);
    (*count)++;
    return store_put (txn, store_dbi (store, 0), "n", 1, &doubled, 1, 0);
}

static int
s_migrate_2 (store_t *store, MDB_txn *txn, int64_t *count)
{
    char marker = 'm';
    (*count)++;
    int rc = store_put (txn, store_dbi (store, 1), "marker", 6, &marker, 1, 0);
    return rc == 0 && s_fail_v2 ? RM_EINVAL : rc;
}

static const store_migration_t s_migrations[] = {{1, s_migrate_1}, {2, s_migrate_2}, {0, NULL}};

static void
test_migrations (void)
{
    char *dir;
    store_t *store = s_open_new ("migrate", 1, 0, &dir);
    if (!store)
        return;
    MDB_txn *txn;
    char n = 21;
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    CHECK_EQ_INT (store_put (txn, store_dbi (store, 0), "n", 1, &n, 1, 0), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    store_close (&store);

    //  a failing step undoes every step: the store stays at version 1
    store_opts_t opts = s_opts (dir, 3);
    opts.migrations = s_migrations;
    s_fail_v2 = true;
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK (store_open (&opts, &store) != 0);
    char *err = harness_capture_end (&cap);
    CHECK (strstr (err, "migration from schema version 2 to 3 failed") != NULL);
    free (err);
    s_fail_v2 = false;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    err = harness_capture_end (&cap);
    //  both steps ran in one open, logged once with the count
    CHECK (strstr (err, "migrated from schema version 1 to 3: 2 record(s)") != NULL);
    CHECK (strstr (strstr (err, "migrated") + 1, "migrated") == NULL);
    free (err);
    if (store) {
        CHECK_EQ_INT (store_read_begin (store, &txn), 0);
        MDB_val val;
        CHECK_EQ_INT (store_get (txn, store_dbi (store, 0), "n", 1, &val), 0);
        CHECK_EQ_INT (((const char *) val.mv_data)[0], 42);
        CHECK_EQ_INT (store_get (txn, store_dbi (store, 1), "marker", 6, &val), 0);
        store_abort (&txn);
        store_close (&store);
    }
    //  the version was written: opening again migrates nothing
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    err = harness_capture_end (&cap);
    CHECK (strstr (err, "migrated") == NULL);
    free (err);
    store_close (&store);
    //  a newer store names both versions
    opts.schema_version = 2;
    harness_capture_begin (&cap, STDERR_FILENO);
    CHECK_EQ_INT (store_open (&opts, &store), RM_ECONFLICT);
    err = harness_capture_end (&cap);
    CHECK (strstr (err, "written with schema version 3") != NULL);
    CHECK (strstr (err, "up to 2") != NULL);
    free (err);
    free (dir);
}

//  The map grows in steps when asked after a write found it full, up to
//  the maximum; past it the store says it is full, and a write that
//  succeeds after room is made says it is not any more.
static void
test_map_grows (void)
{
    char *dir = s_path ("grow");
    store_opts_t opts = s_opts (dir, 1);
    opts.map_size = 256u << 10;
    opts.map_size_max = 1u << 20;
    store_t *store = NULL;
    CHECK_EQ_INT (store_open (&opts, &store), 0);
    if (!store) {
        free (dir);
        return;
    }
    char value[4000];
    memset (value, 'v', sizeof value);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    int grown = 0, full = 0, i = 0;
    for (; i < 2000 && full == 0; i++) {
        char key[16];
        snprintf (key, sizeof key, "k%05d", i);
        MDB_txn *txn;
        int rc = store_write_begin (store, NULL, &txn);
        if (rc == 0 && (rc = store_put (txn, store_dbi (store, 0), key, strlen (key), value, sizeof value, 0)) == 0)
            rc = store_commit (&txn);
        store_abort (&txn);
        if (rc == RM_ENOMEM) {
            CHECK (store_wants_growth (store));
            bool could = store_can_grow (store);
            int g = store_grow (store);
            CHECK_EQ_INT (could, g == 1);
            if (g == 1)
                grown++;
            else
                full = g;
        }
        else
            CHECK_EQ_INT (rc, 0);
    }
    char *err = harness_capture_end (&cap);
    CHECK (strstr (err, "map grown from") != NULL);
    free (err);
    CHECK_EQ_INT (full, RM_ESTORAGE_FULL);
    CHECK (grown >= 2);
    store_fill_t fill;
    store_fill (store, &fill);
    CHECK (fill.full);
    CHECK_EQ_INT (fill.map_size, 1 << 20);
    CHECK_EQ_INT (fill.map_size_max, 1 << 20);
    CHECK (strstr (fill.reason, "maximum") != NULL);
    CHECK (!store_can_grow (store));
    CHECK (fill.used > (int64_t) (768u << 10));
    //  deleting makes room: the next write that commits clears the state
    MDB_txn *txn;
    CHECK_EQ_INT (store_write_begin (store, NULL, &txn), 0);
    for (int k = 0; k < i / 2; k++) {
        char key[16];
        snprintf (key, sizeof key, "k%05d", k);
        store_del (txn, store_dbi (store, 0), key, strlen (key));
    }
    CHECK_EQ_INT (store_commit (&txn), 0);
    store_fill (store, &fill);
    CHECK (!fill.full);
    CHECK_STR (fill.reason, "");
    store_close (&store);
    free (dir);
}

int
main (int argc, char **argv)
{
    (void) argc;
    s_root = harness_tmpdir ("test_store");
    test_open_creates_and_writes_schema ();
    test_bad_options ();
    test_commit_abort_visibility ();
    test_nested_abort_keeps_parent ();
    test_reopen_and_schema_mismatch ();
    test_stale_reader_cleared ();
    test_map_full ();
    test_migrations ();
    test_map_grows ();
    harness_rmtree (s_root);
    free (s_root);
    return harness_report (argv[0]);
}
