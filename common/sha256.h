//  sha256 — SHA-256 digests and a constant-time comparison, from OpenSSL.
//  API keys are stored only as their SHA-256 and checked with
//  sha256_equal_ct, so neither a leaked store nor response timing gives
//  a key away.
#ifndef RM_SHA256_H
#define RM_SHA256_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

//  Digests len bytes of data into out.
void sha256 (const void *data, size_t len, uint8_t out[SHA256_LEN]);

//  Digests data and writes the digest as lower-case hex plus NUL.
void sha256_hex (const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

//  Digests obj packed with its maps' keys in byte order (mp_pack_canonical),
//  so two encodings of one value (JSON objects are unordered) digest alike:
//  how a resent body is told from another under the same ID.
void sha256_canonical (const msgpack_object *obj, uint8_t out[SHA256_LEN]);

//  True when the n bytes at a and b are equal; the time taken depends only
//  on n, never on where the first difference is.
bool sha256_equal_ct (const uint8_t *a, const uint8_t *b, size_t n);

#endif
