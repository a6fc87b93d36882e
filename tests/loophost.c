//  loophost — a service and an HTTP server in the test's process (see loophost.h).
#include "loophost.h"
#include "err.h"
#include "harness.h"
#include "mp.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int
loophost_open (loophost_t *self, const service_def_t *def)
{
    *self = (loophost_t) {.dir = harness_tmpdir ("retailmesh-loophost")};
    char rpc[64], pub[64];
    snprintf (rpc, sizeof rpc, "tcp://127.0.0.1:%d", harness_free_port ());
    snprintf (pub, sizeof pub, "tcp://127.0.0.1:%d", harness_free_port ());
    //  the test's service is one more row of the topology
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%.4000s/topology", self->dir);
    FILE *file = fopen (path, "w");
    if (!file)
        return RM_EUNAVAIL;
    fprintf (file, "%s %s %s - - -\n", def->name, rpc, pub);
    if (fclose (file) != 0)
        return RM_EUNAVAIL;
    int rc = topology_new (&self->topo);
    if (rc == 0)
        rc = topology_load (self->topo, path);
    if (rc == 0)
        rc = config_new (def->name, "[options]", &self->cfg);
    if (rc == 0)
        rc = service_config_define (self->cfg, def, self->topo);
    if (rc != 0)
        return rc;
    config_set (self->cfg, "data-dir", self->dir);
    config_set (self->cfg, "nosync", "true");
    config_set (self->cfg, "log-level", "warn");
    //  one service in the test's own process, no peers: nothing to authenticate
    config_set (self->cfg, "curve", "false");
    return service_new (def, self->topo, self->cfg, &self->svc);
}

void
loophost_close (loophost_t *self)
{
    service_destroy (&self->svc);
    config_destroy (&self->cfg);
    topology_destroy (&self->topo);
    if (self->dir)
        harness_rmtree (self->dir);
    free (self->dir);
    self->dir = NULL;
}

struct MHD_Daemon *
loophost_http_server (unsigned flags, MHD_AccessHandlerCallback handler,
                      MHD_RequestCompletedCallback completed, unsigned *port)
{
    struct sockaddr_in loopback = {.sin_family = AF_INET, .sin_port = 0};
    loopback.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct MHD_Daemon *server = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | flags, 0, NULL, NULL, handler,
                                                  NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &loopback,
                                                  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = server ? MHD_get_daemon_info (server, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (server && !info) {
        MHD_stop_daemon (server);
        return NULL;
    }
    if (server)
        *port = info->port;
    return server;
}

size_t
loophost_events_decoded (service_t *svc, uint64_t after, const char *type, const field_spec_t *fields, void *records,
                size_t size, size_t max)
{
    MDB_txn *txn;
    CHECK_EQ_INT (service_read_txn (svc, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    CHECK_EQ_INT (outbox_since (service_outbox (svc), txn, after + 1, 100000, &pk), 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t count = 0;
    if (msgpack_unpack_next (&unpacked, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object_array *events = mp_get_array (&unpacked.data, "events");
        for (uint32_t i = 0; events && i < events->size; i++) {
            if (type && !mp_str_eq (mp_get (&events->ptr[i], "type"), type))
                continue;
            const msgpack_object *body = mp_get (&events->ptr[i], "body");
            if (fields && count < max && body) {
                void *record = (char *) records + count * size;
                memset (record, 0, size);
                CHECK_EQ_INT (record_decode (fields, body, record), 0);
            }
            count++;
        }
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);
    return count;
}

size_t
loophost_events (service_t *svc, uint64_t after, const char *type)
{
    return loophost_events_decoded (svc, after, type, NULL, NULL, 0, 0);
}
