//  fuzz_envelope — libFuzzer target for envelope_decode, fed any bytes as a
//  service's request socket would receive them from anyone who can
//  connect. A decoded envelope must keep the decoder's promises (bounded,
//  printable text fields; a map body), and packing it again must decode to
//  the same envelope, and envelope_type must read its type; a refusal must
//  be RM_EPROTO with a message.
#include "envelope.h"
#include "err.h"
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_check_text (const char *text, size_t size, bool required)
{
    const char *end = memchr (text, '\0', size);
    if (!end || (required && end == text))
        abort ();
    for (const char *p = text; p < end; p++)
        if (*p < 0x21 || *p > 0x7e)
            abort ();
}

static void
s_check_promises (const envelope_t *env)
{
    s_check_text (env->type, sizeof env->type, true);
    s_check_text (env->id, sizeof env->id, true);
    s_check_text (env->cid, sizeof env->cid, true);
    s_check_text (env->idem, sizeof env->idem, false);
    s_check_text (env->caller, sizeof env->caller, false);
    s_check_text (env->reply_to, sizeof env->reply_to, env->kind == ENVELOPE_REPLY);
    s_check_text (env->source, sizeof env->source, env->kind == ENVELOPE_EVENT);
    if (env->version != PROTO_VERSION || env->body.type != MSGPACK_OBJECT_MAP || env->deadline_ms < 0
        || (env->kind == ENVELOPE_EVENT && env->time_ms <= 0))
        abort ();
}

//  The body as bytes: objects compare by their packing (floats included,
//  where a NaN is not equal to itself).
static void
s_pack_body (const envelope_t *env, msgpack_sbuffer *out)
{
    msgpack_sbuffer_init (out);
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    msgpack_pack_object (&pk, env->body);
}

static void
s_check_round_trip (const envelope_t *env)
{
    msgpack_sbuffer body, again, body2;
    s_pack_body (env, &body);
    msgpack_sbuffer_init (&again);
    if (envelope_pack_raw (&again, env, body.data, body.size) != 0)
        abort ();
    msgpack_unpacked unpacked;
    envelope_t env2;
    proto_error_t err;
    if (envelope_decode (again.data, again.size, &unpacked, &env2, &err) != 0)
        abort ();
    s_pack_body (&env2, &body2);
    //  the header is packed per kind: idem and deadline travel on requests
    //  only, caller on requests and events
    bool request = env->kind == ENVELOPE_REQUEST;
    const char *caller = env->kind == ENVELOPE_REPLY ? "" : env->caller;
    if (env2.kind != env->kind || strcmp (env2.type, env->type) || strcmp (env2.id, env->id)
        || strcmp (env2.cid, env->cid) || strcmp (env2.idem, request ? env->idem : "")
        || env2.deadline_ms != (request ? env->deadline_ms : 0) || strcmp (env2.caller, caller)
        || strcmp (env2.reply_to, env->reply_to)
        || env2.ok != env->ok || strcmp (env2.source, env->source) || env2.seq != env->seq
        || env2.time_ms != env->time_ms || body2.size != body.size
        || memcmp (body2.data, body.data, body.size) != 0)
        abort ();
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&body2);
    msgpack_sbuffer_destroy (&again);
    msgpack_sbuffer_destroy (&body);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    int rc = envelope_decode (data, size, &unpacked, &env, &err);
    if (rc != 0) {
        if (rc != RM_EPROTO || err.code != rc || err.message[0] == '\0')
            abort ();
        return 0;
    }
    s_check_promises (&env);
    s_check_round_trip (&env);
    //  the relay reads the type alone; it must read the same one
    char type[ENVELOPE_TYPE_MAX];
    if (envelope_type (data, size, type, sizeof type) != 0 || strcmp (type, env.type) != 0)
        abort ();
    msgpack_unpacked_destroy (&unpacked);
    return 0;
}
