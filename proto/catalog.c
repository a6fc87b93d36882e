#include "catalog.h"
#include "err.h"
#include "money.h"
#include "mp.h"
#include "uuid.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

//  ---- bounds ---------------------------------------------------------------

#define S_MAX_LINES 500
#define S_MAX_SKUS 100
#define S_MAX_QUANTITY 1000000
#define S_MAX_UNIT_PRICE 1000000000000LL
#define S_MAX_ON_HAND 1000000000
//  Replies list a SKU's locations; this only keeps a broken reply bounded.
#define S_MAX_LOCATIONS 10000
#define S_MAX_SHIP_TO 16
#define S_STRMAP_KEY_MAX 64
#define S_STR_DEFAULT_MAX 256

//  ---- field lists ------------------------------------------------------------

#define F_STR(n, req, chk, len, d) \
    {.name = n, .type = FT_STR, .required = req, .check = chk, .max_len = len, .doc = d}
#define F_INT(n, lo, hi, d) \
    {.name = n, .type = FT_INT, .required = true, .min = lo, .max = hi, .doc = d}
#define F_BOOL(n, d) {.name = n, .type = FT_BOOL, .required = true, .doc = d}
#define F_MAPS(n, lo, hi, f, d)                                                        \
    {.name = n, .type = FT_ARRAY, .required = true, .item = FT_MAP, .min_items = lo, \
     .max_items = hi, .fields = f, .doc = d}
#define F_END {.name = NULL}

#define F_SKU F_STR ("sku", true, FC_IDENT, 64, "stock keeping unit")
#define F_LOCATION F_STR ("location", true, FC_IDENT, 64, "stock location (warehouse, store)")
#define F_CURRENCY F_STR ("currency", true, FC_CURRENCY, 3, "ISO 4217 code of every amount in the message")
#define F_ORDER_ID F_STR ("order_id", true, FC_UUID, UUID_STR_LEN, "order ID (UUID)")
#define F_EXTERNAL_ID(d) F_STR ("external_id", true, FC_NONE, 128, d)
#define F_CHANNEL(req, d) F_STR ("channel", req, FC_IDENT, 32, d)
#define F_ACCOUNT_ID F_STR ("account_id", true, FC_NONE, 128, "customer account")
#define F_SHIP_TO                                                                           \
    {.name = "ship_to", .type = FT_STRMAP, .required = false, .max_items = S_MAX_SHIP_TO, \
     .max_len = 256, .doc = "delivery address, e.g. name, street, city, postal_code, country"}
#define F_QUANTITY F_INT ("quantity", 1, S_MAX_QUANTITY, "units")
#define F_UNIT_PRICE(d) F_INT ("unit_price", 0, S_MAX_UNIT_PRICE, d)
#define F_AMOUNT(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_STOCK(n, d) F_INT (n, 0, S_MAX_ON_HAND, d)

static const field_spec_t s_none[] = {F_END};

#define F_OPT_INT(n, lo, hi, d) \
    {.name = n, .type = FT_INT, .required = false, .min = lo, .max = hi, .doc = d}
#define F_SEQ(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_COUNT(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_SOURCE F_STR ("source", true, FC_IDENT, 32, "the service that emitted the events")

static const field_spec_t s_event_log[] = {
    F_SEQ ("first_seq", "oldest event still kept"),
    F_SEQ ("last_seq", "newest event committed"),
    F_SEQ ("published", "newest event sent on the PUB socket"), F_END};

static const field_spec_t s_consumer_status[] = {
    F_SOURCE, F_SEQ ("position", "last event applied"),
    F_SEQ ("source_last_seq", "newest event the source is known to have"),
    F_COUNT ("lag", "source_last_seq - position"),
    F_COUNT ("gaps", "gaps detected in the live stream"),
    F_COUNT ("replays", "events.since calls made to catch up"),
    F_COUNT ("applied", "events applied by the handler"),
    F_COUNT ("rejected", "events the handler rejected for business reasons"),
    F_COUNT ("duplicates", "events received again and ignored"),
    F_COUNT ("dead_letters", "events moved to the dead-letter store"),
    F_BOOL ("stalled", "behind the source's retention: needs an operator"),
    F_STR ("stalled_reason", false, FC_NONE, 256, "why the consumer stalled"), F_END};

