#include "feedrow.h"
#include "catalog_shared.h"
#include "err.h"
#include "jsonmp.h"
#include "mp.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

//  More price breaks than a price list has in practice; keeps an item bounded.
#define FEEDROW_TIERS_MAX 32

typedef int (s_rules_fn) (const json_t *row, const msgpack_sbuffer *item, int line, json_t *errors);

struct feedrow_kind_t {
    const char *name;
    const char *service;
    const char *operation;
    const feed_column_t *columns;
    const field_spec_t *stand_in;      //  the item fields until the catalogue has them
    s_rules_fn *rules;
    bool movements;                    //  rows get a movement_id and a type by default
};

static const feed_column_t s_price_columns[] = {
    {"currency", FEED_TEXT, true},
    {"sku", FEED_TEXT, true},
    {"unit_price", FEED_MONEY, true},
    {"book_id", FEED_TEXT, false},
    {"valid_from", FEED_TIME, false},
    {"valid_to", FEED_TIME, false},
    {"tiers", FEED_TIERS, false},
    {NULL, FEED_TEXT, false},
};

static const field_spec_t s_tier_fields[] = {
    {.name = "min_quantity", .type = FT_INT, .required = true, .min = 2, .max = CATALOG_MAX_QUANTITY,
     .doc = "the tier's price applies from this many units"},
    {.name = "unit_price", .type = FT_INT, .required = true, .min = 0, .max = CATALOG_MAX_UNIT_PRICE,
     .doc = "price per unit from min_quantity on, minor units"},
    {.name = NULL},
};

static const field_spec_t s_price_fields[] = {
    {.name = "book_id", .type = FT_STR, .check = FC_IDENT, .max_len = 64,
     .doc = "price book; the currency's default book when absent"},
    {.name = "currency", .type = FT_STR, .required = true, .check = FC_CURRENCY, .max_len = 3,
     .doc = "ISO 4217 code of the prices"},
    {.name = "sku", .type = FT_STR, .required = true, .check = FC_IDENT, .max_len = 64,
     .doc = "stock keeping unit"},
    {.name = "unit_price", .type = FT_INT, .required = true, .min = 0, .max = CATALOG_MAX_UNIT_PRICE,
     .doc = "price per unit, minor units"},
    {.name = "tiers", .type = FT_ARRAY, .item = FT_MAP, .min_items = 1, .max_items = FEEDROW_TIERS_MAX,
     .fields = s_tier_fields, .doc = "quantity breaks, by rising min_quantity"},
    {.name = "valid_from", .type = FT_INT, .check = FC_TIME, .min = 0, .max = INT64_MAX,
     .doc = "when the price starts to apply"},
    {.name = "valid_to", .type = FT_INT, .check = FC_TIME, .min = 0, .max = INT64_MAX,
     .doc = "when it stops applying"},
    {.name = NULL},
};

static const feed_column_t s_stock_columns[] = {
    {"movement_id", FEED_TEXT, false},
    {"type", FEED_TEXT, false},
    {"sku", FEED_TEXT, true},
    {"location", FEED_TEXT, true},
    {"to_location", FEED_TEXT, false},
    {"quantity", FEED_INT, true},
    {"reason", FEED_TEXT, false},
    {"occurred_at", FEED_TIME, false},
    {NULL, FEED_TEXT, false},
};

static const field_spec_t s_stock_fields[] = {
    {.name = "movement_id", .type = FT_STR, .required = true, .check = FC_IDENT, .max_len = 64,
     .doc = "the movement's ID: inventory applies each once"},
    {.name = "type", .type = FT_STR, .required = true, .check = FC_IDENT, .max_len = 32,
     .doc = "receipt, adjustment, transfer, count, quarantine or release_quarantine"},
    {.name = "sku", .type = FT_STR, .required = true, .check = FC_IDENT, .max_len = 64,
     .doc = "stock keeping unit"},
    {.name = "location", .type = FT_STR, .required = true, .check = FC_IDENT, .max_len = 64,
     .doc = "stock location (warehouse, store)"},
    {.name = "to_location", .type = FT_STR, .check = FC_IDENT, .max_len = 64,
     .doc = "a transfer's destination"},
    {.name = "quantity", .type = FT_INT, .required = true, .min = -CATALOG_MAX_ON_HAND,
     .max = CATALOG_MAX_ON_HAND, .doc = "units: counted, received, moved, or the change"},
    {.name = "reason", .type = FT_STR, .max_len = CATALOG_STR_DEFAULT_MAX,
     .doc = "why, for people reading the history"},
    {.name = "occurred_at", .type = FT_INT, .check = FC_TIME, .min = 0, .max = INT64_MAX,
     .doc = "when it happened"},
    {.name = NULL},
};

//  Every movement type and the fewest units it takes; adjustments go both
//  ways but never by nothing.
static const struct {
    const char *name;
    int64_t min;
    bool to_location;
} s_types[] = {
    {"receipt", 1, false},    {"adjustment", -CATALOG_MAX_ON_HAND, false},
    {"transfer", 1, true},    {"count", 0, false},
    {"quarantine", 1, false}, {"release_quarantine", 1, false},
};

