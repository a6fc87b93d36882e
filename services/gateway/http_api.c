#include "http_api.h"
#include "clock.h"
#include "correlation.h"
#include "ipcount.h"
#include "err.h"
#include "log.h"
#include "openapi.h"
#include "problem.h"
#include "route.h"
#include "translate.h"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

//  Idle keep-alive connections are closed after this many seconds.
#define HTTP_IDLE_TIMEOUT_S 30
//  sys.health answers come fast or not at all: readiness waits at most this.
#define READY_TIMEOUT_MS 1000
//  Each connection's memory in MHD: room for the request line, the headers
//  and the query arguments within the limits in http_api.h, so that the
//  access handler, not MHD's own HTML error page, refuses what is too big.
#define HTTP_CONNECTION_MEMORY (128 * 1024)
//  How often the deadline scan runs, and how long past the deadline it
//  leaves a connection whose request still arrives, so the access handler
//  can answer it 408 when its headers or its body end.
#define DEADLINE_SCAN_MS 200
#define DEADLINE_GRACE_MS 1000
//  TLS 1.2 and 1.3 only, GnuTLS's default cipher suites otherwise.
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

//  One TCP connection (MHD's socket context), listed while open so the
//  deadline scan can close one whose request is late.
typedef struct conn_t {
    int fd;
    char ip[IPCOUNT_KEY_MAX];     //  the client's address, "" when not counted
    bool over_soft;               //  opened with the address at its soft cap: answered 429
    int64_t since_us;             //  when its current request began to arrive
    unsigned served;              //  requests it completed (keep-alive)
    bool reading;                 //  that request is still arriving
    bool cut;                     //  the scan shut it down
    struct conn_t *prev, *next;
} conn_t;

struct http_api_t {
    atomic_bool started;          //  MHD's messages from then on concern single clients
    struct MHD_Daemon *daemon;    //  plain HTTP, or NULL
    struct MHD_Daemon *tls_daemon;  //  HTTPS, or NULL
    int https_port;
    int request_deadline_ms;
    pthread_mutex_t conns_lock;   //  guards conns, every conn_t's fields and ips
    conn_t *conns;
    ipcount_t *ips;               //  open connections per client address
    unsigned per_ip_soft_limit;   //  more from one address are answered 429; 0: none
    pthread_t scan_thread;
    bool scanning;
    pthread_cond_t scan_stop;
    bool stopping;                //  under conns_lock
    hub_t *hub;
    auth_t *auth;
    char *const *services;        //  asked by GET /readyz
    size_t nservices;
    int request_timeout_ms;
    int batch_timeout_ms;
    int port;
    atomic_bool draining;
    atomic_int active;            //  requests begun and not yet completed
};

typedef enum {
    REQ_READING,                  //  headers and body arriving
    REQ_WAITING,                  //  suspended until the hub has the answers
} req_state_t;

//  One HTTP request, from its first access-handler call to its completion.
typedef struct {
    http_api_t *api;
    struct MHD_Connection *conn;  //  NULL until the first access-handler call
    conn_t *sock;
    char *raw_uri;                //  the request target as sent, before decoding
    route_match_t match;
    int64_t start_us;
    char method[16];
    char path[768];               //  log_escape'd: safe in a log line and in JSON
    char cid[CORRELATION_MAX + 1];
    char idem[IDEMPOTENCY_KEY_MAX + 1];
    char caller[AUTH_CALLER_MAX];  //  the key's caller ID, "" on a public route
    char *body;
    size_t body_len;
    size_t body_cap;
    size_t received;              //  body bytes that arrived, kept or not
    size_t body_max;              //  bytes the body may have (the route's, when authorized)
    bool too_large;
    bool late;                    //  the body was still arriving at the deadline: 408 at its end
    bool authorized;              //  has a valid key (or the route needs none)
    bool keep_body;               //  the body will be read, so buffer it
    req_state_t state;
    bool not_queued;              //  the hub refused the job
    int status;                   //  sent, for the log line
    msgpack_sbuffer call_body;
    hub_job_t job;
} req_t;

static const char *
s_header (req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, name);
}

//  MHD's URI log callback: the request line has arrived. The request is
//  made here, where the target can still be seen as sent.
static void *
s_req_begin (void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_api_t *api = (http_api_t *) cls;
    //  On a keep-alive connection the next request's first byte cannot be
    //  seen, only its request line: that starts its clock. (Idle, the
    //  connection is closed by the deadline counted from the last answer.)
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_t *sock = info ? (conn_t *) info->socket_context : NULL;
    if (sock) {
        pthread_mutex_lock (&api->conns_lock);
        if (sock->served > 0)
            sock->since_us = clock_mono_us ();
        pthread_mutex_unlock (&api->conns_lock);
    }
    req_t *req = (req_t *) calloc (1, sizeof *req);
    if (!req)
        return NULL;
    req->raw_uri = strdup (uri ? uri : "");
    if (!req->raw_uri) {
        free (req);
        return NULL;
    }
    req->api = api;
    req->start_us = clock_mono_us ();
    msgpack_sbuffer_init (&req->call_body);
    atomic_fetch_add (&req->api->active, 1);
    return req;
}

