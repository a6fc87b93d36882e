//  inventory shipments (shipment.h): a fulfilment that shipped takes its
//  units off on hand and reserved once, with a shipment ledger entry naming
//  the order and the fulfilment, and releases its shortfall (a short_pick
//  entry, on hand unchanged); cancelled lines give their units back; a
//  shipment of units the order no longer holds is refused with nothing
//  changed; a later release of the order gives back only what is still
//  held; units given back fill backorders. The plain functions and the
//  event handlers on the transaction of a real inventory service run in
//  the test's process (invhost.h), no sockets used.
#include "catalog_fulfillment.h"
#include "catalog_orders.h"
#include "err.h"
#include "harness.h"
#include "invhost.h"
#include "mp.h"
#include "reservation.h"
#include "shipment.h"
#include "stock.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static service_t *s_svc;

//  ---------------------------------------------------------------------
//  set-up and reading back

#define CHECK_STOCK(sku, location, on_hand_, reserved_)                 \
    do {                                                                \
        stock_t _s = invhost_stock_of (s_svc, sku, location);                           \
        CHECK_EQ_INT (_s.on_hand, on_hand_);                            \
        CHECK_EQ_INT (_s.reserved, reserved_);                          \
    } while (0)

//  Reserves lines for a new order into *a (the caller record_frees a->record).
static void
s_order (invhost_reserve_t *a, const line_t *lines, size_t count)
{
    *a = (invhost_reserve_t) {.request.ttl_ms = 60000};
    CHECK_EQ_INT (invhost_reserve (s_svc, a, lines, count), 0);
}

typedef struct {
    const shipment_t *in;
    shipment_outcome_t out;
} apply_arg_t;

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    apply_arg_t *a = (apply_arg_t *) arg;
    return shipment_apply (s_svc, txn, "test", a->in, &a->out);
}

//  Applies in in a write of its own; returns its code, *out what it found.
static int
s_apply (const shipment_t *in, shipment_outcome_t *out)
{
    apply_arg_t a = {in, {0}};
    int rc = service_write (s_svc, s_apply_write, &a);
    if (out)
        *out = a.out;
    return rc;
}

typedef struct {
    uint8_t id[16];
    char text[UUID_STR_LEN + 1];
} ref_t;

static ref_t
s_id (const uint8_t *bytes)
{
    ref_t id;
    if (bytes)
        memcpy (id.id, bytes, 16);
    else
        uuid_new (id.id);
    uuid_format (id.id, id.text);
    return id;
}

//  A shipment of fulfilment ff for order.
static shipment_t
s_shipment (const ref_t *order, const ref_t *ff, const shipment_line_t *lines, size_t count)
{
    shipment_t in = {.order_text = order->text, .fulfillment_id = ff ? ff->text : NULL, .occurred_at = 1700000000000,
                     .lines = lines, .count = count};
    memcpy (in.order_id, order->id, 16);
    return in;
}

//  As s_apply for the shipment of ff's lines for order (ff NULL: cancelled lines).
static int
s_apply_lines (const ref_t *order, const ref_t *ff, const shipment_line_t *lines, size_t count, shipment_outcome_t *out)
{
    shipment_t in = s_shipment (order, ff, lines, count);
    return s_apply (&in, out);
}

//  What order's reservation says line settled at location, shipped and
//  released ("s/r"), what it still holds there, and its status.
static void
s_settled (const ref_t *order, size_t line, const char *location, char *out, size_t size)
{
    reservation_t record = invhost_order (s_svc, order->id);
    int64_t shipped = 0, released = 0;
    for (size_t i = 0; i < record.settled_count; i++)
        if (record.settled[i].line == (int64_t) line && strcmp (record.settled[i].location, location) == 0) {
            shipped += record.settled[i].shipped;
            released += record.settled[i].released;
        }
    snprintf (out, size, "%lld/%lld held %lld %s", (long long) shipped, (long long) released,
              (long long) reservation_held_at (&record, line, location), record.status);
    record_free (reservation_fields, &record);
}

#define CHECK_SETTLED(order, line, location, expected)                  \
    do {                                                                \
        char _got[96];                                                  \
        s_settled (order, line, location, _got, sizeof _got);           \
        CHECK_STR (_got, expected);                                     \
    } while (0)

static bool
s_release (const ref_t *order)
{
    return invhost_release (s_svc, order->id);
}

