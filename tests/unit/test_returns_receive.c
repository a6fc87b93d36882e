//  Receipts, credit memos and expiry on a real returns store in the test's
//  process (loophost.h), each step a service_write as the service runs it:
//  a receipt stores the return, marks its receipt_id and emits
//  returns.return.received; sent again with the same body it changes
//  nothing (applied false), with another it conflicts; a credit memo
//  applied twice refunds once; the expiry walk expires an authorized
//  return whose time has come and leaves one not yet due; the counts per
//  status follow every step.
#include "credit.h"
#include "err.h"
#include "expiry.h"
#include "harness.h"
#include "receipt.h"
#include "rethost.h"
#include "retopts.h"
#include "rtstats.h"
#include "text.h"
#include <string.h>

#define S_ORDER "01938a4e-6f00-7c00-9d2e-000000000001"

static service_t *s_svc;

typedef struct {
    const char *return_id;
    int64_t expires_at;
} s_new_t;

//  A return of 2 TEE (order line 0, no_longer_needed, 1000 each) and 1 CAP
//  (order line 1, damaged, 500), authorized at 1000.
static int
s_create (MDB_txn *txn, void *arg)
{
    const s_new_t *in = (const s_new_t *) arg;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    retrec_t ret = {.authorized_at = 1000, .expires_at = in->expires_at, .has_expires_at = true};
    text_copy (ret.return_id, sizeof ret.return_id, in->return_id);
    text_copy (ret.order_id, sizeof ret.order_id, S_ORDER);
    text_copy (ret.external_id, sizeof ret.external_id, "SF-1");
    text_copy (ret.channel, sizeof ret.channel, "web");
    text_copy (ret.account_id, sizeof ret.account_id, "A-1");
    text_copy (ret.currency, sizeof ret.currency, "USD");
    text_copy (ret.status, sizeof ret.status, "authorized");
    text_copy (ret.return_location, sizeof ret.return_location, "STORE-1");
    const struct {
        int64_t line, quantity, unit_price;
        const char *sku, *reason;
    } lines[] = {{0, 2, 1000, "TEE", "no_longer_needed"}, {1, 1, 500, "CAP", "damaged"}};
    for (size_t i = 0; i < 2; i++) {
        returns_line_t *at = (returns_line_t *) record_push (&ret.lines, &ret.lines_count, sizeof *at);
        if (!at)
            return RM_ENOMEM;
        *at = (returns_line_t) {.line = lines[i].line, .quantity = lines[i].quantity, .unit_price = lines[i].unit_price};
        text_copy (at->sku, sizeof at->sku, lines[i].sku);
        text_copy (at->reason, sizeof at->reason, lines[i].reason);
    }
    uint8_t key[RETSTORE_EXPIRY_KEY_MAX];
    size_t klen = retstore_expiry_key (in->expires_at, in->return_id, key);
    int rc = retrec_create (txn, &dbs, &ret);
    if (rc == 0)
        rc = rtstats_status (txn, &dbs, NULL, ret.status);
    if (rc == 0)
        rc = store_put (txn, dbs.expiry, key, klen, "", 0, 0);
    retrec_free (&ret);
    return rc;
}

typedef struct {
    returns_receive_request_t in;
    uint8_t digest[SHA256_LEN];
    receipt_outcome_t out;
} s_receive_t;

static int
s_receive_write (MDB_txn *txn, void *arg)
{
    s_receive_t *r = (s_receive_t *) arg;
    retrec_free (&r->out.ret);
    return receipt_write (s_svc, txn, &r->in, r->digest, 2000, "cid-receipt", "key-clerk", &r->out);
}

