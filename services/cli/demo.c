#include "demo.h"
#include "clock.h"
#include "command.h"
#include "err.h"
#include "log.h"
#include "mesh.h"
#include "mp.h"
#include "paths.h"
#include "probe.h"
#include "rpc_client.h"
#include "uuid.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Enough refused lines to see the pattern without burying the terminal.
#define DEMO_ERRORS_SHOWN 10

typedef struct {
    const char *cid;
    size_t failed;
} s_load_t;

typedef struct {
    s_load_t *load;
    const char *file;
    int line;
    const char *op;
    const char *endpoint;
} s_item_t;

static void
s_report (s_item_t *item, const char *what)
{
    if (++item->load->failed <= DEMO_ERRORS_SHOWN)
        log_error (item->load->cid, "%s:%d: %s at %s: %s", item->file, item->line,
                   item->op, item->endpoint, what);
}

static void
s_done (void *arg, int err, const envelope_t *reply)
{
    s_item_t *item = (s_item_t *) arg;
    if (err != 0) {
        s_report (item, rm_strerror (err));
        return;
    }
    if (reply->ok)
        return;
    char code[32] = "", field[128] = "", message[200] = "", what[400];
    mp_get_str (&reply->body, "code", code, sizeof code);
    mp_get_str (&reply->body, "field", field, sizeof field);
    mp_get_str (&reply->body, "message", message, sizeof message);
    snprintf (what, sizeof what, "refused (%s%s%s): %s", code, *field ? " " : "", field, message);
    s_report (item, what);
}

//  Queues one call; a call that cannot even be queued counts as failed.
static void
s_send (rpc_client_t *client, s_item_t *item, int64_t deadline, msgpack_sbuffer *body)
{
    int rc = rpc_client_send (client, item->op, item->load->cid, NULL, deadline,
                              body->data, body->size, s_done, item);
    if (rc != 0)
        s_report (item, rm_strerror (rc));
    msgpack_sbuffer_clear (body);
}

