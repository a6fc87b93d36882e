//  inventory backorders: short lines that allow it queued in arrival order,
//  filled first come first served (in part when stock is short), each unit
//  once, removed with their order — the plain functions on the transaction
//  of a real inventory service run in the test's process (invhost.h), no
//  sockets used.
#include "backorder.h"
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "hold.h"
#include "invhost.h"
#include "mp.h"
#include "reservation.h"
#include "stock.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;

//  ---------------------------------------------------------------------
//  set-up and reading back, each step in a service_write of its own

static int
s_fill_write (MDB_txn *txn, void *arg)
{
    return backorder_fill (s_svc, txn, "test", (const char *) arg);
}

//  A count of sku at location: stock arriving, which fills its backorders
//  (stock_count -> stock_arrived -> backorder_fill).
static void
s_stock (const char *sku, const char *location, int64_t on_hand, int64_t priority)
{
    invhost_stock (s_svc, sku, location, on_hand, priority);
}

static const bool s_backorder[1] = {true};

//  Reserves one line for a new order (a->request.order_id), backordering
//  what is short when backorder is set. The caller record_frees a->record.
static int
s_reserve (invhost_reserve_t *a, const line_t *line, bool backorder)
{
    a->request.scope.backorder = backorder ? s_backorder : NULL;
    return invhost_reserve (s_svc, a, line, 1);
}

static int64_t
s_held (const reservation_t *record, size_t line)
{
    int64_t held = 0;
    for (size_t i = 0; line < record->lines_count && i < record->lines[line].allocations_count; i++)
        held += record->lines[line].allocations[i].quantity;
    return held;
}

//  The open backorders of sku (record_free it).
static inventory_backorders_reply_t
s_list (const char *sku)
{
    MDB_txn *txn;
    inventory_backorders_reply_t reply = {0};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    CHECK_EQ_INT (backorder_list (txn, &dbs, sku, &reply), 0);
    return reply;
}

static bool
s_is (const inventory_backorder_t *backorder, const uint8_t id[16], int64_t outstanding, int64_t filled)
{
    char text[UUID_STR_LEN + 1];
    uuid_format (id, text);
    return strcmp (backorder->order_id, text) == 0 && backorder->outstanding == outstanding
           && backorder->filled == filled;
}

//  The inventory.backorder.filled events logged after sequence number
//  after (an outbox_mark: nothing here commits, the service's batch stays
//  open and the read sees it), decoded into fills (at most max); returns
//  their number.
static size_t
s_fills_since (uint64_t after, inventory_backorder_filled_t *fills, size_t max)
{
    return invhost_events (s_svc, after, "inventory.backorder.filled", inventory_backorder_filled_fields, fills,
                           sizeof *fills, max);
}

static void
s_fills_free (inventory_backorder_filled_t *fills, size_t count)
{
    for (size_t i = 0; i < count; i++)
        record_free (inventory_backorder_filled_fields, &fills[i]);
}

//  ---------------------------------------------------------------------

static invhost_reserve_t s_a, s_b;

static void
test_queued_in_arrival_order (void)
{
    s_stock ("TEE", "WH-1", 2, 1);
    line_t five = {"TEE", 5, -1}, four = {"TEE", 4, -1}, one = {"TEE", 1, -1};

    //  A holds the 2 there are and backorders 3; B backorders all 4
    CHECK_EQ_INT (s_reserve (&s_a, &five, true), 0);
    CHECK_EQ_INT (s_held (&s_a.record, 0), 2);
    CHECK (s_a.record.lines[0].has_backordered);
    CHECK_EQ_INT (s_a.record.lines[0].backordered, 3);
    CHECK_EQ_INT (s_reserve (&s_b, &four, true), 0);
    CHECK_EQ_INT (s_held (&s_b.record, 0), 0);
    CHECK_EQ_INT (s_b.record.lines[0].backordered, 4);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TEE", "WH-1"), 2);

    //  a line that does not allow it still refuses the whole reserve
    invhost_reserve_t c = {0};
    CHECK_EQ_INT (s_reserve (&c, &one, false), RM_ESHORT);
    CHECK_EQ_INT ((int) c.outcome.nshort, 1);
    record_free (reservation_fields, &c.record);

    inventory_backorders_reply_t list = s_list ("TEE");
    CHECK_EQ_INT ((int) list.backorders_count, 2);
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[0], s_a.request.order_id, 3, 0));
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[1], s_b.request.order_id, 4, 0));
    CHECK (!list.more);
    record_free (inventory_backorders_reply_fields, &list);
    list = s_list ("MUG");
    CHECK_EQ_INT ((int) list.backorders_count, 0);
    record_free (inventory_backorders_reply_fields, &list);
}

