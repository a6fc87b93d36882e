//  baseline — the minimal order pipeline built from the mesh's own libraries,
//  the yardstick the gateway is compared with: an HTTP POST (libmicrohttpd)
//  crosses one DEALER→ROUTER hop over tcp loopback to a single-threaded
//  store that group-commits the bodies into LMDB with a durable sync, then
//  the client gets 201 {"id":"<hex>"}.
//
//  Two gateway shapes (--gateway):
//    async    (default) one thread runs MHD's epoll loop and one DEALER: a
//             request is sent, its connection suspended, and resumed when
//             the reply arrives. It measured 1.2-1.5x the threads shape
//             (docs/benchmarks.md), so it is the baseline.
//    threads  thread per connection, each with its own DEALER, one request
//             in flight per connection (limits.md section 6, row C).
//  --http-only answers 201 without the hop: the trivial target for
//  measuring the load generator's own ceiling.
//
//  --read is the yardstick for GET /v1/availability: GET ?sku=A&sku=B
//  crosses the same hop to the same single thread, which looks every SKU
//  up in one LMDB read transaction and answers 200 {"items":[...]} with a
//  stored item the size and shape of availability's (404 when one is
//  missing). The store is seeded at start with --sku-prefix P and
//  --sku-count N: SKUs P000001 .. PN, the names loadgen generates.
#include "clock.h"
#include "log.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define BATCH_MAX 1024
#define BODY_MAX (64 * 1024)
#define KEY_LEN 16
#define REPLY_TIMEOUT_MS 10000
#define PENDING_SLOTS 4096       //  async: most requests in flight at once
#define REPLY_MAX 4096           //  read mode: room for 3 items and the envelope
#define READ_SKUS_MAX 3          //  as many as loadgen asks availability for
#define SKU_MAX 64

typedef enum { GATEWAY_ASYNC, GATEWAY_THREADS } gateway_kind_t;

typedef enum { REQ_READING, REQ_WAITING, REQ_DONE } req_state_t;

//  One HTTP request: its body, and in async mode its answer.
typedef struct {
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    int nskus;                   //  read mode: sku= arguments seen
    req_state_t state;
    unsigned status;
    char reply[REPLY_MAX];
    struct MHD_Connection *conn;
} req_t;

//  threads mode: the DEALER a connection thread owns.
typedef struct {
    void *dealer;
    uint64_t tag;
} conn_state_t;

typedef struct {
    uint64_t tag;
    req_t *req;                  //  NULL when the slot is free
    int64_t deadline_ms;
} pending_t;

//  One request taken from the ROUTER by the store.
typedef struct {
    zmq_msg_t identity;
    zmq_msg_t tag;
    zmq_msg_t body;
} job_t;

static struct {
    int port;
    const char *data_dir;
    gateway_kind_t gateway;
    size_t map_size;
    bool nosync;
    bool http_only;
    bool read;
    const char *sku_prefix;
    long sku_count;
    void *zctx;
    char endpoint[256];          //  where the store's ROUTER is bound
    atomic_bool stop;
    void *dealer;                //  async mode: the gateway's one DEALER
    pending_t pending[PENDING_SLOTS];
    uint64_t next_tag;
    uint64_t oldest_tag;
} s_cfg;

static void
s_put_be64 (uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t) v;
}

//  ---- committer: the single-threaded ROUTER service -------------------------

typedef struct {
    MDB_env *env;
    MDB_dbi dbi;
    void *router;
    uint64_t last_us;            //  keys are strictly increasing µs
    uint64_t salt;
    uint64_t batches;
    uint64_t requests;
    uint64_t max_batch;
    job_t jobs[BATCH_MAX];
} committer_t;

//  The stored item is availability's JSON item for one SKU at one location,
//  so the reply carries as many bytes as the mesh's.
static int
s_seed_item (MDB_txn *txn, MDB_dbi dbi, long index)
{
    char sku[SKU_MAX + 16];
    char item[512];
    snprintf (sku, sizeof sku, "%.50s%06ld", s_cfg.sku_prefix, index);
    int n = snprintf (item, sizeof item,
                      "{\"sku\":\"%s\",\"on_hand\":10000000,\"reserved\":0,\"quarantined\":0,"
                      "\"safety_stock\":0,\"available\":10000000,\"locations\":[{\"location\":"
                      "\"bench-dc\",\"on_hand\":10000000,\"reserved\":0,\"quarantined\":0,"
                      "\"safety_stock\":0,\"available\":10000000}]}", sku);
    MDB_val k = {strlen (sku), sku};
    MDB_val v = {(size_t) n, item};
    return mdb_put (txn, dbi, &k, &v, 0);
}

