//  catalog: every operation and event is listed; a sample of every
//  request, reply and event body passes; each kind of bad body is rejected
//  with the exact JSON Pointer; proto/README.md documents the catalogue
//  exactly as catalog.c defines it.
#include "catalog.h"
#include "envelope.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "msgdoc.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

//  ---- bodies from JSON text ---------------------------------------------------

//  A MessagePack body made from JSON text; the object points into buf.
typedef struct {
    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
} doc_t;

static void
s_pack_json (msgpack_packer *pk, json_t *json)
{
    const char *key;
    json_t *value;
    size_t index;
    switch (json_typeof (json)) {
        case JSON_OBJECT:
            msgpack_pack_map (pk, json_object_size (json));
            json_object_foreach (json, key, value) {
                mp_pack_str (pk, key);
                s_pack_json (pk, value);
            }
            break;
        case JSON_ARRAY:
            msgpack_pack_array (pk, json_array_size (json));
            json_array_foreach (json, index, value)
                s_pack_json (pk, value);
            break;
        case JSON_STRING: mp_pack_strn (pk, json_string_value (json), json_string_length (json)); break;
        case JSON_INTEGER: msgpack_pack_int64 (pk, json_integer_value (json)); break;
        case JSON_REAL: msgpack_pack_double (pk, json_real_value (json)); break;
        case JSON_TRUE: msgpack_pack_true (pk); break;
        case JSON_FALSE: msgpack_pack_false (pk); break;
        case JSON_NULL: msgpack_pack_nil (pk); break;
    }
}

static bool
s_doc_parse (doc_t *doc, const char *text)
{
    msgpack_sbuffer_init (&doc->buf);
    msgpack_unpacked_init (&doc->unpacked);
    json_error_t error;
    json_t *json = json_loads (text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!json) {
        fprintf (stderr, "bad JSON in test (%s): %s\n", error.text, text);
        return false;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, &doc->buf, msgpack_sbuffer_write);
    s_pack_json (&pk, json);
    json_decref (json);
    return msgpack_unpack_next (&doc->unpacked, doc->buf.data, doc->buf.size, NULL)
           == MSGPACK_UNPACK_SUCCESS;
}

static void
s_doc_free (doc_t *doc)
{
    msgpack_unpacked_destroy (&doc->unpacked);
    msgpack_sbuffer_destroy (&doc->buf);
}

//  Validates JSON text against fields; returns the code, fills err.
static int
s_validate_json (const field_spec_t *fields, const char *text, proto_error_t *err)
{
    doc_t doc;
    int rc = s_doc_parse (&doc, text) ? catalog_validate (fields, &doc.unpacked.data, err) : -100;
    s_doc_free (&doc);
    return rc;
}

//  ---- the catalogue is complete -------------------------------------------------

static const char *s_operations[] = {
    "sys.health", "events.since", "consumer.replay", "dlq.list", "dlq.show", "dlq.retry",
    "dlq.drop", "pricing.quote", "pricing.validate", "pricing.set", "pricing.put_book", "pricing.get_book",
    "pricing.list_books", "pricing.put_entry", "pricing.get_entry", "pricing.delete_entry", "pricing.batch",
    "inventory.availability",
    "inventory.reserve", "inventory.release", "inventory.orders_restarted", "inventory.set_stock",
    "inventory.location.put",
    "inventory.location.get", "inventory.location.list", "inventory.policy.set", "inventory.stock_policy.set",
    "inventory.movement", "inventory.movements_batch", "inventory.ledger", "inventory.reservations",
    "inventory.hold", "inventory.hold_get",
    "inventory.hold_release", "orders.submit",
    "orders.get", "orders.find", "orders.cancel", "orders.history", "orders.hold_status", "orders.returnable",
    "orders.credit_memos",
    "inventory.backorders", "orders.status", "orders.invoices", "orders.invoice", "fulfillment.milestone",
    "fulfillment.milestones_batch", "fulfillment.get", "fulfillment.list", "fulfillment.by_order", "fulfillment.cancel",
    "returns.authorize", "returns.get", "returns.by_order", "returns.receive", "returns.cancel", NULL};
static const char *s_events[] = {
    "pricing.price.changed", "inventory.stock.set", "inventory.stock.reserved",
    "inventory.reservation.released", "inventory.stock.moved", "inventory.stock.discrepancy",
    "inventory.stock.low", "inventory.stock.replenished", "inventory.reservation.committed", "inventory.hold.placed",
    "inventory.hold.released", "inventory.hold.committed", "inventory.hold.expired", "orders.order.accepted",
    "orders.order.cancelled", "inventory.backorder.filled", "inventory.reservation.expired",
    "inventory.stock.shipped", "inventory.reservation.reduced",
    "orders.order.lines_cancelled", "orders.invoice.created", "orders.credit_memo.created",
    "fulfillment.order.created", "fulfillment.shipment.picked", "fulfillment.shipment.packed",
    "fulfillment.shipment.shipped", "fulfillment.shipment.delivered", "fulfillment.shipment.exception",
    "fulfillment.order.cancelled", "returns.return.authorized", "returns.return.rejected",
    "returns.return.received", "returns.return.refunded", "returns.return.cancelled", "returns.return.expired",
    "returns.return.closed", "returns.refund.issued", NULL};

static size_t
s_count_names (const char **names)
{
    size_t n = 0;
    while (names[n])
        n++;
    return n;
}

static size_t
s_count_messages (void)
{
    size_t n = 0;
    for (const msg_spec_t *msg = catalog_messages; msg->name; msg++)
        n++;
    return n;
}

static void
test_every_message_listed (void)
{
    //  Also catches a message added to catalog.c but not to this test.
    CHECK_EQ_INT (s_count_messages (), s_count_names (s_operations) + s_count_names (s_events));
    CHECK_EQ_INT (s_count_messages (), 94);
    for (const char **name = s_operations; *name; name++) {
        const msg_spec_t *msg = catalog_find (*name);
        CHECK (msg != NULL);
        if (msg)
            CHECK (msg->kind == MSG_OPERATION && msg->idempotent && msg->request && msg->reply
                   && msg->version == 1 && msg->doc);
    }
    for (const char **name = s_events; *name; name++) {
        const msg_spec_t *msg = catalog_find (*name);
        CHECK (msg != NULL);
        if (msg)
            CHECK (msg->kind == MSG_EVENT && msg->request && !msg->reply && msg->version == 1);
    }
    CHECK (catalog_find ("pricing.nope") == NULL);
    CHECK (catalog_find ("orders._heartbeat") == NULL);
    CHECK (catalog_find (NULL) == NULL);
}

//  ---- good bodies pass -----------------------------------------------------------

#define UUID "01890a5d-ac96-774b-bcce-b302099a8057"
#define UUID2 "01890a5e-0b12-7c3d-8e4f-5a6b7c8d9e0f"
#define QUOTE_LINE "{\"sku\":\"SKU-1\",\"quantity\":2}"
#define PRICED_LINE "{\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":1000}"
#define PRICE "{\"currency\":\"JPY\",\"sku\":\"SKU-1\",\"unit_price\":500,\"updated_at\":1700000000000}"
#define LEVELS "\"on_hand\":10,\"reserved\":2,\"quarantined\":1,\"safety_stock\":1,\"available\":6"
#define STOCK_FIELDS "\"location\":\"WH-1\",\"sku\":\"SKU-1\"," LEVELS
#define STOCK "{" STOCK_FIELDS "}"
#define LOCATION "{\"location\":\"WH-1\",\"name\":\"Lyon warehouse\",\"type\":\"warehouse\",\"priority\":1}"
#define LEDGER_ENTRY                                                                 \
    "{\"movement_id\":\"mv-1\",\"type\":\"receipt\",\"quantity_delta\":5,\"on_hand_after\":10," \
    "\"reason\":\"PO 7\",\"occurred_at\":1700000000000,\"recorded_at\":1700000001000}"
#define MOVEMENT_FIELDS                                                              \
    "\"movement_id\":\"mv-2\",\"type\":\"transfer\",\"sku\":\"SKU-1\",\"location\":\"WH-1\"," \
    "\"to_location\":\"ST-9\",\"stock\":{\"location\":\"WH-1\"," LEVELS "},"           \
    "\"to_stock\":{\"location\":\"ST-9\"," LEVELS "},\"location_created\":false,"        \
    "\"to_location_created\":true"