//  The first access-handler call: the headers are in.
static void
s_req_start (req_t *req, struct MHD_Connection *conn, const char *url, const char *method)
{
    http_api_t *api = req->api;
    req->conn = conn;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    req->sock = info ? (conn_t *) info->socket_context : NULL;
    log_escape_str (method, req->method, sizeof req->method);
    //  the path as sent, decoded in full: url stops at a "%00"
    char *path = strndup (req->raw_uri, strcspn (req->raw_uri, "?"));
    if (path)
        log_escape (path, MHD_http_unescape (path), req->path, sizeof req->path);
    else
        log_escape_str (url, req->path, sizeof req->path);
    free (path);
    correlation_pick (s_header (req, "X-Correlation-Id"), s_header (req, "traceparent"), req->cid);
    const route_t *route = route_find (method, url, &req->match);
    req->authorized = route && (!route->auth
                                || auth_check (api->auth, s_header (req, MHD_HTTP_HEADER_AUTHORIZATION), req->caller));
    //  a body nobody reads (unknown route, no key, GET) is drained unbuffered
    req->keep_body = req->authorized && route->body != ROUTE_BODY_NONE;
    req->body_max = translate_body_max (req->authorized ? route : NULL);
}


static void
s_req_destroy (req_t **req_p)
{
    req_t *req = *req_p;
    hub_job_clear (&req->job);
    free (req->job.calls);
    msgpack_sbuffer_destroy (&req->call_body);
    free (req->body);
    free (req->raw_uri);
    atomic_fetch_sub (&req->api->active, 1);
    free (req);
    *req_p = NULL;
}

//  Queues the answer; takes the reply's body or text. extra_name/extra_value add
//  one more header (WWW-Authenticate, Allow, Connection) when not NULL.
static enum MHD_Result
s_send (req_t *req, translate_reply_t *reply, const char *extra_name, const char *extra_value)
{
    size_t len = reply->text_len;
    char *text = reply->text;
    if (!text && reply->body) {
        text = json_dumps (reply->body, JSON_COMPACT);
        len = text ? strlen (text) : 0;
    }
    json_decref (reply->body);
    reply->body = NULL;
    reply->text = NULL;
    int status = reply->status;
    if (!text) {
        //  only when memory ran out: a fixed answer needs none
        static const char fallback[] = "{\"type\":\"" PROBLEM_TYPE_BASE "internal\","
                                       "\"title\":\"Internal error\",\"status\":500}";
        text = strdup (fallback);
        status = 500;
        reply->problem = true;
        if (!text)
            return MHD_NO;
        len = strlen (text);
    }
    struct MHD_Response *response = MHD_create_response_from_buffer (len, text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free (text);
        return MHD_NO;
    }
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE,
                             reply->problem ? PROBLEM_CONTENT_TYPE : "application/json");
    MHD_add_response_header (response, "X-Correlation-Id", req->cid);
    if (reply->location[0])
        MHD_add_response_header (response, MHD_HTTP_HEADER_LOCATION, reply->location);
    if (reply->retry_after)
        MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (extra_name)
        MHD_add_response_header (response, extra_name, extra_value);
    enum MHD_Result rc = MHD_queue_response (req->conn, (unsigned) status, response);
    MHD_destroy_response (response);
    req->status = status;
    return rc;
}

static enum MHD_Result
s_send_problem (req_t *req, int status, const char *slug, const char *title, const char *detail,
                const char *extra_name, const char *extra_value)
{
    translate_reply_t reply = {0};
    translate_problem (&reply, status, slug, title, detail, req->cid);
    return s_send (req, &reply, extra_name, extra_value);
}

