//  The feed reader (CSV and JSON lines), the rows it makes into batch
//  items, and an import's checking and batching: every bad row reported
//  with its line and column, line numbers right across quoted newlines,
//  and IDs that are the same for the same file.
#include "err.h"
#include "feed.h"
#include "feedrow.h"
#include "harness.h"
#include "import.h"
#include "mp.h"
#include <stdlib.h>
#include <string.h>

static const feed_column_t s_table[] = {
    {"name", FEED_TEXT, true},
    {"count", FEED_INT, true},
    {"price", FEED_MONEY, false},
    {"at", FEED_TIME, false},
    {"tiers", FEED_TIERS, false},
    {NULL, FEED_TEXT, false},
};

//  What reading a whole text gave: the rows (with their lines), the
//  problems, and the code of the last call.
typedef struct {
    json_t *rows;          //  [{"line", "row"}], a NULL row for a refused record
    json_t *errors;
    int last;
} s_read_t;

static s_read_t
s_read (const char *text, feed_format_t format, const feed_column_t *table)
{
    s_read_t got = {json_array (), json_array (), 0};
    feed_t *feed = NULL;
    CHECK_EQ_INT (feed_new (text, strlen (text), format, table, &feed), 0);
    for (int guard = 0; feed && guard < 1000; guard++) {
        json_t *row;
        int line;
        got.last = feed_next (feed, &row, &line, got.errors);
        if (got.last != 0 && got.last != RM_EINVAL)
            break;
        json_array_append_new (got.rows, json_pack ("{s:i, s:o}", "line", line, "row",
                                                   row ? row : json_null ()));
    }
    feed_destroy (&feed);
    CHECK (feed == NULL);
    return got;
}

static void
s_free (s_read_t *got)
{
    json_decref (got->rows);
    json_decref (got->errors);
}

static json_t *
s_row (const s_read_t *got, size_t i)
{
    return json_object_get (json_array_get (got->rows, i), "row");
}

static int
s_line (const s_read_t *got, size_t i)
{
    return (int) json_integer_value (json_object_get (json_array_get (got->rows, i), "line"));
}

static const char *
s_text (const s_read_t *got, size_t i, const char *column)
{
    return json_string_value (json_object_get (s_row (got, i), column));
}

static long long
s_int (const s_read_t *got, size_t i, const char *column)
{
    json_t *value = json_object_get (s_row (got, i), column);
    CHECK (json_is_integer (value));
    return (long long) json_integer_value (value);
}

//  CHECKs that error i is at line, about column (NULL: none), saying words.
static void
s_check_error (const s_read_t *got, size_t i, int line, const char *column, const char *words)
{
    json_t *error = json_array_get (got->errors, i);
    const char *message = json_string_value (json_object_get (error, "message"));
    const char *named = json_string_value (json_object_get (error, "column"));
    CHECK_EQ_INT (json_integer_value (json_object_get (error, "line")), line);
    if (column)
        CHECK_STR (named, column);
    else
        CHECK (named == NULL);
    CHECK (message && strstr (message, words));
    if (!message || !strstr (message, words))
        fprintf (stderr, "  error %zu was: %s\n", i, message ? message : "(none)");
}

static void
test_csv_quoting (void)
{
    s_read_t got = s_read ("name,count,price\n"
                           "\"a,b\",1,100\n"
                           "\"say \"\"hi\"\"\",2,\n"
                           "\"two\nlines\",3,300\n"
                           "\"\",4,\"\"\n"
                           "plain,5,500",
                           FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.rows), 5);
    CHECK_EQ_INT (json_array_size (got.errors), 0);
    CHECK_STR (s_text (&got, 0, "name"), "a,b");
    CHECK_EQ_INT (s_int (&got, 0, "price"), 100);
    CHECK_STR (s_text (&got, 1, "name"), "say \"hi\"");
    CHECK (json_object_get (s_row (&got, 1), "price") == NULL);
    CHECK_STR (s_text (&got, 2, "name"), "two\nlines");
    //  a quoted newline is one more line: the rows after it start lower
    CHECK_EQ_INT (s_line (&got, 2), 4);
    CHECK_EQ_INT (s_line (&got, 3), 6);
    CHECK_EQ_INT (s_line (&got, 4), 7);
    CHECK (json_object_get (s_row (&got, 3), "name") == NULL);
    CHECK_STR (s_text (&got, 4, "name"), "plain");
    s_free (&got);
}