//  Receives q TEE under receipt_id, with a digest of the byte fill.
static int
s_receive (const char *return_id, const char *receipt_id, int64_t q, uint8_t fill, receipt_outcome_t *out)
{
    s_receive_t r = {0};
    text_copy (r.in.return_id, sizeof r.in.return_id, return_id);
    text_copy (r.in.receipt_id, sizeof r.in.receipt_id, receipt_id);
    text_copy (r.in.location, sizeof r.in.location, "STORE-1");
    returns_receive_line_t *line = (returns_receive_line_t *) record_push (&r.in.lines, &r.in.lines_count, sizeof *line);
    CHECK (line != NULL);
    text_copy (line->sku, sizeof line->sku, "TEE");
    line->quantity = q;
    text_copy (line->condition, sizeof line->condition, "resellable");
    memset (r.digest, fill, sizeof r.digest);
    int rc = service_write (s_svc, s_receive_write, &r);
    *out = r.out;
    record_free (returns_receive_request_fields, &r.in);
    return rc;
}

static int
s_memo_write (MDB_txn *txn, void *arg)
{
    return credit_memo (s_svc, txn, (const orders_credit_memo_t *) arg, 3000, "cid-memo");
}

static int
s_walk_write (MDB_txn *txn, void *arg)
{
    return expiry_walk (s_svc, txn, 10000, "cid-expiry", (size_t *) arg);
}

static returns_status_counts_t
s_counts (void)
{
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    returns_health_t health;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (rtstats_read (txn, &dbs, &health), 0);
    returns_status_counts_t counts = health.statuses;
    record_free (returns_health_fields, &health);
    return counts;
}

