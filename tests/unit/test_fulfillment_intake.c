//  fulfillment's intake: an accepted order becomes one fulfilment per
//  location its stock is held at, a backorder fill one more per location
//  it allocated; applying an event again changes nothing; a fill that
//  comes before its order's acceptance waits; an order cancelled before
//  its acceptance arrived makes nothing. The plain functions on the
//  transaction of a real fulfillment service run in the test's process
//  (ffhost.h), no sockets used.
#include "err.h"
#include "ffhost.h"
#include "ffstats.h"
#include "harness.h"
#include <string.h>

static service_t *s_svc;

#define ORDER_1 "01938a4e-6f00-7c00-9d2e-000000000001"
#define ORDER_2 "01938a4e-6f00-7c00-9d2e-000000000002"
#define ORDER_3 "01938a4e-6f00-7c00-9d2e-000000000003"

//  An orders.order.accepted body of order id with the lines given (JSON).
static int
s_accept (const char *id, const char *lines)
{
    char body[1024];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"external_id\":\"SF-%s\",\"channel\":\"salesforce\",\"account_id\":\"ACC-1\","
              "\"status\":\"accepted\",\"currency\":\"USD\",\"total\":0,\"lines\":[%s],\"created_at\":1700000000000}",
              id, id + 30, lines);
    return ffhost_accept (s_svc, body);
}

static const fulfillment_line_t *
s_line_of (const fulfilment_t *f, int64_t line)
{
    for (size_t i = 0; i < f->lines_count; i++)
        if (f->lines[i].line == line)
            return &f->lines[i];
    return NULL;
}

static void
test_one_per_location (void)
{
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_accept (ORDER_1,
                            "{\"sku\":\"TEE\",\"quantity\":3,\"unit_price\":100,\"extended_price\":300,"
                            "\"reservations\":[{\"location\":\"WH-1\",\"quantity\":2},{\"location\":\"WH-2\",\"quantity\":1}]},"
                            "{\"sku\":\"MUG\",\"quantity\":4,\"unit_price\":100,\"extended_price\":400,"
                            "\"reservations\":[{\"location\":\"WH-1\",\"quantity\":4}]},"
                            "{\"sku\":\"CAP\",\"quantity\":2,\"unit_price\":100,\"extended_price\":200,"
                            "\"reservations\":[],\"backordered\":2}"),
                  0);
    char ids[4][UUID_STR_LEN + 1];
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_1, ids, 4), 2);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.order.created"), 2);
    fulfilment_t a, b;
    ffhost_load (s_svc, ids[0], &a);
    ffhost_load (s_svc, ids[1], &b);
    CHECK_STR (a.location, "WH-1");
    CHECK_STR (a.status, "allocated");
    CHECK_STR (a.source, "order");
    CHECK_STR (a.external_id, "SF-000001");
    CHECK_EQ_INT (a.accepted_at, 1700000000000);
    CHECK_EQ_INT (a.created_at, a.updated_at);
    CHECK_EQ_INT (a.lines_count, 2);
    CHECK (s_line_of (&a, 0) && s_line_of (&a, 0)->quantity == 2);
    CHECK (s_line_of (&a, 1) && s_line_of (&a, 1)->quantity == 4 && strcmp (s_line_of (&a, 1)->sku, "MUG") == 0);
    CHECK_STR (b.location, "WH-2");
    CHECK_EQ_INT (b.lines_count, 1);
    CHECK (s_line_of (&b, 0) && s_line_of (&b, 0)->quantity == 1);
    //  the backordered line made nothing yet
    CHECK (!s_line_of (&a, 2) && !s_line_of (&b, 2));
    fulfilment_free (&a);
    fulfilment_free (&b);

    //  applied again (a replay): nothing more
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_accept (ORDER_1, "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":100,\"extended_price\":100,"
                            "\"reservations\":[{\"location\":\"WH-9\",\"quantity\":1}]}"),
                  0);
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_1, ids, 4), 2);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
}