#define LOW "{\"sku\":\"SKU-1\",\"location\":\"WH-1\",\"available\":2,\"low_stock_threshold\":3}"
#define BOOK                                                                          \
    "{\"book_id\":\"web-eur\",\"name\":\"Web shop\",\"currency\":\"EUR\",\"kind\":\"channel\","   \
    "\"channel\":\"web\",\"created_at\":1700000000000,\"updated_at\":1700000000000}"
#define ENTRY_FIELDS                                                                  \
    "\"unit_price\":1000,\"tiers\":[{\"min_quantity\":10,\"unit_price\":900}],"           \
    "\"valid_from\":1700000000000,\"valid_to\":1800000000000"
#define RESERVATION                                                                  \
    "{\"order_id\":\"" UUID "\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,"       \
    "\"allocations\":[{\"location\":\"WH-1\",\"quantity\":2}]}]}"
#define RESERVATION_ROW \
    "{\"line\":0,\"sku\":\"SKU-1\",\"location\":\"WH-1\",\"quantity\":2,\"status\":\"held\"," \
    "\"expires_at\":1700000900000}"
#define HOLD_FIELDS                                                                  \
    "\"hold_id\":\"" UUID2 "\",\"status\":\"held\",\"created_at\":1700000000000," \
    "\"expires_at\":1700000900000,\"reservations\":[" RESERVATION_ROW "]"
#define HOLD "{" HOLD_FIELDS "}"
#define HOLD_TAKEN                                                                   \
    "{\"hold_id\":\"" UUID2 "\",\"status\":\"committed\",\"created_at\":1700000000000," \
    "\"expires_at\":1700000900000,\"order_id\":\"" UUID "\",\"reservations\":[]}"
#define ORDER_LINES                                                                  \
    "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":1000,"              \
    "\"extended_price\":2000,\"reservations\":[{\"location\":\"WH-1\",\"quantity\":2}]}]"
#define ORDER_FIELDS_AS(status)                                                      \
    "\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","    \
    "\"account_id\":\"acct-7\",\"status\":\"" status "\",\"currency\":\"EUR\",\"total\":2000," \
    ORDER_LINES ",\"ship_to\":{\"name\":\"Ada\",\"city\":\"Paris\"},\"created_at\":1700000000000"
#define ORDER_FIELDS ORDER_FIELDS_AS ("accepted")
#define ORDER "{" ORDER_FIELDS "}"
#define CANCELLED_ORDER_FIELDS                                                       \
    ORDER_FIELDS_AS ("cancelled") ",\"cancelled_at\":1700000600000,"                 \
    "\"cancel_reason\":\"customer changed their mind\""
#define CANCELLED_EVENT                                                              \
    "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","   \
    "\"reason\":\"customer changed their mind\"," ORDER_LINES "}"
//  An event envelope as the log keeps it and events.since returns it.
#define CANCELLED_ENVELOPE                                                           \
    "{\"v\":1,\"type\":\"orders.order.cancelled\",\"id\":\"" UUID2 "\",\"cid\":\"req-77\"," \
    "\"source\":\"orders\",\"seq\":42,\"time\":1700000600000,\"body\":" CANCELLED_EVENT "}"
#define HEALTH_FACTS                                                                 \
    "\"service\":\"inventory\",\"version\":\"0.1.0\",\"uptime_s\":5,\"store_bytes\":4096,\"pid\":1234"
#define EVENT_LOG "\"events\":{\"first_seq\":1,\"last_seq\":57,\"published\":57}"
#define CONSUMER_COUNTS                                                              \
    "\"source\":\"orders\",\"position\":41,\"source_last_seq\":42,\"lag\":1,\"gaps\":1," \
    "\"replays\":2,\"applied\":38,\"rejected\":1,\"duplicates\":3,\"dead_letters\":1"
#define DLQ_ENTRY_FIELDS                                                             \
    "\"source\":\"orders\",\"seq\":42,\"type\":\"orders.order.cancelled\","          \
    "\"error\":\"storage failure\",\"attempts\":5,\"failed_at\":1700000601000"

#define STATUS_LINE                                                                  \
    "{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":2,\"shipped\":1,\"delivered\":0,\"shortfall\":1,"    \
    "\"cancelled\":0}"
#define INVOICE                                                                      \
    "{\"invoice_number\":\"INV-EUR-000001\",\"order_id\":\"" UUID "\",\"fulfillment_id\":\"" UUID2 "\","   \
    "\"external_id\":\"web-1001\",\"account_id\":\"acct-7\",\"location\":\"WH-1\",\"currency\":\"EUR\","   \
    "\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":1,\"unit_price\":1000,\"extended\":1000}],"     \
    "\"total\":1000,\"issued_at\":1700000300000}"
#define CREDIT_MEMO                                                                  \
    "{\"credit_memo_number\":\"CM-EUR-000001\",\"return_id\":\"ret-1\",\"receipt_id\":\"rcpt-1\","   \
    "\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"account_id\":\"acct-7\",\"currency\":\"EUR\"," \
    "\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":1,\"unit_price\":1000,\"extended\":1000,"     \
    "\"restocking_fee\":150,\"amount\":850,\"invoice_number\":\"INV-EUR-000001\"}],"                    \
    "\"restocking_fee\":150,\"total\":850,\"issued_at\":1700000400000}"
#define RETURNABLE                                                                   \
    "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\",\"account_id\":\"acct-7\","  \
    "\"currency\":\"EUR\",\"status\":\"delivered\",\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":2,"   \
    "\"unit_price\":1000,\"shipped\":2,\"delivered\":2,\"cancelled\":0,\"returned\":1,"              \
    "\"shipped_at\":1700000200000,\"delivered_at\":1700000300000}]}"
#define FF_LINE                                                                      \
    "{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":2,\"picked\":2,\"shipped\":1,\"delivered\":0," \
    "\"shortfall\":1}"
#define FULFILLMENT_FIELDS_AS(status)                                                \
    "\"fulfillment_id\":\"" UUID2 "\",\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\"," \
    "\"channel\":\"web\",\"location\":\"WH-1\",\"status\":\"" status "\",\"lines\":[" FF_LINE "]," \
    "\"carrier\":\"UPS\",\"tracking_number\":\"1Z999\",\"tracking_url\":\"https://ups.example/1Z999\"," \
    "\"created_at\":1700000000000,\"updated_at\":1700000300000,\"source\":\"order\""
#define FULFILLMENT_REC "{" FULFILLMENT_FIELDS_AS ("shipped") "}"
#define FF_EVENT(status) "{" FULFILLMENT_FIELDS_AS (status) ",\"event_id\":\"ups-77\",\"occurred_at\":1700000300000}"
#define MILESTONE_FIELDS                                                             \
    "\"event_id\":\"ups-77\",\"type\":\"shipped\",\"occurred_at\":1700000300000,"      \
    "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":1}],\"carrier\":\"UPS\",\"tracking_number\":\"1Z999\"," \
    "\"tracking_url\":\"https://ups.example/1Z999\",\"reason\":\"short_pick\""
#define MILESTONE "{\"fulfillment_id\":\"" UUID2 "\"," MILESTONE_FIELDS "}"
#define RET_RECEIPT_LINE "{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":1,\"condition\":\"resellable\"}"
#define RET_RECEIPT                                                                          \
    "{\"receipt_id\":\"rcv-1\",\"location\":\"WH-1\",\"received_at\":1700000400000,"           \
    "\"lines\":[" RET_RECEIPT_LINE "],\"refund_amount\":850,\"restocking_fee\":150,"           \
    "\"credit_memo_number\":\"CM-EUR-000001\",\"refunded_at\":1700000500000}"
#define RETURN_FIELDS_AS(status)                                                              \
    "\"return_id\":\"rma-1\",\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\","          \
    "\"channel\":\"web\",\"account_id\":\"acct-7\",\"currency\":\"EUR\",\"status\":\"" status "\"," \
    "\"return_location\":\"WH-1\",\"requested_by\":\"agent-3\",\"lines\":[{\"line\":0,\"sku\":\"SKU-1\"," \
    "\"reason\":\"no_longer_needed\",\"quantity\":2,\"unit_price\":1000,\"received\":1,\"resellable\":1," \
    "\"damaged\":0,\"refunded\":1}],\"receipts\":[" RET_RECEIPT "],\"refund_total\":850,"    \
    "\"restocking_fee_total\":150,\"authorized_at\":1700000000000,\"expires_at\":1702592000000," \
    "\"received_at\":1700000400000,\"refunded_at\":1700000500000"