static const field_spec_t s_outbound_status[] = {
    F_COUNT ("depth", "actions waiting to succeed"),
    F_COUNT ("oldest_age_ms", "age of the oldest of them, 0 when none"),
    F_COUNT ("in_flight", "actions being performed now"),
    F_COUNT ("sent", "actions that succeeded since start"),
    F_COUNT ("failed_attempts", "failed attempts since start"),
    F_COUNT ("dead_letters", "actions set aside after their bounds"), F_END};

static const field_spec_t s_health[] = {
    F_STR ("service", true, FC_IDENT, 32, "service name"),
    F_STR ("version", true, FC_NONE, 32, "build version"),
    F_AMOUNT ("uptime_s", "seconds since the process started"),
    F_AMOUNT ("store_bytes", "bytes the LMDB store uses"),
    F_INT ("pid", 1, INT32_MAX, "process ID"),
    {.name = "events", .type = FT_MAP, .required = true, .fields = s_event_log, .doc = "the service's event log"},
    F_MAPS ("consumers", 0, 16, s_consumer_status, "the other services' events this one applies"),
    {.name = "outbound", .type = FT_MAP, .required = false, .fields = s_outbound_status,
     .doc = "the outbound queue: calls to perform after a commit"},
    F_END};

static const field_spec_t s_since_request[] = {
    F_INT ("from", 1, INT64_MAX, "first sequence number wanted"),
    F_OPT_INT ("max", 1, 10000, "events at most (default 1000)"), F_END};

static const field_spec_t s_since_reply[] = {
    F_SEQ ("first_seq", "oldest event still kept"), F_SEQ ("last_seq", "newest event committed"),
    {.name = "events", .type = FT_ARRAY, .required = true, .item = FT_ANY, .min_items = 0, .max_items = 10000,
     .doc = "event envelopes in sequence order"},
    F_END};

static const field_spec_t s_replay_request[] = {
    F_SOURCE, F_INT ("from", 1, INT64_MAX, "apply events again from this sequence number"), F_END};

static const field_spec_t s_replay_reply[] = {F_SOURCE, F_SEQ ("position", "the consumer's position now"), F_END};

#define F_QUEUE F_STR ("queue", false, FC_IDENT, 16, "events (default) or outbound")

static const field_spec_t s_dlq_list_request[] = {
    F_STR ("source", false, FC_IDENT, 32, "only this source's dead letters"), F_QUEUE, F_END};

//  An outbound dead letter has the same shape: source is the peer called,
//  seq the action's number and type its operation.
#define S_DLQ_ENTRY_FIELDS                                                                      \
    F_QUEUE, F_SOURCE, F_SEQ ("seq", "the event's sequence number at its source"),              \
        F_STR ("type", true, FC_NONE, 64, "event type"),                                       \
        F_STR ("error", true, FC_NONE, 256, "the handler's last error"),                       \
        F_COUNT ("attempts", "attempts made"), F_AMOUNT ("failed_at", "when it was given up, Unix ms")

static const field_spec_t s_dlq_entry[] = {S_DLQ_ENTRY_FIELDS, F_END};

static const field_spec_t s_dlq_list_reply[] = {
    F_MAPS ("entries", 0, INT32_MAX, s_dlq_entry, "dead letters, oldest first per source"), F_END};

static const field_spec_t s_dlq_key_request[] = {F_QUEUE, F_SOURCE, F_SEQ ("seq", "the event's sequence number"), F_END};

static const field_spec_t s_dlq_show_reply[] = {
    S_DLQ_ENTRY_FIELDS,
    {.name = "event", .type = FT_ANY, .required = true, .doc = "the event envelope (outbound: the action)"}, F_END};

static const field_spec_t s_dlq_retried[] = {
    F_SOURCE, F_SEQ ("seq", "the event's sequence number"), F_BOOL ("applied", "true: applied and removed"), F_END};