static void
test_backorder_fill (void)
{
    //  a fill of an order whose acceptance has not been applied waits
    const char *fill = "{\"order_id\":\"" ORDER_2 "\",\"line\":0,\"sku\":\"CAP\",\"quantity\":2,"
                       "\"allocations\":[{\"location\":\"WH-2\",\"quantity\":1},{\"location\":\"WH-3\",\"quantity\":1}],"
                       "\"outstanding\":0}";
    CHECK_EQ_INT (ffhost_fill (s_svc, fill, 7), RM_EBUSY);
    CHECK_EQ_INT (s_accept (ORDER_2, "{\"sku\":\"CAP\",\"quantity\":2,\"unit_price\":100,\"extended_price\":200,"
                            "\"reservations\":[],\"backordered\":2}"),
                  0);
    char ids[4][UUID_STR_LEN + 1];
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_2, ids, 4), 0);
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (ffhost_fill (s_svc, fill, 7), 0);
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_2, ids, 4), 2);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.order.created"), 2);
    fulfilment_t f;
    ffhost_load (s_svc, ids[1], &f);
    CHECK_STR (f.location, "WH-3");
    CHECK_STR (f.source, "backorder");
    CHECK_EQ_INT (f.lines_count, 1);
    CHECK_EQ_INT (f.lines[0].line, 0);
    CHECK_EQ_INT (f.lines[0].quantity, 1);
    CHECK_EQ_INT (f.accepted_at, 1700000000000);
    fulfilment_free (&f);
    //  the same event, or an older one, again: nothing more
    CHECK_EQ_INT (ffhost_fill (s_svc, fill, 7), 0);
    CHECK_EQ_INT (ffhost_fill (s_svc, fill, 5), 0);
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_2, ids, 4), 2);
}

static void
test_cancelled_before_acceptance (void)
{
    fulfillment_cancel_reply_t reply;
    ffcancel_problem_t problem;
    CHECK_EQ_INT (ffhost_cancel (s_svc, "{\"order_id\":\"" ORDER_3 "\"}", NULL, &reply, &problem), 0);
    CHECK_EQ_INT (reply.cancelled_count, 0);
    record_free (fulfillment_cancel_reply_fields, &reply);
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_accept (ORDER_3, "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":100,\"extended_price\":100,"
                            "\"reservations\":[{\"location\":\"WH-1\",\"quantity\":1}]}"),
                  0);
    char ids[4][UUID_STR_LEN + 1];
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_3, ids, 4), 0);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
    //  nor does a fill of it
    CHECK_EQ_INT (ffhost_fill (s_svc, "{\"order_id\":\"" ORDER_3 "\",\"line\":0,\"sku\":\"TEE\",\"quantity\":1,"
                               "\"allocations\":[{\"location\":\"WH-1\",\"quantity\":1}],\"outstanding\":0}", 9),
                  0);
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, ORDER_3, ids, 4), 0);
}

static void
test_counted_per_location (void)
{
    MDB_txn *txn;
    ffstore_dbs_t dbs = ffstore_dbs_of (s_svc);
    fulfillment_health_t health;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (ffstats_read (txn, &dbs, &health), 0);
    //  WH-1 and WH-2 from the order, WH-2 and WH-3 from the fill
    CHECK_EQ_INT (health.fulfillments, 4);
    CHECK_EQ_INT (health.locations_count, 3);
    CHECK_STR (health.locations[1].location, "WH-2");
    CHECK_EQ_INT (health.locations[1].fulfillments, 2);
    CHECK (!health.locations[1].has_accepted_to_shipped_ms);
    record_free (fulfillment_health_fields, &health);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_one_per_location, test_backorder_fill,
                                           test_cancelled_before_acceptance, test_counted_per_location, NULL};
    return ffhost_main ("test_fulfillment_intake", &s_svc, tests);
}