#define RETURN_REC(status) "{" RETURN_FIELDS_AS (status) "}"
#define RET_REQUEST_LINE "{\"sku\":\"SKU-1\",\"quantity\":2,\"reason\":\"no_longer_needed\"}"

typedef struct {
    const char *name;
    const char *request;   //  or the event body
    const char *reply;
} sample_t;

static const sample_t s_samples[] = {
    {"sys.health", "{}",
     "{" HEALTH_FACTS "," EVENT_LOG ",\"consumers\":[{" CONSUMER_COUNTS ",\"stalled\":true,"
     "\"stalled_reason\":\"needs orders events from #42, which are past its retention\"}]}"},
    {"events.since", "{\"from\":42,\"max\":100}",
     "{\"first_seq\":1,\"last_seq\":42,\"events\":[" CANCELLED_ENVELOPE "]}"},
    {"consumer.replay", "{\"source\":\"orders\",\"from\":40}", "{\"source\":\"orders\",\"position\":39}"},
    {"dlq.list", "{\"source\":\"orders\"}", "{\"entries\":[{" DLQ_ENTRY_FIELDS "}]}"},
    {"dlq.show", "{\"source\":\"orders\",\"seq\":42}",
     "{" DLQ_ENTRY_FIELDS ",\"event\":" CANCELLED_ENVELOPE "}"},
    {"dlq.retry", "{\"source\":\"orders\",\"seq\":42}", "{\"source\":\"orders\",\"seq\":42,\"applied\":true}"},
    {"dlq.drop", "{\"source\":\"orders\",\"seq\":42}", "{\"source\":\"orders\",\"seq\":42,\"dropped\":true}"},
    {"pricing.quote", "{\"currency\":\"EUR\",\"lines\":[" QUOTE_LINE "],\"account_id\":\"acct-7\",\"channel\":\"Web\"}",
     "{\"currency\":\"EUR\",\"total\":1900,\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,"
     "\"unit_price\":950,\"extended_price\":1900,\"price_book\":\"acct-7-eur\",\"min_quantity\":2,"
     "\"valid_to\":1700000000000}]}"},
    {"pricing.validate", "{\"currency\":\"EUR\",\"lines\":[" PRICED_LINE "]}",
     "{\"ok\":false,\"currency\":\"EUR\",\"total\":2400,\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,"
     "\"unit_price\":1200,\"quoted\":1000,\"extended_price\":2400,\"ok\":false,\"price_book\":\"list-eur\"}]}"},
    {"pricing.set", "{\"currency\":\"JPY\",\"sku\":\"SKU-1\",\"unit_price\":500}", PRICE},
    {"pricing.put_book", "{\"book_id\":\"web-eur\",\"name\":\"Web shop\",\"currency\":\"EUR\",\"kind\":\"channel\","
     "\"channel\":\"web\"}", BOOK},
    {"pricing.get_book", "{\"book_id\":\"web-eur\"}", BOOK},
    {"pricing.list_books", "{\"currency\":\"EUR\",\"kind\":\"channel\"}", "{\"books\":[" BOOK "]}"},
    {"pricing.put_entry", "{\"book_id\":\"web-eur\",\"sku\":\"SKU-1\"," ENTRY_FIELDS "}",
     "{\"book_id\":\"web-eur\",\"currency\":\"EUR\",\"sku\":\"SKU-1\"," ENTRY_FIELDS ",\"updated_at\":1700000000000}"},
    {"pricing.get_entry", "{\"book_id\":\"web-eur\",\"sku\":\"SKU-1\"}",
     "{\"book_id\":\"web-eur\",\"currency\":\"EUR\",\"sku\":\"SKU-1\",\"entries\":[{" ENTRY_FIELDS
     ",\"updated_at\":1700000000000}]}"},
    {"pricing.batch", "{\"batch_id\":\"erp-1\",\"items\":[{\"currency\":\"EUR\",\"sku\":\"SKU-1\",\"unit_price\":1000},"
     "{\"currency\":\"EUR\",\"sku\":\"SKU-2\",\"book_id\":\"web-eur\"," ENTRY_FIELDS "}]}",
     "{\"batch_id\":\"erp-1\",\"applied\":2,\"applied_at\":1700000000000,\"replayed\":false}"},
    {"pricing.delete_entry", "{\"book_id\":\"web-eur\",\"sku\":\"SKU-1\",\"valid_from\":1700000000000}",
     "{\"book_id\":\"web-eur\",\"sku\":\"SKU-1\",\"deleted\":1}"},
    {"inventory.availability", "{\"skus\":[\"SKU-1\",\"SKU-2\"],\"locations\":[\"WH-1\"]}",
     "{\"items\":[{\"sku\":\"SKU-1\"," LEVELS ",\"locations\":"
     "[{\"location\":\"WH-1\"," LEVELS "}]},"
     "{\"sku\":\"SKU-2\",\"on_hand\":0,\"reserved\":0,\"quarantined\":0,\"safety_stock\":0,\"available\":0,"
     "\"locations\":[]}]}"},
    {"inventory.reserve", "{\"order_id\":\"" UUID "\",\"lines\":[" QUOTE_LINE "],\"hold_id\":\"" UUID2 "\","
     "\"ship_from\":[\"WH-1\",\"ST-9\"]}", RESERVATION},
    {"inventory.release", "{\"order_id\":\"" UUID "\",\"reason\":\"cancelled\"}",
     "{\"order_id\":\"" UUID "\",\"released\":true}"},
    {"inventory.set_stock", "{\"location\":\"WH-1\",\"sku\":\"SKU-1\",\"on_hand\":10}",
     "{" STOCK_FIELDS ",\"location_created\":false,\"shortfall\":2}"},
    {"inventory.location.put", LOCATION, LOCATION},
    {"inventory.location.get", "{\"location\":\"WH-1\"}", LOCATION},
    {"inventory.location.list", "{}", "{\"locations\":[" LOCATION "]}"},
    {"inventory.policy.set", "{\"sku\":\"SKU-1\",\"safety_stock\":2,\"low_stock_threshold\":5}",
     "{\"sku\":\"SKU-1\",\"safety_stock\":2,\"low_stock_threshold\":5}"},
    {"inventory.stock_policy.set", "{\"location\":\"WH-1\",\"sku\":\"SKU-1\",\"safety_stock\":1}", STOCK},
    {"inventory.movement",
     "{\"movement_id\":\"mv-2\",\"type\":\"transfer\",\"sku\":\"SKU-1\",\"location\":\"WH-1\","
     "\"to_location\":\"ST-9\",\"quantity\":3,\"reason\":\"restock store\",\"occurred_at\":1700000000000}",
     "{" MOVEMENT_FIELDS "}"},
    {"inventory.movements_batch",
     "{\"batch_id\":\"wms-1\",\"items\":[{\"movement_id\":\"mv-2\",\"type\":\"transfer\",\"sku\":\"SKU-1\","
     "\"location\":\"WH-1\",\"to_location\":\"ST-9\",\"quantity\":3,\"reason\":\"restock store\","
     "\"occurred_at\":1700000000000},{\"movement_id\":\"mv-3\",\"type\":\"receipt\",\"sku\":\"SKU-2\","
     "\"location\":\"WH-1\",\"quantity\":10}]}",
     "{\"batch_id\":\"wms-1\",\"applied\":2,\"applied_at\":1700000000000,\"replayed\":true}"},
    {"inventory.ledger", "{\"location\":\"WH-1\",\"sku\":\"SKU-1\",\"limit\":1,\"cursor\":\"2\"}",
     "{\"location\":\"WH-1\",\"sku\":\"SKU-1\",\"entries\":[" LEDGER_ENTRY "],\"next_cursor\":\"3\"}"},
    {"inventory.reservations", "{\"order_id\":\"" UUID "\"}",
     "{\"order_id\":\"" UUID "\",\"status\":\"committed\",\"hold_id\":\"" UUID2 "\",\"reservations\":["
     "{\"line\":0,\"sku\":\"SKU-1\",\"location\":\"WH-1\",\"quantity\":2,\"status\":\"committed\"}]}"},
    {"inventory.hold", "{\"hold_id\":\"" UUID2 "\",\"lines\":[" QUOTE_LINE "],\"ttl_seconds\":900}",
     "{" HOLD_FIELDS ",\"created\":true}"},
    {"inventory.hold_get", "{\"hold_id\":\"" UUID2 "\"}", HOLD},
    {"inventory.hold_release", "{\"hold_id\":\"" UUID2 "\"}", HOLD_TAKEN},
    {"orders.submit",
     "{\"external_id\":\"web-1001\",\"channel\":\"web\",\"account_id\":\"acct-7\","
     "\"currency\":\"EUR\",\"lines\":[" PRICED_LINE "],\"ship_to\":{\"name\":\"Ada\",\"city\":\"Paris\"}}",
     "{" ORDER_FIELDS ",\"created\":true}"},
    {"orders.get", "{\"order_id\":\"" UUID "\"}", ORDER},
    {"orders.find", "{\"channel\":\"web\",\"external_id\":\"web-1001\"}", ORDER},
    {"orders.cancel", "{\"order_id\":\"" UUID "\",\"reason\":\"customer changed their mind\"}",
     "{" CANCELLED_ORDER_FIELDS ",\"changed\":true}"},
    {"orders.history", "{\"order_id\":\"" UUID "\"}",
     "{\"order_id\":\"" UUID "\",\"events\":[{\"status\":\"accepted\",\"event\":\"orders.order.accepted\","
     "\"time\":1700000000000,\"correlation_id\":\"req-12\"},{\"status\":\"cancelled\","
     "\"event\":\"orders.order.cancelled\",\"time\":1700000600000,\"correlation_id\":\"req-77\","
     "\"reason\":\"customer changed their mind\"}]}"},
    {"inventory.orders_restarted", "{\"started_at\":1700000000000}", "{\"until\":1700000060000}"},
    {"orders.hold_status", "{\"order_ids\":[\"" UUID "\",\"" UUID2 "\"]}",
     "{\"orders\":[{\"order_id\":\"" UUID "\",\"status\":\"accepted\"},{\"order_id\":\"" UUID2 "\","
     "\"status\":\"absent\"}]}"},
    {"pricing.price.changed", "{\"price_book\":\"list-jpy\",\"currency\":\"JPY\",\"sku\":\"SKU-1\","
     "\"unit_price\":500,\"previous\":450,\"changed_at\":1700000000000,\"cause\":\"scheduled\"}", NULL},
    {"inventory.stock.set", STOCK, NULL},
    {"inventory.stock.reserved", RESERVATION, NULL},
    {"inventory.reservation.released", RESERVATION, NULL},
    {"inventory.stock.moved", "{" MOVEMENT_FIELDS ",\"quantity\":3}", NULL},
    {"inventory.stock.discrepancy", "{\"movement_id\":\"count-7\"," STOCK_FIELDS ",\"shortfall\":2}", NULL},
    {"inventory.stock.low", LOW, NULL},
    {"inventory.stock.replenished", LOW, NULL},
    {"inventory.reservation.committed", "{\"order_id\":\"" UUID "\",\"status\":\"committed\"}", NULL},
    {"inventory.reservation.expired", RESERVATION, NULL},
    {"inventory.hold.placed", HOLD, NULL},
    {"inventory.hold.released", HOLD, NULL},
    {"inventory.hold.committed", HOLD_TAKEN, NULL},
    {"inventory.hold.expired", HOLD, NULL},
    {"orders.order.accepted", ORDER, NULL},
    {"orders.order.cancelled", CANCELLED_EVENT, NULL},
    {"inventory.backorders", "{\"sku\":\"SKU-1\"}",
     "{\"sku\":\"SKU-1\",\"backorders\":[{\"order_id\":\"" UUID "\",\"line\":0,\"sku\":\"SKU-1\","
     "\"outstanding\":3,\"filled\":2,\"created_at\":1700000000000}],\"more\":false}"},
    {"inventory.backorder.filled", "{\"order_id\":\"" UUID "\",\"line\":0,\"sku\":\"SKU-1\",\"quantity\":2,"
     "\"allocations\":[{\"location\":\"WH-1\",\"quantity\":2}],\"outstanding\":1}", NULL},
    {"inventory.stock.shipped", "{\"order_id\":\"" UUID "\",\"fulfillment_id\":\"" UUID "\",\"lines\":[{\"line\":0,"
     "\"sku\":\"SKU-1\",\"location\":\"WH-1\",\"shipped\":2,\"released\":1}],\"occurred_at\":1700000000000}", NULL},
    {"inventory.reservation.reduced", "{\"order_id\":\"" UUID "\",\"lines\":[{\"line\":0,\"sku\":\"SKU-1\","
     "\"location\":\"WH-1\",\"shipped\":0,\"released\":2}],\"occurred_at\":1700000000000}", NULL},
    {"orders.status", "{\"order_id\":\"" UUID "\"}",
     "{\"order_id\":\"" UUID "\",\"status\":\"partially_delivered\",\"as_of\":1700000300000,\"lag_seconds\":3,"
     "\"stale\":true,\"lines\":[" STATUS_LINE "],\"fulfillments\":[{\"fulfillment_id\":\"" UUID2 "\","
     "\"location\":\"WH-1\",\"status\":\"exception\",\"reason\":\"damaged\",\"carrier\":\"DHL\","
     "\"tracking_number\":\"JD0001\",\"tracking_url\":\"https://track.example/JD0001\",\"as_of\":1700000300000,"
     "\"stale\":true,\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":2,\"shipped\":1,\"delivered\":0,"
     "\"shortfall\":1,\"cancelled\":1}]}]}"},
    {"orders.invoices", "{\"order_id\":\"" UUID "\"}", "{\"items\":[" INVOICE "]}"},
    {"orders.invoice", "{\"invoice_number\":\"INV-EUR-000001\"}", INVOICE},
    {"orders.order.lines_cancelled", "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","
     "\"reason\":\"out of season\",\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"location\":\"WH-1\",\"quantity\":1}]}",
     NULL},
    {"orders.invoice.created", INVOICE, NULL},
    {"orders.returnable", "{\"order_id\":\"" UUID "\"}", RETURNABLE},
    {"orders.credit_memos", "{\"order_id\":\"" UUID "\"}", "{\"items\":[" CREDIT_MEMO "]}"},
    {"orders.credit_memo.created", CREDIT_MEMO, NULL},
    {"fulfillment.milestone", MILESTONE, "{" FULFILLMENT_FIELDS_AS ("shipped") ",\"applied\":true,\"duplicate\":false}"},
    {"fulfillment.milestones_batch", "{\"items\":[" MILESTONE "," MILESTONE "]}",
     "{\"results\":[{\"index\":0,\"fulfillment_id\":\"" UUID2 "\",\"event_id\":\"ups-77\",\"status\":\"applied\"},"
     "{\"index\":1,\"fulfillment_id\":\"" UUID2 "\",\"event_id\":\"ups-77\",\"status\":\"rejected\",\"code\":409,"
     "\"error\":{\"field\":\"/event_id\",\"message\":\"/event_id was sent before with another body\"}}]}"},
    {"fulfillment.get", "{\"fulfillment_id\":\"" UUID2 "\"}",
     "{" FULFILLMENT_FIELDS_AS ("shipped") ",\"history\":[{" MILESTONE_FIELDS ",\"recorded_at\":1700000301000,"
     "\"applied\":true}]}"},
    {"fulfillment.list", "{\"location\":\"WH-1\",\"status\":\"allocated\",\"since\":1700000000000,\"limit\":10,"
     "\"cursor\":\"" UUID2 "\"}", "{\"items\":[" FULFILLMENT_REC "],\"next_cursor\":\"" UUID2 "\"}"},
    {"fulfillment.by_order", "{\"order_id\":\"" UUID "\"}", "{\"items\":[" FULFILLMENT_REC "]}"},
    {"fulfillment.cancel", "{\"order_id\":\"" UUID "\",\"lines\":[{\"line\":0,\"quantity\":1}]}",
     "{\"cancelled\":[{\"fulfillment_id\":\"" UUID2 "\",\"location\":\"WH-1\","
     "\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":1}]}]}"},
    {"fulfillment.order.created", "{" FULFILLMENT_FIELDS_AS ("allocated") "}", NULL},
    {"fulfillment.shipment.picked", FF_EVENT ("picked"), NULL},
    {"fulfillment.shipment.packed", FF_EVENT ("packed"), NULL},
    {"fulfillment.shipment.shipped", FF_EVENT ("shipped"), NULL},
    {"fulfillment.shipment.delivered", FF_EVENT ("delivered"), NULL},
    {"fulfillment.shipment.exception", "{" FULFILLMENT_FIELDS_AS ("exception") ",\"reason\":\"damaged\","
     "\"event_id\":\"wms-9\",\"occurred_at\":1700000300000}", NULL},
    {"fulfillment.order.cancelled", "{" FULFILLMENT_FIELDS_AS ("cancelled") "}", NULL},
    {"returns.authorize", "{\"return_id\":\"rma-1\",\"order_id\":\"" UUID "\",\"lines\":[" RET_REQUEST_LINE "],"
     "\"return_location\":\"WH-1\",\"requested_by\":\"agent-3\"}",
     "{" RETURN_FIELDS_AS ("authorized") ",\"created\":true}"},
    {"returns.get", "{\"return_id\":\"rma-1\"}", RETURN_REC ("refunded")},
    {"returns.by_order", "{\"order_id\":\"" UUID "\"}", "{\"items\":[" RETURN_REC ("refunded") "]}"},
    {"returns.receive", "{\"return_id\":\"rma-1\",\"receipt_id\":\"rcv-1\",\"location\":\"WH-1\","
     "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":1,\"condition\":\"damaged\"}]}",
     "{" RETURN_FIELDS_AS ("received") ",\"applied\":true}"},
    {"returns.cancel", "{\"return_id\":\"rma-1\",\"reason\":\"customer kept it\"}",
     "{" RETURN_FIELDS_AS ("cancelled") ",\"cancelled_at\":1700000100000,\"cancel_reason\":\"customer kept it\","
     "\"changed\":true}"},
    {"returns.return.authorized", RETURN_REC ("authorized"), NULL},
    {"returns.return.rejected", "{" RETURN_FIELDS_AS ("rejected") ",\"rejection\":[{\"field\":\"/lines/0/quantity\","
     "\"code\":\"exceeds_returnable\",\"message\":\"at most 1 unit of SKU-1 may be returned\"}]}", NULL},
    {"returns.return.received", "{" RETURN_FIELDS_AS ("received") ",\"receipt\":{\"receipt_id\":\"rcv-1\","
     "\"location\":\"WH-1\",\"received_at\":1700000400000,\"lines\":[{\"line\":0,\"sku\":\"SKU-1\",\"quantity\":1,"
     "\"condition\":\"resellable\",\"unit_price\":1000,\"reason\":\"no_longer_needed\",\"extended\":1000,"
     "\"restocking_fee\":150,\"refund\":850}]},\"refund_amount\":850,\"restocking_fee\":150}", NULL},
    {"returns.return.refunded", RETURN_REC ("refunded"), NULL},
    {"returns.return.cancelled", RETURN_REC ("cancelled"), NULL},
    {"returns.return.expired", RETURN_REC ("expired"), NULL},
    {"returns.return.closed", "{" RETURN_FIELDS_AS ("closed") ",\"closed_at\":1700000600000}", NULL},
    {"returns.refund.issued", "{\"return_id\":\"rma-1\",\"receipt_id\":\"rcv-1\",\"order_id\":\"" UUID "\","
     "\"credit_memo_number\":\"CM-EUR-000001\",\"amount\":850,\"currency\":\"EUR\",\"refunded_at\":1700000500000}",
     NULL},
};

