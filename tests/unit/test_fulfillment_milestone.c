//  fulfillment's milestones: progress moves forward only, once per
//  event_id (a resend is a duplicate, another body a conflict), older ones
//  are kept in the history in occurred_at order; shipped sets what left
//  and the shortfall (short_pick); a delivered before its shipped stands
//  for the shipment; exceptions need a reason; quantities above what the
//  fulfilment holds, unknown SKUs and unknown fulfilments are refused with
//  nothing written. The plain functions on the transaction of a real
//  fulfillment service run in the test's process (ffhost.h).
#include "err.h"
#include "ffhost.h"
#include "ffstats.h"
#include "harness.h"
#include <string.h>

static service_t *s_svc;
static char s_id[UUID_STR_LEN + 1];

#define ORDER "01938a4e-6f00-7c00-9d2e-0000000000a1"

//  A fulfilment at WH-1 of a new order id: 3 TEE on line 0, 2 MUG on line
//  1 and 1 TEE on line 2; its ID into id.
static void
s_fulfilment (const char *order_id, char id[UUID_STR_LEN + 1])
{
    char body[1024];
    snprintf (body, sizeof body,
              "{\"order_id\":\"%s\",\"external_id\":\"SF-M\",\"channel\":\"web\",\"account_id\":\"A\","
              "\"status\":\"accepted\",\"currency\":\"USD\",\"total\":0,\"created_at\":1700000000000,\"lines\":["
              "{\"sku\":\"TEE\",\"quantity\":3,\"unit_price\":1,\"extended_price\":3,\"reservations\":[{\"location\":\"WH-1\",\"quantity\":3}]},"
              "{\"sku\":\"MUG\",\"quantity\":2,\"unit_price\":1,\"extended_price\":2,\"reservations\":[{\"location\":\"WH-1\",\"quantity\":2}]},"
              "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1,\"extended_price\":1,\"reservations\":[{\"location\":\"WH-1\",\"quantity\":1}]}]}",
              order_id);
    CHECK_EQ_INT (ffhost_accept (s_svc, body), 0);
    char ids[1][UUID_STR_LEN + 1] = {""};
    CHECK_EQ_INT (ffhost_fulfilments (s_svc, order_id, ids, 1), 1);
    snprintf (id, UUID_STR_LEN + 1, "%s", ids[0]);
}

//  Applies a milestone to fulfilment id: fields are the body's other
//  members. Returns the code; *after and *result as milestone_apply fills them.
static int
s_apply (const char *id, const char *fields, fulfilment_t *after, milestone_result_t *result)
{
    char body[1024];
    snprintf (body, sizeof body, "{\"fulfillment_id\":\"%s\",%s}", id, fields);
    return ffhost_milestone (s_svc, body, after, result);
}

//  Applies and expects code and outcome; the fulfilment afterwards in *after.
static void
s_expect (const char *fields, int code, milestone_outcome_t outcome, fulfilment_t *after)
{
    milestone_result_t result;
    int rc = s_apply (s_id, fields, after, &result);
    CHECK_EQ_INT (rc, code);
    CHECK_EQ_INT (result.outcome, outcome);
    if (rc != code || result.outcome != outcome)
        fprintf (stderr, "  %s: %s %s\n", fields, result.field, result.message);
}

static void
s_expect_refused (const char *fields, int code, const char *field)
{
    fulfilment_t after;
    milestone_result_t result;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    fulfilment_t before;
    ffhost_load (s_svc, s_id, &before);
    CHECK_EQ_INT (s_apply (s_id, fields, &after, &result), code);
    CHECK_EQ_INT (result.outcome, MILESTONE_REJECTED);
    CHECK_STR (result.field, field);
    CHECK (result.message[0] != '\0');
    //  nothing written
    fulfilment_t now;
    ffhost_load (s_svc, s_id, &now);
    CHECK_EQ_INT (now.history_count, before.history_count);
    CHECK_STR (now.status, before.status);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
    fulfilment_free (&now);
    fulfilment_free (&before);
    fulfilment_free (&after);
}