//  ---------------------------------------------------------------------

static void
test_shipped_once (void)
{
    invhost_stock (s_svc, "TEE", "WH-1", 10, 1);
    invhost_stock (s_svc, "MUG", "WH-2", 4, 1);
    line_t lines[] = {{"TEE", 3, -1}, {"MUG", 4, -1}};
    invhost_reserve_t a;
    s_order (&a, lines, 2);
    ref_t order = s_id (a.request.order_id), ff1 = s_id (NULL), ff2 = s_id (NULL);
    CHECK_STOCK ("TEE", "WH-1", 10, 3);
    CHECK_STOCK ("MUG", "WH-2", 4, 4);
    size_t before = invhost_ledger (s_svc, "TEE", "WH-1", 0, NULL);

    //  the TEE fulfilment ships in full: on hand and reserved both go down,
    //  and the reservation, still held, is committed by it
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    shipment_line_t tee[] = {{0, "TEE", "WH-1", 3, 0}};
    shipment_t in = s_shipment (&order, &ff1, tee, 1);
    shipment_outcome_t out;
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK (!out.duplicate && out.changed);
    CHECK_STOCK ("TEE", "WH-1", 7, 0);
    inventory_ledger_entry_t entry = {0};
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "TEE", "WH-1", 0, &entry), (int) before + 1);
    CHECK_STR (entry.type, "shipment");
    CHECK_EQ_INT (entry.quantity_delta, -3);
    CHECK_EQ_INT (entry.on_hand_after, 7);
    CHECK_STR (entry.order_id, order.text);
    CHECK_STR (entry.fulfillment_id, ff1.text);
    CHECK_STR (entry.movement_id, ff1.text);
    CHECK_EQ_INT (entry.occurred_at, 1700000000000);
    inventory_settled_event_t shipped = {0};
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.shipped", inventory_settled_event_fields,
                                        &shipped, sizeof shipped, 1),
                  1);
    CHECK_STR (shipped.order_id, order.text);
    CHECK_STR (shipped.fulfillment_id, ff1.text);
    CHECK (shipped.lines_count == 1 && shipped.lines[0].shipped == 3 && shipped.lines[0].released == 0);
    record_free (inventory_settled_event_fields, &shipped);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.reservation.committed", NULL, NULL, 0, 0), 1);
    CHECK_SETTLED (&order, 0, "WH-1", "3/0 held 0 committed");
    CHECK_SETTLED (&order, 1, "WH-2", "0/0 held 4 committed");

    //  the same fulfilment again (an event repeated, a status that came back
    //  to shipped): nothing changes
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK (out.duplicate && !out.changed);
    CHECK_STOCK ("TEE", "WH-1", 7, 0);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "TEE", "WH-1", 0, &entry), (int) before + 1);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.shipped", NULL, NULL, 0, 0), 0);

    //  the MUG fulfilment is a short pick: 3 leave, the 4th is released,
    //  on hand keeps it
    shipment_line_t mug[] = {{1, "MUG", "WH-2", 3, 1}};
    in = s_shipment (&order, &ff2, mug, 1);
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_STOCK ("MUG", "WH-2", 1, 0);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "MUG", "WH-2", 1, &entry), 3);
    CHECK_STR (entry.type, "shipment");
    CHECK_EQ_INT (entry.quantity_delta, -3);
    invhost_ledger (s_svc, "MUG", "WH-2", 0, &entry);
    CHECK_STR (entry.type, "short_pick");
    CHECK_EQ_INT (entry.quantity_delta, 0);
    CHECK_EQ_INT (entry.on_hand_after, 1);
    CHECK_STR (entry.fulfillment_id, ff2.text);
    CHECK (strstr (entry.reason, "short pick") != NULL);
    CHECK_SETTLED (&order, 1, "WH-2", "3/1 held 0 committed");

    //  the order's release gives back nothing: every unit is settled
    CHECK (s_release (&order));
    CHECK_STOCK ("TEE", "WH-1", 7, 0);
    CHECK_STOCK ("MUG", "WH-2", 1, 0);
    record_free (reservation_fields, &a.record);
}