//  Optional fields left out, and empty lists where they are allowed.
static const sample_t s_minimal[] = {
    {"inventory.hold", "{\"lines\":[" QUOTE_LINE "],\"ttl_seconds\":1}", NULL},
    {"inventory.reservations", NULL, "{\"order_id\":\"" UUID "\",\"status\":\"released\",\"reservations\":[]}"},
    {"pricing.put_entry", "{\"book_id\":\"list-eur\",\"sku\":\"SKU-1\",\"unit_price\":1000}", NULL},
    {"pricing.list_books", "{}", "{\"books\":[]}"},
    {"pricing.price.changed", "{\"price_book\":\"list-jpy\",\"currency\":\"JPY\",\"sku\":\"SKU-1\","
     "\"changed_at\":1700000000000,\"cause\":\"deleted\"}", NULL},
    {"orders.submit", "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"USD\",\"lines\":["
     PRICED_LINE "]}", NULL},
    {"sys.health", NULL, "{" HEALTH_FACTS ",\"events\":{\"first_seq\":1,\"last_seq\":0,\"published\":0},"
     "\"consumers\":[{" CONSUMER_COUNTS ",\"stalled\":false}]}"},
    {"sys.health", NULL, "{" HEALTH_FACTS "," EVENT_LOG ",\"consumers\":[]}"},
    {"events.since", "{\"from\":1}", "{\"first_seq\":58,\"last_seq\":57,\"events\":[]}"},
    {"dlq.list", "{}", "{\"entries\":[]}"},
    {"orders.cancel", "{\"order_id\":\"" UUID "\"}",
     "{" ORDER_FIELDS_AS ("cancelled") ",\"cancelled_at\":1700000600000,\"changed\":false}"},
    {"orders.history", NULL, "{\"order_id\":\"" UUID "\",\"events\":[]}"},
    {"orders.status", NULL, "{\"order_id\":\"" UUID "\",\"status\":\"accepted\",\"lag_seconds\":null,"
     "\"stale\":false,\"lines\":[" STATUS_LINE "],\"fulfillments\":[]}"},
    {"orders.invoices", NULL, "{\"items\":[]}"},
    {"orders.credit_memos", NULL, "{\"items\":[]}"},
    {"orders.returnable", "{\"channel\":\"web\",\"external_id\":\"web-1001\"}", NULL},
    {"orders.returnable", NULL, "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","
     "\"account_id\":\"acct-7\",\"currency\":\"EUR\",\"status\":\"accepted\",\"lines\":[{\"line\":0,"
     "\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":1000,\"shipped\":0,\"delivered\":0,\"cancelled\":0,"
     "\"returned\":0}]}"},
    {"orders.cancel", "{\"order_id\":\"" UUID "\",\"lines\":[{\"line\":0,\"quantity\":1}]}",
     "{" ORDER_FIELDS_AS ("partially_shipped") ",\"changed\":true}"},
    {"inventory.ledger", "{\"location\":\"WH-1\",\"sku\":\"SKU-1\"}",
     "{\"location\":\"WH-1\",\"sku\":\"SKU-1\",\"entries\":[]}"},
    {"inventory.movement", "{\"movement_id\":\"mv-3\",\"type\":\"adjustment\",\"sku\":\"SKU-1\","
     "\"location\":\"WH-1\",\"quantity\":-2}", NULL},
    {"inventory.stock.low", "{\"sku\":\"SKU-1\",\"available\":2,\"low_stock_threshold\":3}", NULL},
    {"orders.order.cancelled", "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\","
     "\"channel\":\"web\"," ORDER_LINES "}", NULL},
    //  backorders: allowed per line or per order; a line held in part, or not at all
    {"orders.submit", "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"USD\",\"allow_backorder\":true,"
     "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":1000,\"allow_backorder\":false}]}", NULL},
    {"inventory.reserve", "{\"order_id\":\"" UUID "\",\"allow_backorder\":false,"
     "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":5,\"allow_backorder\":true}]}",
     "{\"order_id\":\"" UUID "\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":5,\"backordered\":5,"
     "\"allocations\":[]}]}"},
    {"orders.get", NULL, "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","
     "\"account_id\":\"acct-7\",\"status\":\"accepted\",\"currency\":\"EUR\",\"total\":5000,"
     "\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":5,\"unit_price\":1000,\"extended_price\":5000,"
     "\"backordered\":3,\"reservations\":[{\"location\":\"WH-1\",\"quantity\":2}]}],"
     "\"created_at\":1700000000000}"},
    {"inventory.backorders", NULL, "{\"sku\":\"SKU-1\",\"backorders\":[],\"more\":false}"},
    {"fulfillment.milestone", "{\"fulfillment_id\":\"" UUID2 "\",\"event_id\":\"wms-1\",\"type\":\"picked\","
     "\"occurred_at\":1700000000000}", NULL},
    {"fulfillment.list", "{}", "{\"items\":[]}"},
    {"fulfillment.cancel", "{\"order_id\":\"" UUID "\"}", "{\"cancelled\":[]}"},
    {"fulfillment.get", NULL, "{" FULFILLMENT_FIELDS_AS ("allocated") ",\"history\":[]}"},
    {"returns.authorize", "{\"channel\":\"web\",\"external_id\":\"web-1001\",\"lines\":[" RET_REQUEST_LINE "],"
     "\"return_location\":\"WH-1\"}",
     "{\"return_id\":\"rma-1\",\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\",\"channel\":\"web\","
     "\"account_id\":\"acct-7\",\"currency\":\"EUR\",\"status\":\"rejected\",\"return_location\":\"WH-1\","
     "\"lines\":[],\"receipts\":[],\"refund_total\":0,\"restocking_fee_total\":0,\"authorized_at\":1700000000000,"
     "\"created\":false}"},
};