static int
s_committer_open (committer_t *cm)
{
    if (mkdir (s_cfg.data_dir, 0755) != 0 && errno != EEXIST) {
        log_error (NULL, "cannot create %s: %s", s_cfg.data_dir, strerror (errno));
        return -1;
    }
    MDB_txn *txn = NULL;
    int rc = mdb_env_create (&cm->env);
    if (rc == 0)
        rc = mdb_env_set_mapsize (cm->env, s_cfg.map_size);
    if (rc == 0)
        rc = mdb_env_open (cm->env, s_cfg.data_dir, s_cfg.nosync ? MDB_NOSYNC : 0, 0644);
    if (rc == 0)
        rc = mdb_txn_begin (cm->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open (txn, NULL, 0, &cm->dbi);
    for (long i = 1; rc == 0 && s_cfg.read && i <= s_cfg.sku_count; i++)
        rc = s_seed_item (txn, cm->dbi, i);
    if (rc == 0) {
        rc = mdb_txn_commit (txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort (txn);
    if (rc != 0) {
        log_error (NULL, "LMDB in %s: %s", s_cfg.data_dir, mdb_strerror (rc));
        return -1;
    }
    if (getrandom (&cm->salt, sizeof cm->salt, 0) != (ssize_t) sizeof cm->salt)
        cm->salt = (uint64_t) getpid ();
    return 0;
}

//  Time-ordered keys (8 B big-endian microseconds, strictly increasing, then
//  8 B salt) append to the B-tree instead of dirtying a random leaf per put.
static void
s_committer_next_key (committer_t *cm, uint8_t key[KEY_LEN])
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
    cm->last_us = us > cm->last_us ? us : cm->last_us + 1;
    s_put_be64 (key, cm->last_us);
    s_put_be64 (key + 8, cm->salt);
}

static void
s_job_close (job_t *job)
{
    zmq_msg_close (&job->identity);
    zmq_msg_close (&job->tag);
    zmq_msg_close (&job->body);
}

//  Takes one request: identity, empty delimiter, tag, body.
//  Returns 0, 1 when none is waiting, -1 when one was malformed (dropped).
static int
s_committer_recv (committer_t *cm, job_t *job)
{
    zmq_msg_t delimiter, extra;
    zmq_msg_t *frames[] = {&job->identity, &delimiter, &job->tag, &job->body, &extra};
    for (int i = 0; i < 5; i++)
        zmq_msg_init (frames[i]);
    int nframes = 0;
    int rc = 0;
    for (bool more = true; more; nframes++) {
        zmq_msg_t *frame = frames[nframes < 4 ? nframes : 4];
        if (zmq_msg_recv (frame, cm->router, nframes == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            rc = nframes == 0 && errno == EAGAIN ? 1 : -1;
            break;
        }
        more = zmq_msg_more (frame);
    }
    if (rc == 0 && (nframes != 4 || zmq_msg_size (&delimiter) != 0 || zmq_msg_size (&job->tag) != 8))
        rc = -1;
    zmq_msg_close (&delimiter);
    zmq_msg_close (&extra);
    if (rc != 0)
        s_job_close (job);
    if (rc == -1)
        log_warn (NULL, "store: dropped a malformed request");
    return rc;
}

static int
s_committer_commit (committer_t *cm, int njobs, uint8_t keys[][KEY_LEN])
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin (cm->env, NULL, 0, &txn);
    for (int i = 0; rc == 0 && i < njobs; i++) {
        s_committer_next_key (cm, keys[i]);
        MDB_val k = {KEY_LEN, keys[i]};
        MDB_val v = {zmq_msg_size (&cm->jobs[i].body), zmq_msg_data (&cm->jobs[i].body)};
        rc = mdb_put (txn, cm->dbi, &k, &v, 0);
    }
    if (rc == 0) {
        rc = mdb_txn_commit (txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort (txn);
    if (rc != 0)
        log_error (NULL, "store: batch of %d not committed: %s", njobs, mdb_strerror (rc));
    return rc;
}

//  Answers identity, empty, tag, then the body: the 16 B key or the read
//  reply (empty on failure).
static void
s_committer_reply (committer_t *cm, job_t *job, const void *key, size_t keylen)
{
    int flags = ZMQ_DONTWAIT | ZMQ_SNDMORE;
    if (zmq_msg_send (&job->identity, cm->router, flags) < 0) {
        //  the client went away; ROUTER_MANDATORY tells us instead of dropping silently
        log_debug (NULL, "store: reply not routable: %s", zmq_strerror (errno));
        return;
    }
    if (zmq_send (cm->router, "", 0, flags) < 0 || zmq_msg_send (&job->tag, cm->router, flags) < 0
        || zmq_send (cm->router, key, keylen, ZMQ_DONTWAIT) < 0)
        log_warn (NULL, "store: reply not sent: %s", zmq_strerror (errno));
}

//  Read mode: the SKUs come '\n'-separated. One read transaction looks up
//  all of them and the reply is their items in order; *len is 0 when one
//  is missing or the store failed.
static void
s_store_read (committer_t *cm, const job_t *job, char *out, size_t cap, size_t *len)
{
    *len = 0;
    MDB_txn *txn = NULL;
    if (mdb_txn_begin (cm->env, NULL, MDB_RDONLY, &txn) != 0)
        return;
    const char *skus = zmq_msg_data ((zmq_msg_t *) &job->body);
    size_t left = zmq_msg_size ((zmq_msg_t *) &job->body);
    size_t n = (size_t) snprintf (out, cap, "{\"items\":[");
    bool ok = true;
    for (int i = 0; ok && left > 0; i++) {
        const char *nl = memchr (skus, '\n', left);
        size_t klen = nl ? (size_t) (nl - skus) : left;
        MDB_val k = {klen, (void *) skus};
        MDB_val v;
        ok = mdb_get (txn, cm->dbi, &k, &v) == 0 && n + v.mv_size + 3 < cap;
        if (ok) {
            if (i)
                out[n++] = ',';
            memcpy (out + n, v.mv_data, v.mv_size);
            n += v.mv_size;
        }
        skus += nl ? klen + 1 : klen;
        left -= nl ? klen + 1 : klen;
    }
    mdb_txn_abort (txn);
    if (!ok)
        return;
    memcpy (out + n, "]}", 2);
    *len = n + 2;
}

//  Group commit: wait for one request, drain whatever else is queued (up to
//  BATCH_MAX), write them all in one transaction, sync once, answer all.
static void *
s_committer_run (void *arg)
{
    committer_t *cm = arg;
    static uint8_t keys[BATCH_MAX][KEY_LEN];
    while (!atomic_load (&s_cfg.stop)) {
        zmq_pollitem_t item = {cm->router, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll (&item, 1, 100);
        if (rc < 0 && errno != EINTR) {
            log_error (NULL, "store: zmq_poll: %s", zmq_strerror (errno));
            break;
        }
        if (rc <= 0)
            continue;
        int njobs = 0;
        while (njobs < BATCH_MAX) {
            rc = s_committer_recv (cm, &cm->jobs[njobs]);
            if (rc == 1)
                break;
            if (rc == 0)
                njobs++;
        }
        if (njobs == 0)
            continue;
        if (s_cfg.read) {
            static char reply[REPLY_MAX];
            for (int i = 0; i < njobs; i++) {
                size_t len = 0;
                s_store_read (cm, &cm->jobs[i], reply, sizeof reply, &len);
                s_committer_reply (cm, &cm->jobs[i], reply, len);
                s_job_close (&cm->jobs[i]);
            }
            cm->requests += (uint64_t) njobs;
            continue;
        }
        bool ok = s_committer_commit (cm, njobs, keys) == 0;
        for (int i = 0; i < njobs; i++) {
            s_committer_reply (cm, &cm->jobs[i], keys[i], ok ? KEY_LEN : 0);
            s_job_close (&cm->jobs[i]);
        }
        cm->batches++;
        cm->requests += (uint64_t) njobs;
        if ((uint64_t) njobs > cm->max_batch)
            cm->max_batch = (uint64_t) njobs;
    }
    return NULL;
}

//  ---- gateway: shared by both shapes -------------------------------------

static int
s_dealer_new (void **dealer)
{
    int zero = 0;
    *dealer = zmq_socket (s_cfg.zctx, ZMQ_DEALER);
    if (!*dealer || zmq_setsockopt (*dealer, ZMQ_LINGER, &zero, sizeof zero) != 0
        || zmq_setsockopt (*dealer, ZMQ_SNDHWM, &zero, sizeof zero) != 0
        || zmq_setsockopt (*dealer, ZMQ_RCVHWM, &zero, sizeof zero) != 0
        || zmq_connect (*dealer, s_cfg.endpoint) != 0) {
        log_error (NULL, "gateway: DEALER to %s: %s", s_cfg.endpoint, zmq_strerror (errno));
        if (*dealer)
            zmq_close (*dealer);
        *dealer = NULL;
        return -1;
    }
    return 0;
}

static int
s_forward (void *dealer, uint64_t tag, const req_t *req)
{
    if (zmq_send (dealer, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_send (dealer, &tag, sizeof tag, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_send (dealer, req->body, req->len, ZMQ_DONTWAIT) < 0) {
        log_error (NULL, "gateway: send to store: %s", zmq_strerror (errno));
        return -1;
    }
    return 0;
}

//  Reads one reply (empty, tag, body) into *body, which the caller has
//  initialised and closes. Returns 0, 1 when none is waiting or the socket
//  failed (logged), -1 on a malformed reply (all its frames are consumed).
static int
s_reply_recv (void *dealer, uint64_t *tag, zmq_msg_t *body)
{
    uint8_t frame[sizeof *tag];
    int sizes[2] = {-1, -1};
    int nframes = 0;
    int more = 1;
    size_t size = sizeof more;
    for (; more; nframes++) {
        int flags = nframes == 0 ? ZMQ_DONTWAIT : 0;
        int n = nframes == 2 ? zmq_msg_recv (body, dealer, flags) : zmq_recv (dealer, frame, sizeof frame, flags);
        if (n < 0) {
            if (nframes > 0 || errno != EAGAIN)
                log_error (NULL, "gateway: receive from the store: %s", zmq_strerror (errno));
            return 1;
        }
        if (nframes < 2)
            sizes[nframes] = n;
        if (nframes == 1 && n == (int) sizeof *tag)
            memcpy (tag, frame, sizeof *tag);
        if (zmq_getsockopt (dealer, ZMQ_RCVMORE, &more, &size) != 0) {
            log_error (NULL, "gateway: ZMQ_RCVMORE: %s", zmq_strerror (errno));
            return 1;
        }
    }
    size_t len = zmq_msg_size (body);
    if (nframes != 3 || sizes[0] != 0 || sizes[1] != (int) sizeof *tag
        || (s_cfg.read ? len >= REPLY_MAX : len != 0 && len != KEY_LEN)) {
        log_error (NULL, "gateway: malformed reply from the store");
        return -1;
    }
    return 0;
}

static void
s_answer (req_t *req, zmq_msg_t *body)
{
    const uint8_t *data = zmq_msg_data (body);
    size_t len = zmq_msg_size (body);
    if (s_cfg.read) {
        req->status = len ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND;
        if (len) {
            memcpy (req->reply, data, len);
            req->reply[len] = 0;
        }
        else
            snprintf (req->reply, sizeof req->reply, "{\"error\":\"unknown sku\"}");
        return;
    }
    if (len != KEY_LEN) {
        req->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        snprintf (req->reply, sizeof req->reply, "{\"error\":\"the store did not commit\"}");
        return;
    }
    char hex[2 * KEY_LEN + 1];
    for (int i = 0; i < KEY_LEN; i++)
        snprintf (hex + 2 * i, 3, "%02x", data[i]);
    req->status = MHD_HTTP_CREATED;
    snprintf (req->reply, sizeof req->reply, "{\"id\":\"%s\"}", hex);
}

static void
s_fail (req_t *req, unsigned status, const char *message)
{
    req->status = status;
    snprintf (req->reply, sizeof req->reply, "{\"error\":\"%s\"}", message);
}

static enum MHD_Result
s_respond (struct MHD_Connection *conn, req_t *req)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer (strlen (req->reply), req->reply,
                                                                 MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    enum MHD_Result rc = MHD_add_response_header (resp, "Content-Type", "application/json");
    if (rc == MHD_YES)
        rc = MHD_queue_response (conn, req->status, resp);
    MHD_destroy_response (resp);
    return rc;
}

//  threads mode: one lock-step round trip on the connection's own DEALER.
//  Tags pair a reply with its request, so a reply that arrives after its
//  request timed out is dropped instead of answering the next one.
static void
s_round_trip (struct MHD_Connection *conn, req_t *req)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_state_t *cs = info ? info->socket_context : NULL;
    if (!cs || (!cs->dealer && s_dealer_new (&cs->dealer) != 0)) {
        s_fail (req, MHD_HTTP_SERVICE_UNAVAILABLE, "no connection to the store");
        return;
    }
    uint64_t tag = ++cs->tag;
    if (s_forward (cs->dealer, tag, req) != 0) {
        s_fail (req, MHD_HTTP_SERVICE_UNAVAILABLE, "store unreachable");
        return;
    }
    int64_t deadline = clock_mono_ms () + REPLY_TIMEOUT_MS;
    for (int64_t left = REPLY_TIMEOUT_MS; left > 0; left = deadline - clock_mono_ms ()) {
        zmq_pollitem_t item = {cs->dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, (long) left) <= 0)
            continue;
        uint64_t got = 0;
        zmq_msg_t body;
        zmq_msg_init (&body);
        bool mine = s_reply_recv (cs->dealer, &got, &body) == 0 && got == tag;
        if (mine)
            s_answer (req, &body);
        zmq_msg_close (&body);
        if (mine)
            return;
    }
    s_fail (req, MHD_HTTP_GATEWAY_TIMEOUT, "the store did not answer in time");
}

//  async mode: sends the request and parks it in the pending ring.
//  Returns 0 when the caller must suspend the connection.
static int
s_async_send (req_t *req)
{
    uint64_t tag = s_cfg.next_tag;
    pending_t *slot = &s_cfg.pending[tag % PENDING_SLOTS];
    if (slot->req) {
        s_fail (req, MHD_HTTP_SERVICE_UNAVAILABLE, "too many requests in flight");
        return -1;
    }
    if (s_forward (s_cfg.dealer, tag, req) != 0) {
        s_fail (req, MHD_HTTP_SERVICE_UNAVAILABLE, "store unreachable");
        return -1;
    }
    s_cfg.next_tag++;
    slot->tag = tag;
    slot->req = req;
    slot->deadline_ms = clock_mono_ms () + REPLY_TIMEOUT_MS;
    req->state = REQ_WAITING;
    return 0;
}

static void
s_async_finish (pending_t *slot)
{
    slot->req->state = REQ_DONE;
    MHD_resume_connection (slot->req->conn);
    slot->req = NULL;
}

static void
s_async_drain_replies (void)
{
    for (;;) {
        uint64_t tag = 0;
        zmq_msg_t body;
        zmq_msg_init (&body);
        int rc = s_reply_recv (s_cfg.dealer, &tag, &body);
        pending_t *slot = &s_cfg.pending[tag % PENDING_SLOTS];
        if (rc == 0 && slot->req && slot->tag == tag) {
            s_answer (slot->req, &body);
            s_async_finish (slot);
        }
        zmq_msg_close (&body);
        if (rc == 1)
            return;
    }
}

//  Deadlines grow with tags, so expiry only ever looks at the oldest ones.
static void
s_async_expire (bool all)
{
    int64_t now = clock_mono_ms ();
    for (; s_cfg.oldest_tag < s_cfg.next_tag; s_cfg.oldest_tag++) {
        pending_t *slot = &s_cfg.pending[s_cfg.oldest_tag % PENDING_SLOTS];
        if (!slot->req || slot->tag != s_cfg.oldest_tag)
            continue;
        if (!all && slot->deadline_ms > now)
            return;
        s_fail (slot->req, all ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_GATEWAY_TIMEOUT,
                all ? "shutting down" : "the store did not answer in time");
        s_async_finish (slot);
    }
}

//  Read mode: the values of every sku= argument, '\n'-separated, become the
//  body sent to the store. Stops at READ_SKUS_MAX + 1 to refuse more.
static enum MHD_Result
s_collect_sku (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    req_t *req = cls;
    if (strcmp (key, "sku") != 0)
        return MHD_YES;
    size_t n = value ? strlen (value) : 0;
    if (n == 0 || n > SKU_MAX || memchr (value, '\n', n) || req->nskus++ == READ_SKUS_MAX) {
        req->too_large = true;
        return MHD_NO;
    }
    if (req->len)
        req->body[req->len++] = '\n';
    memcpy (req->body + req->len, value, n);
    req->len += n;
    return MHD_YES;
}

//  Read mode: fills the request's body with its SKUs. Returns 0, or -1
//  with the request failed.
static int
s_read_request (struct MHD_Connection *conn, const char *method, req_t *req)
{
    if (strcmp (method, MHD_HTTP_METHOD_GET) != 0) {
        s_fail (req, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is served with --read");
        return -1;
    }
    req->body = malloc (READ_SKUS_MAX * (SKU_MAX + 1));
    if (!req->body) {
        s_fail (req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
        return -1;
    }
    MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, s_collect_sku, req);
    if (req->too_large || req->len == 0) {
        s_fail (req, MHD_HTTP_BAD_REQUEST, "expected 1 to 3 sku= arguments of 1-64 characters");
        return -1;
    }
    return 0;
}

static enum MHD_Result
s_on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
              const char *version, const char *upload_data, size_t *upload_data_size,
              void **con_cls)
{
    (void) cls;
    (void) url;
    (void) version;
    req_t *req = *con_cls;
    if (!req) {
        //  never answer in the first call: MHD 0.9.75 would then close the
        //  keep-alive connection after the response
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->conn = conn;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->too_large || req->len + n > BODY_MAX) {
            req->too_large = true;
            return MHD_YES;
        }
        if (req->len + n > req->cap) {
            size_t cap = req->cap ? req->cap : 2048;
            while (cap < req->len + n)
                cap *= 2;
            char *body = realloc (req->body, cap);
            if (!body)
                return MHD_NO;
            req->body = body;
            req->cap = cap;
        }
        memcpy (req->body + req->len, upload_data, n);
        req->len += n;
        return MHD_YES;
    }
    if (req->state == REQ_DONE)
        return s_respond (conn, req);
    req->state = REQ_DONE;
    bool forward = false;
    if (s_cfg.read)
        forward = s_read_request (conn, method, req) == 0;
    else if (strcmp (method, MHD_HTTP_METHOD_POST) != 0)
        s_fail (req, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST is served");
    else if (req->too_large)
        s_fail (req, MHD_HTTP_CONTENT_TOO_LARGE, "body larger than 64 KiB");
    else if (req->len == 0 || req->body[0] != '{')
        s_fail (req, MHD_HTTP_BAD_REQUEST, "body must be a JSON object");
    else if (s_cfg.http_only) {
        req->status = MHD_HTTP_CREATED;
        snprintf (req->reply, sizeof req->reply, "{\"ok\":true,\"bytes\":%zu}", req->len);
    }
    else
        forward = true;
    if (forward && s_cfg.gateway == GATEWAY_THREADS)
        s_round_trip (conn, req);
    else if (forward && s_async_send (req) == 0) {
        MHD_suspend_connection (conn);
        return MHD_YES;
    }
    return s_respond (conn, req);
}

static void
s_on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    (void) toe;
    req_t *req = *con_cls;
    if (req) {
        free (req->body);
        free (req);
        *con_cls = NULL;
    }
}

static void
s_on_connection (void *cls, struct MHD_Connection *conn, void **socket_context,
                 enum MHD_ConnectionNotificationCode toe)
{
    (void) cls;
    (void) conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        *socket_context = calloc (1, sizeof (conn_state_t));
    else {
        conn_state_t *cs = *socket_context;
        //  the connection's thread has ended, so closing here is safe
        if (cs && cs->dealer)
            zmq_close (cs->dealer);
        free (cs);
        *socket_context = NULL;
    }
}

static struct MHD_Daemon *
s_http_start (void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons ((uint16_t) s_cfg.port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    unsigned flags = MHD_USE_ERROR_LOG;
    if (s_cfg.gateway == GATEWAY_THREADS)
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    else
        flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *d = MHD_start_daemon (
        flags, (uint16_t) s_cfg.port, NULL, NULL, s_on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned) 4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 60,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
        s_on_connection, NULL, MHD_OPTION_END);
    if (!d)
        log_error (NULL, "cannot listen on 127.0.0.1:%d", s_cfg.port);
    return d;
}

//  async mode: one turn of the loop over MHD's epoll descriptor, the DEALER
//  and (while serving) the signal descriptor.
static int
s_async_turn (struct MHD_Daemon *d, zmq_pollitem_t *items, int nitems)
{
    MHD_UNSIGNED_LONG_LONG mhd_timeout = 100;
    long timeout = 100;
    if (MHD_get_timeout (d, &mhd_timeout) == MHD_YES && mhd_timeout < 100)
        timeout = (long) mhd_timeout;
    if (zmq_poll (items, nitems, timeout) < 0 && errno != EINTR) {
        log_error (NULL, "gateway: zmq_poll: %s", zmq_strerror (errno));
        return -1;
    }
    if (s_cfg.dealer) {
        s_async_drain_replies ();
        s_async_expire (false);
    }
    if (MHD_run (d) != MHD_YES) {
        log_error (NULL, "gateway: MHD_run failed");
        return -1;
    }
    return 0;
}

//  Serves until a signal, then stops accepting and gives the requests in
//  flight up to 2 s to be answered with what the store did, so a committed
//  request is not reported as failed.
static int
s_async_loop (struct MHD_Daemon *d, int sigfd)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        log_error (NULL, "MHD has no epoll descriptor");
        return -1;
    }
    //  with --http-only there is no DEALER: poll ignores a negative descriptor
    zmq_pollitem_t items[] = {{NULL, info->epoll_fd, ZMQ_POLLIN, 0},
                              {s_cfg.dealer, s_cfg.dealer ? 0 : -1, ZMQ_POLLIN, 0},
                              {NULL, sigfd, ZMQ_POLLIN, 0}};
    int rc = 0;
    while (rc == 0 && !(items[2].revents & ZMQ_POLLIN))
        rc = s_async_turn (d, items, 3);
    if (rc != 0)
        return rc;
    log_info (NULL, "signal: stopping");
    MHD_socket listener = MHD_quiesce_daemon (d);
    if (listener != MHD_INVALID_SOCKET)
        close (listener);
    int64_t deadline = clock_mono_ms () + 2000;
    while (rc == 0 && s_cfg.oldest_tag < s_cfg.next_tag && clock_mono_ms () < deadline)
        rc = s_async_turn (d, items, 2);
    s_async_expire (true);
    if (MHD_run (d) != MHD_YES)
        rc = -1;
    return rc;
}

static int
s_wait_signal (int sigfd)
{
    struct signalfd_siginfo si;
    while (read (sigfd, &si, sizeof si) < 0)
        if (errno != EINTR)
            return -1;
    log_info (NULL, "signal %u: stopping", si.ssi_signo);
    return 0;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: baseline --port P --data-dir DIR [options]\n"
             "  --port P             HTTP port on 127.0.0.1 (required)\n"
             "  --data-dir DIR       LMDB directory, created if missing (required unless --http-only)\n"
             "  --gateway KIND       async (one epoll thread, suspend/resume; default) or\n"
             "                       threads (thread per connection)\n"
             "  --map-size MIB       LMDB map size in MiB (4096)\n"
             "  --nosync             MDB_NOSYNC: commits are not durable\n"
             "  --http-only          answer 201 at once: no hop, no store\n"
             "  --read               serve GET ?sku=A[&sku=B&sku=C] (any path) from one LMDB read\n"
             "                       transaction instead: 200 {\"items\":[...]}, 404 for an unknown SKU\n"
             "  --sku-prefix P       read mode: seed SKUs P000001 .. (BENCH-)\n"
             "  --sku-count N        read mode: how many SKUs to seed (8)\n"
             "Serves POST (any path, JSON object body), or GET with --read, until SIGINT or SIGTERM.\n");
}

static int
s_parse_args (int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},     {"data-dir", required_argument, NULL, 'd'},
        {"gateway", required_argument, NULL, 'g'},  {"map-size", required_argument, NULL, 'm'},
        {"nosync", no_argument, NULL, 'n'},         {"http-only", no_argument, NULL, 'o'},
        {"read", no_argument, NULL, 'r'},           {"sku-prefix", required_argument, NULL, 'P'},
        {"sku-count", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    long map_mib = 4096;
    s_cfg.sku_prefix = "BENCH-";
    s_cfg.sku_count = 8;
    int c;
    char *end = NULL;
    while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            s_cfg.port = (int) strtol (optarg, &end, 10);
            if (*end || s_cfg.port < 1 || s_cfg.port > 65535) {
                fprintf (stderr, "baseline: --port '%s': expected 1-65535\n", optarg);
                return -1;
            }
            break;
        case 'd': s_cfg.data_dir = optarg; break;
        case 'g':
            if (strcmp (optarg, "threads") == 0)
                s_cfg.gateway = GATEWAY_THREADS;
            else if (strcmp (optarg, "async") == 0)
                s_cfg.gateway = GATEWAY_ASYNC;
            else {
                fprintf (stderr, "baseline: --gateway '%s': expected threads or async\n", optarg);
                return -1;
            }
            break;
        case 'm':
            map_mib = strtol (optarg, &end, 10);
            if (*end || map_mib < 1 || map_mib > 1024 * 1024) {
                fprintf (stderr, "baseline: --map-size '%s': expected MiB from 1 to 1048576\n", optarg);
                return -1;
            }
            break;
        case 'n': s_cfg.nosync = true; break;
        case 'o': s_cfg.http_only = true; break;
        case 'r': s_cfg.read = true; break;
        case 'P':
            if (strlen (optarg) > 50) {
                fprintf (stderr, "baseline: --sku-prefix is at most 50 characters\n");
                return -1;
            }
            s_cfg.sku_prefix = optarg;
            break;
        case 'N':
            s_cfg.sku_count = strtol (optarg, &end, 10);
            if (*end || s_cfg.sku_count < 1 || s_cfg.sku_count > 999999) {
                fprintf (stderr, "baseline: --sku-count '%s': expected 1 to 999999\n", optarg);
                return -1;
            }
            break;
        case 'h': s_usage (stdout); exit (0);
        default: s_usage (stderr); return -1;
        }
    }
    if (optind < argc || !s_cfg.port || (!s_cfg.data_dir && !s_cfg.http_only)) {
        fprintf (stderr, "baseline: --port and --data-dir are required\n");
        s_usage (stderr);
        return -1;
    }
    if (s_cfg.read && s_cfg.http_only) {
        fprintf (stderr, "baseline: --read and --http-only exclude each other\n");
        return -1;
    }
    s_cfg.map_size = (size_t) map_mib << 20;
    return 0;
}

