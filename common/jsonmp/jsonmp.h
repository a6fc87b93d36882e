//  jsonmp — the one JSON <-> MessagePack codec: the gateway's request
//  bodies and replies, the `retailmesh` command's output and the tests'
//  calls all go through it. Encoding a body walks a catalogue field list,
//  so a body is held to the same rules the service applies, before
//  anything is sent; every problem names its field by JSON Pointer
//  ("/lines/0/unit_price"). Decoding follows the field list too: what the
//  catalogue marks as a time (FC_TIME: Unix milliseconds on the wire) is
//  RFC 3339 text in JSON, and nothing is converted because of its name.
#ifndef RM_JSONMP_H
#define RM_JSONMP_H

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
//  as absent. A time field takes RFC 3339 text ("2026-11-24T00:00:00Z",
//  fractions and offsets allowed) or Unix milliseconds. At most
//  JSONMP_ERRORS_MAX are listed.
//  Returns 0 with the body in out, RM_EINVAL (out holds nothing of use),
//  or RM_EINTERNAL when what was packed cannot be read back.
int jsonmp_encode (const field_spec_t *fields, json_t *obj, msgpack_sbuffer *out,
                   json_t *errors);

//  Packs any JSON value as it stands, without a field list: objects as
//  maps, integers as integers, reals as floats. Returns 0, or RM_EINVAL
//  when value is NULL.
int jsonmp_pack (msgpack_packer *pk, const json_t *value);

//  Converts a body described by fields (a catalogue field list; NULL when
//  there is none) to JSON: maps with string keys, arrays, strings,
//  integers, floats, booleans and nil; a time field's integer becomes
//  RFC 3339 UTC text ("2026-11-24T00:00:00.123Z").
//  Returns NULL when obj holds something JSON cannot carry (binary,
//  extension types, non-string keys, invalid UTF-8, integers beyond int64).
json_t *jsonmp_decode (const field_spec_t *fields, const msgpack_object *obj);

//  The same as JSON text: the bytes json_dumps (jsonmp_decode (fields,
//  obj), JSON_COMPACT) gives, written straight from obj without building
//  a tree (the gateway's answers). obj must be a map; its top-level key
//  skip (when not NULL) is left out. A map that repeats a key is refused,
//  as is a value jsonmp_decode refuses. Returns the text (NUL-terminated,
//  *len bytes without the NUL; free it), or NULL when refused or out of
//  memory.
char *jsonmp_decode_text (const field_spec_t *fields, const msgpack_object *obj, const char *skip, size_t *len);

//  Any value as JSON for a person or a test to read, as it is on the wire
//  (no field list, so times stay integers). Whatever JSON cannot carry is
//  shown rather than refused: binary and extension values become strings
//  like "<bin, 4 bytes>", integers beyond int64 their digits, non-finite
//  floats "NaN" or "Infinity", bytes that are not UTF-8 '?', and a key
//  that is not a string its JSON text. NULL only when out of memory.
json_t *jsonmp_show (const msgpack_object *obj);

//  jsonmp_show as compact JSON text with jansson's flags (free it), or
//  NULL when out of memory.
char *jsonmp_show_text (const msgpack_object *obj, size_t flags);

//  Appends "/<token>" to a JSON Pointer held in ptr (JSONMP_POINTER_MAX
//  bytes), escaping '~' and '/' as RFC 6901 says. Returns the previous
//  length, to cut the pointer back with ptr[len] = '\0'.
size_t jsonmp_pointer_push (char *ptr, const char *token);

//  Catalogue and service messages start with the field's pointer ("/lines/0/sku
//  is required"); an error item carries the pointer already, so this
//  returns message without that lead ("is required").
const char *jsonmp_message (const char *message, const char *pointer);

#endif
