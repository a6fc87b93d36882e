//  zap — the ZAP handler of a service process: decides which CURVE clients
//  a bound socket admits, by domain (one allow-list for the request socket,
//  one for the event socket), and counts the refusals.
//
//  CZMQ's zauth keeps one certificate store for the whole process and
//  counts nothing; a service admits different callers on its ROUTER and
//  its PUB and reports refusals in sys.health, so this handler answers ZAP
//  itself (RFC 27) on its own thread. Allow-lists are filled before
//  zap_start and read-only afterwards.
#ifndef RM_ZAP_H
#define RM_ZAP_H

#include "topology.h"
#include <stdint.h>

#define ZAP_DOMAIN_RPC "rpc"
#define ZAP_DOMAIN_PUB "pub"

typedef struct zap_t zap_t;

int zap_new (zap_t **self_p);

//  Stops the handler thread (if started) and nulls the pointer.
void zap_destroy (zap_t **self_p);

//  Admits the holder of <keys_dir>/<name>.cert to domain. Returns 0,
//  RM_ENOTFOUND when the certificate is missing, RM_ENOMEM, or RM_EINVAL
//  after zap_start.
int zap_allow (zap_t *self, const char *domain, const char *keys_dir, const char *name);

//  The allow-lists of service me from the topology: its request socket
//  admits the rows that call it or consume it (a consumer asks its source
//  for missed events) and me itself (a health check run with its own key),
//  its event socket the rows that consume it, and both admit the operator. Returns 0 or zap_allow's first error, after
//  logging which certificate is missing.
int zap_allow_topology (zap_t *self, const topology_t *topo, const char *me, const char *keys_dir);

//  Binds the ZAP endpoint and starts answering. Returns 0, or RM_EUNAVAIL
//  when another handler holds the endpoint in this process.
int zap_start (zap_t *self);

//  Handshakes refused so far: a key not on the domain's list, or a client
//  that offered no CURVE key to a CURVE socket's ZAP check.
uint64_t zap_rejected (zap_t *self);

//  Handshakes admitted so far.
uint64_t zap_admitted (zap_t *self);

#endif
