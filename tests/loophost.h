//  loophost — what tests of the service loop share: a real service run in
//  the test's own process (temp store, free loopback ports, quiet log) and
//  a libmicrohttpd server on a free loopback port for it to call.
#ifndef RM_LOOPHOST_H
#define RM_LOOPHOST_H

#include "service.h"
#include <microhttpd.h>

typedef struct {
    char *dir;                     //  the store's temporary directory
    topology_t *topo;              //  the built-in table and a row for the service
    config_t *cfg;
    service_t *svc;
} loophost_t;

//  Opens def as a service on a temporary store and free ports (its row of
//  the topology). Returns 0 or the failing code (the topology's,
//  config_new's, service_config_define's or service_new's).
int loophost_open (loophost_t *self, const service_def_t *def);

//  Destroys the service and its configuration and removes the store.
void loophost_close (loophost_t *self);

//  Starts a server on 127.0.0.1 and a free port, answering with handler;
//  flags add to MHD_USE_INTERNAL_POLLING_THREAD; completed (may be NULL)
//  runs when a request ends. Returns NULL when it cannot start; else
//  *port is its port.
struct MHD_Daemon *loophost_http_server (unsigned flags, MHD_AccessHandlerCallback handler,
                                         MHD_RequestCompletedCallback completed, unsigned *port);

//  How many events of type (every type when NULL) the service logged after
//  sequence number after (an outbox_mark; the batch is not committed, the
//  read sees it). The bodies of the first max are decoded with fields
//  (NULL: none) into records, an array of items of size bytes (record_free
//  each).
size_t loophost_events_decoded (service_t *svc, uint64_t after, const char *type, const field_spec_t *fields,
                                void *records, size_t size, size_t max);

//  loophost_events_decoded that only counts.
size_t loophost_events (service_t *svc, uint64_t after, const char *type);

#endif
