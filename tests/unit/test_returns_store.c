//  Authorization, reading and cancelling on a real returns store in the
//  test's process (rethost.h), each decision a service_write as the
//  handler makes it, from a hand-built orders.returnable reply: two
//  requests for the last unit in one batch (one authorized, one rejected,
//  both stored with their events); a resend with the same body answers the
//  stored outcome, with another conflicts; an Idempotency-Key finds the
//  return it made; by_order lists oldest first; a cancelled return frees
//  its units and leaves the expiry index; cancelling twice changes
//  nothing; a rejected return cannot be cancelled; counts per status.
#include "authorize.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "retcancel.h"
#include "retget.h"
#include "rethost.h"
#include "rtstats.h"
#include "store.h"
#include "text.h"
#include <string.h>

#define S_ORDER "01938a4e-6f00-7c00-9d2e-0000000000aa"
#define DAY_MS (86400 * 1000LL)
#define NOW 1800000000000LL

static service_t *s_svc;
static retopts_t s_opts;
static orders_returnable_line_t s_order_lines[1];
static orders_returnable_t s_order;
static returns_request_line_t s_want[1];
static returns_authorize_request_t s_in;

//  Order line 0: 2 TEE delivered a day ago, at 1500.
static void
s_setup (void)
{
    CHECK_EQ_INT (retopts_window_parse ("30", &s_opts), 0);
    s_opts.expiry_ms = 30 * DAY_MS;
    s_order_lines[0] = (orders_returnable_line_t) {.line = 0, .quantity = 2, .unit_price = 1500, .shipped = 2,
                                                   .delivered = 2, .has_delivered_at = true,
                                                   .delivered_at = NOW - DAY_MS};
    text_copy (s_order_lines[0].sku, sizeof s_order_lines[0].sku, "TEE");
    s_order = (orders_returnable_t) {.lines = s_order_lines, .lines_count = 1};
    text_copy (s_order.order_id, sizeof s_order.order_id, S_ORDER);
    text_copy (s_order.external_id, sizeof s_order.external_id, "SF-9");
    text_copy (s_order.channel, sizeof s_order.channel, "web");
    text_copy (s_order.account_id, sizeof s_order.account_id, "A-9");
    text_copy (s_order.currency, sizeof s_order.currency, "USD");
    text_copy (s_order.status, sizeof s_order.status, "delivered");
    s_in = (returns_authorize_request_t) {.lines = s_want, .lines_count = 1};
    text_copy (s_in.order_id, sizeof s_in.order_id, S_ORDER);
    text_copy (s_in.return_location, sizeof s_in.return_location, "STORE-1");
    text_copy (s_want[0].sku, sizeof s_want[0].sku, "TEE");
    text_copy (s_want[0].reason, sizeof s_want[0].reason, "other");
}

static void
s_job (authorize_job_t *job, const char *return_id, const char *idem, int64_t quantity, uint8_t digest)
{
    s_want[0].quantity = quantity;
    *job = (authorize_job_t) {.svc = s_svc, .in = &s_in, .order = &s_order, .opts = &s_opts, .now = NOW,
                              .cid = "cid-test", .caller = "tester"};
    text_copy (job->return_id, sizeof job->return_id, return_id);
    text_copy (job->idem, sizeof job->idem, idem ? idem : "");
    memset (job->sha, digest, sizeof job->sha);
}

static int
s_write (MDB_txn *txn, void *arg)
{
    return authorize_write (txn, (authorize_job_t *) arg);
}

static int
s_count (const char *status)
{
    MDB_txn *txn;
    returns_health_t health = {0};
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (rtstats_read (txn, &dbs, &health), 0);
    int64_t n = strcmp (status, "authorized") == 0 ? health.statuses.authorized
                : strcmp (status, "rejected") == 0 ? health.statuses.rejected
                : strcmp (status, "cancelled") == 0 ? health.statuses.cancelled
                : -1;
    record_free (returns_health_fields, &health);
    return (int) n;
}

static size_t
s_expiry_entries (void)
{
    MDB_txn *txn;
    MDB_stat st = {0};
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    mdb_stat (txn, retstore_dbs_of (s_svc).expiry, &st);
    return st.ms_entries;
}

