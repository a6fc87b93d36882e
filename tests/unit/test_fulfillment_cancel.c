//  fulfillment.cancel, all or nothing: a whole order's fulfilments are
//  cancelled unless one has shipped (a conflict naming it, nothing
//  changed), and cancelling again answers the same; units of lines come off
//  the line's unshipped fulfilments newest first, refused when more are
//  asked than are open, once per idempotency key; lines of an order
//  fulfillment has not received wait. The plain functions on a real
//  fulfillment service run in the test's process (ffhost.h).
#include "err.h"
#include "ffhost.h"
#include "harness.h"
#include <string.h>

static service_t *s_svc;

#define ORDER_W "01938a4e-6f00-7c00-9d2e-0000000000c1"
#define ORDER_S "01938a4e-6f00-7c00-9d2e-0000000000c2"
#define ORDER_P "01938a4e-6f00-7c00-9d2e-0000000000c3"
#define ORDER_N "01938a4e-6f00-7c00-9d2e-0000000000c4"

//  An order of 4 TEE (line 0: 3 at WH-1, 1 at WH-2) and 2 MUG (line 1, WH-1).
static void
s_order (const char *id, char (*ids)[UUID_STR_LEN + 1])
{
    char body[1024];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"external_id\":\"SF-C\",\"channel\":\"web\",\"account_id\":\"A\","
              "\"status\":\"accepted\",\"currency\":\"USD\",\"total\":0,\"created_at\":1700000000000,\"lines\":["
              "{\"sku\":\"TEE\",\"quantity\":4,\"unit_price\":1,\"extended_price\":4,\"reservations\":"
              "[{\"location\":\"WH-1\",\"quantity\":3},{\"location\":\"WH-2\",\"quantity\":1}]},"
              "{\"sku\":\"MUG\",\"quantity\":2,\"unit_price\":1,\"extended_price\":2,\"reservations\":"
              "[{\"location\":\"WH-1\",\"quantity\":2}]}]}",
              id);
    CHECK_EQ_INT (ffhost_accept (s_svc, body), 0);
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, id, ids, 2), 2);
}

static int
s_cancel (const char *json, fulfillment_cancel_reply_t *reply, ffcancel_problem_t *problem)
{
    return ffhost_cancel (s_svc, json, NULL, reply, problem);
}

static void
s_ship (const char *id)
{
    char body[256];
    snprintf (body, sizeof body,
              "{\"fulfillment_id\":\"%s\",\"event_id\":\"ship-%s\",\"type\":\"shipped\",\"occurred_at\":1000}", id, id);
    fulfilment_t after;
    milestone_result_t result;
    CHECK_EQ_INT (ffhost_milestone (s_svc, body, &after, &result), 0);
    CHECK_STR (after.status, "shipped");
    fulfilment_free (&after);
}

static int64_t
s_units (const fulfillment_cancel_reply_t *reply)
{
    int64_t units = 0;
    for (size_t i = 0; i < reply->cancelled_count; i++)
        for (size_t l = 0; l < reply->cancelled[i].lines_count; l++)
            units += reply->cancelled[i].lines[l].quantity;
    return units;
}

static void
test_whole_order (void)
{
    char ids[2][UUID_STR_LEN + 1];
    s_order (ORDER_W, ids);
    fulfillment_cancel_reply_t reply;
    ffcancel_problem_t problem;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_W "\"}", &reply, &problem), 0);
    CHECK_EQ_INT (reply.cancelled_count, 2);
    CHECK_EQ_INT (s_units (&reply), 6);
    CHECK_STR (reply.cancelled[0].location, "WH-1");
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.order.cancelled"), 2);
    for (int i = 0; i < 2; i++) {
        fulfilment_t f;
        ffhost_load (s_svc, ids[i], &f);
        CHECK_STR (f.status, "cancelled");
        CHECK (f.lines[0].has_cancelled && f.lines[0].cancelled == f.lines[0].quantity);
        fulfilment_free (&f);
    }
    //  again: the same answer, nothing more published
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_W "\"}", &reply, &problem), 0);
    CHECK_EQ_INT (s_units (&reply), 6);
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
    //  a cancelled fulfilment takes no milestone
    char body[256];
    snprintf (body, sizeof body, "{\"fulfillment_id\":\"%s\",\"event_id\":\"late\",\"type\":\"picked\",\"occurred_at\":1}",
              ids[0]);
    fulfilment_t after;
    milestone_result_t result;
    CHECK_EQ_INT (ffhost_milestone (s_svc, body, &after, &result), RM_ECONFLICT);
    fulfilment_free (&after);
}

