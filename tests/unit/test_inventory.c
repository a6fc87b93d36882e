//  inventory: the plain functions behind reserve, release and set-stock,
//  on a real LMDB store and without sockets.
#include "err.h"
#include "harness.h"
#include "inventory.h"
#include "loophost.h"
#include "reservation.h"
#include "stock.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;
static inventory_dbs_t s_dbs;

typedef struct {
    const char *sku, *location;
    int64_t on_hand;
} set_arg_t;

static int
s_set_fn (MDB_txn *txn, void *arg)
{
    set_arg_t *set = (set_arg_t *) arg;
    stock_entry_t entry = {.movement_id = "test-count"};
    stock_t after;
    int64_t shortfall;
    bool created;
    return stock_count (s_svc, txn, "test", set->sku, set->location, set->on_hand, &entry, &after, &shortfall,
                        &created);
}

static void
s_set (const char *sku, const char *location, int64_t on_hand)
{
    set_arg_t arg = {sku, location, on_hand};
    CHECK_EQ_INT (service_write (s_svc, s_set_fn, &arg), 0);
}

static stock_t
s_stock (const char *sku, const char *location)
{
    MDB_txn *txn;
    stock_t stock = {-1, -1, -1, -1};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (stock_get (txn, &s_dbs, sku, location, &stock), 0);
    return stock;
}

typedef struct {
    reservation_request_t request;
    reservation_outcome_t outcome;
    bool existing, hold_error;
    reservation_t record;
} reserve_arg_t;

static int
s_reserve_fn (MDB_txn *txn, void *arg)
{
    reserve_arg_t *r = (reserve_arg_t *) arg;
    record_free (reservation_fields, &r->record);
    return reservation_reserve (s_svc, txn, "test", &r->request, &r->record, &r->existing, &r->outcome,
                                &r->hold_error);
}

//  Reserves in its own nested transaction, kept only when it succeeds;
//  *record is the reservation (record_free it).
static int
s_reserve (const uint8_t id[16], const line_t *lines, size_t count, shortage_t *shortages, size_t *nshort,
           bool *existing, reservation_t *record)
{
    reserve_arg_t arg = {.request = {.lines = lines, .count = count}, .outcome = {.shortages = shortages}};
    memcpy (arg.request.order_id, id, 16);
    int rc = service_write (s_svc, s_reserve_fn, &arg);
    *nshort = arg.outcome.nshort;
    *existing = arg.existing;
    record_free (reservation_fields, record);
    *record = arg.record;
    return rc;
}

typedef struct {
    const uint8_t *id;
    reservation_t record;
    bool released;
} release_arg_t;

static int
s_release_fn (MDB_txn *txn, void *arg)
{
    release_arg_t *r = (release_arg_t *) arg;
    record_free (reservation_fields, &r->record);
    return reservation_release (s_svc, txn, "test", r->id, &r->record, &r->released);
}

//  Releases; *released says whether anything was given back.
static int
s_release (const uint8_t id[16], bool *released)
{
    release_arg_t arg = {.id = id};
    int rc = service_write (s_svc, s_release_fn, &arg);
    *released = arg.released;
    record_free (reservation_fields, &arg.record);
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
    reservation_t record = {0};
    CHECK_EQ_INT (s_reserve (id, lines, 2, shortages, &nshort, &existing, &record), 0);
    CHECK (!existing);
    CHECK_EQ_INT (s_stock ("TEE", "WH-EAST").reserved, 10);
    CHECK_EQ_INT (s_stock ("TEE", "WH-WEST").reserved, 2);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  the record says where each unit was taken
    CHECK (record.lines_count == 2 && record.lines[0].allocations_count == 2);
    //  the same order again holds nothing more
    CHECK_EQ_INT (s_reserve (id, lines, 2, shortages, &nshort, &existing, &record), 0);
    CHECK (existing);
    CHECK_EQ_INT (s_stock ("TEE", "WH-EAST").reserved, 10);
    CHECK_EQ_INT (s_stock ("TEE", "WH-WEST").reserved, 2);
    record_free (reservation_fields, &record);
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
    reservation_t record = {0};
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
    CHECK_EQ_INT (s_reserve (id, unknown, 1, shortages, &nshort, &existing, &record), RM_ENOTFOUND);
    record_free (reservation_fields, &record);
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
    reservation_t record = {0};
    CHECK_EQ_INT (s_reserve (id, lines, 1, shortages, &nshort, &existing, &record), 0);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 3);
    bool released = false;
    CHECK_EQ_INT (s_release (id, &released), 0);
    CHECK (released);
    //  releasing twice finds nothing to give back
    CHECK_EQ_INT (s_release (id, &released), 0);
    CHECK (!released);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  a late or resent reserve of a released order holds nothing
    CHECK_EQ_INT (s_reserve (id, lines, 1, shortages, &nshort, &existing, &record), RM_ECONFLICT);
    CHECK_EQ_INT (s_stock ("MUG", "WH-EAST").reserved, 1);
    //  so does one that arrives after a release it never preceded
    uint8_t late[16];
    uuid_new (late);
    CHECK_EQ_INT (s_release (late, &released), 0);
    CHECK (!released);
    CHECK_EQ_INT (s_reserve (late, lines, 1, shortages, &nshort, &existing, &record), RM_ECONFLICT);
    record_free (reservation_fields, &record);
}

static void
test_locations_listed (void)
{
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    stock_at_t *at;
    size_t count;
    CHECK_EQ_INT (stock_locations (txn, &s_dbs, "TEE", &at, &count), 0);
    CHECK_EQ_INT (count, 2);
    free (at);
    CHECK_EQ_INT (stock_locations (txn, &s_dbs, "TE", &at, &count), 0);
    CHECK_EQ_INT (count, 0);
    free (at);
}

int
main (int argc, char **argv)
{
    (void) argc;
    static const service_def_t def = {.name = "inventory", .dbs = inventory_dbs, .schema_version = INVENTORY_SCHEMA_VERSION,
                                      .migrations = inventory_migrations, .routes = inventory_routes};
    loophost_t host;
    CHECK_EQ_INT (loophost_open (&host, &def), 0);
    s_svc = host.svc;
    s_dbs = inventory_dbs_of (s_svc);
    test_reserve_splits_and_is_idempotent ();
    test_all_or_nothing ();
    test_release_is_final ();
    test_locations_listed ();
    loophost_close (&host);
    return harness_report (argv[0]);
}
