//  http_client — libcurl multi on the service loop (see http_client.h).
#include "http_client.h"
#include "err.h"
#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct request_s {
    http_client_t *client;
    CURL *easy;
    struct curl_slist *headers;
    char *body;                    //  the response body so far, NUL-terminated
    size_t body_len;
    size_t body_cap;
    bool no_room;                  //  over the client's limit, or out of memory
    http_client_fn *fn;
    void *arg;
    struct request_s *prev, *next;
} http_request_t;

struct http_client_t {
    service_t *svc;
    CURLM *multi;
    size_t max_body;
    uint64_t timer;                //  libcurl's timeout on the loop, 0 when none
    bool closing;
    http_request_t *requests;      //  in flight, for destroy
    size_t pending;
    int *fds;                      //  descriptors libcurl asked the loop to watch
    size_t nfds, cap_fds;
};

//  ---- descriptors and the timer ---------------------------------------------

static void s_check_done (http_client_t *self);

static void
s_fd_ready (service_t *svc, int fd, int revents, void *arg)
{
    (void) svc;
    http_client_t *self = (http_client_t *) arg;
    int flags = (revents & ZMQ_POLLIN ? CURL_CSELECT_IN : 0) | (revents & ZMQ_POLLOUT ? CURL_CSELECT_OUT : 0)
                | (revents & ZMQ_POLLERR ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action (self->multi, fd, flags, &running);
    s_check_done (self);
}

static void
s_fd_forget (http_client_t *self, int fd)
{
    for (size_t i = 0; i < self->nfds; i++)
        if (self->fds[i] == fd) {
            self->fds[i] = self->fds[--self->nfds];
            service_fd_remove (self->svc, fd);
            return;
        }
}

static int
s_fd_watch (http_client_t *self, int fd, int events)
{
    bool known = false;
    for (size_t i = 0; i < self->nfds && !known; i++)
        known = self->fds[i] == fd;
    if (!known && self->nfds == self->cap_fds) {
        size_t cap = self->cap_fds ? self->cap_fds * 2 : 8;
        int *grown = (int *) realloc (self->fds, cap * sizeof *grown);
        if (!grown)
            return RM_ENOMEM;
        self->fds = grown;
        self->cap_fds = cap;
    }
    int rc = service_fd_add (self->svc, fd, events, s_fd_ready, self);
    if (rc == 0 && !known)
        self->fds[self->nfds++] = fd;
    return rc;
}

//  CURLMOPT_SOCKETFUNCTION: what libcurl wants to wait for on a socket.
static int
s_curl_socket (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void) easy, (void) socketp;
    http_client_t *self = (http_client_t *) userp;
    if (what == CURL_POLL_REMOVE || self->closing) {
        s_fd_forget (self, fd);
        return 0;
    }
    int events = (what & CURL_POLL_IN ? ZMQ_POLLIN : 0) | (what & CURL_POLL_OUT ? ZMQ_POLLOUT : 0);
    //  returning -1 fails the transfers on this socket, which their callbacks report
    return s_fd_watch (self, fd, events) == 0 ? 0 : -1;
}

static void
s_timeout (service_t *svc, void *arg)
{
    (void) svc;
    http_client_t *self = (http_client_t *) arg;
    self->timer = 0;
    int running;
    curl_multi_socket_action (self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    s_check_done (self);
}

//  CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle; -1 removes it.
static int
s_curl_timer (CURLM *multi, long timeout_ms, void *userp)
{
    (void) multi;
    http_client_t *self = (http_client_t *) userp;
    if (self->timer)
        service_timer_cancel (self->svc, self->timer);
    self->timer = 0;
    if (timeout_ms < 0 || self->closing)
        return 0;
    int delay = timeout_ms > 24L * 3600 * 1000 ? 24 * 3600 * 1000 : (int) timeout_ms;
    return service_timer_add (self->svc, delay, s_timeout, self, &self->timer) == 0 ? 0 : -1;
}

//  ---- requests -------------------------------------------------------------------

static void
s_request_free (http_request_t *req)
{
    http_client_t *self = req->client;
    curl_multi_remove_handle (self->multi, req->easy);
    curl_easy_cleanup (req->easy);
    curl_slist_free_all (req->headers);
    if (req->prev)
        req->prev->next = req->next;
    else
        self->requests = req->next;
    if (req->next)
        req->next->prev = req->prev;
    self->pending--;
    free (req->body);
    free (req);
}

static int
s_err (const http_request_t *req, CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return RM_ETIMEOUT;
    case CURLE_WRITE_ERROR:
        return req->no_room ? RM_ENOMEM : RM_EUNAVAIL;
    case CURLE_OUT_OF_MEMORY:
        return RM_ENOMEM;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
        return RM_EPROTO;
    default:
        return RM_EUNAVAIL;
    }
}

//  Hands every finished transfer to its callback. The request leaves the
//  multi handle before its callback runs, so the callback may start new
//  requests.
static void
s_check_done (http_client_t *self)
{
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read (self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        http_request_t *req = NULL;
        curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
        int err = s_err (req, msg->data.result);
        long status = 0;
        if (err == 0)
            curl_easy_getinfo (req->easy, CURLINFO_RESPONSE_CODE, &status);
        http_client_fn *fn = req->fn;
        void *arg = req->arg;
        char *body = NULL;
        size_t body_len = 0;
        if (err == 0) {
            body = req->body;
            body_len = req->body_len;
            req->body = NULL;
        }
        s_request_free (req);
        fn (arg, err, status, body ? body : (err == 0 ? "" : NULL), body_len);
        free (body);
    }
}