static void
s_check_passes (const field_spec_t *fields, const char *text, const char *name)
{
    proto_error_t err = {0};
    int rc = s_validate_json (fields, text, &err);
    if (rc != 0)
        fprintf (stderr, "%s: %s (%s)\n", name, err.message, text);
    CHECK_EQ_INT (rc, 0);
}

static void
s_check_sample (const sample_t *sample)
{
    const msg_spec_t *msg = catalog_find (sample->name);
    CHECK (msg != NULL);
    if (!msg)
        return;
    if (sample->request)
        s_check_passes (msg->request, sample->request, msg->name);
    if (sample->reply)
        s_check_passes (msg->reply, sample->reply, msg->name);
}

static void
test_samples_pass (void)
{
    size_t samples = sizeof s_samples / sizeof s_samples[0];
    for (size_t i = 0; i < samples; i++) {
        CHECK (s_samples[i].request != NULL);
        s_check_sample (&s_samples[i]);
    }
    for (size_t i = 0; i < sizeof s_minimal / sizeof s_minimal[0]; i++)
        s_check_sample (&s_minimal[i]);
    CHECK_EQ_INT (samples, s_count_messages ());
}

//  The envelopes in the samples are real event envelopes: events.since and
//  dlq.show return what the log holds, and a heartbeat is an event too.
static void
s_check_envelope (const char *text, const char *type, uint64_t seq)
{
    doc_t doc;
    CHECK (s_doc_parse (&doc, text));
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err = {0};
    int rc = envelope_decode (doc.buf.data, doc.buf.size, &unpacked, &env, &err);
    CHECK_EQ_INT (rc, 0);
    if (rc == 0) {
        CHECK (env.kind == ENVELOPE_EVENT);
        CHECK_STR (env.type, type);
        CHECK_STR (env.source, "orders");
        CHECK_EQ_INT (env.seq, seq);
        const msg_spec_t *msg = catalog_find (type);
        //  heartbeats are not in the catalogue: their body is always empty
        CHECK_EQ_INT (catalog_validate (msg ? msg->request : NULL, &env.body, &err), 0);
        msgpack_unpacked_destroy (&unpacked);
    }
    s_doc_free (&doc);
}

