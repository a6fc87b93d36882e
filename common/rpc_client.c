#include "rpc_client.h"
#include "catalog.h"
#include "clock.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "mp.h"
#include "text.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

//  Outgoing messages wait in the pipe while the peer restarts; the attempt
//  timer, not the high-water mark, decides when they are given up.
#define RPC_SNDHWM 100000

typedef struct call_t call_t;
struct call_t {
    char id[ENVELOPE_ID_MAX];
    char cid[ENVELOPE_CID_MAX];
    char op[ENVELOPE_TYPE_MAX];
    bool idempotent;
    int64_t deadline;             //  monotonic ms: the caller gives up here
    int64_t attempt_end;          //  monotonic ms: this attempt is over
    int64_t sent_at;              //  monotonic ms of the last send
    int attempt_ms;               //  doubles with each resend, so a slow peer gets time to answer
    char *frame;                  //  packed envelope, kept for resends
    size_t frame_len;
    rpc_client_fn *fn;
    void *arg;
};

struct rpc_client_t {
    char endpoint[256];
    zsock_t *sock;
    int attempt_ms;
    bool halves;                  //  a call's first attempt is half its time to the deadline
    zhashx_t *calls;              //  message id -> call_t
    int64_t last_heard;           //  monotonic ms of the last reply (0: never heard from)
    unsigned reconnects;
};

static void
s_call_free (call_t *call)
{
    free (call->frame);
    free (call);
}

static int
s_socket_new (const char *endpoint, zsock_t **sock_p)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return RM_ENOMEM;
    zsock_set_linger (sock, 0);
    zsock_set_sndhwm (sock, RPC_SNDHWM);
    zsock_set_rcvhwm (sock, RPC_SNDHWM);
    int rc = keys_client (sock, endpoint);
    if (rc != 0) {
        zsock_destroy (&sock);
        return rc;
    }
    if (zsock_connect (sock, "%s", endpoint) != 0) {
        zsock_destroy (&sock);
        return RM_EINVAL;
    }
    *sock_p = sock;
    return 0;
}

int
rpc_client_new (const char *endpoint, int attempt_ms, rpc_client_t **self_p)
{
    rpc_client_t *self = (rpc_client_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint ? endpoint : "");
    self->attempt_ms = attempt_ms > 0 ? attempt_ms : 1000;
    self->calls = zhashx_new ();
    int rc = self->calls ? s_socket_new (self->endpoint, &self->sock) : RM_ENOMEM;
    if (rc != 0) {
        rpc_client_destroy (&self);
        return rc;
    }
    *self_p = self;
    return 0;
}

void
rpc_client_attempt_halves (rpc_client_t *self)
{
    self->halves = true;
}

void
rpc_client_destroy (rpc_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rpc_client_t *self = *self_p;
    if (self->calls) {
        for (call_t *call = (call_t *) zhashx_first (self->calls); call; call = (call_t *) zhashx_next (self->calls))
            s_call_free (call);
        zhashx_destroy (&self->calls);
    }
    zsock_destroy (&self->sock);
    free (self);
    *self_p = NULL;
}

static int
s_transmit (rpc_client_t *self, call_t *call)
{
    zmq_msg_t parts[2];
    zmq_msg_init (&parts[0]);
    if (zmq_msg_init_size (&parts[1], call->frame_len) != 0)
        return RM_ENOMEM;
    memcpy (zmq_msg_data (&parts[1]), call->frame, call->frame_len);
    void *handle = zsock_resolve (self->sock);
    if (zmq_msg_send (&parts[0], handle, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&parts[0]);
        zmq_msg_close (&parts[1]);
        return RM_EUNAVAIL;
    }
    if (zmq_msg_send (&parts[1], handle, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&parts[1]);
        return RM_EUNAVAIL;
    }
    call->sent_at = clock_mono_ms ();
    if (call->attempt_ms)
        call->attempt_ms *= 2;
    else {
        call->attempt_ms = self->attempt_ms;
        int64_t half = (call->deadline - call->sent_at) / 2;
        if (self->halves && half > call->attempt_ms)
            call->attempt_ms = half > INT_MAX ? INT_MAX : (int) half;
    }
    call->attempt_end = call->sent_at + call->attempt_ms;
    if (call->attempt_end > call->deadline)
        call->attempt_end = call->deadline;
    return 0;
}

int
rpc_client_send (rpc_client_t *self, const char *op, const char *cid,
                 const char *idem, int64_t deadline_ms,
                 const char *body, size_t body_len,
                 rpc_client_fn *fn, void *arg)
{
    return rpc_client_send_as (self, op, cid, idem, NULL, deadline_ms, body, body_len, fn, arg);
}

