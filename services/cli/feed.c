#include "feed.h"
#include "err.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BOM "\xEF\xBB\xBF"
//  Enough of a bad value to recognise it in a message.
#define S_EXCERPT 40

//  A CSV cell: at ptr (unquoted, in the data) or at offset in the scratch
//  buffer (quoted, "" already made one quote).
typedef struct {
    const char *ptr;
    size_t offset;
    size_t len;
} s_cell_t;

struct feed_t {
    const char *data;
    size_t size;
    size_t pos;
    int line;                          //  the line pos is on
    feed_format_t format;
    const feed_column_t *table;
    bool header_read;
    bool dead;                         //  the header was refused
    size_t fields;                     //  the header's field count
    int column_of[FEED_COLUMNS_MAX];   //  header field -> table index
    s_cell_t *cells;
    size_t cells_cap;
    char *scratch;
    size_t scratch_len, scratch_cap;
};

typedef enum { S_RECORD, S_BLANK, S_END, S_UNCLOSED, S_STRAY_QUOTE, S_AFTER_QUOTE, S_NOMEM } s_scan_t;

//  Bytes that end an unquoted CSV cell or need a closer look.
static bool s_special[256];

static void
s_init_special (void)
{
    s_special[(unsigned char) ','] = true;
    s_special[(unsigned char) '\n'] = true;
    s_special[(unsigned char) '\r'] = true;
    s_special[(unsigned char) '"'] = true;
}

int
feed_error (json_t *errors, int line, const char *column, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    json_t *item = json_pack ("{s:i, s:s}", "line", (json_int_t) line, "message", message);
    if (item && column && json_object_set_new (item, "column", json_string (column)) != 0) {
        json_decref (item);
        item = NULL;
    }
    return item && json_array_append_new (errors, item) == 0 ? 0 : RM_ENOMEM;
}

int
feed_format_of (const char *path, feed_format_t *format)
{
    const char *dot = strrchr (path, '.');
    if (dot && strcmp (dot, ".csv") == 0)
        *format = FEED_CSV;
    else if (dot && (strcmp (dot, ".jsonl") == 0 || strcmp (dot, ".ndjson") == 0))
        *format = FEED_JSONL;
    else
        return RM_EINVAL;
    return 0;
}

