//  fuzz_feed — libFuzzer target for the bulk feed reader (feed.h) and the
//  rows it makes into batch items (feedrow.h), as `retailmesh import` runs
//  them. The first byte picks the feed (bit 0: prices or stock) and the
//  format (bit 1: CSV or JSON lines); the rest is the file. Every call of
//  the reader must give a row, a refused record with its problem listed,
//  the end, or the end of a file whose header is refused, at a line within
//  the file and never going back; a row holds only the table's columns; an
//  item made of a row is one the item fields accept, and a refused row
//  adds a problem and no item.
#include "catalog.h"
#include "err.h"
#include "feed.h"
#include "feedrow.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static bool
s_known_column (const feed_column_t *table, const char *name)
{
    for (; table->name; table++)
        if (strcmp (table->name, name) == 0)
            return true;
    return false;
}

static void
s_check_errors (const json_t *errors, size_t from, int lines)
{
    for (size_t i = from; i < json_array_size (errors); i++) {
        json_t *error = json_array_get (errors, i);
        json_int_t line = json_integer_value (json_object_get (error, "line"));
        const char *message = json_string_value (json_object_get (error, "message"));
        if (line < 1 || line > lines || !message || !*message)
            abort ();
    }
}

//  The row's item, appended to items, must be accepted by the item fields.
static void
s_check_item (const feedrow_kind_t *kind, const msgpack_sbuffer *items, size_t before)
{
    proto_error_t err;
    if (catalog_validate_packed (feedrow_fields (kind), items->data + before, items->size - before,
                                 &err) != 0)
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const feedrow_kind_t *kind = feedrow_find (data[0] & 1 ? "stock" : "prices");
    feed_format_t format = data[0] & 2 ? FEED_JSONL : FEED_CSV;
    const char *text = (const char *) data + 1;
    size_t len = size - 1;
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    feed_t *feed = NULL;
    json_t *errors = json_array ();
    if (!errors || feed_new (text, len, format, feedrow_columns (kind), &feed) != 0) {
        json_decref (errors);
        return 0;
    }
    static const uint8_t hash[SHA256_LEN] = {0};
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    int previous = 1;
    bool ended = false;
    //  every call reads at least a byte or ends the file
    for (size_t calls = 0, number = 0; !ended && calls <= len + 1; calls++) {
        size_t before = json_array_size (errors);
        json_t *row;
        int line;
        int rc = feed_next (feed, &row, &line, errors);
        ended = rc == RM_ENOMEM || rc == RM_ENOTFOUND || rc == RM_EPROTO;
        if (rc == RM_ENOMEM)
            break;
        if (line < previous || line > lines)
            abort ();
        previous = line;
        s_check_errors (errors, before, lines);
        if (rc == RM_ENOTFOUND || rc == RM_EPROTO) {
            if (row || (rc == RM_EPROTO && json_array_size (errors) == before))
                abort ();
            if (feed_next (feed, &row, &line, errors) != rc || row)
                abort ();
            break;
        }
        number++;
        if (rc == RM_EINVAL) {
            if (row || json_array_size (errors) == before)
                abort ();
            continue;
        }
        if (rc != 0 || !json_is_object (row))
            abort ();
        const char *key;
        json_t *value;
        json_object_foreach (row, key, value)
            if (format == FEED_CSV && !s_known_column (feedrow_columns (kind), key))
                abort ();
        size_t items_before = items.size;
        int made = feedrow_item (kind, row, line, hash, number, before, &items, errors);
        json_decref (row);
        s_check_errors (errors, before, lines);
        if (made == 0) {
            if (json_array_size (errors) != before)
                abort ();
            s_check_item (kind, &items, items_before);
        }
        else if (made == RM_EINVAL && (items.size != items_before || json_array_size (errors) == before))
            abort ();
        else if (made != RM_EINVAL && made != RM_ENOMEM)
            abort ();
    }
    if (!ended)
        abort ();
    msgpack_sbuffer_destroy (&items);
    json_decref (errors);
    feed_destroy (&feed);
    return 0;
}