static const field_spec_t s_dlq_dropped[] = {
    F_SOURCE, F_SEQ ("seq", "the event's sequence number"), F_BOOL ("dropped", "true: removed"), F_END};

static const field_spec_t s_sku_quantity[] = {F_SKU, F_QUANTITY, F_END};

static const field_spec_t s_quote_request[] = {
    F_CURRENCY, F_MAPS ("lines", 1, S_MAX_LINES, s_sku_quantity, "what to price"), F_END};

static const field_spec_t s_quote_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("current price per unit, minor units"),
    F_AMOUNT ("extended_price", "unit_price * quantity"), F_END};

static const field_spec_t s_quote_reply[] = {
    F_CURRENCY, F_AMOUNT ("total", "sum of extended_price, minor units"),
    F_MAPS ("lines", 1, S_MAX_LINES, s_quote_line, "one per request line, in order"), F_END};

static const field_spec_t s_quoted_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("price per unit the client was quoted, minor units"), F_END};

static const field_spec_t s_validate_request[] = {
    F_CURRENCY, F_MAPS ("lines", 1, S_MAX_LINES, s_quoted_line, "quoted lines to check"), F_END};

static const field_spec_t s_validate_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("current price per unit, minor units"),
    F_INT ("quoted", 0, S_MAX_UNIT_PRICE, "price per unit the client sent"),
    F_AMOUNT ("extended_price", "current unit_price * quantity"),
    F_BOOL ("ok", "quoted equals the current price"), F_END};

static const field_spec_t s_validate_reply[] = {
    F_BOOL ("ok", "every line's quoted price is current"), F_CURRENCY,
    F_AMOUNT ("total", "sum of extended_price at current prices"),
    F_MAPS ("lines", 1, S_MAX_LINES, s_validate_line, "one per request line, in order"), F_END};

static const field_spec_t s_price_set_request[] = {
    F_CURRENCY, F_SKU, F_UNIT_PRICE ("new price per unit, minor units"), F_END};

#define S_PRICE_FIELDS                                        \
    F_CURRENCY, F_SKU, F_UNIT_PRICE ("price per unit, minor units"), \
        F_AMOUNT ("updated_at", "when the price was set, Unix ms")

static const field_spec_t s_price[] = {S_PRICE_FIELDS, F_END};

static const field_spec_t s_price_changed[] = {
    S_PRICE_FIELDS,
    {.name = "previous", .type = FT_INT, .required = false, .min = 0, .max = S_MAX_UNIT_PRICE,
     .doc = "the price before, when there was one"},
    F_END};

static const field_spec_t s_availability_request[] = {
    {.name = "skus", .type = FT_ARRAY, .required = true, .item = FT_STR, .check = FC_IDENT,
     .max_len = 64, .min_items = 1, .max_items = S_MAX_SKUS, .doc = "SKUs to look up"},
    F_END};

static const field_spec_t s_location_stock[] = {
    F_LOCATION, F_STOCK ("on_hand", "units on hand"),
    F_STOCK ("reserved", "units held for orders"),
    F_STOCK ("available", "on_hand - reserved"), F_END};

static const field_spec_t s_availability_item[] = {
    F_SKU, F_AMOUNT ("on_hand", "units on hand over all locations"),
    F_AMOUNT ("reserved", "units held for orders over all locations"),
    F_AMOUNT ("available", "on_hand - reserved"),
    F_MAPS ("locations", 0, S_MAX_LOCATIONS, s_location_stock, "per location"), F_END};

static const field_spec_t s_availability_reply[] = {
    F_MAPS ("items", 1, S_MAX_SKUS, s_availability_item, "one per requested SKU, in order"),
    F_END};

static const field_spec_t s_allocation[] = {F_LOCATION, F_QUANTITY, F_END};

static const field_spec_t s_reserve_request[] = {
    F_ORDER_ID, F_MAPS ("lines", 1, S_MAX_LINES, s_sku_quantity, "what to hold"), F_END};

