#include "demo_data.h"
#include "catalog.h"
#include "err.h"
#include "money.h"
#include "mp.h"
#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_FIELDS 3

//  Handles one data row whose fields are already split and trimmed.
typedef int (s_row_fn) (demo_data_t *self, const char *file, int line,
                        char **fields, zhashx_t *seen, char *err, size_t err_size);

static int
s_fail (char *err, size_t err_size, const char *file, int line, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

static int
s_fail (char *err, size_t err_size, const char *file, int line, const char *fmt, ...)
{
    int n = line > 0 ? snprintf (err, err_size, "%s:%d: ", file, line)
                     : snprintf (err, err_size, "%s: ", file);
    if (n >= 0 && (size_t) n < err_size) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err + n, err_size - (size_t) n, fmt, ap);
        va_end (ap);
    }
    return RM_EINVAL;
}

int
demo_data_new (demo_data_t **self_p)
{
    *self_p = (demo_data_t *) calloc (1, sizeof (demo_data_t));
    return *self_p ? 0 : RM_ENOMEM;
}

void
demo_data_destroy (demo_data_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    demo_data_t *self = *self_p;
    free (self->prices_file);
    free (self->prices);
    free (self->stock_file);
    free (self->stock);
    free (self);
    *self_p = NULL;
}

static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen (s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        s[--len] = '\0';
    return s;
}

//  Splits a line at commas into at most DEMO_FIELDS trimmed fields and
//  returns how many fields the line has (which may be more).
static int
s_split (char *line, char **fields)
{
    int count = 0;
    char *start = line;
    while (true) {
        char *comma = strchr (start, ',');
        if (comma)
            *comma = '\0';
        if (count < DEMO_FIELDS)
            fields[count] = s_trim (start);
        count++;
        if (!comma)
            return count;
        start = comma + 1;
    }
}

static int
s_ident (const char *file, int line, const char *name, const char *value,
         char *out, char *err, size_t err_size)
{
    size_t len = strlen (value);
    if (len == 0)
        return s_fail (err, err_size, file, line, "%s is empty", name);
    if (len > DEMO_IDENT_MAX)
        return s_fail (err, err_size, file, line, "%s '%.20s...' is longer than %d characters",
                       name, value, DEMO_IDENT_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) value[i];
        if (c <= ' ' || c > '~' || c == '"')
            return s_fail (err, err_size, file, line,
                           "%s '%s' may hold only printable ASCII without spaces or quotes"
                           " (character %zu)", name, value, i + 1);
    }
    memcpy (out, value, len + 1);
    return 0;
}

static int
s_count (const char *file, int line, const char *name, const char *value,
         int64_t *out, char *err, size_t err_size)
{
    if (*value == '\0')
        return s_fail (err, err_size, file, line, "%s is empty", name);
    if (*value == '-')
        return s_fail (err, err_size, file, line, "%s '%s' is negative", name, value);
    int64_t number = 0;
    for (const char *p = value; *p; p++) {
        if (*p == '.' || *p == ',')
            return s_fail (err, err_size, file, line,
                           "%s '%s' has a decimal point: write whole minor units or items"
                           " (1299 for 12.99)", name, value);
        if (*p < '0' || *p > '9')
            return s_fail (err, err_size, file, line, "%s '%s' is not a whole number",
                           name, value);
        if (number > (INT64_MAX - (*p - '0')) / 10)
            return s_fail (err, err_size, file, line, "%s '%s' is too large", name, value);
        number = number * 10 + (*p - '0');
    }
    *out = number;
    return 0;
}

void
demo_data_pack_price (msgpack_packer *pk, const demo_price_t *price)
{
    msgpack_pack_map (pk, 3);
    mp_pack_kv_str (pk, "currency", price->currency);
    mp_pack_kv_str (pk, "sku", price->sku);
    mp_pack_kv_int (pk, "unit_price", price->unit_price);
}

void
demo_data_pack_stock (msgpack_packer *pk, const demo_stock_t *stock)
{
    msgpack_pack_map (pk, 3);
    mp_pack_kv_str (pk, "location", stock->location);
    mp_pack_kv_str (pk, "sku", stock->sku);
    mp_pack_kv_int (pk, "on_hand", stock->on_hand);
}

typedef void (s_pack_fn) (msgpack_packer *pk, const void *row);

static void
s_pack_price (msgpack_packer *pk, const void *row)
{
    demo_data_pack_price (pk, (const demo_price_t *) row);
}

static void
s_pack_stock (msgpack_packer *pk, const void *row)
{
    demo_data_pack_stock (pk, (const demo_stock_t *) row);
}

