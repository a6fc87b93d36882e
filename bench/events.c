//  events — how fast durable events flow: a producer service appends
//  events to its outbox in group-committed batches and relays them; one or
//  more consumer services apply them with durable checkpoints. Prints
//  events/s relayed and applied end to end, and commit-to-applied latency.
//  Every process-like part is a real service_t on loopback, each in its
//  own thread with its own LMDB store.
#include "clock.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "mp.h"
#include "service.h"
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CONSUMERS 3
#define SOURCE "benchsrc"
#define EVENT_TYPE SOURCE ".item.made"

static int64_t s_total = 200000;
static int s_batch = 1000;
static atomic_llong s_produced;

typedef struct {
    atomic_llong applied;
    int64_t *latency_us;          //  one per event, indexed by sequence
} consumer_stats_t;

static consumer_stats_t s_stats[MAX_CONSUMERS];

//  ---- producer -------------------------------------------------------------

typedef struct {
    service_t *svc;
    int count;
} emit_t;

//  Production starts once the consumers are subscribed and caught up.
static atomic_bool s_go;
static int64_t s_rate;            //  events/s to offer; 0 = as fast as possible
static int64_t s_go_at;           //  monotonic us when production started

static int
s_produce_write (MDB_txn *txn, void *arg)
{
    (void) txn;
    emit_t *emit = (emit_t *) arg;
    for (int i = 0; i < emit->count; i++) {
        msgpack_packer *pk = service_event (emit->svc, EVENT_TYPE, "bench");
        msgpack_pack_map (pk, 1);
        mp_pack_kv_int (pk, "n", atomic_load (&s_produced) + i);
    }
    return 0;
}

//  Each turn writes one batch and asks for the next turn at once.
static void
s_produce_tick (service_t *svc)
{
    int64_t left = s_total - atomic_load (&s_produced);
    if (left <= 0 || !atomic_load (&s_go))
        return;
    service_continue (svc);
    //  paced: never ahead of rate × elapsed time
    if (s_rate > 0) {
        int64_t allowed = s_rate * (clock_mono_us () - s_go_at) / 1000000 - atomic_load (&s_produced);
        if (allowed <= 0)
            return;
        if (allowed < left)
            left = allowed;
    }
    emit_t emit = {svc, left < s_batch ? (int) left : s_batch};
    if (service_write (svc, s_produce_write, &emit) == 0)
        atomic_fetch_add (&s_produced, emit.count);
}

static const service_route_t s_no_routes[] = {{NULL, NULL}};
static const char *const s_no_dbs[] = {NULL};

static const service_def_t s_producer_def = {
    .name = SOURCE,
    .dbs = s_no_dbs,
    .schema_version = 1,
    .routes = s_no_routes,
    .on_tick = s_produce_tick,
};

//  ---- consumers ------------------------------------------------------------

static int
s_apply (void *host, MDB_txn *txn, const envelope_t *event)
{
    service_t *svc = (service_t *) host;
    consumer_stats_t *stats = (consumer_stats_t *) service_state (svc);
    uint64_t key = event->seq;
    //  a real effect: one row per event, in the same transaction as the checkpoint
    int rc = store_put (txn, service_dbi (svc, 0), &key, sizeof key, &event->time_ms, sizeof event->time_ms, 0);
    if (rc == 0 && event->seq <= (uint64_t) s_total) {
        stats->latency_us[event->seq - 1] = clock_now_ms () * 1000 - event->time_ms * 1000;
        atomic_fetch_add (&stats->applied, 1);
    }
    return rc;
}

static const char *const s_types[] = {EVENT_TYPE, NULL};
static const consumer_def_t s_consumers[] = {{SOURCE, s_types, s_apply}, {NULL, NULL, NULL}};
static const char *const s_applied_dbs[] = {"applied", NULL};
static const char *s_consumer_names[MAX_CONSUMERS] = {"benchc1", "benchc2", "benchc3"};
static service_def_t s_consumer_defs[MAX_CONSUMERS];

