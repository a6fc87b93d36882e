//  inventory returns (restock.h): a receipt's resellable units come back on
//  hand and fill the SKU's backorders first come first served; damaged ones
//  come back on hand and quarantined, so available does not grow; every
//  line is a ledger entry of type return ("<receipt_id>#<n>", the return
//  reason, the order) and an inventory.stock.moved; a receipt applied again
//  changes nothing, another return's receipt of the same ID comes in; the
//  same receipt with other units, or a line without units, refuses the
//  whole receipt with nothing changed. The
//  plain function and the event handler run on the transaction of a real
//  inventory service in the test's process (invhost.h), no sockets used.
#include "catalog_returns.h"
#include "err.h"
#include "harness.h"
#include "invhost.h"
#include "movement.h"
#include "mp.h"
#include "restock.h"
#include "stock.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;

#define CHECK_STOCK(sku, location, on_hand_, reserved_, quarantined_)   \
    do {                                                                \
        stock_t _s = invhost_stock_of (s_svc, sku, location);                           \
        CHECK_EQ_INT (_s.on_hand, on_hand_);                            \
        CHECK_EQ_INT (_s.reserved, reserved_);                          \
        CHECK_EQ_INT (_s.quarantined, quarantined_);                    \
    } while (0)

typedef struct {
    const restock_t *in;
    restock_outcome_t out;
} apply_arg_t;

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    apply_arg_t *a = (apply_arg_t *) arg;
    return restock_apply (s_svc, txn, "test", a->in, &a->out);
}

//  Applies in in a write of its own; returns its code, *out what it found.
static int
s_apply (const restock_t *in, restock_outcome_t *out)
{
    apply_arg_t a = {in, {0}};
    int rc = service_write (s_svc, s_apply_write, &a);
    if (out)
        *out = a.out;
    return rc;
}

static restock_t
s_receipt (const char *receipt_id, const char *location, const restock_line_t *lines, size_t count)
{
    return (restock_t) {.return_id = "RET-1", .receipt_id = receipt_id,
                        .order_id = "0190f2c4-7a6e-7cc3-9b2a-1f0e5d4c3b2a", .location = location,
                        .received_at = 1700000000000, .lines = lines, .count = count};
}

//  ---------------------------------------------------------------------