int
main (int argc, char **argv)
{
    if (s_parse_args (argc, argv) != 0)
        return 2;
    log_init ("baseline", RM_LOG_INFO);
    //  every thread inherits the blocked signals; only the signalfd sees them
    sigset_t signals;
    sigemptyset (&signals);
    sigaddset (&signals, SIGINT);
    sigaddset (&signals, SIGTERM);
    int sigfd = -1;
    if (pthread_sigmask (SIG_BLOCK, &signals, NULL) != 0
        || (sigfd = signalfd (-1, &signals, SFD_CLOEXEC)) < 0) {
        log_error (NULL, "signalfd: %s", strerror (errno));
        return 1;
    }
    static committer_t cm;
    int rc = 1;
    bool committer_running = false;
    pthread_t committer_thread;
    struct MHD_Daemon *d = NULL;
    s_cfg.zctx = zmq_ctx_new ();
    if (!s_cfg.zctx) {
        log_error (NULL, "zmq_ctx_new: %s", zmq_strerror (errno));
        goto done;
    }
    if (!s_cfg.http_only) {
        int one = 1;
        size_t len = sizeof s_cfg.endpoint;
        if (s_committer_open (&cm) != 0)
            goto done;
        cm.router = zmq_socket (s_cfg.zctx, ZMQ_ROUTER);
        if (!cm.router || zmq_setsockopt (cm.router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0
            || zmq_bind (cm.router, "tcp://127.0.0.1:*") != 0
            || zmq_getsockopt (cm.router, ZMQ_LAST_ENDPOINT, s_cfg.endpoint, &len) != 0) {
            log_error (NULL, "store: ROUTER: %s", zmq_strerror (errno));
            goto done;
        }
        if (pthread_create (&committer_thread, NULL, s_committer_run, &cm) != 0) {
            log_error (NULL, "cannot start the store thread");
            goto done;
        }
        committer_running = true;
        if (s_cfg.gateway == GATEWAY_ASYNC && s_dealer_new (&s_cfg.dealer) != 0)
            goto done;
    }
    d = s_http_start ();
    if (!d)
        goto done;
    log_info (NULL, "serving on 127.0.0.1:%d (gateway %s%s%s%s)", s_cfg.port,
              s_cfg.gateway == GATEWAY_THREADS ? "threads" : "async",
              s_cfg.http_only ? ", http-only" : "", s_cfg.read ? ", read" : "",
              s_cfg.nosync ? ", nosync" : "");
    if (s_cfg.gateway == GATEWAY_ASYNC)
        rc = s_async_loop (d, sigfd) == 0 ? 0 : 1;
    else
        rc = s_wait_signal (sigfd) == 0 ? 0 : 1;
done:
    if (d)
        MHD_stop_daemon (d);
    if (s_cfg.dealer)
        zmq_close (s_cfg.dealer);
    atomic_store (&s_cfg.stop, true);
    if (committer_running) {
        pthread_join (committer_thread, NULL);
        log_info (NULL, "store: %" PRIu64 " requests in %" PRIu64 " commits, average batch %.1f, largest %" PRIu64,
                  cm.requests, cm.batches, cm.batches ? (double) cm.requests / (double) cm.batches : 0.0,
                  cm.max_batch);
    }
    if (cm.router)
        zmq_close (cm.router);
    if (cm.env)
        mdb_env_close (cm.env);
    if (s_cfg.zctx)
        zmq_ctx_term (s_cfg.zctx);
    close (sigfd);
    return rc;
}
