//  rpc_client: deadlines, resending only idempotent operations, and the
//  Lazy Pirate reconnect, against a ROUTER the test drives by hand.
#include "clock.h"
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "rpc_client.h"
#include <string.h>

static char s_endpoint[64];

typedef struct {
    int calls;
    int err;
    bool ok;
} outcome_t;

static void
s_done (void *arg, int err, const envelope_t *reply)
{
    outcome_t *out = (outcome_t *) arg;
    out->calls++;
    out->err = err;
    out->ok = reply && reply->ok;
}

//  Answers one request read from the server socket (ok reply, empty body).
static void
s_answer (zsock_t *server, zmsg_t *msg)
{
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *data = zmsg_last (msg);
    msgpack_unpacked unpacked;
    envelope_t req, rep;
    proto_error_t perr;
    CHECK_EQ_INT (envelope_decode (zframe_data (data), zframe_size (data), &unpacked, &req, &perr), 0);
    envelope_init_reply (&rep, &req, true);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    static const char empty_map = (char) 0x80;
    CHECK_EQ_INT (envelope_pack_raw (&buf, &rep, &empty_map, 1), 0);
    zmsg_t *out = zmsg_new ();
    zmsg_append (out, &identity);
    zmsg_addmem (out, NULL, 0);
    zmsg_addmem (out, buf.data, buf.size);
    CHECK_EQ_INT (zmsg_send (&out, server), 0);
    msgpack_sbuffer_destroy (&buf);
    msgpack_unpacked_destroy (&unpacked);
}

//  Runs client and server until every outcome is in or ms pass. The server
//  ignores the first `ignore` requests it sees; returns how many it saw.
static int
s_run (rpc_client_t *client, zsock_t *server, int ignore, int ms, outcome_t *outs, int n)
{
    int seen = 0;
    for (int64_t until = clock_mono_ms () + ms; clock_mono_ms () < until;) {
        int done = 0;
        for (int i = 0; i < n; i++)
            done += outs[i].calls > 0;
        if (done == n)
            break;
        zmq_pollitem_t items[2] = {{zsock_resolve (rpc_client_socket (client)), 0, ZMQ_POLLIN, 0},
                                   {server ? zsock_resolve (server) : NULL, 0, ZMQ_POLLIN, 0}};
        zmq_poll (items, server ? 2 : 1, 10);
        while (server && (zsock_events (server) & ZMQ_POLLIN)) {
            zmsg_t *msg = zmsg_recv (server);
            if (!msg)
                break;
            if (seen++ >= ignore)
                s_answer (server, msg);
            zmsg_destroy (&msg);
        }
        rpc_client_handle (client);
        rpc_client_expire (client);
    }
    return seen;
}

static const char s_body[] = {(char) 0x80};

//  Each test gets its own port: a ROUTER just destroyed may still hold its
//  listening socket for a moment.
static void
s_new_endpoint (void)
{
    snprintf (s_endpoint, sizeof s_endpoint, "tcp://127.0.0.1:%d", harness_free_port ());
}

static zsock_t *
s_server (void)
{
    zsock_t *server = zsock_new (ZMQ_ROUTER);
    zsock_set_linger (server, 0);
    CHECK (zsock_bind (server, "%s", s_endpoint) >= 0);
    return server;
}

static void
test_idempotent_resent (void)
{
    s_new_endpoint ();
    zsock_t *server = s_server ();
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (s_endpoint, 200, &client), 0);
    outcome_t out = {0};
    CHECK_EQ_INT (rpc_client_send (client, "sys.health", "t1", NULL, clock_mono_ms () + 3000, s_body, 1, s_done, &out), 0);
    //  the first copy is dropped: the silent peer gets a resend on a fresh socket
    int seen = s_run (client, server, 1, 3000, &out, 1);
    CHECK_EQ_INT (out.calls, 1);
    CHECK_EQ_INT (out.err, 0);
    CHECK (out.ok);
    CHECK_EQ_INT (seen, 2);
    rpc_client_destroy (&client);
    zsock_destroy (&server);
}

