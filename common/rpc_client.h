//  rpc_client — a DEALER-socket client to one service endpoint.
//  Many calls may be in flight at once (pipelined). Each call has a
//  deadline; an idempotent call whose attempt times out is resent (Lazy
//  Pirate: after a silent attempt the socket is closed and reopened, so a
//  restarted peer is reached again). A call never blocks past its deadline.
//  Not thread-safe: one client belongs to one thread.
#ifndef RM_RPC_CLIENT_H
#define RM_RPC_CLIENT_H

#include "envelope.h"
#include <czmq.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rpc_client_t rpc_client_t;

//  Called once per call: err is 0 with the peer's reply (which may itself
//  be an error reply: check reply->ok), or RM_ETIMEOUT/RM_EUNAVAIL with
//  reply NULL. The reply is valid only during the callback.
typedef void (rpc_client_fn) (void *arg, int err, const envelope_t *reply);

//  How a call ended, from err and reply as an rpc_client_fn gets them: 0
//  for an ok reply, the error code the peer answered, RM_ETIMEOUT when it
//  did not answer in time, RM_EUNAVAIL for any other failure.
int rpc_client_answer (int err, const envelope_t *reply);

//  Creates a client connected to endpoint ("tcp://127.0.0.1:7101").
//  attempt_ms is the time after which an unanswered idempotent call is
//  resent on a fresh socket. With CURVE on in the process (keys.h) the
//  socket authenticates with the process's key pair to the server key
//  recorded for endpoint. Returns 0, RM_EINVAL when endpoint is not one
//  ZeroMQ can connect to, RM_ENOTFOUND when CURVE is on and no server key
//  is recorded for endpoint, or RM_ENOMEM; logs nothing (the caller knows
//  which option the endpoint came from).
int rpc_client_new (const char *endpoint, int attempt_ms, rpc_client_t **self_p);

void rpc_client_destroy (rpc_client_t **self_p);

//  From now on a call's first attempt lasts half its time to the deadline
//  when that is longer than attempt_ms: a caller whose deadlines differ by
//  operation (a bulk batch has a minute, a lookup two seconds) resends a
//  long call once at most, not every attempt_ms doubling.
void rpc_client_attempt_halves (rpc_client_t *self);

//  Queues a call. body is packed MessagePack (one map). deadline_ms is an
//  absolute monotonic time (clock_mono_ms). Idempotency decides resends
//  (from the catalogue when the operation is known). Returns 0, or a
//  negative code after which fn is NOT called. Logs nothing: the caller
//  handles a failure, here or in fn, and says what it means.
int rpc_client_send (rpc_client_t *self, const char *op, const char *cid,
                     const char *idem, int64_t deadline_ms,
                     const char *body, size_t body_len,
                     rpc_client_fn *fn, void *arg);

//  As rpc_client_send, with the envelope's caller (who caused the call:
//  the gateway's API key ID; NULL or "" for none).
int rpc_client_send_as (rpc_client_t *self, const char *op, const char *cid,
                        const char *idem, const char *caller, int64_t deadline_ms,
                        const char *body, size_t body_len,
                        rpc_client_fn *fn, void *arg);

//  The socket to poll for input (changes after a reconnect: ask each time).
zsock_t *rpc_client_socket (rpc_client_t *self);

//  Reads every reply that is ready and runs their callbacks.
void rpc_client_handle (rpc_client_t *self);

//  Resends or expires calls whose time has come; runs timeout callbacks.
void rpc_client_expire (rpc_client_t *self);

//  Milliseconds until the next resend or expiry (-1 when nothing is in flight).
int rpc_client_next_timeout (rpc_client_t *self);

//  Number of calls in flight.
size_t rpc_client_pending (rpc_client_t *self);

//  Synchronous call: sends and waits up to timeout_ms for the reply. On 0,
//  *reply_env and *unpacked hold the reply (destroy unpacked after use).
//  Returns RM_ETIMEOUT when the peer did not answer in time.
int rpc_client_call (rpc_client_t *self, const char *op, const char *cid,
                     const char *idem, int timeout_ms,
                     const char *body, size_t body_len,
                     msgpack_unpacked *unpacked, envelope_t *reply_env);

#endif