static void
test_flow (void)
{
    static retopts_t opts;
    CHECK_EQ_INT (refund_fees_parse ("no_longer_needed=1500", &opts.fees), 0);
    service_set_state (s_svc, &opts);
    s_new_t a = {"R-A", 5000}, b = {"R-B", 50000};
    CHECK_EQ_INT (service_write (s_svc, s_create, &a), 0);
    CHECK_EQ_INT (service_write (s_svc, s_create, &b), 0);
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    //  a receipt of 2 TEE: 2000 less 15 %
    receipt_outcome_t out;
    CHECK_EQ_INT (s_receive ("R-A", "RC-1", 2, 1, &out), 0);
    CHECK (out.applied);
    CHECK_STR (out.ret.status, "received");
    CHECK_EQ_INT (out.ret.refund_total, 1700);
    CHECK_EQ_INT (out.ret.restocking_fee_total, 300);
    retrec_free (&out.ret);
    //  the event carries the priced receipt orders and inventory need
    returns_received_event_t event;
    CHECK_EQ_INT (loophost_events_decoded (s_svc, mark, "returns.return.received", returns_received_event_fields,
                                           &event, sizeof event, 1),
                  1);
    CHECK_STR (event.return_id, "R-A");
    CHECK_STR (event.status, "received");
    CHECK_STR (event.receipt.receipt_id, "RC-1");
    CHECK_STR (event.receipt.location, "STORE-1");
    CHECK_EQ_INT (event.receipt.lines_count, 1);
    CHECK_EQ_INT (event.receipt.lines[0].line, 0);
    CHECK_EQ_INT (event.receipt.lines[0].unit_price, 1000);
    CHECK_EQ_INT (event.receipt.lines[0].extended, 2000);
    CHECK_EQ_INT (event.receipt.lines[0].restocking_fee, 300);
    CHECK_EQ_INT (event.receipt.lines[0].refund, 1700);
    CHECK_STR (event.receipt.lines[0].reason, "no_longer_needed");
    CHECK_EQ_INT (event.refund_amount, 1700);
    CHECK_EQ_INT (event.restocking_fee, 300);
    record_free (returns_received_event_fields, &event);
    //  again with the same body: nothing changes
    CHECK_EQ_INT (s_receive ("R-A", "RC-1", 2, 1, &out), 0);
    CHECK (!out.applied);
    CHECK_EQ_INT (out.ret.receipts_count, 1);
    retrec_free (&out.ret);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.received"), 1);
    //  the same receipt_id with another body; more TEE than authorized; an unknown return
    CHECK_EQ_INT (s_receive ("R-A", "RC-1", 1, 2, &out), RM_ECONFLICT);
    CHECK_STR (out.field, "/receipt_id");
    retrec_free (&out.ret);
    CHECK_EQ_INT (s_receive ("R-A", "RC-2", 1, 3, &out), RM_EINVAL);
    CHECK_STR (out.field, "/lines/0/quantity");
    retrec_free (&out.ret);
    CHECK_EQ_INT (s_receive ("R-X", "RC-1", 1, 3, &out), RM_ENOTFOUND);
    retrec_free (&out.ret);
    returns_status_counts_t counts = s_counts ();
    CHECK_EQ_INT (counts.authorized, 1);
    CHECK_EQ_INT (counts.received, 1);
    //  the credit memo, twice: one refund, the return refunded (the CAP never came)
    orders_credit_memo_t memo = {.total = 1700, .issued_at = 2500, .has_issued_at = true};
    text_copy (memo.credit_memo_number, sizeof memo.credit_memo_number, "CM-USD-000001");
    text_copy (memo.return_id, sizeof memo.return_id, "R-A");
    text_copy (memo.receipt_id, sizeof memo.receipt_id, "RC-1");
    text_copy (memo.order_id, sizeof memo.order_id, S_ORDER);
    text_copy (memo.currency, sizeof memo.currency, "USD");
    CHECK_EQ_INT (service_write (s_svc, s_memo_write, &memo), 0);
    CHECK_EQ_INT (service_write (s_svc, s_memo_write, &memo), 0);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.refund.issued"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.refunded"), 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.closed"), 0);
    text_copy (memo.receipt_id, sizeof memo.receipt_id, "RC-9");
    CHECK_EQ_INT (service_write (s_svc, s_memo_write, &memo), RM_ENOTFOUND);
    counts = s_counts ();
    CHECK_EQ_INT (counts.refunded, 1);
    CHECK_EQ_INT (counts.received, 0);
    //  at 10 s R-A's expiry (5 s) has passed: refunded with the CAP missing, closed; R-B is not due
    size_t walked = 0;
    CHECK_EQ_INT (service_write (s_svc, s_walk_write, &walked), 0);
    CHECK_EQ_INT (walked, 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.closed"), 1);
    CHECK_EQ_INT (service_write (s_svc, s_walk_write, &walked), 0);
    CHECK_EQ_INT (walked, 0);
    counts = s_counts ();
    CHECK_EQ_INT (counts.closed, 1);
    CHECK_EQ_INT (counts.refunded, 0);
    CHECK_EQ_INT (counts.authorized, 1);
    //  the resolution time: 2500 − 1000
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    returns_health_t health;
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    CHECK_EQ_INT (rtstats_read (txn, &dbs, &health), 0);
    CHECK (health.has_resolution_ms);
    CHECK_EQ_INT (health.resolution_ms.count, 1);
    CHECK_EQ_INT (health.resolution_ms.p99, 1500);
    //  under the reason of the TEE, the units refunded, not the CAP's
    CHECK_EQ_INT (health.reasons_count, 1);
    CHECK_STR (health.reasons[0].reason, "no_longer_needed");
    CHECK_EQ_INT (health.locations_count, 1);
    record_free (returns_health_fields, &health);
}

static int
s_expire_write (MDB_txn *txn, void *arg)
{
    return expiry_walk (s_svc, txn, 60000, "cid-expiry", (size_t *) arg);
}

static void
test_expire (void)
{
    uint64_t mark = outbox_last_seq (service_outbox (s_svc));
    size_t walked = 0;
    CHECK_EQ_INT (service_write (s_svc, s_expire_write, &walked), 0);
    CHECK_EQ_INT (walked, 1);
    CHECK_EQ_INT (loophost_events (s_svc, mark, "returns.return.expired"), 1);
    returns_status_counts_t counts = s_counts ();
    CHECK_EQ_INT (counts.expired, 1);
    CHECK_EQ_INT (counts.authorized, 0);
    //  an expired return takes no receipt
    receipt_outcome_t out;
    CHECK_EQ_INT (s_receive ("R-B", "RC-1", 1, 1, &out), RM_ECONFLICT);
    CHECK_STR (out.field, "/return_id");
    retrec_free (&out.ret);
}

int
main (int argc, char **argv)
{
    (void) argc;
    static void (*const tests[]) (void) = {test_flow, test_expire, NULL};
    return rethost_main (argv[0], &s_svc, tests);
}
