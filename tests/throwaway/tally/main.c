#include "tally.h"
#include "err.h"
#include "mp.h"
#include "service.h"
#include <stdio.h>
#include <string.h>

static const char s_key[] = "accepted";

static int64_t
s_count (service_t *svc, MDB_txn *txn)
{
    MDB_val val;
    int64_t count = 0;
    if (store_get (txn, service_dbi (svc, 0), s_key, sizeof s_key, &val) == 0
        && val.mv_size == sizeof count)
        memcpy (&count, val.mv_data, sizeof count);
    return count;
}

static int
s_on_accepted (void *host, MDB_txn *txn, const envelope_t *event)
{
    (void) event;
    service_t *svc = (service_t *) host;
    int64_t count = s_count (svc, txn) + 1;
    return store_put (txn, service_dbi (svc, 0), s_key, sizeof s_key, &count, sizeof count, 0);
}

static int
s_count_op (service_t *svc, request_t *req)
{
    MDB_txn *txn;
    int rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    msgpack_packer *pk = request_reply_ok (req);
    msgpack_pack_map (pk, 2);
    mp_pack_kv_str (pk, "label", config_get (service_config (svc), "label"));
    mp_pack_kv_int (pk, "accepted", s_count (svc, txn));
    return 0;
}

static const char *const s_dbs[] = {"counts", NULL};
static const service_route_t s_routes[] = {{"tally.count", s_count_op}, {NULL, NULL}};
static const char *const s_order_events[] = {"orders.order.accepted", NULL};
static const consumer_def_t s_consumers[] = {{"orders", s_order_events, s_on_accepted},
                                             {NULL, NULL, NULL}};
static const service_option_t s_options[] = {
    {"label", "tally", "a name tally.count answers with"},
    {NULL, NULL, NULL},
};

static const service_def_t s_def = {
    .name = "tally",
    .dbs = s_dbs,
    .schema_version = 1,
    .routes = s_routes,
    .options = s_options,
    .consumers = s_consumers,
};

int
main (int argc, char **argv)
{
    if (catalog_register (tally_messages) != 0) {
        fprintf (stderr, "tally: its messages clash with the catalogue\n");
        return 1;
    }
    return service_main (&s_def, argc, argv);
}
