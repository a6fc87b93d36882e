//  http_client — outbound HTTP requests made asynchronously inside a
//  service's loop: libcurl's multi interface on the loop's file
//  descriptors (service_fd_add) and timers (service_timer_add), driven by
//  curl_multi_socket_action, so many requests are in flight at once and
//  none blocks the loop. Owns the curl multi handle and one easy handle
//  per request in flight. Only http:// and https:// URLs; redirects are
//  not followed. Not thread-safe: one client belongs to one service loop.
#ifndef RM_HTTP_CLIENT_H
#define RM_HTTP_CLIENT_H

#include "service.h"
#include <stddef.h>

typedef struct http_client_t http_client_t;

//  Called once per request, in the loop like a timer callback (it may
//  service_write, call and make new requests, but not destroy the client).
//  err is 0 when a response arrived, whatever its status, with body
//  (NUL-terminated, "" when empty) valid only during the callback; else
//  status is 0, body NULL and err is RM_ETIMEOUT (no complete response
//  within the request's timeout), RM_ENOMEM (the response body is larger
//  than the client's limit, or out of memory), RM_EPROTO (the server's
//  reply is not HTTP) or RM_EUNAVAIL (refused, unreachable, unresolvable
//  or dropped connection, or any other transport failure). Logs nothing:
//  the caller knows what a failure means.
typedef void (http_client_fn) (void *arg, int err, long status, const char *body, size_t body_len);

//  Creates a client on svc's loop; response bodies longer than max_body
//  bytes fail their request with RM_ENOMEM. Returns 0, RM_EINVAL (svc
//  NULL or max_body 0) or RM_ENOMEM (libcurl could not be initialised).
//  Logs nothing.
int http_client_new (service_t *svc, size_t max_body, http_client_t **self_p);

//  Stops watching the client's descriptors and timer and frees it; call
//  it before service_destroy, and not from a request's callback. Requests
//  in flight are abandoned: their callbacks are not called. Nulls the
//  pointer.
void http_client_destroy (http_client_t **self_p);

//  Starts a request. method is an upper-case token ("GET", "POST", ...);
//  headers are "Name: value" strings, NULL-terminated (may be NULL); body
//  (copied, may be NULL when body_len is 0) is sent as is, with the
//  Content-Type the caller names in headers; cid, when not NULL or empty,
//  is sent as X-Correlation-Id. timeout_ms (at least 1) bounds the whole
//  request, connection included. Returns 0, after which fn is called
//  exactly once (unless the client is destroyed first); RM_EINVAL (no
//  method or URL, a method that is not an upper-case token, a URL that is
//  neither http:// nor https://, a header without ':' or with a line
//  break, a correlation ID longer than 256 bytes or with a line break,
//  body NULL with body_len > 0, a body with HEAD, timeout_ms < 1, fn
//  NULL); or RM_ENOMEM. fn is not called when the return is not 0.
int http_client_request (http_client_t *self, const char *method, const char *url,
                         const char *const *headers, const char *body, size_t body_len,
                         const char *cid, int timeout_ms, http_client_fn *fn, void *arg);

//  Number of requests in flight.
size_t http_client_pending (http_client_t *self);

#endif