//  Validates the call body made from row against the catalogue's request
//  fields of op, so a value the service would refuse is caught with its line.
static int
s_check_row (const char *op, s_pack_fn *pack, const void *row, const char *file, int line,
             char *err, size_t err_size)
{
    const msg_spec_t *spec = catalog_find (op);
    if (!spec)
        return s_fail (err, err_size, file, line, "operation %s is not in the catalogue", op);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    pack (&pk, row);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = 0;
    proto_error_t perr;
    if (msgpack_unpack_next (&unpacked, body.data, body.size, NULL) != MSGPACK_UNPACK_SUCCESS)
        rc = RM_ENOMEM;
    else if (catalog_validate (spec->request, &unpacked.data, &perr) != 0)
        rc = s_fail (err, err_size, file, line, "%s would refuse this row: %s", op, perr.message);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

//  Grows an array whose capacity is 64 and then each power of two above.
static bool
s_grow (void **array, size_t count, size_t item_size)
{
    if (count != 0 && (count < 64 || (count & (count - 1)) != 0))
        return true;
    size_t capacity = count ? count * 2 : 64;
    void *grown = realloc (*array, capacity * item_size);
    if (!grown)
        return false;
    *array = grown;
    return true;
}

//  Checks a parsed row against the catalogue and against the rows before
//  it (what names it, and is its key), then appends it to the array.
static int
s_accept (const char *op, s_pack_fn *pack, const void *row, size_t row_size,
          void **array, size_t *count, zhashx_t *seen, const char *what,
          const char *file, int line, char *err, size_t err_size)
{
    int rc = s_check_row (op, pack, row, file, line, err, err_size);
    if (rc)
        return rc;
    void *first = zhashx_lookup (seen, what);
    if (first)
        return s_fail (err, err_size, file, line, "%s is listed twice (first on line %d)",
                       what, (int) (intptr_t) first);
    if (zhashx_insert (seen, what, (void *) (intptr_t) line) != 0
        || !s_grow (array, *count, row_size))
        return RM_ENOMEM;
    memcpy ((char *) *array + *count * row_size, row, row_size);
    (*count)++;
    return 0;
}

static int
s_price_row (demo_data_t *self, const char *file, int line, char **fields,
             zhashx_t *seen, char *err, size_t err_size)
{
    demo_price_t price = {.line = line};
    const char *currency = fields[0];
    if (strlen (currency) != 3 || !money_currency_valid (currency))
        return s_fail (err, err_size, file, line,
                       "currency '%s' is not an ISO 4217 code such as USD or EUR", currency);
    memcpy (price.currency, currency, 4);
    int rc = s_ident (file, line, "sku", fields[1], price.sku, err, err_size);
    if (rc == 0)
        rc = s_count (file, line, "unit_price", fields[2], &price.unit_price, err, err_size);
    if (rc)
        return rc;
    char what[sizeof price.sku + 32];
    snprintf (what, sizeof what, "the %s price of %s", price.currency, price.sku);
    return s_accept ("pricing.set", s_pack_price, &price, sizeof price, (void **) &self->prices,
                     &self->nprices, seen, what, file, line, err, err_size);
}

static int
s_stock_row (demo_data_t *self, const char *file, int line, char **fields,
             zhashx_t *seen, char *err, size_t err_size)
{
    demo_stock_t stock = {.line = line};
    int rc = s_ident (file, line, "location", fields[0], stock.location, err, err_size);
    if (rc == 0)
        rc = s_ident (file, line, "sku", fields[1], stock.sku, err, err_size);
    if (rc == 0)
        rc = s_count (file, line, "on_hand", fields[2], &stock.on_hand, err, err_size);
    if (rc)
        return rc;
    char what[sizeof stock.sku + sizeof stock.location + 32];
    snprintf (what, sizeof what, "the stock of %s at %s", stock.sku, stock.location);
    return s_accept ("inventory.set_stock", s_pack_stock, &stock, sizeof stock,
                     (void **) &self->stock, &self->nstock, seen, what, file, line, err, err_size);
}

//  Walks the lines of text: the first one that is not blank or a comment
//  must be header, every later one a row of DEMO_FIELDS fields. Keeps
//  file in *name for later messages.
static int
s_parse (demo_data_t *self, char **name, const char *file, const char *text,
         const char *header, s_row_fn *row_fn, char *err, size_t err_size)
{
    char *copy = strdup (text);
    char *name_copy = strdup (file);
    zhashx_t *seen = zhashx_new ();
    if (!copy || !name_copy || !seen) {
        free (copy);
        free (name_copy);
        zhashx_destroy (&seen);
        return RM_ENOMEM;
    }
    //  spreadsheet programs like to start a CSV file with a UTF-8 BOM
    char *next = strncmp (copy, "\xEF\xBB\xBF", 3) == 0 ? copy + 3 : copy;
    free (*name);
    *name = name_copy;
    bool header_seen = false;
    int rc = 0;
    size_t rows = 0;
    for (int line = 1; rc == 0 && next; line++) {
        char *text_line = next;
        next = strchr (next, '\n');
        if (next)
            *next++ = '\0';
        char *trimmed = s_trim (text_line);
        if (*trimmed == '\0' || *trimmed == '#')
            continue;
        if (!header_seen) {
            char *fields[DEMO_FIELDS];
            char found[200];
            snprintf (found, sizeof found, "%s", trimmed);
            int count = s_split (trimmed, fields);
            char joined[200];
            snprintf (joined, sizeof joined, "%s,%s,%s", fields[0],
                      count > 1 ? fields[1] : "", count > 2 ? fields[2] : "");
            if (count != DEMO_FIELDS || strcmp (joined, header) != 0)
                rc = s_fail (err, err_size, file, line, "expected the header '%s', found '%s'",
                             header, found);
            header_seen = true;
            continue;
        }
        char *fields[DEMO_FIELDS];
        int count = s_split (trimmed, fields);
        if (count != DEMO_FIELDS)
            rc = s_fail (err, err_size, file, line, "expected %d fields (%s), found %d",
                         DEMO_FIELDS, header, count);
        else
            rc = row_fn (self, file, line, fields, seen, err, err_size);
        if (rc == 0)
            rows++;
    }
    if (rc == 0 && !header_seen)
        rc = s_fail (err, err_size, file, 0, "is empty (expected the header '%s' and rows)",
                     header);
    else if (rc == 0 && rows == 0)
        rc = s_fail (err, err_size, file, 0, "has a header but no rows");
    if (rc == RM_ENOMEM)
        snprintf (err, err_size, "%s: out of memory", file);
    zhashx_destroy (&seen);
    free (copy);
    return rc;
}

int
demo_data_parse_prices (demo_data_t *self, const char *file, const char *text,
                        char *err, size_t err_size)
{
    self->nprices = 0;
    return s_parse (self, &self->prices_file, file, text, "currency,sku,unit_price",
                    s_price_row, err, err_size);
}

int
demo_data_parse_stock (demo_data_t *self, const char *file, const char *text,
                       char *err, size_t err_size)
{
    self->nstock = 0;
    return s_parse (self, &self->stock_file, file, text, "location,sku,on_hand",
                    s_stock_row, err, err_size);
}

int
demo_data_check (demo_data_t *self, char *err, size_t err_size)
{
    zhashx_t *priced = zhashx_new ();
    if (!priced)
        return RM_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < self->nprices; i++)
        if (zhashx_insert (priced, self->prices[i].sku, self) != 0
            && !zhashx_lookup (priced, self->prices[i].sku))
            rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < self->nstock; i++)
        if (!zhashx_lookup (priced, self->stock[i].sku))
            rc = s_fail (err, err_size, self->stock_file ? self->stock_file : "stock",
                         self->stock[i].line, "%s has no price in %s, so it could not be ordered",
                         self->stock[i].sku, self->prices_file ? self->prices_file : "the prices");
    zhashx_destroy (&priced);
    return rc;
}

