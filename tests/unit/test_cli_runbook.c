//  The plain logic behind `retailmesh events`, `dlq` and `replay`: an event
//  as one line, MessagePack as JSON, the lag table from health replies, a
//  dead letter as a table row, the options they share, subcommand dispatch,
//  and the event endpoints that endpoints.conf records for them.
#include "command.h"
#include "dlq.h"
#include "err.h"
#include "eventfmt.h"
#include "harness.h"
#include "jsonmp.h"
#include "lagtable.h"
#include "log.h"
#include "mesh.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Decoded values, with the bytes their strings point into, stay alive
//  until the end of the test run.
enum { S_VALUES_MAX = 32 };
static msgpack_unpacked s_values[S_VALUES_MAX];
static int s_nvalues;

static const msgpack_object *
s_unpack (msgpack_sbuffer *buf)
{
    if (s_nvalues == S_VALUES_MAX) {
        fprintf (stderr, "test: raise S_VALUES_MAX\n");
        abort ();
    }
    msgpack_unpacked *value = &s_values[s_nvalues++];
    msgpack_unpacked_init (value);
    if (msgpack_unpack_next (value, buf->data, buf->size, NULL) != MSGPACK_UNPACK_SUCCESS
        || !msgpack_zone_push_finalizer (value->zone, free, buf->data)) {
        fprintf (stderr, "test: cannot unpack a value it packed\n");
        abort ();
    }
    msgpack_sbuffer_release (buf);
    return &value->data;
}

//  A MessagePack value from JSON text.
static const msgpack_object *
s_value (const char *json)
{
    json_t *value = json_loads (json, 0, NULL);
    if (!value) {
        fprintf (stderr, "test: bad JSON %s\n", json);
        abort ();
    }
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    jsonmp_pack (&pk, value);
    json_decref (value);
    const msgpack_object *obj = s_unpack (&buf);
    msgpack_sbuffer_destroy (&buf);
    return obj;
}

static void
s_check_json (const msgpack_object *obj, const char *expected)
{
    char *text = jsonmp_show_text (obj, 0);
    CHECK_STR (text, expected);
    free (text);
}

static void
test_event_line (void)
{
    //  2026-01-01T00:00:00Z is 1767225600 s after the epoch
    const msgpack_object *event = s_value (
        "{\"v\":1,\"type\":\"orders.order.cancelled\",\"id\":\"e-1\",\"cid\":\"cid-7\",\"caller\":\"crm\","
        "\"source\":\"orders\",\"seq\":42,\"time\":1767225600123,"
        "\"body\":{\"order_id\":\"o-1\",\"lines\":[{\"sku\":\"A\",\"quantity\":2}],\"reason\":\"asked \\\"twice\\\"\"}}");
    char *line = NULL;
    CHECK_EQ_INT (eventfmt_line (event, &line), 0);
    CHECK_STR (line, "42 2026-01-01T00:00:00.123Z orders orders.order.cancelled cid-7 crm "
                     "{\"order_id\":\"o-1\",\"lines\":[{\"sku\":\"A\",\"quantity\":2}],"
                     "\"reason\":\"asked \\\"twice\\\"\"}");
    free (line);

    //  what is missing (time, source, cid, caller) shows as "-", a missing body as {}
    line = NULL;
    CHECK_EQ_INT (eventfmt_line (s_value ("{\"type\":\"pricing.price.changed\",\"seq\":1}"), &line), 0);
    CHECK_STR (line, "1 - - pricing.price.changed - - {}");
    free (line);

    //  not an event: no seq, no type, not a map
    line = NULL;
    CHECK_EQ_INT (eventfmt_line (s_value ("{\"type\":\"x.y\"}"), &line), RM_EPROTO);
    CHECK_EQ_INT (eventfmt_line (s_value ("{\"seq\":1}"), &line), RM_EPROTO);
    CHECK_EQ_INT (eventfmt_line (s_value ("{\"seq\":\"1\",\"type\":\"x.y\"}"), &line), RM_EPROTO);
    CHECK_EQ_INT (eventfmt_line (s_value ("[1,2]"), &line), RM_EPROTO);
    CHECK (line == NULL);
}

