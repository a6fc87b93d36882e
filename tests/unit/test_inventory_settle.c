//  inventory's order reservations past their deadline (settle.h): a reserve
//  gives the order's reservation a deadline; orders' answer decides what
//  happens at it — accepted commits, absent expires and gives the stock
//  back (once, and no later reserve holds stock for the order), in_flight
//  moves the deadline; a reservation committed, released or expired before
//  keeps its status whatever the answer. The plain functions on the
//  transaction of a real inventory service run in the test's process
//  (invhost.h), no sockets used.
#include "catalog_orders.h"
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "hold.h"
#include "invhost.h"
#include "reservation.h"
#include "settle.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;

#define TTL_MS 1000

//  The orders whose deadline is at or before now (at most 8), and the next.
static size_t
s_due (int64_t now, uint8_t due[8][16], int64_t *next)
{
    MDB_txn *txn;
    size_t count = 0;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (hold_deadlines_due (txn, inventory_dbs_of (s_svc).order_expiry, now, 8, due, &count, next), 0);
    return count;
}

static void
s_reserve (uint8_t id[16], const char *sku, int64_t quantity)
{
    line_t lines[] = {{"", quantity, -1}};
    snprintf (lines[0].sku, sizeof lines[0].sku, "%s", sku);
    invhost_reserve_t a = {.request.ttl_ms = TTL_MS};
    CHECK_EQ_INT (invhost_reserve (s_svc, &a, lines, 1), 0);
    memcpy (id, a.request.order_id, 16);
    CHECK_STR (a.record.status, RESERVATION_HELD);
    CHECK (a.record.expires_at >= clock_now_ms () && a.record.expires_at <= clock_now_ms () + TTL_MS);
    record_free (reservation_fields, &a.record);
}

typedef struct {
    const uint8_t *id;
    const char *status;
    int64_t now;
    bool ended;
} apply_arg_t;

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    apply_arg_t *a = (apply_arg_t *) arg;
    return settle_apply (s_svc, txn, "test", a->id, a->status, a->now, &a->ended);
}

//  Applies orders' answer status about id at now; returns whether the
//  reservation left held.
static bool
s_answer (const uint8_t id[16], const char *status, int64_t now)
{
    apply_arg_t a = {id, status, now, false};
    CHECK_EQ_INT (service_write (s_svc, s_apply_write, &a), 0);
    return a.ended;
}

static void
s_status_is (const uint8_t id[16], const char *status)
{
    reservation_t record = invhost_order (s_svc, id);
    CHECK_STR (record.status, status);
    record_free (reservation_fields, &record);
}

static int
s_commit_write (MDB_txn *txn, void *arg)
{
    return reservation_commit (s_svc, txn, "test", (const uint8_t *) arg);
}