typedef struct {
    service_t *svc;
    config_t *cfg;
    pthread_t thread;
} running_t;

static void *
s_run (void *arg)
{
    service_run (((running_t *) arg)->svc);
    return NULL;
}

//  The bench's services are rows of a topology file of their own.
static topology_t *
s_topology (const char *dir, int port_base, int consumers)
{
    char path[512];
    snprintf (path, sizeof path, "%s/topology", dir);
    FILE *file = fopen (path, "w");
    if (!file)
        return NULL;
    fprintf (file, SOURCE " tcp://127.0.0.1:%d tcp://127.0.0.1:%d - - -\n", port_base, port_base + 1);
    for (int i = 0; i < consumers; i++)
        fprintf (file, "%s tcp://127.0.0.1:%d tcp://127.0.0.1:%d - " SOURCE " -\n", s_consumer_names[i],
                 port_base + 10 + 2 * i, port_base + 11 + 2 * i);
    bool written = fclose (file) == 0;
    topology_t *topo = NULL;
    if (!written || topology_new (&topo) != 0 || topology_load (topo, path) != 0)
        topology_destroy (&topo);
    return topo;
}

static int
s_start (running_t *run, const service_def_t *def, const topology_t *topo, const char *dir, bool nosync)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s", dir, def->name);
    if (config_new (def->name, "bench", &run->cfg) != 0)
        return RM_ENOMEM;
    if (service_config_define (run->cfg, def, topo) != 0)
        return RM_EINVAL;
    char *argv[] = {(char *) def->name, NULL};
    if (config_load (run->cfg, 1, argv) != 0)
        return RM_EINVAL;
    config_set (run->cfg, "data-dir", path);
    config_set (run->cfg, "log-level", "warn");
    config_set (run->cfg, "nosync", nosync ? "true" : "false");
    int rc = service_new (def, topo, run->cfg, &run->svc);
    if (rc != 0)
        return rc;
    return pthread_create (&run->thread, NULL, s_run, run) == 0 ? 0 : RM_EINTERNAL;
}