int
feed_new (const char *data, size_t size, feed_format_t format, const feed_column_t *table,
          feed_t **self_p)
{
    size_t count = 0;
    while (table[count].name)
        count++;
    if (count > FEED_COLUMNS_MAX)
        return RM_EINVAL;
    feed_t *self = (feed_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    s_init_special ();
    self->data = data;
    self->size = size;
    self->format = format;
    self->table = table;
    self->line = 1;
    if (size >= 3 && memcmp (data, S_BOM, 3) == 0)
        self->pos = 3;
    *self_p = self;
    return 0;
}

void
feed_destroy (feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    feed_t *self = *self_p;
    free (self->cells);
    free (self->scratch);
    free (self);
    *self_p = NULL;
}

//  A row's problem: RM_EINVAL once it is listed, RM_ENOMEM when it could not be.
static int
s_bad (int listed)
{
    return listed ? listed : RM_EINVAL;
}

static int
s_column (const feed_t *self, const char *name, size_t len)
{
    for (int i = 0; self->table[i].name; i++)
        if (strlen (self->table[i].name) == len && memcmp (self->table[i].name, name, len) == 0)
            return i;
    return -1;
}

static bool
s_scratch_add (feed_t *self, const char *bytes, size_t len)
{
    if (len == 0)
        return true;
    if (self->scratch_len + len > self->scratch_cap) {
        size_t cap = self->scratch_cap ? self->scratch_cap : 256;
        while (cap < self->scratch_len + len)
            cap *= 2;
        char *grown = (char *) realloc (self->scratch, cap);
        if (!grown)
            return false;
        self->scratch = grown;
        self->scratch_cap = cap;
    }
    memcpy (self->scratch + self->scratch_len, bytes, len);
    self->scratch_len += len;
    return true;
}

static s_cell_t *
s_cell_add (feed_t *self, size_t *count)
{
    if (*count == self->cells_cap) {
        size_t cap = self->cells_cap ? self->cells_cap * 2 : 16;
        s_cell_t *grown = (s_cell_t *) realloc (self->cells, cap * sizeof *grown);
        if (!grown)
            return NULL;
        self->cells = grown;
        self->cells_cap = cap;
    }
    s_cell_t *cell = &self->cells[(*count)++];
    memset (cell, 0, sizeof *cell);
    return cell;
}

//  Moves pos past the end of the current line.
static void
s_skip_line (feed_t *self)
{
    const char *nl = (const char *) memchr (self->data + self->pos, '\n', self->size - self->pos);
    self->pos = nl ? (size_t) (nl - self->data) + 1 : self->size;
    if (nl)
        self->line++;
}

//  A quoted cell from the opening quote at pos; pos ends after the closing one.
static s_scan_t
s_quoted (feed_t *self, s_cell_t *cell)
{
    const char *data = self->data;
    cell->offset = self->scratch_len;
    self->pos++;
    while (true) {
        const char *quote = (const char *) memchr (data + self->pos, '"', self->size - self->pos);
        size_t end = quote ? (size_t) (quote - data) : self->size;
        for (size_t i = self->pos; i < end; i++)
            self->line += data[i] == '\n';
        if (!s_scratch_add (self, data + self->pos, end - self->pos))
            return S_NOMEM;
        if (!quote) {
            self->pos = self->size;
            return S_UNCLOSED;
        }
        if (end + 1 < self->size && data[end + 1] == '"') {
            if (!s_scratch_add (self, "\"", 1))
                return S_NOMEM;
            self->pos = end + 2;
            continue;
        }
        self->pos = end + 1;
        cell->len = self->scratch_len - cell->offset;
        return S_RECORD;
    }
}

static bool
s_at_crlf (const feed_t *self)
{
    return self->data[self->pos] == '\r' && self->pos + 1 < self->size
           && self->data[self->pos + 1] == '\n';
}

//  Splits the record at pos into self->cells; *count is how many.
static s_scan_t
s_csv_record (feed_t *self, size_t *count)
{
    const char *data = self->data;
    *count = 0;
    self->scratch_len = 0;
    if (self->pos >= self->size)
        return S_END;
    if (data[self->pos] == '\n' || s_at_crlf (self)) {
        self->pos += data[self->pos] == '\n' ? 1 : 2;
        self->line++;
        return S_BLANK;
    }
    while (true) {
        s_cell_t *cell = s_cell_add (self, count);
        if (!cell)
            return S_NOMEM;
        if (self->pos < self->size && data[self->pos] == '"') {
            s_scan_t got = s_quoted (self, cell);
            if (got != S_RECORD)
                return got;
            if (self->pos < self->size && data[self->pos] != ',' && data[self->pos] != '\n'
                && !s_at_crlf (self)) {
                s_skip_line (self);
                return S_AFTER_QUOTE;
            }
        }
        else {
            size_t start = self->pos;
            while (self->pos < self->size) {
                unsigned char c = (unsigned char) data[self->pos];
                if (s_special[c] && (c != '\r' || s_at_crlf (self)))
                    break;
                self->pos++;
            }
            if (self->pos < self->size && data[self->pos] == '"') {
                s_skip_line (self);
                return S_STRAY_QUOTE;
            }
            cell->ptr = data + start;
            cell->len = self->pos - start;
        }
        if (self->pos >= self->size)
            return S_RECORD;
        if (data[self->pos] == ',') {
            self->pos++;
            continue;
        }
        self->pos += data[self->pos] == '\n' ? 1 : 2;
        self->line++;
        return S_RECORD;
    }
}

static const char *
s_cell_text (const feed_t *self, const s_cell_t *cell)
{
    if (cell->ptr)
        return cell->ptr;
    return self->scratch ? self->scratch + cell->offset : "";
}

//  Parses [-]digits; false when text is anything else or beyond int64.
static bool
s_parse_int (const char *text, size_t len, int64_t *out)
{
    size_t i = 0;
    bool negative = len > 0 && text[0] == '-';
    i += negative;
    if (i == len)
        return false;
    uint64_t limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX, value = 0;
    for (; i < len; i++) {
        unsigned digit = (unsigned) (unsigned char) text[i] - '0';
        if (digit > 9 || value > (limit - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = negative ? (int64_t) (0 - value) : (int64_t) value;
    return true;
}

static bool
s_all_digits (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return len > 0;
}

//  Why text is not an integer, in words a person can act on.
static int
s_int_error (json_t *errors, int line, const feed_column_t *col, const char *text, size_t len)
{
    int shown = (int) (len < S_EXCERPT ? len : S_EXCERPT);
    const char *point = (const char *) memchr (text, '.', len);
    if (point && col->type == FEED_MONEY) {
        char whole[S_EXCERPT + 1];
        size_t n = 0;
        for (size_t i = 0; i < len && n < S_EXCERPT; i++)
            if (text[i] != '.')
                whole[n++] = text[i];
        int64_t minor;
        if (s_parse_int (whole, n, &minor) && len - (size_t) (point - text) == 3)
            return feed_error (errors, line, col->name, "'%.*s' has a decimal point: amounts are "
                               "whole minor units (%" PRId64 " for %.*s)", shown, text, minor,
                               shown, text);
        return feed_error (errors, line, col->name,
                           "'%.*s' has a decimal point: amounts are whole minor units (cents)",
                           shown, text);
    }
    if (s_all_digits (text[0] == '-' ? text + 1 : text, text[0] == '-' ? len - 1 : len))
        return feed_error (errors, line, col->name, "'%.*s' is out of range", shown, text);
    return feed_error (errors, line, col->name, "'%.*s' is not a whole number", shown, text);
}

static json_t *
s_tier (int64_t min, int64_t price)
{
    return json_pack ("{s:I, s:I}", "min_quantity", (json_int_t) min, "unit_price", (json_int_t) price);
}

//  "MIN:PRICE;MIN:PRICE" as an array of tiers, or NULL after an error.
static json_t *
s_tiers (json_t *errors, int line, const feed_column_t *col, const char *text, size_t len, int *rc)
{
    json_t *tiers = json_array ();
    size_t start = 0;
    for (int n = 1; tiers && start <= len; n++) {
        const char *semi = (const char *) memchr (text + start, ';', len - start);
        size_t end = semi ? (size_t) (semi - text) : len;
        const char *part = text + start;
        size_t part_len = end - start;
        const char *colon = (const char *) memchr (part, ':', part_len);
        int64_t min, price;
        if (!colon || !s_parse_int (part, (size_t) (colon - part), &min)
            || !s_parse_int (colon + 1, part_len - (size_t) (colon - part) - 1, &price)) {
            *rc = feed_error (errors, line, col->name, "tier %d ('%.*s') must be MIN_QUANTITY:UNIT_PRICE, "
                              "whole numbers, tiers separated by ';' (10:1899;100:1799)", n,
                              (int) (part_len < S_EXCERPT ? part_len : S_EXCERPT), part);
            json_decref (tiers);
            return NULL;
        }
        if (json_array_append_new (tiers, s_tier (min, price)) != 0)
            break;
        start = end + 1;
    }
    if (start <= len) {
        json_decref (tiers);
        *rc = RM_ENOMEM;
        return NULL;
    }
    return tiers;
}

//  The JSON value of a CSV cell in col; NULL after appending why it has none.
static json_t *
s_value (json_t *errors, int line, const feed_column_t *col, const char *text, size_t len, int *rc)
{
    int64_t number;
    json_t *value = NULL;
    switch (col->type) {
        case FEED_INT:
        case FEED_MONEY:
            if (!s_parse_int (text, len, &number)) {
                *rc = s_int_error (errors, line, col, text, len);
                return NULL;
            }
            value = json_integer ((json_int_t) number);
            break;
        case FEED_TIME:
            if (s_all_digits (text, len) && s_parse_int (text, len, &number))
                value = json_integer ((json_int_t) number);
            else
                value = json_stringn (text, len);
            break;
        case FEED_TIERS: return s_tiers (errors, line, col, text, len, rc);
        case FEED_TEXT: value = json_stringn (text, len); break;
    }
    if (value && memchr (text, '\0', len)) {
        json_decref (value);
        value = NULL;
    }
    //  jansson refuses only bytes that are not UTF-8 (memory aside)
    if (!value)
        *rc = feed_error (errors, line, col->name, "is not UTF-8 text without NUL bytes");
    return value;
}

static int
s_header (feed_t *self, size_t count, int line, json_t *errors)
{
    int rc = 0;
    bool seen[FEED_COLUMNS_MAX] = {false}, bad = false;
    if (count > FEED_COLUMNS_MAX) {
        feed_error (errors, line, NULL, "the header has %zu columns; a feed has at most %d",
                    count, FEED_COLUMNS_MAX);
        return RM_EPROTO;
    }
    for (size_t i = 0; i < count; i++) {
        const char *name = s_cell_text (self, &self->cells[i]);
        size_t len = self->cells[i].len;
        int column = s_column (self, name, len);
        char shown[S_EXCERPT + 1];
        snprintf (shown, sizeof shown, "%.*s", (int) (len < S_EXCERPT ? len : S_EXCERPT), name);
        if (column < 0) {
            char known[FEED_COLUMNS_MAX * 24] = "";
            for (int k = 0; self->table[k].name; k++)
                snprintf (known + strlen (known), sizeof known - strlen (known), "%s%s",
                          k ? ", " : "", self->table[k].name);
            rc = feed_error (errors, line, shown, "unknown column; the columns are: %s", known);
            bad = true;
        }
        else if (seen[column]) {
            rc = feed_error (errors, line, shown, "appears twice in the header");
            bad = true;
        }
        else
            seen[column] = true;
        self->column_of[i] = column;
    }
    for (int k = 0; self->table[k].name; k++)
        if (self->table[k].required && !seen[k]) {
            rc = feed_error (errors, line, self->table[k].name, "required column missing from the header");
            bad = true;
        }
    self->fields = count;
    self->header_read = true;
    return rc ? rc : bad ? RM_EPROTO : 0;
}

static int
s_csv_row (feed_t *self, size_t count, int line, json_t **row, json_t *errors)
{
    if (count != self->fields)
        return s_bad (feed_error (errors, line, NULL, "has %zu field%s, the header has %zu", count,
                                  count == 1 ? "" : "s", self->fields));
    json_t *obj = json_object ();
    if (!obj)
        return RM_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (self->cells[i].len == 0)
            continue;
        const feed_column_t *col = &self->table[self->column_of[i]];
        json_t *value = s_value (errors, line, col, s_cell_text (self, &self->cells[i]),
                                 self->cells[i].len, &rc);
        if (value && json_object_set_new_nocheck (obj, col->name, value) != 0)
            rc = RM_ENOMEM;
    }
    if (rc != 0) {
        json_decref (obj);
        return rc;
    }
    *row = obj;
    return 0;
}

static int
s_next_csv (feed_t *self, json_t **row, int *line, json_t *errors)
{
    while (true) {
        size_t count;
        *line = self->line;
        s_scan_t got = s_csv_record (self, &count);
        switch (got) {
            case S_BLANK: continue;
            case S_NOMEM: return RM_ENOMEM;
            case S_END:
                if (self->header_read)
                    return RM_ENOTFOUND;
                feed_error (errors, *line, NULL, "the file is empty: a CSV feed starts with a header row");
                return RM_EPROTO;
            case S_UNCLOSED:
                feed_error (errors, *line, NULL, "a quoted field is not closed before the end of the file");
                return self->header_read ? RM_EINVAL : RM_EPROTO;
            case S_STRAY_QUOTE:
                feed_error (errors, *line, NULL, "a quote inside an unquoted field: quote the whole "
                            "field and double the quotes in it (\"say \"\"hi\"\"\")");
                return self->header_read ? RM_EINVAL : RM_EPROTO;
            case S_AFTER_QUOTE:
                feed_error (errors, *line, NULL, "text after a closing quote: a quoted field ends "
                            "at a comma or the end of the line");
                return self->header_read ? RM_EINVAL : RM_EPROTO;
            case S_RECORD: break;
        }
        if (!self->header_read) {
            int rc = s_header (self, count, *line, errors);
            if (rc != 0)
                return rc;
            continue;
        }
        return s_csv_row (self, count, *line, row, errors);
    }
}

//  JSON values that need what a CSV cell gets: a decimal amount refused in
//  words, tiers written as text.
static int
s_jsonl_values (feed_t *self, json_t *obj, int line, json_t *errors)
{
    int rc = 0;
    for (int k = 0; self->table[k].name && rc == 0; k++) {
        const feed_column_t *col = &self->table[k];
        json_t *value = json_object_get (obj, col->name);
        if (json_is_real (value) && (col->type == FEED_MONEY || col->type == FEED_INT)) {
            char text[64];
            int len = snprintf (text, sizeof text, "%.17g", json_real_value (value));
            rc = s_int_error (errors, line, col, text, (size_t) len);
            json_object_del (obj, col->name);
        }
        else if (json_is_string (value) && col->type == FEED_TIERS) {
            json_t *tiers = s_tiers (errors, line, col, json_string_value (value),
                                     json_string_length (value), &rc);
            if (tiers)
                rc = json_object_set_new (obj, col->name, tiers) == 0 ? 0 : RM_ENOMEM;
            else
                json_object_del (obj, col->name);
        }
    }
    return rc;
}

static bool
s_blank (const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t')
            return false;
    return true;
}

static int
s_next_jsonl (feed_t *self, json_t **row, int *line, json_t *errors)
{
    while (self->pos < self->size) {
        const char *start = self->data + self->pos;
        const char *nl = (const char *) memchr (start, '\n', self->size - self->pos);
        size_t len = nl ? (size_t) (nl - start) : self->size - self->pos;
        *line = self->line;
        self->pos += len + (nl != NULL);
        self->line += nl != NULL;
        if (len > 0 && start[len - 1] == '\r')
            len--;
        if (s_blank (start, len))
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb (start, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!obj)
            return s_bad (feed_error (errors, *line, NULL, "not JSON: %s (at character %d)",
                                      jerr.text, jerr.column));
        if (!json_is_object (obj)) {
            json_decref (obj);
            return s_bad (feed_error (errors, *line, NULL,
                                      "must be one JSON object ({\"column\": value, ...})"));
        }
        int rc = s_jsonl_values (self, obj, *line, errors);
        if (rc != 0) {
            json_decref (obj);
            return rc;
        }
        *row = obj;
        return 0;
    }
    return RM_ENOTFOUND;
}

int
feed_next (feed_t *self, json_t **row, int *line, json_t *errors)
{
    *row = NULL;
    *line = self->line;
    if (self->dead)
        return RM_EPROTO;
    int rc = self->format == FEED_CSV ? s_next_csv (self, row, line, errors)
                                      : s_next_jsonl (self, row, line, errors);
    if (rc == RM_EPROTO)
        self->dead = true;
    return rc;
}