//  413, with the connection closed.
static enum MHD_Result
s_send_too_large (req_t *req)
{
    char detail[64];
    snprintf (detail, sizeof detail, "The body must be at most %zu MiB.", req->body_max >> 20);
    return s_send_problem (req, 413, "payload-too-large", "Request body too large", detail,
                           MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result
s_send_openapi (req_t *req)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (
        openapi_json_len, (void *) openapi_json, MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header (response, "X-Correlation-Id", req->cid);
    enum MHD_Result rc = MHD_queue_response (req->conn, MHD_HTTP_OK, response);
    MHD_destroy_response (response);
    req->status = MHD_HTTP_OK;
    return rc;
}

//  Runs on the hub thread: the answers are in req->job.
static void
s_job_done (hub_job_t *job)
{
    req_t *req = (req_t *) job->arg;
    MHD_resume_connection (req->conn);
}

//  Suspends the connection and hands the job to the hub; the handler runs
//  again once the hub resumes the connection. Suspending first means the
//  resume can never come before the suspend.
static enum MHD_Result
s_submit (req_t *req)
{
    req->state = REQ_WAITING;
    req->job.cid = req->cid;
    req->job.idem = req->idem[0] ? req->idem : NULL;
    req->job.caller = req->caller[0] ? req->caller : NULL;
    req->job.done = s_job_done;
    req->job.arg = req;
    MHD_suspend_connection (req->conn);
    if (hub_submit (req->api->hub, &req->job) != 0) {
        req->not_queued = true;
        MHD_resume_connection (req->conn);
    }
    return MHD_YES;
}

static enum MHD_Result
s_answer_job (req_t *req)
{
    translate_reply_t reply = {0};
    const route_t *route = req->match.route;
    if (req->not_queued) {
        translate_problem (&reply, 503, "unavailable", "Service unavailable",
                           "The gateway is overloaded.", req->cid);
        reply.retry_after = true;
    }
    else if (route->kind == ROUTE_READY)
        translate_readiness ((const char *const *) req->api->services, req->job.calls,
                             req->job.ncalls, &reply);
    else
        translate_reply (route, &req->job.calls[0], req->cid, &reply);
    return s_send (req, &reply, NULL, NULL);
}

static enum MHD_Result
s_collect_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    json_t *query = (json_t *) cls;
    json_t *values = json_object_get (query, key);
    if (!values) {
        json_object_set_new (query, key, json_array ());
        values = json_object_get (query, key);
    }
    //  a value that is not UTF-8 stays in place as null, so validation
    //  names it instead of it silently vanishing
    json_t *text = json_string (value ? value : "");
    json_array_append_new (values, text ? text : json_null ());
    return MHD_YES;
}

static enum MHD_Result
s_call (req_t *req)
{
    const route_t *route = req->match.route;
    const char *idem = s_header (req, "Idempotency-Key");
    json_t *problem = NULL;
    if (idem && !correlation_token (idem, IDEMPOTENCY_KEY_MAX)) {
        char message[96];
        snprintf (message, sizeof message, "must be 1 to %d printable ASCII characters without spaces",
                  IDEMPOTENCY_KEY_MAX);
        char detail[128];
        snprintf (detail, sizeof detail, "header Idempotency-Key: %s", message);
        problem = problem_new (422, "validation", "Request is not valid", detail, req->cid);
        problem_add_param_error (problem, "Idempotency-Key", "header", message);
    }
    else if (idem)
        snprintf (req->idem, sizeof req->idem, "%s", idem);

    json_t *body = NULL;
    if (!problem && translate_body_given (route, req->received)) {
        if (req->too_large)
            return s_send_too_large (req);
        if (!translate_json_content_type (s_header (req, MHD_HTTP_HEADER_CONTENT_TYPE)))
            return s_send_problem (req, 415, "unsupported-media-type", "Unsupported media type",
                                   "The body must be sent as Content-Type: application/json.", NULL, NULL);
        body = translate_parse_body (req->body ? req->body : "", req->body_len, req->cid, &problem);
    }
    if (!problem) {
        json_t *query = json_object ();
        MHD_get_connection_values (req->conn, MHD_GET_ARGUMENT_KIND, s_collect_arg, query);
        translate_request (route, &req->match, query, body, req->cid, &req->call_body, &problem);
        json_decref (query);
    }
    json_decref (body);
    if (problem) {
        translate_reply_t reply = {.status = (int) json_integer_value (json_object_get (problem, "status")),
                                   .body = problem, .problem = true};
        return s_send (req, &reply, NULL, NULL);
    }
    req->job.calls = (hub_call_t *) calloc (1, sizeof *req->job.calls);
    if (!req->job.calls)
        return s_send_problem (req, 503, "unavailable", "Service unavailable",
                               "The gateway is out of memory.", NULL, NULL);
    req->job.deadline_ms = req->start_us / 1000
                         + (route->body == ROUTE_BODY_BATCH ? req->api->batch_timeout_ms : req->api->request_timeout_ms);
    req->job.calls[0].op = route->op;
    req->job.calls[0].service = route->service;
    req->job.calls[0].body = req->call_body.data;
    req->job.calls[0].body_len = req->call_body.size;
    req->job.ncalls = 1;
    return s_submit (req);
}

static enum MHD_Result
s_ready (req_t *req)
{
    //  sys.health takes an empty map
    static const char empty_map[] = "\x80";
    int timeout = req->api->request_timeout_ms < READY_TIMEOUT_MS ? req->api->request_timeout_ms
                                                                   : READY_TIMEOUT_MS;
    size_t n = req->api->nservices;
    if (n == 0) {
        translate_reply_t reply = {0};
        translate_readiness (NULL, NULL, 0, &reply);
        return s_send (req, &reply, NULL, NULL);
    }
    req->job.calls = (hub_call_t *) calloc (n, sizeof *req->job.calls);
    if (!req->job.calls)
        return s_send_problem (req, 503, "unavailable", "Service unavailable",
                               "The gateway is out of memory.", NULL, NULL);
    req->job.deadline_ms = req->start_us / 1000 + timeout;
    for (size_t i = 0; i < n; i++) {
        req->job.calls[i].op = "sys.health";
        req->job.calls[i].service = req->api->services[i];
        req->job.calls[i].body = empty_map;
        req->job.calls[i].body_len = 1;
    }
    req->job.ncalls = n;
    return s_submit (req);
}

//  The whole request has arrived: answer it or hand it to the hub.
static enum MHD_Result
s_dispatch (req_t *req)
{
    const route_t *route = req->match.route;
    if (atomic_load (&req->api->draining)) {
        translate_reply_t reply = {0};
        translate_problem (&reply, 503, "unavailable", "Service unavailable",
                           "The gateway is shutting down.", req->cid);
        reply.retry_after = true;
        return s_send (req, &reply, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    if (!route && req->match.status == 405) {
        char detail[sizeof req->path + sizeof req->match.allow + 16];
        snprintf (detail, sizeof detail, "%s takes only %s.", req->path, req->match.allow);
        return s_send_problem (req, 405, "method-not-allowed", "Method not allowed", detail,
                               MHD_HTTP_HEADER_ALLOW, req->match.allow);
    }
    if (!route)
        return s_send_problem (req, 404, "not-found", "Not found", "No such resource.", NULL, NULL);
    if (!req->authorized)
        return s_send_problem (req, 401, "unauthorized", "Unauthorized",
                               "Send a valid API key as Authorization: Bearer <key>.",
                               MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    switch (route->kind) {
        case ROUTE_HEALTH: {
            translate_reply_t reply = {.status = 200, .body = json_pack ("{s:s}", "status", "ok")};
            return s_send (req, &reply, NULL, NULL);
        }
        case ROUTE_OPENAPI:
            return s_send_openapi (req);
        case ROUTE_READY:
            return s_ready (req);
        case ROUTE_CALL:
            return s_call (req);
    }
    return MHD_NO;
}

static void
s_append_body (req_t *req, const char *data, size_t size)
{
    if (req->too_large || !req->keep_body)
        return;
    if (req->body_len + size > req->body_max) {
        req->too_large = true;
        return;
    }
    if (req->body_len + size > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + size)
            cap *= 2;
        char *grown = (char *) realloc (req->body, cap);
        if (!grown) {
            req->too_large = true;
            return;
        }
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy (req->body + req->body_len, data, size);
    req->body_len += size;
}

//  Marks whether the connection's request is still arriving, which is when
//  the request deadline applies; completed counts one more request served
//  and starts the clock again, for the next request of a keep-alive
//  connection.
static void
s_conn_reading (http_api_t *api, conn_t *sock, bool reading, bool completed)
{
    if (!sock)
        return;
    pthread_mutex_lock (&api->conns_lock);
    sock->reading = reading;
    if (completed) {
        sock->since_us = clock_mono_us ();
        sock->served++;
    }
    pthread_mutex_unlock (&api->conns_lock);
}

static bool
s_conn_late (http_api_t *api, conn_t *sock)
{
    if (!sock)
        return false;
    pthread_mutex_lock (&api->conns_lock);
    bool late = clock_mono_us () - sock->since_us > (int64_t) api->request_deadline_ms * 1000;
    pthread_mutex_unlock (&api->conns_lock);
    return late;
}

//  The request arrived, but after its deadline.
static enum MHD_Result
s_send_late (req_t *req)
{
    char detail[128];
    snprintf (detail, sizeof detail, "The request took longer than %d ms to arrive.",
              req->api->request_deadline_ms);
    return s_send_problem (req, 408, "request-timeout", "Request timeout", detail,
                           MHD_HTTP_HEADER_CONNECTION, "close");
}

//  The connection was opened while its address already had the soft cap
//  open: it is told to come back, and closed.
static enum MHD_Result
s_send_busy (req_t *req)
{
    char detail[160];
    snprintf (detail, sizeof detail,
              "At most %u connections at once from one address are served; retry on one of them or later.",
              req->api->per_ip_soft_limit);
    translate_reply_t reply = {0};
    translate_problem (&reply, 429, "too-many-connections", "Too many connections", detail, req->cid);
    reply.retry_after = true;
    return s_send (req, &reply, MHD_HTTP_HEADER_CONNECTION, "close");
}

static bool
s_has_control (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) text[i] < 0x20 || text[i] == 0x7f)
            return true;
    return false;
}

//  A 422 naming one parameter (in "path" or "query") whose decoded value
//  holds a NUL or a control character; answered with the connection closed.
static enum MHD_Result
s_send_control_problem (req_t *req, const char *name, size_t name_len, const char *in)
{
    static const char message[] = "must not contain NUL or control characters";
    char safe[128];
    log_escape (name, name_len, safe, sizeof safe);
    char detail[256];
    snprintf (detail, sizeof detail, "%s parameter %s: %s", in, safe, message);
    json_t *problem = problem_new (422, "validation", "Request is not valid", detail, req->cid);
    problem_add_param_error (problem, safe, in, message);
    translate_reply_t reply = {.status = 422, .body = problem, .problem = true};
    return s_send (req, &reply, MHD_HTTP_HEADER_CONNECTION, "close");
}

typedef struct {
    size_t count;
    size_t bytes;
    const char *bad_key;          //  the first argument with a NUL or control character
    size_t bad_key_len;
} kv_scan_t;

static enum MHD_Result
s_scan_kv (void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
           const char *value, size_t value_size)
{
    (void) kind;
    kv_scan_t *scan = (kv_scan_t *) cls;
    scan->count++;
    scan->bytes += key_size + value_size + 4;
    if (!scan->bad_key && (s_has_control (key, key_size) || (value && s_has_control (value, value_size)))) {
        scan->bad_key = key;
        scan->bad_key_len = key_size;
    }
    return MHD_YES;
}

//  The path as sent, decoded the way MHD decodes it, must hold no NUL or
//  control character: MHD hands the handler a C string, so "%00" would
//  silently cut the path there. Answers the 422 naming the path parameter
//  the byte is in; returns MHD_YES with *answered false when the path is clean.
static enum MHD_Result
s_check_path (req_t *req, const char *method, bool *answered)
{
    *answered = false;
    size_t raw_len = strcspn (req->raw_uri, "?");
    char *path = strndup (req->raw_uri, raw_len);
    if (!path)
        return MHD_NO;
    size_t len = MHD_http_unescape (path);
    size_t bad = len;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) path[i] < 0x20 || path[i] == 0x7f) {
            if (bad == len)
                bad = i;
            path[i] = '_';
        }
    if (bad == len) {
        free (path);
        return MHD_YES;
    }
    //  the route the path would match with the bad bytes made harmless
    //  tells which parameter they are in
    const char *name = "path";
    route_match_t match;
    route_find (method, path, &match);
    for (size_t i = 0; i < match.nparams; i++) {
        size_t at = (size_t) (match.values[i] - match.buf);
        if (match.names[i] && bad >= at && bad < at + strlen (match.values[i]))
            name = match.names[i];
    }
    free (path);
    *answered = true;
    return s_send_control_problem (req, name, strlen (name), "path");
}

