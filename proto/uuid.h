//  uuid — time-ordered identifiers (UUIDv7: 48-bit Unix milliseconds, then
//  random bits), so LMDB keys made from them append instead of scattering.
#ifndef RM_UUID_H
#define RM_UUID_H

#include <stdint.h>

#define UUID_STR_LEN 36

//  Makes a new UUIDv7; IDs made by one process are strictly increasing.
void uuid_new (uint8_t out[16]);

//  Formats as 8-4-4-4-12 lower-case hex plus NUL (37 bytes).
void uuid_format (const uint8_t id[16], char out[UUID_STR_LEN + 1]);

//  Parses canonical text. Returns 0 or RM_EINVAL.
int uuid_parse (const char *text, uint8_t out[16]);

//  The Unix milliseconds in a UUIDv7 (its first 48 bits): when it was made.
int64_t uuid_time_ms (const uint8_t id[16]);

//  Makes a new UUIDv7 and formats it.
void uuid_new_str (char out[UUID_STR_LEN + 1]);

#endif
