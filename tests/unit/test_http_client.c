//  http_client against a loopback libmicrohttpd server, driven by a real
//  service loop: concurrent requests with their methods, bodies, headers
//  and correlation IDs; a timeout, a refused connection, a body over the
//  limit, bad arguments; destroy with requests in flight.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "http_client.h"
#include "loophost.h"
#include "service.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NCONCURRENT 5
#define SERVER_WAIT_MS 10000
#define BIG_BODY 65536             //  more than the small client takes, in several pieces

//  ---- the server ------------------------------------------------------------------
//  /echo/<status> answers with <status> and a line naming what it got, once
//  NCONCURRENT echo requests have arrived: they only all complete when the
//  client really has them in flight at once. /slow answers once released;
//  /big answers with BIG_BODY bytes.

static atomic_int s_echo_arrived;
static atomic_int s_slow_arrived;
static atomic_bool s_release;

typedef struct {
    char body[256];
    size_t len;
} upload_t;

static void
s_wait_for (bool (*cond) (void))
{
    int64_t until = clock_mono_ms () + SERVER_WAIT_MS;
    while (!cond () && clock_mono_ms () < until)
        usleep (2000);
}

static bool
s_all_echoes (void)
{
    return atomic_load (&s_echo_arrived) >= NCONCURRENT;
}

static bool
s_released (void)
{
    return atomic_load (&s_release);
}

static enum MHD_Result
s_reply (struct MHD_Connection *connection, unsigned status, const char *text)
{
    struct MHD_Response *response = MHD_create_response_from_buffer (strlen (text), (void *) text,
                                                                     MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void) cls, (void) version;
    if (!*state) {
        upload_t *up = (upload_t *) calloc (1, sizeof *up);
        if (!up)
            return MHD_NO;
        *state = up;
        if (strncmp (url, "/echo/", 6) == 0)
            atomic_fetch_add (&s_echo_arrived, 1);
        else if (strcmp (url, "/slow") == 0)
            atomic_fetch_add (&s_slow_arrived, 1);
        return MHD_YES;
    }
    upload_t *up = (upload_t *) *state;
    if (*upload_size) {
        size_t room = sizeof up->body - 1 - up->len, n = *upload_size < room ? *upload_size : room;
        memcpy (up->body + up->len, upload, n);
        up->len += n;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp (url, "/slow") == 0) {
        s_wait_for (s_released);
        return s_reply (connection, MHD_HTTP_OK, "late");
    }
    if (strcmp (url, "/big") == 0) {
        static char big[BIG_BODY + 1];
        memset (big, 'x', BIG_BODY);
        return s_reply (connection, MHD_HTTP_OK, big);
    }
    if (strncmp (url, "/echo/", 6) != 0)
        return s_reply (connection, MHD_HTTP_NOT_FOUND, "no such page");
    s_wait_for (s_all_echoes);
    const char *cid = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "X-Correlation-Id");
    const char *type = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Content-Type");
    char line[512];
    snprintf (line, sizeof line, "%s cid=%s type=%s body=%s", method, cid ? cid : "-", type ? type : "-",
              up->body);
    return s_reply (connection, (unsigned) atoi (url + 6), line);
}

static void
s_completed (void *cls, struct MHD_Connection *connection, void **state, enum MHD_RequestTerminationCode code)
{
    (void) cls, (void) connection, (void) code;
    free (*state);
    *state = NULL;
}

//  ---- the client side ---------------------------------------------------------------

typedef struct {
    bool done;
    int calls;
    int err;
    long status;
    char body[512];
    int64_t sent_at, done_at;
} result_t;

static void
s_done (void *arg, int err, long status, const char *body, size_t body_len)
{
    result_t *r = (result_t *) arg;
    r->calls++;
    r->done = true;
    r->err = err;
    r->status = status;
    r->done_at = clock_mono_ms ();
    if (body && body_len < sizeof r->body)
        memcpy (r->body, body, body_len + 1);
    else
        snprintf (r->body, sizeof r->body, "%s", body ? "(too long)" : "(null)");
}