//  What the edge refuses before any routing: a target, headers or query
//  beyond the limits of http_api.h, a transfer coding other than chunked,
//  a body over the route's limit (1 MiB; 3 MiB for a batch) by its
//  Content-Length, NUL or control characters in
//  the path or the query. Each is answered at once, with the connection
//  closed. Returns MHD_YES with *answered false when the request passes.
static enum MHD_Result
s_check_edge (req_t *req, const char *method, bool *answered)
{
    *answered = true;
    if (s_conn_late (req->api, req->sock))
        return s_send_late (req);
    if (req->sock && req->sock->over_soft)
        return s_send_busy (req);
    if (strlen (req->raw_uri) > HTTP_URI_MAX)
        return s_send_problem (req, 414, "uri-too-long", "URI too long",
                               "The request target must be at most 8192 bytes.",
                               MHD_HTTP_HEADER_CONNECTION, "close");
    kv_scan_t headers = {0};
    MHD_get_connection_values_n (req->conn, MHD_HEADER_KIND, s_scan_kv, &headers);
    if (headers.count > HTTP_HEADERS_MAX || headers.bytes > HTTP_HEADER_BYTES_MAX)
        return s_send_problem (req, 431, "headers-too-large", "Request header fields too large",
                               "A request may have at most 64 header fields of 16384 bytes together.",
                               MHD_HTTP_HEADER_CONNECTION, "close");
    const char *coding = s_header (req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (coding && strcasecmp (coding, "chunked") != 0)
        return s_send_problem (req, 501, "not-implemented", "Transfer coding not implemented",
                               "The only transfer coding taken is chunked.",
                               MHD_HTTP_HEADER_CONNECTION, "close");
    const char *length = s_header (req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull (length, NULL, 10) > req->body_max) {
        req->too_large = true;
        return s_send_too_large (req);
    }
    kv_scan_t query = {0};
    MHD_get_connection_values_n (req->conn, MHD_GET_ARGUMENT_KIND, s_scan_kv, &query);
    if (query.count > HTTP_QUERY_PARAMS_MAX)
        return s_send_problem (req, 400, "too-many-parameters", "Too many query parameters",
                               "A request may have at most 100 query parameters.",
                               MHD_HTTP_HEADER_CONNECTION, "close");
    if (query.bad_key)
        return s_send_control_problem (req, query.bad_key, query.bad_key_len, "query");
    return s_check_path (req, method, answered);
}

static enum MHD_Result
s_access (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) version;
    (void) cls;
    req_t *req = (req_t *) *con_cls;
    if (!req)
        return MHD_NO;
    if (!req->conn) {
        //  only set up here: an answer queued in the first call turns
        //  keep-alive off (MHD 0.9.75), except the ones meant to close
        s_req_start (req, conn, url, method);
        bool answered = false;
        enum MHD_Result rc = s_check_edge (req, method, &answered);
        return answered || rc != MHD_YES ? rc : MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        req->received += size;
        if (req->status || req->late)
            return MHD_YES;
        //  MHD 0.9.75 takes no answer while a body arrives (MHD_queue_response
        //  is refused until the whole request is in): a late body is read
        //  and dropped, and answered 408 when it ends; one that does not end
        //  within the grace is closed by the scan
        if (s_conn_late (req->api, req->sock)) {
            log_debug (req->cid, "%s %s: body still arriving after %d ms, 408 when it ends",
                       req->method, req->path, req->api->request_deadline_ms);
            req->late = true;
            free (req->body);
            req->body = NULL;
            req->body_len = req->body_cap = 0;
            return MHD_YES;
        }
        s_append_body (req, upload_data, size);
        return MHD_YES;
    }
    if (req->status)
        return MHD_YES;
    if (req->state == REQ_WAITING)
        return s_answer_job (req);
    if (req->late || s_conn_late (req->api, req->sock))
        return s_send_late (req);
    s_conn_reading (req->api, req->sock, false, false);
    return s_dispatch (req);
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    req_t *req = (req_t *) *con_cls;
    if (!req)
        return;
    double ms = (double) (clock_mono_us () - req->start_us) / 1000.0;
    if (!req->conn) {
        //  MHD refused it after the request line (a malformed or too large header)
        char target[sizeof req->path];
        log_warn (NULL, "%s refused by libmicrohttpd before the gateway saw its headers (%.1f ms, code %d)",
                  log_escape_str (req->raw_uri, target, sizeof target), ms, (int) toe);
    }
    else if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        log_info (req->cid, "%s %s %d %.1f ms", req->method, req->path, req->status, ms);
    else
        log_warn (req->cid, "%s %s %d %.1f ms (connection ended early, code %d)", req->method,
                  req->path, req->status, ms, (int) toe);
    s_conn_reading (req->api, req->sock, true, true);
    s_req_destroy (&req);
    *con_cls = NULL;
}

