#include "mp.h"
#include <stdlib.h>
#include "err.h"
#include <string.h>

static bool
s_str_is (const msgpack_object *obj, const char *s, size_t len)
{
    return obj && obj->type == MSGPACK_OBJECT_STR && obj->via.str.size == len
           && memcmp (obj->via.str.ptr, s, len) == 0;
}

const msgpack_object *
mp_get (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen (key);
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (s_str_is (&map->via.map.ptr[i].key, key, len))
            return &map->via.map.ptr[i].val;
    return NULL;
}

bool
mp_str_eq (const msgpack_object *obj, const char *s)
{
    return s_str_is (obj, s, strlen (s));
}

int
mp_str (const msgpack_object *obj, char *buf, size_t size)
{
    if (!obj || obj->type != MSGPACK_OBJECT_STR)
        return RM_EINVAL;
    size_t len = obj->via.str.size;
    //  An embedded NUL would silently cut the C string short.
    if (memchr (obj->via.str.ptr, '\0', len))
        return RM_EINVAL;
    if (len >= size)
        return RM_ENOMEM;
    memcpy (buf, obj->via.str.ptr, len);
    buf[len] = '\0';
    return 0;
}

int
mp_get_str (const msgpack_object *map, const char *key, char *buf, size_t size)
{
    return mp_str (mp_get (map, key), buf, size);
}

int
mp_int (const msgpack_object *obj, int64_t *value)
{
    if (obj && obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER && obj->via.u64 <= INT64_MAX) {
        *value = (int64_t) obj->via.u64;
        return 0;
    }
    if (obj && obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *value = obj->via.i64;
        return 0;
    }
    return RM_EINVAL;
}

int
mp_get_int (const msgpack_object *map, const char *key, int64_t *value)
{
    return mp_int (mp_get (map, key), value);
}

int
mp_get_bool (const msgpack_object *map, const char *key, bool *value)
{
    const msgpack_object *obj = mp_get (map, key);
    if (!obj || obj->type != MSGPACK_OBJECT_BOOLEAN)
        return RM_EINVAL;
    *value = obj->via.boolean;
    return 0;
}

const msgpack_object_array *
mp_get_array (const msgpack_object *map, const char *key)
{
    const msgpack_object *obj = mp_get (map, key);
    return obj && obj->type == MSGPACK_OBJECT_ARRAY ? &obj->via.array : NULL;
}

void
mp_pack_strn (msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, s, len);
}

void
mp_pack_str (msgpack_packer *pk, const char *s)
{
    mp_pack_strn (pk, s, strlen (s));
}

void
mp_pack_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    mp_pack_str (pk, key);
    mp_pack_str (pk, value);
}

void
mp_pack_kv_int (msgpack_packer *pk, const char *key, int64_t value)
{
    mp_pack_str (pk, key);
    msgpack_pack_int64 (pk, value);
}

void
mp_pack_kv_bool (msgpack_packer *pk, const char *key, bool value)
{
    mp_pack_str (pk, key);
    if (value)
        msgpack_pack_true (pk);
    else
        msgpack_pack_false (pk);
}

void
mp_pack_object (msgpack_packer *pk, const msgpack_object *obj)
{
    msgpack_pack_object (pk, *obj);
}

static int
s_key_order (const void *a, const void *b)
{
    const msgpack_object_kv *x = *(const msgpack_object_kv *const *) a;
    const msgpack_object_kv *y = *(const msgpack_object_kv *const *) b;
    if (x->key.type != MSGPACK_OBJECT_STR || y->key.type != MSGPACK_OBJECT_STR)
        return (int) x->key.type - (int) y->key.type;
    uint32_t n = x->key.via.str.size < y->key.via.str.size ? x->key.via.str.size : y->key.via.str.size;
    int c = memcmp (x->key.via.str.ptr, y->key.via.str.ptr, n);
    if (c != 0)
        return c;
    return x->key.via.str.size < y->key.via.str.size ? -1 : x->key.via.str.size > y->key.via.str.size;
}

void
mp_pack_canonical (msgpack_packer *pk, const msgpack_object *obj)
{
    if (obj->type == MSGPACK_OBJECT_ARRAY) {
        msgpack_pack_array (pk, obj->via.array.size);
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            mp_pack_canonical (pk, &obj->via.array.ptr[i]);
        return;
    }
    if (obj->type != MSGPACK_OBJECT_MAP || obj->via.map.size == 0) {
        msgpack_pack_object (pk, *obj);
        return;
    }
    uint32_t n = obj->via.map.size;
    const msgpack_object_kv **sorted = (const msgpack_object_kv **) malloc (n * sizeof *sorted);
    if (!sorted) {
        msgpack_pack_object (pk, *obj);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        sorted[i] = &obj->via.map.ptr[i];
    qsort (sorted, n, sizeof *sorted, s_key_order);
    msgpack_pack_map (pk, n);
    for (uint32_t i = 0; i < n; i++) {
        mp_pack_canonical (pk, &sorted[i]->key);
        mp_pack_canonical (pk, &sorted[i]->val);
    }
    free (sorted);
}
