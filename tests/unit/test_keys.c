//  The mesh's CURVE keys (keys.h) and the ZAP handler's allow-lists
//  (zap.h): keys init makes one pair per row and the operator, secret files
//  0600, and keeps what exists; a process without the key pair or without
//  a server's public key refuses to make the socket; a server admits
//  exactly the keys its topology row implies, and counts the others.
#include "err.h"
#include "harness.h"
#include "keys.h"
#include "topology.h"
#include "zap.h"
#include <czmq.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[PATH_MAX];

static void
test_init (const topology_t *topo)
{
    int made = -1;
    CHECK_EQ_INT (keys_init (s_dir, topo, &made), 0);
    CHECK_EQ_INT (made, (int) topology_count (topo) + 1);
    char path[PATH_MAX + 64];
    struct stat st;
    const char *names[] = {KEYS_OPERATOR, "pricing", "inventory", "orders", "gateway"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf (path, sizeof path, "%s/%s.cert_secret", s_dir, names[i]);
        CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
        snprintf (path, sizeof path, "%s/%s.cert", s_dir, names[i]);
        CHECK (stat (path, &st) == 0);
    }
    char before[41] = "", after[41] = "";
    CHECK_EQ_INT (keys_public_of (s_dir, "pricing", before), 0);
    CHECK_EQ_INT (keys_init (s_dir, topo, &made), 0);
    CHECK_EQ_INT (made, 0);
    CHECK_EQ_INT (keys_public_of (s_dir, "pricing", after), 0);
    CHECK_STR (after, before);
    CHECK_EQ_INT (keys_public_of (s_dir, "nosuch", after), RM_ENOTFOUND);
}

static void
test_identity (void)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    //  no identity: sockets stay plain
    CHECK (!keys_on ());
    CHECK_EQ_INT (keys_client (sock, "tcp://127.0.0.1:1"), 0);
    CHECK_EQ_INT (keys_use (s_dir, "nosuch"), RM_ENOTFOUND);
    CHECK_EQ_INT (keys_use (s_dir, "../pricing"), RM_ENOTFOUND);
    CHECK (!keys_on ());
    CHECK_EQ_INT (keys_use (s_dir, "orders"), 0);
    CHECK (keys_on ());
    char z85[41];
    CHECK_EQ_INT (keys_public_of (s_dir, "orders", z85), 0);
    CHECK_STR (keys_public (), z85);
    CHECK_EQ_INT (keys_add_peer ("tcp://127.0.0.1:2", "nosuch"), RM_ENOTFOUND);
    CHECK_EQ_INT (keys_client (sock, "tcp://127.0.0.1:2"), RM_ENOTFOUND);
    CHECK_EQ_INT (keys_add_peer ("tcp://127.0.0.1:2", "pricing"), 0);
    CHECK_EQ_INT (keys_client (sock, "tcp://127.0.0.1:2"), 0);
    char *server = zsock_curve_serverkey (sock);
    CHECK_EQ_INT (keys_public_of (s_dir, "pricing", z85), 0);
    CHECK_STR (server, z85);
    zstr_free (&server);
    keys_reset ();
    CHECK (!keys_on ());
    zsock_destroy (&sock);
}

//  Whether a client holding name's key pair gets a message through to the
//  server socket of the service `server` (ROUTER or PUB) within ms.
static bool
s_admitted (const char *server, int type, const char *name, int ms)
{
    zsock_t *srv = zsock_new (type);
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.cert", s_dir, server);
    zcert_t *cert = zcert_load (path);
    zcert_apply (cert, zsock_resolve (srv));
    zcert_destroy (&cert);
    zsock_set_curve_server (srv, 1);
    zsock_set_zap_domain (srv, type == ZMQ_ROUTER ? ZAP_DOMAIN_RPC : ZAP_DOMAIN_PUB);
    int port = zsock_bind (srv, "tcp://127.0.0.1:*");
    zsock_t *cli = zsock_new (type == ZMQ_ROUTER ? ZMQ_DEALER : ZMQ_SUB);
    snprintf (path, sizeof path, "%s/%s.cert", s_dir, name);
    cert = zcert_load (path);
    zcert_apply (cert, zsock_resolve (cli));
    zcert_destroy (&cert);
    char z85[41];
    keys_public_of (s_dir, server, z85);
    zsock_set_curve_serverkey (cli, z85);
    if (type == ZMQ_PUB)
        zsock_set_subscribe (cli, "");
    zsock_connect (cli, "tcp://127.0.0.1:%d", port);
    zsock_t *sender = type == ZMQ_ROUTER ? cli : srv, *receiver = type == ZMQ_ROUTER ? srv : cli;
    //  a DEALER with no admitted connection would block on send
    zsock_set_sndtimeo (sender, 0);
    zpoller_t *poller = zpoller_new (receiver, NULL);
    bool heard = false;
    //  a PUB drops what it sends before the subscription arrives: send again
    for (int64_t until = zclock_mono () + ms; !heard && zclock_mono () < until;) {
        zstr_send (sender, "hello");
        heard = zpoller_wait (poller, 50) != NULL;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&cli);
    zsock_destroy (&srv);
    return heard;
}