static void
test_sample_envelopes (void)
{
    s_check_envelope (CANCELLED_ENVELOPE, "orders.order.cancelled", 42);
    s_check_envelope ("{\"v\":1,\"type\":\"orders._heartbeat\",\"id\":\"" UUID2 "\",\"cid\":\"-\","
                      "\"source\":\"orders\",\"seq\":57,\"time\":1700000601000,\"body\":{}}",
                      "orders._heartbeat", 57);
}

//  ---- bad bodies are rejected -------------------------------------------------------

typedef struct {
    const char *name;
    bool reply;
    const char *json;
    const char *field;
    const char *phrase;
} bad_case_t;

static const bad_case_t s_bad[] = {
    {"pricing.quote", false, "{\"lines\":[" QUOTE_LINE "]}", "/currency", "is required"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\"}]}",
     "/lines/0/quantity", "is required"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":\"2\"}]}",
     "/lines/0/quantity", "must be an integer (got a string)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":2.5}]}",
     "/lines/0/quantity", "must be an integer (got a float)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":5,\"quantity\":2}]}",
     "/lines/0/sku", "must be a string (got an integer)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[" QUOTE_LINE "," QUOTE_LINE ","
     "{\"sku\":\"A\",\"quantity\":0}]}", "/lines/2/quantity", "must be between 1 and 1000000 (got 0)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1000001}]}",
     "/lines/0/quantity", "must be between 1 and 1000000 (got 1000001)"},
    {"pricing.set", false, "{\"currency\":\"EUR\",\"sku\":\"A\",\"unit_price\":-1}",
     "/unit_price", "must be between 0 and 1000000000000 (got -1)"},
    {"pricing.set", false, "{\"currency\":\"EUR\",\"sku\":\"A\",\"unit_price\":1000000000001}",
     "/unit_price", "must be between 0 and 1000000000000"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\""
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"quantity\":1}]}",
     "/lines/0/sku", "must be at most 64 bytes long (got 65)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"\",\"quantity\":1}]}",
     "/lines/0/sku", "must not be empty"},
    {"pricing.quote", false, "{\"currency\":\"EURO\",\"lines\":[" QUOTE_LINE "]}",
     "/currency", "is not an ISO 4217 currency code (got \"EURO\")"},
    {"pricing.quote", false, "{\"currency\":\"eur\",\"lines\":[" QUOTE_LINE "]}",
     "/currency", "is not an ISO 4217 currency code"},
    {"pricing.quote", false, "{\"currency\":\"XAU\",\"lines\":[" QUOTE_LINE "]}",
     "/currency", "is not an ISO 4217 currency code"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A B\",\"quantity\":1}]}",
     "/lines/0/sku", "must be printable ASCII without spaces (got \"A B\")"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"caf\xc3\xa9\",\"quantity\":1}]}",
     "/lines/0/sku", "must be printable ASCII without spaces"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[" QUOTE_LINE "],\"colour\":\"red\"}",
     "/colour", "is not a known field (known: currency, lines, account_id, channel)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"price\":3}]}",
     "/lines/0/price", "is not a known field (known: sku, quantity)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"a/b~c\":1,\"lines\":[" QUOTE_LINE "]}",
     "/a~1b~0c", "is not a known field"},
    {"sys.health", false, "{\"verbose\":true}", "/verbose", "is not a known field (known: none)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[]}", "/lines", "must have at least 1 item (got 0)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":{}}", "/lines", "must be an array (got a map)"},
    {"pricing.quote", false, "{\"currency\":\"EUR\",\"lines\":[5]}", "/lines/0", "must be a map (got an integer)"},
    {"inventory.availability", false, "{\"skus\":[\"A\",\"\"]}", "/skus/1", "must not be empty"},
    {"inventory.availability", false, "{\"skus\":[\"A\",7]}", "/skus/1", "must be a string"},
    {"inventory.reserve", false, "{\"order_id\":\"01890A5D-AC96-774B-BCCE-B302099A8057\",\"lines\":["
     QUOTE_LINE "]}", "/order_id", "must be a UUID"},
    {"inventory.reserve", false, "{\"order_id\":\"order-1\",\"lines\":[" QUOTE_LINE "]}",
     "/order_id", "must be a UUID"},
    {"inventory.reserve", false, "{\"order_id\":\"" UUID "\",\"lines\":[" QUOTE_LINE "],\"ship_from\":[]}",
     "/ship_from", "must have at least 1 item (got 0)"},
    {"inventory.hold", false, "{\"lines\":[" QUOTE_LINE "],\"ttl_seconds\":0}", "/ttl_seconds",
     "must be between 1 and 604800 (got 0)"},
    {"inventory.hold", false, "{\"lines\":[" QUOTE_LINE "]}", "/ttl_seconds", "is required"},
    {"orders.submit", false, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "],\"hold_id\":\"hold-1\"}", "/hold_id", "must be a UUID"},
    {"inventory.release", false, "{\"order_id\":\"" UUID "\",\"reason\":null}", "/reason",
     "must be a string (got nil)"},
    {"orders.submit", false, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "],\"channel\":\"ccccccccccccccccccccccccccccccccc\"}",
     "/channel", "must be at most 32 bytes long (got 33)"},
    {"orders.submit", false, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "],\"ship_to\":{\"city\":5}}", "/ship_to/city", "must be a string"},
    {"orders.submit", false, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "],\"ship_to\":{\"post code\":\"1\"}}", "/ship_to/post code",
     "is not a valid key"},
    {"orders.submit", false, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "],\"ship_to\":[]}", "/ship_to", "must be a map of strings to strings"},
    {"orders.submit", false, "{\"external_id\":\"a\\u0000b\",\"account_id\":\"a\",\"currency\":\"EUR\","
     "\"lines\":[" PRICED_LINE "]}", "/external_id", "must be valid UTF-8 without NUL characters"},
    {"pricing.validate", true, "{\"ok\":\"yes\",\"currency\":\"EUR\",\"total\":0,\"lines\":[]}",
     "/ok", "must be a boolean (got a string)"},
    {"events.since", false, "{\"from\":0}", "/from", "must be at least 1 (got 0)"},
    {"events.since", false, "{\"from\":-5}", "/from", "must be at least 1 (got -5)"},
    {"events.since", false, "{\"max\":10}", "/from", "is required"},
    {"events.since", false, "{\"from\":\"42\"}", "/from", "must be an integer (got a string)"},
    {"events.since", false, "{\"from\":1,\"max\":0}", "/max", "must be between 1 and 10000 (got 0)"},
    {"events.since", false, "{\"from\":1,\"max\":10001}", "/max", "must be between 1 and 10000 (got 10001)"},
    {"events.since", false, "{\"from\":1,\"source\":\"orders\"}", "/source",
     "is not a known field (known: from, max)"},
    {"events.since", true, "{\"first_seq\":1,\"last_seq\":42,\"events\":{}}", "/events",
     "must be an array (got a map)"},
    {"consumer.replay", false, "{\"source\":\"orders\",\"from\":0}", "/from", "must be at least 1 (got 0)"},
    {"consumer.replay", false, "{\"from\":1}", "/source", "is required"},
    {"consumer.replay", false, "{\"source\":\"\",\"from\":1}", "/source", "must not be empty"},
    {"dlq.list", false, "{\"source\":\"or ders\"}", "/source", "must be printable ASCII without spaces"},
    {"dlq.show", false, "{\"source\":\"orders\"}", "/seq", "is required"},
    {"dlq.show", false, "{\"source\":\"orders\",\"seq\":-1}", "/seq", "must be at least 0 (got -1)"},
    {"dlq.show", true, "{" DLQ_ENTRY_FIELDS "}", "/event", "is required"},
    {"dlq.retry", false, "{\"seq\":42}", "/source", "is required"},
    {"dlq.drop", false, "{\"source\":\"orders\",\"seq\":\"42\"}", "/seq", "must be an integer (got a string)"},
    {"dlq.drop", true, "{\"source\":\"orders\",\"seq\":42,\"dropped\":1}", "/dropped",
     "must be a boolean (got an integer)"},
    {"orders.cancel", false, "{\"order_id\":\"order-1\"}", "/order_id", "must be a UUID"},
    {"orders.cancel", false, "{\"order_id\":\"01890A5D-AC96-774B-BCCE-B302099A8057\"}", "/order_id",
     "must be a UUID"},
    {"orders.cancel", false, "{\"reason\":\"late\"}", "/order_id", "is required"},
    {"orders.cancel", false, "{\"order_id\":\"" UUID "\",\"reason\":\"\"}", "/reason", "must not be empty"},
    {"orders.cancel", false, "{\"order_id\":\"" UUID "\",\"reason\":7}", "/reason",
     "must be a string (got an integer)"},
    {"orders.cancel", true, "{" ORDER_FIELDS ",\"cancelled_at\":-1,\"changed\":true}", "/cancelled_at",
     "must be at least 0 (got -1)"},
    {"orders.cancel", true, "{" CANCELLED_ORDER_FIELDS "}", "/changed", "is required"},
    {"orders.history", false, "{\"order_id\":5}", "/order_id", "must be a string (got an integer)"},
    {"orders.history", true, "{\"order_id\":\"" UUID "\",\"events\":[{\"status\":\"accepted\","
     "\"event\":\"orders.order.accepted\",\"time\":1700000000000}]}", "/events/0/correlation_id", "is required"},
    {"orders.order.cancelled", false, "{\"order_id\":\"" UUID "\",\"external_id\":\"web-1001\","
     "\"channel\":\"web\"}", "/lines", "is required"},
    {"sys.health", true, "{" HEALTH_FACTS ",\"consumers\":[]}", "/events", "is required"},
    {"sys.health", true, "{" HEALTH_FACTS ",\"events\":{\"first_seq\":-1,\"last_seq\":0,\"published\":0},"
     "\"consumers\":[]}", "/events/first_seq", "must be at least 0 (got -1)"},
    {"sys.health", true, "{" HEALTH_FACTS "," EVENT_LOG ",\"consumers\":[{" CONSUMER_COUNTS
     ",\"stalled\":\"no\"}]}", "/consumers/0/stalled", "must be a boolean (got a string)"},
    {"sys.health", true, "{" HEALTH_FACTS "," EVENT_LOG "}", "/consumers", "is required"},
};

