//  The decision on a return request, from hand-built orders.returnable
//  replies: allocation over the order lines of a SKU in line order, the
//  rejections per line (SKU not on the order, nothing delivered, window
//  passed, more than is left after other returns and earlier lines of the
//  same request), the options (window, basis, expiry, fees), the request
//  checks, and the store's key layouts.
#include "authorize.h"
#include "err.h"
#include "harness.h"
#include "retopts.h"
#include "retstore.h"
#include "service.h"
#include <stdlib.h>
#include <string.h>

#define DAY_MS (86400 * 1000LL)
#define NOW (1800000000000LL)
#define ORDER_ID "01890a5d-ac96-774b-bcce-b302099a8057"

static orders_returnable_line_t s_lines[4];
static orders_returnable_t s_order;
static returns_request_line_t s_want[4];
static returns_authorize_request_t s_in;
static int64_t s_committed[CATALOG_MAX_LINES];

//  An order line with delivered units, delivered days ago.
static void
s_line (size_t i, const char *sku, int64_t quantity, int64_t delivered, int64_t days_ago)
{
    orders_returnable_line_t *l = &s_lines[i];
    memset (l, 0, sizeof *l);
    l->line = (int64_t) i;
    snprintf (l->sku, sizeof l->sku, "%s", sku);
    l->quantity = quantity;
    l->unit_price = 1000 + (int64_t) i;
    l->shipped = delivered;
    l->delivered = delivered;
    l->has_shipped_at = l->has_delivered_at = delivered > 0;
    l->shipped_at = l->delivered_at = NOW - days_ago * DAY_MS;
    s_order.lines_count = i + 1;
}

static void
s_want_line (size_t i, const char *sku, int64_t quantity, const char *reason)
{
    snprintf (s_want[i].sku, sizeof s_want[i].sku, "%s", sku);
    s_want[i].quantity = quantity;
    snprintf (s_want[i].reason, sizeof s_want[i].reason, "%s", reason);
    s_in.lines_count = i + 1;
}

static void
s_reset (void)
{
    memset (&s_order, 0, sizeof s_order);
    memset (&s_in, 0, sizeof s_in);
    memset (s_committed, 0, sizeof s_committed);
    snprintf (s_order.order_id, sizeof s_order.order_id, ORDER_ID);
    snprintf (s_order.external_id, sizeof s_order.external_id, "web-1001");
    snprintf (s_order.channel, sizeof s_order.channel, "web");
    snprintf (s_order.account_id, sizeof s_order.account_id, "acct-7");
    snprintf (s_order.currency, sizeof s_order.currency, "EUR");
    snprintf (s_order.status, sizeof s_order.status, "delivered");
    s_order.lines = s_lines;
    s_in.lines = s_want;
    snprintf (s_in.order_id, sizeof s_in.order_id, ORDER_ID);
    snprintf (s_in.return_location, sizeof s_in.return_location, "WH-1");
}

static retopts_t
s_opts (const char *window, bool shipped)
{
    retopts_t opts = {0};
    CHECK_EQ_INT (retopts_window_parse (window, &opts), 0);
    opts.basis_shipped = shipped;
    opts.expiry_ms = 30 * DAY_MS;
    return opts;
}

static int
s_decide (const retopts_t *opts, retrec_t *out)
{
    memset (out, 0, sizeof *out);
    snprintf (out->return_id, sizeof out->return_id, "rma-1");
    return authorize_decide (&s_in, &s_order, s_committed, opts, NOW, out);
}

