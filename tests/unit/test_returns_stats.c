//  What returns reports in sys.health: returns per status as they move,
//  and the resolution time (authorization to first refund) as nearest-rank
//  percentiles overall, per reason (a return with two lines of one reason
//  counted once; a line nothing was refunded of not at all) and per
//  return location; a move from a status with no
//  returns is refused. The store is a real returns store in the test's
//  process (loophost.h).
#include "err.h"
#include "harness.h"
#include "rethost.h"
#include "rtstats.h"
#include "text.h"
#include <string.h>

static service_t *s_svc;

static void
s_return (retrec_t *ret, int i)
{
    *ret = (retrec_t) {.authorized_at = 1000000, .refunded_at = 1000000 + (int64_t) ((i * 37) % 100 + 1) * 1000,
                               .has_refunded_at = true};
    snprintf (ret->return_id, sizeof ret->return_id, "R-%03d", i);
    text_copy (ret->return_location, sizeof ret->return_location, i % 2 ? "STORE-B" : "STORE-A");
    const char *reasons[] = {"damaged", i % 4 == 0 ? "damaged" : "other", "wrong_item"};
    for (size_t k = 0; k < 3; k++) {
        returns_line_t *at = (returns_line_t *) record_push (&ret->lines, &ret->lines_count, sizeof *at);
        CHECK (at != NULL);
        text_copy (at->reason, sizeof at->reason, reasons[k]);
        at->refunded = k < 2;
    }
}

static int
s_fill (MDB_txn *txn, void *arg)
{
    (void) arg;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    int rc = 0;
    //  100 returns resolved after 1..100 s, in no order
    for (int i = 0; rc == 0 && i < 100; i++) {
        retrec_t ret;
        s_return (&ret, i);
        rc = rtstats_resolved (txn, &dbs, &ret);
        retrec_free (&ret);
    }
    //  three returns: authorized, one received and refunded, one rejected
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = rtstats_status (txn, &dbs, NULL, i == 2 ? "rejected" : "authorized");
    if (rc == 0)
        rc = rtstats_status (txn, &dbs, "authorized", "received");
    if (rc == 0)
        rc = rtstats_status (txn, &dbs, "received", "refunded");
    if (rc == 0)
        rc = rtstats_status (txn, &dbs, "refunded", "refunded");
    return rc;
}

static int
s_bad_move (MDB_txn *txn, void *arg)
{
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    return rtstats_status (txn, &dbs, (const char *) arg, "closed");
}

static void
test_figures (void)
{
    CHECK_EQ_INT (service_write (s_svc, s_fill, NULL), 0);
    CHECK_EQ_INT (service_write (s_svc, s_bad_move, "expired"), RM_ESTORE);
    CHECK_EQ_INT (service_write (s_svc, s_bad_move, "lost"), RM_EINVAL);
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (s_svc);
    CHECK_EQ_INT (service_read_txn (s_svc, &txn), 0);
    returns_health_t health;
    CHECK_EQ_INT (rtstats_read (txn, &dbs, &health), 0);
    CHECK_EQ_INT (health.statuses.authorized, 1);
    CHECK_EQ_INT (health.statuses.received, 0);
    CHECK_EQ_INT (health.statuses.refunded, 1);
    CHECK_EQ_INT (health.statuses.rejected, 1);
    CHECK_EQ_INT (health.statuses.closed, 0);
    CHECK (health.has_resolution_ms);
    CHECK_EQ_INT (health.resolution_ms.count, 100);
    CHECK_EQ_INT (health.resolution_ms.p50, 50000);
    CHECK_EQ_INT (health.resolution_ms.p90, 90000);
    CHECK_EQ_INT (health.resolution_ms.p99, 99000);
    CHECK_EQ_INT (health.reasons_count, 2);
    CHECK_STR (health.reasons[0].reason, "damaged");
    CHECK_EQ_INT (health.reasons[0].resolution_ms.count, 100);
    CHECK_STR (health.reasons[1].reason, "other");
    CHECK_EQ_INT (health.reasons[1].resolution_ms.count, 75);
    CHECK_EQ_INT (health.locations_count, 2);
    CHECK_STR (health.locations[0].return_location, "STORE-A");
    CHECK_EQ_INT (health.locations[0].resolution_ms.count, 50);
    CHECK_STR (health.locations[1].return_location, "STORE-B");
    CHECK_EQ_INT (health.locations[1].resolution_ms.count, 50);
    //  the even i resolve after (37i mod 100) + 1 s: odd seconds from 1 to 99
    CHECK_EQ_INT (health.locations[0].resolution_ms.p50, 49000);
    CHECK_EQ_INT (health.locations[0].resolution_ms.p99, 99000);
    record_free (returns_health_fields, &health);
    //  what sys.health answers as details is what the catalogue describes
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (rtstats_health (s_svc, txn, &pk), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    proto_error_t err;
    CHECK_EQ_INT (catalog_validate (returns_health_fields, &unpacked.data, &err), 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    CHECK_EQ_INT (rtstats_health (s_svc, NULL, &pk), RM_ESTORE);
}

static void
test_empty (void)
{
    loophost_t host;
    CHECK_EQ_INT (loophost_open (&host, &rethost_def), 0);
    MDB_txn *txn;
    retstore_dbs_t dbs = retstore_dbs_of (host.svc);
    CHECK_EQ_INT (service_read_txn (host.svc, &txn), 0);
    returns_health_t health;
    CHECK_EQ_INT (rtstats_read (txn, &dbs, &health), 0);
    CHECK (health.has_statuses);
    CHECK (!health.has_resolution_ms);
    CHECK_EQ_INT (health.reasons_count, 0);
    CHECK_EQ_INT (health.statuses.authorized, 0);
    record_free (returns_health_fields, &health);
    loophost_close (&host);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (loophost_open (&host, &rethost_def), 0);
    s_svc = host.svc;
    if (s_svc)
        test_figures ();
    loophost_close (&host);
    test_empty ();
    return harness_report (argv[0]);
}
