#include "events.h"
#include "keys.h"
#include "call.h"
#include "clock.h"
#include "command.h"
#include "err.h"
#include "eventfmt.h"
#include "mesh.h"
#include "mp.h"
#include <czmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_PAGE 1000              //  events asked per events.since call
#define EVENTS_RECENT 20              //  shown of each source without --from
#define EVENTS_POLL_MS 1000           //  --follow reads the logs this often, live events or not
#define EVENTS_TICK_MS 200            //  how soon Ctrl-C is noticed
#define EVENTS_TURN_PAGES 100         //  pages read from one source before the others get a turn
#define EVENTS_TURN_LIVE 1000         //  live events taken from one source per turn

//  ---- the lag table -------------------------------------------------------

lagtable_t *
events_lagtable (config_t *cfg, int timeout_ms)
{
    size_t n = mesh_count ();
    call_t *calls = (call_t *) calloc (n, sizeof *calls);
    lagtable_health_t *healths = (lagtable_health_t *) calloc (n, sizeof *healths);
    char (*errors)[400] = calloc (n, sizeof *errors);
    lagtable_t *table = NULL;
    if (calls && healths && errors) {
        call_health_all (calls, cfg, timeout_ms);
        for (size_t i = 0; i < n; i++) {
            bool up = !*calls[i].error;
            snprintf (errors[i], sizeof errors[i], "%s at %s", calls[i].error,
                      mesh_endpoint (cfg, mesh_service (i)));
            healths[i] = (lagtable_health_t) {mesh_service (i)->name, up ? &calls[i].reply.body : NULL,
                                              errors[i]};
        }
        //  out of memory the table stays NULL, which the callers report
        (void) lagtable_new (healths, n, &table);
        for (size_t i = 0; i < n; i++)
            call_release (&calls[i]);
    }
    free (calls);
    free (healths);
    free (errors);
    return table;
}

static int
s_lag (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[options]\n\n"
        "Asks every service for sys.health and prints one line per consumer and the\n"
        "source whose events it applies: POSITION (the last event applied), SOURCE_LAST\n"
        "(the source's newest event, by the source's own account), LAG (the difference),\n"
        "GAPS (gaps seen in the live stream), REPLAYS (events.since calls made to catch\n"
        "up), DEAD_LETTERS (events set aside after failing; see retailmesh dlq) and\n"
        "STALLED (with the reason: the consumer needs an operator; see retailmesh\n"
        "replay). Exits 1 when a consumer is stalled or a service does not answer.",
        "2000", &cfg) != 0)
        return 1;
    mesh_define_endpoints (cfg);
    int timeout_ms;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    if (code == COMMAND_GO_ON) {
        lagtable_t *table = events_lagtable (cfg, timeout_ms);
        if (table) {
            lagtable_print (table, stdout);
            code = lagtable_healthy (table) ? 0 : 1;
        }
        else {
            fprintf (stderr, "%s: out of memory\n", argv[0]);
            code = 1;
        }
        lagtable_destroy (&table);
    }
    config_destroy (&cfg);
    return code;
}

//  ---- tail ------------------------------------------------------------------

typedef struct {
    const mesh_service_t *svc;
    const char *endpoint;
    rpc_client_t *client;
    int64_t next;                     //  seq of the next event to print
    int64_t end;                      //  the catch-up stops after it; -1 until known
    int64_t page_from;                //  the seq the page was asked from
    call_t page;                      //  the events.since reply being printed
    const msgpack_object_array *events;
    uint32_t index;
    bool done;                        //  the catch-up has nothing more of this source
    bool silent;                      //  its last call got no answer (said once)
    zsock_t *sub;                     //  with --follow
} s_source_t;

typedef struct {
    const char *prog;
    int timeout_ms;
    int64_t limit;                    //  events to print at most; 0 for no limit
    int64_t printed;
    bool failed;                      //  something went wrong and was said
    s_source_t *sources;              //  one per service asked
    zmq_pollitem_t *items;            //  one per source, for --follow
    int nsources;
} s_tail_t;

