#include "hub.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "rpc_client.h"
#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

//  Jobs queue in the inproc pipe only while the hub thread is busy; the
//  HTTP connection limit bounds them long before this.
#define HUB_HWM 100000

typedef struct {
    char name[32];
    rpc_client_t *client;
} hub_service_t;

struct hub_t {
    unsigned id;                  //  tells this hub's thread-local sockets from an older hub's
    char endpoint[64];            //  inproc endpoint of pull
    zsock_t *pull;                //  jobs from HTTP threads
    hub_service_t *services;      //  one per service the gateway calls
    size_t nservices;
    zmq_pollitem_t *items;        //  the hub thread's: its pipe, the jobs, each service
    int64_t *due;                 //  the hub thread's: each service's next expiry
    int attempt_ms;
    zactor_t *actor;
    pthread_mutex_t lock;         //  guards pushes
    zlist_t *pushes;              //  every thread's PUSH socket, closed by hub_destroy
};

static atomic_uint s_hub_ids;

//  The submitting thread's PUSH socket, created on its first submit.
static _Thread_local zsock_t *tl_push;
static _Thread_local unsigned tl_hub_id;

int
hub_new (int attempt_ms, hub_t **self_p)
{
    hub_t *self = (hub_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->id = atomic_fetch_add (&s_hub_ids, 1) + 1;
    self->attempt_ms = attempt_ms;
    pthread_mutex_init (&self->lock, NULL);
    self->pushes = zlist_new ();
    snprintf (self->endpoint, sizeof self->endpoint, "inproc://gateway-hub-%d-%u", getpid (), self->id);
    self->pull = zsock_new (ZMQ_PULL);
    if (self->pull) {
        zsock_set_rcvhwm (self->pull, HUB_HWM);
        if (zsock_bind (self->pull, "%s", self->endpoint) != 0)
            zsock_destroy (&self->pull);
    }
    if (!self->pull || !self->pushes) {
        log_error (NULL, "hub: cannot create the job socket: %s", zmq_strerror (zmq_errno ()));
        hub_destroy (&self);
        return RM_EUNAVAIL;
    }
    *self_p = self;
    return 0;
}

int
hub_add_service (hub_t *self, const char *name, const char *endpoint)
{
    if (strlen (name) >= sizeof self->services[0].name)
        return RM_EINVAL;
    hub_service_t *grown = (hub_service_t *) realloc (self->services,
                                                      (self->nservices + 1) * sizeof *grown);
    if (!grown)
        return RM_ENOMEM;
    self->services = grown;
    hub_service_t *svc = &self->services[self->nservices];
    int rc = rpc_client_new (endpoint, self->attempt_ms, &svc->client);
    if (rc != 0)
        return rc;
    rpc_client_attempt_halves (svc->client);
    snprintf (svc->name, sizeof svc->name, "%s", name);
    self->nservices++;
    return 0;
}

static rpc_client_t *
s_client_for (hub_t *self, const hub_call_t *call)
{
    const char *name = call->service ? call->service : call->op;
    size_t len = strcspn (name, ".");
    for (size_t i = 0; i < self->nservices; i++)
        if (strlen (self->services[i].name) == len && memcmp (self->services[i].name, name, len) == 0)
            return self->services[i].client;
    return NULL;
}

static void
s_call_finished (hub_call_t *call)
{
    hub_job_t *job = call->job;
    if (--job->pending == 0)
        job->done (job);
}

//  The reply lives only during this callback: keep its body packed.
static void
s_on_reply (void *arg, int err, const envelope_t *reply)
{
    hub_call_t *call = (hub_call_t *) arg;
    call->err = err;
    if (err == 0) {
        call->ok = reply->ok;
        msgpack_packer pk;
        msgpack_packer_init (&pk, &call->reply, msgpack_sbuffer_write);
        mp_pack_object (&pk, &reply->body);
    }
    s_call_finished (call);
}

static void
s_dispatch (hub_t *self, hub_job_t *job)
{
    job->pending = job->ncalls;
    for (size_t i = 0; i < job->ncalls; i++) {
        hub_call_t *call = &job->calls[i];
        call->job = job;
        msgpack_sbuffer_init (&call->reply);
        rpc_client_t *client = s_client_for (self, call);
        int rc = client ? rpc_client_send_as (client, call->op, job->cid, job->idem, job->caller,
                                              job->deadline_ms, call->body, call->body_len, s_on_reply, call)
                        : RM_EINTERNAL;
        if (rc != 0) {
            call->err = rc;
            s_call_finished (call);
        }
    }
}

static void
s_drain_jobs (hub_t *self)
{
    void *handle = zsock_resolve (self->pull);
    //  bounded so replies get their turn under a flood of new jobs
    for (int i = 0; i < 1024; i++) {
        hub_job_t *job;
        int n = zmq_recv (handle, &job, sizeof job, ZMQ_DONTWAIT);
        if (n != (int) sizeof job)
            break;
        s_dispatch (self, job);
    }
}

static size_t
s_pending (hub_t *self)
{
    size_t pending = 0;
    for (size_t i = 0; i < self->nservices; i++)
        pending += rpc_client_pending (self->services[i].client);
    return pending;
}

static void
s_actor (zsock_t *pipe, void *arg)
{
    hub_t *self = (hub_t *) arg;
    zsock_signal (pipe, 0);
    bool stopping = false;
    zmq_pollitem_t *items = self->items;
    int64_t *due = self->due;
    while (true) {
        int timeout = -1;
        int64_t now = clock_mono_ms ();
        for (size_t i = 0; i < self->nservices; i++) {
            int t = rpc_client_next_timeout (self->services[i].client);
            due[i] = t < 0 ? INT64_MAX : now + t;
            if (t >= 0 && (timeout < 0 || t < timeout))
                timeout = t;
        }
        //  after $TERM: jobs already handed over still get their answers
        if (stopping && s_pending (self) == 0 && !(zsock_events (self->pull) & ZMQ_POLLIN))
            break;
        items[0] = (zmq_pollitem_t) {zsock_resolve (pipe), 0, ZMQ_POLLIN, 0};
        items[1] = (zmq_pollitem_t) {zsock_resolve (self->pull), 0, ZMQ_POLLIN, 0};
        for (size_t i = 0; i < self->nservices; i++)
            items[2 + i] = (zmq_pollitem_t) {
                zsock_resolve (rpc_client_socket (self->services[i].client)), 0, ZMQ_POLLIN, 0};
        if (stopping && timeout < 0)
            timeout = 10;
        int rc = zmq_poll (items, (int) (2 + self->nservices), timeout);
        if (rc < 0 && zmq_errno () != EINTR) {
            log_error (NULL, "hub: poll failed: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
            char *command = zstr_recv (pipe);
            stopping = stopping || (command && streq (command, "$TERM"));
            zstr_free (&command);
        }
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
            s_drain_jobs (self);
        now = clock_mono_ms ();
        for (size_t i = 0; i < self->nservices; i++) {
            if (rc > 0 && (items[2 + i].revents & ZMQ_POLLIN))
                rpc_client_handle (self->services[i].client);
            if (now >= due[i])
                rpc_client_expire (self->services[i].client);
        }
    }
}

int
hub_start (hub_t *self)
{
    self->items = (zmq_pollitem_t *) calloc (2 + self->nservices, sizeof *self->items);
    self->due = (int64_t *) calloc (self->nservices + 1, sizeof *self->due);
    if (!self->items || !self->due) {
        log_error (NULL, "hub: out of memory");
        return RM_ENOMEM;
    }
    self->actor = zactor_new (s_actor, self);
    if (!self->actor) {
        log_error (NULL, "hub: cannot start the hub thread");
        return RM_EINTERNAL;
    }
    return 0;
}

//  The calling thread's PUSH socket to this hub.
static zsock_t *
s_push (hub_t *self)
{
    if (tl_push && tl_hub_id == self->id)
        return tl_push;
    zsock_t *push = zsock_new (ZMQ_PUSH);
    if (!push)
        return NULL;
    zsock_set_sndhwm (push, HUB_HWM);
    if (zsock_connect (push, "%s", self->endpoint) != 0) {
        zsock_destroy (&push);
        return NULL;
    }
    pthread_mutex_lock (&self->lock);
    int rc = zlist_append (self->pushes, push);
    pthread_mutex_unlock (&self->lock);
    if (rc != 0) {
        zsock_destroy (&push);
        return NULL;
    }
    tl_push = push;
    tl_hub_id = self->id;
    return push;
}

int
hub_submit (hub_t *self, hub_job_t *job)
{
    //  a job without calls would never be done
    if (job->ncalls == 0 || !job->calls)
        return RM_EINVAL;
    zsock_t *push = s_push (self);
    if (!push) {
        log_error (job->cid, "hub: cannot open a job socket: %s", zmq_strerror (zmq_errno ()));
        return RM_EUNAVAIL;
    }
    if (zmq_send (zsock_resolve (push), &job, sizeof job, ZMQ_DONTWAIT) != (int) sizeof job) {
        log_warn (job->cid, "hub: job not queued: %s", zmq_strerror (zmq_errno ()));
        return RM_EUNAVAIL;
    }
    return 0;
}

void
hub_destroy (hub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_t *self = *self_p;
    zactor_destroy (&self->actor);
    if (self->pushes) {
        zsock_t *push;
        while ((push = (zsock_t *) zlist_pop (self->pushes)))
            zsock_destroy (&push);
        zlist_destroy (&self->pushes);
    }
    for (size_t i = 0; i < self->nservices; i++)
        rpc_client_destroy (&self->services[i].client);
    free (self->services);
    free (self->items);
    free (self->due);
    zsock_destroy (&self->pull);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

void
hub_job_clear (hub_job_t *job)
{
    for (size_t i = 0; i < job->ncalls; i++)
        msgpack_sbuffer_destroy (&job->calls[i].reply);
}
