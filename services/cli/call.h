//  call — one request to a service and its reply, for the commands that ask
//  and report: a single attempt as long as the whole timeout, so that a call
//  that changes something (dlq.retry, consumer.replay) is never sent twice,
//  and every failure described for a person.
#ifndef RM_CLI_CALL_H
#define RM_CLI_CALL_H

#include "config.h"
#include "envelope.h"
#include "mesh.h"
#include "rpc_client.h"
#include <msgpack.h>

typedef struct {
    envelope_t reply;              //  after 0, reply.body is the operation's reply body
    msgpack_unpacked unpacked;     //  holds what reply points into
    char code[32];                 //  the service's error code ("not_found") when it refused
    char error[320];               //  why the call failed: no answer, or "code: message"
} call_t;

//  Sends op with body (one packed MessagePack map; NULL for {}) on client
//  and waits up to timeout_ms. Returns 0 when the service answered ok; when
//  it refused, its code (rm_errcode) with code and error set; when no answer
//  came, RM_ETIMEOUT or another negative code with error set and code "".
//  Call call_release afterwards, whatever the outcome.
int call_on (call_t *self, rpc_client_t *client, const char *op, const msgpack_sbuffer *body,
             int timeout_ms);

//  The same on a client of its own, connected to endpoint for this call.
int call_make (call_t *self, const char *endpoint, const char *op, const msgpack_sbuffer *body,
               int timeout_ms);

void call_release (call_t *self);

//  Asks every service for sys.health; calls[i] is mesh_service (i)'s, for
//  mesh_count () calls. Returns how many answered. Release each call
//  afterwards.
int call_health_all (call_t *calls, config_t *cfg, int timeout_ms);

//  Prints "<prog>: <what>: <error>" on stderr and, when the service did not
//  answer at all, where it was asked and what to check.
void call_complain (const call_t *self, const char *prog, const char *what, const char *endpoint);

#endif
