//  record: a body described once gives a struct, the catalogue's field
//  list, a decoder and a packer that agree. A validated request decodes
//  into the struct, a packed struct passes the catalogue, optional fields
//  come and go, and every generated member is sized by the catalogue.
#include "catalog.h"
#include "catalog_core.h"
#include "catalog_pricing.h"
#include "err.h"
#include "harness.h"
#include "jsonmp.h"
#include "mp.h"
#include "record.h"
#include <stdlib.h>
#include <string.h>

//  Packs JSON text, validates it against fields and decodes it into record.
static int
s_decode_json (const field_spec_t *fields, const char *json, void *record, msgpack_sbuffer *buf,
               msgpack_unpacked *unpacked)
{
    json_t *value = json_loads (json, 0, NULL);
    CHECK (value != NULL);
    msgpack_sbuffer_init (buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    jsonmp_pack (&pk, value);
    json_decref (value);
    msgpack_unpacked_init (unpacked);
    CHECK (msgpack_unpack_next (unpacked, buf->data, buf->size, NULL) == MSGPACK_UNPACK_SUCCESS);
    proto_error_t err;
    CHECK_EQ_INT (catalog_validate (fields, &unpacked->data, &err), 0);
    return record_decode (fields, &unpacked->data, record);
}

static void
test_decode (void)
{
    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
    pricing_validate_request_t in = {0};
    CHECK_EQ_INT (s_decode_json (pricing_validate_request_fields,
                                 "{\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A-1\",\"quantity\":2,\"unit_price\":150},"
                                 "{\"sku\":\"B\",\"quantity\":1000000,\"unit_price\":0}]}",
                                 &in, &buf, &unpacked),
                  0);
    CHECK_STR (in.currency, "EUR");
    CHECK_EQ_INT (in.lines_count, 2);
    CHECK (in.lines != NULL);
    if (in.lines && in.lines_count == 2) {
        CHECK_STR (in.lines[0].sku, "A-1");
        CHECK_EQ_INT (in.lines[0].quantity, 2);
        CHECK_EQ_INT (in.lines[0].unit_price, 150);
        CHECK_EQ_INT (in.lines[1].quantity, 1000000);
    }
    record_free (pricing_validate_request_fields, &in);
    CHECK (in.lines == NULL && in.lines_count == 0);
    record_free (pricing_validate_request_fields, &in);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    //  a SKU as long as the catalogue allows fits its member exactly
    char json[256], sku[65];
    memset (sku, 'S', 64);
    sku[64] = '\0';
    snprintf (json, sizeof json, "{\"currency\":\"JPY\",\"sku\":\"%s\",\"unit_price\":7}", sku);
    pricing_set_request_t set = {0};
    CHECK_EQ_INT (s_decode_json (pricing_set_request_fields, json, &set, &buf, &unpacked), 0);
    CHECK_STR (set.sku, sku);
    CHECK_EQ_INT (sizeof set.sku, 65);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    //  a body that was not validated is refused, not misread
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    mp_pack_kv_str (&pk, "currency", "EUR");
    msgpack_unpacked_init (&unpacked);
    CHECK (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK_EQ_INT (record_decode (pricing_set_request_fields, &unpacked.data, &set), RM_EINVAL);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

//  Packs record and returns what catalog_validate says of it, and the
//  number of keys it has.
static int
s_pack_check (const field_spec_t *fields, const void *record, uint32_t *keys)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fields, record, &pk);
    proto_error_t err;
    int rc = catalog_validate_packed (fields, buf.data, buf.size, &err);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    *keys = msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS
                ? unpacked.data.via.map.size : 0;
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static void
test_pack (void)
{
    pricing_price_changed_t event = {.price_book = "list-eur", .currency = "EUR", .sku = "A", .unit_price = 5,
                                     .has_unit_price = true, .changed_at = 1, .cause = "set"};
    uint32_t keys = 0;
    CHECK_EQ_INT (s_pack_check (pricing_price_changed_fields, &event, &keys), 0);
    CHECK_EQ_INT (keys, 6);
    event.previous = 3;
    event.has_previous = true;
    CHECK_EQ_INT (s_pack_check (pricing_price_changed_fields, &event, &keys), 0);
    CHECK_EQ_INT (keys, 7);
    //  the catalogue still judges what is packed
    event.unit_price = -1;
    CHECK_EQ_INT (s_pack_check (pricing_price_changed_fields, &event, &keys), RM_EINVAL);

    pricing_quote_line_t line = {.sku = "A", .quantity = 2, .unit_price = 5, .extended_price = 10,
                                 .price_book = "list-eur"};
    pricing_quote_reply_t reply = {.currency = "EUR", .total = 10, .lines = &line, .lines_count = 1};
    CHECK_EQ_INT (s_pack_check (pricing_quote_reply_fields, &reply, &keys), 0);
    CHECK_EQ_INT (keys, 3);
    //  one line is the least a quote has
    reply.lines_count = 0;
    CHECK_EQ_INT (s_pack_check (pricing_quote_reply_fields, &reply, &keys), RM_EINVAL);
}

//  Packs record as fields describes, then decodes it again into copy.
static void
s_round_trip (const field_spec_t *fields, const void *record, void *copy, msgpack_sbuffer *buf,
              msgpack_unpacked *unpacked)
{
    msgpack_sbuffer_init (buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    record_pack (fields, record, &pk);
    msgpack_unpacked_init (unpacked);
    CHECK (msgpack_unpack_next (unpacked, buf->data, buf->size, NULL) == MSGPACK_UNPACK_SUCCESS);
    CHECK_EQ_INT (record_decode (fields, &unpacked->data, copy), 0);
}

//  Nested maps, present or not, optional booleans and arrays of records
//  (sys.health); arrays of anything (events.since); arrays grown item by
//  item (dlq.list).
static void
test_nested (void)
{
    core_consumer_status_t consumer = {.source = "orders", .position = 7, .source_last_seq = 9, .lag = 2,
                                       .stalled = true, .stalled_reason = "behind retention"};
    core_health_t health = {.service = "inventory", .version = "1.0", .uptime_s = 3, .store_bytes = 4096,
                            .pid = 42, .ready = false, .reason = "store full",
                            .events = {.first_seq = 1, .last_seq = 5, .published = 5},
                            .consumers = &consumer, .consumers_count = 1};
    uint32_t keys = 0;
    //  store and outbound absent: optional maps left out
    CHECK_EQ_INT (s_pack_check (core_health_fields, &health, &keys), 0);
    CHECK_EQ_INT (keys, 9);
    health.has_store = health.has_outbound = true;
    health.store = (core_store_fill_t) {.used = 10, .map_size = 20, .map_size_max = 30};
    health.outbound = (core_outbound_status_t) {.depth = 1, .dead_letters = 2};
    CHECK_EQ_INT (s_pack_check (core_health_fields, &health, &keys), 0);
    CHECK_EQ_INT (keys, 11);
    //  a nested map's fields are judged too
    health.store.used = -1;
    CHECK_EQ_INT (s_pack_check (core_health_fields, &health, &keys), RM_EINVAL);
    health.store.used = 10;

    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
    core_health_t copy = {0};
    s_round_trip (core_health_fields, &health, &copy, &buf, &unpacked);
    CHECK (copy.has_store && copy.has_outbound);
    CHECK_EQ_INT (copy.store.map_size_max, 30);
    CHECK_EQ_INT (copy.events.last_seq, 5);
    CHECK_EQ_INT (copy.outbound.dead_letters, 2);
    CHECK (!copy.ready);
    CHECK_STR (copy.reason, "store full");
    CHECK_EQ_INT (copy.consumers_count, 1);
    if (copy.consumers_count == 1) {
        CHECK_STR (copy.consumers[0].source, "orders");
        CHECK (copy.consumers[0].stalled);
        CHECK_STR (copy.consumers[0].stalled_reason, "behind retention");
    }
    record_free (core_health_fields, &copy);
    CHECK (copy.consumers == NULL);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    msgpack_object events[2] = {{.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 3},
                                {.type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = true}};
    core_since_reply_t since = {.first_seq = 1, .last_seq = 2, .events = events, .events_count = 2};
    CHECK_EQ_INT (s_pack_check (core_since_reply_fields, &since, &keys), 0);
    core_since_reply_t since_copy = {0};
    s_round_trip (core_since_reply_fields, &since, &since_copy, &buf, &unpacked);
    CHECK_EQ_INT (since_copy.events_count, 2);
    if (since_copy.events_count == 2)
        CHECK (since_copy.events[0].via.u64 == 3 && since_copy.events[1].type == MSGPACK_OBJECT_BOOLEAN);
    record_free (core_since_reply_fields, &since_copy);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    core_dlq_list_reply_t list = {0};
    for (int i = 0; i < 3; i++) {
        core_dlq_entry_t *entry = (core_dlq_entry_t *) record_push (&list.entries, &list.entries_count, sizeof *entry);
        CHECK (entry != NULL);
        if (!entry)
            break;
        CHECK_EQ_INT (entry->seq, 0);
        *entry = (core_dlq_entry_t) {.source = "orders", .seq = i + 1, .type = "orders.order.cancelled",
                                     .error = "store", .attempts = 5, .failed_at = 1000};
    }
    CHECK_EQ_INT (list.entries_count, 3);
    CHECK_EQ_INT (s_pack_check (core_dlq_list_reply_fields, &list, &keys), 0);
    CHECK (list.entries_count == 3 && list.entries[2].seq == 3);
    record_free (core_dlq_list_reply_fields, &list);
    CHECK (list.entries == NULL && list.entries_count == 0);
}

//  One struct packed through another message's description of the fields
//  it shares (pricing's quote from its price check).
static RECORD_FIELDS_OF (s_quote_line_of_check, PRICING_QUOTE_LINE, pricing_validate_line_t)

static void
test_fields_of (void)
{
    pricing_validate_line_t line = {.sku = "A", .quantity = 2, .unit_price = 5, .quoted = 4,
                                    .extended_price = 10, .ok = false, .price_book = "list-eur"};
    uint32_t keys = 0;
    CHECK_EQ_INT (s_pack_check (s_quote_line_of_check, &line, &keys), 0);
    CHECK_EQ_INT (keys, 5);
    //  what it packs is a quote line as the catalogue describes it
    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
    pricing_validate_line_t copy = {0};
    s_round_trip (s_quote_line_of_check, &line, &copy, &buf, &unpacked);
    proto_error_t err;
    CHECK_EQ_INT (catalog_validate (pricing_quote_line_fields, &unpacked.data, &err), 0);
    CHECK_EQ_INT (copy.extended_price, 10);
    CHECK_EQ_INT (copy.quoted, 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
}

//  Every bound string member holds the catalogue's longest value and its
//  NUL; every bound list is bound throughout.
static int
s_check_sizes (const field_spec_t *fields)
{
    int bound = 0;
    for (const field_spec_t *f = fields; f && f->name; f++) {
        if (!f->bound)
            continue;
        bound++;
        CHECK (fields[0].bound);
        if (f->type == FT_STR || (f->type == FT_ARRAY && f->item == FT_STR))
            CHECK_EQ_INT (f->size, f->max_len + 1);
        if (f->type == FT_ARRAY && f->item == FT_MAP)
            bound += s_check_sizes (f->fields);
    }
    return bound;
}

static void
test_sizes (void)
{
    int bound = 0;
    for (const msg_spec_t *msg = catalog_all (); msg->name; msg++)
        bound += s_check_sizes (msg->request) + s_check_sizes (msg->reply);
    CHECK (bound > 0);
    CHECK (pricing_quote_request_fields[1].bound && pricing_quote_request_fields[1].size == sizeof (catalog_sku_quantity_t));
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_decode ();
    test_pack ();
    test_nested ();
    test_fields_of ();
    test_sizes ();
    return harness_report (argv[0]);
}
