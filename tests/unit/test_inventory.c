//  inventory: the plain functions behind reserve, release and set-stock,
//  on a real LMDB store and without sockets.
#include "err.h"
#include "harness.h"
#include "inventory.h"
#include "mp.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static store_t *s_store;
static inventory_dbs_t s_dbs;

static MDB_txn *
s_begin (void)
{
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    return txn;
}

static void
s_set (const char *sku, const char *location, int64_t on_hand)
{
    MDB_txn *txn = s_begin ();
    stock_t result;
    CHECK_EQ_INT (inventory_set_on_hand (txn, s_dbs.stock, sku, location, on_hand, &result), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
}

static stock_t
s_stock (const char *sku, const char *location)
{
    MDB_txn *txn = s_begin ();
    stock_t stock = {-1, -1};
    CHECK_EQ_INT (inventory_stock_get (txn, s_dbs.stock, sku, location, &stock), 0);
    store_abort (&txn);
    return stock;
}

//  Reserves in its own transaction, committed only when it succeeds.
static int
s_reserve (const uint8_t id[16], const line_t *lines, size_t count, shortage_t *shortages, size_t *nshort,
           bool *existing, msgpack_sbuffer *record)
{
    MDB_txn *txn = s_begin ();
    int bad_line = -1;
    int rc = inventory_reserve (txn, &s_dbs, id, lines, count, record, existing, shortages, nshort, &bad_line);
    if (rc == 0)
        CHECK_EQ_INT (store_commit (&txn), 0);
    else
        store_abort (&txn);
    return rc;
}

static void
test_reserve_splits_and_is_idempotent (void)
{
    s_set ("TEE", "WH-EAST", 10);
    s_set ("TEE", "WH-WEST", 5);
    s_set ("MUG", "WH-EAST", 3);
    uint8_t id[16];
    uuid_new (id);
    line_t lines[] = {{"TEE", 12, -1}, {"MUG", 1, -1}};
    shortage_t shortages[2];
    size_t nshort = 0;
    bool existing = true;
    msgpack_sbuffer record;
    msgpack_sbuffer_init (&record);
    CHECK_EQ_INT (s_reserve (id, lines, 2, shortages, &nshort, &existing, &record), 0);
    CHECK (!existing);
    CHECK_EQ_INT (s_stock ("TEE", "WH-EAST").reserved, 10);
    CHECK_EQ_INT (s_stock ("TEE", "WH-WEST").reserved, 2);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  the record says where each unit was taken
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, record.data, record.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    const msgpack_object_array *allocs = mp_get_array (&unpacked.data.via.array.ptr[0], "allocations");
    CHECK (allocs && allocs->size == 2);
    msgpack_unpacked_destroy (&unpacked);
    //  the same order again holds nothing more
    msgpack_sbuffer_clear (&record);
    CHECK_EQ_INT (s_reserve (id, lines, 2, shortages, &nshort, &existing, &record), 0);
    CHECK (existing);
    CHECK_EQ_INT (s_stock ("TEE", "WH-EAST").reserved, 10);
    CHECK_EQ_INT (s_stock ("TEE", "WH-WEST").reserved, 2);
    msgpack_sbuffer_destroy (&record);
}

static void
test_all_or_nothing (void)
{
    uint8_t id[16];
    uuid_new (id);
    //  3 TEE are left, 2 MUG: the first line fits, the second does not
    line_t lines[] = {{"TEE", 3, -1}, {"MUG", 5, -1}, {"TEE", 1, -1}};
    shortage_t shortages[3];
    size_t nshort = 0;
    bool existing = false;
    msgpack_sbuffer record;
    msgpack_sbuffer_init (&record);
    CHECK_EQ_INT (s_reserve (id, lines, 3, shortages, &nshort, &existing, &record), RM_ESHORT);
    //  every short line is named, with what was available
    CHECK_EQ_INT (nshort, 2);
    CHECK_EQ_INT (shortages[0].line, 1);
    CHECK_EQ_INT (shortages[0].available, 2);
    CHECK_EQ_INT (shortages[1].line, 2);
    CHECK_EQ_INT (shortages[1].available, 0);
    CHECK_EQ_INT (s_stock ("TEE", "WH-EAST").reserved + s_stock ("TEE", "WH-WEST").reserved, 12);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    line_t unknown[] = {{"NOPE", 1, -1}};
    msgpack_sbuffer_clear (&record);
    CHECK_EQ_INT (s_reserve (id, unknown, 1, shortages, &nshort, &existing, &record), RM_ENOTFOUND);
    msgpack_sbuffer_destroy (&record);
}

static void
test_release_is_final (void)
{
    uint8_t id[16];
    uuid_new (id);
    line_t lines[] = {{"MUG", 2, -1}};
    shortage_t shortages[1];
    size_t nshort = 0;
    bool existing = false;
    msgpack_sbuffer record;
    msgpack_sbuffer_init (&record);
    CHECK_EQ_INT (s_reserve (id, lines, 1, shortages, &nshort, &existing, &record), 0);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 3);
    MDB_txn *txn = s_begin ();
    msgpack_sbuffer_clear (&record);
    CHECK_EQ_INT (inventory_release (txn, &s_dbs, id, &record), 0);
    CHECK (record.size > 0);
    //  releasing twice finds nothing to give back
    msgpack_sbuffer_clear (&record);
    CHECK_EQ_INT (inventory_release (txn, &s_dbs, id, &record), 0);
    CHECK_EQ_INT (record.size, 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  a late or resent reserve of a released order holds nothing
    CHECK_EQ_INT (s_reserve (id, lines, 1, shortages, &nshort, &existing, &record), RM_ECONFLICT);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  so does one that arrives after a release it never preceded
    uint8_t late[16];
    uuid_new (late);
    txn = s_begin ();
    CHECK_EQ_INT (inventory_release (txn, &s_dbs, late, &record), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    CHECK_EQ_INT (s_reserve (late, lines, 1, shortages, &nshort, &existing, &record), RM_ECONFLICT);
    msgpack_sbuffer_destroy (&record);
}

static void
test_on_hand_never_below_reserved (void)
{
    MDB_txn *txn = s_begin ();
    stock_t result;
    CHECK_EQ_INT (inventory_set_on_hand (txn, s_dbs.stock, "TEE", "WH-EAST", 9, &result), RM_ECONFLICT);
    CHECK_EQ_INT (result.reserved, 10);
    CHECK_EQ_INT (inventory_set_on_hand (txn, s_dbs.stock, "TEE", "WH-EAST", 10, &result), 0);
    CHECK_EQ_INT (store_commit (&txn), 0);
    location_stock_t locs[4];
    txn = s_begin ();
    CHECK_EQ_INT (inventory_locations (txn, s_dbs.stock, "TEE", locs, 4), 2);
    CHECK_EQ_INT (inventory_locations (txn, s_dbs.stock, "TE", locs, 4), 0);
    store_abort (&txn);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-inventory");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = INVENTORY_SCHEMA_VERSION, .dbs = inventory_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_dbs = (inventory_dbs_t) {store_dbi (s_store, INVENTORY_DB_STOCK), store_dbi (s_store, INVENTORY_DB_RESERVATIONS),
                               store_dbi (s_store, INVENTORY_DB_RELEASED)};
    test_reserve_splits_and_is_idempotent ();
    test_all_or_nothing ();
    test_release_is_final ();
    test_on_hand_never_below_reserved ();
    store_close (&s_store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
