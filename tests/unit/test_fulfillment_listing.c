//  Reading fulfilments: a warehouse's list oldest first, by location,
//  status and creation time, a page at a time with a cursor; refused
//  filters; and the figures sys.health shows per location (exception rate,
//  nearest-rank percentiles of the time to ship). The plain functions on a
//  real fulfillment service run in the test's process (ffhost.h).
#include "err.h"
#include "ffhost.h"
#include "ffstats.h"
#include "harness.h"
#include "listing.h"
#include "mp.h"
#include <string.h>

static service_t *s_svc;
static char s_ids[6][UUID_STR_LEN + 1];

//  Six fulfilments, one order each, alternately at WH-A and WH-B.
static void
s_make (void)
{
    for (int i = 0; i < 6; i++) {
        char body[768], order[UUID_STR_LEN + 1];
        snprintf (order, sizeof order, "01938a4e-6f00-7c00-9d2e-0000000000%02d", 10 + i);
        snprintf (body, sizeof body,
                  "{\"order_id\":\"%s\",\"external_id\":\"SF-L%d\",\"channel\":\"web\",\"account_id\":\"A\","
                  "\"status\":\"accepted\",\"currency\":\"USD\",\"total\":0,\"created_at\":1700000000000,\"lines\":["
                  "{\"sku\":\"TEE\",\"quantity\":1,\"unit_price\":1,\"extended_price\":1,\"reservations\":"
                  "[{\"location\":\"%s\",\"quantity\":1}]}]}",
                  order, i, i % 2 ? "WH-B" : "WH-A");
        CHECK_EQ_INT (ffhost_accept (s_svc, body), 0);
        char ids[1][UUID_STR_LEN + 1] = {""};
        CHECK_EQ_INT (ffhost_fulfilments (s_svc, order, ids, 1), 1);
        snprintf (s_ids[i], sizeof s_ids[i], "%s", ids[0]);
    }
    //  the third is picked
    char body[256];
    snprintf (body, sizeof body, "{\"fulfillment_id\":\"%s\",\"event_id\":\"p\",\"type\":\"picked\",\"occurred_at\":1}",
              s_ids[2]);
    fulfilment_t after;
    milestone_result_t result;
    CHECK_EQ_INT (ffhost_milestone (s_svc, body, &after, &result), 0);
    fulfilment_free (&after);
}