static void
test_last_unit_once (void)
{
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    authorize_job_t first, second;
    s_job (&first, "rma-1", NULL, 2, 1);
    CHECK_EQ_INT (service_write (s_svc, s_write, &first), 0);
    CHECK (!first.replay && first.decision == 0 && first.ret.created);
    CHECK_STR (first.ret.status, "authorized");
    CHECK_EQ_INT (first.ret.expires_at, NOW + 30 * DAY_MS);
    //  the same batch: the first's units are held already
    s_job (&second, "rma-2", NULL, 1, 2);
    CHECK_EQ_INT (service_write (s_svc, s_write, &second), 0);
    CHECK_EQ_INT (second.decision, RM_EINVAL);
    CHECK_STR (second.ret.status, "rejected");
    CHECK (second.ret.rejection_count == 1 && strcmp (second.ret.rejection[0].code, "exceeds_returnable") == 0);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.authorized"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.rejected"), 1);
    CHECK_EQ_INT (s_count ("authorized"), 1);
    CHECK_EQ_INT (s_count ("rejected"), 1);
    CHECK_EQ_INT (s_expiry_entries (), 1);
    retrec_free (&first.ret);
    retrec_free (&second.ret);
}

static void
test_resend (void)
{
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    size_t events = loophost_events (s_svc, mark, NULL);
    authorize_job_t again, other;
    s_job (&again, "rma-2", NULL, 1, 2);
    CHECK_EQ_INT (service_write (s_svc, s_write, &again), 0);
    CHECK (again.replay && !again.conflict && !again.ret.created);
    CHECK_STR (again.ret.status, "rejected");
    s_job (&other, "rma-1", NULL, 1, 9);
    CHECK_EQ_INT (service_write (s_svc, s_write, &other), 0);
    CHECK (other.replay && other.conflict);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), events);
    retrec_free (&again.ret);
    retrec_free (&other.ret);

    //  an Idempotency-Key names the return made for it, whatever ID a resend would make
    authorize_job_t keyed, resent;
    s_job (&keyed, "01938a4e-6f00-7c00-9d2e-0000000000b1", "key-7", 1, 3);
    CHECK_EQ_INT (service_write (s_svc, s_write, &keyed), 0);
    CHECK_STR (keyed.ret.status, "rejected");
    s_job (&resent, "01938a4e-6f00-7c00-9d2e-0000000000b2", "key-7", 1, 3);
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (authorize_seen (txn, &dbs, &resent), 0);
    CHECK (resent.replay && !resent.conflict);
    CHECK_STR (resent.return_id, "01938a4e-6f00-7c00-9d2e-0000000000b1");
    CHECK_STR (resent.ret.return_id, "01938a4e-6f00-7c00-9d2e-0000000000b1");
    retrec_free (&keyed.ret);
    retrec_free (&resent.ret);
}

