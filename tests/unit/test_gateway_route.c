//  The gateway's routes against the topology: each call goes to a service
//  the gateway's row calls, and is that service's own operation.
#include "catalog.h"
#include "harness.h"
#include "route.h"
#include "topology.h"

int
main (void)
{
    topology_t *topo = NULL;
    CHECK_EQ_INT (topology_new (&topo), 0);
    const topology_row_t *gateway = topo ? topology_find (topo, "gateway") : NULL;
    CHECK (gateway != NULL);
    int calls = 0;
    for (const route_t *r = route_table; gateway && r->method; r++) {
        if (r->kind != ROUTE_CALL) {
            CHECK (r->service == NULL && r->op == NULL);
            continue;
        }
        calls++;
        CHECK (r->service != NULL);
        if (!r->service)
            continue;
        if (!topology_lists (gateway->calls, r->service))
            fprintf (stderr, "%s %s goes to %s, which the gateway's row does not call\n",
                     r->method, r->path, r->service);
        CHECK (topology_lists (gateway->calls, r->service));
        size_t len = strlen (r->service);
        CHECK (strncmp (r->op, r->service, len) == 0 && r->op[len] == '.');
        const msg_spec_t *spec = catalog_find (r->op);
        CHECK (spec && spec->kind == MSG_OPERATION);
    }
    CHECK (calls > 0);
    CHECK (gateway && route_unserved (gateway->calls) == NULL);
    char *without_pricing[] = {"orders", "inventory", NULL};
    const route_t *unserved = route_unserved (without_pricing);
    CHECK (unserved && strcmp (unserved->service, "pricing") == 0);
    topology_destroy (&topo);
    return harness_report ("test_gateway_route");
}
