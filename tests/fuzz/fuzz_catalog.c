//  fuzz_catalog — libFuzzer target for catalog_validate over every message
//  of the catalogue. The first line names the message ("orders.submit")
//  whose request (or event) fields apply, or its reply fields with
//  ":reply" after the name; a name the catalogue does not know stands for
//  the message at (its first byte) modulo the catalogue's size, so every
//  mutation still reaches a field list. The rest is the body, carried in a
//  request envelope and decoded as a service decodes what its socket
//  receives. A body the catalogue
//  accepts must decode into the message's struct (record_decode, what the
//  handler runs next) and pack back into a body the catalogue accepts.
#include "catalog.h"
#include "envelope.h"
#include "err.h"
#include "record.h"
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static size_t
s_max (size_t a, size_t b)
{
    return a > b ? a : b;
}

//  The bytes of the struct record.h generates for fields, up to the end of
//  its last member, from where each member lies, so the record is
//  allocated to that size and AddressSanitizer sees any write past it.
//  False when a field has no member (a list without a struct).
static bool
s_record_size (const field_spec_t *fields, size_t *size)
{
    size_t end = 0, nested;
    for (const field_spec_t *f = fields; f->name; f++) {
        if (!f->bound)
            return false;
        switch (f->type) {
            case FT_STR: end = s_max (end, f->offset + f->size); break;
            case FT_INT: end = s_max (end, s_max (f->offset + sizeof (int64_t), f->has_offset + 1)); break;
            case FT_BOOL: end = s_max (end, f->offset + sizeof (bool)); break;
            case FT_MAP:
                if (!s_record_size (f->fields, &nested))
                    return false;
                end = s_max (end, s_max (f->offset + nested, f->has_offset + 1));
                break;
            case FT_ARRAY:
                end = s_max (end, s_max (f->offset + sizeof (void *), f->count_offset + sizeof (size_t)));
                break;
            case FT_STRMAP:
            case FT_ANY: end = s_max (end, f->offset + sizeof (msgpack_object)); break;
        }
    }
    *size = end;
    return true;
}

static void
s_check_record (const field_spec_t *fields, const msgpack_object *body)
{
    size_t size;
    if (!s_record_size (fields, &size) || size == 0)
        return;
    void *record = calloc (1, size);
    if (!record)
        return;
    int rc = record_decode (fields, body, record);
    if (rc == RM_ENOMEM) {
        record_free (fields, record);
        free (record);
        return;
    }
    if (rc != 0)
        abort ();
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &packed, msgpack_sbuffer_write);
    record_pack (fields, record, &pk);
    proto_error_t err;
    if (catalog_validate_packed (fields, packed.data, packed.size, &err) != 0)
        abort ();
    msgpack_sbuffer_destroy (&packed);
    record_free (fields, record);
    free (record);
}

#define S_REPLY ":reply"

//  The message and field list the first line names; *body is what follows it.
static const field_spec_t *
s_choose (const uint8_t *data, size_t size, const msg_spec_t **spec, size_t *body)
{
    const msg_spec_t *all = catalog_all ();
    size_t count = 0;
    while (all[count].name)
        count++;
    const uint8_t *nl = memchr (data, '\n', size);
    if (!nl || count == 0)
        return NULL;
    char name[ENVELOPE_TYPE_MAX + sizeof S_REPLY];
    size_t len = (size_t) (nl - data);
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy (name, data, len);
    name[len] = '\0';
    size_t suffix = strlen (S_REPLY);
    bool reply = len > suffix && strcmp (name + len - suffix, S_REPLY) == 0;
    if (reply)
        name[len - suffix] = '\0';
    *spec = catalog_find (name);
    if (!*spec)
        *spec = &all[(len ? data[0] : 0) % count];
    *body = (size_t) (nl - data) + 1;
    return reply && (*spec)->reply ? (*spec)->reply : (*spec)->request;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const msg_spec_t *spec;
    size_t skip;
    const field_spec_t *fields = s_choose (data, size, &spec, &skip);
    if (!fields)
        return 0;
    envelope_t env;
    envelope_init_request (&env, spec->name, "fuzz", NULL, 0);
    msgpack_sbuffer wire;
    msgpack_sbuffer_init (&wire);
    if (envelope_pack_raw (&wire, &env, (const char *) data + skip, size - skip) != 0) {
        msgpack_sbuffer_destroy (&wire);
        return 0;
    }
    msgpack_unpacked unpacked;
    envelope_t got;
    proto_error_t err = {0};
    if (envelope_decode (wire.data, wire.size, &unpacked, &got, &err) == 0) {
        int rc = catalog_validate (fields, &got.body, &err);
        if (rc == 0)
            s_check_record (fields, &got.body);
        else if (rc != RM_EINVAL || err.code != rc || err.message[0] == '\0')
            abort ();
        msgpack_unpacked_destroy (&unpacked);
    }
    msgpack_sbuffer_destroy (&wire);
    return 0;
}
