#include "takeover.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "pricing.h"
#include "uuid.h"

//  Moments announced per transaction; more wait for the next turn.
#define S_BATCH 1000
//  The timer never sleeps longer, so a change of the wall clock is seen.
#define S_SLEEP_MAX_MS 60000
#define S_RETRY_MS 1000

static bool s_armed;
static uint64_t s_timer;
static int64_t s_armed_at;           //  wall-clock ms it fires at

static void s_fire (service_t *svc, void *arg);

static void
s_arm_at (service_t *svc, int64_t at)
{
    int64_t now = clock_now_ms ();
    if (s_armed && s_armed_at <= at)
        return;
    if (s_armed)
        service_timer_cancel (svc, s_timer);
    int64_t delay = at - now < 1 ? 1 : at - now > S_SLEEP_MAX_MS ? S_SLEEP_MAX_MS : at - now;
    s_armed = service_timer_add (svc, (int) delay, s_fire, NULL, &s_timer) == 0;
    s_armed_at = now + delay;
    if (!s_armed)
        log_error (NULL, "pricing: cannot arm the timer of scheduled price changes");
}

void
takeover_arm (service_t *svc)
{
    MDB_txn *txn;
    pricebook_t pb = pricing_pricebook (svc);
    int64_t at;
    if (service_read_txn (svc, &txn) == 0 && pricebook_next_moment (&pb, txn, &at) == 0)
        s_arm_at (svc, at);
}

//  A scheduled change was caused by no request: it has no caller.
static void
s_emit (void *arg, const char *cid, const pricing_price_changed_t *event)
{
    record_pack (pricing_price_changed_fields, event,
                 service_event_for ((service_t *) arg, "pricing.price.changed", cid, NULL));
}

static int
s_due_write (MDB_txn *txn, void *arg)
{
    service_t *svc = (service_t *) arg;
    pricebook_t pb = pricing_pricebook (svc);
    pb.emit = s_emit;
    char cid[UUID_STR_LEN + 1];
    uuid_new_str (cid);
    size_t done;
    return pricebook_takeover_due (&pb, txn, cid, clock_now_ms (), S_BATCH, &done);
}

//  A batch that did not commit left its moments due: try again soon.
static void
s_committed (void *arg, int err)
{
    if (err != 0)
        s_arm_at ((service_t *) arg, clock_now_ms () + S_RETRY_MS);
}

static void
s_fire (service_t *svc, void *arg)
{
    (void) arg;
    s_armed = false;
    int rc = service_write (svc, s_due_write, svc);
    if (rc != 0) {
        log_error (NULL, "pricing: announcing scheduled price changes failed: %s; retrying", rm_strerror (rc));
        s_arm_at (svc, clock_now_ms () + S_RETRY_MS);
        return;
    }
    service_after_commit (svc, s_committed, svc);
    takeover_arm (svc);
}

int
takeover_start (service_t *svc)
{
    s_fire (svc, NULL);
    return 0;
}
