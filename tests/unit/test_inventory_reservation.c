//  inventory reservations and holds: allocation by location priority, one
//  location before a split, ship_from, statuses, a hold taken over by an
//  order, and expiry — the plain functions on the transaction of a real
//  inventory service run in the test's process (invhost.h), no sockets
//  used.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "hold.h"
#include "invhost.h"
#include "reservation.h"
#include "stock.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;

//  The units line of record holds at location.
static int64_t
s_at (const reservation_t *record, size_t line, const char *location)
{
    if (line >= record->lines_count)
        return -1;
    for (size_t i = 0; i < record->lines[line].allocations_count; i++)
        if (strcmp (record->lines[line].allocations[i].location, location) == 0)
            return record->lines[line].allocations[i].quantity;
    return 0;
}

static reservation_t
s_hold (const uint8_t id[16])
{
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    reservation_t record = {0};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (hold_get (txn, &dbs, id, &record), 0);
    return record;
}

typedef struct {
    uint8_t id[16];
    const line_t *lines;
    size_t count;
    int64_t ttl_ms, now;
    reservation_t record;
    bool existing;
    shortage_t shortages[8];
    reservation_outcome_t outcome;
} place_arg_t;

static int
s_place_write (MDB_txn *txn, void *arg)
{
    place_arg_t *a = (place_arg_t *) arg;
    record_free (reservation_fields, &a->record);
    a->outcome.shortages = a->shortages;
    return hold_place (s_svc, txn, "test", a->id, a->lines, a->count, a->ttl_ms, a->now, &a->record, &a->existing,
                       &a->outcome);
}

static int
s_place (place_arg_t *a)
{
    return service_write (s_svc, s_place_write, a);
}

typedef struct {
    int64_t now;
    size_t expired;
    int64_t next;
} expire_arg_t;

static int
s_expire_write (MDB_txn *txn, void *arg)
{
    expire_arg_t *a = (expire_arg_t *) arg;
    return hold_expire_due (s_svc, txn, "test", a->now, 16, &a->expired, &a->next);
}

//  ---------------------------------------------------------------------
//  allocation

static void
test_allocation (void)
{
    //  P1 is used first, then P2, whatever they have
    invhost_stock (s_svc, "ALLOC", "P2", 10, 2);
    invhost_stock (s_svc, "ALLOC", "P1", 3, 1);
    invhost_stock (s_svc, "ALLOC", "P3", 4, 3);
    line_t two[] = {{"ALLOC", 2, -1}};
    invhost_reserve_t a = {0};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, two, 1), 0);
    CHECK_EQ_INT (s_at (&a.record, 0, "P1"), 2);
    CHECK_EQ_INT (a.record.lines[0].allocations_count, 1);
    CHECK_STR (a.record.status, RESERVATION_HELD);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "ALLOC", "P1"), 2);
    //  P1 has 1 left: 5 come whole from P2, the first that can fill it alone
    line_t five[] = {{"ALLOC", 5, -1}};
    a = (invhost_reserve_t) {0};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, five, 1), 0);
    CHECK_EQ_INT (a.record.lines[0].allocations_count, 1);
    CHECK_EQ_INT (s_at (&a.record, 0, "P2"), 5);
    record_free (reservation_fields, &a.record);
    //  left: P1 1, P2 5, P3 4; 8 fit in no one location: split in priority order
    line_t eight[] = {{"ALLOC", 8, -1}};
    a = (invhost_reserve_t) {0};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, eight, 1), 0);
    CHECK_EQ_INT (a.record.lines[0].allocations_count, 3);
    CHECK_EQ_INT (s_at (&a.record, 0, "P1"), 1);
    CHECK_EQ_INT (s_at (&a.record, 0, "P2"), 5);
    CHECK_EQ_INT (s_at (&a.record, 0, "P3"), 2);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "ALLOC", "P1") + invhost_reserved (s_svc, "ALLOC", "P2") + invhost_reserved (s_svc, "ALLOC", "P3"), 15);
    //  2 are left, at P3: more is short, and nothing is held
    line_t three[] = {{"ALLOC", 3, -1}};
    a = (invhost_reserve_t) {0};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, three, 1), RM_ESHORT);
    CHECK_EQ_INT (a.outcome.nshort, 1);
    CHECK_EQ_INT (a.shortages[0].available, 2);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "ALLOC", "P3"), 2);
}

