#include "dlq.h"
#include "call.h"
#include "clock.h"
#include "command.h"
#include "err.h"
#include "eventfmt.h"
#include "events.h"
#include "jsonmp.h"
#include "mesh.h"
#include "mp.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DLQ_ROW_FORMAT "%-*s %-*s %8s %-26s %8s %-24s %s"

//  SOURCE holds a service's name, or "->" and the name of the one called
#define S_SOURCE_WIDTH (mesh_name_width () + 2)

int
dlq_format_header (char *out, size_t size)
{
    return snprintf (out, size, DLQ_ROW_FORMAT, mesh_name_width (), "SERVICE", S_SOURCE_WIDTH, "SOURCE",
                     "SEQ", "TYPE", "ATTEMPTS", "FAILED_AT", "ERROR");
}

int
dlq_format_entry (const char *service, const msgpack_object *entry, char *out, size_t size)
{
    char source[40] = "?", type[64] = "?", error[257] = "", seq[24] = "?", attempts[24] = "?";
    char failed_at[32] = "-", queue[16] = "";
    int64_t number;
    mp_get_str (entry, "queue", queue, sizeof queue);
    //  an outbound dead letter names the peer it calls: "->inventory"
    bool outbound = strcmp (queue, "outbound") == 0;
    if (outbound)
        snprintf (source, sizeof source, "->");
    mp_get_str (entry, "source", source + (outbound ? 2 : 0), sizeof source - (outbound ? 2 : 0));
    mp_get_str (entry, "type", type, sizeof type);
    mp_get_str (entry, "error", error, sizeof error);
    if (mp_get_int (entry, "seq", &number) == 0)
        snprintf (seq, sizeof seq, "%" PRId64, number);
    if (mp_get_int (entry, "attempts", &number) == 0)
        snprintf (attempts, sizeof attempts, "%" PRId64, number);
    if (mp_get_int (entry, "failed_at", &number) == 0)
        clock_format_rfc3339 (number, failed_at, sizeof failed_at);
    return snprintf (out, size, DLQ_ROW_FORMAT, mesh_name_width (), service, S_SOURCE_WIDTH, source, seq,
                     type, attempts, failed_at, error);
}

//  Declares what every subcommand has: the endpoints, and --source.
static config_t *
s_new_cfg (const char *prog, const char *usage, const char *timeout_def, const char *source_help)
{
    config_t *cfg = NULL;
    if (command_new (prog, usage, timeout_def, &cfg) == 0) {
        mesh_define_endpoints (cfg);
        config_define (cfg, "source", NULL, source_help);
    }
    return cfg;
}

//  Declares --queue, for the dlq subcommands.
static void
s_define_queue (config_t *cfg, const char *def)
{
    config_define (cfg, "queue", def, "events (a consumer's dead letters) or outbound (calls the service's "
                   "outbound queue gave up on; --source is then the service called)");
}

//  Reads --queue: NULL for both (list only), else events or outbound.
//  Returns COMMAND_GO_ON or 2.
static int
s_queue (config_t *cfg, const char *prog, const char **queue)
{
    *queue = config_get (cfg, "queue");
    if (!*queue || strcmp (*queue, "events") == 0 || strcmp (*queue, "outbound") == 0)
        return COMMAND_GO_ON;
    fprintf (stderr, "%s: --queue must be events or outbound (got '%s')\n", prog, *queue);
    return 2;
}

//  Reads --source, which is required. Returns COMMAND_GO_ON or 2.
static int
s_source (config_t *cfg, const char *prog, const char **source)
{
    *source = config_get (cfg, "source");
    if (*source)
        return COMMAND_GO_ON;
    fprintf (stderr, "%s: --source is required (see %s --help)\n", prog, prog);
    return 2;
}

//  Calls op on svc with the body {queue?, source, <key>: value}.
static int
s_call (call_t *call, config_t *cfg, const mesh_service_t *svc, const char *op, const char *queue,
        const char *source, const char *key, int64_t value, int timeout_ms)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, queue ? 3 : 2);
    if (queue)
        mp_pack_kv_str (&pk, "queue", queue);
    mp_pack_kv_str (&pk, "source", source);
    mp_pack_kv_int (&pk, key, value);
    int rc = call_make (call, mesh_endpoint (cfg, svc), op, &body, timeout_ms);
    msgpack_sbuffer_destroy (&body);
    return rc;
}

//  ---- dlq list ----------------------------------------------------------------