//  MHD's connection notification: lists each open connection for the scan.
static void
s_conn_notify (void *cls, struct MHD_Connection *connection, void **socket_context,
               enum MHD_ConnectionNotificationCode code)
{
    http_api_t *api = (http_api_t *) cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_t *sock = (conn_t *) calloc (1, sizeof *sock);
        const union MHD_ConnectionInfo *info = MHD_get_connection_info (connection,
                                                                        MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!sock || !info) {
            free (sock);
            return;
        }
        sock->fd = info->connect_fd;
        sock->since_us = clock_mono_us ();
        sock->reading = true;
        const union MHD_ConnectionInfo *client = MHD_get_connection_info (connection,
                                                                          MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        unsigned open = 0;
        pthread_mutex_lock (&api->conns_lock);
        //  an address that cannot be counted is held to MHD's hard cap only
        if (client && ipcount_key (client->client_addr, sock->ip) == 0 && ipcount_add (api->ips, sock->ip, &open) != 0)
            sock->ip[0] = '\0';
        sock->over_soft = api->per_ip_soft_limit && open > api->per_ip_soft_limit;
        sock->next = api->conns;
        if (api->conns)
            api->conns->prev = sock;
        api->conns = sock;
        pthread_mutex_unlock (&api->conns_lock);
        *socket_context = sock;
        return;
    }
    //  MHD closes the descriptor after this call, so the scan never shuts
    //  down a descriptor number already given to another connection
    conn_t *sock = (conn_t *) *socket_context;
    if (!sock)
        return;
    pthread_mutex_lock (&api->conns_lock);
    if (sock->ip[0])
        ipcount_remove (api->ips, sock->ip);
    if (sock->prev)
        sock->prev->next = sock->next;
    else
        api->conns = sock->next;
    if (sock->next)
        sock->next->prev = sock->prev;
    pthread_mutex_unlock (&api->conns_lock);
    free (sock);
    *socket_context = NULL;
}