static void
test_filled_first_come_first_served (void)
{
    inventory_backorder_filled_t fills[4];
    //  2 more units: both to A, the first in line, which still waits for 1
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    s_stock ("TEE", "WH-1", 4, 1);
    size_t n = s_fills_since (mark, fills, 4);
    CHECK_EQ_INT ((int) n, 1);
    char a_text[UUID_STR_LEN + 1], b_text[UUID_STR_LEN + 1];
    uuid_format (s_a.request.order_id, a_text);
    uuid_format (s_b.request.order_id, b_text);
    if (n == 1) {
        CHECK_STR (fills[0].order_id, a_text);
        CHECK_EQ_INT (fills[0].line, 0);
        CHECK_STR (fills[0].sku, "TEE");
        CHECK_EQ_INT (fills[0].quantity, 2);
        CHECK_EQ_INT ((int) fills[0].allocations_count, 1);
        CHECK_STR (fills[0].allocations[0].location, "WH-1");
        CHECK_EQ_INT (fills[0].allocations[0].quantity, 2);
        CHECK_EQ_INT (fills[0].outstanding, 1);
    }
    s_fills_free (fills, n < 4 ? n : 4);
    reservation_t a = invhost_order (s_svc, s_a.request.order_id);
    CHECK_EQ_INT (s_held (&a, 0), 4);
    CHECK_EQ_INT (a.lines[0].backordered, 1);
    record_free (reservation_fields, &a);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TEE", "WH-1"), 4);

    //  nothing new arrived: a second fill fills nothing
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (service_write (s_svc, s_fill_write, "TEE"), 0);
    CHECK_EQ_INT ((int) s_fills_since (mark, fills, 0), 0);
    inventory_backorders_reply_t list = s_list ("TEE");
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[0], s_a.request.order_id, 1, 2));
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[1], s_b.request.order_id, 4, 0));
    record_free (inventory_backorders_reply_fields, &list);

    //  3 at a second location: A's last unit, then 2 of B's 4
    mark = outbox_mark (service_outbox (s_svc));
    s_stock ("TEE", "WH-2", 3, 2);
    n = s_fills_since (mark, fills, 4);
    CHECK_EQ_INT ((int) n, 2);
    if (n == 2) {
        CHECK_STR (fills[0].order_id, a_text);
        CHECK_EQ_INT (fills[0].quantity, 1);
        CHECK_STR (fills[0].allocations[0].location, "WH-2");
        CHECK_EQ_INT (fills[0].outstanding, 0);
        CHECK_STR (fills[1].order_id, b_text);
        CHECK_EQ_INT (fills[1].quantity, 2);
        CHECK_EQ_INT (fills[1].outstanding, 2);
    }
    s_fills_free (fills, n < 4 ? n : 4);
    a = invhost_order (s_svc, s_a.request.order_id);
    CHECK_EQ_INT (s_held (&a, 0), 5);
    CHECK (!a.lines[0].has_backordered);
    record_free (reservation_fields, &a);
    reservation_t b = invhost_order (s_svc, s_b.request.order_id);
    CHECK_EQ_INT (s_held (&b, 0), 2);
    CHECK_EQ_INT (b.lines[0].backordered, 2);
    record_free (reservation_fields, &b);

    //  A's is done and gone; B's waits; again nothing is filled twice
    list = s_list ("TEE");
    CHECK_EQ_INT ((int) list.backorders_count, 1);
    CHECK (list.backorders_count == 1 && s_is (&list.backorders[0], s_b.request.order_id, 2, 2));
    record_free (inventory_backorders_reply_fields, &list);
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (service_write (s_svc, s_fill_write, "TEE"), 0);
    CHECK_EQ_INT ((int) s_fills_since (mark, fills, 0), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TEE", "WH-1") + invhost_reserved (s_svc, "TEE", "WH-2"), 7);
}

