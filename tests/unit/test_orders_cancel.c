//  orders: the decisions of a cancel (cancel.c) — what a request may ask
//  of the order, how fulfillment's answer is read (cancelled, shipped, no
//  answer), the units its answer cancelled per line and location, the
//  stored order's lines and status after a partial cancel, and a partial
//  cancel marked once — on a real LMDB store, without sockets.
#include "cancel.h"
#include "catalog_orders.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "ordhost.h"
#include "tracking.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

static txnhost_t s_host;
static orders_dbs_t s_dbs;

static orders_line_t s_lines[2];
static orders_order_t s_order;

//  TEE x4 (1 cancelled already) and MUG x1.
static void
s_order_reset (const char *status)
{
    memset (s_lines, 0, sizeof s_lines);
    snprintf (s_lines[0].sku, sizeof s_lines[0].sku, "TEE");
    s_lines[0].quantity = 4;
    s_lines[0].cancelled = 1;
    snprintf (s_lines[1].sku, sizeof s_lines[1].sku, "MUG");
    s_lines[1].quantity = 1;
    s_order = (orders_order_t) {.lines = s_lines, .lines_count = 2};
    snprintf (s_order.status, sizeof s_order.status, "%s", status);
}

static int
s_check (orders_cancel_line_t *lines, size_t n, char *field)
{
    orders_cancel_request_t in = {.lines = lines, .lines_count = n};
    char message[160] = "";
    field[0] = '\0';
    return orders_cancel_check (&s_order, &in, field, 64, message, sizeof message);
}

static void
test_check (void)
{
    char field[64];
    s_order_reset ("accepted");
    CHECK_EQ_INT (s_check (NULL, 0, field), 0);
    orders_cancel_line_t ok[] = {{.line = 0, .quantity = 3}, {.line = 1, .quantity = 1}};
    CHECK_EQ_INT (s_check (ok, 2, field), 0);
    //  more than the line has left (4 less the 1 cancelled)
    orders_cancel_line_t more[] = {{.line = 1, .quantity = 1}, {.line = 0, .quantity = 4}};
    CHECK_EQ_INT (s_check (more, 2, field), RM_EINVAL);
    CHECK_STR (field, "/lines/1/quantity");
    orders_cancel_line_t none[] = {{.line = 2, .quantity = 1}};
    CHECK_EQ_INT (s_check (none, 1, field), RM_EINVAL);
    CHECK_STR (field, "/lines/0/line");
    orders_cancel_line_t twice[] = {{.line = 0, .quantity = 1}, {.line = 0, .quantity = 1}};
    CHECK_EQ_INT (s_check (twice, 2, field), RM_EINVAL);
    CHECK_STR (field, "/lines/1/line");
    //  nothing to do for a cancelled order; a pending one waits
    s_order_reset ("cancelled");
    CHECK_EQ_INT (s_check (ok, 2, field), 1);
    CHECK_EQ_INT (s_check (NULL, 0, field), 1);
    s_order_reset ("pending");
    CHECK_EQ_INT (s_check (NULL, 0, field), RM_EBUSY);
    //  a shipped order is for fulfillment to refuse
    s_order_reset ("shipped");
    CHECK_EQ_INT (s_check (NULL, 0, field), 0);
}