static int
s_min_timeout (int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

//  Serves both clients until every call is answered or has expired.
static int
s_drain (rpc_client_t **clients, int64_t deadline)
{
    //  calls expire at the deadline; the margin only guards against a clock
    //  that never lets them
    while ((rpc_client_pending (clients[0]) || rpc_client_pending (clients[1]))
           && clock_mono_ms () < deadline + 1000) {
        zmq_pollitem_t items[2] = {
            {zsock_resolve (rpc_client_socket (clients[0])), 0, ZMQ_POLLIN, 0},
            {zsock_resolve (rpc_client_socket (clients[1])), 0, ZMQ_POLLIN, 0},
        };
        int wait = s_min_timeout (rpc_client_next_timeout (clients[0]),
                                  rpc_client_next_timeout (clients[1]));
        if (zmq_poll (items, 2, s_min_timeout (wait, 100)) < 0 && zmq_errno () != EINTR) {
            log_error (NULL, "zmq_poll failed: %s", zmq_strerror (zmq_errno ()));
            return RM_EINTERNAL;
        }
        for (int i = 0; i < 2; i++) {
            rpc_client_handle (clients[i]);
            rpc_client_expire (clients[i]);
        }
    }
    return 0;
}

int
demo_load (const demo_data_t *data, const char *pricing_endpoint,
           const char *inventory_endpoint, int timeout_ms)
{
    char cid[UUID_STR_LEN + 1];
    uuid_new_str (cid);
    s_load_t load = {.cid = cid};
    size_t count = data->nprices + data->nstock;
    s_item_t *items = (s_item_t *) calloc (count ? count : 1, sizeof *items);
    rpc_client_t *clients[2] = {NULL, NULL};
    int rc = items ? 0 : RM_ENOMEM;
    if (rc == 0)
        rc = rpc_client_new (pricing_endpoint, 2000, &clients[0]);
    if (rc == 0)
        rc = rpc_client_new (inventory_endpoint, 2000, &clients[1]);
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    if (rc)
        log_error (cid, "cannot set up the calls to %s and %s: %s", pricing_endpoint, inventory_endpoint,
                   rm_strerror (rc));
    int64_t deadline = clock_mono_ms () + timeout_ms;
    for (size_t i = 0; rc == 0 && i < data->nprices; i++) {
        const demo_price_t *price = &data->prices[i];
        items[i] = (s_item_t) {&load, data->prices_file, price->line, "pricing.set", pricing_endpoint};
        demo_data_pack_price (&pk, price);
        s_send (clients[0], &items[i], deadline, &body);
    }
    for (size_t i = 0; rc == 0 && i < data->nstock; i++) {
        const demo_stock_t *stock = &data->stock[i];
        s_item_t *item = &items[data->nprices + i];
        *item = (s_item_t) {&load, data->stock_file, stock->line, "inventory.set_stock",
                            inventory_endpoint};
        demo_data_pack_stock (&pk, stock);
        s_send (clients[1], item, deadline, &body);
    }
    if (rc == 0)
        rc = s_drain (clients, deadline);
    if (rc == 0 && load.failed > DEMO_ERRORS_SHOWN)
        log_error (cid, "... and %zu more lines were not loaded", load.failed - DEMO_ERRORS_SHOWN);
    if (rc == 0 && load.failed > 0) {
        log_error (cid, "demo catalogue: %zu of %zu lines were not loaded", load.failed, count);
        rc = RM_EUNAVAIL;
    }
    else if (rc == 0)
        log_info (cid, "demo catalogue loaded: %zu prices into %s, %zu stock levels into %s",
                  data->nprices, pricing_endpoint, data->nstock, inventory_endpoint);
    msgpack_sbuffer_destroy (&body);
    //  clients go first: an unanswered call's callback must not outlive items
    rpc_client_destroy (&clients[0]);
    rpc_client_destroy (&clients[1]);
    free (items);
    return rc;
}

int
demo_load_dir (const char *given_dir, const char *pricing_endpoint,
               const char *inventory_endpoint, int timeout_ms)
{
    char dir[PATH_MAX];
    int rc = paths_demo_dir (given_dir, dir, sizeof dir);
    if (rc)
        return rc;
    demo_data_t *data = NULL;
    if (demo_data_new (&data) != 0)
        return RM_ENOMEM;
    char err[512];
    rc = demo_data_load (data, dir, err, sizeof err);
    if (rc)
        log_error (NULL, "demo catalogue not loaded: %s", err);
    else
        rc = demo_load (data, pricing_endpoint, inventory_endpoint, timeout_ms);
    demo_data_destroy (&data);
    return rc;
}

//  Checks that a service answers before hundreds of calls are queued to it.
static bool
s_answers (const mesh_service_t *svc, const char *endpoint)
{
    probe_t probe;
    if (probe_rpc (endpoint, 2000, &probe) == 0)
        return true;
    fprintf (stderr, "retailmesh load-demo: %s does not answer at %s (%s); start the mesh "
             "first (retailmesh up), or pass --%s-endpoint\n", svc->name, endpoint,
             probe.error, svc->name);
    return false;
}

int
demo_main (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[options]\n\n"
        "Loads the demo catalogue (prices.csv and stock.csv) into running pricing and\n"
        "inventory services; prices and stock levels of the same SKUs are overwritten.",
        "10000", &cfg) != 0)
        return 1;
    mesh_define_endpoints (cfg);
    config_define (cfg, "demo-dir", NULL, "Directory with prices.csv and stock.csv "
                   "(default: found next to the binary or in the source tree).");
    int timeout_ms;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    //  the catalogue holds prices and stock: the services that own them
    const mesh_service_t *pricing = mesh_find ("pricing");
    const mesh_service_t *inventory = mesh_find ("inventory");
    if (code == COMMAND_GO_ON && (!pricing || !inventory)) {
        fprintf (stderr, "%s: the topology has no pricing or no inventory service to load into\n",
                 argv[0]);
        code = 2;
    }
    if (code == COMMAND_GO_ON
        && (!s_answers (pricing, mesh_endpoint (cfg, pricing))
            || !s_answers (inventory, mesh_endpoint (cfg, inventory))))
        code = 1;
    if (code == COMMAND_GO_ON) {
        code = demo_load_dir (config_get (cfg, "demo-dir"), mesh_endpoint (cfg, pricing),
                              mesh_endpoint (cfg, inventory), timeout_ms) == 0 ? 0 : 1;
        if (code == 0)
            printf ("demo catalogue loaded into %s and %s\n", mesh_endpoint (cfg, pricing),
                    mesh_endpoint (cfg, inventory));
    }
    config_destroy (&cfg);
    return code;
}
