#include "invhost.h"
#include "harness.h"
#include "mp.h"
#include "stock.h"
#include "err.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static const service_route_t s_no_routes[] = {{NULL, NULL}};
static const service_def_t s_def = {
    .name = "inventory",
    .dbs = inventory_dbs,
    .schema_version = INVENTORY_SCHEMA_VERSION,
    .migrations = inventory_migrations,
    .routes = s_no_routes,
};

int
invhost_open (loophost_t *host)
{
    return loophost_open (host, &s_def);
}

typedef struct {
    service_t *svc;
    const char *sku, *location;
    int64_t on_hand;
    int64_t priority;
} stock_arg_t;

static int
s_stock_write (MDB_txn *txn, void *arg)
{
    const stock_arg_t *a = (const stock_arg_t *) arg;
    inventory_dbs_t dbs = inventory_dbs_of (a->svc);
    inventory_location_t loc = {.priority = a->priority};
    snprintf (loc.location, sizeof loc.location, "%s", a->location);
    snprintf (loc.name, sizeof loc.name, "%s", a->location);
    snprintf (loc.type, sizeof loc.type, "warehouse");
    int rc = stock_location_put (txn, &dbs, &loc);
    char movement[160];
    snprintf (movement, sizeof movement, "test-%s-%s-%lld", a->sku, a->location, (long long) a->on_hand);
    stock_entry_t entry = {.movement_id = movement, .reason = "test"};
    stock_t after;
    int64_t shortfall;
    bool created;
    if (rc == 0)
        rc = stock_count (a->svc, txn, "test", a->sku, a->location, a->on_hand, &entry, &after, &shortfall, &created);
    return rc;
}

void
invhost_stock (service_t *svc, const char *sku, const char *location, int64_t on_hand, int64_t priority)
{
    stock_arg_t a = {svc, sku, location, on_hand, priority};
    CHECK_EQ_INT (service_write (svc, s_stock_write, &a), 0);
}

int64_t
invhost_reserved (service_t *svc, const char *sku, const char *location)
{
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_t stock = {.reserved = -1};
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    CHECK_EQ_INT (stock_get (txn, &dbs, sku, location, &stock), 0);
    return stock.reserved;
}

stock_t
invhost_stock_of (service_t *svc, const char *sku, const char *location)
{
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    stock_t stock = {.on_hand = -1};
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    CHECK_EQ_INT (stock_get (txn, &dbs, sku, location, &stock), 0);
    return stock;
}

size_t
invhost_ledger (service_t *svc, const char *sku, const char *location, size_t back, inventory_ledger_entry_t *entry)
{
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    inventory_ledger_entry_t *entries = NULL;
    size_t count = 0;
    uint64_t next = 0;
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    CHECK_EQ_INT (stock_ledger (txn, &dbs, sku, location, 1, 1000, &entries, &count, &next), 0);
    if (entry && count > back)
        *entry = entries[count - 1 - back];
    free (entries);
    return count;
}

typedef struct {
    service_t *svc;
    const char *type;
    const field_spec_t *fields;
    const void *body;
    consumer_apply_fn *apply;
} event_arg_t;

static int
s_event_write (MDB_txn *txn, void *arg)
{
    event_arg_t *a = (event_arg_t *) arg;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (a->fields, a->body, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    envelope_t event = {.kind = ENVELOPE_EVENT, .seq = 1};
    snprintf (event.type, sizeof event.type, "%s", a->type);
    snprintf (event.cid, sizeof event.cid, "test-event");
    int rc = msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS ? 0 : RM_EINVAL;
    if (rc == 0) {
        event.body = unpacked.data;
        rc = a->apply (a->svc, txn, &event);
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

int
invhost_apply_event (service_t *svc, const char *type, const field_spec_t *fields, const void *body,
                     consumer_apply_fn *apply)
{
    event_arg_t a = {svc, type, fields, body, apply};
    return service_write (svc, s_event_write, &a);
}

typedef struct {
    service_t *svc;
    invhost_reserve_t *a;
} reserve_arg_t;

static int
s_reserve_write (MDB_txn *txn, void *arg)
{
    reserve_arg_t *r = (reserve_arg_t *) arg;
    invhost_reserve_t *a = r->a;
    record_free (reservation_fields, &a->record);
    a->outcome.shortages = a->shortages;
    return reservation_reserve (r->svc, txn, "test", &a->request, &a->record, &a->existing, &a->outcome,
                                &a->hold_error);
}

int
invhost_reserve (service_t *svc, invhost_reserve_t *a, const line_t *lines, size_t count)
{
    static const uint8_t none[16] = {0};
    if (memcmp (a->request.order_id, none, 16) == 0)
        uuid_new (a->request.order_id);
    a->request.lines = lines;
    a->request.count = count;
    reserve_arg_t r = {svc, a};
    return service_write (svc, s_reserve_write, &r);
}

reservation_t
invhost_order (service_t *svc, const uint8_t id[16])
{
    MDB_txn *txn;
    reservation_t record = {0};
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    CHECK_EQ_INT (reservation_get (txn, inventory_dbs_of (svc).reservations, id, &record), 0);
    return record;
}

void
invhost_pack_move (msgpack_packer *pk, const invhost_move_t *m)
{
    msgpack_pack_map (pk, 5 + (m->to != NULL));
    mp_pack_kv_str (pk, "movement_id", m->id);
    mp_pack_kv_str (pk, "type", m->type);
    mp_pack_kv_str (pk, "sku", m->sku);
    mp_pack_kv_str (pk, "location", m->location);
    if (m->to)
        mp_pack_kv_str (pk, "to_location", m->to);
    mp_pack_kv_int (pk, "quantity", m->quantity);
}

typedef struct {
    service_t *svc;
    const uint8_t *id;
    bool released;
} release_arg_t;

static int
s_release_write (MDB_txn *txn, void *arg)
{
    release_arg_t *a = (release_arg_t *) arg;
    reservation_t record = {0};
    int rc = reservation_release (a->svc, txn, "test", a->id, &record, &a->released);
    record_free (reservation_fields, &record);
    return rc;
}

bool
invhost_release (service_t *svc, const uint8_t order_id[16])
{
    release_arg_t a = {svc, order_id, false};
    CHECK_EQ_INT (service_write (svc, s_release_write, &a), 0);
    return a.released;
}

size_t
invhost_events (service_t *svc, uint64_t after, const char *type, const field_spec_t *fields, void *records,
                size_t size, size_t max)
{
    return loophost_events_decoded (svc, after, type, fields, records, size, max);
}