static void
test_refused (void)
{
    s_fulfilment (ORDER, s_id);
    s_expect_refused ("\"event_id\":\"r-1\",\"type\":\"allocated\",\"occurred_at\":1", RM_EINVAL, "/type");
    s_expect_refused ("\"event_id\":\"r-2\",\"type\":\"exception\",\"occurred_at\":1", RM_EINVAL, "/reason");
    s_expect_refused ("\"event_id\":\"r-3\",\"type\":\"exception\",\"reason\":\"stolen\",\"occurred_at\":1", RM_EINVAL,
                      "/reason");
    s_expect_refused ("\"event_id\":\"r-4\",\"type\":\"packed\",\"reason\":\"short_pick\",\"occurred_at\":1", RM_EINVAL,
                      "/reason");
    s_expect_refused ("\"event_id\":\"r-5\",\"type\":\"picked\",\"occurred_at\":1,\"lines\":[{\"sku\":\"TEE\",\"quantity\":5}]",
                      RM_EINVAL, "/lines/0/quantity");
    s_expect_refused ("\"event_id\":\"r-6\",\"type\":\"picked\",\"occurred_at\":1,\"lines\":[{\"sku\":\"HAT\",\"quantity\":1}]",
                      RM_EINVAL, "/lines/0/sku");
    s_expect_refused ("\"event_id\":\"r-7\",\"type\":\"picked\",\"occurred_at\":1,\"lines\":[{\"sku\":\"MUG\",\"quantity\":1},"
                      "{\"sku\":\"MUG\",\"quantity\":1}]",
                      RM_EINVAL, "/lines/1/sku");
    fulfilment_t after;
    milestone_result_t result;
    CHECK_EQ_INT (s_apply ("01938a4e-7b7c-7f00-8a1b-000000000000", "\"event_id\":\"r-8\",\"type\":\"picked\",\"occurred_at\":1",
                           &after, &result),
                  RM_ENOTFOUND);
    CHECK (strstr (result.message, "no fulfilment") != NULL);
    fulfilment_free (&after);
}

static void
test_forward_with_short_pick (void)
{
    fulfilment_t f;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    //  4 TEE over lines 0 (3) and 2 (1): 3 picked go to line 0 first
    s_expect ("\"event_id\":\"m-1\",\"type\":\"picked\",\"occurred_at\":1000,\"lines\":[{\"sku\":\"TEE\",\"quantity\":3},"
              "{\"sku\":\"MUG\",\"quantity\":2}]",
              0, MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "picked");
    CHECK_EQ_INT (f.lines[0].picked, 3);
    CHECK_EQ_INT (f.lines[1].picked, 2);
    CHECK_EQ_INT (f.lines[2].picked, 0);
    CHECK_EQ_INT (f.updated_at, 1000);
    fulfilment_free (&f);
    s_expect ("\"event_id\":\"m-2\",\"type\":\"packed\",\"occurred_at\":2000", 0, MILESTONE_APPLIED, &f);
    fulfilment_free (&f);
    //  shipped without lines: what was picked left
    s_expect ("\"event_id\":\"m-3\",\"type\":\"shipped\",\"occurred_at\":3000,\"carrier\":\"UPS\",\"tracking_number\":\"1Z1\"",
              0, MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "shipped");
    CHECK_STR (f.reason, "short_pick");
    CHECK_STR (f.carrier, "UPS");
    CHECK_EQ_INT (f.lines[0].shipped, 3);
    CHECK_EQ_INT (f.lines[2].shipped, 0);
    CHECK_EQ_INT (f.lines[2].shortfall, 1);
    CHECK_EQ_INT (f.lines[0].shortfall, 0);
    fulfilment_free (&f);
    //  delivered above what shipped is refused
    s_expect_refused ("\"event_id\":\"m-4\",\"type\":\"delivered\",\"occurred_at\":4000,\"lines\":[{\"sku\":\"TEE\",\"quantity\":4}]",
                      RM_EINVAL, "/lines/0/quantity");
    s_expect ("\"event_id\":\"m-5\",\"type\":\"delivered\",\"occurred_at\":4000,\"lines\":[{\"sku\":\"TEE\",\"quantity\":2}]", 0,
              MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "delivered");
    CHECK_EQ_INT (f.lines[0].delivered, 2);
    CHECK_EQ_INT (f.lines[1].delivered, 0);
    CHECK_EQ_INT (f.updated_at, 4000);
    fulfilment_free (&f);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.picked"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.packed"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.shipped"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.delivered"), 1);
}

