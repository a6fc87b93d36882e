//  apikey — the API key `retailmesh up` makes for local use: 32 random
//  bytes from getrandom as lower-case hex, kept in a file of mode 0600 and
//  reused on every later start. The gateway is only given its SHA-256, in a
//  file.
#ifndef RM_CLI_APIKEY_H
#define RM_CLI_APIKEY_H

#include <stdbool.h>

#define APIKEY_BYTES 32
#define APIKEY_HEX_LEN (APIKEY_BYTES * 2)

//  Reads the key in path, or makes one and writes it there when the file
//  does not exist (*created says which). Returns 0, or RM_EINVAL when the
//  file holds something else, or RM_EUNAVAIL when it cannot be read or
//  written; both logged with what to do.
int apikey_load_or_create (const char *path, char key[APIKEY_HEX_LEN + 1], bool *created);

//  Writes the gateway's --api-key-hashes-file for key: one line
//  "<name>:<SHA-256 hex of key>", mode 0600, replacing the file whole
//  (written beside it, then renamed), so the hash never has to be on a
//  command line. Returns 0, or RM_EUNAVAIL logged with the path.
int apikey_write_hashes (const char *path, const char *name, const char *key);

//  True when text is exactly APIKEY_HEX_LEN lower-case hex digits.
bool apikey_valid (const char *text);

#endif
