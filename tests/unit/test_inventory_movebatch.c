//  inventory.movements_batch's plain functions (movebatch.h over bulk.h),
//  on the transaction of a real inventory service run in the test's
//  process (invhost.h), no sockets used: a batch is applied all or
//  nothing, every bad item is named, a batch_id answers its first answer
//  again, another body under it is refused, each movement is applied once
//  per movement_id, and 10,000 movements go in one transaction.
#include "err.h"
#include "harness.h"
#include "invhost.h"
#include "movebatch.h"
#include "movement.h"
#include "mp.h"
#include "stock.h"
#include <stdlib.h>
#include <string.h>

#define S_NOW 1800000000000LL

static service_t *s_svc;
static inventory_dbs_t s_dbs;


//  A batch as received (packed), decoded, and what applying it gave.
typedef struct {
    msgpack_sbuffer packed;
    msgpack_unpacked body;
    inventory_movements_batch_request_t in;
    uint8_t digest[SHA256_LEN];
    catalog_batch_reply_t result;
    bulk_faults_t faults;
} s_batch_t;

static void
s_batch_make (s_batch_t *batch, const char *batch_id, const invhost_move_t *moves, size_t count)
{
    memset (batch, 0, sizeof *batch);
    msgpack_sbuffer_init (&batch->packed);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &batch->packed, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "batch_id", batch_id);
    mp_pack_str (&pk, "items");
    msgpack_pack_array (&pk, count);
    for (size_t i = 0; i < count; i++)
        invhost_pack_move (&pk, &moves[i]);
    msgpack_unpacked_init (&batch->body);
    CHECK (msgpack_unpack_next (&batch->body, batch->packed.data, batch->packed.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    proto_error_t err = {0};
    CHECK_EQ_INT (catalog_validate (inventory_movements_batch_request_fields, &batch->body.data, &err), 0);
    CHECK_EQ_INT (record_decode (inventory_movements_batch_request_fields, &batch->body.data, &batch->in), 0);
    CHECK_EQ_INT (bulk_digest (&batch->body.data, batch->digest), 0);
}

static void
s_batch_free (s_batch_t *batch)
{
    record_free (inventory_movements_batch_request_fields, &batch->in);
    bulk_faults_free (&batch->faults);
    msgpack_unpacked_destroy (&batch->body);
    msgpack_sbuffer_destroy (&batch->packed);
}

static int
s_apply_fn (MDB_txn *txn, void *arg)
{
    s_batch_t *batch = (s_batch_t *) arg;
    bulk_faults_free (&batch->faults);
    return movebatch_apply (s_svc, txn, "test", &batch->body.data, &batch->in, batch->digest, S_NOW, &batch->result,
                            &batch->faults);
}

//  Applies the batch in a service_write of its own: undone unless it succeeds.
static int
s_apply (s_batch_t *batch)
{
    return service_write (s_svc, s_apply_fn, batch);
}

static int64_t
s_on_hand (const char *sku, const char *location)
{
    MDB_txn *txn;
    stock_t stock = {0};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    int rc = stock_get (txn, &s_dbs, sku, location, &stock);
    return rc == 0 ? stock.on_hand : rc;
}

static bool
s_recorded (const char *batch_id)
{
    MDB_txn *txn;
    MDB_val val;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    return store_get (txn, s_dbs.batches, batch_id, strlen (batch_id), &val) == 0;
}

static bool
s_movement_seen (const char *movement_id)
{
    MDB_txn *txn;
    MDB_val val;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    return store_get (txn, s_dbs.movements, movement_id, strlen (movement_id), &val) == 0;
}

//  Item 3 takes more than there is: nothing of the batch is applied.
static void
test_all_or_nothing (void)
{
    const invhost_move_t moves[] = {
        {"aon-0", "receipt", "A", "WH-1", NULL, 10},
        {"aon-1", "receipt", "B", "WH-1", NULL, 5},
        {"aon-2", "transfer", "A", "WH-1", "ST-1", 4},
        {"aon-3", "transfer", "B", "WH-1", "ST-1", 50},
        {"aon-4", "adjustment", "A", "WH-1", NULL, -1},
    };
    s_batch_t batch;
    s_batch_make (&batch, "aon", moves, 5);
    CHECK_EQ_INT (s_apply (&batch), RM_EINVAL);
    CHECK_EQ_INT (batch.faults.count, 1);
    if (batch.faults.count == 1) {
        CHECK_EQ_INT (batch.faults.items[0].index, 3);
        CHECK_EQ_INT (batch.faults.items[0].code, RM_ESHORT);
        CHECK_STR (batch.faults.items[0].field, "/items/3/quantity");
    }
    CHECK_EQ_INT (s_on_hand ("A", "WH-1"), RM_ENOTFOUND);
    CHECK_EQ_INT (s_on_hand ("B", "WH-1"), RM_ENOTFOUND);
    CHECK (!s_movement_seen ("aon-0"));
    CHECK (!s_recorded ("aon"));
    s_batch_free (&batch);
}

//  Every bad item is named, each with its field and its own code.
static void
test_every_fault (void)
{
    const invhost_move_t before = {"ef-used", "receipt", "C", "WH-1", NULL, 7};
    s_batch_t first;
    s_batch_make (&first, "ef-first", &before, 1);
    CHECK_EQ_INT (s_apply (&first), 0);
    s_batch_free (&first);
    const invhost_move_t moves[] = {
        {"ef-0", "receipt", "C", "WH-1", NULL, 1},
        {"ef-1", "teleport", "C", "WH-1", NULL, 1},
        {"ef-2", "adjustment", "C", "WH-1", NULL, 0},
        {"ef-3", "receipt", "C", "WH-1", NULL, 2},
        {"ef-used", "receipt", "C", "WH-1", NULL, 8},
        {"ef-5", "transfer", "C", "WH-1", "WH-1", 1},
    };
    s_batch_t batch;
    s_batch_make (&batch, "ef", moves, 6);
    CHECK_EQ_INT (s_apply (&batch), RM_EINVAL);
    static const struct {
        size_t index;
        int code;
        const char *field;
    } expected[] = {{1, RM_EINVAL, "/items/1/type"},
                    {2, RM_EINVAL, "/items/2/quantity"},
                    {4, RM_ECONFLICT, "/items/4/movement_id"},
                    {5, RM_EINVAL, "/items/5/to_location"}};
    CHECK_EQ_INT (batch.faults.count, 4);
    for (size_t i = 0; i < 4 && i < batch.faults.count; i++) {
        CHECK_EQ_INT (batch.faults.items[i].index, expected[i].index);
        CHECK_EQ_INT (batch.faults.items[i].code, expected[i].code);
        CHECK_STR (batch.faults.items[i].field, expected[i].field);
        CHECK (batch.faults.items[i].message[0] != '\0');
    }
    CHECK_EQ_INT (s_on_hand ("C", "WH-1"), 7);
    s_batch_free (&batch);
}

//  The same batch_id and body answer the first answer; another body is
//  refused; a movement applied before (by inventory.movement) counts as
//  applied and is not applied twice.
static void
test_replay_and_movement_ids (void)
{
    const invhost_move_t single = {"rp-0", "receipt", "D", "WH-1", NULL, 3};
    s_batch_t one;
    s_batch_make (&one, "rp-single", &single, 1);
    CHECK_EQ_INT (s_apply (&one), 0);
    s_batch_free (&one);
    const invhost_move_t moves[] = {
        {"rp-0", "receipt", "D", "WH-1", NULL, 3},
        {"rp-1", "receipt", "D", "WH-1", NULL, 4},
        {"rp-1", "receipt", "D", "WH-1", NULL, 4},
        {"rp-2", "transfer", "D", "WH-1", "ST-2", 5},
    };
    s_batch_t batch;
    s_batch_make (&batch, "rp", moves, 4);
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK_EQ_INT (batch.result.applied, 4);
    CHECK (!batch.result.replayed);
    CHECK_EQ_INT (batch.result.applied_at, S_NOW);
    CHECK_EQ_INT (s_on_hand ("D", "WH-1"), 3 + 4 - 5);
    CHECK_EQ_INT (s_on_hand ("D", "ST-2"), 5);
    CHECK (s_recorded ("rp"));

    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK (batch.result.replayed);
    CHECK_EQ_INT (batch.result.applied, 4);
    CHECK_EQ_INT (s_on_hand ("D", "WH-1"), 2);
    CHECK_EQ_INT (s_on_hand ("D", "ST-2"), 5);

    const invhost_move_t other[] = {{"rp-9", "receipt", "D", "WH-1", NULL, 1}};
    s_batch_t changed;
    s_batch_make (&changed, "rp", other, 1);
    CHECK_EQ_INT (s_apply (&changed), RM_ECONFLICT);
    CHECK_EQ_INT (s_on_hand ("D", "WH-1"), 2);
    CHECK (!s_movement_seen ("rp-9"));
    s_batch_free (&changed);
    s_batch_free (&batch);
}

//  10,000 movements, the most a batch has, in one transaction.
static void
test_ten_thousand (void)
{
    invhost_move_t *moves = (invhost_move_t *) calloc (CATALOG_MAX_BATCH_ITEMS, sizeof *moves);
    char (*ids)[32] = calloc (CATALOG_MAX_BATCH_ITEMS, sizeof *ids);
    char (*skus)[32] = calloc (CATALOG_MAX_BATCH_ITEMS, sizeof *skus);
    CHECK (moves && ids && skus);
    if (!moves || !ids || !skus)
        exit (1);
    for (int i = 0; i < CATALOG_MAX_BATCH_ITEMS; i++) {
        snprintf (ids[i], sizeof ids[i], "bulk-%05d", i);
        snprintf (skus[i], sizeof skus[i], "BULK-%04d", i % 1000);
        moves[i] = (invhost_move_t) {ids[i], "receipt", skus[i], i % 2 ? "WH-2" : "WH-3", NULL, 1 + i % 3};
    }
    s_batch_t batch;
    s_batch_make (&batch, "bulk", moves, CATALOG_MAX_BATCH_ITEMS);
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK_EQ_INT (batch.result.applied, CATALOG_MAX_BATCH_ITEMS);
    //  BULK-0000 got items 0, 1000, ..., 9000, all at WH-3: 1 + 2 + 3 + 1 + ...
    int64_t expected = 0;
    for (int i = 0; i < CATALOG_MAX_BATCH_ITEMS; i += 1000)
        expected += 1 + i % 3;
    CHECK_EQ_INT (s_on_hand ("BULK-0000", "WH-3"), expected);
    CHECK (s_movement_seen ("bulk-09999"));
    s_batch_free (&batch);
    free (skus);
    free (ids);
    free (moves);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    s_dbs = inventory_dbs_of (s_svc);
    test_all_or_nothing ();
    test_every_fault ();
    test_replay_and_movement_ids ();
    test_ten_thousand ();
    loophost_close (&host);
    return harness_report (argv[0]);
}
