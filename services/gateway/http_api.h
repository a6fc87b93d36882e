//  http_api — the gateway's HTTP/JSON front door: a libmicrohttpd daemon
//  whose access handler routes each request, checks the API key, turns
//  the JSON into an operation body, hands the call to the hub and suspends
//  the connection; the hub resumes it when the answer (or the deadline)
//  comes, and the handler then sends the HTTP answer. No HTTP thread ever
//  waits on a service.
#ifndef RM_GW_HTTP_API_H
#define RM_GW_HTTP_API_H

#include "auth.h"
#include "hub.h"

//  The edge's limits. Whatever goes past one is refused with a problem
//  (http_api.c says which status), or, where no HTTP answer can be had
//  (a connection over a cap, headers that never end), the connection
//  is closed.
#define HTTP_HEADERS_MAX 64           //  header fields of a request (431)
#define HTTP_HEADER_BYTES_MAX 16384   //  their names and values together (431)
#define HTTP_URI_MAX 8192             //  the request target as sent (414)
#define HTTP_QUERY_PARAMS_MAX 100     //  query arguments (400)

typedef struct {
    const char *address;          //  numeric address to listen on, e.g. "127.0.0.1"
    int port;                     //  plain HTTP; 0: any free port (see http_api_port), -1: none
    const char *https_address;    //  for HTTPS; NULL: address
    int https_port;               //  HTTPS, like port; needs tls_cert and tls_key
    const char *tls_cert;         //  PEM certificate chain (NULL without HTTPS)
    const char *tls_key;          //  PEM private key
    int threads;                  //  HTTP worker threads
    int request_timeout_ms;       //  deadline for a service's answer
    int batch_timeout_ms;         //  the same for a batch route (up to 10,000 items in one call)
    int request_deadline_ms;      //  deadline for a request's headers and body to arrive
    unsigned connection_limit;    //  connections at once, per listener
    unsigned per_ip_limit;        //  connections at once from one client address; more are closed at accept
    unsigned per_ip_soft_limit;   //  more than this from one address are answered 429 (below per_ip_limit); 0: none
    char *const *services;        //  those GET /readyz asks, NULL-terminated
} http_api_options_t;

typedef struct http_api_t http_api_t;

//  Listens and starts serving, on plain HTTP, HTTPS (TLS 1.2 or later) or
//  both. Returns 0; RM_EINVAL (the address, the certificate or key) or
//  RM_EUNAVAIL (cannot listen or start) after logging an error that names
//  the option to change (e.g. the port is in use); or RM_ENOMEM.
int http_api_new (const http_api_options_t *options, hub_t *hub, auth_t *auth, http_api_t **self_p);

//  The plain HTTP and the HTTPS port actually listened on; -1 for none.
int http_api_port (http_api_t *self);
int http_api_https_port (http_api_t *self);

//  Stops accepting connections, answers further requests with 503, and
//  waits up to timeout_ms for requests in progress to finish.
void http_api_drain (http_api_t *self, int timeout_ms);

//  Stops the daemon and nulls the pointer.
void http_api_destroy (http_api_t **self_p);

#endif