static void
s_check_rejects (const field_spec_t *fields, const char *text, const char *field, const char *phrase)
{
    proto_error_t err = {0};
    CHECK_EQ_INT (s_validate_json (fields, text, &err), RM_EINVAL);
    CHECK_EQ_INT (err.code, RM_EINVAL);
    CHECK_STR (err.field, field);
    if (strncmp (err.message, field, strlen (field)) != 0 || !strstr (err.message, phrase)) {
        fprintf (stderr, "message \"%s\" lacks \"%s %s\"\n", err.message, field, phrase);
        CHECK (false);
    }
}

static void
test_bad_bodies (void)
{
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        const msg_spec_t *msg = catalog_find (s_bad[i].name);
        CHECK (msg != NULL);
        if (msg)
            s_check_rejects (s_bad[i].reply ? msg->reply : msg->request, s_bad[i].json,
                             s_bad[i].field, s_bad[i].phrase);
    }
}

//  JSON text of `count` copies of item joined by commas inside head and tail.
static char *
s_repeat (const char *head, const char *item, size_t count, const char *tail)
{
    size_t size = strlen (head) + count * (strlen (item) + 1) + strlen (tail) + 1;
    char *text = malloc (size);
    if (!text)
        return NULL;
    strcpy (text, head);
    for (size_t i = 0; i < count; i++) {
        strcat (text, i ? "," : "");
        strcat (text, item);
    }
    strcat (text, tail);
    return text;
}

static void
s_check_repeat_rejected (const char *name, const char *head, const char *item, size_t count,
                         const char *tail, const char *field, const char *phrase)
{
    char *text = s_repeat (head, item, count, tail);
    CHECK (text != NULL);
    if (text)
        s_check_rejects (catalog_find (name)->request, text, field, phrase);
    free (text);
}

static void
test_too_many_items (void)
{
    s_check_repeat_rejected ("pricing.quote", "{\"currency\":\"EUR\",\"lines\":[", QUOTE_LINE, 501,
                             "]}", "/lines", "must have at most 500 items (got 501)");
    s_check_repeat_rejected ("inventory.availability", "{\"skus\":[", "\"A\"", 101, "]}", "/skus",
                             "must have at most 100 items (got 101)");
    char *ok = s_repeat ("{\"currency\":\"EUR\",\"lines\":[", QUOTE_LINE, 500, "]}");
    if (ok)
        s_check_passes (catalog_find ("pricing.quote")->request, ok, "500 lines");
    free (ok);
}

//  ship_to: at most 16 entries, values at most 256 bytes.
static void
test_ship_to_bounds (void)
{
    char text[2048], value[300];
    int n = snprintf (text, sizeof text, "{\"external_id\":\"x\",\"account_id\":\"a\","
                      "\"currency\":\"EUR\",\"lines\":[" PRICED_LINE "],\"ship_to\":{");
    for (int i = 0; i < 17; i++)
        n += snprintf (text + n, sizeof text - (size_t) n, "%s\"k%d\":\"v\"", i ? "," : "", i);
    snprintf (text + n, sizeof text - (size_t) n, "}}");
    const field_spec_t *submit = catalog_find ("orders.submit")->request;
    s_check_rejects (submit, text, "/ship_to", "must have at most 16 entries (got 17)");

    memset (value, 'v', 257);
    value[257] = '\0';
    snprintf (text, sizeof text, "{\"external_id\":\"x\",\"account_id\":\"a\",\"currency\":\"EUR\","
              "\"lines\":[" PRICED_LINE "],\"ship_to\":{\"city\":\"%s\"}}", value);
    s_check_rejects (submit, text, "/ship_to/city", "must be at most 256 bytes long (got 257)");
}