static void
test_ship_from (void)
{
    invhost_stock (s_svc, "SHIP", "S1", 10, 1);
    invhost_stock (s_svc, "SHIP", "S2", 10, 2);
    invhost_stock (s_svc, "SHIP", "S3", 2, 3);
    static const char only[][INVENTORY_LOCATION_MAX + 1] = {"S2", "S3"};
    line_t lines[] = {{"SHIP", 4, -1}};
    invhost_reserve_t a = {.request.scope = {only, 2}};
    //  S1 comes first by priority but is not allowed
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), 0);
    CHECK_EQ_INT (s_at (&a.record, 0, "S1"), 0);
    CHECK_EQ_INT (s_at (&a.record, 0, "S2"), 4);
    record_free (reservation_fields, &a.record);
    //  only S3 allowed: short, with what S3 has
    static const char s3[][INVENTORY_LOCATION_MAX + 1] = {"S3"};
    a = (invhost_reserve_t) {.request.scope = {s3, 1}};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), RM_ESHORT);
    CHECK_EQ_INT (a.shortages[0].available, 2);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SHIP", "S1"), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SHIP", "S3"), 0);
}

//  ---------------------------------------------------------------------
//  statuses

typedef struct {
    uint8_t id[16];
    reservation_t record;
    bool released;
} release_arg_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_arg_t *a = (release_arg_t *) arg;
    record_free (reservation_fields, &a->record);
    return reservation_release (s_svc, txn, "test", a->id, &a->record, &a->released);
}

static int
s_commit_write (MDB_txn *txn, void *arg)
{
    return reservation_commit (s_svc, txn, "test", (const uint8_t *) arg);
}

//  As a filled backorder does: one more unit held, then added to line 0.
static int
s_add_write (MDB_txn *txn, void *arg)
{
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    int rc = stock_reserve (s_svc, txn, "test", "STAT", "T1", 1);
    return rc ? rc : reservation_add (txn, &dbs, (const uint8_t *) arg, 0, "T1", 1);
}

static void
test_statuses (void)
{
    CHECK (reservation_may_move (RESERVATION_HELD, RESERVATION_COMMITTED));
    CHECK (reservation_may_move (RESERVATION_HELD, RESERVATION_RELEASED));
    CHECK (reservation_may_move (RESERVATION_HELD, RESERVATION_EXPIRED));
    CHECK (reservation_may_move (RESERVATION_COMMITTED, RESERVATION_RELEASED));
    CHECK (!reservation_may_move (RESERVATION_COMMITTED, RESERVATION_HELD));
    CHECK (!reservation_may_move (RESERVATION_COMMITTED, RESERVATION_EXPIRED));
    CHECK (!reservation_may_move (RESERVATION_RELEASED, RESERVATION_HELD));
    CHECK (!reservation_may_move (RESERVATION_RELEASED, RESERVATION_COMMITTED));
    CHECK (!reservation_may_move (RESERVATION_EXPIRED, RESERVATION_RELEASED));

    invhost_stock (s_svc, "STAT", "T1", 10, 1);
    line_t lines[] = {{"STAT", 3, -1}};
    invhost_reserve_t a = {0};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), 0);
    record_free (reservation_fields, &a.record);
    //  the same order again holds nothing more
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), 0);
    CHECK (a.existing);
    record_free (reservation_fields, &a.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "STAT", "T1"), 3);
    //  accepted: committed, still counted; a backorder filled later adds to it
    CHECK_EQ_INT (service_write (s_svc, s_commit_write, a.request.order_id), 0);
    reservation_t order = invhost_order (s_svc, a.request.order_id);
    CHECK_STR (order.status, RESERVATION_COMMITTED);
    record_free (reservation_fields, &order);
    CHECK_EQ_INT (invhost_reserved (s_svc, "STAT", "T1"), 3);
    CHECK_EQ_INT (service_write (s_svc, s_add_write, a.request.order_id), 0);
    order = invhost_order (s_svc, a.request.order_id);
    CHECK_EQ_INT (s_at (&order, 0, "T1"), 4);
    record_free (reservation_fields, &order);
    CHECK_EQ_INT (invhost_reserved (s_svc, "STAT", "T1"), 4);
    //  released: the record stays, no longer counted
    release_arg_t r = {0};
    memcpy (r.id, a.request.order_id, 16);
    CHECK_EQ_INT (service_write (s_svc, s_release_write, &r), 0);
    CHECK (r.released);
    CHECK_STR (r.record.status, RESERVATION_RELEASED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "STAT", "T1"), 0);
    order = invhost_order (s_svc, a.request.order_id);
    CHECK_STR (order.status, RESERVATION_RELEASED);
    CHECK_EQ_INT (s_at (&order, 0, "T1"), 4);
    record_free (reservation_fields, &order);
    //  twice: nothing more given back; a late commit or add changes nothing
    CHECK_EQ_INT (service_write (s_svc, s_release_write, &r), 0);
    CHECK (!r.released);
    CHECK_EQ_INT (service_write (s_svc, s_commit_write, a.request.order_id), 0);
    CHECK_EQ_INT (service_write (s_svc, s_add_write, a.request.order_id), RM_ENOTFOUND);
    order = invhost_order (s_svc, a.request.order_id);
    CHECK_STR (order.status, RESERVATION_RELEASED);
    record_free (reservation_fields, &order);
    record_free (reservation_fields, &r.record);
    //  a late or resent reserve of a released order holds nothing
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), RM_ECONFLICT);
    CHECK (!a.hold_error);
    record_free (reservation_fields, &a.record);
    //  nor does one arriving after a release that found nothing
    release_arg_t late = {0};
    uuid_new (late.id);
    CHECK_EQ_INT (service_write (s_svc, s_release_write, &late), 0);
    CHECK (!late.released);
    invhost_reserve_t b = {0};
    memcpy (b.request.order_id, late.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &b, lines, 1), RM_ECONFLICT);
    record_free (reservation_fields, &b.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "STAT", "T1"), 0);
}