static void
test_authorized_over_lines (void)
{
    s_reset ();
    s_line (0, "SKU-A", 2, 2, 3);
    s_line (1, "SKU-B", 1, 1, 3);
    s_line (2, "SKU-A", 3, 3, 3);
    s_want_line (0, "SKU-A", 4, "no_longer_needed");
    s_want_line (1, "SKU-B", 1, "damaged");
    retopts_t opts = s_opts ("30", false);
    retrec_t out;
    CHECK_EQ_INT (s_decide (&opts, &out), 0);
    CHECK_STR (out.status, "authorized");
    CHECK_STR (out.return_id, "rma-1");
    CHECK_STR (out.order_id, ORDER_ID);
    CHECK_STR (out.channel, "web");
    CHECK_STR (out.return_location, "WH-1");
    CHECK_EQ_INT (out.authorized_at, NOW);
    CHECK (out.has_expires_at && out.expires_at == NOW + 30 * DAY_MS);
    CHECK_EQ_INT (out.rejection_count, 0);
    //  SKU-A's 4 units: both of line 0, then 2 of line 2; then SKU-B's
    CHECK_EQ_INT (out.lines_count, 3);
    if (out.lines_count == 3) {
        CHECK_EQ_INT (out.lines[0].line, 0);
        CHECK_EQ_INT (out.lines[0].quantity, 2);
        CHECK_EQ_INT (out.lines[0].unit_price, 1000);
        CHECK_STR (out.lines[0].reason, "no_longer_needed");
        CHECK_EQ_INT (out.lines[1].line, 2);
        CHECK_EQ_INT (out.lines[1].quantity, 2);
        CHECK_EQ_INT (out.lines[1].unit_price, 1002);
        CHECK_EQ_INT (out.lines[2].line, 1);
        CHECK_STR (out.lines[2].sku, "SKU-B");
        CHECK_STR (out.lines[2].reason, "damaged");
        CHECK_EQ_INT (out.lines[2].received, 0);
    }
    retrec_free (&out);
}

static void
test_rejections_per_line (void)
{
    s_reset ();
    s_line (0, "SKU-A", 2, 2, 3);
    s_line (1, "SKU-B", 2, 0, 0);
    s_line (2, "SKU-C", 1, 1, 40);
    s_want_line (0, "SKU-A", 1, "other");
    s_want_line (1, "SKU-X", 1, "other");
    s_want_line (2, "SKU-B", 1, "other");
    s_want_line (3, "SKU-C", 1, "other");
    retopts_t opts = s_opts ("30", false);
    retrec_t out;
    CHECK_EQ_INT (s_decide (&opts, &out), RM_EINVAL);
    CHECK_STR (out.status, "rejected");
    CHECK (!out.has_expires_at);
    CHECK_EQ_INT (out.rejection_count, 3);
    if (out.rejection_count == 3) {
        CHECK_STR (out.rejection[0].field, "/lines/1/sku");
        CHECK_STR (out.rejection[0].code, "unknown_sku");
        CHECK_STR (out.rejection[1].field, "/lines/2");
        CHECK_STR (out.rejection[1].code, "not_delivered");
        CHECK_STR (out.rejection[2].field, "/lines/3");
        CHECK_STR (out.rejection[2].code, "window_passed");
        CHECK (strstr (out.rejection[2].message, "SKU-C") != NULL);
    }
    //  the line that passed is kept as allocated
    CHECK_EQ_INT (out.lines_count, 1);
    retrec_free (&out);
}

static void
test_basis_and_window_options (void)
{
    s_reset ();
    s_line (0, "SKU-A", 2, 0, 0);
    s_lines[0].shipped = 2;
    s_lines[0].has_shipped_at = true;
    s_lines[0].shipped_at = NOW - DAY_MS;
    s_want_line (0, "SKU-A", 2, "wrong_item");
    retopts_t delivered = s_opts ("30", false);
    retopts_t shipped = s_opts ("30", true);
    retrec_t out;
    CHECK_EQ_INT (s_decide (&delivered, &out), RM_EINVAL);
    CHECK (out.rejection_count == 1 && strcmp (out.rejection[0].code, "not_delivered") == 0);
    retrec_free (&out);
    CHECK_EQ_INT (s_decide (&shipped, &out), 0);
    CHECK (out.lines_count == 1 && out.lines[0].quantity == 2);
    retrec_free (&out);

    //  the window is the order's channel's
    s_reset ();
    s_line (0, "SKU-A", 1, 1, 45);
    s_want_line (0, "SKU-A", 1, "other");
    retopts_t web_60 = s_opts ("30,store=10,web=60", false);
    retopts_t store_60 = s_opts ("30,store=60", false);
    CHECK_EQ_INT (s_decide (&web_60, &out), 0);
    retrec_free (&out);
    CHECK_EQ_INT (s_decide (&store_60, &out), RM_EINVAL);
    retrec_free (&out);
    //  the last day of the window still counts
    s_lines[0].delivered_at = NOW - 30 * DAY_MS;
    retopts_t thirty = s_opts ("30", false);
    CHECK_EQ_INT (s_decide (&thirty, &out), 0);
    retrec_free (&out);
    s_lines[0].delivered_at = NOW - 30 * DAY_MS - 1;
    CHECK_EQ_INT (s_decide (&thirty, &out), RM_EINVAL);
    retrec_free (&out);
}