static void
test_duplicates_and_late_ones (void)
{
    fulfilment_t f;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    s_expect ("\"event_id\":\"m-2\",\"type\":\"packed\",\"occurred_at\":2000", 0, MILESTONE_DUPLICATE, &f);
    CHECK_STR (f.status, "delivered");
    fulfilment_free (&f);
    s_expect_refused ("\"event_id\":\"m-2\",\"type\":\"packed\",\"occurred_at\":2001", RM_ECONFLICT, "/event_id");
    //  a late pick is kept, not applied, and nothing is published
    s_expect ("\"event_id\":\"m-0\",\"type\":\"picked\",\"occurred_at\":500", 0, MILESTONE_KEPT, &f);
    CHECK_STR (f.status, "delivered");
    CHECK_EQ_INT (f.updated_at, 4000);
    fulfilment_free (&f);
    //  an exception older than the status is kept too
    s_expect ("\"event_id\":\"m-x\",\"type\":\"exception\",\"reason\":\"delayed\",\"occurred_at\":3500", 0, MILESTONE_KEPT,
              &f);
    fulfilment_free (&f);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), 0);
    ffhost_load (s_svc, s_id, &f);
    const char *order[] = {"m-0", "m-1", "m-2", "m-3", "m-x", "m-5"};
    CHECK_EQ_INT (f.history_count, 6);
    for (size_t i = 0; i < 6 && i < f.history_count; i++)
        CHECK_STR (f.history[i].event_id, order[i]);
    CHECK (!f.history[0].applied && f.history[1].applied);
    CHECK_EQ_INT (f.milestones, 6);
    fulfilment_free (&f);
}

static void
test_delivered_before_shipped (void)
{
    char id[UUID_STR_LEN + 1];
    s_fulfilment ("01938a4e-6f00-7c00-9d2e-0000000000a2", id);
    snprintf (s_id, sizeof s_id, "%s", id);
    fulfilment_t f;
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    s_expect ("\"event_id\":\"d-3\",\"type\":\"delivered\",\"occurred_at\":9000,\"lines\":[{\"sku\":\"MUG\",\"quantity\":2}]",
              0, MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "delivered");
    CHECK_EQ_INT (f.lines[1].shipped, 2);
    CHECK_EQ_INT (f.lines[1].delivered, 2);
    CHECK_EQ_INT (f.lines[0].shipped, 0);
    CHECK_EQ_INT (f.lines[0].shortfall, 3);
    CHECK_STR (f.reason, "short_pick");
    fulfilment_free (&f);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.shipped"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.delivered"), 1);
    s_expect ("\"event_id\":\"d-2\",\"type\":\"shipped\",\"occurred_at\":8000", 0, MILESTONE_KEPT, &f);
    CHECK_EQ_INT (f.lines[0].shipped, 0);
    fulfilment_free (&f);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "fulfillment.shipment.shipped"), 1);
}

static void
test_exception_then_progress (void)
{
    char id[UUID_STR_LEN + 1];
    s_fulfilment ("01938a4e-6f00-7c00-9d2e-0000000000a3", id);
    snprintf (s_id, sizeof s_id, "%s", id);
    fulfilment_t f;
    s_expect ("\"event_id\":\"e-1\",\"type\":\"exception\",\"reason\":\"address\",\"occurred_at\":100", 0,
              MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "exception");
    CHECK_STR (f.reason, "address");
    fulfilment_free (&f);
    s_expect ("\"event_id\":\"e-2\",\"type\":\"exception\",\"reason\":\"delayed\",\"occurred_at\":200", 0,
              MILESTONE_APPLIED, &f);
    CHECK_STR (f.reason, "delayed");
    fulfilment_free (&f);
    s_expect ("\"event_id\":\"e-3\",\"type\":\"shipped\",\"occurred_at\":300", 0, MILESTONE_APPLIED, &f);
    CHECK_STR (f.status, "shipped");
    CHECK_STR (f.reason, "");
    CHECK_EQ_INT (f.lines[0].shipped, 3);
    fulfilment_free (&f);
    //  one exception counted for the fulfilment, and its shipment
    MDB_txn *txn;
    ffstore_dbs_t dbs = ffstore_dbs_of (s_svc);
    fulfillment_health_t health;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (ffstats_read (txn, &dbs, &health), 0);
    CHECK_EQ_INT (health.exceptions, 1);
    CHECK_EQ_INT (health.locations_count, 1);
    CHECK_EQ_INT (health.locations[0].shipped, 3);
    CHECK_EQ_INT (health.exception_rate_bp, 3333);
    record_free (fulfillment_health_fields, &health);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_refused, test_forward_with_short_pick, test_duplicates_and_late_ones,
                                           test_delivered_before_shipped, test_exception_then_progress, NULL};
    return ffhost_main ("test_fulfillment_milestone", &s_svc, tests);
}