static const field_spec_t s_reserved_line[] = {
    F_SKU, F_QUANTITY,
    F_MAPS ("allocations", 1, S_MAX_LOCATIONS, s_allocation, "where the units are held"),
    F_END};

static const field_spec_t s_reservation[] = {
    F_ORDER_ID, F_MAPS ("lines", 1, S_MAX_LINES, s_reserved_line, "one per request line, in order"),
    F_END};

static const field_spec_t s_release_request[] = {
    F_ORDER_ID, F_STR ("reason", false, FC_NONE, 256, "why, for people reading logs"), F_END};

static const field_spec_t s_release_reply[] = {
    F_ORDER_ID, F_BOOL ("released", "false when nothing was held for the order"), F_END};

static const field_spec_t s_set_stock_request[] = {
    F_LOCATION, F_SKU, F_STOCK ("on_hand", "units now on hand at the location"), F_END};

static const field_spec_t s_stock[] = {
    F_LOCATION, F_SKU, F_STOCK ("on_hand", "units on hand"),
    F_STOCK ("reserved", "units held for orders"),
    F_STOCK ("available", "on_hand - reserved"), F_END};

static const field_spec_t s_submit_request[] = {
    F_EXTERNAL_ID ("the client's order reference; resubmitting it returns the same order"),
    F_CHANNEL (false, "sales channel (web, store...); absent means the orders service's default"),
    F_ACCOUNT_ID, F_CURRENCY,
    F_MAPS ("lines", 1, S_MAX_LINES, s_quoted_line, "what to order, at quoted prices"),
    F_SHIP_TO, F_END};

static const field_spec_t s_order_line[] = {
    F_SKU, F_QUANTITY, F_UNIT_PRICE ("price per unit, minor units"),
    F_AMOUNT ("extended_price", "unit_price * quantity"),
    F_MAPS ("reservations", 0, S_MAX_LOCATIONS, s_allocation, "stock held for the line"),
    F_END};

#define S_ORDER_FIELDS                                                                 \
    F_ORDER_ID, F_EXTERNAL_ID ("the client's order reference"),                        \
        F_CHANNEL (true, "sales channel"), F_ACCOUNT_ID,                               \
        F_STR ("status", true, FC_IDENT, 16, "pending, accepted or cancelled"), F_CURRENCY, \
        F_AMOUNT ("total", "sum of extended_price, minor units"),                      \
        F_MAPS ("lines", 1, S_MAX_LINES, s_order_line, "the order lines"), F_SHIP_TO,  \
        F_AMOUNT ("created_at", "when the order was created, Unix ms"),                 \
        F_OPT_INT ("cancelled_at", 0, INT64_MAX, "when the order was cancelled, Unix ms"), \
        F_STR ("cancel_reason", false, FC_NONE, 256, "why the order was cancelled")

static const field_spec_t s_order[] = {S_ORDER_FIELDS, F_END};

static const field_spec_t s_submitted_order[] = {
    S_ORDER_FIELDS, F_BOOL ("created", "false when an earlier submission made the order"), F_END};

static const field_spec_t s_get_request[] = {F_ORDER_ID, F_END};

static const field_spec_t s_cancel_request[] = {
    F_ORDER_ID, F_STR ("reason", false, FC_NONE, 256, "why the order is cancelled"), F_END};

static const field_spec_t s_cancelled_order[] = {
    S_ORDER_FIELDS, F_BOOL ("changed", "false when the order was already cancelled"), F_END};

static const field_spec_t s_cancelled_event[] = {
    F_ORDER_ID, F_EXTERNAL_ID ("the client's order reference"), F_CHANNEL (true, "sales channel"),
    F_STR ("reason", false, FC_NONE, 256, "why the order was cancelled"),
    F_MAPS ("lines", 1, S_MAX_LINES, s_order_line, "the order lines and what they held"), F_END};

static const field_spec_t s_history_entry[] = {
    F_STR ("status", true, FC_IDENT, 16, "the status the order moved to"),
    F_STR ("event", true, FC_NONE, 64, "the event that recorded it"),
    F_AMOUNT ("time", "when, Unix ms"),
    F_STR ("correlation_id", true, FC_NONE, 128, "the request that caused it"),
    F_STR ("reason", false, FC_NONE, 256, "why, when given"), F_END};

