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

typedef struct {
    const char *address;          //  numeric address to listen on, e.g. "127.0.0.1"
    int port;                     //  0: any free port (see http_api_port)
    int threads;                  //  HTTP worker threads
    int request_timeout_ms;       //  deadline for a service's answer
    unsigned connection_limit;
    char *const *services;        //  those GET /readyz asks, NULL-terminated
} http_api_options_t;

typedef struct http_api_t http_api_t;

//  Listens and starts serving. Returns 0; RM_EINVAL (the address) or
//  RM_EUNAVAIL (cannot listen or start) after logging an error that names
//  the option to change (e.g. the port is in use); or RM_ENOMEM.
int http_api_new (const http_api_options_t *options, hub_t *hub, auth_t *auth, http_api_t **self_p);

//  The port actually listened on.
int http_api_port (http_api_t *self);

//  Stops accepting connections, answers further requests with 503, and
//  waits up to timeout_ms for requests in progress to finish.
void http_api_drain (http_api_t *self, int timeout_ms);

//  Stops the daemon and nulls the pointer.
void http_api_destroy (http_api_t **self_p);

#endif