static void
test_resellable_and_damaged (void)
{
    invhost_stock (s_svc, "TEE", "WH-1", 5, 1);
    invhost_stock (s_svc, "MUG", "WH-1", 2, 1);
    size_t tees = invhost_ledger (s_svc, "TEE", "WH-1", 0, NULL);
    uint64_t mark = outbox_mark (service_outbox (s_svc));

    //  3 resellable tees and 2 damaged mugs come back to WH-1
    restock_line_t lines[] = {{"TEE", 3, false, "no_longer_needed"}, {"MUG", 2, true, "damaged"}};
    restock_t in = s_receipt ("RCPT-1", "WH-1", lines, 2);
    restock_outcome_t out;
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_EQ_INT ((int) out.applied, 2);
    CHECK_EQ_INT ((int) out.duplicates, 0);
    CHECK_STOCK ("TEE", "WH-1", 8, 0, 0);
    CHECK_STOCK ("MUG", "WH-1", 4, 0, 2);
    stock_t mugs = invhost_stock_of (s_svc, "MUG", "WH-1");
    CHECK_EQ_INT (stock_available (&mugs), 2);

    inventory_ledger_entry_t entry = {0};
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "TEE", "WH-1", 0, &entry), (int) tees + 1);
    CHECK_STR (entry.type, "return");
    CHECK_STR (entry.movement_id, "RCPT-1#1");
    CHECK_STR (entry.reason, "no_longer_needed");
    CHECK_STR (entry.order_id, "0190f2c4-7a6e-7cc3-9b2a-1f0e5d4c3b2a");
    CHECK_EQ_INT (entry.quantity_delta, 3);
    CHECK_EQ_INT (entry.on_hand_after, 8);
    CHECK_EQ_INT (entry.occurred_at, 1700000000000);
    invhost_ledger (s_svc, "MUG", "WH-1", 0, &entry);
    CHECK_STR (entry.type, "return");
    CHECK_STR (entry.movement_id, "RCPT-1#2");
    CHECK_STR (entry.reason, "damaged");
    CHECK_EQ_INT (entry.quantity_delta, 2);

    inventory_stock_moved_event_t moved[2] = {0};
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.moved",
                                                 inventory_stock_moved_event_fields, moved, sizeof moved[0], 2),
                  2);
    CHECK_STR (moved[0].type, "return");
    CHECK_STR (moved[0].movement_id, "RCPT-1#1");
    CHECK_EQ_INT (moved[0].quantity, 3);
    CHECK_EQ_INT (moved[0].stock.on_hand, 8);
    CHECK_EQ_INT (moved[0].stock.available, 8);
    CHECK (!moved[0].location_created);
    CHECK_STR (moved[1].sku, "MUG");
    CHECK_EQ_INT (moved[1].stock.quarantined, 2);
    CHECK_EQ_INT (moved[1].stock.available, 2);
    for (int i = 0; i < 2; i++)
        record_free (inventory_stock_moved_event_fields, &moved[i]);

    //  the same receipt again: nothing changes, no event
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_EQ_INT ((int) out.applied, 0);
    CHECK_EQ_INT ((int) out.duplicates, 2);
    CHECK_STOCK ("TEE", "WH-1", 8, 0, 0);
    CHECK_STOCK ("MUG", "WH-1", 4, 0, 2);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "TEE", "WH-1", 0, NULL), (int) tees + 1);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.moved", NULL, NULL, 0, 0), 0);

    //  a SKU new at the location, at a location inventory did not know
    restock_line_t cap[] = {{"CAP", 1, false, "wrong_item"}};
    in = s_receipt ("RCPT-2", "STORE-9", cap, 1);
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_STOCK ("CAP", "STORE-9", 1, 0, 0);
    inventory_stock_moved_event_t created = {0};
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.moved",
                                                 inventory_stock_moved_event_fields, &created, sizeof created, 1),
                  1);
    CHECK (created.location_created);
    record_free (inventory_stock_moved_event_fields, &created);
}

static const bool s_backorder[1] = {true};

static void
test_fills_backorders (void)
{
    invhost_stock (s_svc, "HAT", "WH-1", 0, 1);
    line_t two[] = {{"HAT", 2, -1}};
    invhost_reserve_t b = {.request.ttl_ms = 60000, .request.scope.backorder = s_backorder};
    CHECK_EQ_INT (invhost_reserve (s_svc, &b, two, 1), 0);
    CHECK_EQ_INT (b.record.lines[0].backordered, 2);

    //  a damaged hat is not stock to sell: the backorder keeps waiting
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    restock_line_t damaged[] = {{"HAT", 1, true, "damaged"}};
    restock_t in = s_receipt ("RCPT-3", "WH-1", damaged, 1);
    CHECK_EQ_INT (s_apply (&in, NULL), 0);
    CHECK_STOCK ("HAT", "WH-1", 1, 0, 1);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.backorder.filled", NULL, NULL, 0, 0), 0);

    //  a resellable one is: the order waiting takes it
    restock_line_t resellable[] = {{"HAT", 1, false, "other"}};
    in = s_receipt ("RCPT-4", "WH-1", resellable, 1);
    CHECK_EQ_INT (s_apply (&in, NULL), 0);
    CHECK_STOCK ("HAT", "WH-1", 2, 1, 1);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.backorder.filled", NULL, NULL, 0, 0), 1);
    reservation_t filled = invhost_order (s_svc, b.request.order_id);
    CHECK_EQ_INT (reservation_held_at (&filled, 0, "WH-1"), 1);
    CHECK_EQ_INT (filled.lines[0].backordered, 1);
    record_free (reservation_fields, &filled);
    record_free (reservation_fields, &b.record);
}