static result_t s_echo[NCONCURRENT], s_timeout, s_refused, s_too_big, s_abandoned[3];

static bool
s_first_phase_done (void)
{
    for (int i = 0; i < NCONCURRENT; i++)
        if (!s_echo[i].done)
            return false;
    return s_timeout.done && s_refused.done && s_too_big.done;
}

static bool
s_slow_all_arrived (void)
{
    //  the one of the timeout case, then the three abandoned ones
    return atomic_load (&s_slow_arrived) >= 4;
}

static bool s_mark_set;

static void
s_mark (service_t *svc, void *arg)
{
    (void) svc, (void) arg;
    s_mark_set = true;
}

//  One service_run goes through the phases, checked every 5 ms, for 20 s
//  at most: the first requests complete; then three more are sent to
//  /slow, and once the server holds them all the client is destroyed
//  from inside the loop; then the loop goes on turning without it.
static http_client_t *s_http;
static char s_slow_url[128];
static int s_phase;
static int64_t s_give_up;
static size_t s_pending_at_destroy;

static void
s_step (service_t *svc, void *arg)
{
    (void) arg;
    static const char *json[] = {"Content-Type: application/json", NULL};
    if (s_phase == 0 && s_first_phase_done ()) {
        for (int i = 0; i < 3; i++)
            CHECK_EQ_INT (http_client_request (s_http, "POST", s_slow_url, json, "{}", 2, "cid-gone", 15000, s_done,
                                               &s_abandoned[i]),
                          0);
        s_phase = 1;
    }
    else if (s_phase == 1 && s_slow_all_arrived ()) {
        s_pending_at_destroy = http_client_pending (s_http);
        http_client_destroy (&s_http);
        CHECK_EQ_INT (service_timer_add (svc, 50, s_mark, NULL, NULL), 0);
        s_phase = 2;
    }
    else if (s_phase == 2 && s_mark_set)
        s_phase = 3;
    if (s_phase == 3 || clock_mono_ms () > s_give_up)
        service_stop (svc);
    else
        service_timer_add (svc, 5, s_step, NULL, NULL);
}