static size_t
s_write (char *data, size_t size, size_t n, void *userp)
{
    http_request_t *req = (http_request_t *) userp;
    size_t len = size * n, max = req->client->max_body;
    if (len > max - req->body_len) {
        req->no_room = true;
        return 0;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        while (cap < req->body_len + len + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        char *grown = (char *) realloc (req->body, cap);
        if (!grown) {
            req->no_room = true;
            return 0;
        }
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy (req->body + req->body_len, data, len);
    req->body_len += len;
    req->body[req->body_len] = '\0';
    return len;
}

static bool
s_no_line_break (const char *s)
{
    return !strpbrk (s, "\r\n");
}

static bool
s_valid (const char *method, const char *url, const char *const *headers, const char *body,
         size_t body_len, const char *cid, int timeout_ms, http_client_fn *fn)
{
    if (!method || !*method || !url || !fn || timeout_ms < 1 || (!body && body_len))
        return false;
    for (const char *c = method; *c; c++)
        if (*c < 'A' || *c > 'Z')
            return false;
    if (body_len && strcmp (method, "HEAD") == 0)
        return false;
    if (strncasecmp (url, "http://", 7) != 0 && strncasecmp (url, "https://", 8) != 0)
        return false;
    for (const char *const *h = headers; h && *h; h++)
        if (!strchr (*h, ':') || !s_no_line_break (*h))
            return false;
    return !cid || (strlen (cid) <= 256 && s_no_line_break (cid));
}

static int
s_prepare (http_request_t *req, const char *method, const char *url, const char *const *headers,
           const char *body, size_t body_len, const char *cid, int timeout_ms)
{
    for (const char *const *h = headers; h && *h; h++)
        if (!(req->headers = curl_slist_append (req->headers, *h)))
            return RM_ENOMEM;
    if (cid && *cid) {
        char line[512];
        snprintf (line, sizeof line, "X-Correlation-Id: %s", cid);
        if (!(req->headers = curl_slist_append (req->headers, line)))
            return RM_ENOMEM;
    }
    bool has_body = body_len > 0 || strcmp (method, "POST") == 0;
    //  "Expect: 100-continue" would hold a large body back for a second
    //  round trip, or until libcurl gives up waiting
    if (has_body && !(req->headers = curl_slist_append (req->headers, "Expect:")))
        return RM_ENOMEM;
    CURL *easy = req->easy;
    CURLcode rc = curl_easy_setopt (easy, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_HTTPHEADER, req->headers);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, s_write);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_WRITEDATA, req);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt (easy, CURLOPT_PRIVATE, req);
    if (rc == CURLE_OK && strcmp (method, "HEAD") == 0)
        rc = curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
    else if (rc == CURLE_OK && has_body) {
        rc = curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (easy, CURLOPT_COPYPOSTFIELDS, body ? body : "");
    }
    //  libcurl's own choice is GET, HEAD with NOBODY, or POST with a body
    bool own = strcmp (method, "HEAD") == 0 || strcmp (method, "POST") == 0
               || (strcmp (method, "GET") == 0 && !has_body);
    if (rc == CURLE_OK && !own)
        rc = curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    return rc == CURLE_OK ? 0 : RM_ENOMEM;
}

int
http_client_request (http_client_t *self, const char *method, const char *url,
                     const char *const *headers, const char *body, size_t body_len,
                     const char *cid, int timeout_ms, http_client_fn *fn, void *arg)
{
    if (!self || !s_valid (method, url, headers, body, body_len, cid, timeout_ms, fn))
        return RM_EINVAL;
    http_request_t *req = (http_request_t *) calloc (1, sizeof *req);
    if (!req)
        return RM_ENOMEM;
    *req = (http_request_t) {.client = self, .fn = fn, .arg = arg};
    int rc = (req->easy = curl_easy_init ()) ? s_prepare (req, method, url, headers, body, body_len, cid, timeout_ms)
                                             : RM_ENOMEM;
    if (rc == 0 && curl_multi_add_handle (self->multi, req->easy) != CURLM_OK)
        rc = RM_ENOMEM;
    if (rc != 0) {
        curl_easy_cleanup (req->easy);
        curl_slist_free_all (req->headers);
        free (req);
        return rc;
    }
    req->next = self->requests;
    if (self->requests)
        self->requests->prev = req;
    self->requests = req;
    self->pending++;
    return 0;
}

size_t
http_client_pending (http_client_t *self)
{
    return self ? self->pending : 0;
}

//  ---- the client ----------------------------------------------------------------

int
http_client_new (service_t *svc, size_t max_body, http_client_t **self_p)
{
    if (!svc || !max_body || !self_p)
        return RM_EINVAL;
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return RM_ENOMEM;
    http_client_t *self = (http_client_t *) calloc (1, sizeof *self);
    if (!self || !(self->multi = curl_multi_init ())) {
        free (self);
        curl_global_cleanup ();
        return RM_ENOMEM;
    }
    self->svc = svc;
    self->max_body = max_body;
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, s_curl_socket);
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, s_curl_timer);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
    *self_p = self;
    return 0;
}

void
http_client_destroy (http_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    http_client_t *self = *self_p;
    //  libcurl calls back while it closes: no new watches or timers from here
    self->closing = true;
    while (self->requests)
        s_request_free (self->requests);
    curl_multi_cleanup (self->multi);
    while (self->nfds)
        s_fd_forget (self, self->fds[0]);
    if (self->timer)
        service_timer_cancel (self->svc, self->timer);
    free (self->fds);
    free (self);
    curl_global_cleanup ();
    *self_p = NULL;
}