static volatile sig_atomic_t s_interrupted;

static void
s_on_signal (int signal_value)
{
    (void) signal_value;
    s_interrupted = 1;
}

static bool
s_limit_reached (s_tail_t *self)
{
    return self->limit > 0 && self->printed >= self->limit;
}

//  Prints event unless it was printed already, and moves past it.
static void
s_print (s_tail_t *self, s_source_t *src, const msgpack_object *event)
{
    int64_t seq;
    char *line = NULL;
    if (s_limit_reached (self) || mp_get_int (event, "seq", &seq) != 0 || seq < src->next)
        return;
    int rc = eventfmt_line (event, &line);
    if (rc == 0)
        printf ("%s\n", line);
    else
        fprintf (stderr, "%s: %s event #%lld cannot be shown: %s\n", self->prog, src->svc->name,
                 (long long) seq, rm_strerror (rc));
    free (line);
    src->next = seq + 1;
    self->printed++;
}

//  Reads the next page of src's log from src->next into src->page, up to
//  src->end when it is known. Returns 0, or a negative code after saying
//  why (a service that does not answer is said once until it answers).
static int
s_fetch (s_tail_t *self, s_source_t *src)
{
    int64_t max = EVENTS_PAGE;
    if (src->end >= 0 && src->end - src->next + 1 < max)
        max = src->end - src->next + 1;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_int (&pk, "from", src->next);
    mp_pack_kv_int (&pk, "max", max);
    call_release (&src->page);
    src->events = NULL;
    src->index = 0;
    src->page_from = src->next;
    int rc = call_on (&src->page, src->client, "events.since", &body, self->timeout_ms);
    msgpack_sbuffer_destroy (&body);
    char what[96];
    snprintf (what, sizeof what, "reading the events of %s from #%lld", src->svc->name,
              (long long) src->next);
    if (rc == 0) {
        if (src->silent)
            fprintf (stderr, "%s: %s answers again\n", self->prog, src->svc->name);
        src->silent = false;
        src->events = mp_get_array (&src->page.reply.body, "events");
        int64_t last_seq;
        if (src->end < 0 && mp_get_int (&src->page.reply.body, "last_seq", &last_seq) == 0)
            src->end = last_seq;
        if (src->events)
            return 0;
        snprintf (src->page.code, sizeof src->page.code, "%s", rm_errname (RM_EPROTO));
        snprintf (src->page.error, sizeof src->page.error, "the reply has no events array");
        rc = RM_EPROTO;
    }
    if (!src->silent || *src->page.code)
        call_complain (&src->page, self->prog, what, src->endpoint);
    src->silent = !*src->page.code;
    return rc;
}

//  The event of src to print next in the catch-up, reading the next page
//  when the last is used up; NULL when src has no more.
static const msgpack_object *
s_head (s_tail_t *self, s_source_t *src)
{
    if (src->done)
        return NULL;
    if (src->events && src->index < src->events->size)
        return &src->events->ptr[src->index];
    if ((src->end >= 0 && src->next > src->end) || (src->events && src->events->size == 0)) {
        src->done = true;
        return NULL;
    }
    //  a page that did not move us on would be asked for again and again
    if (src->events && src->next == src->page_from) {
        fprintf (stderr, "%s: %s's events from #%lld have no readable seq\n", self->prog,
                 src->svc->name, (long long) src->next);
        self->failed = true;
        src->done = true;
        return NULL;
    }
    if (s_fetch (self, src) != 0) {
        self->failed = true;
        src->done = true;
        return NULL;
    }
    return s_head (self, src);
}

