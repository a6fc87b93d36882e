//  probe — asks whether a service is up: sys.health over ZeroMQ for the
//  services, GET /healthz over HTTP for the gateway. One attempt, bounded by
//  a timeout; what the service said about itself is kept for display.
#ifndef RM_CLI_PROBE_H
#define RM_CLI_PROBE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool up;
    char service[32];      //  "" when the service did not say
    char version[32];
    int64_t uptime_s;      //  -1 when unknown
    int64_t store_bytes;   //  -1 when unknown
    int64_t map_size;      //  the store's map size now, -1 when unknown
    int64_t map_size_max;  //  most it may grow to, -1 when unknown
    bool ready;            //  up and able to write (true when the service does not say)
    char reason[192];      //  why it is not ready
    int64_t pid;           //  -1 when unknown
    int64_t refused;       //  handshakes refused on its sockets (security), -1 when unknown
    int64_t disconnects;   //  connections ended after their handshake, -1 when unknown
    char error[256];       //  why it is not up
} probe_t;

//  One sys.health call to a ZeroMQ endpoint ("tcp://127.0.0.1:7101").
//  Returns 0 when it answered ok, else a negative code with out->error set.
int probe_rpc (const char *endpoint, int timeout_ms, probe_t *out);

//  One GET of url; up means HTTP 200. A JSON object reply fills in the
//  fields above that it has.
int probe_http (const char *url, int timeout_ms, probe_t *out);

//  probe_http for http:// and https:// endpoints, probe_rpc otherwise.
int probe_any (const char *endpoint, int timeout_ms, probe_t *out);

#endif