//  An inventory.movement (a receipt) with movement_id id.
static int
s_movement_write (MDB_txn *txn, void *arg)
{
    const char *id = (const char *) arg;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    invhost_pack_move (&pk, &(invhost_move_t) {.id = id, .type = "receipt", .sku = "BAG", .location = "WH-1",
                                               .quantity = 1});
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, body.data, body.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    inventory_movement_request_t in = {0};
    CHECK_EQ_INT (record_decode (inventory_movement_request_fields, &unpacked.data, &in), 0);
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    bool replayed;
    movement_problem_t problem;
    int rc = movement_apply (s_svc, txn, "test", &unpacked.data, &in, &reply, &replayed, &problem);
    msgpack_sbuffer_destroy (&reply);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

static void
test_refused_changes_nothing (void)
{
    invhost_stock (s_svc, "BAG", "WH-1", 4, 1);
    CHECK_EQ_INT (service_write (s_svc, s_movement_write, "RCPT-5#2"), 0);
    CHECK_STOCK ("BAG", "WH-1", 5, 0, 0);

    //  a receipt's movement IDs are not inventory.movement's: an operator's
    //  receipt RCPT-5#2 does not keep the return's line 2 out
    restock_line_t lines[] = {{"BAG", 1, false, "other"}, {"BAG", 2, false, "other"}};
    restock_t in = s_receipt ("RCPT-5", "WH-1", lines, 2);
    restock_outcome_t out;
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_EQ_INT ((int) out.applied, 2);
    CHECK_STOCK ("BAG", "WH-1", 8, 0, 0);
    size_t entries = invhost_ledger (s_svc, "BAG", "WH-1", 0, NULL);
    uint64_t mark = outbox_mark (service_outbox (s_svc));

    //  the same receipt with other units on line 2: the whole receipt is
    //  refused, line 1 included
    restock_line_t other[] = {{"BAG", 1, false, "other"}, {"BAG", 3, false, "other"}};
    in = s_receipt ("RCPT-5", "WH-1", other, 2);
    CHECK_EQ_INT (s_apply (&in, &out), RM_ECONFLICT);
    CHECK (strstr (out.message, "RCPT-5#2") != NULL);

    //  a line without units; a receipt ID too long for its movement IDs;
    //  on hand beyond what inventory holds
    restock_line_t none[] = {{"BAG", 1, false, "other"}, {"BAG", 0, false, "other"}};
    in = s_receipt ("RCPT-6", "WH-1", none, 2);
    CHECK_EQ_INT (s_apply (&in, &out), RM_EINVAL);
    CHECK (strstr (out.message, "line 2") != NULL);
    char long_id[130];
    memset (long_id, 'R', 128);
    long_id[128] = '\0';
    in = s_receipt (long_id, "WH-1", lines, 1);
    CHECK_EQ_INT (s_apply (&in, &out), RM_EINVAL);
    CHECK (strstr (out.message, "too long") != NULL);
    restock_line_t many[] = {{"BAG", CATALOG_MAX_ON_HAND / 2, false, "other"},
                             {"BAG", CATALOG_MAX_ON_HAND / 2, false, "other"}};
    in = s_receipt ("RCPT-7", "WH-1", many, 2);
    CHECK_EQ_INT (s_apply (&in, &out), RM_EINVAL);
    CHECK (strstr (out.message, "would pass") != NULL);

    CHECK_STOCK ("BAG", "WH-1", 8, 0, 0);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "BAG", "WH-1", 0, NULL), (int) entries);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.moved", NULL, NULL, 0, 0), 0);
}

//  ---------------------------------------------------------------------
//  the event consumed

//  returns' event of the receipt in ev, as inventory's consumer applies it.
static int
s_received (const returns_received_event_t *ev)
{
    return invhost_apply_event (s_svc, "returns.return.received", returns_received_event_fields, ev,
                                restock_on_returns_event);
}

