//  The gateway's hub: jobs handed over from several threads reach the
//  right service, many at once; every job's done callback runs exactly
//  once, with the reply, or with RM_ETIMEOUT no later than its deadline.
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "hub.h"
#include "mp.h"
#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define JOBS_PER_THREAD 200
#define THREADS 3

//  A service that answers every request with ok and the request's body,
//  adding {"service": name}.
static void
s_echo_service (zsock_t *pipe, void *args)
{
    const char *name = (const char *) args;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-hub-%s", name);
    int rc = zsock_bind (router, "%s", endpoint);
    zsock_signal (pipe, rc == 0 ? 0 : 1);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break;
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        zframe_t *empty = zmsg_pop (msg);
        zframe_t *data = zmsg_pop (msg);
        msgpack_unpacked unpacked;
        envelope_t req, rep;
        proto_error_t perr;
        if (data && envelope_decode (zframe_data (data), zframe_size (data), &unpacked, &req, &perr) == 0) {
            envelope_init_reply (&rep, &req, true);
            msgpack_sbuffer sbuf;
            msgpack_sbuffer_init (&sbuf);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
            envelope_pack_header (&pk, &rep);
            msgpack_pack_map (&pk, 3);
            mp_pack_kv_str (&pk, "service", name);
            mp_pack_kv_str (&pk, "cid", req.cid);
            mp_pack_str (&pk, "echo");
            mp_pack_object (&pk, &req.body);
            zmsg_t *out = zmsg_new ();
            zmsg_append (out, &identity);
            zmsg_addmem (out, "", 0);
            zmsg_addmem (out, sbuf.data, sbuf.size);
            zmsg_send (&out, router);
            msgpack_sbuffer_destroy (&sbuf);
            msgpack_unpacked_destroy (&unpacked);
        }
        zframe_destroy (&identity);
        zframe_destroy (&empty);
        zframe_destroy (&data);
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

typedef struct {
    hub_job_t job;
    hub_call_t calls[2];          //  the job's calls
    char cid[32];
    char body[16];
    atomic_int done;
    int64_t done_at;
} test_job_t;

static atomic_int s_done_total;

static void
s_done (hub_job_t *job)
{
    test_job_t *tj = (test_job_t *) job->arg;
    tj->done_at = clock_mono_ms ();
    atomic_fetch_add (&tj->done, 1);
    atomic_fetch_add (&s_done_total, 1);
}

static void
s_job_init (test_job_t *tj, const char *op, int index, int64_t deadline)
{
    memset (tj, 0, sizeof *tj);
    snprintf (tj->cid, sizeof tj->cid, "job-%d", index);
    //  {"n": index} as a fixmap with one positive int (index < 2^16)
    tj->body[0] = (char) 0x81;
    tj->body[1] = (char) 0xa1;
    tj->body[2] = 'n';
    tj->body[3] = (char) 0xcd;
    tj->body[4] = (char) (index >> 8);
    tj->body[5] = (char) (index & 0xff);
    tj->job.cid = tj->cid;
    tj->job.deadline_ms = deadline;
    tj->job.calls = tj->calls;
    tj->job.calls[0].op = op;
    tj->job.calls[0].body = tj->body;
    tj->job.calls[0].body_len = 6;
    tj->job.ncalls = 1;
    tj->job.done = s_done;
    tj->job.arg = tj;
}

typedef struct {
    hub_t *hub;
    test_job_t *jobs;
    int base;
} submitter_t;

static void *
s_submitter (void *arg)
{
    submitter_t *s = (submitter_t *) arg;
    for (int i = 0; i < JOBS_PER_THREAD; i++) {
        int index = s->base + i;
        s_job_init (&s->jobs[index], index % 2 ? "pricing.quote" : "inventory.availability", index,
                    clock_mono_ms () + 5000);
        if (hub_submit (s->hub, &s->jobs[index].job) != 0)
            atomic_fetch_add (&s->jobs[index].done, 100);
    }
    return NULL;
}

static bool
s_wait_total (int want, int timeout_ms)
{
    int64_t end = clock_mono_ms () + timeout_ms;
    while (atomic_load (&s_done_total) < want && clock_mono_ms () < end)
        zclock_sleep (5);
    return atomic_load (&s_done_total) >= want;
}

int
main (int argc, char **argv)
{
    (void) argc;
    zsys_init ();
    zactor_t *pricing = zactor_new (s_echo_service, "pricing");
    zactor_t *inventory = zactor_new (s_echo_service, "inventory");
    hub_t *hub = NULL;
    CHECK_EQ_INT (hub_new (1000, &hub), 0);
    CHECK (hub != NULL);
    if (!hub)
        return harness_report (argv[0]);
    CHECK_EQ_INT (hub_add_service (hub, "pricing", "inproc://test-hub-pricing"), 0);
    CHECK_EQ_INT (hub_add_service (hub, "inventory", "inproc://test-hub-inventory"), 0);
    //  nobody binds this one: its calls can only time out
    CHECK_EQ_INT (hub_add_service (hub, "orders", "inproc://test-hub-nobody"), 0);
    CHECK_EQ_INT (hub_start (hub), 0);

    static test_job_t jobs[THREADS * JOBS_PER_THREAD];
    pthread_t threads[THREADS];
    submitter_t subs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        subs[t] = (submitter_t) {hub, jobs, t * JOBS_PER_THREAD};
        pthread_create (&threads[t], NULL, s_submitter, &subs[t]);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join (threads[t], NULL);
    CHECK (s_wait_total (THREADS * JOBS_PER_THREAD, 5000));
    int right = 0;
    for (int i = 0; i < THREADS * JOBS_PER_THREAD; i++) {
        hub_call_t *call = &jobs[i].job.calls[0];
        bool good = atomic_load (&jobs[i].done) == 1 && call->err == 0 && call->ok;
        msgpack_unpacked u;
        msgpack_unpacked_init (&u);
        size_t off = 0;
        if (good && msgpack_unpack_next (&u, call->reply.data, call->reply.size, &off) == MSGPACK_UNPACK_SUCCESS) {
            char service[16] = "", cid[32] = "";
            int64_t n = -1;
            mp_get_str (&u.data, "service", service, sizeof service);
            mp_get_str (&u.data, "cid", cid, sizeof cid);
            mp_get_int (mp_get (&u.data, "echo"), "n", &n);
            good = strcmp (service, i % 2 ? "pricing" : "inventory") == 0
                   && strcmp (cid, jobs[i].cid) == 0 && n == i;
        }
        else
            good = false;
        right += good;
        msgpack_unpacked_destroy (&u);
        hub_job_clear (&jobs[i].job);
    }
    CHECK_EQ_INT (right, THREADS * JOBS_PER_THREAD);

    //  a job spanning a live and a dead service ends at its deadline
    atomic_store (&s_done_total, 0);
    static test_job_t mixed;
    int64_t start = clock_mono_ms ();
    s_job_init (&mixed, "pricing.quote", 1, start + 300);
    mixed.job.calls[1] = mixed.job.calls[0];
    mixed.job.calls[1].op = "sys.health";
    mixed.job.calls[1].service = "orders";
    mixed.job.ncalls = 2;
    CHECK_EQ_INT (hub_submit (hub, &mixed.job), 0);
    CHECK (s_wait_total (1, 3000));
    CHECK_EQ_INT (atomic_load (&mixed.done), 1);
    CHECK_EQ_INT (mixed.job.calls[0].err, 0);
    CHECK_EQ_INT (mixed.job.calls[1].err, RM_ETIMEOUT);
    CHECK (mixed.done_at >= start + 300);
    CHECK (mixed.done_at <= start + 300 + 100);
    hub_job_clear (&mixed.job);

    //  an operation no service answers for fails at once
    atomic_store (&s_done_total, 0);
    static test_job_t lost;
    s_job_init (&lost, "billing.charge", 2, clock_mono_ms () + 1000);
    CHECK_EQ_INT (hub_submit (hub, &lost.job), 0);
    CHECK (s_wait_total (1, 500));
    CHECK_EQ_INT (lost.job.calls[0].err, RM_EINTERNAL);
    hub_job_clear (&lost.job);

    hub_destroy (&hub);
    CHECK (hub == NULL);
    zactor_destroy (&pricing);
    zactor_destroy (&inventory);
    return harness_report (argv[0]);
}
