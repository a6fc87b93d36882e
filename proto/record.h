//  record — one description of a message body gives a C struct with
//  members sized by the catalogue's bounds, the catalogue's field list for
//  it, and a decoder and a packer driven by that list. A handler reads the
//  validated fields from the struct and packs its reply and events from
//  one, so what it sends is what the catalogue describes.
//
//  A body is an X-macro list LIST (X, T) of entries X (T, KIND, name, ...):
//    STR    (name, required, check, max_len, doc)   char name[max_len + 1]; "" when absent
//    INT    (name, required, min, max, doc)         int64_t name; bool has_name
//    TIME   (name, required, doc)                   int64_t name; bool has_name (Unix ms, FC_TIME)
//    BOOL   (name, doc)                             bool name
//    OPTBOOL(name, doc)                             bool name (may be absent: false; always packed)
//    MAP    (name, required, item, doc)             item_t name; bool has_name
//    MAPS   (name, min, max, item, doc)             item_t *name; size_t name_count
//    OPTMAPS(name, min, max, item, doc)             as MAPS, and may be absent (0 items; always packed)
//    STRS   (name, check, max_len, min, max, doc)   char (*name)[max_len + 1]; size_t name_count
//    OPTSTRS(name, check, max_len, min, max, doc)   as STRS, but may be absent (no items)
//    STRMAP (name, entries, max_len, doc)           msgpack_object name; nil when absent
//    ANY    (name, doc)                             msgpack_object name
//    OPTANY (name, doc)                             as ANY, and may be absent (nil)
//    ANYS   (name, min, max, doc)                   msgpack_object *name; size_t name_count
//  RECORD_STRUCT (rec, LIST) declares rec_t and rec_fields (in a header);
//  RECORD_FIELDS (rec, LIST) defines rec_fields (once, in a .c file);
//  RECORD_FIELDS_OF (list, LIST, T) defines list, the field list of LIST
//  read into and packed from T, a struct whose members include LIST's (a
//  record that carries one message's fields among others).
#ifndef RM_RECORD_H
#define RM_RECORD_H

#include "catalog.h"
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_MEMBER(T, KIND, n, ...) RECORD_MEMBER_##KIND (n, __VA_ARGS__)
#define RECORD_MEMBER_STR(n, req, chk, len, d) char n[(len) + 1];
#define RECORD_MEMBER_INT(n, req, lo, hi, d) int64_t n; bool has_##n;
#define RECORD_MEMBER_TIME(n, req, d) int64_t n; bool has_##n;
#define RECORD_MEMBER_BOOL(n, d) bool n;
#define RECORD_MEMBER_OPTBOOL(n, d) bool n;
#define RECORD_MEMBER_MAP(n, req, rec, d) rec##_t n; bool has_##n;
#define RECORD_MEMBER_MAPS(n, lo, hi, rec, d) rec##_t *n; size_t n##_count;
#define RECORD_MEMBER_OPTMAPS(n, lo, hi, rec, d) rec##_t *n; size_t n##_count;
#define RECORD_MEMBER_STRS(n, chk, len, lo, hi, d) char (*n)[(len) + 1]; size_t n##_count;
#define RECORD_MEMBER_OPTSTRS(n, chk, len, lo, hi, d) RECORD_MEMBER_STRS (n, chk, len, lo, hi, d)
#define RECORD_MEMBER_STRMAP(n, entries, len, d) msgpack_object n;
#define RECORD_MEMBER_ANY(n, d) msgpack_object n;
#define RECORD_MEMBER_OPTANY(n, d) msgpack_object n;
#define RECORD_MEMBER_ANYS(n, lo, hi, d) msgpack_object *n; size_t n##_count;

#define RECORD_SPEC(T, KIND, n, ...) RECORD_SPEC_##KIND (T, n, __VA_ARGS__),
#define RECORD_SPEC_STR(T, n, req, chk, len, d)                                                  \
    {.name = #n, .type = FT_STR, .required = req, .check = chk, .max_len = len, .doc = d,       \
     .bound = true, .offset = offsetof (T, n), .size = (len) + 1}