static const field_spec_t s_history[] = {
    F_ORDER_ID, F_MAPS ("events", 0, 10000, s_history_entry, "status changes, oldest first"), F_END};

static const field_spec_t s_find_request[] = {
    F_CHANNEL (true, "sales channel the order was submitted on"),
    F_EXTERNAL_ID ("the client's order reference"), F_END};

//  ---- messages -----------------------------------------------------------------

//  Every operation here is safe to resend: reads, absolute sets, holds
//  keyed by order_id, submits deduplicated by external_id, cancels (a
//  second one changes nothing), replays (application is idempotent) and
//  dead-letter retries and drops (a resent one answers not_found).
#define OP(n, req, rep, d) \
    {.name = n, .kind = MSG_OPERATION, .version = 1, .idempotent = true, .request = req, .reply = rep, .doc = d}
#define EVENT(n, body, d) {.name = n, .kind = MSG_EVENT, .version = 1, .request = body, .doc = d}

const msg_spec_t catalog_messages[] = {
    OP ("sys.health", s_none, s_health, "Liveness and basic facts; every service answers it."),
    OP ("events.since", s_since_request, s_since_reply,
        "Events from the service's log, from a sequence number on; every service answers it."),
    OP ("consumer.replay", s_replay_request, s_replay_reply,
        "Applies a source's events again from a sequence number (application is idempotent)."),
    OP ("dlq.list", s_dlq_list_request, s_dlq_list_reply, "Events that failed and were set aside."),
    OP ("dlq.show", s_dlq_key_request, s_dlq_show_reply, "One dead letter with its event."),
    OP ("dlq.retry", s_dlq_key_request, s_dlq_retried, "Applies a dead letter again; removed if it applies."),
    OP ("dlq.drop", s_dlq_key_request, s_dlq_dropped, "Removes a dead letter without applying it."),
    OP ("pricing.quote", s_quote_request, s_quote_reply, "Prices lines at the current prices."),
    OP ("pricing.validate", s_validate_request, s_validate_reply,
        "Checks quoted prices against the current ones."),
    OP ("pricing.set", s_price_set_request, s_price, "Sets the price of a SKU in a currency."),
    OP ("inventory.availability", s_availability_request, s_availability_reply,
        "Stock of SKUs, in total and per location."),
    OP ("inventory.reserve", s_reserve_request, s_reservation,
        "Holds stock for an order, all lines or nothing."),
    OP ("inventory.release", s_release_request, s_release_reply,
        "Releases everything held for an order."),
    OP ("inventory.set_stock", s_set_stock_request, s_stock,
        "Sets the units on hand of a SKU at a location."),
    OP ("orders.submit", s_submit_request, s_submitted_order,
        "Accepts an order: checks prices, reserves stock, records it."),
    OP ("orders.get", s_get_request, s_order, "An order by its ID."),
    OP ("orders.find", s_find_request, s_order, "An order by channel and external ID."),
    OP ("orders.cancel", s_cancel_request, s_cancelled_order,
        "Cancels an accepted order; inventory then releases its stock. Cancelling twice is harmless."),
    OP ("orders.history", s_get_request, s_history, "An order's status changes with time and correlation ID."),
    EVENT ("pricing.price.set", s_price_changed, "A price was set."),
    EVENT ("inventory.stock.set", s_stock, "The units on hand at a location were set."),
    EVENT ("inventory.stock.reserved", s_reservation, "Stock was held for an order."),
    EVENT ("inventory.reservation.released", s_reservation,
           "What was held for an order was released; lines say what was freed."),
    EVENT ("orders.order.accepted", s_order, "An order was accepted."),
    EVENT ("orders.order.cancelled", s_cancelled_event, "An accepted order was cancelled; its stock is to be released."),
    {.name = NULL},
};