//  With attempts halving the deadline, a two-second call is resent once,
//  after a second, not every attempt_ms.
static void
test_attempt_halves_the_deadline (void)
{
    s_new_endpoint ();
    zsock_t *server = s_server ();
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (s_endpoint, 100, &client), 0);
    rpc_client_attempt_halves (client);
    outcome_t out = {0};
    int64_t started = clock_mono_ms ();
    CHECK_EQ_INT (rpc_client_send (client, "sys.health", "t5", NULL, started + 2000, s_body, 1, s_done, &out), 0);
    int seen = s_run (client, server, 1, 3000, &out, 1);
    CHECK_EQ_INT (out.calls, 1);
    CHECK_EQ_INT (out.err, 0);
    CHECK_EQ_INT (seen, 2);
    CHECK (clock_mono_ms () - started >= 1000);
    rpc_client_destroy (&client);
    zsock_destroy (&server);
}

static void
test_not_idempotent_not_resent (void)
{
    s_new_endpoint ();
    zsock_t *server = s_server ();
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (s_endpoint, 100, &client), 0);
    outcome_t out = {0};
    //  not in the catalogue, so not known to be safe to resend
    int64_t started = clock_mono_ms ();
    CHECK_EQ_INT (rpc_client_send (client, "test.unsafe", "t2", NULL, clock_mono_ms () + 600, s_body, 1, s_done, &out), 0);
    int seen = s_run (client, server, 1, 3000, &out, 1);
    CHECK_EQ_INT (out.err, RM_ETIMEOUT);
    CHECK_EQ_INT (seen, 1);
    //  never past its deadline
    CHECK (clock_mono_ms () - started < 1000);
    rpc_client_destroy (&client);
    zsock_destroy (&server);
}

//  Calls made while the peer is down are answered once it comes back.
static void
test_peer_comes_back (void)
{
    s_new_endpoint ();
    enum { N = 20 };
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (s_endpoint, 100, &client), 0);
    outcome_t outs[N] = {{0}};
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT (rpc_client_send (client, "sys.health", "t3", NULL, clock_mono_ms () + 5000, s_body, 1, s_done,
                                       &outs[i]), 0);
    s_run (client, NULL, 0, 300, outs, N);
    CHECK_EQ_INT (rpc_client_pending (client), N);
    zsock_t *server = s_server ();
    s_run (client, server, 0, 5000, outs, N);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT (outs[i].calls, 1);
        CHECK_EQ_INT (outs[i].err, 0);
    }
    rpc_client_destroy (&client);
    zsock_destroy (&server);
}

static void
test_sync_call_deadline (void)
{
    s_new_endpoint ();
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new (s_endpoint, 100, &client), 0);
    msgpack_unpacked unpacked;
    envelope_t reply;
    int64_t started = clock_mono_ms ();
    CHECK_EQ_INT (rpc_client_call (client, "sys.health", "t4", NULL, 400, s_body, 1, &unpacked, &reply), RM_ETIMEOUT);
    int64_t took = clock_mono_ms () - started;
    CHECK (took >= 390 && took < 1500);
    CHECK_EQ_INT (rpc_client_pending (client), 0);
    rpc_client_destroy (&client);
}

//  Not an endpoint: an error code, and no client.
static void
test_bad_endpoint (void)
{
    rpc_client_t *client = NULL;
    CHECK_EQ_INT (rpc_client_new ("not an endpoint", 100, &client), RM_EINVAL);
    CHECK (client == NULL);
    CHECK_EQ_INT (rpc_client_new (NULL, 100, &client), RM_EINVAL);
    CHECK (client == NULL);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_bad_endpoint ();
    test_idempotent_resent ();
    test_attempt_halves_the_deadline ();
    test_not_idempotent_not_resent ();
    test_peer_comes_back ();
    test_sync_call_deadline ();
    return harness_report (argv[0]);
}