static void
s_stop (running_t *run)
{
    if (!run->svc)
        return;
    service_stop (run->svc);
    pthread_join (run->thread, NULL);
    service_destroy (&run->svc);
    config_destroy (&run->cfg);
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

static void
s_usage (void)
{
    printf ("Usage: events [--events N] [--batch N] [--rate R] [--consumers 1..3] [--port-base P] [--dir DIR] [--nosync]\n"
            "Appends N events (default 200000) to a producer's outbox in committed batches\n"
            "(default 1000 per transaction; at most R events/s with --rate) and measures how\n"
            "fast consumers apply them with\n"
            "durable checkpoints, and the commit-to-applied latency. Stores go under DIR\n"
            "(default a new directory in /tmp); --nosync turns durable commits off.\n");
}

int
main (int argc, char **argv)
{
    int consumers = 1, port_base = 17900;
    bool nosync = false;
    char dir[256] = "";
    static struct option options[] = {{"events", 1, 0, 'e'}, {"batch", 1, 0, 'b'}, {"consumers", 1, 0, 'c'},
                                      {"port-base", 1, 0, 'p'}, {"dir", 1, 0, 'd'}, {"nosync", 0, 0, 'n'},
                                      {"rate", 1, 0, 'r'},
                                      {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int opt; (opt = getopt_long (argc, argv, "h", options, NULL)) != -1;) {
        if (opt == 'e')
            s_total = atoll (optarg);
        else if (opt == 'b')
            s_batch = atoi (optarg);
        else if (opt == 'c')
            consumers = atoi (optarg);
        else if (opt == 'p')
            port_base = atoi (optarg);
        else if (opt == 'd')
            snprintf (dir, sizeof dir, "%s", optarg);
        else if (opt == 'n')
            nosync = true;
        else if (opt == 'r')
            s_rate = atoll (optarg);
        else {
            s_usage ();
            return opt == 'h' ? 0 : 2;
        }
    }
    if (s_total < 1 || s_batch < 1 || consumers < 1 || consumers > MAX_CONSUMERS) {
        fprintf (stderr, "events: --events and --batch must be positive, --consumers 1 to 3\n");
        return 2;
    }
    if (!*dir) {
        snprintf (dir, sizeof dir, "/tmp/retailmesh-bench-events-XXXXXX");
        if (!mkdtemp (dir)) {
            perror ("events: mkdtemp");
            return 1;
        }
    }
    log_init ("bench", RM_LOG_WARN);
    running_t producer = {0}, running[MAX_CONSUMERS] = {{0}};
    for (int i = 0; i < consumers; i++) {
        s_stats[i].latency_us = (int64_t *) calloc ((size_t) s_total, sizeof (int64_t));
        s_consumer_defs[i] = (service_def_t) {.name = s_consumer_names[i], .dbs = s_applied_dbs, .schema_version = 1,
                                              .routes = s_no_routes, .consumers = s_consumers};
    }
    topology_t *topo = s_topology (dir, port_base, consumers);
    int rc = topo ? s_start (&producer, &s_producer_def, topo, dir, nosync) : RM_EINVAL;
    for (int i = 0; rc == 0 && i < consumers; i++) {
        rc = s_start (&running[i], &s_consumer_defs[i], topo, dir, nosync);
        if (rc == 0)
            service_set_state (running[i].svc, &s_stats[i]);
    }
    if (rc != 0) {
        fprintf (stderr, "events: could not start the services (%s); are ports %d-%d free?\n", rm_strerror (rc),
                 port_base, port_base + 16);
        return 1;
    }
    //  let the subscriptions connect and the first catch-up finish
    usleep (500000);
    int64_t started = clock_mono_us ();
    s_go_at = started;
    atomic_store (&s_go, true);
    int64_t produced_at = 0;
    bool done = false;
    for (int64_t until = clock_mono_ms () + 300000; !done && clock_mono_ms () < until;) {
        usleep (2000);
        if (!produced_at && atomic_load (&s_produced) >= s_total)
            produced_at = clock_mono_us ();
        done = true;
        for (int i = 0; i < consumers; i++)
            done = done && atomic_load (&s_stats[i].applied) >= s_total;
    }
    int64_t finished = clock_mono_us ();
    s_stop (&producer);
    for (int i = 0; i < consumers; i++)
        s_stop (&running[i]);
    topology_destroy (&topo);
    if (!done) {
        fprintf (stderr, "events: consumers did not apply every event within 300 s\n");
        return 1;
    }
    double seconds = (double) (finished - started) / 1e6;
    printf ("events: %lld events, batch %d, offered %s, %d consumer(s), %s commits\n", (long long) s_total, s_batch,
            s_rate ? "paced" : "flat out", consumers, nosync ? "NOSYNC" : "durable");
    printf ("  produced (committed to the outbox): %.0f events/s\n",
            (double) s_total / ((double) ((produced_at ? produced_at : finished) - started) / 1e6));
    for (int i = 0; i < consumers; i++) {
        qsort (s_stats[i].latency_us, (size_t) s_total, sizeof (int64_t), s_cmp);
        printf ("  consumer %d: applied %.0f events/s end to end; commit-to-applied p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                i + 1, (double) s_total / seconds, (double) s_stats[i].latency_us[s_total / 2] / 1000.0,
                (double) s_stats[i].latency_us[(s_total * 99) / 100] / 1000.0,
                (double) s_stats[i].latency_us[s_total - 1] / 1000.0);
        free (s_stats[i].latency_us);
    }
    printf ("RESULT mode=events consumers=%d events=%lld offered=%lld rate=%.0f\n", consumers, (long long) s_total,
            (long long) s_rate, (double) s_total / seconds);
    return 0;
}