#define RECORD_SPEC_INT(T, n, req, lo, hi, d)                                                    \
    {.name = #n, .type = FT_INT, .required = req, .min = lo, .max = hi, .doc = d, .bound = true, \
     .offset = offsetof (T, n), .has_offset = offsetof (T, has_##n)}
#define RECORD_SPEC_TIME(T, n, req, d)                                                           \
    {.name = #n, .type = FT_INT, .required = req, .check = FC_TIME, .min = 0, .max = INT64_MAX,  \
     .doc = d, .bound = true, .offset = offsetof (T, n), .has_offset = offsetof (T, has_##n)}
#define RECORD_SPEC_BOOL(T, n, d) \
    {.name = #n, .type = FT_BOOL, .required = true, .doc = d, .bound = true, .offset = offsetof (T, n)}
#define RECORD_SPEC_OPTBOOL(T, n, d) \
    {.name = #n, .type = FT_BOOL, .required = false, .doc = d, .bound = true, .offset = offsetof (T, n)}
#define RECORD_SPEC_MAP(T, n, req, rec, d)                                                       \
    {.name = #n, .type = FT_MAP, .required = req, .fields = rec##_fields, .doc = d, .bound = true, \
     .offset = offsetof (T, n), .has_offset = offsetof (T, has_##n)}
#define RECORD_SPEC_MAPS(T, n, lo, hi, rec, d)                                                    \
    {.name = #n, .type = FT_ARRAY, .required = true, .item = FT_MAP, .min_items = lo,           \
     .max_items = hi, .fields = rec##_fields, .doc = d, .bound = true, .offset = offsetof (T, n), \
     .count_offset = offsetof (T, n##_count), .size = sizeof (rec##_t)}
#define RECORD_SPEC_OPTMAPS(T, n, lo, hi, rec, d)                                                 \
    {.name = #n, .type = FT_ARRAY, .required = false, .item = FT_MAP, .min_items = lo,          \
     .max_items = hi, .fields = rec##_fields, .doc = d, .bound = true, .offset = offsetof (T, n), \
     .count_offset = offsetof (T, n##_count), .size = sizeof (rec##_t)}
#define RECORD_SPEC_STRS(T, n, chk, len, lo, hi, d)                                              \
    {.name = #n, .type = FT_ARRAY, .required = true, .item = FT_STR, .check = chk,              \
     .max_len = len, .min_items = lo, .max_items = hi, .doc = d, .bound = true,                 \
     .offset = offsetof (T, n), .count_offset = offsetof (T, n##_count), .size = (len) + 1}
#define RECORD_SPEC_OPTSTRS(T, n, chk, len, lo, hi, d)                                           \
    {.name = #n, .type = FT_ARRAY, .required = false, .item = FT_STR, .check = chk,             \
     .max_len = len, .min_items = lo, .max_items = hi, .doc = d, .bound = true,                 \
     .offset = offsetof (T, n), .count_offset = offsetof (T, n##_count), .size = (len) + 1}
#define RECORD_SPEC_STRMAP(T, n, entries, len, d)                                                \
    {.name = #n, .type = FT_STRMAP, .required = false, .max_items = entries, .max_len = len,    \
     .doc = d, .bound = true, .offset = offsetof (T, n)}
#define RECORD_SPEC_ANY(T, n, d) \
    {.name = #n, .type = FT_ANY, .required = true, .doc = d, .bound = true, .offset = offsetof (T, n)}
#define RECORD_SPEC_OPTANY(T, n, d) \
    {.name = #n, .type = FT_ANY, .required = false, .doc = d, .bound = true, .offset = offsetof (T, n)}
#define RECORD_SPEC_ANYS(T, n, lo, hi, d)                                                          \
    {.name = #n, .type = FT_ARRAY, .required = true, .item = FT_ANY, .min_items = lo, .max_items = hi, \
     .doc = d, .bound = true, .offset = offsetof (T, n), .count_offset = offsetof (T, n##_count),   \
     .size = sizeof (msgpack_object)}

#define RECORD_STRUCT(rec, LIST)                    \
    typedef struct rec##_t {                        \
        LIST (RECORD_MEMBER, struct rec##_t)        \
    } rec##_t;                                      \
    extern const field_spec_t rec##_fields[];

#define RECORD_FIELDS(rec, LIST) RECORD_FIELDS_OF (rec##_fields, LIST, rec##_t)
#define RECORD_FIELDS_OF(list, LIST, T) const field_spec_t list[] = {LIST (RECORD_SPEC, T){.name = NULL}};

//  Fills record (a zeroed struct generated from fields) from body, which
//  has been validated against fields (the request server does that before
//  a handler runs); an optional field left out stays zero. Arrays are allocated: release them with record_free,
//  also after a failure. Strings point nowhere into body; STRMAP and ANY
//  members do, so they live as long as body. Returns 0, RM_ENOMEM, or
//  RM_EINVAL when body does not have the shape fields describes (it was
//  not validated) or fields has no struct.
int record_decode (const field_spec_t *fields, const msgpack_object *body, void *record);

//  Frees what record_decode allocated in record (not record itself) and
//  zeroes those members; safe on a zeroed record and twice.
void record_free (const field_spec_t *fields, void *record);

//  Grows an array member (*items, *count: a MAPS or STRS member and its
//  count) by one zeroed item of size bytes, which it returns; NULL when out
//  of memory, the array unchanged. record_free frees it with the record.
void *record_push (void *items, size_t *count, size_t size);

//  Packs record as the map fields describes, in the catalogue's order: a
//  required field always, an optional one when present (a string not
//  empty, an integer or a map with its has_ flag, a STRMAP or ANY not nil).
void record_pack (const field_spec_t *fields, const void *record, msgpack_packer *pk);

#endif
