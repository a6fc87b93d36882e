//  envelope — the wire envelope every request, reply and event travels in.
//  One ZeroMQ message of two frames: an empty delimiter frame, then one
//  MessagePack map:
//    v         uint   protocol version (PROTO_VERSION)
//    type      str    operation ("pricing.quote"), or event type
//    id        str    message ID (UUIDv7 text)
//    cid       str    correlation ID, carried end to end
//    idem      str    optional idempotency key
//    deadline  int    optional absolute deadline, Unix milliseconds
//    caller    str    requests and events, optional: who caused it (the
//                     gateway's ID of the API key), carried like cid
//    reply_to  str    replies only: the request's id
//    ok        bool   replies only: true, or false with an error body
//    source    str    events only: the emitting service
//    seq       uint   events only: the source's sequence number
//    time      int    events only: Unix milliseconds when committed
//    body      any    the operation's fields (a map)
//  See proto/README.md for the full wire format.
#ifndef RM_ENVELOPE_H
#define RM_ENVELOPE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define ENVELOPE_TYPE_MAX 64
#define ENVELOPE_ID_MAX 40
#define ENVELOPE_CID_MAX 128
#define ENVELOPE_IDEM_MAX 128
#define ENVELOPE_CALLER_MAX 40

typedef enum { ENVELOPE_REQUEST, ENVELOPE_REPLY, ENVELOPE_EVENT } envelope_kind_t;

typedef struct {
    envelope_kind_t kind;
    uint32_t version;
    char type[ENVELOPE_TYPE_MAX];
    char id[ENVELOPE_ID_MAX];
    char cid[ENVELOPE_CID_MAX];
    char idem[ENVELOPE_IDEM_MAX];     //  empty when absent
    int64_t deadline_ms;              //  0 when absent
    char caller[ENVELOPE_CALLER_MAX]; //  requests and events; empty when absent
    char reply_to[ENVELOPE_ID_MAX];   //  replies
    bool ok;                          //  replies
    char source[32];                  //  events
    uint64_t seq;                     //  events
    int64_t time_ms;                  //  events
    msgpack_object body;              //  points into the unpacked zone
} envelope_t;

//  A field-level problem found while decoding or validating.
typedef struct {
    int code;               //  RM_EINVAL or RM_EPROTO
    char field[128];        //  JSON Pointer to the field ("/lines/0/sku"), "" for the whole message
    char message[200];      //  what was wrong, for a person
} proto_error_t;

//  Fills err and returns err->code.
int proto_error_set (proto_error_t *err, int code, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Decodes one envelope from data. On success env->body points into
//  *unpacked, which the caller destroys with msgpack_unpacked_destroy.
//  Returns 0 or RM_EPROTO with err naming the envelope field at fault.
int envelope_decode (const void *data, size_t size, msgpack_unpacked *unpacked,
                     envelope_t *env, proto_error_t *err);

//  Reads only the type of a packed envelope, without unpacking it: for one
//  this process packed (its event log), whose type is all that is needed.
//  Returns 0 with the type in type (type_size bytes with the NUL), or
//  RM_EPROTO when data is no map with a type that decoding would take.
int envelope_type (const void *data, size_t size, char *type, size_t type_size);

//  Packs the envelope header fields of env (according to env->kind) and
//  the key "body"; the caller then packs exactly one object, the body.
void envelope_pack_header (msgpack_packer *pk, const envelope_t *env);

//  Packs a whole envelope whose body is already packed MessagePack bytes.
int envelope_pack_raw (msgpack_sbuffer *out, const envelope_t *env,
                       const char *body, size_t body_len);

//  Initializes a request envelope with a fresh message ID.
void envelope_init_request (envelope_t *env, const char *type, const char *cid,
                            const char *idem, int64_t deadline_ms);

//  Initializes the reply to req.
void envelope_init_reply (envelope_t *env, const envelope_t *req, bool ok);

//  Packs a standard error body:
//  {code: str, message: str, field?: str, details?: [..]}. When ndetails > 0
//  the caller packs that many objects right after this call.
void envelope_pack_error_body (msgpack_packer *pk, int err, const char *field,
                               const char *message, size_t ndetails);

#endif