static void
test_csv_bom_crlf_blank (void)
{
    s_read_t got = s_read ("\xEF\xBB\xBF" "count,name\r\n"
                           "1,a\r\n"
                           "\r\n"
                           "2,b\n"
                           "\n"
                           "3,\"c\r\nd\"\r\n",
                           FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.errors), 0);
    CHECK_EQ_INT (json_array_size (got.rows), 3);
    CHECK_STR (s_text (&got, 0, "name"), "a");
    CHECK_EQ_INT (s_int (&got, 0, "count"), 1);
    CHECK_EQ_INT (s_line (&got, 0), 2);
    CHECK_EQ_INT (s_line (&got, 1), 4);
    CHECK_EQ_INT (s_line (&got, 2), 6);
    CHECK_STR (s_text (&got, 2, "name"), "c\r\nd");
    s_free (&got);
}

static void
test_csv_broken_records (void)
{
    s_read_t got = s_read ("name,count\n"
                           "a,1,extra\n"
                           "b\n"
                           "c\"d,3\n"
                           "\"e\"f,4\n"
                           "g,5\n"
                           "\"h,6\n",
                           FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.rows), 6);
    CHECK_EQ_INT (json_array_size (got.errors), 5);
    s_check_error (&got, 0, 2, NULL, "has 3 fields, the header has 2");
    s_check_error (&got, 1, 3, NULL, "has 1 field, the header has 2");
    s_check_error (&got, 2, 4, NULL, "a quote inside an unquoted field");
    s_check_error (&got, 3, 5, NULL, "text after a closing quote");
    s_check_error (&got, 4, 7, NULL, "not closed");
    //  the reader goes on after a broken record: g is read, on its own line
    CHECK_STR (s_text (&got, 4, "name"), "g");
    CHECK_EQ_INT (s_line (&got, 4), 6);
    for (size_t i = 0; i < 4; i++)
        CHECK (json_is_null (s_row (&got, i)));
    s_free (&got);
}

static void
test_csv_header (void)
{
    s_read_t got = s_read ("name,colour,name\n" "a,b,c\n", FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_EPROTO);
    CHECK_EQ_INT (json_array_size (got.rows), 0);
    CHECK_EQ_INT (json_array_size (got.errors), 3);
    s_check_error (&got, 0, 1, "colour", "unknown column; the columns are: name, count, price");
    s_check_error (&got, 1, 1, "name", "appears twice");
    s_check_error (&got, 2, 1, "count", "required column missing");
    s_free (&got);

    got = s_read ("", FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_EPROTO);
    s_check_error (&got, 0, 1, NULL, "the file is empty");
    s_free (&got);

    got = s_read ("\n\n", FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_EPROTO);
    s_check_error (&got, 0, 3, NULL, "the file is empty");
    s_free (&got);

    //  the optional columns may be left out, in any order
    got = s_read ("count,name\n7,x", FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.rows), 1);
    s_free (&got);
}