//  ---------------------------------------------------------------------
//  holds

typedef struct {
    uint8_t id[16];
    int64_t now;
    reservation_t record;
    bool changed;
} hold_release_arg_t;

static int
s_hold_release_write (MDB_txn *txn, void *arg)
{
    hold_release_arg_t *a = (hold_release_arg_t *) arg;
    record_free (reservation_fields, &a->record);
    return hold_release (s_svc, txn, "test", a->id, a->now, &a->record, &a->changed);
}

static void
test_hold_takeover (void)
{
    invhost_stock (s_svc, "TAKE", "K1", 10, 1);
    invhost_stock (s_svc, "TAKE", "K2", 10, 2);
    invhost_stock (s_svc, "TAKE2", "K1", 5, 1);
    line_t held[] = {{"TAKE", 12, -1}, {"TAKE2", 2, -1}};
    place_arg_t h = {.lines = held, .count = 2, .ttl_ms = 600000, .now = clock_now_ms ()};
    uuid_new (h.id);
    CHECK_EQ_INT (s_place (&h), 0);
    CHECK (!h.existing);
    CHECK_STR (h.record.status, RESERVATION_HELD);
    CHECK_EQ_INT (h.record.expires_at, h.now + 600000);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE", "K1"), 10);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE", "K2"), 2);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE2", "K1"), 2);
    //  the same hold again answers it; other lines are a conflict
    CHECK_EQ_INT (s_place (&h), 0);
    CHECK (h.existing);
    line_t other[] = {{"TAKE", 1, -1}};
    place_arg_t o = h;
    o.record = (reservation_t) {0};
    o.lines = other;
    o.count = 1;
    CHECK_EQ_INT (s_place (&o), RM_ECONFLICT);
    record_free (reservation_fields, &o.record);

    //  the order takes exactly what the hold has: nothing is reserved twice
    line_t same[] = {{"TAKE", 12, -1}, {"TAKE2", 2, -1}};
    invhost_reserve_t a = {.request.has_hold = true};
    memcpy (a.request.hold_id, h.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, same, 2), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE", "K1"), 10);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE", "K2"), 2);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE2", "K1"), 2);
    CHECK_EQ_INT (s_at (&a.record, 0, "K1"), 10);
    CHECK_EQ_INT (s_at (&a.record, 0, "K2"), 2);
    CHECK_EQ_INT (s_at (&a.record, 1, "K1"), 2);
    char text[UUID_STR_LEN + 1];
    uuid_format (h.id, text);
    CHECK_STR (a.record.hold_id, text);
    reservation_t hold = s_hold (h.id);
    CHECK_STR (hold.status, RESERVATION_COMMITTED);
    uuid_format (a.request.order_id, text);
    CHECK_STR (hold.order_id, text);
    record_free (reservation_fields, &hold);
    record_free (reservation_fields, &a.record);
    //  a taken hold cannot be taken again, and no longer expires
    invhost_reserve_t again = {.request.has_hold = true};
    memcpy (again.request.hold_id, h.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &again, same, 2), RM_ECONFLICT);
    CHECK (again.hold_error);
    record_free (reservation_fields, &again.record);
    expire_arg_t e = {.now = h.now + 600000};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE", "K1") + invhost_reserved (s_svc, "TAKE", "K2"), 12);
    //  an unknown hold is named as such
    invhost_reserve_t unknown = {.request.has_hold = true};
    uuid_new (unknown.request.hold_id);
    CHECK_EQ_INT (invhost_reserve (s_svc, &unknown, same, 2), RM_ENOTFOUND);
    CHECK (unknown.hold_error);
    record_free (reservation_fields, &unknown.record);
    record_free (reservation_fields, &h.record);

    //  a hold of 3 taken by an order of 5 and another SKU: only the 2
    //  more and the other line are reserved; a hold of more than the
    //  order takes gives the rest back
    invhost_stock (s_svc, "MORE", "M1", 10, 1);
    line_t three[] = {{"MORE", 3, -1}};
    place_arg_t small = {.lines = three, .count = 1, .ttl_ms = 600000, .now = clock_now_ms ()};
    uuid_new (small.id);
    CHECK_EQ_INT (s_place (&small), 0);
    record_free (reservation_fields, &small.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "MORE", "M1"), 3);
    line_t bigger[] = {{"MORE", 5, -1}, {"TAKE2", 1, -1}};
    invhost_reserve_t b = {.request.has_hold = true};
    memcpy (b.request.hold_id, small.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &b, bigger, 2), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "MORE", "M1"), 5);
    CHECK_EQ_INT (invhost_reserved (s_svc, "TAKE2", "K1"), 3);
    CHECK_EQ_INT (s_at (&b.record, 0, "M1"), 5);
    record_free (reservation_fields, &b.record);
    line_t four[] = {{"MORE", 4, -1}};
    place_arg_t big = {.lines = four, .count = 1, .ttl_ms = 600000, .now = clock_now_ms ()};
    uuid_new (big.id);
    CHECK_EQ_INT (s_place (&big), 0);
    record_free (reservation_fields, &big.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "MORE", "M1"), 9);
    line_t one[] = {{"MORE", 1, -1}};
    invhost_reserve_t c = {.request.has_hold = true};
    memcpy (c.request.hold_id, big.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &c, one, 1), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "MORE", "M1"), 6);
    record_free (reservation_fields, &c.record);
    //  a takeover that falls short leaves the hold as it was
    invhost_stock (s_svc, "FEW", "F1", 2, 1);
    line_t two[] = {{"FEW", 2, -1}};
    place_arg_t few = {.lines = two, .count = 1, .ttl_ms = 600000, .now = clock_now_ms ()};
    uuid_new (few.id);
    CHECK_EQ_INT (s_place (&few), 0);
    record_free (reservation_fields, &few.record);
    line_t too_many[] = {{"FEW", 3, -1}};
    invhost_reserve_t d = {.request.has_hold = true};
    memcpy (d.request.hold_id, few.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &d, too_many, 1), RM_ESHORT);
    CHECK_EQ_INT (d.shortages[0].available, 2);
    record_free (reservation_fields, &d.record);
    hold = s_hold (few.id);
    CHECK_STR (hold.status, RESERVATION_HELD);
    record_free (reservation_fields, &hold);
    CHECK_EQ_INT (invhost_reserved (s_svc, "FEW", "F1"), 2);
    hold_release_arg_t r = {.now = clock_now_ms ()};
    memcpy (r.id, few.id, 16);
    CHECK_EQ_INT (service_write (s_svc, s_hold_release_write, &r), 0);
    CHECK (r.changed);
    CHECK_EQ_INT (invhost_reserved (s_svc, "FEW", "F1"), 0);
    record_free (reservation_fields, &r.record);
}

