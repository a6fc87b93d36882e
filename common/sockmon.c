#include "sockmon.h"
#include "err.h"
#include "log.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    zsock_t *pair;                  //  receives the monitor's events
    char label[16];
} watch_t;

struct sockmon_t {
    watch_t watches[SOCKMON_MAX];
    int nwatches;
    zactor_t *actor;
    atomic_uint_fast64_t refused;
    atomic_uint_fast64_t disconnected;   //  every disconnect, failed handshakes included
    uint64_t unlogged;              //  failures other than the ZAP check's (the thread's own)
};

int
sockmon_new (sockmon_t **self_p)
{
    sockmon_t *self = (sockmon_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    *self_p = self;
    return 0;
}

void
sockmon_destroy (sockmon_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sockmon_t *self = *self_p;
    zactor_destroy (&self->actor);
    for (int i = 0; i < self->nwatches; i++)
        zsock_destroy (&self->watches[i].pair);
    free (self);
    *self_p = NULL;
}

int
sockmon_watch (sockmon_t *self, zsock_t *sock, const char *label)
{
    if (self->actor || self->nwatches == SOCKMON_MAX)
        return RM_EINVAL;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://sockmon-%p-%d", (void *) self, self->nwatches);
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                 | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor (zsock_resolve (sock), endpoint, events) != 0)
        return RM_EUNAVAIL;
    watch_t *watch = &self->watches[self->nwatches];
    //  the monitor drops events while nothing is connected: connect now
    watch->pair = zsock_new_pair (endpoint);
    if (!watch->pair) {
        zmq_socket_monitor (zsock_resolve (sock), NULL, 0);
        return RM_ENOMEM;
    }
    snprintf (watch->label, sizeof watch->label, "%s", label);
    self->nwatches++;
    return 0;
}

static const char *
s_reason (uint16_t event, uint32_t value, char *buf, size_t size)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        snprintf (buf, size, "authentication refused (ZAP status %u)", (unsigned) value);
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        snprintf (buf, size, "the client offered another security mechanism (no CURVE key?)");
    else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        snprintf (buf, size, "protocol error 0x%x", (unsigned) value);
    else
        snprintf (buf, size, "the connection ended during the handshake (%s; a client without the "
                  "server's mechanism, or not ZeroMQ)", value ? strerror ((int) value) : "no detail");
    return buf;
}

//  One event: a frame with the event number and its value, then one with
//  the endpoint.
static void
s_event (sockmon_t *self, watch_t *watch)
{
    zframe_t *head = zframe_recv (watch->pair);
    char *endpoint = head && zsock_rcvmore (watch->pair) ? zstr_recv (watch->pair) : NULL;
    if (head && zframe_size (head) >= 6) {
        uint16_t event;
        uint32_t value;
        memcpy (&event, zframe_data (head), sizeof event);
        memcpy (&value, zframe_data (head) + 2, sizeof value);
        if (event == ZMQ_EVENT_DISCONNECTED)
            atomic_fetch_add (&self->disconnected, 1);
        else
            atomic_fetch_add (&self->refused, 1);
        //  a refused client retries for ever: the count is in sys.health,
        //  the log gets the first and every 1000th (the ZAP handler logs
        //  its own refusals)
        char reason[160];
        if (event != ZMQ_EVENT_DISCONNECTED && event != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            && ++self->unlogged % 1000 == 1)
            log_warn (NULL, "refused a handshake on the %s socket %s: %s (%llu such so far)", watch->label,
                      endpoint ? endpoint : "?", s_reason (event, value, reason, sizeof reason),
                      (unsigned long long) self->unlogged);
    }
    zstr_free (&endpoint);
    zframe_destroy (&head);
}

static void
s_actor (zsock_t *pipe, void *arg)
{
    sockmon_t *self = (sockmon_t *) arg;
    zpoller_t *poller = zpoller_new (pipe, NULL);
    for (int i = 0; poller && i < self->nwatches; i++)
        zpoller_add (poller, self->watches[i].pair);
    zsock_signal (pipe, 0);
    while (poller) {
        void *which = zpoller_wait (poller, -1);
        if (!which || which == pipe) {
            //  $TERM from zactor_destroy, or the context ends
            char *command = which ? zstr_recv (pipe) : NULL;
            bool term = !command || strcmp (command, "$TERM") == 0;
            zstr_free (&command);
            if (term)
                break;
            continue;
        }
        for (int i = 0; i < self->nwatches; i++)
            if (which == self->watches[i].pair)
                s_event (self, &self->watches[i]);
    }
    zpoller_destroy (&poller);
}

int
sockmon_start (sockmon_t *self)
{
    self->actor = zactor_new (s_actor, self);
    return self->actor ? 0 : RM_ENOMEM;
}

uint64_t sockmon_refused (sockmon_t *self) { return atomic_load (&self->refused); }

uint64_t
sockmon_disconnects (sockmon_t *self)
{
    //  a failed handshake counts in refused before its disconnect counts
    //  here, so reading this first never counts its disconnect as one
    //  after a handshake
    uint64_t disconnected = atomic_load (&self->disconnected);
    uint64_t refused = atomic_load (&self->refused);
    return disconnected > refused ? disconnected - refused : 0;
}