static void
test_csv_values (void)
{
    s_read_t got = s_read ("name,count,price,at,tiers\n"
                           "00123,-7,0,1764547200000,10:1899;100:1799\n"
                           "a,1.5,12.50,2026-12-01T00:00:00Z,\n"
                           "b,+5,12.5,,10-1899\n"
                           "c,99999999999999999999,1e3,,10:1;\n"
                           "d,-9223372036854775808,9223372036854775807,,\n",
                           FEED_CSV, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.rows), 5);
    //  text stays text, however it looks
    CHECK_STR (s_text (&got, 0, "name"), "00123");
    CHECK_EQ_INT (s_int (&got, 0, "count"), -7);
    CHECK_EQ_INT (s_int (&got, 0, "price"), 0);
    CHECK_EQ_INT (s_int (&got, 0, "at"), 1764547200000LL);
    json_t *tiers = json_object_get (s_row (&got, 0), "tiers");
    CHECK_EQ_INT (json_array_size (tiers), 2);
    CHECK_EQ_INT (json_integer_value (json_object_get (json_array_get (tiers, 1), "min_quantity")), 100);
    CHECK_EQ_INT (json_integer_value (json_object_get (json_array_get (tiers, 1), "unit_price")), 1799);
    CHECK_STR (s_text (&got, 1, "at"), "2026-12-01T00:00:00Z");
    CHECK_EQ_INT (json_array_size (got.errors), 8);
    s_check_error (&got, 0, 3, "count", "'1.5' is not a whole number");
    s_check_error (&got, 1, 3, "price", "'12.50' has a decimal point: amounts are whole minor units "
                   "(1250 for 12.50)");
    s_check_error (&got, 2, 4, "count", "'+5' is not a whole number");
    s_check_error (&got, 3, 4, "price", "'12.5' has a decimal point");
    s_check_error (&got, 4, 4, "tiers", "tier 1 ('10-1899') must be MIN_QUANTITY:UNIT_PRICE");
    s_check_error (&got, 5, 5, "count", "'99999999999999999999' is out of range");
    s_check_error (&got, 6, 5, "price", "'1e3' is not a whole number");
    s_check_error (&got, 7, 5, "tiers", "tier 2 ('')");
    //  a bad cell is left out; the good ones of the row are there
    CHECK (json_object_get (s_row (&got, 1), "count") == NULL);
    CHECK_STR (s_text (&got, 1, "name"), "a");
    CHECK_EQ_INT (s_int (&got, 4, "count"), INT64_MIN);
    CHECK_EQ_INT (s_int (&got, 4, "price"), INT64_MAX);
    s_free (&got);

    got = s_read ("name,count\n\"a\xff\",1\n", FEED_CSV, s_table);
    CHECK_EQ_INT (json_array_size (got.errors), 1);
    s_check_error (&got, 0, 2, "name", "is not UTF-8 text");
    s_free (&got);
}

static void
test_jsonl (void)
{
    s_read_t got = s_read ("\xEF\xBB\xBF{\"name\": \"a\", \"count\": 1}\r\n"
                           "\n"
                           "{\"name\": \"b\", \"count\": 2.5, \"price\": 12.5}\n"
                           "{\"name\": \"c\"\n"
                           "   \n"
                           "[1, 2]\n"
                           "{\"name\": \"d\", \"name\": \"e\"}\n"
                           "{\"name\": \"f\", \"tiers\": \"5:10;50:9\"}",
                           FEED_JSONL, s_table);
    CHECK_EQ_INT (got.last, RM_ENOTFOUND);
    CHECK_EQ_INT (json_array_size (got.rows), 6);
    CHECK_STR (s_text (&got, 0, "name"), "a");
    CHECK_EQ_INT (s_line (&got, 0), 1);
    CHECK_EQ_INT (s_line (&got, 1), 3);
    CHECK_EQ_INT (s_line (&got, 2), 4);
    CHECK_EQ_INT (s_line (&got, 3), 6);
    CHECK_EQ_INT (s_line (&got, 4), 7);
    CHECK_EQ_INT (s_line (&got, 5), 8);
    CHECK_EQ_INT (json_array_size (got.errors), 5);
    s_check_error (&got, 0, 3, "count", "'2.5' is not a whole number");
    s_check_error (&got, 1, 3, "price", "'12.5' has a decimal point");
    s_check_error (&got, 2, 4, NULL, "not JSON");
    s_check_error (&got, 3, 6, NULL, "must be one JSON object");
    s_check_error (&got, 4, 7, NULL, "not JSON");
    CHECK (json_is_array (json_object_get (s_row (&got, 5), "tiers")));
    s_free (&got);
}

//  Two inputs fuzz_feed found: an empty quoted cell before any other quoted
//  one (nothing copied yet), and the line given at the end of a JSON lines
//  file without a last newline (one past the file's last line).
static void
test_fuzz_findings (void)
{
    s_read_t got = s_read ("name,count\n\"\",1\n", FEED_CSV, s_table);
    CHECK_EQ_INT (json_array_size (got.rows), 1);
    CHECK_EQ_INT (json_array_size (got.errors), 0);
    CHECK (json_object_get (s_row (&got, 0), "name") == NULL);
    s_free (&got);

    const char *text = "{\"name\": \"a\", \"count\": 1}";
    feed_t *feed = NULL;
    json_t *errors = json_array (), *row;
    int line;
    CHECK_EQ_INT (feed_new (text, strlen (text), FEED_JSONL, s_table, &feed), 0);
    CHECK_EQ_INT (feed_next (feed, &row, &line, errors), 0);
    json_decref (row);
    CHECK_EQ_INT (feed_next (feed, &row, &line, errors), RM_ENOTFOUND);
    CHECK_EQ_INT (line, 1);
    CHECK (row == NULL);
    feed_destroy (&feed);
    json_decref (errors);
}