//  fulfillment's answer as the rpc client hands it over.
static int
s_answer (bool ok, int err)
{
    envelope_t req, rep, decoded;
    envelope_init_request (&req, "fulfillment.cancel", "cid-1", NULL, 0);
    envelope_init_reply (&rep, &req, ok);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    envelope_pack_header (&pk, &rep);
    if (ok) {
        msgpack_pack_map (&pk, 1);
        mp_pack_str (&pk, "cancelled");
        msgpack_pack_array (&pk, 0);
    }
    else
        envelope_pack_error_body (&pk, err, NULL, "shipped already: fulfilment x", 0);
    msgpack_unpacked unpacked;
    proto_error_t perr;
    CHECK_EQ_INT (envelope_decode (buf.data, buf.size, &unpacked, &decoded, &perr), 0);
    int rc = rpc_client_answer (0, &decoded);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static void
test_answer (void)
{
    CHECK_EQ_INT (s_answer (true, 0), 0);
    CHECK_EQ_INT (s_answer (false, RM_ECONFLICT), RM_ECONFLICT);
    CHECK_EQ_INT (s_answer (false, RM_EBUSY), RM_EBUSY);
    CHECK_EQ_INT (s_answer (false, RM_EINVAL), RM_EINVAL);
    //  no answer at all: unavailable, or timed out
    CHECK_EQ_INT (rpc_client_answer (RM_ETIMEOUT, NULL), RM_ETIMEOUT);
    CHECK_EQ_INT (rpc_client_answer (RM_EUNAVAIL, NULL), RM_EUNAVAIL);
    CHECK_EQ_INT (rpc_client_answer (RM_EPROTO, NULL), RM_EUNAVAIL);
}

//  A fulfilment's part of fulfillment's answer: units of one line.
static fulfillment_cancelled_t
s_cancelled (fulfillment_cancelled_line_t *line, const char *location, int64_t index, const char *sku,
             int64_t quantity)
{
    *line = (fulfillment_cancelled_line_t) {.line = index, .quantity = quantity};
    snprintf (line->sku, sizeof line->sku, "%s", sku);
    fulfillment_cancelled_t at = {.lines = line, .lines_count = 1};
    uuid_new_str (at.fulfillment_id);
    snprintf (at.location, sizeof at.location, "%s", location);
    return at;
}

static void
test_units (void)
{
    s_order_reset ("accepted");
    fulfillment_cancelled_line_t l[3];
    fulfillment_cancelled_t at[] = {s_cancelled (&l[0], "WH-EAST", 0, "TEE", 2),
                                    s_cancelled (&l[1], "WH-WEST", 0, "TEE", 1),
                                    s_cancelled (&l[2], "WH-WEST", 1, "MUG", 1)};
    fulfillment_cancel_reply_t reply = {.cancelled = at, .cancelled_count = 3};
    int64_t per_line[2] = {0};
    orders_lines_cancelled_event_t event = {0};
    CHECK_EQ_INT (orders_cancel_units (&s_order, &reply, per_line, &event), 0);
    CHECK_EQ_INT (per_line[0], 3);
    CHECK_EQ_INT (per_line[1], 1);
    CHECK_EQ_INT (event.lines_count, 3);
    if (event.lines_count == 3) {
        CHECK_STR (event.lines[1].location, "WH-WEST");
        CHECK_STR (event.lines[1].sku, "TEE");
        CHECK_EQ_INT (event.lines[1].quantity, 1);
        CHECK_EQ_INT (event.lines[2].line, 1);
    }
    record_free (orders_lines_cancelled_event_fields, &event);

    //  an answer that does not fit the order is not applied
    l[1].quantity = 2;       //  4 of TEE, with 1 cancelled before
    memset (per_line, 0, sizeof per_line);
    CHECK_EQ_INT (orders_cancel_units (&s_order, &reply, per_line, &event), RM_EINVAL);
    record_free (orders_lines_cancelled_event_fields, &event);
    l[1].quantity = 1;
    snprintf (l[2].sku, sizeof l[2].sku, "CAP");
    memset (per_line, 0, sizeof per_line);
    CHECK_EQ_INT (orders_cancel_units (&s_order, &reply, per_line, &event), RM_EINVAL);
    record_free (orders_lines_cancelled_event_fields, &event);
}

//  ---------------------------------------------------------------------
//  on the store

typedef struct {
    uint8_t id[16];
    const int64_t *per_line;
    size_t count;
    msgpack_sbuffer order;
    const char *key;
    int seen;
} op_t;

//  TEE x4 and MUG x1, accepted.
static int
s_store_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    static const ordhost_line_t lines[] = {{"TEE", 4, 100}, {"MUG", 1, 100}};
    return ordhost_store (txn, &s_dbs, op->id, "accepted", lines, 2);
}

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    return orders_cancel_lines_apply (txn, &s_dbs, op->id, op->per_line, op->count, "out of season", "cid-2",
                                      "key-ops", &op->order);
}