typedef struct {
    uint8_t id[16];
    reservation_t record;
    bool released;
} release_arg_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_arg_t *a = (release_arg_t *) arg;
    return reservation_release (s_svc, txn, "test", a->id, &a->record, &a->released);
}

static int
s_cancel_write (MDB_txn *txn, void *arg)
{
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    return backorder_cancel (txn, &dbs, (const uint8_t *) arg);
}

static void
test_cancel_removes (void)
{
    line_t three = {"TEE", 3, -1}, two = {"TEE", 2, -1};
    invhost_reserve_t d = {0}, e = {0};
    CHECK_EQ_INT (s_reserve (&d, &three, true), 0);
    CHECK_EQ_INT (d.record.lines[0].backordered, 3);
    CHECK_EQ_INT (s_reserve (&e, &two, true), 0);

    //  E's backorder removed on its own: twice is harmless
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, e.request.order_id), 0);
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, e.request.order_id), 0);
    inventory_backorders_reply_t list = s_list ("TEE");
    CHECK_EQ_INT ((int) list.backorders_count, 2);
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[0], s_b.request.order_id, 2, 2));
    CHECK (list.backorders_count == 2 && s_is (&list.backorders[1], d.request.order_id, 3, 0));
    record_free (inventory_backorders_reply_fields, &list);

    //  releasing B removes its backorder, and the 2 units it gave back go to D
    release_arg_t rel = {0};
    memcpy (rel.id, s_b.request.order_id, 16);
    CHECK_EQ_INT (service_write (s_svc, s_release_write, &rel), 0);
    CHECK (rel.released);
    record_free (reservation_fields, &rel.record);
    list = s_list ("TEE");
    CHECK_EQ_INT ((int) list.backorders_count, 1);
    CHECK (list.backorders_count == 1 && s_is (&list.backorders[0], d.request.order_id, 1, 2));
    record_free (inventory_backorders_reply_fields, &list);

    //  later stock goes to D, never to B or E
    s_stock ("TEE", "WH-2", 5, 2);
    list = s_list ("TEE");
    CHECK_EQ_INT ((int) list.backorders_count, 0);
    record_free (inventory_backorders_reply_fields, &list);
    reservation_t held = invhost_order (s_svc, d.request.order_id);
    CHECK_EQ_INT (s_held (&held, 0), 3);
    record_free (reservation_fields, &held);
    held = invhost_order (s_svc, e.request.order_id);
    CHECK_EQ_INT (s_held (&held, 0), 0);
    CHECK_EQ_INT (held.lines[0].backordered, 2);
    record_free (reservation_fields, &held);
    held = invhost_order (s_svc, s_b.request.order_id);
    CHECK_STR (held.status, RESERVATION_RELEASED);
    record_free (reservation_fields, &held);
    //  A 5 and D 3 held over 9 on hand
    CHECK_EQ_INT (invhost_reserved (s_svc, "TEE", "WH-1") + invhost_reserved (s_svc, "TEE", "WH-2"), 8);
    record_free (reservation_fields, &d.record);
    record_free (reservation_fields, &e.record);
}