//  ---- rows as batch items ------------------------------------------------

static const uint8_t s_hash[SHA256_LEN] = {1, 2, 3};

//  Makes an item of a JSON row; returns the code, errors in *errors.
static int
s_item (const char *kind, const char *row_text, int line, size_t number, json_t **errors,
        msgpack_sbuffer *items)
{
    json_t *row = json_loads (row_text, 0, NULL);
    CHECK (row != NULL);
    *errors = json_array ();
    int rc = feedrow_item (feedrow_find (kind), row, line, s_hash, number, 0, items, *errors);
    json_decref (row);
    return rc;
}

//  CHECKs that a row (at line) is refused, nothing made of it, and its first
//  problem is about column, saying words.
static void
s_refused (const char *kind, const char *row_text, int line, const char *column, const char *words)
{
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    json_t *errors;
    CHECK_EQ_INT (s_item (kind, row_text, line, 1, &errors, &items), RM_EINVAL);
    CHECK_EQ_INT (items.size, 0);
    s_read_t got = {NULL, errors, 0};
    s_check_error (&got, 0, line, column, words);
    json_decref (errors);
    msgpack_sbuffer_destroy (&items);
}

static void
test_feedrow_stock (void)
{
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    json_t *errors;
    CHECK_EQ_INT (s_item ("stock", "{\"sku\": \"A\", \"location\": \"WH-1\", \"quantity\": 40}", 2, 1,
                          &errors, &items), 0);
    CHECK_EQ_INT (json_array_size (errors), 0);
    json_decref (errors);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, items.data, items.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    char type[16] = "", id[UUID_STR_LEN + 1] = "", derived[UUID_STR_LEN + 1];
    mp_get_str (&unpacked.data, "type", type, sizeof type);
    mp_get_str (&unpacked.data, "movement_id", id, sizeof id);
    CHECK_STR (type, "count");
    feedrow_movement_id (s_hash, 1, derived);
    CHECK_STR (id, derived);
    uint8_t parsed[16];
    CHECK_EQ_INT (uuid_parse (id, parsed), 0);
    msgpack_unpacked_destroy (&unpacked);
    //  other rows and other files get other IDs
    char other[UUID_STR_LEN + 1];
    feedrow_movement_id (s_hash, 2, other);
    CHECK (strcmp (other, derived) != 0);
    uint8_t hash2[SHA256_LEN] = {9};
    feedrow_movement_id (hash2, 1, other);
    CHECK (strcmp (other, derived) != 0);

    size_t before = items.size;
    CHECK_EQ_INT (s_item ("stock", "{\"sku\": \"a b\", \"location\": \"W\", \"quantity\": 3, "
                          "\"type\": \"transfer\", \"to_location\": \"W\", \"occurred_at\": \"yesterday\"}",
                          5, 4, &errors, &items), RM_EINVAL);
    CHECK_EQ_INT (items.size, before);
    s_read_t got = {NULL, errors, 0};
    CHECK_EQ_INT (json_array_size (errors), 2);
    s_check_error (&got, 0, 5, "occurred_at", "RFC 3339");
    s_check_error (&got, 1, 5, "sku", "must be printable ASCII without spaces");
    json_decref (errors);

    s_refused ("stock", "{\"sku\": \"A\", \"location\": \"W\", \"quantity\": 3, \"type\": \"transfer\", "
               "\"to_location\": \"W\"}", 6, "to_location", "is the same as location 'W'");
    s_refused ("stock", "{\"sku\": \"A\", \"location\": \"W\", \"quantity\": 0, \"type\": \"receipt\"}", 7,
               "quantity", "a receipt moves 1 or more units (got 0)");

    CHECK_EQ_INT (s_item ("stock", "{\"sku\": \"A\", \"location\": \"W\", \"quantity\": -4, "
                          "\"type\": \"adjustment\", \"movement_id\": \"M-1\", \"reason\": \"damaged\"}",
                          8, 7, &errors, &items), 0);
    json_decref (errors);
    msgpack_sbuffer_destroy (&items);
}