//  Prints what each log holds up to its end as the catch-up began,
//  interleaving the sources by event time.
static void
s_catch_up (s_tail_t *self)
{
    while (!s_limit_reached (self) && !s_interrupted) {
        s_source_t *first = NULL;
        int64_t first_time = 0;
        for (int i = 0; i < self->nsources; i++) {
            s_source_t *src = &self->sources[i];
            const msgpack_object *event = s_head (self, src);
            int64_t time_ms = 0;
            if (event)
                mp_get_int (event, "time", &time_ms);
            if (event && (!first || time_ms < first_time)) {
                first = src;
                first_time = time_ms;
            }
        }
        if (!first)
            break;
        s_print (self, first, &first->events->ptr[first->index++]);
    }
}

//  Where the catch-up of src starts: --from, or the last EVENTS_RECENT
//  events of its log. Returns 0 or a negative code after saying why.
static int
s_start (s_tail_t *self, s_source_t *src, int64_t from)
{
    if (from > 0) {
        src->next = from;
        src->end = -1;
        return 0;
    }
    call_t health;
    int rc = call_make (&health, src->endpoint, "sys.health", NULL, self->timeout_ms);
    const msgpack_object *log = rc == 0 ? mp_get (&health.reply.body, "events") : NULL;
    int64_t first_seq = 0, last_seq = 0;
    if (rc == 0 && (mp_get_int (log, "first_seq", &first_seq) != 0
                    || mp_get_int (log, "last_seq", &last_seq) != 0)) {
        fprintf (stderr, "%s: %s's sys.health does not say where its event log stands "
                 "(an older version?); pass --from\n", self->prog, src->svc->name);
        rc = RM_EPROTO;
    }
    else if (rc != 0) {
        char what[64];
        snprintf (what, sizeof what, "asking %s for sys.health", src->svc->name);
        call_complain (&health, self->prog, what, src->endpoint);
    }
    src->end = last_seq;
    src->next = last_seq - EVENTS_RECENT + 1;
    if (src->next < first_seq)
        src->next = first_seq;
    if (src->next < 1)
        src->next = 1;
    call_release (&health);
    return rc;
}

//  Reads src's log from src->next on, a bounded number of pages, and
//  prints what is new. Returns 0, or a negative code when the log cannot be
//  read any more (a source that does not answer is tried again later).
static int
s_follow_fetch (s_tail_t *self, s_source_t *src)
{
    src->end = -1;
    for (int page = 0; page < EVENTS_TURN_PAGES && !s_limit_reached (self); page++) {
        int rc = s_fetch (self, src);
        if (rc != 0)
            return *src->page.code ? rc : 0;
        for (uint32_t i = 0; i < src->events->size; i++)
            s_print (self, src, &src->events->ptr[i]);
        if (src->events->size < EVENTS_PAGE)
            break;
    }
    call_release (&src->page);
    src->events = NULL;
    return 0;
}

static bool
s_is_heartbeat (const char *type)
{
    const char *dot = strrchr (type, '.');
    return dot && strcmp (dot, "._heartbeat") == 0;
}

//  Takes the live events waiting on src's subscription: the next one is
//  printed; one beyond it, or a heartbeat that says the log is ahead of
//  what was printed, sends us to the log. Returns 0 or a negative code
//  when the log cannot be read any more.
static int
s_take_live (s_tail_t *self, s_source_t *src)
{
    int rc = 0;
    for (int n = 0; rc == 0 && n < EVENTS_TURN_LIVE && (zsock_events (src->sub) & ZMQ_POLLIN); n++) {
        zmsg_t *msg = zmsg_recv (src->sub);
        if (!msg)
            break;
        zmsg_first (msg);
        zframe_t *frame = zmsg_next (msg);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        bool behind = false;
        int64_t seq;
        char type[ENVELOPE_TYPE_MAX];
        if (frame
            && msgpack_unpack_next (&unpacked, (const char *) zframe_data (frame), zframe_size (frame),
                                    NULL) == MSGPACK_UNPACK_SUCCESS
            && mp_get_int (&unpacked.data, "seq", &seq) == 0
            && mp_get_str (&unpacked.data, "type", type, sizeof type) == 0) {
            if (s_is_heartbeat (type))
                behind = seq >= src->next;
            else if (seq == src->next)
                s_print (self, src, &unpacked.data);
            else
                behind = seq > src->next;
        }
        msgpack_unpacked_destroy (&unpacked);
        zmsg_destroy (&msg);
        if (behind)
            rc = s_follow_fetch (self, src);
    }
    return rc;
}

