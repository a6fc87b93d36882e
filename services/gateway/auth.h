//  auth — API-key checks for the /v1 routes. The gateway knows only the
//  SHA-256 of each valid key; a presented key is hashed and compared with
//  every known hash in constant time, so neither the configuration nor
//  the response timing gives a key away.
#ifndef RM_GW_AUTH_H
#define RM_GW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct auth_t auth_t;

//  Parses a comma-separated list of lower-case SHA-256 hex digests (spaces
//  around commas allowed; NULL or "" gives an empty set that accepts no
//  key). Returns 0, RM_EINVAL after logging which entry is malformed, or
//  RM_ENOMEM.
int auth_new (const char *hashes, auth_t **self_p);

void auth_destroy (auth_t **self_p);

//  Number of configured keys.
size_t auth_size (auth_t *self);

//  True when the Authorization header value is "Bearer <key>" (scheme
//  case-insensitive) and <key> is one of the configured keys.
bool auth_check (auth_t *self, const char *authorization);

#endif