//  The slices registered after catalog_messages (at start-up, before any
//  thread reads the catalogue).
#define S_SLICES_MAX 32
static const msg_spec_t *s_slices[S_SLICES_MAX];
static size_t s_nslices;

static const msg_spec_t *
s_find_in (const msg_spec_t *slice, const char *name)
{
    for (const msg_spec_t *msg = slice; name && msg->name; msg++)
        if (strcmp (msg->name, name) == 0)
            return msg;
    return NULL;
}

const msg_spec_t *
catalog_find (const char *name)
{
    const msg_spec_t *msg = s_find_in (catalog_messages, name);
    for (size_t i = 0; !msg && i < s_nslices; i++)
        msg = s_find_in (s_slices[i], name);
    return msg;
}

int
catalog_register (const msg_spec_t *messages)
{
    for (const msg_spec_t *msg = messages; msg->name; msg++)
        if (catalog_find (msg->name) || s_find_in (msg + 1, msg->name))
            return RM_EINVAL;
    if (s_nslices == S_SLICES_MAX)
        return RM_ENOMEM;
    s_slices[s_nslices++] = messages;
    return 0;
}

//  ---- validation ---------------------------------------------------------------

#define S_PATH_MAX sizeof (((proto_error_t *) 0)->field)

static int s_check_value (const field_spec_t *spec, const msgpack_object *obj, char *path,
                          size_t len, proto_error_t *err);

static int s_fail (proto_error_t *err, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Messages start with the pointer, so they read well on their own.
static int
s_fail (proto_error_t *err, const char *path, const char *fmt, ...)
{
    char problem[160];
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem, sizeof problem, fmt, args);
    va_end (args);
    return proto_error_set (err, RM_EINVAL, path, "%s %s", path[0] ? path : "the body", problem);
}

static const char *
s_kind_of (const msgpack_object *obj)
{
    switch (obj->type) {
        case MSGPACK_OBJECT_NIL: return "nil";
        case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: return "a float";
        case MSGPACK_OBJECT_STR: return "a string";
        case MSGPACK_OBJECT_ARRAY: return "an array";
        case MSGPACK_OBJECT_MAP: return "a map";
        case MSGPACK_OBJECT_BIN: return "binary data";
        case MSGPACK_OBJECT_EXT: return "an extension value";
    }
    return "an unknown type";
}

static int
s_wrong_type (proto_error_t *err, const char *path, const char *expected, const msgpack_object *obj)
{
    return s_fail (err, path, "must be %s (got %s)", expected, s_kind_of (obj));
}

