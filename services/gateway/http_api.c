#include "http_api.h"
#include "clock.h"
#include "correlation.h"
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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Idle keep-alive connections are closed after this many seconds.
#define HTTP_IDLE_TIMEOUT_S 30
//  sys.health answers come fast or not at all: readiness waits at most this.
#define READY_TIMEOUT_MS 1000

struct http_api_t {
    struct MHD_Daemon *daemon;
    hub_t *hub;
    auth_t *auth;
    char *const *services;        //  asked by GET /readyz
    size_t nservices;
    int request_timeout_ms;
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
    struct MHD_Connection *conn;
    route_match_t match;
    int64_t start_us;
    char method[16];
    char path[256];
    char cid[CORRELATION_MAX + 1];
    char idem[IDEMPOTENCY_KEY_MAX + 1];
    char caller[AUTH_CALLER_MAX];  //  the key's caller ID, "" on a public route
    char *body;
    size_t body_len;
    size_t body_cap;
    size_t received;              //  body bytes that arrived, kept or not
    bool too_large;
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

static req_t *
s_req_new (http_api_t *api, struct MHD_Connection *conn, const char *url, const char *method)
{
    req_t *req = (req_t *) calloc (1, sizeof *req);
    if (!req)
        return NULL;
    req->api = api;
    req->conn = conn;
    req->start_us = clock_mono_us ();
    snprintf (req->method, sizeof req->method, "%s", method);
    snprintf (req->path, sizeof req->path, "%s", url);
    correlation_pick (s_header (req, "X-Correlation-Id"), s_header (req, "traceparent"), req->cid);
    const route_t *route = route_find (method, url, &req->match);
    req->authorized = route && (!route->auth
                                || auth_check (api->auth, s_header (req, MHD_HTTP_HEADER_AUTHORIZATION), req->caller));
    //  a body nobody reads (unknown route, no key, GET) is drained unbuffered
    req->keep_body = req->authorized && route->body != ROUTE_BODY_NONE;
    msgpack_sbuffer_init (&req->call_body);
    atomic_fetch_add (&api->active, 1);
    return req;
}

static void
s_req_destroy (req_t **req_p)
{
    req_t *req = *req_p;
    hub_job_clear (&req->job);
    free (req->job.calls);
    msgpack_sbuffer_destroy (&req->call_body);
    free (req->body);
    atomic_fetch_sub (&req->api->active, 1);
    free (req);
    *req_p = NULL;
}

//  Queues the answer; takes the reply's body. extra_name/extra_value add
//  one more header (WWW-Authenticate, Allow, Connection) when not NULL.
static enum MHD_Result
s_send (req_t *req, translate_reply_t *reply, const char *extra_name, const char *extra_value)
{
    size_t len = 0;
    char *text = reply->body ? json_dumps (reply->body, JSON_COMPACT) : NULL;
    json_decref (reply->body);
    reply->body = NULL;
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
    }
    len = strlen (text);
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
            return s_send_problem (req, 413, "payload-too-large", "Request body too large",
                                   "The body must be at most 1 MiB.", MHD_HTTP_HEADER_CONNECTION, "close");
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
    req->job.deadline_ms = req->start_us / 1000 + req->api->request_timeout_ms;
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
    if (req->body_len + size > TRANSLATE_BODY_MAX) {
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

static enum MHD_Result
s_access (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) version;
    req_t *req = (req_t *) *con_cls;
    if (!req) {
        //  only set up here: an answer queued in the first call turns
        //  keep-alive off (MHD 0.9.75), except the one meant to close
        req = s_req_new ((http_api_t *) cls, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        const char *length = s_header (req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > TRANSLATE_BODY_MAX) {
            req->too_large = true;
            return s_send_problem (req, 413, "payload-too-large", "Request body too large",
                                   "The body must be at most 1 MiB.", MHD_HTTP_HEADER_CONNECTION, "close");
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        req->received += *upload_data_size;
        s_append_body (req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->status)
        return MHD_YES;
    if (req->state == REQ_WAITING)
        return s_answer_job (req);
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
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        log_info (req->cid, "%s %s %d %.1f ms", req->method, req->path, req->status, ms);
    else
        log_warn (req->cid, "%s %s %d %.1f ms (connection ended early, code %d)", req->method,
                  req->path, req->status, ms, (int) toe);
    s_req_destroy (&req);
    *con_cls = NULL;
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
    log_warn (NULL, "http: %s", text);
}

//  Binds the listen socket here rather than in MHD so a failure can name
//  the address, the port and the options to change. Returns the socket,
//  or RM_EINVAL (the address) or RM_EUNAVAIL after logging.
static int
s_listen (const http_api_options_t *options, int *port)
{
    char service[16];
    snprintf (service, sizeof service, "%d", options->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo (options->address, service, &hints, &ai);
    if (rc != 0) {
        log_error (NULL, "--http-address %s is not a numeric IP address: %s", options->address,
                   gai_strerror (rc));
        return RM_EINVAL;
    }
    int fd = socket (ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || bind (fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen (fd, 1024) != 0) {
        int e = errno;
        log_error (NULL, "cannot listen on %s port %d: %s (change --http-port or --http-address%s)",
                   options->address, options->port, strerror (e),
                   e == EADDRINUSE ? "; another process uses that port" : "");
        if (fd >= 0)
            close (fd);
        freeaddrinfo (ai);
        return RM_EUNAVAIL;
    }
    freeaddrinfo (ai);
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof addr;
    *port = options->port;
    if (getsockname (fd, (struct sockaddr *) &addr, &addrlen) == 0)
        *port = ntohs (addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &addr)->sin6_port
                                                  : ((struct sockaddr_in *) &addr)->sin_port);
    return fd;
}

int
http_api_new (const http_api_options_t *options, hub_t *hub, auth_t *auth, http_api_t **self_p)
{
    http_api_t *self = (http_api_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    self->hub = hub;
    self->auth = auth;
    self->services = options->services;
    while (self->services && self->services[self->nservices])
        self->nservices++;
    self->request_timeout_ms = options->request_timeout_ms;
    int fd = s_listen (options, &self->port);
    if (fd < 0) {
        free (self);
        return fd;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME
                     | MHD_USE_ERROR_LOG;
    unsigned threads = options->threads > 1 ? (unsigned) options->threads : 0;
    self->daemon = MHD_start_daemon (
        flags, 0, NULL, NULL, s_access, self,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, options->connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_IDLE_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_END);
    if (!self->daemon) {
        log_error (NULL, "cannot start the HTTP server on %s port %d (see the messages above; "
                   "check --http-threads)", options->address, self->port);
        close (fd);
        free (self);
        return RM_EUNAVAIL;
    }
    *self_p = self;
    return 0;
}

int
http_api_port (http_api_t *self)
{
    return self->port;
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
    MHD_stop_daemon (self->daemon);
    free (self);
    *self_p = NULL;
}
