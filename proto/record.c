#include "record.h"
#include "err.h"
#include "mp.h"
#include <stdlib.h>
#include <string.h>

#define S_AT(record, offset) ((char *) (record) + (offset))

//  Decodes an array member: its items allocated, then each one decoded.
static int
s_decode_items (const field_spec_t *f, const msgpack_object_array *array, char *member, size_t *count)
{
    char *items = array->size ? (char *) calloc (array->size, f->size) : NULL;
    if (array->size && !items)
        return RM_ENOMEM;
    memcpy (member, &items, sizeof items);
    *count = array->size;
    for (uint32_t i = 0; i < array->size; i++) {
        char *item = items + i * f->size;
        int rc = 0;
        if (f->item == FT_MAP)
            rc = record_decode (f->fields, &array->ptr[i], item);
        else if (f->item == FT_STR)
            rc = mp_str (&array->ptr[i], item, f->size);
        else
            memcpy (item, &array->ptr[i], sizeof array->ptr[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int
s_decode_field (const field_spec_t *f, const msgpack_object *value, void *record)
{
    char *member = S_AT (record, f->offset);
    switch (f->type) {
        case FT_STR:
            return mp_str (value, member, f->size);
        case FT_INT: {
            int rc = mp_int (value, (int64_t *) (void *) member);
            if (rc == 0)
                *(bool *) S_AT (record, f->has_offset) = true;
            return rc;
        }
        case FT_BOOL:
            if (value->type != MSGPACK_OBJECT_BOOLEAN)
                return RM_EINVAL;
            *(bool *) (void *) member = value->via.boolean;
            return 0;
        case FT_ARRAY: {
            if (value->type != MSGPACK_OBJECT_ARRAY)
                return RM_EINVAL;
            if (f->item != FT_MAP && f->item != FT_STR && f->item != FT_ANY)
                return RM_EINVAL;
            return s_decode_items (f, &value->via.array, member, (size_t *) (void *) S_AT (record, f->count_offset));
        }
        case FT_STRMAP:
        case FT_ANY:
            memcpy (member, value, sizeof *value);
            return 0;
        case FT_MAP: {
            int rc = record_decode (f->fields, value, member);
            if (rc == 0)
                *(bool *) S_AT (record, f->has_offset) = true;
            return rc;
        }
    }
    return RM_EINVAL;
}

int
record_decode (const field_spec_t *fields, const msgpack_object *body, void *record)
{
    if (!body || body->type != MSGPACK_OBJECT_MAP)
        return RM_EINVAL;
    for (const field_spec_t *f = fields; f && f->name; f++) {
        if (!f->bound)
            return RM_EINVAL;
        if (f->type == FT_STRMAP || f->type == FT_ANY)
            ((msgpack_object *) (void *) S_AT (record, f->offset))->type = MSGPACK_OBJECT_NIL;
        const msgpack_object *value = mp_get (body, f->name);
        if (!value) {
            if (f->required)
                return RM_EINVAL;
            continue;
        }
        int rc = s_decode_field (f, value, record);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void
record_free (const field_spec_t *fields, void *record)
{
    for (const field_spec_t *f = fields; f && f->name; f++) {
        if (f->bound && f->type == FT_MAP)
            record_free (f->fields, S_AT (record, f->offset));
        if (!f->bound || f->type != FT_ARRAY)
            continue;
        char *items;
        memcpy (&items, S_AT (record, f->offset), sizeof items);
        size_t *count = (size_t *) (void *) S_AT (record, f->count_offset);
        for (size_t i = 0; items && f->item == FT_MAP && i < *count; i++)
            record_free (f->fields, items + i * f->size);
        free (items);
        items = NULL;
        memcpy (S_AT (record, f->offset), &items, sizeof items);
        *count = 0;
    }
}

void *
record_push (void *items, size_t *count, size_t size)
{
    char *array;
    memcpy (&array, items, sizeof array);
    char *grown = (char *) realloc (array, (*count + 1) * size);
    if (!grown)
        return NULL;
    memset (grown + *count * size, 0, size);
    memcpy (items, &grown, sizeof grown);
    return grown + (*count)++ * size;
}

static bool
s_present (const field_spec_t *f, const void *record)
{
    const char *member = S_AT (record, f->offset);
    if (!f->bound)
        return false;
    if (f->required)
        return true;
    switch (f->type) {
        case FT_STR: return member[0] != '\0';
        case FT_INT:
        case FT_MAP: return *(const bool *) S_AT (record, f->has_offset);
        case FT_STRMAP:
        case FT_ANY: return ((const msgpack_object *) (const void *) member)->type != MSGPACK_OBJECT_NIL;
        case FT_ARRAY: return *(const size_t *) (const void *) S_AT (record, f->count_offset) > 0;
        default: return true;
    }
}

static void
s_pack_field (const field_spec_t *f, const void *record, msgpack_packer *pk)
{
    const char *member = S_AT (record, f->offset);
    switch (f->type) {
        case FT_STR:
            mp_pack_str (pk, member);
            break;
        case FT_INT:
            msgpack_pack_int64 (pk, *(const int64_t *) (const void *) member);
            break;
        case FT_BOOL:
            if (*(const bool *) (const void *) member)
                msgpack_pack_true (pk);
            else
                msgpack_pack_false (pk);
            break;
        case FT_ARRAY: {
            const char *items;
            memcpy (&items, member, sizeof items);
            size_t count = *(const size_t *) (const void *) S_AT (record, f->count_offset);
            msgpack_pack_array (pk, (uint32_t) count);
            for (size_t i = 0; i < count; i++) {
                if (f->item == FT_MAP)
                    record_pack (f->fields, items + i * f->size, pk);
                else if (f->item == FT_STR)
                    mp_pack_str (pk, items + i * f->size);
                else
                    mp_pack_object (pk, (const msgpack_object *) (const void *) (items + i * f->size));
            }
            break;
        }
        case FT_STRMAP:
        case FT_ANY:
            mp_pack_object (pk, (const msgpack_object *) (const void *) member);
            break;
        case FT_MAP:
            record_pack (f->fields, member, pk);
            break;
    }
}

void
record_pack (const field_spec_t *fields, const void *record, msgpack_packer *pk)
{
    uint32_t present = 0;
    for (const field_spec_t *f = fields; f && f->name; f++)
        present += s_present (f, record);
    msgpack_pack_map (pk, present);
    for (const field_spec_t *f = fields; f && f->name; f++)
        if (s_present (f, record)) {
            mp_pack_str (pk, f->name);
            s_pack_field (f, record, pk);
        }
}