static int
s_list (int argc, char **argv)
{
    config_t *cfg = s_new_cfg (argv[0], "[options]\n\n"
        "Lists the dead letters of every service (or of --service): events a consumer\n"
        "set aside after they failed --consumer-max-attempts times, one per line with\n"
        "the service that holds it, the source and seq of the event, its type, the\n"
        "attempts made, when it was given up and the last error. Calls a service's\n"
        "outbound queue gave up on are listed too, their SOURCE the service called\n"
        "(\"->inventory\"); --queue shows only one kind. Exits 1 when a service does\n"
        "not answer.", "2000", "Only the dead letters of this source's events (outbound: calls to it).");
    if (!cfg)
        return 1;
    config_define (cfg, "service", NULL, "Only this service's dead letters (default: every service).");
    s_define_queue (cfg, NULL);
    int timeout_ms;
    const mesh_service_t *only = NULL;
    const char *queue = NULL;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    if (code == COMMAND_GO_ON)
        code = command_service (cfg, argv[0], "service", false, &only);
    if (code == COMMAND_GO_ON)
        code = s_queue (cfg, argv[0], &queue);
    if (code == COMMAND_GO_ON) {
        const char *source = config_get (cfg, "source");
        msgpack_sbuffer body;
        msgpack_sbuffer_init (&body);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, (source ? 1 : 0) + (queue ? 1 : 0));
        if (source)
            mp_pack_kv_str (&pk, "source", source);
        if (queue)
            mp_pack_kv_str (&pk, "queue", queue);
        size_t shown = 0;
        char asked[128] = "";
        code = 0;
        for (size_t i = 0; i < mesh_count (); i++) {
            const mesh_service_t *svc = mesh_service (i);
            if (only && only != svc)
                continue;
            snprintf (asked + strlen (asked), sizeof asked - strlen (asked), "%s%s",
                      *asked ? ", " : "", svc->name);
            call_t call;
            const char *endpoint = mesh_endpoint (cfg, svc);
            bool answered = call_make (&call, endpoint, "dlq.list", &body, timeout_ms) == 0;
            if (!answered) {
                char what[64];
                snprintf (what, sizeof what, "listing the dead letters of %s", svc->name);
                call_complain (&call, argv[0], what, endpoint);
                code = 1;
            }
            const msgpack_object_array *entries =
                answered ? mp_get_array (&call.reply.body, "entries") : NULL;
            for (uint32_t j = 0; entries && j < entries->size; j++) {
                char line[1024];
                if (shown++ == 0) {
                    dlq_format_header (line, sizeof line);
                    printf ("%s\n", line);
                }
                dlq_format_entry (svc->name, &entries->ptr[j], line, sizeof line);
                printf ("%s\n", line);
            }
            call_release (&call);
        }
        if (shown == 0 && code == 0)
            printf ("no dead letters%s%s%s in %s\n", source ? " of " : "", source ? source : "",
                    source ? " events" : "", asked);
        msgpack_sbuffer_destroy (&body);
    }
    config_destroy (&cfg);
    return code;
}

//  ---- dlq show, retry, drop ---------------------------------------------------

//  The service that holds the source's dead letters: --service, or else
//  the one service that consumes the source. Returns COMMAND_GO_ON, or the
//  exit code after saying why there is none.
static int
s_resolve (config_t *cfg, const char *prog, const char *source, int timeout_ms,
           const mesh_service_t **svc)
{
    int code = command_service (cfg, prog, "service", false, svc);
    if (code != COMMAND_GO_ON || *svc)
        return code;
    lagtable_t *table = events_lagtable (cfg, timeout_ms);
    if (!table) {
        fprintf (stderr, "%s: out of memory\n", prog);
        return 1;
    }
    const char *consumer = NULL;
    size_t found = lagtable_consumers_of (table, source, &consumer);
    //  a source down does not matter: no service consumes its own events
    const lagtable_down_t *down = NULL;
    for (size_t i = 0; !down && i < table->ndown; i++)
        if (strcmp (table->down[i].service, source) != 0)
            down = &table->down[i];
    if (found == 1 && !down)
        *svc = mesh_find (consumer);
    else if (found > 1) {
        fprintf (stderr, "%s: %zu services consume %s events: pass --service\n", prog, found, source);
        code = 2;
    }
    else if (down) {
        fprintf (stderr, "%s: cannot tell which service consumes %s events: %s does not answer "
                 "(%s); pass --service\n", prog, source, down->service, down->error);
        code = 1;
    }
    else {
        fprintf (stderr, "%s: no service consumes %s events (see retailmesh events lag)\n",
                 prog, source);
        code = 1;
    }
    lagtable_destroy (&table);
    return *svc ? COMMAND_GO_ON : code;
}

typedef enum { S_SHOW, S_RETRY, S_DROP } s_entry_op_t;