static void
test_by_order (void)
{
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (retget_by_order (txn, &dbs, S_ORDER, &pk), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    proto_error_t err = {0};
    CHECK_EQ_INT (catalog_validate (returns_by_order_reply_fields, &unpacked.data, &err), 0);
    returns_by_order_reply_t reply = {0};
    CHECK_EQ_INT (record_decode (returns_by_order_reply_fields, &unpacked.data, &reply), 0);
    //  the three decided at the same millisecond, in ID order
    CHECK_EQ_INT (reply.items_count, 3);
    if (reply.items_count == 3) {
        CHECK_STR (reply.items[0].return_id, "01938a4e-6f00-7c00-9d2e-0000000000b1");
        CHECK_STR (reply.items[1].return_id, "rma-1");
        CHECK_STR (reply.items[2].return_id, "rma-2");
    }
    record_free (returns_by_order_reply_fields, &reply);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    int64_t committed[CATALOG_MAX_LINES] = {0};
    size_t returns = 0;
    CHECK_EQ_INT (retrec_committed (txn, &dbs, S_ORDER, committed, &returns), 0);
    CHECK_EQ_INT (committed[0], 2);
    CHECK_EQ_INT (returns, 3);
    msgpack_sbuffer_init (&buf);
    CHECK_EQ_INT (retget_by_order (txn, &dbs, "01938a4e-6f00-7c00-9d2e-0000000000ff", &pk), 0);
    msgpack_sbuffer_destroy (&buf);
}

typedef struct {
    returns_cancel_request_t in;
    retrec_t out;
} s_cancel_t;

static int
s_cancel_write (MDB_txn *txn, void *arg)
{
    s_cancel_t *c = (s_cancel_t *) arg;
    retrec_free (&c->out);
    return retcancel_apply (s_svc, txn, &c->in, NOW + 5, "cid-cancel", "tester", &c->out);
}

static void
test_cancel (void)
{
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    size_t cancelled = loophost_events (s_svc, mark, "returns.return.cancelled");
    s_cancel_t c = {0};
    text_copy (c.in.return_id, sizeof c.in.return_id, "rma-1");
    text_copy (c.in.reason, sizeof c.in.reason, "kept it");
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, &c), 0);
    CHECK (c.out.changed);
    CHECK_STR (c.out.status, "cancelled");
    CHECK_STR (c.out.cancel_reason, "kept it");
    CHECK_EQ_INT (c.out.cancelled_at, NOW + 5);
    CHECK_EQ_INT (s_expiry_entries (), 0);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.cancelled"), cancelled + 1);
    CHECK_EQ_INT (s_count ("authorized"), 0);
    CHECK_EQ_INT (s_count ("cancelled"), 1);
    //  again: nothing changes
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, &c), 0);
    CHECK (!c.out.changed);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.cancelled"), cancelled + 1);
    //  a rejected one is not authorized; an unknown one is not there
    text_copy (c.in.return_id, sizeof c.in.return_id, "rma-2");
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, &c), RM_ECONFLICT);
    CHECK_STR (c.out.status, "rejected");
    text_copy (c.in.return_id, sizeof c.in.return_id, "rma-none");
    CHECK_EQ_INT (service_write (s_svc, s_cancel_write, &c), RM_ENOTFOUND);
    retrec_free (&c.out);

    //  the cancelled return's units may be authorized again
    authorize_job_t job;
    s_job (&job, "rma-3", NULL, 2, 4);
    CHECK_EQ_INT (service_write (s_svc, s_write, &job), 0);
    CHECK_EQ_INT (job.decision, 0);
    retrec_free (&job.ret);
}

//  An order takes RETURNS_PER_ORDER_MAX returns, whatever their status
//  (its list answers them all); the next is refused with nothing stored.
typedef struct {
    size_t from, to;
    int last_rc;
} s_fill_t;

static int
s_fill_write (MDB_txn *txn, void *arg)
{
    s_fill_t *fill = (s_fill_t *) arg;
    int rc = 0;
    for (size_t i = fill->from; rc == 0 && i < fill->to; i++) {
        authorize_job_t job;
        char id[32];
        snprintf (id, sizeof id, "rma-fill-%zu", i);
        s_job (&job, id, NULL, 1, (uint8_t) (i & 0xff));
        rc = authorize_write (txn, &job);
        retrec_free (&job.ret);
    }
    fill->last_rc = rc;
    return rc;
}

static void
test_returns_per_order_max (void)
{
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    int64_t committed[CATALOG_MAX_LINES] = {0};
    size_t have = 0;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (retrec_committed (txn, &dbs, S_ORDER, committed, &have), 0);
    CHECK (have > 0 && have < RETURNS_PER_ORDER_MAX);
    s_fill_t fill = {have, RETURNS_PER_ORDER_MAX, 0};
    CHECK_EQ_INT (service_write (s_svc, s_fill_write, &fill), 0);
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    size_t events = loophost_events (s_svc, mark, NULL);
    s_fill_t one_more = {RETURNS_PER_ORDER_MAX, RETURNS_PER_ORDER_MAX + 1, 0};
    CHECK_EQ_INT (service_write (s_svc, s_fill_write, &one_more), RM_EBUSY);
    CHECK_EQ_INT (loophost_events (s_svc, mark, NULL), events);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (retrec_committed (txn, &dbs, S_ORDER, committed, &have), 0);
    CHECK_EQ_INT (have, RETURNS_PER_ORDER_MAX);
}

int
main (int argc, char **argv)
{
    (void) argc;
    static void (*const tests[]) (void) = {s_setup, test_last_unit_once, test_resend, test_by_order, test_cancel,
                                            test_returns_per_order_max, NULL};
    return rethost_main (argv[0], &s_svc, tests);
}