static void
test_committed_and_repeated_lines (void)
{
    s_reset ();
    s_line (0, "SKU-A", 3, 2, 1);
    s_committed[0] = 1;
    s_want_line (0, "SKU-A", 2, "other");
    retopts_t opts = s_opts ("30", false);
    retrec_t out;
    CHECK_EQ_INT (s_decide (&opts, &out), RM_EINVAL);
    CHECK (out.rejection_count == 1 && strcmp (out.rejection[0].field, "/lines/0/quantity") == 0);
    CHECK (out.rejection_count == 1 && strcmp (out.rejection[0].code, "exceeds_returnable") == 0);
    CHECK (out.rejection_count == 1 && strstr (out.rejection[0].message, "at most 1 unit of SKU SKU-A may") != NULL);
    retrec_free (&out);
    s_want[0].quantity = 1;
    CHECK_EQ_INT (s_decide (&opts, &out), 0);
    retrec_free (&out);
    //  every unit held elsewhere: none left
    s_committed[0] = 2;
    CHECK_EQ_INT (s_decide (&opts, &out), RM_EINVAL);
    CHECK (out.rejection_count == 1 && strstr (out.rejection[0].message, "at most 0 units") != NULL);
    retrec_free (&out);

    //  earlier lines of the same request count too
    s_reset ();
    s_line (0, "SKU-A", 2, 2, 1);
    s_want_line (0, "SKU-A", 1, "damaged");
    s_want_line (1, "SKU-A", 1, "other");
    s_want_line (2, "SKU-A", 1, "other");
    CHECK_EQ_INT (s_decide (&opts, &out), RM_EINVAL);
    CHECK_EQ_INT (out.rejection_count, 1);
    CHECK (out.rejection_count == 1 && strcmp (out.rejection[0].field, "/lines/2/quantity") == 0);
    CHECK_EQ_INT (out.lines_count, 2);
    if (out.lines_count == 2)
        CHECK (strcmp (out.lines[0].reason, "damaged") == 0 && strcmp (out.lines[1].reason, "other") == 0);
    retrec_free (&out);
}

static void
test_request_checks (void)
{
    char field[AUTHORIZE_FIELD_MAX], message[AUTHORIZE_MESSAGE_MAX];
    s_reset ();
    s_want_line (0, "SKU-A", 1, "damaged");
    CHECK_EQ_INT (authorize_check (&s_in, field, message), 0);
    s_in.order_id[0] = '\0';
    CHECK_EQ_INT (authorize_check (&s_in, field, message), RM_EINVAL);
    CHECK_STR (field, "/order_id");
    snprintf (s_in.channel, sizeof s_in.channel, "web");
    CHECK_EQ_INT (authorize_check (&s_in, field, message), RM_EINVAL);
    CHECK_STR (field, "/external_id");
    snprintf (s_in.external_id, sizeof s_in.external_id, "web-1001");
    CHECK_EQ_INT (authorize_check (&s_in, field, message), 0);
    s_want_line (1, "SKU-A", 1, "lost");
    CHECK_EQ_INT (authorize_check (&s_in, field, message), RM_EINVAL);
    CHECK_STR (field, "/lines/1/reason");
    CHECK (strstr (message, "'lost'") != NULL);
}