//  MHD's connection timeout is an idle timeout: a byte a second keeps a
//  connection forever. This thread holds each request to an absolute
//  deadline instead: a connection whose request (headers and body) has not
//  arrived within it, plus the grace that lets the access handler answer a
//  late body 408, is shut down, and MHD then closes it.
static void *
s_scan (void *arg)
{
    http_api_t *api = (http_api_t *) arg;
    pthread_mutex_lock (&api->conns_lock);
    while (!api->stopping) {
        struct timespec until;
        clock_gettime (CLOCK_MONOTONIC, &until);
        until.tv_nsec += DEADLINE_SCAN_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait (&api->scan_stop, &api->conns_lock, &until);
        int64_t limit = clock_mono_us () - ((int64_t) api->request_deadline_ms + DEADLINE_GRACE_MS) * 1000;
        unsigned cut = 0;
        for (conn_t *sock = api->conns; sock && !api->stopping; sock = sock->next)
            if (sock->reading && !sock->cut && sock->since_us < limit) {
                shutdown (sock->fd, SHUT_RDWR);
                sock->cut = true;
                cut++;
            }
        if (cut)
            log_warn (NULL, "http: closed %u connections whose request did not arrive within %d ms",
                      cut, api->request_deadline_ms);
    }
    pthread_mutex_unlock (&api->conns_lock);
    return NULL;
}