static const struct {
    const char *op;
    const char *timeout_def;
    const char *usage;
} s_entry_ops[] = {
    [S_SHOW] = {"dlq.show", "2000", "--source S --seq N [options]\n\n"
        "Prints one dead letter: the entry, the event as a line like those of\n"
        "retailmesh events tail, and the event's body as JSON. With --queue outbound\n"
        "(and --service), the call instead: what it asks of --source, with its body."},
    [S_RETRY] = {"dlq.retry", "5000", "--source S --seq N [options]\n\n"
        "Asks the service to apply the dead-lettered event again, once the cause of\n"
        "its failures is fixed. Exits 0 when it applied (the dead letter is then\n"
        "removed), 1 with the service's error when not (the dead letter stays).\n"
        "With --queue outbound (and --service), the service makes the call once more."},
    [S_DROP] = {"dlq.drop", "2000", "--source S --seq N [options]\n\n"
        "Removes a dead letter without applying its event: for an event that must\n"
        "not take effect. Exits 0 when it was removed. With --queue outbound (and\n"
        "--service), removes a call without making it."},
};

static void
s_show (const char *service, const msgpack_object *reply)
{
    char source[32] = "?", type[64] = "?", error[257] = "", failed_at[32] = "-";
    int64_t seq = 0, attempts = 0, failed_ms;
    mp_get_str (reply, "source", source, sizeof source);
    mp_get_str (reply, "type", type, sizeof type);
    mp_get_str (reply, "error", error, sizeof error);
    mp_get_int (reply, "seq", &seq);
    mp_get_int (reply, "attempts", &attempts);
    if (mp_get_int (reply, "failed_at", &failed_ms) == 0)
        clock_format_rfc3339 (failed_ms, failed_at, sizeof failed_at);
    printf ("service:    %s\nsource:     %s\nseq:        %" PRId64 "\ntype:       %s\n"
            "attempts:   %" PRId64 "\nfailed_at:  %s\nerror:      %s\n",
            service, source, seq, type, attempts, failed_at, error);
    const msgpack_object *event = mp_get (reply, "event");
    char *line = NULL, peer[32] = "?", op[64] = "?", cid[160] = "-";
    if (mp_str_eq (mp_get (reply, "queue"), "outbound") && event) {
        mp_get_str (event, "peer", peer, sizeof peer);
        mp_get_str (event, "op", op, sizeof op);
        mp_get_str (event, "cid", cid, sizeof cid);
        printf ("call:       %s to %s, cid %s\n", op, peer, cid);
    }
    else if (event && eventfmt_line (event, &line) == 0)
        printf ("event:      %s\n", line);
    free (line);
    const msgpack_object *body = event ? mp_get (event, "body") : NULL;
    char *json = body ? jsonmp_show_text (body, JSON_INDENT (2)) : NULL;
    printf ("body:\n%s\n", json ? json : "(none)");
    free (json);
}

static int
s_entry (int argc, char **argv, s_entry_op_t which)
{
    config_t *cfg = s_new_cfg (argv[0], s_entry_ops[which].usage, s_entry_ops[which].timeout_def,
                               "The source of the event (the service that emitted it).");
    if (!cfg)
        return 1;
    config_define (cfg, "service", NULL, "The service that holds the dead letter (default: the "
                   "one service that consumes --source, when only one does).");
    config_define (cfg, "seq", NULL, "The event's seq at its source (outbound: the call's number).");
    s_define_queue (cfg, "events");
    int timeout_ms;
    int64_t seq = 0;
    const mesh_service_t *svc = NULL;
    const char *source = NULL, *queue = NULL;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    if (code == COMMAND_GO_ON)
        code = s_source (cfg, argv[0], &source);
    if (code == COMMAND_GO_ON)
        code = command_int (cfg, argv[0], "seq", true, 1, &seq);
    if (code == COMMAND_GO_ON)
        code = s_queue (cfg, argv[0], &queue);
    bool outbound = queue && strcmp (queue, "outbound") == 0;
    //  an outbound dead letter is held by the caller, which no lag table names
    if (code == COMMAND_GO_ON && outbound)
        code = command_service (cfg, argv[0], "service", true, &svc);
    else if (code == COMMAND_GO_ON)
        code = s_resolve (cfg, argv[0], source, timeout_ms, &svc);
    if (code == COMMAND_GO_ON) {
        call_t call;
        int rc = s_call (&call, cfg, svc, s_entry_ops[which].op, outbound ? queue : NULL, source, "seq", seq,
                         timeout_ms);
        bool done = false;
        if (rc == 0 && which == S_SHOW)
            s_show (svc->name, &call.reply.body);
        else if (rc == 0)
            mp_get_bool (&call.reply.body, which == S_RETRY ? "applied" : "dropped", &done);
        char subject[96];
        if (outbound)
            snprintf (subject, sizeof subject, "call #%" PRId64 " to %s", seq, source);
        else
            snprintf (subject, sizeof subject, "%s event #%" PRId64, source, seq);
        if (rc == 0 && which == S_RETRY)
            printf (done ? "%s %s %s; its dead letter is removed\n" : "%s did not %s %s; its dead letter stays\n",
                    svc->name, done ? (outbound ? "made" : "applied") : (outbound ? "make" : "apply"), subject);
        else if (rc == 0 && which == S_DROP && done)
            printf ("%s dropped the dead letter of %s without %s it\n", svc->name, subject,
                    outbound ? "making" : "applying");
        else if (rc == 0 && which == S_DROP)
            printf ("%s did not drop the dead letter of %s\n", svc->name, subject);
        else if (rc != 0) {
            char what[160];
            snprintf (what, sizeof what, "%s of %s at %s", s_entry_ops[which].op, subject, svc->name);
            call_complain (&call, argv[0], what, mesh_endpoint (cfg, svc));
            if (which == S_RETRY && *call.code && rc != RM_ENOTFOUND)
                fprintf (stderr, "%s: the dead letter stays; fix the cause and retry, or drop it "
                         "(retailmesh dlq drop)\n", argv[0]);
        }
        code = rc == 0 && (done || which == S_SHOW) ? 0 : 1;
        call_release (&call);
    }
    config_destroy (&cfg);
    return code;
}