static void
test_allow_lists (const topology_t *topo)
{
    zap_t *zap = NULL;
    CHECK_EQ_INT (zap_new (&zap), 0);
    CHECK_EQ_INT (zap_allow_topology (zap, topo, "pricing", s_dir), 0);
    CHECK_EQ_INT (zap_start (zap), 0);
    CHECK_EQ_INT (zap_allow (zap, ZAP_DOMAIN_RPC, s_dir, "inventory"), RM_EINVAL);
    //  pricing is called by orders and the gateway; nobody consumes it
    CHECK (s_admitted ("pricing", ZMQ_ROUTER, "orders", 5000));
    CHECK (s_admitted ("pricing", ZMQ_ROUTER, "gateway", 5000));
    CHECK (s_admitted ("pricing", ZMQ_ROUTER, KEYS_OPERATOR, 5000));
    CHECK (s_admitted ("pricing", ZMQ_PUB, KEYS_OPERATOR, 5000));
    //  and itself on its request socket: its container's health check
    CHECK (s_admitted ("pricing", ZMQ_ROUTER, "pricing", 5000));
    uint64_t rejected = zap_rejected (zap);
    CHECK (!s_admitted ("pricing", ZMQ_ROUTER, "inventory", 1000));
    CHECK (!s_admitted ("pricing", ZMQ_PUB, "orders", 1000));
    CHECK (zap_rejected (zap) >= rejected + 2);
    CHECK (zap_admitted (zap) >= 4);
    zap_destroy (&zap);

    //  orders' events go to inventory, which also asks it for missed ones
    CHECK_EQ_INT (zap_new (&zap), 0);
    CHECK_EQ_INT (zap_allow_topology (zap, topo, "orders", s_dir), 0);
    CHECK_EQ_INT (zap_start (zap), 0);
    CHECK (s_admitted ("orders", ZMQ_PUB, "inventory", 5000));
    CHECK (s_admitted ("orders", ZMQ_ROUTER, "inventory", 5000));
    CHECK (s_admitted ("orders", ZMQ_ROUTER, "gateway", 5000));
    CHECK (!s_admitted ("orders", ZMQ_PUB, "gateway", 1000));
    CHECK (!s_admitted ("orders", ZMQ_ROUTER, "pricing", 1000));
    zap_destroy (&zap);
}

//  The keys of one directory per service: each holds its own pair, the
//  public keys of its peers, of its callers and consumers and of the
//  operator, and no other secret.
static void
test_export (const topology_t *topo)
{
    char out[PATH_MAX + 16];
    snprintf (out, sizeof out, "%s-orders", s_dir);
    CHECK_EQ_INT (keys_export (s_dir, topo, "orders", out), 0);
    //  orders calls pricing and inventory; inventory and the gateway call it
    static const char *const public[] = {"orders", "pricing", "inventory", "gateway", KEYS_OPERATOR};
    for (size_t i = 0; i < sizeof public / sizeof *public; i++) {
        char a[41], b[41];
        CHECK_EQ_INT (keys_public_of (out, public[i], a), 0);
        CHECK_EQ_INT (keys_public_of (s_dir, public[i], b), 0);
        CHECK_STR (a, b);
    }
    char path[PATH_MAX + 64];
    static const char *const not_secret[] = {"pricing", "inventory", "gateway", KEYS_OPERATOR};
    for (size_t i = 0; i < sizeof not_secret / sizeof *not_secret; i++) {
        snprintf (path, sizeof path, "%s/%s.cert_secret", out, not_secret[i]);
        CHECK (access (path, F_OK) != 0);
    }
    struct stat st;
    snprintf (path, sizeof path, "%s/orders.cert_secret", out);
    CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK (stat (out, &st) == 0 && (st.st_mode & 0777) == 0700);
    //  the exported pair is the process's identity
    CHECK_EQ_INT (keys_use (out, "orders"), 0);
    char mine[41];
    CHECK_EQ_INT (keys_public_of (s_dir, "orders", mine), 0);
    CHECK_STR (keys_public (), mine);
    keys_reset ();
    CHECK_EQ_INT (keys_use (out, "pricing"), RM_ENOTFOUND);
    //  pricing is called by orders and the gateway only
    snprintf (out, sizeof out, "%s-pricing", s_dir);
    CHECK_EQ_INT (keys_export (s_dir, topo, "pricing", out), 0);
    char z85[41];
    CHECK_EQ_INT (keys_public_of (out, "inventory", z85), RM_ENOTFOUND);
    CHECK_EQ_INT (keys_public_of (out, "gateway", z85), 0);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    int unknown = keys_export (s_dir, topo, "nosuch", out);
    free (harness_capture_end (&cap));
    CHECK_EQ_INT (unknown, RM_EINVAL);
}

int
main (void)
{
    char *dir = harness_tmpdir ("test-keys");
    snprintf (s_dir, sizeof s_dir, "%s/keys", dir);
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    test_init (topo);
    test_identity ();
    test_allow_lists (topo);
    test_export (topo);
    topology_destroy (&topo);
    harness_rmtree (dir);
    free (dir);
    return harness_report ("test_keys");
}
