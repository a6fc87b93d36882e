#include "call.h"
#include "err.h"
#include "mp.h"
#include "uuid.h"
#include <stdio.h>
#include <string.h>

int
call_on (call_t *self, rpc_client_t *client, const char *op, const msgpack_sbuffer *body,
         int timeout_ms)
{
    memset (self, 0, sizeof *self);
    msgpack_unpacked_init (&self->unpacked);
    char cid[UUID_STR_LEN + 1];
    uuid_new_str (cid);
    static const char empty_map[] = {(char) 0x80};
    int rc = rpc_client_call (client, op, cid, NULL, timeout_ms,
                              body ? body->data : empty_map, body ? body->size : sizeof empty_map,
                              &self->unpacked, &self->reply);
    if (rc == RM_ETIMEOUT)
        snprintf (self->error, sizeof self->error, "no answer within %d ms", timeout_ms);
    else if (rc != 0)
        snprintf (self->error, sizeof self->error, "call failed: %s", rm_strerror (rc));
    else if (!self->reply.ok) {
        char message[256] = "";
        if (mp_get_str (&self->reply.body, "code", self->code, sizeof self->code) != 0)
            snprintf (self->code, sizeof self->code, "%s", rm_errname (RM_EPROTO));
        mp_get_str (&self->reply.body, "message", message, sizeof message);
        snprintf (self->error, sizeof self->error, "%s: %s", self->code, message);
        rc = rm_errcode (self->code);
    }
    return rc;
}

int
call_make (call_t *self, const char *endpoint, const char *op, const msgpack_sbuffer *body,
           int timeout_ms)
{
    rpc_client_t *client = NULL;
    int rc = rpc_client_new (endpoint, timeout_ms, &client);
    if (rc != 0) {
        memset (self, 0, sizeof *self);
        msgpack_unpacked_init (&self->unpacked);
        snprintf (self->error, sizeof self->error,
                  rc == RM_EINVAL      ? "cannot connect to '%s' (not a ZeroMQ endpoint?)"
                  : rc == RM_ENOTFOUND ? "no public key for '%s' in the keys directory (--keys-dir)"
                                       : "cannot connect to '%s': out of memory", endpoint);
        return rc;
    }
    rc = call_on (self, client, op, body, timeout_ms);
    rpc_client_destroy (&client);
    return rc;
}

void
call_release (call_t *self)
{
    msgpack_unpacked_destroy (&self->unpacked);
    msgpack_unpacked_init (&self->unpacked);
}

int
call_health_all (call_t *calls, config_t *cfg, int timeout_ms)
{
    int answered = 0;
    for (size_t i = 0; i < mesh_count (); i++)
        answered += call_make (&calls[i], mesh_endpoint (cfg, mesh_service (i)), "sys.health",
                               NULL, timeout_ms) == 0;
    return answered;
}

void
call_complain (const call_t *self, const char *prog, const char *what, const char *endpoint)
{
    if (*self->code)
        fprintf (stderr, "%s: %s: %s\n", prog, what, self->error);
    else
        fprintf (stderr, "%s: %s: %s at %s; is the mesh running (retailmesh status)? "
                 "Its endpoints come from the --*-endpoint options or <var-dir>/endpoints.conf\n",
                 prog, what, self->error, endpoint);
}