static void
test_json_of_any_value (void)
{
    s_check_json (s_value ("{\"a\":null,\"b\":true,\"c\":-5,\"d\":[],\"e\":{},\"f\":\"\\u00e9\"}"),
                  "{\"a\":null,\"b\":true,\"c\":-5,\"d\":[],\"e\":{},\"f\":\"\xc3\xa9\"}");

    //  what JSON has no place for is shown, never dropped
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 7);
    msgpack_pack_uint64 (&pk, UINT64_MAX);
    msgpack_pack_double (&pk, 2.5);
    msgpack_pack_bin (&pk, 3);
    msgpack_pack_bin_body (&pk, "abc", 3);
    msgpack_pack_str (&pk, 3);
    msgpack_pack_str_body (&pk, "a\xff" "b", 3);
    msgpack_pack_map (&pk, 1);
    msgpack_pack_int (&pk, 7);
    msgpack_pack_str (&pk, 1);
    msgpack_pack_str_body (&pk, "x", 1);
    msgpack_pack_ext (&pk, 2, 1);
    msgpack_pack_ext_body (&pk, "zz", 2);
    msgpack_pack_double (&pk, NAN);
    const msgpack_object *odd = s_unpack (&buf);
    msgpack_sbuffer_destroy (&buf);
    s_check_json (odd, "[\"18446744073709551615\",2.5,\"<bin, 3 bytes>\",\"a?b\",{\"7\":\"x\"},"
                       "\"<ext, 2 bytes>\",\"NaN\"]");

    json_t *value = jsonmp_show (s_value ("{\"n\":1}"));
    CHECK (json_is_object (value));
    CHECK_EQ_INT (json_integer_value (json_object_get (value, "n")), 1);
    json_decref (value);
}

static const char *s_inventory_health =
    "{\"service\":\"inventory\",\"events\":{\"first_seq\":1,\"last_seq\":30,\"published\":30},"
    "\"consumers\":[{\"source\":\"orders\",\"position\":7,\"source_last_seq\":8,\"lag\":1,"
    "\"gaps\":3,\"replays\":4,\"applied\":7,\"rejected\":0,\"duplicates\":0,\"dead_letters\":1,"
    "\"stalled\":false}]}";

static char *
s_print_table (const lagtable_t *table)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        abort ();
    lagtable_print (table, out);
    fclose (out);
    return text;
}

static void
test_lag_against_the_source (void)
{
    lagtable_health_t healths[] = {
        {"pricing", s_value ("{\"events\":{\"last_seq\":5},\"consumers\":[]}"), NULL},
        {"inventory", s_value (s_inventory_health), NULL},
        {"orders", s_value ("{\"events\":{\"first_seq\":1,\"last_seq\":12},\"consumers\":[]}"), NULL},
    };
    lagtable_t *table = NULL;
    CHECK_EQ_INT (lagtable_new (healths, 3, &table), 0);
    CHECK (table != NULL);
    if (!table)
        return;
    CHECK_EQ_INT (table->count, 1);
    CHECK_EQ_INT (table->ndown, 0);
    const lagtable_row_t *row = &table->rows[0];
    CHECK_STR (row->consumer, "inventory");
    CHECK_STR (row->source, "orders");
    CHECK_EQ_INT (row->position, 7);
    //  the source's own last_seq, not the consumer's view (8)
    CHECK_EQ_INT (row->source_last_seq, 12);
    CHECK_EQ_INT (row->lag, 5);
    CHECK_EQ_INT (row->gaps, 3);
    CHECK_EQ_INT (row->replays, 4);
    CHECK_EQ_INT (row->dead_letters, 1);
    CHECK (!row->stalled);
    CHECK (lagtable_healthy (table));
    const char *consumer = NULL;
    CHECK_EQ_INT (lagtable_consumers_of (table, "orders", &consumer), 1);
    CHECK_STR (consumer, "inventory");
    CHECK_EQ_INT (lagtable_consumers_of (table, "pricing", &consumer), 0);
    char *text = s_print_table (table);
    CHECK_STR (text,
               "CONSUMER   SOURCE       POSITION SOURCE_LAST      LAG   GAPS  REPLAYS DEAD_LETTERS STALLED\n"
               "inventory  orders              7          12        5      3        4            1 no\n");
    free (text);
    lagtable_destroy (&table);
    CHECK (table == NULL);
}