static void
test_feedrow_prices (void)
{
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    json_t *errors;
    CHECK_EQ_INT (s_item ("prices", "{\"currency\": \"EUR\", \"sku\": \"A\", \"unit_price\": 1999, "
                          "\"book_id\": \"retail\", \"valid_from\": \"2026-12-01T00:00:00Z\", "
                          "\"tiers\": [{\"min_quantity\": 10, \"unit_price\": 1899}]}", 2, 1, &errors, &items), 0);
    json_decref (errors);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, items.data, items.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    int64_t from = 0;
    CHECK_EQ_INT (mp_get_int (&unpacked.data, "valid_from", &from), 0);
    CHECK_EQ_INT (from, 1796083200000LL);
    msgpack_unpacked_destroy (&unpacked);

    CHECK_EQ_INT (s_item ("prices", "{\"currency\": \"eur\", \"sku\": \"A\", \"unit_price\": -1}", 3, 2,
                          &errors, &items), RM_EINVAL);
    s_read_t got = {NULL, errors, 0};
    CHECK_EQ_INT (json_array_size (errors), 2);
    s_check_error (&got, 0, 3, "currency", "ISO 4217");
    s_check_error (&got, 1, 3, "unit_price", "between 0 and");
    json_decref (errors);

    s_refused ("prices", "{\"currency\": \"EUR\", \"sku\": \"A\", \"unit_price\": 5, \"valid_from\": 2000, "
               "\"valid_to\": 1000}", 4, "valid_to", "must be after valid_from");
    s_refused ("prices", "{\"currency\": \"EUR\", \"sku\": \"A\", \"unit_price\": 5, \"tiers\": [{\"min_quantity\": "
               "10, \"unit_price\": 4}, {\"min_quantity\": 10, \"unit_price\": 3}]}", 5, "tiers",
               "tier 2 starts at 10 units, not above the tier before it (10)");
    s_refused ("prices", "{\"currency\": \"EUR\", \"sku\": \"A\", \"unit_price\": 5, \"tiers\": [{\"min_quantity\": "
               "1, \"unit_price\": 4}]}", 6, "tiers", "at /tiers/0/min_quantity:");
    msgpack_sbuffer_destroy (&items);
}

//  ---- an import's checking and batches -----------------------------------

//  Reads text as a stock CSV file into a new import; *report holds what it printed.
static import_t *
s_import (const char *text, size_t batch_size, int expect, char **report)
{
    import_t *import = NULL;
    CHECK_EQ_INT (import_new (feedrow_find ("stock"), "stock.csv", batch_size, &import), 0);
    size_t len;
    FILE *out = open_memstream (report, &len);
    CHECK_EQ_INT (import_read (import, text, strlen (text), FEED_CSV, out), expect);
    fclose (out);
    return import;
}

