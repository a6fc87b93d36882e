//  ipcount — how many connections are open from each client address, so
//  the gateway can answer the connections above a soft cap with 429
//  before MHD's hard cap closes further ones at accept. Not thread-safe:
//  the caller holds its own lock (http_api's connection lock).
#ifndef RM_GW_IPCOUNT_H
#define RM_GW_IPCOUNT_H

#include <stddef.h>
#include <sys/socket.h>

//  Room for an address's text (INET6_ADDRSTRLEN, and a scope).
#define IPCOUNT_KEY_MAX 64

typedef struct ipcount_t ipcount_t;

//  Returns 0 or RM_ENOMEM.
int ipcount_new (ipcount_t **self_p);
void ipcount_destroy (ipcount_t **self_p);

//  The address of addr (IPv4 or IPv6, without the port) as text in key.
//  Returns 0, or RM_EINVAL for another family.
int ipcount_key (const struct sockaddr *addr, char key[IPCOUNT_KEY_MAX]);

//  One more connection from key; *open gets how many are open from it now,
//  this one included. Returns 0 or RM_ENOMEM (nothing counted).
int ipcount_add (ipcount_t *self, const char *key, unsigned *open);

//  One connection from key fewer. Returns 0, or RM_ENOTFOUND when none is
//  counted for key.
int ipcount_remove (ipcount_t *self, const char *key);

//  Addresses with a connection open.
size_t ipcount_addresses (ipcount_t *self);

#endif