#define S_TYPES (sizeof s_types / sizeof s_types[0])

static const char *
s_str (const json_t *row, const char *key)
{
    const char *value = json_string_value (json_object_get (row, key));
    return value ? value : "";
}

//  The rules read the row, which the item fields have accepted, so every
//  value has its type; only times may still be RFC 3339 text there.
static int
s_stock_rules (const json_t *row, const msgpack_sbuffer *item, int line, json_t *errors)
{
    (void) item;
    const char *type = s_str (row, "type"), *location = s_str (row, "location");
    const char *to = s_str (row, "to_location");
    int64_t quantity = (int64_t) json_integer_value (json_object_get (row, "quantity"));
    size_t t = 0;
    while (t < S_TYPES && strcmp (s_types[t].name, type) != 0)
        t++;
    if (t == S_TYPES)
        return feed_error (errors, line, "type", "'%s' is not a movement type: receipt, adjustment, "
                           "transfer, count, quarantine or release_quarantine", type);
    int rc = 0;
    if (strcmp (type, "count") == 0 && quantity < 0)
        rc = feed_error (errors, line, "quantity", "a count is the units on hand: 0 or more "
                         "(got %" PRId64 ")", quantity);
    else if (strcmp (type, "adjustment") == 0 && quantity == 0)
        rc = feed_error (errors, line, "quantity", "an adjustment by 0 changes nothing");
    else if (quantity < s_types[t].min)
        rc = feed_error (errors, line, "quantity", "a %s moves %" PRId64 " or more units (got %" PRId64 ")",
                         type, s_types[t].min, quantity);
    if (rc == 0 && s_types[t].to_location && !*to)
        rc = feed_error (errors, line, "to_location", "a transfer needs the location it moves to");
    else if (rc == 0 && s_types[t].to_location && strcmp (to, location) == 0)
        rc = feed_error (errors, line, "to_location", "is the same as location '%s'", location);
    else if (rc == 0 && !s_types[t].to_location && *to)
        rc = feed_error (errors, line, "to_location", "only a transfer has a to_location (type is %s)",
                         type);
    return rc;
}

static int
s_price_rules (const json_t *row, const msgpack_sbuffer *item, int line, json_t *errors)
{
    int rc = 0;
    //  the packed item has both times as Unix ms, whichever way the file wrote them
    if (json_object_get (row, "valid_from") && json_object_get (row, "valid_to")) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        int64_t from = 0, to = 0;
        if (msgpack_unpack_next (&unpacked, item->data, item->size, NULL) != MSGPACK_UNPACK_SUCCESS)
            rc = RM_EINTERNAL;
        else if (mp_get_int (&unpacked.data, "valid_from", &from) == 0
                 && mp_get_int (&unpacked.data, "valid_to", &to) == 0 && to <= from)
            rc = feed_error (errors, line, "valid_to", "must be after valid_from");
        msgpack_unpacked_destroy (&unpacked);
    }
    const json_t *tiers = json_object_get (row, "tiers");
    int64_t previous = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size (tiers); i++) {
        int64_t min = (int64_t) json_integer_value (json_object_get (json_array_get (tiers, i), "min_quantity"));
        if (min <= previous && i > 0)
            rc = feed_error (errors, line, "tiers", "tier %zu starts at %" PRId64 " units, not above "
                             "the tier before it (%" PRId64 ")", i + 1, min, previous);
        previous = min;
    }
    return rc;
}

static const feedrow_kind_t s_kinds[] = {
    {"prices", "pricing", "pricing.batch", s_price_columns, s_price_fields, s_price_rules, false},
    {"stock", "inventory", "inventory.movements_batch", s_stock_columns, s_stock_fields,
     s_stock_rules, true},
};

const feedrow_kind_t *
feedrow_find (const char *name)
{
    for (size_t i = 0; name && i < sizeof s_kinds / sizeof s_kinds[0]; i++)
        if (strcmp (s_kinds[i].name, name) == 0)
            return &s_kinds[i];
    return NULL;
}

const char *
feedrow_name (const feedrow_kind_t *kind)
{
    return kind->name;
}

const char *
feedrow_service (const feedrow_kind_t *kind)
{
    return kind->service;
}

const char *
feedrow_operation (const feedrow_kind_t *kind)
{
    return kind->operation;
}

const feed_column_t *
feedrow_columns (const feedrow_kind_t *kind)
{
    return kind->columns;
}

const field_spec_t *
feedrow_fields (const feedrow_kind_t *kind)
{
    const msg_spec_t *spec = catalog_find (kind->operation);
    for (const field_spec_t *f = spec ? spec->request : NULL; f && f->name; f++)
        if (strcmp (f->name, "items") == 0 && f->type == FT_ARRAY && f->item == FT_MAP)
            return f->fields;
    return kind->stand_in;
}

