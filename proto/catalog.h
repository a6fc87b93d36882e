//  catalog — the message catalogue: every operation and event of the mesh,
//  its version, its fields, their types and which are required. Decoders
//  validate bodies against it; proto/README.md and `retailmesh catalog`
//  print it (proto/msgdoc.h).
#ifndef RM_CATALOG_H
#define RM_CATALOG_H

#include "envelope.h"
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    FT_STR,      //  UTF-8 string, length 1..max_len (max_len 0 = 256)
    FT_INT,      //  integer within [min, max]
    FT_BOOL,
    FT_MAP,      //  map whose fields are described by .fields
    FT_ARRAY,    //  array of .item (1..max_items elements unless min_items = 0)
    FT_STRMAP,   //  map of string keys to string values (free-form, e.g. ship_to)
    FT_ANY,      //  anything (opaque payloads)
} field_type_t;

typedef enum {
    FC_NONE,
    FC_CURRENCY,   //  an ISO 4217 alphabetic code in use (see money.h)
    FC_IDENT,      //  printable ASCII without spaces (SKUs, locations, IDs)
    FC_REF,        //  a client's reference (external_id, account_id): any UTF-8 text
                   //  but no leading or trailing whitespace, no control, zero-width
                   //  or bidirectional control characters
    FC_UUID,       //  canonical UUID text
    FC_TIME,       //  FT_INT: a point in time, Unix ms on the wire, RFC 3339 text in JSON
} field_check_t;

typedef struct field_spec_t field_spec_t;
struct field_spec_t {
    const char *name;             //  NULL terminates a field list
    field_type_t type;
    bool required;
    field_check_t check;
    int64_t min, max;             //  FT_INT bounds
    size_t max_len;               //  FT_STR bound
    size_t min_items, max_items;  //  FT_ARRAY bounds
    const field_spec_t *fields;   //  FT_MAP: its fields; FT_ARRAY of maps: item fields
    field_type_t item;            //  FT_ARRAY: item type
    const char *doc;              //  one line for people
    //  Where the struct generated from the same description (record.h)
    //  holds the value; bound is false for a list without a struct.
    bool bound;
    size_t offset;                //  the member
    size_t size;                  //  FT_STR: the member's size; FT_ARRAY: one item's size
    size_t count_offset;          //  FT_ARRAY: the member holding the item count
    size_t has_offset;            //  optional FT_INT: the bool saying it is present
};

typedef enum { MSG_OPERATION, MSG_EVENT } msg_kind_t;

typedef struct {
    const char *name;             //  "pricing.quote", "orders.order.accepted"
    msg_kind_t kind;
    unsigned version;
    bool idempotent;              //  operations: safe to resend after a timeout
    const field_spec_t *request;  //  operation request body, or event body
    const field_spec_t *reply;    //  operation reply body (NULL for events)
    const char *doc;
} msg_spec_t;

//  The catalogue is made of slices, each a list of messages terminated by
//  an entry whose name is NULL: the operations every service answers, and
//  one slice per service (proto/catalog_<service>.c).
#define CATALOG_MESSAGES_MAX 256
extern const msg_spec_t catalog_core[];
extern const msg_spec_t catalog_pricing[];
extern const msg_spec_t catalog_inventory[];
extern const msg_spec_t catalog_orders[];
extern const msg_spec_t catalog_fulfillment[];
extern const msg_spec_t catalog_returns[];

//  Adds a further slice (a service outside proto/) to the one catalogue;
//  the mesh's own slices are always there. Register before other threads
//  read the catalogue. Returns 0, RM_EINVAL when a name is already in the
//  catalogue or repeated in the slice, or RM_ENOMEM when it would hold
//  more than CATALOG_MESSAGES_MAX messages; a refused slice adds nothing.
int catalog_register (const msg_spec_t *messages);

//  Every registered message, in registration order, terminated by an
//  entry whose name is NULL.
const msg_spec_t *catalog_all (void);

//  The same list, read as the one array the catalogue is.
#define catalog_messages (catalog_all ())

//  Finds a message by name in every registered slice; NULL when unknown.
const msg_spec_t *catalog_find (const char *name);

//  Validates a body against a field list. Returns 0, or RM_EINVAL with err
//  naming the first offending field as a JSON Pointer ("/lines/2/quantity")
//  and what was wrong. Unknown fields are rejected too.
int catalog_validate (const field_spec_t *fields, const msgpack_object *body,
                      proto_error_t *err);

//  Validates a packed body (exactly one MessagePack object) against a
//  field list, as catalog_validate does. Returns 0, RM_EINVAL with err
//  filled, or RM_EPROTO when the bytes are not one MessagePack object.
int catalog_validate_packed (const field_spec_t *fields, const char *data, size_t size,
                             proto_error_t *err);

#endif