static void
test_window_option (void)
{
    retopts_t opts;
    CHECK_EQ_INT (retopts_window_parse ("30,store=60,web=14", &opts), 0);
    CHECK_EQ_INT (retopts_window_ms (&opts, "store"), 60 * DAY_MS);
    CHECK_EQ_INT (retopts_window_ms (&opts, "web"), 14 * DAY_MS);
    CHECK_EQ_INT (retopts_window_ms (&opts, "phone"), 30 * DAY_MS);
    CHECK_EQ_INT (retopts_window_parse ("0", &opts), 0);
    CHECK_EQ_INT (retopts_window_ms (&opts, "web"), 0);
    static const char *const bad[] = {"", "x", "-1", "30,", "30,web", "30,web=", "30,=5", "30,web=1,web=2",
                                      "3651", "web=14", "30,web=x", "30 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT (retopts_window_parse (bad[i], &opts), RM_EINVAL);
}

//  The options as the service reads them at start, defaults first.
static void
test_configure (void)
{
    static const service_option_t options[] = {RETOPTS_OPTIONS, {NULL, NULL, NULL}};
    config_t *cfg = NULL;
    CHECK_EQ_INT (config_new ("returns", "", &cfg), 0);
    if (!cfg)
        return;
    for (const service_option_t *o = options; o->name; o++)
        config_define (cfg, o->name, o->def, o->help);
    retopts_t opts;
    CHECK_EQ_INT (retopts_configure (&opts, cfg), 0);
    CHECK_EQ_INT (opts.window_days, 30);
    CHECK (!opts.basis_shipped);
    CHECK_EQ_INT (opts.expiry_ms, 30 * DAY_MS);
    CHECK_EQ_INT (refund_fee_bp (&opts.fees, "other"), 0);
    config_set (cfg, "return-basis", "shipped");
    config_set (cfg, "return-expiry", "2s");
    config_set (cfg, "restocking-fee", "other=500");
    config_set (cfg, "return-window", "14,store=60");
    CHECK_EQ_INT (retopts_configure (&opts, cfg), 0);
    CHECK (opts.basis_shipped);
    CHECK_EQ_INT (opts.expiry_ms, 2000);
    CHECK_EQ_INT (refund_fee_bp (&opts.fees, "other"), 500);
    CHECK_EQ_INT (retopts_window_ms (&opts, "store"), 60 * DAY_MS);
    static const struct {
        const char *name, *value;
    } bad[] = {{"return-basis", "received"}, {"return-expiry", "0"}, {"return-expiry", "soon"}, {"return-expiry", "3651d"},
               {"restocking-fee", "lost=5"}, {"return-window", "-3"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config_t *one = NULL;
        CHECK_EQ_INT (config_new ("returns", "", &one), 0);
        for (const service_option_t *o = options; one && o->name; o++)
            config_define (one, o->name, o->def, o->help);
        if (one)
            config_set (one, bad[i].name, bad[i].value);
        CHECK_EQ_INT (one ? retopts_configure (&opts, one) : 0, RM_EINVAL);
        config_destroy (&one);
    }
    config_destroy (&cfg);
}

static void
test_store_keys (void)
{
    uint8_t early[RETSTORE_EXPIRY_KEY_MAX], late[RETSTORE_EXPIRY_KEY_MAX];
    size_t elen = retstore_expiry_key (1000, "rma-z", early);
    size_t llen = retstore_expiry_key (256000, "rma-a", late);
    CHECK (elen == 13 && llen == 13);
    //  key order is expiry order, whatever the IDs
    CHECK (memcmp (early, late, 8) < 0);
    int64_t at = 0;
    char id[RETSTORE_ID_MAX + 1];
    CHECK_EQ_INT (retstore_expiry_parse (&(MDB_val) {llen, late}, &at, id), 0);
    CHECK_EQ_INT (at, 256000);
    CHECK_STR (id, "rma-a");
    CHECK_EQ_INT (retstore_expiry_parse (&(MDB_val) {8, late}, &at, id), RM_ESTORE);
    CHECK_EQ_INT (retstore_expiry_key (1, "", early), 0);
    uint8_t key[RETSTORE_BY_ORDER_KEY_MAX];
    size_t klen = retstore_by_order_key (ORDER_ID, 5, "rma-1", key);
    CHECK_EQ_INT (klen, 29);
    CHECK_EQ_INT (retstore_by_order_id (&(MDB_val) {klen, key}, id), 0);
    CHECK_STR (id, "rma-1");
    CHECK_EQ_INT (retstore_by_order_key ("not-a-uuid", 5, "rma-1", key), 0);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_authorized_over_lines ();
    test_rejections_per_line ();
    test_basis_and_window_options ();
    test_committed_and_repeated_lines ();
    test_request_checks ();
    test_window_option ();
    test_configure ();
    test_store_keys ();
    return harness_report (argv[0]);
}