static void
test_hold_expiry (void)
{
    invhost_stock (s_svc, "EXP", "E1", 10, 1);
    line_t lines[] = {{"EXP", 4, -1}};
    int64_t now = clock_now_ms ();
    place_arg_t first = {.lines = lines, .count = 1, .ttl_ms = 1000, .now = now};
    place_arg_t second = {.lines = lines, .count = 1, .ttl_ms = 5000, .now = now};
    uuid_new (first.id);
    uuid_new (second.id);
    CHECK_EQ_INT (s_place (&first), 0);
    CHECK_EQ_INT (s_place (&second), 0);
    record_free (reservation_fields, &first.record);
    record_free (reservation_fields, &second.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 8);
    //  not yet due
    expire_arg_t e = {.now = now + 999};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 0);
    CHECK_EQ_INT (e.next, now + 1000);
    //  due: the first only, given back once
    e = (expire_arg_t) {.now = now + 1000};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 1);
    CHECK_EQ_INT (e.next, now + 5000);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 4);
    reservation_t hold = s_hold (first.id);
    CHECK_STR (hold.status, RESERVATION_EXPIRED);
    record_free (reservation_fields, &hold);
    e = (expire_arg_t) {.now = now + 1001};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 4);
    //  an expired hold is not released again, nor taken over
    hold_release_arg_t r = {.now = now + 1002};
    memcpy (r.id, first.id, 16);
    CHECK_EQ_INT (service_write (s_svc, s_hold_release_write, &r), 0);
    CHECK (!r.changed);
    CHECK_STR (r.record.status, RESERVATION_EXPIRED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 4);
    invhost_reserve_t a = {.request.has_hold = true};
    memcpy (a.request.hold_id, first.id, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), RM_ECONFLICT);
    CHECK (a.hold_error);
    record_free (reservation_fields, &a.record);
    //  released before its time: given back once, and never expires after
    memcpy (r.id, second.id, 16);
    CHECK_EQ_INT (service_write (s_svc, s_hold_release_write, &r), 0);
    CHECK (r.changed);
    CHECK_STR (r.record.status, RESERVATION_RELEASED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 0);
    e = (expire_arg_t) {.now = now + 10000};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 0);
    CHECK_EQ_INT (e.next, 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "EXP", "E1"), 0);
    record_free (reservation_fields, &r.record);
}

