//  hub — the gateway's ZeroMQ side. One thread owns a pipelined
//  rpc_client per service and runs the calls that HTTP threads hand it,
//  so no HTTP thread ever waits on a service. A job (one or more calls
//  with one deadline) travels from an HTTP thread to the hub as a pointer
//  over inproc PUSH/PULL; each submitting thread gets its own PUSH socket.
//  When every call of the job has its answer (or its deadline passed),
//  the hub runs the job's done callback on the hub thread.
#ifndef RM_GW_HUB_H
#define RM_GW_HUB_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hub_t hub_t;
typedef struct hub_job_t hub_job_t;

typedef struct {
    const char *op;               //  catalogue operation
    const char *service;          //  service to ask; NULL: the op's prefix ("orders.get": "orders")
    const char *body;             //  packed request body, owned by the submitter
    size_t body_len;
    //  results, written by the hub thread before done runs
    int err;                      //  0: a reply arrived (see ok); else RM_ETIMEOUT, RM_EUNAVAIL...
    bool ok;                      //  the reply's ok flag
    msgpack_sbuffer reply;        //  the reply body, packed; the submitter destroys it
    hub_job_t *job;
} hub_call_t;

//  Runs on the hub thread once every call of the job has its result.
typedef void (hub_done_fn) (hub_job_t *job);

struct hub_job_t {
    const char *cid;              //  correlation ID for every call
    const char *idem;             //  idempotency key or NULL
    const char *caller;           //  the API key's caller ID or NULL, for every call
    int64_t deadline_ms;          //  absolute, clock_mono_ms
    hub_call_t *calls;            //  ncalls of them, owned by the submitter
    size_t ncalls;
    size_t pending;               //  the hub's count of unanswered calls
    hub_done_fn *done;
    void *arg;                    //  the submitter's
};

//  Creates a hub whose clients resend an unanswered idempotent call after
//  attempt_ms. Returns 0, RM_EUNAVAIL after logging when zmq fails, or
//  RM_ENOMEM.
int hub_new (int attempt_ms, hub_t **self_p);

//  Adds a service by name ("orders") and endpoint; before hub_start.
//  Returns 0, RM_EINVAL (not an endpoint, or a name of 32 characters or
//  more) or RM_ENOMEM; logs nothing (the caller names the option).
int hub_add_service (hub_t *self, const char *name, const char *endpoint);

//  Starts the hub thread.
int hub_start (hub_t *self);

//  Hands a job to the hub; callable from any thread. Returns 0 (done will
//  run), RM_EINVAL when it has no calls, or RM_EUNAVAIL when the hub
//  cannot take it (done will not run either way).
int hub_submit (hub_t *self, hub_job_t *job);

//  Lets calls in flight finish (each has a deadline), stops the thread and
//  closes every socket. Call only after all submitting threads have stopped.
void hub_destroy (hub_t **self_p);

//  Releases the results of a job's calls (not the calls array itself).
void hub_job_clear (hub_job_t *job);

#endif