static void
test_refused_changes_nothing (void)
{
    invhost_stock (s_svc, "CAP", "WH-1", 5, 1);
    line_t cap[] = {{"CAP", 2, -1}};
    invhost_reserve_t a, b;
    s_order (&a, cap, 1);
    s_order (&b, cap, 1);
    ref_t cancelled = s_id (a.request.order_id), live = s_id (b.request.order_id), ff = s_id (NULL);
    ref_t unknown = s_id (NULL);
    CHECK (s_release (&cancelled));
    CHECK_STOCK ("CAP", "WH-1", 5, 2);
    size_t entries = invhost_ledger (s_svc, "CAP", "WH-1", 0, NULL);
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    shipment_outcome_t out;

    //  the cancelled order holds nothing any more: its shipment is refused,
    //  and not recorded, so it is refused again
    shipment_line_t two[] = {{0, "CAP", "WH-1", 2, 0}};
    shipment_t in = s_shipment (&cancelled, &ff, two, 1);
    CHECK_EQ_INT (s_apply (&in, &out), RM_ECONFLICT);
    CHECK (strstr (out.message, "holds 0") != NULL);
    CHECK_EQ_INT (s_apply (&in, &out), RM_ECONFLICT);
    CHECK (!out.duplicate);

    //  more than the order holds there; another SKU; a line it does not
    //  have; an order inventory never held stock for
    shipment_line_t three[] = {{0, "CAP", "WH-1", 3, 0}};
    in = s_shipment (&live, &ff, three, 1);
    CHECK_EQ_INT (s_apply (&in, &out), RM_ECONFLICT);
    CHECK (strstr (out.message, "ships 3 units of CAP at WH-1") != NULL);
    shipment_line_t other[] = {{0, "MUG", "WH-1", 1, 0}};
    in = s_shipment (&live, &ff, other, 1);
    CHECK_EQ_INT (s_apply (&in, &out), RM_EINVAL);
    shipment_line_t beyond[] = {{0, "CAP", "WH-1", 1, 0}, {1, "CAP", "WH-1", 1, 0}};
    in = s_shipment (&live, &ff, beyond, 2);
    CHECK_EQ_INT (s_apply (&in, &out), RM_EINVAL);
    CHECK (strstr (out.message, "line 1") != NULL);
    in = s_shipment (&unknown, &ff, two, 1);
    CHECK_EQ_INT (s_apply (&in, &out), RM_ENOTFOUND);

    CHECK_STOCK ("CAP", "WH-1", 5, 2);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "CAP", "WH-1", 0, NULL), (int) entries);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.stock.shipped", NULL, NULL, 0, 0), 0);
    CHECK_SETTLED (&live, 0, "WH-1", "0/0 held 2 held");

    //  the live order's own shipment still applies
    in = s_shipment (&live, &ff, two, 1);
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_STOCK ("CAP", "WH-1", 3, 0);
    record_free (reservation_fields, &a.record);
    record_free (reservation_fields, &b.record);
}

static void
test_cancelled_lines (void)
{
    invhost_stock (s_svc, "SOCK", "WH-1", 10, 1);
    line_t sock[] = {{"SOCK", 5, -1}};
    invhost_reserve_t a;
    s_order (&a, sock, 1);
    ref_t order = s_id (a.request.order_id), ff = s_id (NULL);
    size_t entries = invhost_ledger (s_svc, "SOCK", "WH-1", 0, NULL);

    //  2 units cancelled: reserved drops, on hand and the ledger do not
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    shipment_line_t cancel[] = {{0, "SOCK", "WH-1", 0, 2}};
    shipment_t in = s_shipment (&order, NULL, cancel, 1);
    shipment_outcome_t out;
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK (out.changed);
    CHECK_STOCK ("SOCK", "WH-1", 10, 3);
    CHECK_EQ_INT ((int) invhost_ledger (s_svc, "SOCK", "WH-1", 0, NULL), (int) entries);
    inventory_settled_event_t reduced = {0};
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.reservation.reduced", inventory_settled_event_fields,
                                        &reduced, sizeof reduced, 1),
                  1);
    CHECK (!reduced.fulfillment_id[0] && reduced.lines_count == 1 && reduced.lines[0].released == 2);
    record_free (inventory_settled_event_fields, &reduced);

    //  the fulfilment ships the other 3; its shortfall also counts the 2
    //  cancelled (a fulfilment that had not heard of the cancel): only
    //  what is still held is released, so reserved does not drop twice
    shipment_line_t ship[] = {{0, "SOCK", "WH-1", 3, 2}};
    in = s_shipment (&order, &ff, ship, 1);
    CHECK_EQ_INT (s_apply (&in, &out), 0);
    CHECK_STOCK ("SOCK", "WH-1", 7, 0);
    CHECK_SETTLED (&order, 0, "WH-1", "3/2 held 0 committed");

    //  a cancel arriving after that finds nothing left to give back
    mark = outbox_mark (service_outbox (s_svc));
    CHECK_EQ_INT (s_apply_lines (&order, NULL, cancel, 1, &out), 0);
    CHECK (!out.changed);
    CHECK_STOCK ("SOCK", "WH-1", 7, 0);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.reservation.reduced", NULL, NULL, 0, 0), 0);
    record_free (reservation_fields, &a.record);

    //  a whole cancel after a partial one gives back only the rest
    s_order (&a, sock, 1);
    order = s_id (a.request.order_id);
    CHECK_STOCK ("SOCK", "WH-1", 7, 5);
    CHECK_EQ_INT (s_apply_lines (&order, NULL, cancel, 1, &out), 0);
    CHECK_STOCK ("SOCK", "WH-1", 7, 3);
    CHECK (s_release (&order));
    CHECK_STOCK ("SOCK", "WH-1", 7, 0);
    record_free (reservation_fields, &a.record);
}

