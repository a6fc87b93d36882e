#include "mpjson.h"
#include "clock.h"
#include "err.h"
#include "mp.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
mpjson_pack (msgpack_packer *pk, const json_t *value)
{
    switch (json_typeof (value)) {
    case JSON_OBJECT: {
        msgpack_pack_map (pk, (uint32_t) json_object_size (value));
        const char *key;
        json_t *item;
        json_object_foreach ((json_t *) value, key, item) {
            mp_pack_str (pk, key);
            if (mpjson_pack (pk, item) != 0)
                return RM_EINVAL;
        }
        return 0;
    }
    case JSON_ARRAY: {
        msgpack_pack_array (pk, (uint32_t) json_array_size (value));
        size_t i;
        json_t *item;
        json_array_foreach (value, i, item)
            if (mpjson_pack (pk, item) != 0)
                return RM_EINVAL;
        return 0;
    }
    case JSON_STRING:
        mp_pack_strn (pk, json_string_value (value), json_string_length (value));
        return 0;
    case JSON_INTEGER:
        msgpack_pack_int64 (pk, json_integer_value (value));
        return 0;
    case JSON_TRUE:
        msgpack_pack_true (pk);
        return 0;
    case JSON_FALSE:
        msgpack_pack_false (pk);
        return 0;
    case JSON_NULL:
        msgpack_pack_nil (pk);
        return 0;
    default:
        return RM_EINVAL;
    }
}

json_t *
mpjson_from (const msgpack_object *obj)
{
    switch (obj->type) {
    case MSGPACK_OBJECT_MAP: {
        json_t *out = json_object ();
        for (uint32_t i = 0; i < obj->via.map.size; i++) {
            char key[256];
            if (mp_str (&obj->via.map.ptr[i].key, key, sizeof key) == 0)
                json_object_set_new (out, key, mpjson_from (&obj->via.map.ptr[i].val));
        }
        return out;
    }
    case MSGPACK_OBJECT_ARRAY: {
        json_t *out = json_array ();
        for (uint32_t i = 0; i < obj->via.array.size; i++)
            json_array_append_new (out, mpjson_from (&obj->via.array.ptr[i]));
        return out;
    }
    case MSGPACK_OBJECT_STR:
        return json_stringn (obj->via.str.ptr, obj->via.str.size);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return json_integer ((json_int_t) obj->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer ((json_int_t) obj->via.i64);
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean (obj->via.boolean);
    default:
        return json_null ();
    }
}

//  Packs a JSON text; RM_EINVAL (and a message) when it is not JSON.
static int
s_pack_text (const char *json_body, msgpack_sbuffer *buf)
{
    json_error_t jerr;
    json_t *value = json_loads (json_body, 0, &jerr);
    if (!value) {
        fprintf (stderr, "mpjson: bad JSON in test: %s: %s\n", jerr.text, json_body);
        return RM_EINVAL;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    int rc = mpjson_pack (&pk, value);
    json_decref (value);
    return rc;
}

int
mpjson_send (rpc_client_t *client, const char *op, const char *cid, const char *json_body,
             int timeout_ms, rpc_client_fn *fn, void *arg)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    int rc = s_pack_text (json_body, &buf);
    if (rc == 0)
        rc = rpc_client_send (client, op, cid, NULL, clock_mono_ms () + timeout_ms, buf.data, buf.size, fn, arg);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
mpjson_call (rpc_client_t *client, const char *op, const char *cid, const char *idem,
             const char *json_body, int timeout_ms, bool *ok, json_t **body)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    int rc = s_pack_text (json_body, &buf);
    msgpack_unpacked unpacked;
    envelope_t reply;
    if (rc == 0)
        rc = rpc_client_call (client, op, cid, idem, timeout_ms, buf.data, buf.size, &unpacked, &reply);
    msgpack_sbuffer_destroy (&buf);
    if (rc != 0)
        return rc;
    *ok = reply.ok;
    *body = mpjson_from (&reply.body);
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}

int
mpjson_callf (rpc_client_t *client, const char *op, bool *ok, json_t **body, const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    if (n < 0 || (size_t) n >= sizeof text)
        return RM_ENOMEM;
    return mpjson_call (client, op, "test", NULL, text, 5000, ok, body);
}