static void
test_deadline_and_answers (void)
{
    invhost_stock (s_svc, "SET", "S1", 10, 1);
    uint8_t a[16], due[8][16];
    int64_t next = 0;
    s_reserve (a, "SET", 3);
    reservation_t record = invhost_order (s_svc, a);
    int64_t deadline = record.expires_at;
    record_free (reservation_fields, &record);
    //  not due before its deadline; due at it
    CHECK_EQ_INT ((int) s_due (deadline - 1, due, &next), 0);
    CHECK_EQ_INT (next, deadline);
    CHECK_EQ_INT ((int) s_due (deadline, due, &next), 1);
    CHECK (memcmp (due[0], a, 16) == 0);
    CHECK_EQ_INT (next, 0);

    //  in flight: the deadline moves on, the stock stays held
    CHECK (!s_answer (a, ORDERS_HOLD_IN_FLIGHT, deadline));
    CHECK_EQ_INT ((int) s_due (deadline, due, &next), 0);
    CHECK_EQ_INT (next, deadline + SETTLE_RETRY_MS);
    s_status_is (a, RESERVATION_HELD);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);
    //  an answer orders does not give is no answer: it waits the same way
    CHECK (!s_answer (a, "maybe", deadline + SETTLE_RETRY_MS));
    CHECK_EQ_INT ((int) s_due (deadline + SETTLE_RETRY_MS, due, &next), 0);
    s_status_is (a, RESERVATION_HELD);

    //  accepted (its event is late): committed, no deadline any more
    CHECK (s_answer (a, ORDERS_HOLD_ACCEPTED, deadline + 2 * SETTLE_RETRY_MS));
    s_status_is (a, RESERVATION_COMMITTED);
    CHECK_EQ_INT ((int) s_due (INT64_MAX / 2, due, &next), 0);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);
    //  the late event then changes nothing; nor does a wrong "absent"
    CHECK_EQ_INT (service_write (s_svc, s_commit_write, a), 0);
    CHECK (!s_answer (a, ORDERS_HOLD_ABSENT, deadline + 3 * SETTLE_RETRY_MS));
    s_status_is (a, RESERVATION_COMMITTED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);

    //  absent: expired, its stock back once, and a late reserve holds nothing
    uint8_t b[16];
    s_reserve (b, "SET", 2);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 5);
    CHECK (s_answer (b, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    s_status_is (b, RESERVATION_EXPIRED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);
    CHECK (!s_answer (b, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    CHECK (!s_answer (b, ORDERS_HOLD_ACCEPTED, clock_now_ms ()));
    s_status_is (b, RESERVATION_EXPIRED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);
    line_t lines[] = {{"SET", 2, -1}};
    invhost_reserve_t late = {.request.ttl_ms = TTL_MS};
    memcpy (late.request.order_id, b, 16);
    CHECK_EQ_INT (invhost_reserve (s_svc, &late, lines, 1), RM_ECONFLICT);
    record_free (reservation_fields, &late.record);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);

    //  released (a rejected order): the deadline goes with it
    uint8_t c[16];
    s_reserve (c, "SET", 4);
    CHECK (invhost_release (s_svc, c));
    CHECK_EQ_INT ((int) s_due (INT64_MAX / 2, due, &next), 0);
    CHECK (!s_answer (c, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    s_status_is (c, RESERVATION_RELEASED);
    CHECK_EQ_INT (invhost_reserved (s_svc, "SET", "S1"), 3);

    //  an order inventory never heard of: nothing to do
    uint8_t unknown[16];
    uuid_new (unknown);
    CHECK (!s_answer (unknown, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    CHECK (!s_answer (unknown, ORDERS_HOLD_ACCEPTED, clock_now_ms ()));
    CHECK (!s_answer (unknown, ORDERS_HOLD_IN_FLIGHT, clock_now_ms ()));
}

//  Several due at once come earliest first.
static void
test_due_in_order (void)
{
    invhost_stock (s_svc, "ORD", "O1", 10, 1);
    uint8_t first[16], second[16], due[8][16];
    int64_t next = 0;
    s_reserve (first, "ORD", 1);
    s_reserve (second, "ORD", 1);
    reservation_t one = invhost_order (s_svc, first), two = invhost_order (s_svc, second);
    CHECK (one.expires_at <= two.expires_at);
    CHECK_EQ_INT ((int) s_due (two.expires_at, due, &next), 2);
    CHECK (memcmp (due[0], first, 16) == 0 || one.expires_at == two.expires_at);
    record_free (reservation_fields, &one);
    record_free (reservation_fields, &two);
    CHECK (s_answer (first, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    CHECK (s_answer (second, ORDERS_HOLD_ACCEPTED, clock_now_ms ()));
    CHECK_EQ_INT (invhost_reserved (s_svc, "ORD", "O1"), 1);
}

typedef struct {
    uint8_t id[16];
    int64_t count;
} migrate_arg_t;

//  A held reservation as schema 3 stored it (no deadline), then schema 3 -> 4.
static int
s_migrate_write (MDB_txn *txn, void *arg)
{
    migrate_arg_t *a = (migrate_arg_t *) arg;
    inventory_dbs_t dbs = inventory_dbs_of (s_svc);
    reservation_t record = {0};
    int rc = reservation_get (txn, dbs.reservations, a->id, &record);
    int64_t deadline = record.expires_at;
    record.expires_at = 0;
    record.has_expires_at = false;
    if (rc == 0)
        rc = reservation_put (txn, dbs.reservations, a->id, &record);
    record_free (reservation_fields, &record);
    if (rc == 0)
        rc = hold_deadline_del (txn, dbs.order_expiry, deadline, a->id);
    if (rc == 0)
        rc = settle_migrate_v3 (service_store (s_svc), txn, &a->count);
    return rc;
}

//  A held reservation from before deadlines gets one at the migration,
//  so it is checked with orders at once; others are left as they are.
static void
test_migration (void)
{
    invhost_stock (s_svc, "MIG", "M1", 10, 1);
    migrate_arg_t a = {.count = 0};
    uint8_t due[8][16];
    int64_t next = 0;
    s_reserve (a.id, "MIG", 2);
    int64_t before = clock_now_ms ();
    CHECK_EQ_INT (service_write (s_svc, s_migrate_write, &a), 0);
    CHECK_EQ_INT (a.count, 1);
    reservation_t record = invhost_order (s_svc, a.id);
    CHECK (record.expires_at >= before && record.expires_at <= clock_now_ms ());
    CHECK_STR (record.status, RESERVATION_HELD);
    CHECK_EQ_INT ((int) s_due (record.expires_at, due, &next), 1);
    CHECK (memcmp (due[0], a.id, 16) == 0);
    record_free (reservation_fields, &record);
    CHECK (s_answer (a.id, ORDERS_HOLD_ABSENT, clock_now_ms ()));
    CHECK_EQ_INT (invhost_reserved (s_svc, "MIG", "M1"), 0);
}

//  An ID made at ms (its UUIDv7 time), the rest random.
static void
s_id_at (int64_t ms, uint8_t id[16])
{
    uuid_new (id);
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t) ((uint64_t) ms >> (40 - 8 * i));
}

//  Once orders restarted, a reserve for an order made before (the previous
//  process's, arriving late) is due at once; later orders get the TTL.
//  Runs last: the restart is remembered.
static void
test_restarted (void)
{
    uint8_t before[16], after[16];
    int64_t started_at = clock_now_ms () - 5000;
    s_id_at (started_at - 1, before);
    s_id_at (started_at, after);
    CHECK_EQ_INT (settle_ttl_ms (before), 60000);
    settle_orders_restarted (started_at, clock_now_ms ());
    CHECK_EQ_INT (settle_ttl_ms (before), 0);
    CHECK_EQ_INT (settle_ttl_ms (after), 60000);
    //  an older notice does not move it back
    settle_orders_restarted (started_at - 10000, clock_now_ms ());
    CHECK_EQ_INT (settle_ttl_ms (before), 0);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    if (s_svc) {
        test_deadline_and_answers ();
        test_due_in_order ();
        test_migration ();
        test_restarted ();
    }
    loophost_close (&host);
    return harness_report (argv[0]);
}
