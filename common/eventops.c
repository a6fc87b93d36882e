#include "eventops.h"
#include "catalog_core.h"
#include "err.h"
#include "mp.h"
#include <stdlib.h>
#include <string.h>

#define SINCE_MAX_DEFAULT 1000

static int
s_since (service_t *svc, request_t *req)
{
    core_since_request_t in = {0};
    int rc = record_decode (core_since_request_fields, request_body (req), &in);
    int64_t max = in.has_max ? in.max : SINCE_MAX_DEFAULT;
    MDB_txn *txn;
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    rc = outbox_since (service_outbox (svc), txn, (uint64_t) in.from, (uint32_t) max, &pk);
    if (rc == 0)
        mp_pack_raw (request_reply_ok (req), buf.data, buf.size);
    else if (rc == RM_EGONE) {
        uint64_t first = 0;
        outbox_first_seq (service_outbox (svc), txn, &first);
        request_reply_error (req, rc, "/from", "events before #%llu are no longer kept (asked from #%lld)",
                             (unsigned long long) first, (long long) in.from);
    }
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  Finds the consumer of source, answering not_found if none.
static consumer_t *
s_consumer (service_t *svc, request_t *req, const char *source)
{
    consumer_t *consumer = service_consumer_of (svc, source);
    if (!consumer)
        request_reply_error (req, RM_ENOTFOUND, "/source", "%s does not consume events of '%s'",
                             service_name (svc), source);
    return consumer;
}

static int
s_replay (service_t *svc, request_t *req)
{
    core_replay_request_t in = {0};
    int rc = record_decode (core_replay_request_fields, request_body (req), &in);
    if (rc != 0)
        return rc;
    consumer_t *consumer = s_consumer (svc, req, in.source);
    if (!consumer)
        return RM_ENOTFOUND;
    rc = consumer_replay (consumer, (uint64_t) in.from);
    if (rc != 0)
        return rc;
    core_replay_reply_t reply = {.position = in.from - 1};
    snprintf (reply.source, sizeof reply.source, "%s", in.source);
    record_pack (core_replay_reply_fields, &reply, request_reply_ok (req));
    return 0;
}

//  Dead letters come from two queues: "events" (what consumers set aside)
//  and "outbound" (calls the outbound queue gave up on). Reads the
//  request's queue into *outbound; "" means events, or both for dlq.list
//  (*any).
static int
s_queue (request_t *req, const char *queue, bool *outbound, bool *any)
{
    *outbound = strcmp (queue, "outbound") == 0;
    if (any)
        *any = !*queue;
    if (*queue && !*outbound && strcmp (queue, "events") != 0)
        return request_reply_error (req, RM_EINVAL, "/queue", "queue must be events or outbound (got '%s')", queue);
    return 0;
}

static int
s_dlq_list (service_t *svc, request_t *req)
{
    core_dlq_list_request_t in = {0};
    bool outbound, any;
    int rc = record_decode (core_dlq_list_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_queue (req, in.queue, &outbound, &any);
    if (rc != 0)
        return rc;
    bool events = any || !outbound;
    outbound = outbound || any;
    MDB_txn *txn;
    rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    core_dlq_list_reply_t reply = {0};
    int n = events ? service_consumer_count (svc) : 0;
    for (int i = 0; rc == 0 && i < n; i++)
        if (!*in.source || strcmp (in.source, consumer_source (service_consumer (svc, i))) == 0)
            rc = consumer_dlq_list (service_consumer (svc, i), txn, &reply);
    if (rc == 0 && outbound)
        rc = outq_dlq_list (service_outq (svc), txn, in.source, &reply);
    if (rc == 0)
        record_pack (core_dlq_list_reply_fields, &reply, request_reply_ok (req));
    record_free (core_dlq_list_reply_fields, &reply);
    return rc;
}

typedef int (entry_op_fn) (service_t *svc, consumer_t *consumer, const char *source, uint64_t seq, request_t *req);

//  The same on an outbound dead letter: source is the peer it calls.
typedef int (outbound_op_fn) (service_t *svc, const char *peer, uint64_t seq, request_t *req);

static int
s_no_outbound (request_t *req, const char *peer, uint64_t seq)
{
    return request_reply_error (req, RM_ENOTFOUND, "/seq", "no outbound dead letter #%llu to %s",
                                (unsigned long long) seq, peer);
}

//  Runs op on the dead letter the request names by source and seq, or
//  out_op when its queue is outbound.
static int
s_dlq_entry (service_t *svc, request_t *req, entry_op_fn *op, outbound_op_fn *out_op)
{
    core_dlq_key_request_t in = {0};
    bool outbound;
    int rc = record_decode (core_dlq_key_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = s_queue (req, in.queue, &outbound, NULL);
    if (rc != 0)
        return rc;
    uint64_t seq = (uint64_t) in.seq;
    if (outbound) {
        rc = out_op (svc, in.source, seq, req);
        return rc == RM_ENOTFOUND ? s_no_outbound (req, in.source, seq) : rc;
    }
    consumer_t *consumer = s_consumer (svc, req, in.source);
    if (!consumer)
        return RM_ENOTFOUND;
    rc = op (svc, consumer, in.source, seq, req);
    if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, "/seq", "no dead letter #%llu from %s", (unsigned long long) seq, in.source);
    return rc;
}

//  Replies with one dead letter, of a consumer or (consumer NULL) of the
//  outbound queue's calls to peer.
static int
s_reply_dead_letter (service_t *svc, request_t *req, consumer_t *consumer, const char *peer, uint64_t seq)
{
    MDB_txn *txn;
    int rc = service_read_txn (svc, &txn);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    if (rc == 0)
        rc = consumer ? consumer_dlq_show (consumer, txn, seq, &pk)
                      : outq_dlq_show (service_outq (svc), txn, peer, seq, &pk);
    if (rc == 0)
        mp_pack_raw (request_reply_ok (req), buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static int
s_show_entry (service_t *svc, consumer_t *consumer, const char *source, uint64_t seq, request_t *req)
{
    (void) source;
    return s_reply_dead_letter (svc, req, consumer, NULL, seq);
}

//  dlq.retry's and dlq.drop's replies: the dead letter and what became of it.
static void
s_reply_done (request_t *req, const char *source, uint64_t seq, bool dropped)
{
    core_dlq_retried_t retried = {.seq = (int64_t) seq, .applied = true};
    core_dlq_dropped_t gone = {.seq = (int64_t) seq, .dropped = true};
    snprintf (retried.source, sizeof retried.source, "%s", source);
    snprintf (gone.source, sizeof gone.source, "%s", source);
    msgpack_packer *pk = request_reply_ok (req);
    if (dropped)
        record_pack (core_dlq_dropped_fields, &gone, pk);
    else
        record_pack (core_dlq_retried_fields, &retried, pk);
}

static int
s_retry_entry (service_t *svc, consumer_t *consumer, const char *source, uint64_t seq, request_t *req)
{
    (void) svc;
    char error[128];
    int rc = consumer_dlq_retry (consumer, seq, error, sizeof error);
    if (rc == 0)
        s_reply_done (req, source, seq, false);
    else if (rc != RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "dead letter #%llu from %s still fails: %s; it stays in the store",
                             (unsigned long long) seq, source, error);
    return rc;
}

static int
s_drop_entry (service_t *svc, consumer_t *consumer, const char *source, uint64_t seq, request_t *req)
{
    (void) svc;
    int rc = consumer_dlq_drop (consumer, seq);
    if (rc == 0)
        s_reply_done (req, source, seq, true);
    return rc;
}

static int
s_show_outbound (service_t *svc, const char *peer, uint64_t seq, request_t *req)
{
    return s_reply_dead_letter (svc, req, NULL, peer, seq);
}

//  A retried outbound dead letter is answered with the outcome of its
//  attempt, like an event's: applied and removed, or still failing.
typedef struct {
    request_t *req;
    char peer[sizeof ((core_dlq_key_request_t *) 0)->source];
    uint64_t seq;
} redrive_t;

static void
s_redriven (void *arg, int err, const char *message)
{
    redrive_t *redrive = (redrive_t *) arg;
    if (err == 0)
        s_reply_done (redrive->req, redrive->peer, redrive->seq, false);
    else
        request_reply_error (redrive->req, err, NULL,
                             "outbound dead letter #%llu to %s still fails: %s; it stays in the store",
                             (unsigned long long) redrive->seq, redrive->peer, message);
    free (redrive);
}

static int
s_retry_outbound (service_t *svc, const char *peer, uint64_t seq, request_t *req)
{
    redrive_t *redrive = (redrive_t *) calloc (1, sizeof *redrive);
    if (!redrive)
        return RM_ENOMEM;
    redrive->req = req;
    snprintf (redrive->peer, sizeof redrive->peer, "%s", peer);
    redrive->seq = seq;
    int rc = outq_dlq_retry (service_outq (svc), peer, seq, s_redriven, redrive);
    if (rc == 0)
        request_defer (req);
    else
        free (redrive);
    if (rc == RM_EBUSY)
        request_reply_error (req, rc, "/seq", "outbound dead letter #%llu is being retried", (unsigned long long) seq);
    return rc;
}

static int
s_drop_outbound (service_t *svc, const char *peer, uint64_t seq, request_t *req)
{
    int rc = outq_dlq_drop (service_outq (svc), peer, seq);
    if (rc == 0)
        s_reply_done (req, peer, seq, true);
    else if (rc == RM_EBUSY)
        request_reply_error (req, rc, "/seq", "outbound dead letter #%llu is being retried", (unsigned long long) seq);
    return rc;
}

static int s_dlq_show (service_t *svc, request_t *req) { return s_dlq_entry (svc, req, s_show_entry, s_show_outbound); }
static int s_dlq_retry (service_t *svc, request_t *req) { return s_dlq_entry (svc, req, s_retry_entry, s_retry_outbound); }
static int s_dlq_drop (service_t *svc, request_t *req) { return s_dlq_entry (svc, req, s_drop_entry, s_drop_outbound); }

const service_route_t eventops_routes[] = {
    {"events.since", s_since},
    {"consumer.replay", s_replay},
    {"dlq.list", s_dlq_list},
    {"dlq.show", s_dlq_show},
    {"dlq.retry", s_dlq_retry},
    {"dlq.drop", s_dlq_drop},
    {NULL, NULL},
};