static const bool s_backorder[1] = {true};

static void
test_short_pick_fills_backorders (void)
{
    invhost_stock (s_svc, "HAT", "WH-1", 3, 1);
    line_t three[] = {{"HAT", 3, -1}}, two[] = {{"HAT", 2, -1}};
    invhost_reserve_t a, b;
    s_order (&a, three, 1);
    b = (invhost_reserve_t) {.request.ttl_ms = 60000, .request.scope.backorder = s_backorder};
    CHECK_EQ_INT (invhost_reserve (s_svc, &b, two, 1), 0);
    CHECK_EQ_INT (b.record.lines[0].backordered, 2);
    ref_t order = s_id (a.request.order_id), ff = s_id (NULL);

    //  a short pick of A gives 1 back: B, waiting, takes it
    uint64_t mark = outbox_mark (service_outbox (s_svc));
    shipment_line_t pick[] = {{0, "HAT", "WH-1", 2, 1}};
    CHECK_EQ_INT (s_apply_lines (&order, &ff, pick, 1, NULL), 0);
    CHECK_STOCK ("HAT", "WH-1", 1, 1);
    CHECK_EQ_INT ((int) loophost_events_decoded (s_svc, mark, "inventory.backorder.filled", NULL, NULL, 0, 0), 1);
    reservation_t filled = invhost_order (s_svc, b.request.order_id);
    CHECK_EQ_INT (reservation_held_at (&filled, 0, "WH-1"), 1);
    CHECK_EQ_INT (filled.lines[0].backordered, 1);
    record_free (reservation_fields, &filled);
    record_free (reservation_fields, &a.record);
    record_free (reservation_fields, &b.record);
}

static void
test_after_a_short_count (void)
{
    invhost_stock (s_svc, "BAG", "WH-1", 5, 1);
    line_t four[] = {{"BAG", 4, -1}};
    invhost_reserve_t a;
    s_order (&a, four, 1);
    ref_t order = s_id (a.request.order_id), ff = s_id (NULL);
    //  a count finds 3: the reservation of 4 is kept
    invhost_stock (s_svc, "BAG", "WH-1", 3, 1);
    CHECK_STOCK ("BAG", "WH-1", 3, 4);

    //  4 cannot have left; 3 did, and the 4th is released
    shipment_outcome_t out;
    shipment_line_t all[] = {{0, "BAG", "WH-1", 4, 0}}, some[] = {{0, "BAG", "WH-1", 3, 1}};
    CHECK_EQ_INT (s_apply_lines (&order, &ff, all, 1, &out), RM_ECONFLICT);
    CHECK (strstr (out.message, "3 are on hand") != NULL);
    CHECK_STOCK ("BAG", "WH-1", 3, 4);
    CHECK_EQ_INT (s_apply_lines (&order, &ff, some, 1, &out), 0);
    CHECK_STOCK ("BAG", "WH-1", 0, 0);
    record_free (reservation_fields, &a.record);
}

//  ---------------------------------------------------------------------
//  the events consumed