static void
test_lag_with_a_source_down (void)
{
    lagtable_health_t healths[] = {
        {"pricing", s_value ("{\"events\":{\"last_seq\":5},\"consumers\":[]}"), NULL},
        {"inventory", s_value (s_inventory_health), NULL},
        {"orders", NULL, "no answer within 100 ms at tcp://127.0.0.1:9"},
    };
    lagtable_t *table = NULL;
    CHECK_EQ_INT (lagtable_new (healths, 3, &table), 0);
    CHECK (table != NULL);
    if (!table)
        return;
    CHECK_EQ_INT (table->count, 1);
    CHECK_EQ_INT (table->rows[0].source_last_seq, -1);
    CHECK_EQ_INT (table->rows[0].lag, -1);
    CHECK_EQ_INT (table->ndown, 1);
    CHECK_STR (table->down[0].service, "orders");
    CHECK (!lagtable_healthy (table));
    char *text = s_print_table (table);
    CHECK (strstr (text, "inventory  orders              7           -        -") != NULL);
    CHECK (strstr (text, "\norders is down: no answer within 100 ms at tcp://127.0.0.1:9\n") != NULL);
    free (text);
    lagtable_destroy (&table);
}

static void
test_lag_stalled_and_none (void)
{
    lagtable_health_t healths[] = {
        {"inventory", s_value ("{\"consumers\":[{\"source\":\"orders\",\"position\":3,\"stalled\":true,"
                               "\"stalled_reason\":\"events before #9 are gone\"}]}"), NULL},
        {"orders", s_value ("{\"events\":{\"last_seq\":2},\"consumers\":[]}"), NULL},
    };
    lagtable_t *table = NULL;
    CHECK_EQ_INT (lagtable_new (healths, 2, &table), 0);
    CHECK (table != NULL);
    if (!table)
        return;
    CHECK (table->rows[0].stalled);
    CHECK (!lagtable_healthy (table));
    //  a position past the source's newest event is shown as it is
    CHECK_EQ_INT (table->rows[0].lag, -1);
    char *text = s_print_table (table);
    CHECK (strstr (text, "inventory  orders              3           2       -1") != NULL);
    CHECK (strstr (text, " yes: events before #9 are gone\n") != NULL);
    free (text);
    lagtable_destroy (&table);

    //  a name longer than the columns widens them, the rows stay aligned
    lagtable_health_t wide[] = {
        {"fulfillment", s_value ("{\"consumers\":[{\"source\":\"orders\",\"position\":3}]}"), NULL},
        {"inventory", s_value ("{\"consumers\":[{\"source\":\"fulfillment\",\"position\":4}]}"), NULL},
    };
    CHECK_EQ_INT (lagtable_new (wide, 2, &table), 0);
    text = table ? s_print_table (table) : NULL;
    CHECK_STR (text,
               "CONSUMER    SOURCE        POSITION SOURCE_LAST      LAG   GAPS  REPLAYS DEAD_LETTERS STALLED\n"
               "fulfillment orders               3           -        -      0        0            0 no\n"
               "inventory   fulfillment          4           -        -      0        0            0 no\n");
    free (text);
    lagtable_destroy (&table);

    lagtable_health_t quiet[] = {{"pricing", s_value ("{\"consumers\":[]}"), NULL}};
    CHECK_EQ_INT (lagtable_new (quiet, 1, &table), 0);
    CHECK (table != NULL && table->count == 0 && lagtable_healthy (table));
    text = table ? s_print_table (table) : NULL;
    CHECK (text && strncmp (text, "no consumers", 12) == 0);
    free (text);
    lagtable_destroy (&table);
}