//  Reads a whole text file into a NUL-terminated buffer the caller frees.
static int
s_read_file (const char *path, char **text, char *err, size_t err_size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return s_fail (err, err_size, path, 0, "cannot open: %s", strerror (errno));
    char *buffer = (char *) malloc (DEMO_FILE_MAX + 1);
    if (!buffer) {
        fclose (file);
        return RM_ENOMEM;
    }
    size_t size = fread (buffer, 1, DEMO_FILE_MAX + 1, file);
    int rc = 0;
    if (ferror (file))
        rc = s_fail (err, err_size, path, 0, "cannot read: %s", strerror (errno));
    else if (size > DEMO_FILE_MAX)
        rc = s_fail (err, err_size, path, 0, "is larger than %d MiB", DEMO_FILE_MAX >> 20);
    else if (memchr (buffer, '\0', size))
        rc = s_fail (err, err_size, path, 0, "contains a NUL byte: not a CSV text file");
    fclose (file);
    if (rc) {
        free (buffer);
        return rc;
    }
    buffer[size] = '\0';
    *text = buffer;
    return 0;
}

int
demo_data_load (demo_data_t *self, const char *dir, char *err, size_t err_size)
{
    static const char *names[] = {"prices.csv", "stock.csv"};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 2; i++) {
        char path[4096];
        snprintf (path, sizeof path, "%s/%s", dir, names[i]);
        char *text = NULL;
        rc = s_read_file (path, &text, err, err_size);
        if (rc == 0)
            rc = i == 0 ? demo_data_parse_prices (self, path, text, err, err_size)
                        : demo_data_parse_stock (self, path, text, err, err_size);
        free (text);
    }
    if (rc == 0)
        rc = demo_data_check (self, err, err_size);
    if (rc == RM_ENOMEM)
        snprintf (err, err_size, "%s: out of memory reading the demo catalogue", dir);
    return rc;
}