static int
s_lines_cancelled (void *host, MDB_txn *txn, const envelope_t *event)
{
    return shipment_on_lines_cancelled ((service_t *) host, txn, event);
}

static int
s_shipped (const fulfillment_event_t *shipped)
{
    return invhost_apply_event (s_svc, "fulfillment.shipment.shipped", fulfillment_event_fields, shipped,
                                shipment_on_fulfillment_event);
}

static void
test_events (void)
{
    invhost_stock (s_svc, "CUP", "WH-1", 6, 1);
    invhost_stock (s_svc, "CUP", "WH-2", 6, 2);
    line_t cups[] = {{"CUP", 8, -1}};
    invhost_reserve_t a;
    s_order (&a, cups, 1);
    ref_t order = s_id (a.request.order_id), ff = s_id (NULL);
    CHECK_STOCK ("CUP", "WH-1", 6, 6);
    CHECK_STOCK ("CUP", "WH-2", 6, 2);

    //  orders cancels 1 unit held at WH-2
    orders_line_cancelled_t line = {.line = 0, .quantity = 1};
    snprintf (line.sku, sizeof line.sku, "CUP");
    snprintf (line.location, sizeof line.location, "WH-2");
    orders_lines_cancelled_event_t cancelled = {.lines = &line, .lines_count = 1};
    snprintf (cancelled.order_id, sizeof cancelled.order_id, "%s", order.text);
    snprintf (cancelled.external_id, sizeof cancelled.external_id, "EXT-1");
    snprintf (cancelled.channel, sizeof cancelled.channel, "web");
    CHECK_EQ_INT (invhost_apply_event (s_svc, "orders.order.lines_cancelled", orders_lines_cancelled_event_fields,
                                       &cancelled, s_lines_cancelled),
                  0);
    CHECK_STOCK ("CUP", "WH-2", 6, 1);

    //  WH-1's fulfilment ships 5 of 6: the 6th is its shortfall
    fulfillment_line_t ffline = {.line = 0, .quantity = 6, .picked = 5, .shipped = 5, .shortfall = 1};
    snprintf (ffline.sku, sizeof ffline.sku, "CUP");
    fulfillment_event_t shipped = {.lines = &ffline, .lines_count = 1, .created_at = 1, .has_created_at = true,
                                   .updated_at = 2, .has_updated_at = true, .occurred_at = 2, .has_occurred_at = true};
    snprintf (shipped.fulfillment_id, sizeof shipped.fulfillment_id, "%s", ff.text);
    snprintf (shipped.order_id, sizeof shipped.order_id, "%s", order.text);
    snprintf (shipped.external_id, sizeof shipped.external_id, "EXT-1");
    snprintf (shipped.channel, sizeof shipped.channel, "web");
    snprintf (shipped.location, sizeof shipped.location, "WH-1");
    snprintf (shipped.status, sizeof shipped.status, "shipped");
    snprintf (shipped.source, sizeof shipped.source, "order");
    snprintf (shipped.event_id, sizeof shipped.event_id, "ev-1");
    CHECK_EQ_INT (s_shipped (&shipped), 0);
    CHECK_STOCK ("CUP", "WH-1", 1, 0);
    CHECK_EQ_INT (s_shipped (&shipped), 0);
    CHECK_STOCK ("CUP", "WH-1", 1, 0);

    //  a shipment of more than WH-2 holds is a business rejection, nothing changed
    uuid_new (ff.id);
    uuid_format (ff.id, shipped.fulfillment_id);
    snprintf (shipped.location, sizeof shipped.location, "WH-2");
    ffline.quantity = 2;
    ffline.shipped = 2;
    ffline.shortfall = 0;
    CHECK_EQ_INT (s_shipped (&shipped), RM_ECONFLICT);
    CHECK_STOCK ("CUP", "WH-2", 6, 1);
    record_free (reservation_fields, &a.record);
}

int
main (int argc, char **argv)
{
    (void) argc;
    loophost_t host;
    CHECK_EQ_INT (invhost_open (&host), 0);
    s_svc = host.svc;
    if (s_svc) {
        test_shipped_once ();
        test_refused_changes_nothing ();
        test_cancelled_lines ();
        test_short_pick_fills_backorders ();
        test_after_a_short_count ();
        test_events ();
    }
    loophost_close (&host);
    return harness_report (argv[0]);
}
