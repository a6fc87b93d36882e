//  auth — API-key checks for the /v1 routes. The gateway knows only the
//  SHA-256 of each valid key; a presented key is hashed and compared with
//  every known hash in constant time, so neither the configuration nor
//  the response timing gives a key away. Each key has a caller ID, which
//  the gateway writes into the envelope of the calls the key makes, so the
//  events a write causes say who made it.
#ifndef RM_GW_AUTH_H
#define RM_GW_AUTH_H

#include <stdbool.h>
#include <stddef.h>

//  A caller ID: the entry's name (1..32 of A-Z a-z 0-9 . _ -), or "key-"
//  and the first 8 hex digits of the key's hash when it has none.
#define AUTH_NAME_MAX 32
#define AUTH_CALLER_MAX (AUTH_NAME_MAX + 1)

typedef struct auth_t auth_t;

//  Reads the valid keys from hashes, a comma-separated list, and from the
//  file named by file (NULL: none), one entry a line, where "#" starts a
//  comment and blank lines are skipped. An entry is the lower-case SHA-256
//  hex digest of a key (printf %s KEY | sha256sum), optionally after a
//  name and a colon ("crm:3a7b..."). Spaces around entries are allowed.
//  No keys at all gives a set that accepts no key. Returns 0, RM_EINVAL
//  after logging where the malformed entry is (never its text, which may
//  be a key pasted by mistake), RM_EUNAVAIL after logging that the file
//  cannot be read, or RM_ENOMEM.
int auth_new (const char *hashes, const char *file, auth_t **self_p);

void auth_destroy (auth_t **self_p);

//  Number of configured keys.
size_t auth_size (auth_t *self);

//  True when the Authorization header value is "Bearer <key>" (scheme
//  case-insensitive) and <key> is one of the configured keys; then caller,
//  when not NULL, gets the key's caller ID.
bool auth_check (auth_t *self, const char *authorization, char caller[AUTH_CALLER_MAX]);

#endif