static void
s_mhd_log (void *cls, const char *fmt, va_list ap)
{
    (void) cls;
    char text[512];
    vsnprintf (text, sizeof text, fmt, ap);
    size_t len = strlen (text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    //  at run time MHD speaks of one client's connection (closed, a failed
    //  handshake, a limit reached): too many to log above debug
    if (atomic_load (&((http_api_t *) cls)->started))
        log_debug (NULL, "http: %s", text);
    else
        log_warn (NULL, "http: %s", text);
}

//  Binds the listen socket here rather than in MHD so a failure can name
//  the address, the port and the options to change. Returns the socket,
//  or RM_EINVAL (the address) or RM_EUNAVAIL after logging.
static int
s_listen (const char *address, const char *option, int want, int *port)
{
    char service[16];
    snprintf (service, sizeof service, "%d", want);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    bool tls = strcmp (option, "https-port") == 0;
    int rc = getaddrinfo (address, service, &hints, &ai);
    if (rc != 0) {
        log_error (NULL, "--%s %s is not a numeric IP address: %s", tls ? "https-address" : "http-address",
                   address, gai_strerror (rc));
        return RM_EINVAL;
    }
    int fd = socket (ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || bind (fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen (fd, 1024) != 0) {
        int e = errno;
        log_error (NULL, "cannot listen on %s port %d: %s (change --%s or --%s%s)",
                   address, want, strerror (e), option, tls ? "https-address" : "http-address",
                   e == EADDRINUSE ? "; another process uses that port" : "");
        if (fd >= 0)
            close (fd);
        freeaddrinfo (ai);
        return RM_EUNAVAIL;
    }
    freeaddrinfo (ai);
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof addr;
    *port = want;
    if (getsockname (fd, (struct sockaddr *) &addr, &addrlen) == 0)
        *port = ntohs (addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &addr)->sin6_port
                                                  : ((struct sockaddr_in *) &addr)->sin_port);
    return fd;
}

//  Starts one daemon on the listening socket fd; TLS when cert is not NULL.
static struct MHD_Daemon *
s_start_daemon (http_api_t *self, const http_api_options_t *options, int fd, bool tls)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME
                     | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);
    unsigned threads = options->threads > 1 ? (unsigned) options->threads : 0;
    struct MHD_OptionItem tls_options[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) options->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) options->tls_key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *) TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    return MHD_start_daemon (
        flags, 0, NULL, NULL, s_access, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, options->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, options->per_ip_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) HTTP_CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_IDLE_TIMEOUT_S,
        MHD_OPTION_URI_LOG_CALLBACK, s_req_begin, self,
        MHD_OPTION_NOTIFY_CONNECTION, s_conn_notify, self,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_ARRAY, tls ? tls_options : none,
        MHD_OPTION_END);
}