static void
test_dead_letter_row (void)
{
    char line[512];
    dlq_format_header (line, sizeof line);
    //  the name columns fit the table's longest name, fulfillment (and "->fulfillment")
    CHECK_STR (line, "SERVICE     SOURCE             SEQ TYPE                       ATTEMPTS "
                     "FAILED_AT                ERROR");
    const msgpack_object *entry = s_value (
        "{\"source\":\"orders\",\"seq\":17,\"type\":\"orders.order.cancelled\","
        "\"error\":\"unavailable: handler failed\",\"attempts\":2,\"failed_at\":1767225600000}");
    dlq_format_entry ("inventory", entry, line, sizeof line);
    CHECK_STR (line, "inventory   orders              17 orders.order.cancelled            2 "
                     "2026-01-01T00:00:00.000Z unavailable: handler failed");
    dlq_format_entry ("inventory", s_value ("{}"), line, sizeof line);
    CHECK_STR (line, "inventory   ?                    ? ?                                 ? -                        ");
}

//  Loads a command's options from a NULL-terminated argument list.
static int
s_load (config_t *cfg, const char *const *args)
{
    char *argv[16];
    int argc = 0;
    while (args[argc] && argc < 15) {
        argv[argc] = (char *) args[argc];
        argc++;
    }
    argv[argc] = NULL;
    return command_load (cfg, argc, argv, false, 0, 0, NULL);
}

static void
test_shared_options (void)
{
    //  "carry on" is neither an exit code nor one of err.h's codes
    CHECK (COMMAND_GO_ON < 0 || COMMAND_GO_ON > 255);
    CHECK (rm_errcode (rm_errname (COMMAND_GO_ON)) != COMMAND_GO_ON);
    config_t *cfg = NULL;
    CHECK_EQ_INT (command_new ("retailmesh test", "[options]", NULL, &cfg), 0);
    config_define (cfg, "from", NULL, "a seq");
    config_define (cfg, "service", NULL, "a service");
    static const char *const good[] = {"retailmesh test", "--from", "3", "--service", "orders", NULL};
    CHECK_EQ_INT (s_load (cfg, good), COMMAND_GO_ON);
    int64_t from = 0;
    const mesh_service_t *svc = NULL;
    CHECK_EQ_INT (command_int (cfg, "retailmesh test", "from", true, 1, &from), COMMAND_GO_ON);
    CHECK_EQ_INT (from, 3);
    CHECK_EQ_INT (command_service (cfg, "retailmesh test", "service", true, &svc), COMMAND_GO_ON);
    CHECK (svc == mesh_find ("orders") && svc != NULL);

    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    static const char *const bad[] = {"retailmesh test", "--from", "0", "--service", "billing", NULL};
    CHECK_EQ_INT (s_load (cfg, bad), COMMAND_GO_ON);
    CHECK_EQ_INT (command_int (cfg, "retailmesh test", "from", true, 1, &from), 2);
    CHECK_EQ_INT (from, 3);
    CHECK_EQ_INT (command_service (cfg, "retailmesh test", "service", false, &svc), 2);

    static const char *const none[] = {"retailmesh test", NULL};
    CHECK_EQ_INT (s_load (cfg, none), COMMAND_GO_ON);
    CHECK_EQ_INT (command_int (cfg, "retailmesh test", "from", false, 1, &from), COMMAND_GO_ON);
    CHECK_EQ_INT (from, 3);
    CHECK_EQ_INT (command_int (cfg, "retailmesh test", "from", true, 1, &from), 2);
    CHECK_EQ_INT (command_service (cfg, "retailmesh test", "service", false, &svc), COMMAND_GO_ON);
    CHECK (svc == NULL);
    CHECK_EQ_INT (command_service (cfg, "retailmesh test", "service", true, &svc), 2);
    char *said = harness_capture_end (&cap);
    CHECK_STR (said, "retailmesh test: --from must be at least 1 (got 0)\n"
                     "retailmesh test: --service must name a service: pricing, inventory, orders, fulfillment or returns "
                     "(got 'billing')\n"
                     "retailmesh test: --from is required (see retailmesh test --help)\n"
                     "retailmesh test: --service is required (see retailmesh test --help)\n");
    free (said);
    CHECK (mesh_find ("billing") == NULL && mesh_find (NULL) == NULL);
    config_destroy (&cfg);
}

