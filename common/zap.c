#include "zap.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include <czmq.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct zap_t {
    zhashx_t *domains;               //  domain -> zhashx_t of Z85 public key -> name
    zactor_t *actor;
    zsock_t *handler;                //  bound here, then owned by the actor's thread
    atomic_uint_fast64_t rejected;
    atomic_uint_fast64_t admitted;
};

static void
s_domain_free (void **item)
{
    zhashx_destroy ((zhashx_t **) item);
}

int
zap_new (zap_t **self_p)
{
    zap_t *self = (zap_t *) calloc (1, sizeof *self);
    if (!self || !(self->domains = zhashx_new ())) {
        free (self);
        return RM_ENOMEM;
    }
    zhashx_set_destructor (self->domains, s_domain_free);
    *self_p = self;
    return 0;
}

void
zap_destroy (zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zap_t *self = *self_p;
    zactor_destroy (&self->actor);
    zhashx_destroy (&self->domains);
    free (self);
    *self_p = NULL;
}

int
zap_allow (zap_t *self, const char *domain, const char *keys_dir, const char *name)
{
    if (self->actor)
        return RM_EINVAL;
    char z85[41];
    if (keys_public_of (keys_dir, name, z85) != 0)
        return RM_ENOTFOUND;
    zhashx_t *keys = (zhashx_t *) zhashx_lookup (self->domains, domain);
    if (!keys) {
        if (!(keys = zhashx_new ()))
            return RM_ENOMEM;
        zhashx_set_destructor (keys, (zhashx_destructor_fn *) zstr_free);
        zhashx_set_duplicator (keys, (zhashx_duplicator_fn *) strdup);
        zhashx_insert (self->domains, domain, keys);
    }
    zhashx_update (keys, z85, (void *) name);
    return 0;
}

int
zap_allow_topology (zap_t *self, const topology_t *topo, const char *me, const char *keys_dir)
{
    const char *domains[] = {ZAP_DOMAIN_RPC, ZAP_DOMAIN_PUB};
    for (int d = 0; d < 2; d++) {
        int rc = zap_allow (self, domains[d], keys_dir, KEYS_OPERATOR);
        //  its own key: the health check of its container, which holds
        //  no other (keys_export)
        if (rc == 0 && d == 0)
            rc = zap_allow (self, domains[d], keys_dir, me);
        for (size_t i = 0; rc == 0 && i < topology_count (topo); i++) {
            const topology_row_t *row = topology_row (topo, i);
            bool consumes = topology_lists (row->consumes, me);
            if (consumes || (d == 0 && topology_lists (row->calls, me)))
                rc = zap_allow (self, domains[d], keys_dir, row->name);
            if (rc == RM_ENOTFOUND)
                log_error (NULL, "no public key of %s in %s (run `retailmesh keys init --keys-dir %s`)",
                           row->name, keys_dir, keys_dir);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

//  One ZAP request (RFC 27): version, request id, domain, address,
//  identity, mechanism, credentials; answered 200 with the client's name
//  as user id, or 400.
static void
s_answer (zap_t *self, zsock_t *handler)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *id = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *key = zmsg_pop (request);
    const char *name = NULL;
    if (mechanism && strcmp (mechanism, "CURVE") == 0 && key && zframe_size (key) == 32 && domain) {
        char z85[41];
        zmq_z85_encode (z85, zframe_data (key), 32);
        zhashx_t *keys = (zhashx_t *) zhashx_lookup (self->domains, domain);
        name = keys ? (const char *) zhashx_lookup (keys, z85) : NULL;
    }
    if (name)
        atomic_fetch_add (&self->admitted, 1);
    else {
        //  a refused client reconnects again and again: the count is in
        //  sys.health, the log gets the first and then every 1000th
        uint64_t n = atomic_fetch_add (&self->rejected, 1) + 1;
        if (n % 1000 == 1)
            log_warn (NULL, "refused a %s client from %s on the %s socket: its key is not on the allow-list "
                      "(%llu refused so far)", mechanism ? mechanism : "?", address ? address : "?",
                      domain ? domain : "?", (unsigned long long) n);
    }
    zstr_sendx (handler, version ? version : "1.0", id ? id : "", name ? "200" : "400",
                name ? "OK" : "key not allowed", name ? name : "", "", NULL);
    zframe_destroy (&key);
    zstr_free (&version);
    zstr_free (&id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&identity);
    zstr_free (&mechanism);
    zmsg_destroy (&request);
}

static void
s_actor (zsock_t *pipe, void *arg)
{
    zap_t *self = (zap_t *) arg;
    zsock_t *handler = self->handler;
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    while (poller) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, -1);
        if (which == handler)
            s_answer (self, handler);
        else {
            //  the pipe: $TERM from zactor_destroy, or the context ends
            char *command = which ? zstr_recv (pipe) : NULL;
            bool term = !command || strcmp (command, "$TERM") == 0;
            zstr_free (&command);
            if (term)
                break;
        }
    }
    zpoller_destroy (&poller);
    //  closing frees the endpoint later, on libzmq's reaper thread; an
    //  unbind frees it now, so a ZAP handler started next can bind it
    zsock_unbind (handler, "%s", ZAP_ENDPOINT);
    zsock_destroy (&handler);
}

int
zap_start (zap_t *self)
{
    //  bound before any server socket exists, so no handshake passes unchecked
    self->handler = zsock_new (ZMQ_REP);
    if (!self->handler || zsock_bind (self->handler, ZAP_ENDPOINT) != 0) {
        zsock_destroy (&self->handler);
        return RM_EUNAVAIL;
    }
    self->actor = zactor_new (s_actor, self);
    if (!self->actor) {
        zsock_destroy (&self->handler);
        return RM_ENOMEM;
    }
    return 0;
}

uint64_t zap_rejected (zap_t *self) { return atomic_load (&self->rejected); }
uint64_t zap_admitted (zap_t *self) { return atomic_load (&self->admitted); }