static void
test_import_batches (void)
{
    const char *text = "sku,location,quantity\nA,W,1\nB,W,2\nC,W,3\nD,W,4\nE,W,5\n";
    char *report;
    import_t *import = s_import (text, 2, 0, &report);
    CHECK_STR (report, "");
    free (report);
    CHECK_EQ_INT (import_rows (import), 5);
    CHECK_EQ_INT (import_items (import), 5);
    CHECK_EQ_INT (import_batches (import), 3);
    int first, last;
    import_batch_lines (import, 1, &first, &last);
    CHECK_EQ_INT (first, 4);
    CHECK_EQ_INT (last, 5);
    char ids[3][UUID_STR_LEN + 1];
    for (size_t i = 0; i < 3; i++)
        import_batch_id (import, i, ids[i]);
    CHECK (strcmp (ids[0], ids[1]) != 0 && strcmp (ids[1], ids[2]) != 0);

    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    CHECK_EQ_INT (import_batch_body (import, 2, &body), 0);
    CHECK_EQ_INT (import_batch_body (import, 3, &body), RM_EINVAL);
    CHECK_EQ_INT (import_batch_body (import, 2, &body), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, body.data, body.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    char batch_id[UUID_STR_LEN + 1] = "", sku[8] = "";
    mp_get_str (&unpacked.data, "batch_id", batch_id, sizeof batch_id);
    CHECK_STR (batch_id, ids[2]);
    const msgpack_object_array *items = mp_get_array (&unpacked.data, "items");
    CHECK (items && items->size == 1);
    if (items && items->size == 1)
        mp_get_str (&items->ptr[0], "sku", sku, sizeof sku);
    CHECK_STR (sku, "E");
    msgpack_unpacked_destroy (&unpacked);

    //  the same file gives the same IDs; another file, or other batch sizes, others
    import_t *again = s_import (text, 2, 0, &report);
    free (report);
    char id[UUID_STR_LEN + 1];
    import_batch_id (again, 2, id);
    CHECK_STR (id, ids[2]);
    msgpack_sbuffer body2;
    msgpack_sbuffer_init (&body2);
    CHECK_EQ_INT (import_batch_body (again, 2, &body2), 0);
    CHECK (body2.size == body.size && memcmp (body2.data, body.data, body.size) == 0);
    msgpack_sbuffer_destroy (&body2);
    import_destroy (&again);
    again = s_import (text, 3, 0, &report);
    free (report);
    import_batch_id (again, 0, id);
    CHECK (strcmp (id, ids[0]) != 0);
    import_destroy (&again);
    again = s_import ("sku,location,quantity\nA,W,1\n", 2, 0, &report);
    free (report);
    import_batch_id (again, 0, id);
    CHECK (strcmp (id, ids[0]) != 0);
    import_destroy (&again);

    msgpack_sbuffer_destroy (&body);
    import_destroy (&import);
    CHECK (import == NULL);
    CHECK_EQ_INT (import_new (feedrow_find ("stock"), "x", 0, &import), RM_EINVAL);
    CHECK_EQ_INT (import_new (feedrow_find ("stock"), "x", IMPORT_BATCH_MAX + 1, &import), RM_EINVAL);
}

static void
test_import_report (void)
{
    char *report;
    import_t *import = s_import ("sku,location,quantity,type\nA,W,1,\nB,W,-2,\nC,W,x,receipt\nD,W\nE,W,0,adjustment\n",
                                 IMPORT_BATCH_MAX, RM_EINVAL, &report);
    CHECK_STR (report, "stock.csv:3: column quantity: a count is the units on hand: 0 or more (got -2)\n"
                       "stock.csv:4: column quantity: 'x' is not a whole number\n"
                       "stock.csv:5: has 2 fields, the header has 4\n"
                       "stock.csv:6: column quantity: an adjustment by 0 changes nothing\n");
    CHECK_EQ_INT (import_rows (import), 5);
    CHECK_EQ_INT (import_bad (import), 4);
    CHECK_EQ_INT (import_items (import), 1);
    free (report);
    import_destroy (&import);

    import = s_import ("sku,quantity\nA,1\n", IMPORT_BATCH_MAX, RM_EPROTO, &report);
    CHECK_STR (report, "stock.csv:1: column location: required column missing from the header\n");
    CHECK_EQ_INT (import_items (import), 0);
    CHECK_EQ_INT (import_batches (import), 0);
    free (report);
    import_destroy (&import);
}

static void
test_format_of (void)
{
    feed_format_t format = FEED_JSONL;
    CHECK_EQ_INT (feed_format_of ("dir.d/prices.csv", &format), 0);
    CHECK_EQ_INT (format, FEED_CSV);
    CHECK_EQ_INT (feed_format_of ("stock.jsonl", &format), 0);
    CHECK_EQ_INT (format, FEED_JSONL);
    CHECK_EQ_INT (feed_format_of ("stock.ndjson", &format), 0);
    CHECK_EQ_INT (feed_format_of ("stock.txt", &format), RM_EINVAL);
    CHECK_EQ_INT (feed_format_of ("csv", &format), RM_EINVAL);
    CHECK (feedrow_find ("orders") == NULL);
    CHECK_STR (feedrow_operation (feedrow_find ("prices")), "pricing.batch");
    CHECK_STR (feedrow_operation (feedrow_find ("stock")), "inventory.movements_batch");
}

int
main (void)
{
    test_csv_quoting ();
    test_csv_bom_crlf_blank ();
    test_csv_broken_records ();
    test_csv_header ();
    test_csv_values ();
    test_jsonl ();
    test_fuzz_findings ();
    test_feedrow_stock ();
    test_feedrow_prices ();
    test_import_batches ();
    test_import_report ();
    test_format_of ();
    return harness_report (__FILE__);
}