//  Listens on one port and starts its daemon. Returns 0, or like
//  http_api_new after logging.
static int
s_serve_port (http_api_t *self, const http_api_options_t *options, bool tls, int *port,
              struct MHD_Daemon **daemon)
{
    const char *address = tls && options->https_address ? options->https_address : options->address;
    int fd = s_listen (address, tls ? "https-port" : "http-port", tls ? options->https_port : options->port, port);
    if (fd < 0)
        return fd;
    *daemon = s_start_daemon (self, options, fd, tls);
    if (!*daemon) {
        log_error (NULL, "cannot start the HTTP%s server on %s port %d (see the messages above; "
                   "check --http-threads%s)", tls ? "S" : "", address, *port,
                   tls ? ", --tls-cert-file and --tls-key-file" : "");
        close (fd);
        return tls ? RM_EINVAL : RM_EUNAVAIL;
    }
    return 0;
}

int
http_api_new (const http_api_options_t *options, hub_t *hub, auth_t *auth, http_api_t **self_p)
{
    bool https = options->https_port >= 0;
    if (https && (!options->tls_cert || !options->tls_key)) {
        log_error (NULL, "HTTPS needs a certificate and a key (--tls-cert-file, --tls-key-file)");
        return RM_EINVAL;
    }
    if (https && MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES) {
        log_error (NULL, "this libmicrohttpd has no TLS support: HTTPS cannot be served");
        return RM_EUNAVAIL;
    }
    http_api_t *self = (http_api_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->hub = hub;
    self->auth = auth;
    self->services = options->services;
    while (self->services && self->services[self->nservices])
        self->nservices++;
    self->request_timeout_ms = options->request_timeout_ms;
    self->batch_timeout_ms = options->batch_timeout_ms;
    self->request_deadline_ms = options->request_deadline_ms;
    self->per_ip_soft_limit = options->per_ip_soft_limit;
    self->port = -1;
    self->https_port = -1;
    pthread_mutex_init (&self->conns_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->scan_stop, &attr);
    pthread_condattr_destroy (&attr);
    int rc = ipcount_new (&self->ips);
    if (rc == 0 && pthread_create (&self->scan_thread, NULL, s_scan, self) == 0)
        self->scanning = true;
    else if (rc == 0)
        rc = RM_ENOMEM;
    if (rc == 0 && options->port >= 0)
        rc = s_serve_port (self, options, false, &self->port, &self->daemon);
    if (rc == 0 && https)
        rc = s_serve_port (self, options, true, &self->https_port, &self->tls_daemon);
    if (rc != 0) {
        http_api_destroy (&self);
        return rc;
    }
    atomic_store (&self->started, true);
    *self_p = self;
    return 0;
}

int
http_api_port (http_api_t *self)
{
    return self->port;
}

int
http_api_https_port (http_api_t *self)
{
    return self->https_port;
}

void
http_api_drain (http_api_t *self, int timeout_ms)
{
    //  New connections are still accepted, and answered 503: MHD 0.9.75's
    //  MHD_quiesce_daemon removes the listen socket from each worker's epoll
    //  set from this thread and aborts when a worker has just done the same
    //  (at its connection limit), so quiescing could crash a clean stop.
    atomic_store (&self->draining, true);
    int64_t deadline = clock_mono_ms () + timeout_ms;
    while (atomic_load (&self->active) > 0 && clock_mono_ms () < deadline)
        usleep (10 * 1000);
    if (atomic_load (&self->active) > 0)
        log_warn (NULL, "gateway: %d requests still open at shutdown", atomic_load (&self->active));
}

void
http_api_destroy (http_api_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_api_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    if (self->tls_daemon)
        MHD_stop_daemon (self->tls_daemon);
    if (self->scanning) {
        pthread_mutex_lock (&self->conns_lock);
        self->stopping = true;
        pthread_cond_signal (&self->scan_stop);
        pthread_mutex_unlock (&self->conns_lock);
        pthread_join (self->scan_thread, NULL);
    }
    pthread_cond_destroy (&self->scan_stop);
    pthread_mutex_destroy (&self->conns_lock);
    ipcount_destroy (&self->ips);
    free (self);
    *self_p = NULL;
}
