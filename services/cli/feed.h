//  feed — reads a bulk feed held in memory: CSV (RFC 4180: a header row,
//  fields quoted with "" for a quote inside, CRLF or LF, a UTF-8 byte order
//  mark tolerated) or JSON lines (one JSON object a line). Each row comes
//  out as a JSON object keyed by column name with the line it starts on, so
//  a problem is reported as FILE:LINE. The caller's column table says which
//  columns exist and how a CSV cell becomes a JSON value: CSV has no types,
//  so "00123" stays text in a text column and becomes 123 only in an
//  integer one. An empty CSV cell is an absent value. Blank lines are
//  skipped in both formats.
//
//  Problems are appended to an errors array as {"line", "column"?, "message"};
//  "column" is there when one column is at fault.
#ifndef RM_CLI_FEED_H
#define RM_CLI_FEED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { FEED_CSV, FEED_JSONL } feed_format_t;

typedef enum {
    FEED_TEXT,     //  a JSON string
    FEED_INT,      //  a JSON integer: optional '-', digits, within int64
    FEED_MONEY,    //  FEED_INT in minor units; "12.50" is refused saying so
    FEED_TIME,     //  digits are Unix ms (an integer), anything else RFC 3339 text
    FEED_TIERS,    //  "MIN:PRICE;MIN:PRICE" -> [{"min_quantity", "unit_price"}, ...]
} feed_type_t;

typedef struct {
    const char *name;      //  NULL ends a column table
    feed_type_t type;
    bool required;         //  a CSV file must have this column
} feed_column_t;

//  Most columns a table may have.
#define FEED_COLUMNS_MAX 32

typedef struct feed_t feed_t;

//  Reads size bytes at data (which must outlive the reader) in format, with
//  the columns of table (which must too). Returns 0, RM_EINVAL when table
//  has more than FEED_COLUMNS_MAX columns, or RM_ENOMEM.
int feed_new (const char *data, size_t size, feed_format_t format, const feed_column_t *table,
              feed_t **self_p);

void feed_destroy (feed_t **self_p);

//  The next row: returns 0 with *row (release it with json_decref) and
//  *line; a cell that could not be converted is left out of the row and
//  its problem appended to errors. RM_EINVAL with *row NULL when the
//  record cannot be read as a row (wrong number of fields, a quote not
//  closed, a line that is not a JSON object), its problem appended; the
//  next call reads on after it. RM_ENOTFOUND after the last row.
//  RM_EPROTO when nothing more can be read (a CSV header naming an unknown
//  or repeated column, or missing a required one; every such problem is
//  appended). RM_ENOMEM when out of memory.
int feed_next (feed_t *self, json_t **row, int *line, json_t *errors);

//  Appends {"line", "column" (when not NULL), "message"} to errors.
//  Returns 0 or RM_ENOMEM.
int feed_error (json_t *errors, int line, const char *column, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  The format a file name's extension implies: ".csv" is CSV, ".jsonl" and
//  ".ndjson" are JSON lines. Returns 0 or RM_EINVAL for any other name.
int feed_format_of (const char *path, feed_format_t *format);

#endif