int
rpc_client_send_as (rpc_client_t *self, const char *op, const char *cid,
                    const char *idem, const char *caller, int64_t deadline_ms,
                    const char *body, size_t body_len,
                    rpc_client_fn *fn, void *arg)
{
    int64_t now = clock_mono_ms ();
    if (deadline_ms <= now)
        return RM_ETIMEOUT;
    envelope_t env;
    envelope_init_request (&env, op, cid, idem, clock_now_ms () + (deadline_ms - now));
    text_copy (env.caller, sizeof env.caller, caller);
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    if (envelope_pack_raw (&sbuf, &env, body, body_len) != 0) {
        msgpack_sbuffer_destroy (&sbuf);
        return RM_EINVAL;
    }
    call_t *call = (call_t *) calloc (1, sizeof *call);
    if (!call) {
        msgpack_sbuffer_destroy (&sbuf);
        return RM_ENOMEM;
    }
    text_copy (call->id, sizeof call->id, env.id);
    text_copy (call->cid, sizeof call->cid, env.cid);
    text_copy (call->op, sizeof call->op, op);
    const msg_spec_t *spec = catalog_find (op);
    call->idempotent = spec && spec->idempotent;
    call->deadline = deadline_ms;
    call->frame = sbuf.data;
    call->frame_len = sbuf.size;
    call->fn = fn;
    call->arg = arg;
    int rc = s_transmit (self, call);
    if (rc != 0) {
        s_call_free (call);
        return rc;
    }
    zhashx_insert (self->calls, call->id, call);
    return 0;
}

zsock_t *
rpc_client_socket (rpc_client_t *self)
{
    return self->sock;
}

size_t
rpc_client_pending (rpc_client_t *self)
{
    return zhashx_size (self->calls);
}

//  Runs the callback, then forgets the call. The callback may send new
//  calls, so the call is detached from the table first.
static void
s_finish (rpc_client_t *self, call_t *call, int err, const envelope_t *reply)
{
    zhashx_delete (self->calls, call->id);
    call->fn (call->arg, err, reply);
    s_call_free (call);
}

static void
s_receive_one (rpc_client_t *self, zmsg_t *msg)
{
    zframe_t *frame = zmsg_first (msg);
    if (frame && zframe_size (frame) == 0)
        frame = zmsg_next (msg);
    if (!frame)
        return;
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t perr;
    if (envelope_decode (zframe_data (frame), zframe_size (frame), &unpacked, &env, &perr) != 0) {
        log_warn (NULL, "rpc client: undecodable reply from %s: %s %s", self->endpoint,
                  perr.field, perr.message);
        return;
    }
    call_t *call = env.kind == ENVELOPE_REPLY ? (call_t *) zhashx_lookup (self->calls, env.reply_to) : NULL;
    if (call)
        s_finish (self, call, 0, &env);
    else
        log_debug (env.cid, "rpc client: late or unknown reply %s from %s", env.reply_to, self->endpoint);
    msgpack_unpacked_destroy (&unpacked);
}

void
rpc_client_handle (rpc_client_t *self)
{
    //  bounded so one busy peer cannot starve the caller's other sockets
    for (int i = 0; i < 4096; i++) {
        if (!(zsock_events (self->sock) & ZMQ_POLLIN))
            break;
        zmsg_t *msg = zmsg_recv_nowait (self->sock);
        if (!msg)
            break;
        self->last_heard = clock_mono_ms ();
        s_receive_one (self, msg);
        zmsg_destroy (&msg);
    }
}

//  Lazy Pirate: a peer that stayed silent for a whole attempt is presumed
//  gone; a fresh socket drops whatever sat in the old pipe and reconnects.
static bool
s_reconnect (rpc_client_t *self)
{
    zsock_t *fresh = NULL;
    int rc = s_socket_new (self->endpoint, &fresh);
    if (rc != 0) {
        log_warn (NULL, "rpc client: cannot reconnect to %s: %s; keeping the old socket", self->endpoint,
                  rm_strerror (rc));
        return false;
    }
    zsock_destroy (&self->sock);
    self->sock = fresh;
    self->reconnects++;
    log_info (NULL, "rpc client: %s silent for %d ms, reconnected", self->endpoint, self->attempt_ms);
    return true;
}

