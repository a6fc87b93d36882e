//  sockmon — watches a service's bound sockets (libzmq's socket monitor)
//  and counts what the service itself never sees: handshakes that failed
//  (a client without CURVE, with the wrong mechanism or a malformed
//  greeting, or a key the ZAP handler refused) and connections that ended
//  after their handshake succeeded.
//
//  libzmq 4.3.4 reports a connection it drops for a frame over
//  ZMQ_MAXMSGSIZE exactly as one the client closed (ZMQ_EVENT_DISCONNECTED,
//  no reason), so the second count holds both; it is the one that rises
//  when a client's frames are too big. Every failed handshake is also
//  followed by a disconnect, which is not counted again. The events are
//  read on the monitor's own thread; the counts are read from any.
#ifndef RM_SOCKMON_H
#define RM_SOCKMON_H

#include <czmq.h>
#include <stdint.h>

typedef struct sockmon_t sockmon_t;

int sockmon_new (sockmon_t **self_p);

//  Stops the thread (if started) and nulls the pointer. The watched
//  sockets may be closed before or after.
void sockmon_destroy (sockmon_t **self_p);

//  Watches sock (in the thread that owns it), naming it label in logs
//  ("request", "event"). Returns 0, RM_EINVAL after sockmon_start or past
//  SOCKMON_MAX sockets, RM_EUNAVAIL when libzmq refuses the monitor, or
//  RM_ENOMEM.
#define SOCKMON_MAX 4
int sockmon_watch (sockmon_t *self, zsock_t *sock, const char *label);

//  Starts reading the events. Returns 0 or RM_ENOMEM.
int sockmon_start (sockmon_t *self);

//  Handshakes that failed on any watched socket, whatever the reason.
uint64_t sockmon_refused (sockmon_t *self);

//  Connections that ended after a successful handshake: closed by the
//  client, or dropped by libzmq (a frame over the size limit).
uint64_t sockmon_disconnects (sockmon_t *self);

#endif
