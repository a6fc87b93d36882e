//  jsonmp — JSON request bodies to MessagePack bodies and MessagePack
//  replies back to JSON. Encoding walks a catalogue field list, so a body
//  is held to the same rules the service applies, before anything is sent;
//  every problem names its field by JSON Pointer ("/lines/0/unit_price").
#ifndef RM_GW_JSONMP_H
#define RM_GW_JSONMP_H

#include "catalog.h"
#include <jansson.h>
#include <msgpack.h>

#define JSONMP_ERRORS_MAX 100
#define JSONMP_POINTER_MAX 256

//  Packs obj (a JSON object) as the map fields describes, and lists every
//  problem found, each once, as {pointer, message} appended to errors:
//  wrong JSON type, missing required field, unknown field, and whatever
//  catalog_validate refuses (ranges, lengths, codes, item counts), so a
//  body is refused exactly when the catalogue refuses it. JSON null counts
//  as absent. At most JSONMP_ERRORS_MAX are listed.
//  Returns 0 with the body in out, RM_EINVAL (out holds nothing of use),
//  or RM_EINTERNAL when what was packed cannot be read back.
int jsonmp_encode (const field_spec_t *fields, json_t *obj, msgpack_sbuffer *out,
                   json_t *errors);

//  Converts a MessagePack object to JSON: maps with string keys, arrays,
//  strings, integers, floats, booleans and nil. An integer under a key
//  ending in "_at" or named "time" (Unix milliseconds) becomes an
//  RFC 3339 UTC string.
//  Returns NULL when obj holds something JSON cannot carry (binary,
//  extension types, non-string keys, invalid UTF-8, integers beyond int64).
json_t *jsonmp_decode (const msgpack_object *obj);

//  Appends "/<token>" to a JSON Pointer held in ptr (JSONMP_POINTER_MAX
//  bytes), escaping '~' and '/' as RFC 6901 says. Returns the previous
//  length, to cut the pointer back with ptr[len] = '\0'.
size_t jsonmp_pointer_push (char *ptr, const char *token);

//  Catalogue and service messages start with the field's pointer ("/lines/0/sku
//  is required"); an error item carries the pointer already, so this
//  returns message without that lead ("is required").
const char *jsonmp_message (const char *message, const char *pointer);

#endif