static void
test_refused_once_shipped (void)
{
    char ids[2][UUID_STR_LEN + 1];
    s_order (ORDER_S, ids);
    s_ship (ids[1]);
    fulfillment_cancel_reply_t reply;
    ffcancel_problem_t problem;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_S "\"}", &reply, &problem), RM_ECONFLICT);
    CHECK (strstr (problem.message, ids[1]) != NULL);
    CHECK (strstr (problem.message, ids[0]) == NULL);
    record_free (fulfillment_cancel_reply_fields, &reply);
    //  units of line 0: WH-2 shipped its one, WH-1 has 3 open
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_S "\",\"lines\":[{\"line\":0,\"quantity\":4}]}", &reply, &problem),
                  RM_ECONFLICT);
    CHECK_STR (problem.field, "/lines/0/quantity");
    CHECK (strstr (problem.message, ids[1]) != NULL);
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
    fulfilment_t f;
    ffhost_load (s_svc, ids[0], &f);
    CHECK_STR (f.status, "allocated");
    CHECK (!f.lines[0].has_cancelled);
    fulfilment_free (&f);
    //  what has not shipped may go
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_S "\",\"lines\":[{\"line\":0,\"quantity\":3}]}", &reply, &problem), 0);
    CHECK_EQ_INT (reply.cancelled_count, 1);
    CHECK_STR (reply.cancelled[0].fulfillment_id, ids[0]);
    CHECK_EQ_INT (s_units (&reply), 3);
    record_free (fulfillment_cancel_reply_fields, &reply);
    ffhost_load (s_svc, ids[0], &f);
    CHECK_STR (f.status, "allocated");
    CHECK_EQ_INT (fulfilment_line_open (&f.lines[0]), 0);
    CHECK_EQ_INT (fulfilment_line_open (&f.lines[1]), 2);
    fulfilment_free (&f);
}

static void
test_lines (void)
{
    char ids[2][UUID_STR_LEN + 1];
    s_order (ORDER_P, ids);
    fulfillment_cancel_reply_t reply;
    ffcancel_problem_t problem;
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_P "\",\"lines\":[{\"line\":0,\"quantity\":5}]}", &reply, &problem),
                  RM_EINVAL);
    CHECK_STR (problem.field, "/lines/0/quantity");
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_P "\",\"lines\":[{\"line\":7,\"quantity\":1}]}", &reply, &problem),
                  RM_EINVAL);
    CHECK_STR (problem.field, "/lines/0/line");
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_P "\",\"lines\":[{\"line\":1,\"quantity\":1},{\"line\":1,\"quantity\":1}]}",
                            &reply, &problem),
                  RM_EINVAL);
    CHECK_STR (problem.field, "/lines/1/line");
    record_free (fulfillment_cancel_reply_fields, &reply);
    //  2 TEE: the newest fulfilment (WH-2) gives its one first; all the MUGs
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_P "\",\"lines\":[{\"line\":0,\"quantity\":2},{\"line\":1,\"quantity\":2}]}",
                            &reply, &problem),
                  0);
    CHECK_EQ_INT (reply.cancelled_count, 2);
    CHECK_STR (reply.cancelled[0].location, "WH-2");
    CHECK_EQ_INT (s_units (&reply), 4);
    record_free (fulfillment_cancel_reply_fields, &reply);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.order.cancelled"), 2);
    fulfilment_t f;
    ffhost_load (s_svc, ids[1], &f);
    CHECK_STR (f.status, "cancelled");
    fulfilment_free (&f);
    ffhost_load (s_svc, ids[0], &f);
    CHECK_STR (f.status, "allocated");
    CHECK_EQ_INT (f.lines[0].cancelled, 1);
    CHECK_EQ_INT (f.lines[1].cancelled, 2);
    fulfilment_free (&f);
    //  with an idempotency key, the same key again answers the same and
    //  cancels nothing more
    const char *one = "{\"order_id\":\"" ORDER_P "\",\"lines\":[{\"line\":0,\"quantity\":1}]}";
    for (int i = 0; i < 2; i++) {
        mark = outbox_mark (service_outbox (s_svc));
        CHECK_EQ_INT (ffhost_cancel (s_svc, one, "cancel-key-1", &reply, &problem), 0);
        CHECK_EQ_INT (reply.cancelled_count, 1);
        CHECK_EQ_INT (s_units (&reply), 1);
        record_free (fulfillment_cancel_reply_fields, &reply);
        CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), i == 0 ? 1 : 0);
        ffhost_load (s_svc, ids[0], &f);
        CHECK_EQ_INT (fulfilment_line_open (&f.lines[0]), 1);
        fulfilment_free (&f);
    }
    //  lines of an order fulfillment has not received yet wait
    CHECK_EQ_INT (s_cancel ("{\"order_id\":\"" ORDER_N "\",\"lines\":[{\"line\":0,\"quantity\":1}]}", &reply, &problem),
                  RM_EBUSY);
    record_free (fulfillment_cancel_reply_fields, &reply);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_whole_order, test_refused_once_shipped, test_lines, NULL};
    return ffhost_main ("test_fulfillment_cancel", &s_svc, tests);
}
