//  The service loop's timers and file descriptors, in a real service run
//  in this process with no requests at all: a periodic timer from the
//  descriptor, one-shot timers in deadline order, a cancelled one that
//  never runs, a pipe watched with service_fd_add, and an HTTP GET to a
//  loopback libmicrohttpd server through http_client (libcurl's multi
//  interface on the loop's descriptors and timers) driven entirely by the
//  loop.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "http_client.h"
#include "loophost.h"
#include "service.h"
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BODY "hello from the loopback server"

typedef struct {
    service_t *svc;
    int ticks;                     //  the descriptor's periodic timer
    int order[4];
    int64_t fired_at[4];
    int nfired;
    int64_t started;
    bool cancelled_ran;
    int pipe_fds[2];
    char piped[32];
    bool pipe_removed;
    //  an HTTP request, driven by the loop
    http_client_t *http;
    char got[256];
    long status;
    int result;
    bool done;
} loop_t;

static loop_t s_loop;

static void
s_tick (service_t *svc, void *arg)
{
    (void) svc, (void) arg;
    s_loop.ticks++;
}

static const service_route_t s_routes[] = {{NULL, NULL}};
static const service_timer_t s_timers[] = {{"tick", 20, s_tick}, {NULL, 0, NULL}};
static const service_def_t s_def = {.name = "looptest", .schema_version = 1, .routes = s_routes, .timers = s_timers};

//  ---- one-shot timers -------------------------------------------------------

static int s_tags[4] = {0, 1, 2, 3};

static void
s_fired (service_t *svc, void *arg)
{
    (void) svc;
    if (s_loop.nfired < 4) {
        s_loop.order[s_loop.nfired] = *(int *) arg;
        s_loop.fired_at[s_loop.nfired] = clock_mono_ms ();
    }
    s_loop.nfired++;
}

static void
s_never (service_t *svc, void *arg)
{
    (void) svc, (void) arg;
    s_loop.cancelled_ran = true;
}

//  ---- a pipe --------------------------------------------------------------------

static void
s_pipe_readable (service_t *svc, int fd, int revents, void *arg)
{
    (void) arg;
    CHECK (revents & ZMQ_POLLIN);
    ssize_t n = read (fd, s_loop.piped, sizeof s_loop.piped - 1);
    if (n > 0)
        s_loop.piped[n] = '\0';
    s_loop.pipe_removed = service_fd_remove (svc, fd) == 0;
}

static void
s_pipe_write (service_t *svc, void *arg)
{
    (void) svc, (void) arg;
    CHECK (write (s_loop.pipe_fds[1], "ping", 4) == 4);
}

//  ---- an HTTP request on the loop -------------------------------------------

static void
s_http_done (void *arg, int err, long status, const char *body, size_t body_len)
{
    (void) arg;
    s_loop.result = err;
    s_loop.status = status;
    if (body && body_len < sizeof s_loop.got)
        memcpy (s_loop.got, body, body_len + 1);
    s_loop.done = true;
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void) cls, (void) url, (void) version, (void) upload, (void) upload_size, (void) state;
    if (strcmp (method, "GET") != 0)
        return MHD_NO;
    struct MHD_Response *response = MHD_create_response_from_buffer (strlen (BODY), (void *) BODY,
                                                                     MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response (connection, MHD_HTTP_OK, response);
    MHD_destroy_response (response);
    return rc;
}

//  ---- the run --------------------------------------------------------------------

static void
s_stop_when_done (service_t *svc, void *arg)
{
    (void) arg;
    int64_t now = clock_mono_ms ();
    bool all = s_loop.done && s_loop.nfired == 3 && s_loop.pipe_removed && s_loop.ticks >= 3;
    if (all || now - s_loop.started > 20000)
        service_stop (svc);
    else
        service_timer_add (svc, 10, s_stop_when_done, NULL, NULL);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (loophost_open (&host, &s_def), 0);
    s_loop.svc = host.svc;
    service_t *svc = s_loop.svc;
    unsigned port = 0;
    struct MHD_Daemon *http = loophost_http_server (0, s_answer, NULL, &port);
    CHECK (http);
    char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%u/hello", port);

    CHECK_EQ_INT (http_client_new (svc, 4096, &s_loop.http), 0);
    CHECK_EQ_INT (http_client_request (s_loop.http, "GET", url, NULL, NULL, 0, "loop-cid", 10000, s_http_done, NULL), 0);
    CHECK_EQ_INT ((int) http_client_pending (s_loop.http), 1);

    //  one-shot timers set out of order run in deadline order, on time
    s_loop.started = clock_mono_ms ();
    uint64_t never = 0;
    CHECK_EQ_INT (service_timer_add (svc, 90, s_fired, &s_tags[2], NULL), 0);
    CHECK_EQ_INT (service_timer_add (svc, 30, s_fired, &s_tags[0], NULL), 0);
    CHECK_EQ_INT (service_timer_add (svc, 60, s_never, NULL, &never), 0);
    CHECK_EQ_INT (service_timer_add (svc, 60, s_fired, &s_tags[1], NULL), 0);
    CHECK_EQ_INT (service_timer_cancel (svc, never), 0);
    CHECK_EQ_INT (service_timer_cancel (svc, never), RM_ENOTFOUND);
    CHECK_EQ_INT (service_timer_add (svc, -1, s_fired, NULL, NULL), RM_EINVAL);

    CHECK (pipe (s_loop.pipe_fds) == 0);
    CHECK_EQ_INT (service_fd_add (svc, s_loop.pipe_fds[0], ZMQ_POLLIN, s_pipe_readable, NULL), 0);
    CHECK_EQ_INT (service_fd_add (svc, -1, ZMQ_POLLIN, s_pipe_readable, NULL), RM_EINVAL);
    CHECK_EQ_INT (service_fd_add (svc, s_loop.pipe_fds[0], 0, s_pipe_readable, NULL), RM_EINVAL);
    CHECK_EQ_INT (service_fd_remove (svc, 12345), RM_ENOTFOUND);
    CHECK_EQ_INT (service_timer_add (svc, 40, s_pipe_write, NULL, NULL), 0);
    CHECK_EQ_INT (service_timer_add (svc, 10, s_stop_when_done, NULL, NULL), 0);

    CHECK_EQ_INT (service_run (svc), 0);

    CHECK_EQ_INT (s_loop.nfired, 3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT (s_loop.order[i], i);
    CHECK (s_loop.fired_at[0] - s_loop.started >= 30);
    CHECK (s_loop.fired_at[1] - s_loop.started >= 60);
    CHECK (s_loop.fired_at[2] - s_loop.started >= 90);
    CHECK (!s_loop.cancelled_ran);
    CHECK (s_loop.ticks >= 3);
    CHECK_STR (s_loop.piped, "ping");
    CHECK (s_loop.pipe_removed);

    CHECK (s_loop.done);
    CHECK_EQ_INT (s_loop.result, 0);
    CHECK_EQ_INT (s_loop.status, 200);
    CHECK_STR (s_loop.got, BODY);
    CHECK_EQ_INT ((int) http_client_pending (s_loop.http), 0);

    http_client_destroy (&s_loop.http);
    CHECK (!s_loop.http);
    if (http)
        MHD_stop_daemon (http);
    close (s_loop.pipe_fds[0]);
    close (s_loop.pipe_fds[1]);
    loophost_close (&host);
    return harness_report (argv[0]);
}