typedef struct {
    uint8_t id[16];
    const line_t *line;
    reservation_t record;
    bool flag;
    shortage_t shortages[1];
    reservation_outcome_t outcome;
} hold_arg_t;

static int
s_hold_place_write (MDB_txn *txn, void *arg)
{
    hold_arg_t *a = (hold_arg_t *) arg;
    record_free (reservation_fields, &a->record);
    a->outcome.shortages = a->shortages;
    return hold_place (s_svc, txn, "test", a->id, a->line, 1, 60000, clock_now_ms (), &a->record, &a->flag,
                       &a->outcome);
}

static int
s_hold_release_write (MDB_txn *txn, void *arg)
{
    hold_arg_t *a = (hold_arg_t *) arg;
    record_free (reservation_fields, &a->record);
    return hold_release (s_svc, txn, "test", a->id, clock_now_ms (), &a->record, &a->flag);
}

//  A hold given back (released; expiring ends the same way) is stock
//  available again: a waiting backorder takes it.
static void
test_hold_given_back (void)
{
    s_stock ("HAT", "WH-1", 3, 1);
    line_t three = {"HAT", 3, -1}, two = {"HAT", 2, -1};
    hold_arg_t hold = {.line = &three};
    uuid_new (hold.id);
    CHECK_EQ_INT (service_write (s_svc, s_hold_place_write, &hold), 0);
    invhost_reserve_t f = {0};
    CHECK_EQ_INT (s_reserve (&f, &two, true), 0);
    CHECK_EQ_INT (f.record.lines[0].backordered, 2);
    CHECK_EQ_INT (service_write (s_svc, s_hold_release_write, &hold), 0);
    CHECK (hold.flag);
    inventory_backorders_reply_t list = s_list ("HAT");
    CHECK_EQ_INT ((int) list.backorders_count, 0);
    record_free (inventory_backorders_reply_fields, &list);
    reservation_t held = invhost_order (s_svc, f.request.order_id);
    CHECK_EQ_INT (s_held (&held, 0), 2);
    record_free (reservation_fields, &held);
    CHECK_EQ_INT (invhost_reserved (s_svc, "HAT", "WH-1"), 2);
    record_free (reservation_fields, &hold.record);
    record_free (reservation_fields, &f.record);
}

typedef struct {
    uint8_t id[16];
} add_arg_t;

static int
s_add_write (MDB_txn *txn, void *arg)
{
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    return backorder_add (txn, &dbs, ((add_arg_t *) arg)->id, 0, "CAP", 2);
}

//  A backorder whose order holds no live reservation (release removes them,
//  so only a damaged store has one) is dropped when stock comes, nothing
//  held and no event.
static void
test_orphan_dropped (void)
{
    s_stock ("CAP", "WH-1", 0, 1);
    add_arg_t orphan;
    uuid_new (orphan.id);
    CHECK_EQ_INT (service_write (s_svc, s_add_write, &orphan), 0);
    inventory_backorders_reply_t list = s_list ("CAP");
    CHECK_EQ_INT ((int) list.backorders_count, 1);
    record_free (inventory_backorders_reply_fields, &list);
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    s_stock ("CAP", "WH-1", 5, 1);
    CHECK_EQ_INT ((int) s_fills_since (mark, NULL, 0), 0);
    list = s_list ("CAP");
    CHECK_EQ_INT ((int) list.backorders_count, 0);
    record_free (inventory_backorders_reply_fields, &list);
    CHECK_EQ_INT (invhost_reserved (s_svc, "CAP", "WH-1"), 0);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    if (s_svc) {
        test_queued_in_arrival_order ();
        test_filled_first_come_first_served ();
        test_cancel_removes ();
        test_orphan_dropped ();
        test_hold_given_back ();
    }
    record_free (reservation_fields, &s_a.record);
    record_free (reservation_fields, &s_b.record);
    loophost_close (&host);
    return harness_report (argv[0]);
}