//  What a hold gives back, on expiry, goes first to the SKU's backorders.
static void
test_hold_expiry_fills_backorders (void)
{
    invhost_stock (s_svc, "WAIT", "W1", 3, 1);
    line_t lines[] = {{"WAIT", 3, -1}};
    int64_t now = clock_now_ms ();
    place_arg_t h = {.lines = lines, .count = 1, .ttl_ms = 1000, .now = now};
    uuid_new (h.id);
    CHECK_EQ_INT (s_place (&h), 0);
    record_free (reservation_fields, &h.record);
    static const bool may[] = {true};
    line_t two[] = {{"WAIT", 2, -1}};
    invhost_reserve_t a = {.request.scope = {.backorder = may}};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, two, 1), 0);
    CHECK_EQ_INT (a.record.lines[0].backordered, 2);
    CHECK_EQ_INT (s_at (&a.record, 0, "W1"), 0);
    record_free (reservation_fields, &a.record);
    expire_arg_t e = {.now = now + 1000};
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &e), 0);
    CHECK_EQ_INT (e.expired, 1);
    //  3 given back, 2 of them held again at once for the order
    CHECK_EQ_INT (invhost_reserved (s_svc, "WAIT", "W1"), 2);
    reservation_t order = invhost_order (s_svc, a.request.order_id);
    CHECK_EQ_INT (s_at (&order, 0, "W1"), 2);
    CHECK_EQ_INT (order.lines[0].backordered, 0);
    record_free (reservation_fields, &order);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    if (s_svc) {
        test_allocation ();
        test_ship_from ();
        test_statuses ();
        test_hold_takeover ();
        test_hold_expiry ();
        test_hold_expiry_fills_backorders ();
    }
    loophost_close (&host);
    return harness_report (argv[0]);
}