static int
s_show_main (int argc, char **argv)
{
    return s_entry (argc, argv, S_SHOW);
}

static int
s_retry_main (int argc, char **argv)
{
    return s_entry (argc, argv, S_RETRY);
}

static int
s_drop_main (int argc, char **argv)
{
    return s_entry (argc, argv, S_DROP);
}

static const command_sub_t s_subs[] = {
    {"list", s_list, "list the dead letters of every service, or of one"},
    {"show", s_show_main, "print one dead letter with its event"},
    {"retry", s_retry_main, "apply a dead letter's event again; exit 0 when it applied"},
    {"drop", s_drop_main, "remove a dead letter without applying its event"},
    {NULL, NULL, NULL},
};

int
dlq_main (int argc, char **argv)
{
    return command_run_sub (argc, argv, s_subs,
        "Dead letters: events a service's consumer set aside after they kept failing\n"
        "(the consumer moved on past them). For show, retry and drop, --service may be\n"
        "left out when only one service consumes --source (retailmesh events lag shows which do).");
}

//  ---- replay --------------------------------------------------------------------

int
replay_main (int argc, char **argv)
{
    config_t *cfg = s_new_cfg (argv[0], "--consumer C --source S --from SEQ [options]\n\n"
        "Moves the consumer C of S's events to position SEQ - 1 and clears a stall: it\n"
        "then applies S's events from SEQ on. Backwards, events are applied again\n"
        "(applying is idempotent); forwards, events are skipped, which is how a consumer\n"
        "stalled behind the source's retention resumes once the lost changes are dealt\n"
        "with. Prints the consumer's new position.", "2000",
        "The source whose events the consumer applies.");
    if (!cfg)
        return 1;
    config_define (cfg, "consumer", NULL, "The service whose consumer moves (e.g. inventory).");
    config_define (cfg, "from", NULL, "The first seq to apply.");
    int timeout_ms;
    int64_t from = 0;
    const mesh_service_t *svc = NULL;
    const char *source = NULL;
    int code = command_load (cfg, argc, argv, true, 0, 0, &timeout_ms);
    if (code == COMMAND_GO_ON)
        code = command_service (cfg, argv[0], "consumer", true, &svc);
    if (code == COMMAND_GO_ON)
        code = s_source (cfg, argv[0], &source);
    if (code == COMMAND_GO_ON)
        code = command_int (cfg, argv[0], "from", true, 1, &from);
    if (code == COMMAND_GO_ON) {
        call_t call;
        int64_t position = -1;
        if (s_call (&call, cfg, svc, "consumer.replay", NULL, source, "from", from, timeout_ms) == 0
            && mp_get_int (&call.reply.body, "position", &position) == 0) {
            printf ("%s's consumer of %s events is at position %" PRId64 ": it applies them "
                    "from #%" PRId64 " on\n", svc->name, source, position, position + 1);
            code = 0;
        }
        else {
            char what[96];
            snprintf (what, sizeof what, "moving %s's consumer of %s events", svc->name, source);
            if (!*call.error) {
                snprintf (call.code, sizeof call.code, "%s", rm_errname (RM_EPROTO));
                snprintf (call.error, sizeof call.error, "the reply has no position");
            }
            call_complain (&call, argv[0], what, mesh_endpoint (cfg, svc));
            code = 1;
        }
        call_release (&call);
    }
    config_destroy (&cfg);
    return code;
}