static char s_seen[64];

static int
s_sub_run (int argc, char **argv)
{
    snprintf (s_seen, sizeof s_seen, "%s|%d", argv[0], argc);
    return 7;
}

static void
test_subcommands (void)
{
    static const command_sub_t subs[] = {{"list", s_sub_run, "lists"}, {NULL, NULL, NULL}};
    char name[] = "retailmesh dlq", list[] = "list", flag[] = "--x", help[] = "--help", other[] = "frob";
    char *argv[] = {name, list, flag, NULL};
    CHECK_EQ_INT (command_run_sub (3, argv, subs, "About."), 7);
    CHECK_STR (s_seen, "retailmesh dlq list|2");
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    char *unknown[] = {name, other, NULL};
    CHECK_EQ_INT (command_run_sub (2, unknown, subs, "About."), 2);
    char *nothing[] = {name, NULL};
    CHECK_EQ_INT (command_run_sub (1, nothing, subs, "About."), 2);
    free (harness_capture_end (&cap));
    harness_capture_begin (&cap, STDOUT_FILENO);
    char *asked[] = {name, help, NULL};
    CHECK_EQ_INT (command_run_sub (2, asked, subs, "About."), 0);
    char *text = harness_capture_end (&cap);
    CHECK (text && strstr (text, "Usage: retailmesh dlq SUBCOMMAND") && strstr (text, "  list     lists\n"));
    free (text);
}

//  endpoints.conf carries the event endpoints too, for `events tail --follow`.
static void
test_recorded_event_endpoints (void)
{
    char *dir = harness_tmpdir ("cli-events");
    config_t *up = NULL;
    CHECK_EQ_INT (command_new ("retailmesh up", "[options]", NULL, &up), 0);
    mesh_define_endpoints (up);
    mesh_define_pub_endpoints (up);
    config_set (up, "orders-endpoint", "tcp://127.0.0.1:17301");
    config_set (up, "orders-pub-endpoint", "tcp://127.0.0.1:17302");
    CHECK_EQ_INT (mesh_write_endpoints (dir, up, "http://127.0.0.1:18080"), 0);
    config_destroy (&up);

    config_t *tail = NULL;
    CHECK_EQ_INT (command_new ("retailmesh events tail", "[options]", NULL, &tail), 0);
    mesh_define_endpoints (tail);
    mesh_define_pub_endpoints (tail);
    char var_dir[PATH_MAX];
    snprintf (var_dir, sizeof var_dir, "--var-dir=%s", dir);
    char *argv[] = {(char *) "retailmesh events tail", var_dir,
                    (char *) "--pricing-pub-endpoint=tcp://127.0.0.1:5", NULL};
    CHECK_EQ_INT (mesh_config_load (tail, 3, argv), 0);
    const mesh_service_t *orders = mesh_find ("orders");
    CHECK_STR (mesh_endpoint (tail, orders), "tcp://127.0.0.1:17301");
    CHECK_STR (mesh_pub_endpoint (tail, orders), "tcp://127.0.0.1:17302");
    //  a flag still wins over what was recorded
    CHECK_STR (mesh_pub_endpoint (tail, mesh_find ("pricing")), "tcp://127.0.0.1:5");
    CHECK_STR (mesh_pub_endpoint (tail, mesh_find ("inventory")), "tcp://127.0.0.1:7202");
    config_destroy (&tail);
    CHECK_STR (mesh_find ("inventory")->consumes[0], "orders");
    harness_rmtree (dir);
    free (dir);
}

int
main (void)
{
    log_init ("test_cli_runbook", RM_LOG_ERROR);
    test_event_line ();
    test_json_of_any_value ();
    test_lag_against_the_source ();
    test_lag_with_a_source_down ();
    test_lag_stalled_and_none ();
    test_dead_letter_row ();
    test_shared_options ();
    test_subcommands ();
    test_recorded_event_endpoints ();
    for (int i = 0; i < s_nvalues; i++)
        msgpack_unpacked_destroy (&s_values[i]);
    return harness_report ("test_cli_runbook");
}
