#include "mpjson.h"
#include "clock.h"
#include "err.h"
#include "jsonmp.h"
#include "mp.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    int rc = jsonmp_pack (&pk, value);
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
    *body = jsonmp_show (&reply.body);
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
