//  itest — what integration tests share on top of the harness: calls with
//  JSON bodies that check the reply's ok flag, field readers, and stock
//  and event look-ups.
#ifndef RM_ITEST_H
#define RM_ITEST_H

#include "harness.h"
#include "mpjson.h"

//  The clients a test keeps to the mesh's three services.
typedef struct {
    rpc_client_t *pricing, *inventory, *orders;
} itest_clients_t;

//  (Re)connects every client, e.g. after a service restarted; attempts of
//  1 s so a restarted peer is reached again quickly.
void itest_clients_connect (itest_clients_t *clients, const harness_mesh_t *mesh);
void itest_clients_close (itest_clients_t *clients);

//  Calls op and CHECKs that the reply's ok flag is expect_ok. Never NULL:
//  an empty object stands in for a missing reply.
json_t *itest_call (rpc_client_t *client, const char *op, bool expect_ok, const char *body);

//  Same with a printf-style body.
json_t *itest_callf (rpc_client_t *client, const char *op, bool expect_ok, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

int64_t itest_int (json_t *obj, const char *key);
const char *itest_str (json_t *obj, const char *key);

//  Units of a SKU reserved across its locations.
int64_t itest_reserved (rpc_client_t *inventory, const char *sku);

//  Counts the events of a type in a service's log (through events.since).
int itest_count_events (rpc_client_t *client, const char *type);

//  Polls until the SKU's reserved units equal expected, at most
//  timeout_ms (effects of events arrive asynchronously).
bool itest_wait_reserved (rpc_client_t *inventory, const char *sku, int64_t expected, int timeout_ms);

#endif
