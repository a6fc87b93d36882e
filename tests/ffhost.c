#include "ffhost.h"
#include "err.h"
#include "ffstore.h"
#include "fforder.h"
#include "harness.h"
#include "intake.h"
#include "jsonmp.h"
#include "mp.h"
#include <string.h>

static const service_route_t s_no_routes[] = {{NULL, NULL}};
static const service_def_t s_def = {
    .name = "fulfillment",
    .dbs = ffstore_dbs,
    .schema_version = FFSTORE_SCHEMA_VERSION,
    .routes = s_no_routes,
};

int
ffhost_open (loophost_t *host)
{
    return loophost_open (host, &s_def);
}

int
ffhost_main (const char *name, service_t **svc, void (*const *tests) (void))
{
    loophost_t host;
    int rc = ffhost_open (&host);
    CHECK_EQ_INT (rc, 0);
    *svc = host.svc;
    for (size_t i = 0; rc == 0 && tests[i]; i++)
        tests[i] ();
    loophost_close (&host);
    return harness_report (name);
}

//  A JSON body packed and checked against fields, then decoded into record.
typedef struct {
    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
} s_body_t;

static int
s_body (s_body_t *b, const field_spec_t *fields, const char *json, void *record)
{
    msgpack_sbuffer_init (&b->buf);
    msgpack_unpacked_init (&b->unpacked);
    json_t *parsed = json_loads (json, 0, NULL);
    CHECK (parsed != NULL);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &b->buf, msgpack_sbuffer_write);
    int rc = parsed ? jsonmp_pack (&pk, parsed) : RM_EINVAL;
    json_decref (parsed);
    proto_error_t err;
    if (rc == 0 && msgpack_unpack_next (&b->unpacked, b->buf.data, b->buf.size, NULL) != MSGPACK_UNPACK_SUCCESS)
        rc = RM_EINVAL;
    if (rc == 0 && (rc = catalog_validate (fields, &b->unpacked.data, &err)) != 0)
        fprintf (stderr, "ffhost: %s: %s\n", json, err.message);
    if (rc == 0)
        rc = record_decode (fields, &b->unpacked.data, record);
    return rc;
}

static void
s_body_free (s_body_t *b)
{
    msgpack_unpacked_destroy (&b->unpacked);
    msgpack_sbuffer_destroy (&b->buf);
}

typedef struct {
    service_t *svc;
    void *record;
    const void *body;              //  a milestone's body, a cancel's idempotency key
    uint64_t seq;
    void *out, *extra;
} s_step_t;

static int
s_accept_write (MDB_txn *txn, void *arg)
{
    s_step_t *s = (s_step_t *) arg;
    return intake_order (s->svc, txn, (const orders_order_t *) s->record, "test");
}

int
ffhost_accept (service_t *svc, const char *json)
{
    orders_order_t order = {0};
    s_body_t b;
    int rc = s_body (&b, orders_order_fields, json, &order);
    s_step_t step = {.svc = svc, .record = &order};
    if (rc == 0)
        rc = service_write (svc, s_accept_write, &step);
    record_free (orders_order_fields, &order);
    s_body_free (&b);
    return rc;
}

static int
s_fill_write (MDB_txn *txn, void *arg)
{
    s_step_t *s = (s_step_t *) arg;
    return intake_fill (s->svc, txn, (const inventory_backorder_filled_t *) s->record, s->seq, 1700000000000, "test");
}

int
ffhost_fill (service_t *svc, const char *json, uint64_t seq)
{
    inventory_backorder_filled_t fill = {0};
    s_body_t b;
    int rc = s_body (&b, inventory_backorder_filled_fields, json, &fill);
    s_step_t step = {.svc = svc, .record = &fill, .seq = seq};
    if (rc == 0)
        rc = service_write (svc, s_fill_write, &step);
    record_free (inventory_backorder_filled_fields, &fill);
    s_body_free (&b);
    return rc;
}

static int
s_milestone_write (MDB_txn *txn, void *arg)
{
    s_step_t *s = (s_step_t *) arg;
    fulfilment_free ((fulfilment_t *) s->out);
    return milestone_apply (s->svc, txn, (const fulfillment_milestone_request_t *) s->record,
                            (const msgpack_object *) s->body, "test", (fulfilment_t *) s->out,
                            (milestone_result_t *) s->extra);
}

int
ffhost_milestone (service_t *svc, const char *json, fulfilment_t *after, milestone_result_t *result)
{
    fulfillment_milestone_request_t m = {0};
    s_body_t b;
    *after = (fulfilment_t) {0};
    int rc = s_body (&b, fulfillment_milestone_request_fields, json, &m);
    s_step_t step = {.svc = svc, .record = &m, .body = &b.unpacked.data, .out = after, .extra = result};
    if (rc == 0)
        rc = service_write (svc, s_milestone_write, &step);
    record_free (fulfillment_milestone_request_fields, &m);
    s_body_free (&b);
    return rc;
}

static int
s_cancel_write (MDB_txn *txn, void *arg)
{
    s_step_t *s = (s_step_t *) arg;
    record_free (fulfillment_cancel_reply_fields, s->out);
    return ffcancel_apply (s->svc, txn, (const fulfillment_cancel_request_t *) s->record, "test",
                           (const char *) s->body, (fulfillment_cancel_reply_t *) s->out,
                           (ffcancel_problem_t *) s->extra);
}

int
ffhost_cancel (service_t *svc, const char *json, const char *idem, fulfillment_cancel_reply_t *out,
               ffcancel_problem_t *problem)
{
    fulfillment_cancel_request_t in = {0};
    s_body_t b;
    *out = (fulfillment_cancel_reply_t) {0};
    int rc = s_body (&b, fulfillment_cancel_request_fields, json, &in);
    s_step_t step = {.svc = svc, .record = &in, .body = idem, .out = out, .extra = problem};
    if (rc == 0)
        rc = service_write (svc, s_cancel_write, &step);
    record_free (fulfillment_cancel_request_fields, &in);
    s_body_free (&b);
    return rc;
}

void
ffhost_load (service_t *svc, const char *id, fulfilment_t *out)
{
    MDB_txn *txn;
    uint8_t key[16] = {0};
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    CHECK_EQ_INT (uuid_parse (id, key), 0);
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    CHECK_EQ_INT (fulfilment_load (txn, &dbs, key, out), 0);
    CHECK_EQ_INT (milestone_history (txn, &dbs, out), 0);
}

size_t
ffhost_fulfilments (service_t *svc, const char *order_id, char (*ids)[UUID_STR_LEN + 1], size_t max)
{
    MDB_txn *txn;
    uint8_t key[16] = {0};
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    fforder_t order;
    CHECK_EQ_INT (uuid_parse (order_id, key), 0);
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    size_t n = 0;
    if (fforder_load (txn, &dbs, key, &order) == 0)
        for (; n < order.fulfillments_count && n < max; n++)
            snprintf (ids[n], sizeof ids[n], "%s", order.fulfillments[n]);
    record_free (fforder_fields, &order);
    return n;
}