//  Appends "/segment" with JSON Pointer escaping (RFC 6901: "~" is "~0",
//  "/" is "~1"); bytes that are not printable ASCII become "?", since the
//  pointer is read by people. Returns the new length.
static size_t
s_path_key (char *path, size_t len, const char *key, size_t key_len)
{
    if (len + 1 < S_PATH_MAX)
        path[len++] = '/';
    for (size_t i = 0; i < key_len && len + 2 < S_PATH_MAX; i++) {
        char c = key[i];
        if (c == '~' || c == '/') {
            path[len++] = '~';
            path[len++] = c == '~' ? '0' : '1';
        }
        else
            path[len++] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    path[len] = '\0';
    return len;
}

static size_t
s_path_index (char *path, size_t len, uint32_t index)
{
    snprintf (path + len, S_PATH_MAX - len, "/%u", index);
    return strlen (path);
}

//  A short, printable excerpt of a bad value for an error message.
static const char *
s_excerpt (const char *s, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size; i++)
        buf[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    buf[n] = '\0';
    if (n < len)
        strcat (buf, "...");
    return buf;
}

static bool
s_ident (const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

//  Well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, nothing
//  above U+10FFFF) without NUL, which would cut C strings short.
static bool
s_utf8 (const char *text, size_t len)
{
    static const uint32_t min_code[] = {0, 0x80, 0x800, 0x10000};
    const uint8_t *s = (const uint8_t *) text;
    for (size_t i = 0; i < len;) {
        uint8_t c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
        if (extra == 0 || extra >= len - i)
            return false;
        uint32_t code = c & (0x3f >> extra);
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            code = code << 6 | (s[i + k] & 0x3f);
        }
        if (code < min_code[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

static int
s_check_format (field_check_t check, const char *s, size_t len, const char *path,
                proto_error_t *err)
{
    char text[UUID_STR_LEN + 1], got[24];
    uint8_t id[16];
    if (check == FC_IDENT && !s_ident (s, len))
        return s_fail (err, path, "must be printable ASCII without spaces (got \"%s\")",
                       s_excerpt (s, len, got, sizeof got));
    if (check == FC_CURRENCY) {
        snprintf (text, sizeof text, "%.*s", (int) (len < 4 ? len : 4), s);
        if (len != 3 || !money_currency_valid (text))
            return s_fail (err, path, "is not an ISO 4217 currency code (got \"%s\"); use an "
                           "upper-case code such as EUR or USD", s_excerpt (s, len, got, sizeof got));
    }
    if (check == FC_UUID) {
        snprintf (text, sizeof text, "%.*s", (int) (len < sizeof text ? len : sizeof text - 1), s);
        if (len != UUID_STR_LEN || uuid_parse (text, id) != 0)
            return s_fail (err, path, "must be a UUID: 36 characters, lower-case hex digits "
                           "and hyphens in groups 8-4-4-4-12");
    }
    return 0;
}

static int
s_check_str (const field_spec_t *spec, const msgpack_object *obj, const char *path,
             proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_STR)
        return s_wrong_type (err, path, "a string", obj);
    const char *s = obj->via.str.ptr;
    size_t len = obj->via.str.size;
    size_t max = spec->max_len ? spec->max_len : S_STR_DEFAULT_MAX;
    if (len == 0)
        return s_fail (err, path, "must not be empty");
    if (!s_utf8 (s, len))
        return s_fail (err, path, "must be valid UTF-8 without NUL characters");
    int rc = s_check_format (spec->check, s, len, path, err);
    if (rc)
        return rc;
    if (len > max)
        return s_fail (err, path, "must be at most %zu bytes long (got %zu)", max, len);
    return 0;
}

static int
s_check_int (const field_spec_t *spec, const msgpack_object *obj, const char *path,
             proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_POSITIVE_INTEGER && obj->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return s_wrong_type (err, path, "an integer", obj);
    int64_t value;
    bool fits = mp_int (obj, &value) == 0;
    if (fits && value >= spec->min && value <= spec->max)
        return 0;
    char got[32] = "";
    if (fits)
        snprintf (got, sizeof got, " (got %lld)", (long long) value);
    if (spec->max == INT64_MAX)
        return s_fail (err, path, "must be at least %lld%s", (long long) spec->min, got);
    return s_fail (err, path, "must be between %lld and %lld%s", (long long) spec->min,
                   (long long) spec->max, got);
}

static int
s_check_array (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
               proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_ARRAY)
        return s_wrong_type (err, path, "an array", obj);
    uint32_t n = obj->via.array.size;
    if (n < spec->min_items)
        return s_fail (err, path, "must have at least %zu item%s (got %u)", spec->min_items,
                       spec->min_items == 1 ? "" : "s", n);
    if (n > spec->max_items)
        return s_fail (err, path, "must have at most %zu items (got %u)", spec->max_items, n);
    //  Items carry the array's own bounds and checks: its max_len and check
    //  for strings, min and max for integers, fields for maps.
    field_spec_t item = *spec;
    item.type = spec->item;
    for (uint32_t i = 0; i < n; i++) {
        int rc = s_check_value (&item, &obj->via.array.ptr[i], path, s_path_index (path, len, i), err);
        if (rc)
            return rc;
    }
    return 0;
}

//  Checks the i-th key of a map is a string that no earlier key repeats,
//  and appends it to the path.
static int
s_enter_key (const msgpack_object *map, uint32_t i, char *path, size_t len, size_t *key_len,
             proto_error_t *err)
{
    const msgpack_object *key = &map->via.map.ptr[i].key;
    if (key->type != MSGPACK_OBJECT_STR)
        return s_fail (err, path, "has a key that is not a string (got %s)", s_kind_of (key));
    *key_len = s_path_key (path, len, key->via.str.ptr, key->via.str.size);
    for (uint32_t j = 0; j < i; j++)
        if (msgpack_object_equal (map->via.map.ptr[j].key, *key))
            return s_fail (err, path, "appears more than once");
    return 0;
}

static bool
s_known (const field_spec_t *fields, const msgpack_object *key)
{
    for (const field_spec_t *f = fields; f->name; f++)
        if (mp_str_eq (key, f->name))
            return true;
    return false;
}

static int
s_unknown_field (const field_spec_t *fields, const char *path, proto_error_t *err)
{
    char names[120] = "";
    size_t used = 0;
    for (const field_spec_t *f = fields; f->name && used < sizeof names; f++)
        used += (size_t) snprintf (names + used, sizeof names - used, "%s%s", used ? ", " : "", f->name);
    return s_fail (err, path, "is not a known field (known: %s)", fields->name ? names : "none");
}

static int
s_check_map (const field_spec_t *fields, const msgpack_object *obj, char *path, size_t len,
             proto_error_t *err)
{
    size_t key_len;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        int rc = s_enter_key (obj, i, path, len, &key_len, err);
        if (rc)
            return rc;
        if (!s_known (fields, &obj->via.map.ptr[i].key))
            return s_unknown_field (fields, path, err);
    }
    for (const field_spec_t *f = fields; f->name; f++) {
        const msgpack_object *value = mp_get (obj, f->name);
        size_t field_len = s_path_key (path, len, f->name, strlen (f->name));
        if (!value && f->required)
            return s_fail (err, path, "is required");
        int rc = value ? s_check_value (f, value, path, field_len, err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_check_strmap (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
                proto_error_t *err)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type (err, path, "a map of strings to strings", obj);
    uint32_t n = obj->via.map.size;
    if (n > spec->max_items)
        return s_fail (err, path, "must have at most %zu entries (got %u)", spec->max_items, n);
    field_spec_t value = {.type = FT_STR, .max_len = spec->max_len};
    size_t key_len;
    for (uint32_t i = 0; i < n; i++) {
        int rc = s_enter_key (obj, i, path, len, &key_len, err);
        if (rc)
            return rc;
        const msgpack_object_str *key = &obj->via.map.ptr[i].key.via.str;
        if (key->size == 0 || key->size > S_STRMAP_KEY_MAX || !s_ident (key->ptr, key->size))
            return s_fail (err, path, "is not a valid key (keys are 1 to %d printable ASCII "
                           "characters without spaces)", S_STRMAP_KEY_MAX);
        if ((rc = s_check_str (&value, &obj->via.map.ptr[i].val, path, err)))
            return rc;
    }
    return 0;
}

static int
s_check_value (const field_spec_t *spec, const msgpack_object *obj, char *path, size_t len,
               proto_error_t *err)
{
    switch (spec->type) {
        case FT_STR: return s_check_str (spec, obj, path, err);
        case FT_INT: return s_check_int (spec, obj, path, err);
        case FT_BOOL:
            return obj->type == MSGPACK_OBJECT_BOOLEAN ? 0 : s_wrong_type (err, path, "a boolean", obj);
        case FT_MAP:
            return obj->type == MSGPACK_OBJECT_MAP ? s_check_map (spec->fields, obj, path, len, err)
                                                   : s_wrong_type (err, path, "a map", obj);
        case FT_ARRAY: return s_check_array (spec, obj, path, len, err);
        case FT_STRMAP: return s_check_strmap (spec, obj, path, len, err);
        case FT_ANY: break;
    }
    return 0;
}

int
catalog_validate (const field_spec_t *fields, const msgpack_object *body, proto_error_t *err)
{
    char path[S_PATH_MAX] = "";
    if (!body)
        return s_fail (err, path, "is missing");
    if (body->type != MSGPACK_OBJECT_MAP)
        return s_wrong_type (err, path, "a map", body);
    return s_check_map (fields ? fields : s_none, body, path, 0, err);
}
