//  mp — small helpers to read fields out of decoded MessagePack maps and to
//  pack common shapes. Reading never trusts the input: every accessor
//  checks the type and says no rather than guessing.
#ifndef RM_MP_H
#define RM_MP_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  Returns the value under key in a map, or NULL when obj is not a map or
//  the key is absent.
const msgpack_object *mp_get (const msgpack_object *map, const char *key);

//  True when obj is a string equal to s.
bool mp_str_eq (const msgpack_object *obj, const char *s);

//  Copies a string value into buf (NUL-terminated). Returns 0, RM_EINVAL when
//  obj is NULL or not a string, RM_ENOMEM when it does not fit.
int mp_str (const msgpack_object *obj, char *buf, size_t size);

//  Looks up key and copies its string value; same returns as mp_str.
int mp_get_str (const msgpack_object *map, const char *key, char *buf, size_t size);

//  Reads an integer (positive or negative fixint/int/uint that fits int64).
int mp_int (const msgpack_object *obj, int64_t *value);
int mp_get_int (const msgpack_object *map, const char *key, int64_t *value);

//  Reads a boolean.
int mp_get_bool (const msgpack_object *map, const char *key, bool *value);

//  Returns the array under key or NULL.
const msgpack_object_array *mp_get_array (const msgpack_object *map, const char *key);

//  Packers: a string, a key+string pair, a key+int pair, a key+bool pair.
void mp_pack_str (msgpack_packer *pk, const char *s);
void mp_pack_strn (msgpack_packer *pk, const char *s, size_t len);
void mp_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
void mp_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value);
void mp_pack_kv_bool (msgpack_packer *pk, const char *key, bool value);

//  Appends bytes that already are one packed MessagePack object.
static inline void
mp_pack_raw (msgpack_packer *pk, const char *data, size_t len)
{
    pk->callback (pk->data, data, len);
}

//  Packs a decoded object again (deep copy onto the packer).
void mp_pack_object (msgpack_packer *pk, const msgpack_object *obj);

//  Packs obj with every map's keys in byte order, so two encodings of the
//  same value (JSON objects are unordered) pack identically, e.g. to hash.
void mp_pack_canonical (msgpack_packer *pk, const msgpack_object *obj);

#endif