//  A page: the IDs it lists into ids (at most 6), its next_cursor into
//  cursor ("" on the last page). Returns listing_page's code.
static int
s_page (const fulfillment_list_request_t *in, char (*ids)[UUID_STR_LEN + 1], size_t *count, char *cursor,
        const char **field)
{
    MDB_txn *txn;
    ffstore_dbs_t dbs = ffstore_dbs_of (s_svc);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    *field = NULL;
    int rc = listing_page (txn, &dbs, in, &pk, field);
    *count = 0;
    cursor[0] = '\0';
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (rc == 0 && msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        proto_error_t err;
        CHECK_EQ_INT (catalog_validate (fulfillment_list_reply_fields, &unpacked.data, &err), 0);
        const msgpack_object_array *items = mp_get_array (&unpacked.data, "items");
        for (uint32_t i = 0; items && i < items->size && *count < 6; i++)
            mp_get_str (&items->ptr[i], "fulfillment_id", ids[(*count)++], UUID_STR_LEN + 1);
        mp_get_str (&unpacked.data, "next_cursor", cursor, UUID_STR_LEN + 1);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static void
test_pages (void)
{
    s_make ();
    char ids[6][UUID_STR_LEN + 1], cursor[UUID_STR_LEN + 1];
    size_t count;
    const char *field;
    fulfillment_list_request_t in = {.limit = 2, .has_limit = true};
    snprintf (in.location, sizeof in.location, "WH-A");
    //  WH-A's three, oldest first, two a page
    CHECK_EQ_INT (s_page (&in, ids, &count, cursor, &field), 0);
    CHECK_EQ_INT (count, 2);
    CHECK_STR (ids[0], s_ids[0]);
    CHECK_STR (ids[1], s_ids[2]);
    CHECK (cursor[0] != '\0');
    snprintf (in.cursor, sizeof in.cursor, "%s", cursor);
    CHECK_EQ_INT (s_page (&in, ids, &count, cursor, &field), 0);
    CHECK_EQ_INT (count, 1);
    CHECK_STR (ids[0], s_ids[4]);
    CHECK_STR (cursor, "");
    //  by status, every location
    fulfillment_list_request_t picked = {0};
    snprintf (picked.status, sizeof picked.status, "picked");
    CHECK_EQ_INT (s_page (&picked, ids, &count, cursor, &field), 0);
    CHECK_EQ_INT (count, 1);
    CHECK_STR (ids[0], s_ids[2]);
    //  since: all were made now, none in the far future
    fulfillment_list_request_t since = {.since = 1700000000000, .has_since = true};
    CHECK_EQ_INT (s_page (&since, ids, &count, cursor, &field), 0);
    CHECK_EQ_INT (count, 6);
    since.since = 4102444800000;
    CHECK_EQ_INT (s_page (&since, ids, &count, cursor, &field), 0);
    CHECK_EQ_INT (count, 0);
    //  refused filters name their field
    fulfillment_list_request_t bad = {0};
    snprintf (bad.status, sizeof bad.status, "lost");
    CHECK_EQ_INT (s_page (&bad, ids, &count, cursor, &field), RM_EINVAL);
    CHECK_STR (field, "/status");
    bad = (fulfillment_list_request_t) {0};
    snprintf (bad.cursor, sizeof bad.cursor, "page-2");
    CHECK_EQ_INT (s_page (&bad, ids, &count, cursor, &field), RM_EINVAL);
    CHECK_STR (field, "/cursor");
}

static int
s_ship_times (MDB_txn *txn, void *arg)
{
    (void) arg;
    ffstore_dbs_t dbs = ffstore_dbs_of (s_svc);
    int rc = 0;
    //  1..100 s, in no order, and one that came before its acceptance
    for (int i = 0; rc == 0 && i < 100; i++) {
        char id[UUID_STR_LEN + 1];
        uuid_new_str (id);
        rc = ffstats_shipped (txn, &dbs, "WH-P", id, (int64_t) ((i * 37) % 100 + 1) * 1000);
    }
    char id[UUID_STR_LEN + 1];
    uuid_new_str (id);
    if (rc == 0)
        rc = ffstats_shipped (txn, &dbs, "WH-Q", id, -5);
    for (int i = 0; rc == 0 && i < 4; i++)
        rc = ffstats_created (txn, &dbs, "WH-Q");
    if (rc == 0)
        rc = ffstats_exception (txn, &dbs, "WH-Q");
    return rc;
}

static void
test_figures (void)
{
    CHECK_EQ_INT (service_write (s_svc, s_ship_times, NULL), 0);
    MDB_txn *txn;
    ffstore_dbs_t dbs = ffstore_dbs_of (s_svc);
    fulfillment_health_t health;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (ffstats_read (txn, &dbs, &health), 0);
    CHECK_EQ_INT (health.locations_count, 4);
    const fulfillment_location_health_t *p = &health.locations[2], *q = &health.locations[3];
    CHECK_STR (p->location, "WH-P");
    CHECK_EQ_INT (p->shipped, 100);
    CHECK (p->has_accepted_to_shipped_ms);
    CHECK_EQ_INT (p->accepted_to_shipped_ms.p50, 50000);
    CHECK_EQ_INT (p->accepted_to_shipped_ms.p90, 90000);
    CHECK_EQ_INT (p->accepted_to_shipped_ms.p99, 99000);
    CHECK_STR (q->location, "WH-Q");
    CHECK_EQ_INT (q->accepted_to_shipped_ms.p99, 0);
    CHECK_EQ_INT (q->exception_rate_bp, 2500);
    //  6 made by s_make and 4 counted here, one exception
    CHECK_EQ_INT (health.fulfillments, 10);
    CHECK_EQ_INT (health.exception_rate_bp, 1000);
    //  what sys.health answers as details is what the catalogue describes
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (ffstats_health (s_svc, txn, &pk), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    proto_error_t err;
    CHECK_EQ_INT (catalog_validate (fulfillment_health_fields, &unpacked.data, &err), 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    record_free (fulfillment_health_fields, &health);
}

int
main (void)
{
    static void (*const tests[]) (void) = {test_pages, test_figures, NULL};
    return ffhost_main ("test_fulfillment_listing", &s_svc, tests);
}