//  Prints new events until Ctrl-C (or the limit). Returns 0 or a negative
//  code after saying why it stopped.
static int
s_follow (s_tail_t *self)
{
    int64_t next_poll = 0;
    while (!s_interrupted && !s_limit_reached (self)) {
        int64_t now = clock_mono_ms ();
        if (now >= next_poll) {
            for (int i = 0; i < self->nsources; i++) {
                int rc = s_follow_fetch (self, &self->sources[i]);
                if (rc != 0)
                    return rc;
            }
            next_poll = clock_mono_ms () + EVENTS_POLL_MS;
        }
        fflush (stdout);
        zmq_pollitem_t *items = self->items;
        for (int i = 0; i < self->nsources; i++)
            items[i] = (zmq_pollitem_t) {zsock_resolve (self->sources[i].sub), 0, ZMQ_POLLIN, 0};
        int64_t wait = next_poll - clock_mono_ms ();
        wait = wait < 0 ? 0 : wait > EVENTS_TICK_MS ? EVENTS_TICK_MS : wait;
        if (zmq_poll (items, self->nsources, (long) wait) < 0 && zmq_errno () != EINTR) {
            fprintf (stderr, "%s: zmq_poll failed: %s\n", self->prog, zmq_strerror (zmq_errno ()));
            return RM_EINTERNAL;
        }
        for (int i = 0; i < self->nsources; i++)
            if (items[i].revents & ZMQ_POLLIN) {
                int rc = s_take_live (self, &self->sources[i]);
                if (rc != 0)
                    return rc;
            }
    }
    return 0;
}

//  Connects to each source: its request endpoint and, with follow, its
//  event endpoint. Returns 0 or a negative code after saying why.
static int
s_connect (s_tail_t *self, config_t *cfg, bool follow)
{
    for (int i = 0; i < self->nsources; i++) {
        s_source_t *src = &self->sources[i];
        src->endpoint = mesh_endpoint (cfg, src->svc);
        msgpack_unpacked_init (&src->page.unpacked);
        int rc = rpc_client_new (src->endpoint, self->timeout_ms, &src->client);
        if (rc != 0) {
            fprintf (stderr, "%s: cannot connect to %s at '%s' (%s)\n", self->prog, src->svc->name, src->endpoint,
                     rc == RM_EINVAL ? "not a ZeroMQ endpoint?" : rm_strerror (rc));
            return rc;
        }
        if (!follow)
            continue;
        //  the subscription is made before the catch-up, so what is
        //  published meanwhile waits in it
        char prefix[40];
        snprintf (prefix, sizeof prefix, "%s.", src->svc->name);
        const char *pub = mesh_pub_endpoint (cfg, src->svc);
        src->sub = zsock_new (ZMQ_SUB);
        if (src->sub && keys_client (src->sub, pub) != 0) {
            fprintf (stderr, "%s: no public key for %s's events at '%s' (--keys-dir)\n", self->prog,
                     src->svc->name, pub);
            return RM_ENOTFOUND;
        }
        if (src->sub)
            zsock_set_subscribe (src->sub, prefix);
        if (!src->sub || zsock_connect (src->sub, "%s", pub) != 0) {
            fprintf (stderr, "%s: cannot subscribe to %s's events at '%s' (not a ZeroMQ "
                     "endpoint?)\n", self->prog, src->svc->name, pub);
            return RM_EINVAL;
        }
    }
    return 0;
}