static int
s_seen_write (MDB_txn *txn, void *arg)
{
    op_t *op = (op_t *) arg;
    op->seen = orders_cancel_seen (txn, &s_dbs, op->id, op->key);
    return op->seen == 0 ? orders_cancel_mark (txn, &s_dbs, op->id, op->key) : op->seen < 0 ? op->seen : 0;
}

static void
test_lines_apply (void)
{
    op_t op = {0};
    uuid_new (op.id);
    msgpack_sbuffer_init (&op.order);
    CHECK_EQ_INT (txnhost_write (&s_host, s_store_write, &op), 0);

    int64_t first[] = {1, 0};
    op.per_line = first;
    op.count = 2;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    orders_order_t order;
    ordhost_load (&s_host, &s_dbs, op.id, &order);
    CHECK_EQ_INT (order.lines[0].cancelled, 1);
    CHECK (!order.lines[1].has_cancelled);
    CHECK_STR (order.status, "accepted");
    CHECK_EQ_INT (order.total, 500);
    record_free (orders_order_fields, &order);
    //  the answer's order is the stored one
    MDB_val answered = {op.order.size, op.order.data};
    msgpack_unpacked unpacked;
    orders_order_t copy = {0};
    CHECK_EQ_INT (orders_decode (&answered, &unpacked, &copy), 0);
    CHECK_EQ_INT (copy.lines[0].cancelled, 1);
    record_free (orders_order_fields, &copy);
    msgpack_unpacked_destroy (&unpacked);
    char reason[256] = "";
    CHECK_EQ_INT (ordhost_history (&s_host, &s_dbs, op.id, "orders.order.lines_cancelled", reason, sizeof reason), 1);
    CHECK_STR (reason, "out of season: 1 units cancelled");

    //  more than is left, or counts that are not the order's lines
    int64_t too_many[] = {4, 0};
    op.per_line = too_many;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_EINVAL);
    op.per_line = first;
    op.count = 1;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_EINVAL);

    //  every unit left: the order is cancelled
    int64_t rest[] = {3, 1};
    op.per_line = rest;
    op.count = 2;
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), 0);
    ordhost_load (&s_host, &s_dbs, op.id, &order);
    CHECK_EQ_INT (order.lines[0].cancelled, 4);
    CHECK_EQ_INT (order.lines[1].cancelled, 1);
    CHECK_STR (order.status, "cancelled");
    record_free (orders_order_fields, &order);
    CHECK_EQ_INT (ordhost_history (&s_host, &s_dbs, op.id, "orders.order.lines_cancelled", NULL, 0), 2);

    uint8_t none[16];
    uuid_new (none);
    memcpy (op.id, none, 16);
    CHECK_EQ_INT (txnhost_write (&s_host, s_apply_write, &op), RM_ENOTFOUND);
    msgpack_sbuffer_destroy (&op.order);

    //  a partial cancel's key, once per order
    op_t mark = {.key = "idem-1"};
    uuid_new (mark.id);
    CHECK_EQ_INT (txnhost_write (&s_host, s_seen_write, &mark), 0);
    CHECK_EQ_INT (mark.seen, 0);
    CHECK_EQ_INT (txnhost_write (&s_host, s_seen_write, &mark), 0);
    CHECK_EQ_INT (mark.seen, 1);
    mark.key = "cid:req-9";
    CHECK_EQ_INT (txnhost_write (&s_host, s_seen_write, &mark), 0);
    CHECK_EQ_INT (mark.seen, 0);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-orders-cancel");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = ORDERS_SCHEMA_VERSION,
                         .dbs = orders_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_host.store), 0);
    s_dbs = orders_dbs_in (s_host.store);
    test_check ();
    test_answer ();
    test_units ();
    test_lines_apply ();
    txnhost_close (&s_host);
    store_close (&s_host.store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