//  References (external_id, account_id): inner spaces and any script pass;
//  white space around, control, zero-width and bidirectional control
//  characters are refused, naming the field.
static void
test_references (void)
{
    static const struct {
        const char *value;        //  JSON string contents
        const char *phrase;       //  NULL: accepted
    } cases[] = {
        {"PO 2026-0042", NULL},
        {"Bestellung \\u00fcber 3 St\\u00fcck", NULL},
        {"\\u6ce8\\u6587-7", NULL},
        {"x", NULL},
        {" PO-1", "must not start or end with white space"},
        {"PO-1 ", "must not start or end with white space"},
        {"   ", "must not start or end with white space"},
        {"PO-1\\u00a0", "must not start or end with white space"},
        {"\\u3000PO-1", "must not start or end with white space"},
        {"PO\\t1", "must not contain control characters (got U+0009 at byte 2)"},
        {"PO-1\\n", "must not contain control characters (got U+000A at byte 4)"},
        {"PO\\u001b[31m", "must not contain control characters (got U+001B at byte 2)"},
        {"PO\\u007f", "must not contain control characters (got U+007F at byte 2)"},
        {"PO\\u0085", "must not contain control characters (got U+0085 at byte 2)"},
        {"PO\\u009f1", "must not contain control characters (got U+009F at byte 2)"},
        {"\\u200bPO-1", "must not contain zero-width or bidirectional control characters (got U+200B at byte 0)"},
        {"PO\\u200d1", "(got U+200D at byte 2)"},
        {"PO\\u200f1", "(got U+200F at byte 2)"},
        {"PO\\u20281", "(got U+2028 at byte 2)"},
        {"PO\\u20291", "(got U+2029 at byte 2)"},
        {"PO\\u202e1", "(got U+202E at byte 2)"},
        {"PO\\u202a1", "(got U+202A at byte 2)"},
        {"PO\\u20601", "(got U+2060 at byte 2)"},
        {"PO\\u20641", "(got U+2064 at byte 2)"},
        {"PO\\u20661", "(got U+2066 at byte 2)"},
        {"\\ufeffPO", "(got U+FEFF at byte 0)"},
    };
    const field_spec_t *submit = catalog_find ("orders.submit")->request;
    const char *const fields[] = {"external_id", "account_id"};
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char text[512], pointer[32];
            snprintf (text, sizeof text, "{\"external_id\":\"%s\",\"account_id\":\"%s\",\"currency\":\"EUR\","
                      "\"lines\":[" PRICED_LINE "]}", f == 0 ? cases[i].value : "x", f == 1 ? cases[i].value : "a");
            snprintf (pointer, sizeof pointer, "/%s", fields[f]);
            if (cases[i].phrase)
                s_check_rejects (submit, text, pointer, cases[i].phrase);
            else {
                proto_error_t err = {0};
                CHECK_EQ_INT (s_validate_json (submit, text, &err), 0);
            }
        }
    //  orders.find takes the same rules, so a lookup cannot name what a
    //  submission could not have made
    s_check_rejects (catalog_find ("orders.find")->request, "{\"channel\":\"web\",\"external_id\":\" PO-1\"}",
                     "/external_id", "must not start or end with white space");
}

//  orders.cancel: a reason of 256 bytes is kept, 257 is refused.
static void
test_cancel_reason_bounds (void)
{
    char text[512], reason[258];
    const field_spec_t *cancel = catalog_find ("orders.cancel")->request;
    memset (reason, 'r', 257);
    reason[257] = '\0';
    snprintf (text, sizeof text, "{\"order_id\":\"" UUID "\",\"reason\":\"%s\"}", reason);
    s_check_rejects (cancel, text, "/reason", "must be at most 256 bytes long (got 257)");
    reason[256] = '\0';
    snprintf (text, sizeof text, "{\"order_id\":\"" UUID "\",\"reason\":\"%s\"}", reason);
    s_check_passes (cancel, text, "orders.cancel with a 256-byte reason");
}

//  Shapes JSON cannot express, packed by hand.
static void
s_pack_int_key (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 1);
    msgpack_pack_int (pk, 1);
    mp_pack_str (pk, "x");
}

static void
s_pack_duplicate (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 2);
    mp_pack_kv_str (pk, "currency", "EUR");
    mp_pack_kv_str (pk, "currency", "USD");
}

static void
s_pack_bad_utf8 (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 3);
    mp_pack_kv_str (pk, "currency", "EUR");
    mp_pack_kv_str (pk, "sku", "\xc3\x28");
    mp_pack_kv_int (pk, "unit_price", 1);
}

static void
s_pack_huge_price (msgpack_packer *pk)
{
    msgpack_pack_map (pk, 3);
    mp_pack_kv_str (pk, "currency", "EUR");
    mp_pack_kv_str (pk, "sku", "A");
    mp_pack_str (pk, "unit_price");
    msgpack_pack_uint64 (pk, UINT64_MAX);
}

static void
s_pack_array (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 0);
}

static void
test_packed_shapes (void)
{
    static const struct {
        void (*pack) (msgpack_packer *pk);
        const char *field;
        const char *message;
    } cases[] = {
        {s_pack_int_key, "", "the body has a key that is not a string (got an integer)"},
        {s_pack_duplicate, "/currency", "/currency appears more than once"},
        {s_pack_bad_utf8, "/sku", "/sku must be valid UTF-8 without NUL characters"},
        {s_pack_huge_price, "/unit_price", "/unit_price must be between 0 and 1000000000000"},
        {s_pack_array, "", "the body must be a map (got an array)"},
    };
    const field_spec_t *set = catalog_find ("pricing.set")->request;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init (&buf);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
        cases[i].pack (&pk);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        CHECK_EQ_INT (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL), MSGPACK_UNPACK_SUCCESS);
        proto_error_t err = {0};
        CHECK_EQ_INT (catalog_validate (set, &unpacked.data, &err), RM_EINVAL);
        CHECK_STR (err.field, cases[i].field);
        CHECK_STR (err.message, cases[i].message);
        msgpack_unpacked_destroy (&unpacked);
        msgpack_sbuffer_destroy (&buf);
    }
    proto_error_t err = {0};
    CHECK_EQ_INT (catalog_validate (set, NULL, &err), RM_EINVAL);
}

//  ---- README ---------------------------------------------------------------------

//  The README section for one message, exactly as the catalogue says.
static char *
s_render_message (const msg_spec_t *msg)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    msgdoc_print (out, msg);
    fclose (out);
    return text;
}

static char *
s_read_readme (void)
{
    const char *source = getenv ("RETAILMESH_SOURCE_DIR");
    char path[512];
    snprintf (path, sizeof path, "%s/proto/README.md", source ? source : ".");
    FILE *file = fopen (path, "r");
    if (!file) {
        fprintf (stderr, "cannot read %s (set RETAILMESH_SOURCE_DIR)\n", path);
        return NULL;
    }
    char *text = calloc (1, 256 * 1024);
    if (text)
        text[fread (text, 1, 256 * 1024 - 1, file)] = '\0';
    fclose (file);
    return text;
}

static void
test_readme_matches (void)
{
    char *readme = s_read_readme ();
    CHECK (readme != NULL);
    for (const msg_spec_t *msg = catalog_messages; readme && msg->name; msg++) {
        char *section = s_render_message (msg);
        bool found = section && strstr (readme, section);
        if (!found)
            fprintf (stderr, "proto/README.md should contain, for %s:\n%s\n", msg->name,
                     section ? section : "(out of memory)");
        CHECK (found);
        free (section);
    }
    free (readme);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_every_message_listed ();
    test_samples_pass ();
    test_sample_envelopes ();
    test_bad_bodies ();
    test_too_many_items ();
    test_ship_to_bounds ();
    test_cancel_reason_bounds ();
    test_references ();
    test_packed_shapes ();
    test_readme_matches ();
    return harness_report (argv[0]);
}