int
main (int argc, char **argv)
{
    (void) argc;
    static const service_route_t routes[] = {{NULL, NULL}};
    static const service_def_t def = {.name = "httptest", .schema_version = 1, .routes = routes};
    loophost_t host;
    CHECK_EQ_INT (loophost_open (&host, &def), 0);
    service_t *svc = host.svc;
    unsigned port = 0;
    struct MHD_Daemon *server = loophost_http_server (MHD_USE_THREAD_PER_CONNECTION, s_answer, s_completed, &port);
    CHECK (server);
    char base[64], refused[64];
    snprintf (base, sizeof base, "http://127.0.0.1:%u", port);
    //  a port just found free has no listener
    snprintf (refused, sizeof refused, "http://127.0.0.1:%d/echo/200", harness_free_port ());

    http_client_t *http = NULL, *small = NULL;
    snprintf (s_slow_url, sizeof s_slow_url, "%s/slow", base);
    CHECK_EQ_INT (http_client_new (NULL, 4096, &http), RM_EINVAL);
    CHECK_EQ_INT (http_client_new (svc, 0, &http), RM_EINVAL);
    CHECK (!http);
    CHECK_EQ_INT (http_client_new (svc, 4096, &http), 0);
    CHECK_EQ_INT (http_client_new (svc, BIG_BODY / 3, &small), 0);

    //  bad arguments: refused before anything is sent, no callback
    result_t bad = {0};
    const char *no_colon[] = {"Content-Type application/json", NULL};
    const char *crlf[] = {"X-A: 1\r\nX-B: 2", NULL};
    char url[128];
    snprintf (url, sizeof url, "%s/echo/200", base);
    CHECK_EQ_INT (http_client_request (http, "get", url, NULL, NULL, 0, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "", url, NULL, NULL, 0, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", "ftp://127.0.0.1/x", NULL, NULL, 0, NULL, 1000, s_done, &bad),
                  RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", url, no_colon, NULL, 0, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", url, crlf, NULL, 0, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", url, NULL, NULL, 0, "a\nb", 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", url, NULL, NULL, 0, NULL, 0, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "POST", url, NULL, NULL, 5, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "GET", url, NULL, NULL, 0, NULL, 1000, NULL, &bad), RM_EINVAL);
    CHECK_EQ_INT (http_client_request (http, "HEAD", url, NULL, "x", 1, NULL, 1000, s_done, &bad), RM_EINVAL);
    CHECK_EQ_INT ((int) http_client_pending (http), 0);

    //  concurrent requests, each with its own method, status, body and correlation ID
    static const char *methods[NCONCURRENT] = {"POST", "PUT", "PATCH", "GET", "DELETE"};
    static const int statuses[NCONCURRENT] = {201, 200, 202, 409, 503};
    static const char *bodies[NCONCURRENT] = {"{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", ""};
    const char *json[] = {"Content-Type: application/json", NULL};
    for (int i = 0; i < NCONCURRENT; i++) {
        char cid[32];
        snprintf (url, sizeof url, "%s/echo/%d", base, statuses[i]);
        snprintf (cid, sizeof cid, "cid-%d", i);
        CHECK_EQ_INT (http_client_request (http, methods[i], url, json, bodies[i], strlen (bodies[i]), cid, 15000,
                                           s_done, &s_echo[i]),
                      0);
    }
    s_timeout.sent_at = clock_mono_ms ();
    CHECK_EQ_INT (http_client_request (http, "GET", s_slow_url, NULL, NULL, 0, "cid-slow", 300, s_done, &s_timeout), 0);
    CHECK_EQ_INT (http_client_request (http, "GET", refused, NULL, NULL, 0, NULL, 5000, s_done, &s_refused), 0);
    snprintf (url, sizeof url, "%s/big", base);
    CHECK_EQ_INT (http_client_request (small, "GET", url, NULL, NULL, 0, NULL, 5000, s_done, &s_too_big), 0);
    CHECK_EQ_INT ((int) http_client_pending (http), NCONCURRENT + 2);

    s_http = http;
    s_give_up = clock_mono_ms () + 20000;
    CHECK_EQ_INT (service_timer_add (svc, 0, s_step, NULL, NULL), 0);
    CHECK_EQ_INT (service_run (svc), 0);
    CHECK_EQ_INT (s_phase, 3);

    for (int i = 0; i < NCONCURRENT; i++) {
        char want[256];
        snprintf (want, sizeof want, "%s cid=cid-%d type=application/json body=%s", methods[i], i, bodies[i]);
        CHECK (s_echo[i].done);
        CHECK_EQ_INT (s_echo[i].calls, 1);
        CHECK_EQ_INT (s_echo[i].err, 0);
        CHECK_EQ_INT ((int) s_echo[i].status, statuses[i]);
        CHECK_STR (s_echo[i].body, want);
    }
    CHECK_EQ_INT (s_timeout.err, RM_ETIMEOUT);
    CHECK_EQ_INT ((int) s_timeout.status, 0);
    CHECK_STR (s_timeout.body, "(null)");
    CHECK (s_timeout.done_at - s_timeout.sent_at >= 300);
    CHECK (s_timeout.done_at - s_timeout.sent_at < 5000);
    CHECK_EQ_INT (s_refused.err, RM_EUNAVAIL);
    CHECK_EQ_INT (s_too_big.err, RM_ENOMEM);
    CHECK_EQ_INT (bad.calls, 0);
    CHECK_EQ_INT ((int) http_client_pending (small), 0);

    //  destroyed with requests in flight: no callback, nothing left behind
    CHECK (s_slow_all_arrived ());
    CHECK_EQ_INT ((int) s_pending_at_destroy, 3);
    CHECK (!s_http);
    http_client_destroy (&s_http);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT (s_abandoned[i].calls, 0);
    CHECK (s_mark_set);
    http_client_destroy (&small);

    atomic_store (&s_release, true);
    if (server)
        MHD_stop_daemon (server);
    loophost_close (&host);
    return harness_report (argv[0]);
}