static void
s_received_line (returns_received_line_t *l, int64_t line, const char *sku, int64_t quantity, const char *condition,
                 const char *reason)
{
    *l = (returns_received_line_t) {.line = line, .quantity = quantity, .unit_price = 1000,
                                    .extended = 1000 * quantity, .refund = 1000 * quantity};
    snprintf (l->sku, sizeof l->sku, "%s", sku);
    snprintf (l->condition, sizeof l->condition, "%s", condition);
    snprintf (l->reason, sizeof l->reason, "%s", reason);
}

static void
test_event (void)
{
    invhost_stock (s_svc, "CUP", "WH-2", 1, 2);
    returns_received_line_t lines[2];
    s_received_line (&lines[0], 0, "CUP", 2, "resellable", "wrong_item");
    s_received_line (&lines[1], 1, "CUP", 1, "damaged", "damaged");
    returns_received_event_t ev = {.authorized_at = 1700000000000, .refund_amount = 3000,
                                   .receipt = {.received_at = 1700000100000, .lines = lines, .lines_count = 2}};
    snprintf (ev.return_id, sizeof ev.return_id, "RET-9");
    snprintf (ev.order_id, sizeof ev.order_id, "0190f2c4-7a6e-7cc3-9b2a-1f0e5d4c3b2b");
    snprintf (ev.external_id, sizeof ev.external_id, "EXT-9");
    snprintf (ev.channel, sizeof ev.channel, "web");
    snprintf (ev.account_id, sizeof ev.account_id, "acct-1");
    snprintf (ev.currency, sizeof ev.currency, "USD");
    snprintf (ev.status, sizeof ev.status, "received");
    snprintf (ev.return_location, sizeof ev.return_location, "WH-2");
    snprintf (ev.receipt.receipt_id, sizeof ev.receipt.receipt_id, "RCPT-9");
    snprintf (ev.receipt.location, sizeof ev.receipt.location, "WH-2");

    CHECK_EQ_INT (s_received (&ev), 0);
    CHECK_STOCK ("CUP", "WH-2", 4, 0, 1);
    inventory_ledger_entry_t entry = {0};
    invhost_ledger (s_svc, "CUP", "WH-2", 1, &entry);
    CHECK_STR (entry.movement_id, "RCPT-9#1");
    CHECK_STR (entry.reason, "wrong_item");
    CHECK_STR (entry.order_id, "0190f2c4-7a6e-7cc3-9b2a-1f0e5d4c3b2b");
    CHECK_EQ_INT (entry.occurred_at, 1700000100000);
    invhost_ledger (s_svc, "CUP", "WH-2", 0, &entry);
    CHECK_STR (entry.movement_id, "RCPT-9#2");

    //  the event again (a replay of returns' events): nothing changes
    CHECK_EQ_INT (s_received (&ev), 0);
    CHECK_STOCK ("CUP", "WH-2", 4, 0, 1);

    //  another return's receipt RCPT-9 is another receipt: its units come in
    snprintf (ev.return_id, sizeof ev.return_id, "RET-10");
    CHECK_EQ_INT (s_received (&ev), 0);
    CHECK_STOCK ("CUP", "WH-2", 7, 0, 2);
    CHECK_EQ_INT (s_received (&ev), 0);
    CHECK_STOCK ("CUP", "WH-2", 7, 0, 2);

    //  a condition inventory does not know: a failure (dead-lettered in the
    //  end, not skipped), nothing changed
    snprintf (ev.return_id, sizeof ev.return_id, "RET-11");
    snprintf (lines[1].condition, sizeof lines[1].condition, "opened");
    CHECK_EQ_INT (s_received (&ev), RM_EINTERNAL);
    CHECK_STOCK ("CUP", "WH-2", 7, 0, 2);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    if (s_svc) {
        test_resellable_and_damaged ();
        test_fills_backorders ();
        test_refused_changes_nothing ();
        test_event ();
    }
    loophost_close (&host);
    return harness_report (argv[0]);
}