static int
s_tail_run (s_tail_t *self, config_t *cfg, int64_t from, bool follow)
{
    //  Ctrl-C and SIGTERM stop the printing normally, with exit status 0;
    //  CZMQ's own handler, installed with its first socket, would only
    //  note them
    zsys_init ();
    zsys_handler_set (s_on_signal);
    int rc = s_connect (self, cfg, follow);
    for (int i = 0; rc == 0 && i < self->nsources; i++)
        rc = s_start (self, &self->sources[i], from);
    if (rc == 0)
        s_catch_up (self);
    if (rc == 0 && follow && !self->failed)
        rc = s_follow (self);
    for (int i = 0; i < self->nsources; i++) {
        call_release (&self->sources[i].page);
        rpc_client_destroy (&self->sources[i].client);
        zsock_destroy (&self->sources[i].sub);
    }
    fflush (stdout);
    return rc != 0 || self->failed ? 1 : 0;
}

static int
s_tail (int argc, char **argv)
{
    config_t *cfg = NULL;
    if (command_new (argv[0], "[options]\n\n"
        "Prints events from the services' event logs (events.since), one per line:\n"
        "  SEQ TIME SOURCE TYPE CORRELATION_ID BODY\n"
        "TIME is RFC 3339 UTC and BODY the event's body as compact JSON. Without\n"
        "--source, the events of every service are interleaved by time\n"
        "(each source's own in seq order). Without --from, the last 20 events of each\n"
        "source are shown. With --follow, new events are printed as they come (live\n"
        "from each source's event endpoint, and read from its log every second so that\n"
        "none is missed) until Ctrl-C, which ends it with exit status 0. Exits 1 when\n"
        "a source does not answer (with --follow, one that stops answering later is\n"
        "asked again every second) or no longer keeps the events asked for.", "2000", &cfg) != 0)
        return 1;
    mesh_define_endpoints (cfg);
    mesh_define_pub_endpoints (cfg);
    config_define (cfg, "source", NULL, "Only this service's events (a service of `retailmesh topology`).");
    config_define (cfg, "from", NULL, "First seq to print, of each source (default: the last 20).");
    config_define (cfg, "follow", "false", "Keep printing new events until Ctrl-C.");
    config_define (cfg, "limit", NULL, "Stop after printing this many events in all.");
    s_tail_t self = {.prog = argv[0]};
    const mesh_service_t *only = NULL;
    int64_t from = 0;
    int code = command_load (cfg, argc, argv, true, 0, 0, &self.timeout_ms);
    if (code == COMMAND_GO_ON)
        code = command_service (cfg, argv[0], "source", false, &only);
    if (code == COMMAND_GO_ON)
        code = command_int (cfg, argv[0], "from", false, 1, &from);
    if (code == COMMAND_GO_ON)
        code = command_int (cfg, argv[0], "limit", false, 1, &self.limit);
    if (code == COMMAND_GO_ON) {
        self.sources = (s_source_t *) calloc (mesh_count (), sizeof *self.sources);
        self.items = (zmq_pollitem_t *) calloc (mesh_count (), sizeof *self.items);
        code = self.sources && self.items ? COMMAND_GO_ON : 1;
    }
    if (code == COMMAND_GO_ON) {
        for (size_t i = 0; i < mesh_count (); i++)
            if (!only || only == mesh_service (i))
                self.sources[self.nsources++].svc = mesh_service (i);
        code = s_tail_run (&self, cfg, from, strcmp (config_get (cfg, "follow"), "true") == 0);
    }
    free (self.sources);
    free (self.items);
    config_destroy (&cfg);
    return code;
}

static const command_sub_t s_subs[] = {
    {"tail", s_tail, "print events from the services' logs; --follow for new ones as they come"},
    {"lag", s_lag, "show where every consumer stands against its source; exit 1 when one is stalled"},
    {NULL, NULL, NULL},
};

int
events_main (int argc, char **argv)
{
    return command_run_sub (argc, argv, s_subs,
        "The services' durable events: what their logs hold, and how far behind the\n"
        "services that apply them (consumers) are.");
}