void
rpc_client_expire (rpc_client_t *self)
{
    int64_t now = clock_mono_ms ();
    bool any_due = false, peer_silent = false;
    for (call_t *call = (call_t *) zhashx_first (self->calls); call;
         call = (call_t *) zhashx_next (self->calls)) {
        if (call->deadline <= now || call->attempt_end <= now) {
            any_due = true;
            if (call->deadline > now && self->last_heard < call->sent_at)
                peer_silent = true;
        }
    }
    if (!any_due)
        return;
    //  after a reconnect every reply owed on the old socket is lost, so
    //  every idempotent call is sent again, not only the ones now due
    bool reconnected = peer_silent && s_reconnect (self);
    zlistx_t *todo = zlistx_new ();
    if (!todo)
        return;
    for (call_t *call = (call_t *) zhashx_first (self->calls); call;
         call = (call_t *) zhashx_next (self->calls))
        if (reconnected || call->deadline <= now || call->attempt_end <= now)
            zlistx_add_end (todo, call);
    for (call_t *call = (call_t *) zlistx_first (todo); call; call = (call_t *) zlistx_next (todo)) {
        if (call->deadline <= now)
            s_finish (self, call, RM_ETIMEOUT, NULL);
        else if (call->idempotent && (reconnected || peer_silent)) {
            if (s_transmit (self, call) != 0)
                call->attempt_end = now + self->attempt_ms;
        }
        else if (call->attempt_end <= now)
            //  the peer is alive but slow: wait for this answer until the deadline
            call->attempt_end = call->deadline;
    }
    zlistx_destroy (&todo);
}

int
rpc_client_next_timeout (rpc_client_t *self)
{
    if (zhashx_size (self->calls) == 0)
        return -1;
    int64_t now = clock_mono_ms ();
    int64_t next = INT64_MAX;
    for (call_t *call = (call_t *) zhashx_first (self->calls); call;
         call = (call_t *) zhashx_next (self->calls)) {
        int64_t t = call->attempt_end < call->deadline ? call->attempt_end : call->deadline;
        if (t < next)
            next = t;
    }
    return next <= now ? 0 : (int) (next - now);
}

typedef struct {
    bool done;
    int err;
    msgpack_unpacked *unpacked;
    envelope_t *env;
    msgpack_sbuffer copy;
} sync_call_t;

//  The reply lives only during the callback: keep a copy of its bytes and
//  decode it again for the caller.
static void
s_sync_done (void *arg, int err, const envelope_t *reply)
{
    sync_call_t *sc = (sync_call_t *) arg;
    sc->done = true;
    sc->err = err;
    if (err == 0) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &sc->copy, msgpack_sbuffer_write);
        envelope_pack_header (&pk, reply);
        mp_pack_object (&pk, &reply->body);
    }
}

int
rpc_client_call (rpc_client_t *self, const char *op, const char *cid,
                 const char *idem, int timeout_ms,
                 const char *body, size_t body_len,
                 msgpack_unpacked *unpacked, envelope_t *reply_env)
{
    sync_call_t sc = {.unpacked = unpacked, .env = reply_env};
    msgpack_sbuffer_init (&sc.copy);
    int64_t deadline = clock_mono_ms () + timeout_ms;
    int rc = rpc_client_send (self, op, cid, idem, deadline, body, body_len, s_sync_done, &sc);
    while (rc == 0 && !sc.done) {
        int wait = rpc_client_next_timeout (self);
        zmq_pollitem_t item = {zsock_resolve (self->sock), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, wait < 0 ? 100 : wait) < 0 && zmq_errno () != EINTR) {
            rc = RM_EINTERNAL;
            break;
        }
        rpc_client_handle (self);
        rpc_client_expire (self);
    }
    if (rc == 0)
        rc = sc.err;
    if (rc == 0) {
        proto_error_t perr;
        rc = envelope_decode (sc.copy.data, sc.copy.size, unpacked, reply_env, &perr);
        //  decoded strings point into the copy: the zone frees it with them
        if (rc == 0 && !msgpack_zone_push_finalizer (unpacked->zone, free, sc.copy.data)) {
            msgpack_unpacked_destroy (unpacked);
            rc = RM_ENOMEM;
        }
        else if (rc == 0)
            msgpack_sbuffer_release (&sc.copy);
    }
    msgpack_sbuffer_destroy (&sc.copy);
    return rc;
}

int
rpc_client_answer (int err, const envelope_t *reply)
{
    if (err != 0)
        return err == RM_ETIMEOUT ? RM_ETIMEOUT : RM_EUNAVAIL;
    if (reply->ok)
        return 0;
    char code[32] = "";
    mp_get_str (&reply->body, "code", code, sizeof code);
    return rm_errcode (code);
}