void
feedrow_derive_id (const uint8_t file_hash[SHA256_LEN], const char *what, uint64_t a, uint64_t b,
                   char out[UUID_STR_LEN + 1])
{
    //  hash, a, b, then what: fixed-size fields first, so no two inputs run together
    uint8_t input[SHA256_LEN + 16 + 32] = {0}, digest[SHA256_LEN];
    memcpy (input, file_hash, SHA256_LEN);
    for (int i = 0; i < 8; i++) {
        input[SHA256_LEN + i] = (uint8_t) (a >> (56 - 8 * i));
        input[SHA256_LEN + 8 + i] = (uint8_t) (b >> (56 - 8 * i));
    }
    size_t len = strlen (what);
    memcpy (input + SHA256_LEN + 16, what, len < 32 ? len : 32);
    sha256 (input, SHA256_LEN + 16 + (len < 32 ? len : 32), digest);
    digest[6] = (uint8_t) ((digest[6] & 0x0F) | 0x80);
    digest[8] = (uint8_t) ((digest[8] & 0x3F) | 0x80);
    uuid_format (digest, out);
}

void
feedrow_movement_id (const uint8_t file_hash[SHA256_LEN], size_t number, char out[UUID_STR_LEN + 1])
{
    feedrow_derive_id (file_hash, "movement", number, 0, out);
}

static bool
s_reported (const json_t *errors, size_t from, size_t to, const char *column)
{
    for (size_t i = from; i < to; i++) {
        const char *named = json_string_value (json_object_get (json_array_get (errors, i), "column"));
        if (named && strcmp (named, column) == 0)
            return true;
    }
    return false;
}

//  jsonmp's {pointer, message} as this row's errors, by column.
static int
s_take_errors (const json_t *found, int line, size_t reported, json_t *errors)
{
    int rc = 0;
    size_t own = json_array_size (errors);
    for (size_t i = 0; rc == 0 && i < json_array_size (found); i++) {
        json_t *item = json_array_get (found, i);
        const char *pointer = json_string_value (json_object_get (item, "pointer"));
        const char *message = json_string_value (json_object_get (item, "message"));
        if (!pointer || !message)
            continue;
        const char *token = pointer[0] == '/' ? pointer + 1 : pointer;
        size_t len = strcspn (token, "/");
        char column[FEED_COLUMNS_MAX * 2];
        snprintf (column, sizeof column, "%.*s", (int) len, token);
        if (!*column)
            rc = feed_error (errors, line, NULL, "%s", message);
        else if (s_reported (errors, reported, own, column))
            continue;
        else if (token[len] == '/')
            rc = feed_error (errors, line, column, "at %s: %s", pointer, jsonmp_message (message, pointer));
        else
            rc = feed_error (errors, line, column, "%s", jsonmp_message (message, pointer));
    }
    return rc;
}

//  The defaults of a stock row, set in it so the item carries them.
static int
s_movement_defaults (json_t *row, const uint8_t file_hash[SHA256_LEN], size_t number)
{
    char id[UUID_STR_LEN + 1];
    int rc = 0;
    if (!json_object_get (row, "movement_id")) {
        feedrow_movement_id (file_hash, number, id);
        rc = json_object_set_new_nocheck (row, "movement_id", json_string_nocheck (id));
    }
    if (rc == 0 && !json_object_get (row, "type"))
        rc = json_object_set_new_nocheck (row, "type", json_string_nocheck ("count"));
    return rc == 0 ? 0 : RM_ENOMEM;
}

//  Most rows of a feed are good, and for them packing the row as it stands
//  and asking the catalogue once costs a third of jsonmp_encode's two passes.
//  That path accepts less than jsonmp_encode (times written as text, which
//  only jsonmp converts, and nulls fail it), never more: both come down to
//  catalog_validate. A row it refuses goes through jsonmp_encode, which
//  lists each of its problems. Returns 0 with the item in out, or RM_EINVAL.
static int
s_pack_good (const field_spec_t *fields, const json_t *row, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    proto_error_t err;
    if (jsonmp_pack (&pk, row) != 0 || catalog_validate_packed (fields, out->data, out->size, &err) != 0)
        return RM_EINVAL;
    return 0;
}

int
feedrow_item (const feedrow_kind_t *kind, json_t *row, int line,
              const uint8_t file_hash[SHA256_LEN], size_t number, size_t reported,
              msgpack_sbuffer *items, json_t *errors)
{
    if (kind->movements && s_movement_defaults (row, file_hash, number) != 0)
        return RM_ENOMEM;
    json_t *found = json_array ();
    if (!found)
        return RM_ENOMEM;
    msgpack_sbuffer item;
    msgpack_sbuffer_init (&item);
    const field_spec_t *fields = feedrow_fields (kind);
    int rc = s_pack_good (fields, row, &item);
    if (rc != 0) {
        msgpack_sbuffer_clear (&item);
        rc = jsonmp_encode (fields, row, &item, found);
    }
    if (rc == RM_EINVAL)
        rc = s_take_errors (found, line, reported, errors);
    else if (rc == 0)
        rc = kind->rules (row, &item, line, errors);
    json_decref (found);
    if (rc == 0 && json_array_size (errors) > reported)
        rc = RM_EINVAL;
    if (rc == 0 && msgpack_sbuffer_write (items, item.data, item.size) != 0)
        rc = RM_ENOMEM;
    msgpack_sbuffer_destroy (&item);
    return rc;
}
