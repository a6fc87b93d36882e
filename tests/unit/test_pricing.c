//  pricing: the plain functions behind price books, quotes, price checks
//  and the takeover of dated prices, on a real LMDB store and without
//  sockets.
#include "err.h"
#include "harness.h"
#include "mp.h"
#include "pricing.h"
#include "storeval.h"
#include <stdlib.h>

static store_t *s_store;
static pricebook_t s_pb;
static pricing_price_changed_t s_events[64];
static size_t s_nevents;

static void
s_collect (void *arg, const char *cid, const pricing_price_changed_t *event)
{
    (void) arg;
    (void) cid;
    if (s_nevents < sizeof s_events / sizeof s_events[0])
        s_events[s_nevents++] = *event;
}

static int
s_book (MDB_txn *txn, const char *id, const char *kind, const char *channel, const char *account_id,
        pricebook_fault_t *fault)
{
    pricing_put_book_request_t in = {0};
    snprintf (in.book_id, sizeof in.book_id, "%s", id);
    snprintf (in.name, sizeof in.name, "book %s", id);
    snprintf (in.currency, sizeof in.currency, "USD");
    snprintf (in.kind, sizeof in.kind, "%s", kind);
    snprintf (in.channel, sizeof in.channel, "%s", channel);
    snprintf (in.account_id, sizeof in.account_id, "%s", account_id);
    pricing_book_t book;
    *fault = (pricebook_fault_t) {0};
    return pricebook_book_put (&s_pb, txn, &in, 1000, &book, fault);
}

//  An entry of a book at time now: from and to 0 mean absent.
static int
s_entry (MDB_txn *txn, const char *book, const char *sku, int64_t unit_price, int64_t from, int64_t to, int64_t now,
         pricebook_fault_t *fault)
{
    pricing_dated_entry_t entry = {.unit_price = unit_price, .has_unit_price = true, .valid_from = from,
                                   .has_valid_from = from != 0, .valid_to = to, .has_valid_to = to != 0};
    *fault = (pricebook_fault_t) {0};
    return pricebook_entry_put (&s_pb, txn, "cid-test", book, sku, &entry, now, fault);
}

//  The price of quantity units at time at for an account and channel ("" for none).
static int64_t
s_price_at (MDB_txn *txn, const char *account_id, const char *channel, const char *sku, int64_t quantity, int64_t at,
            pricebook_price_t *price)
{
    pricebook_scope_t scope;
    CHECK_EQ_INT (pricebook_scope (&s_pb, txn, "USD", account_id, channel, &scope), 0);
    int rc = pricebook_price (&s_pb, txn, &scope, sku, quantity, at, price);
    return rc == 0 ? price->unit_price : rc;
}

//  Schema 2's prices become the undated entries of the list books.
static void
test_migration (void)
{
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_int (&pk, "unit_price", 1500);
    mp_pack_kv_int (&pk, "updated_at", 1700000000000);
    char key[32];
    size_t klen = store_key_pair (key, sizeof key, "EUR", "OLD");
    CHECK_EQ_INT (storeval_put (txn, s_pb.prices, key, klen, 1, buf.data, buf.size), 0);
    klen = store_key_pair (key, sizeof key, "EUR", "OLDER");
    CHECK_EQ_INT (storeval_put (txn, s_pb.prices, key, klen, 1, buf.data, buf.size), 0);
    msgpack_sbuffer_destroy (&buf);
    int64_t count = 0;
    CHECK_EQ_INT (pricebook_migrate_prices (&s_pb, txn, 1000, &count), 0);
    CHECK_EQ_INT (count, 2);
    pricing_book_t book;
    CHECK_EQ_INT (pricebook_book_get (&s_pb, txn, "list-eur", &book), 0);
    CHECK_STR (book.kind, "list");
    CHECK_STR (book.currency, "EUR");
    pricebook_scope_t scope;
    CHECK_EQ_INT (pricebook_scope (&s_pb, txn, "EUR", "", "", &scope), 0);
    pricebook_price_t price;
    CHECK_EQ_INT (pricebook_price (&s_pb, txn, &scope, "OLD", 1, 2000, &price), 0);
    CHECK_EQ_INT (price.unit_price, 1500);
    CHECK_STR (price.book_id, "list-eur");
    pricing_entries_t entries = {0};
    CHECK_EQ_INT (pricebook_entries_get (&s_pb, txn, "list-eur", "OLDER", &entries), 0);
    CHECK_EQ_INT (entries.entries_count, 1);
    CHECK_EQ_INT (entries.entries_count ? entries.entries[0].updated_at : 0, 1700000000000);
    record_free (pricing_entries_fields, &entries);
    store_abort (&txn);
}

static void
test_books (MDB_txn *txn)
{
    pricebook_fault_t fault;
    CHECK_EQ_INT (pricebook_list_put (&s_pb, txn, "cid", "USD", "TEE", 1000, 1000, &fault), 0);
    CHECK_EQ_INT (s_book (txn, "web-usd", "channel", "WEB", "", &fault), 0);
    CHECK_EQ_INT (s_book (txn, "acme-usd", "account", "", "ACME", &fault), 0);
    pricing_book_t book;
    CHECK_EQ_INT (pricebook_book_get (&s_pb, txn, "web-usd", &book), 0);
    CHECK_STR (book.channel, "web");
    //  renaming keeps the book; what it prices is fixed
    CHECK_EQ_INT (s_book (txn, "web-usd", "channel", "Web", "", &fault), 0);
    CHECK_EQ_INT (s_book (txn, "web-usd", "channel", "store", "", &fault), RM_ECONFLICT);
    CHECK_STR (fault.field, "/channel");
    //  one book per scope
    CHECK_EQ_INT (s_book (txn, "web-usd-2", "channel", "web", "", &fault), RM_ECONFLICT);
    CHECK_STR (fault.field, "/channel");
    CHECK_EQ_INT (s_book (txn, "acme-2", "account", "", "ACME", &fault), RM_ECONFLICT);
    CHECK_STR (fault.field, "/account_id");
    //  bad shapes name their field
    CHECK_EQ_INT (s_book (txn, "x", "region", "", "", &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/kind");
    CHECK_EQ_INT (s_book (txn, "x", "channel", "", "", &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/channel");
    CHECK_EQ_INT (s_book (txn, "x", "account", "web", "A", &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/channel");
    CHECK_EQ_INT (s_book (txn, "x", "list", "", "", &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/book_id");
    CHECK_EQ_INT (s_book (txn, "list-x", "channel", "pos", "", &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/kind");
    CHECK_EQ_INT (pricebook_book_get (&s_pb, txn, "x", &book), RM_ENOTFOUND);
    pricing_books_t books = {0};
    CHECK_EQ_INT (pricebook_book_list (&s_pb, txn, "USD", "", &books), 0);
    CHECK_EQ_INT (books.books_count, 3);
    record_free (pricing_books_fields, &books);
    CHECK_EQ_INT (pricebook_book_list (&s_pb, txn, "", "account", &books), 0);
    CHECK_EQ_INT (books.books_count, 1);
    CHECK_STR (books.books_count ? books.books[0].book_id : "", "acme-usd");
    record_free (pricing_books_fields, &books);
    CHECK_EQ_INT (s_entry (txn, "nope", "TEE", 1, 0, 0, 1000, &fault), RM_ENOTFOUND);
    CHECK_STR (fault.field, "/book_id");
}

//  Account over channel over list, and the fall back when the specific
//  book has no entry in effect.
static void
test_most_specific (MDB_txn *txn)
{
    pricebook_fault_t fault;
    pricebook_price_t price;
    CHECK_EQ_INT (s_entry (txn, "web-usd", "TEE", 900, 0, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_entry (txn, "acme-usd", "TEE", 800, 0, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_price_at (txn, "ACME", "web", "TEE", 1, 1000, &price), 800);
    CHECK_STR (price.book_id, "acme-usd");
    CHECK_EQ_INT (s_price_at (txn, "OTHER", "WEB", "TEE", 1, 1000, &price), 900);
    CHECK_STR (price.book_id, "web-usd");
    CHECK_EQ_INT (s_price_at (txn, "ACME", "store", "TEE", 1, 1000, &price), 800);
    CHECK_EQ_INT (s_price_at (txn, "", "", "TEE", 1, 1000, &price), 1000);
    CHECK_STR (price.book_id, "list-usd");
    //  no entry in the specific books: the list book's
    CHECK_EQ_INT (pricebook_list_put (&s_pb, txn, "cid", "USD", "MUG", 500, 1000, &fault), 0);
    CHECK_EQ_INT (s_price_at (txn, "ACME", "web", "MUG", 1, 1000, &price), 500);
    CHECK_STR (price.book_id, "list-usd");
    //  an account entry not yet in effect: the channel's
    CHECK_EQ_INT (s_entry (txn, "web-usd", "CAP", 300, 0, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_entry (txn, "acme-usd", "CAP", 250, 5000, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_price_at (txn, "ACME", "web", "CAP", 1, 4999, &price), 300);
    CHECK_STR (price.book_id, "web-usd");
    CHECK_EQ_INT (s_price_at (txn, "ACME", "web", "CAP", 1, 5000, &price), 250);
    CHECK_EQ_INT (s_price_at (txn, "ACME", "", "CAP", 1, 1000, &price), RM_ENOTFOUND);
    CHECK_EQ_INT (s_price_at (txn, "", "", "HAT", 1, 1000, &price), RM_ENOTFOUND);
}

static void
test_tiers (MDB_txn *txn)
{
    pricing_tier_t tiers[] = {{.min_quantity = 10, .has_min_quantity = true, .unit_price = 90, .has_unit_price = true},
                              {.min_quantity = 5, .has_min_quantity = true, .unit_price = 95, .has_unit_price = true}};
    pricing_dated_entry_t entry = {.unit_price = 100, .has_unit_price = true, .tiers = tiers, .tiers_count = 2};
    pricebook_fault_t fault = {0};
    CHECK_EQ_INT (pricebook_entry_put (&s_pb, txn, "cid", "list-usd", "PEN", &entry, 1000, &fault), 0);
    pricebook_price_t price;
    CHECK_EQ_INT (s_price_at (txn, "", "", "PEN", 4, 1000, &price), 100);
    CHECK_EQ_INT (price.min_quantity, 0);
    CHECK_EQ_INT (s_price_at (txn, "", "", "PEN", 5, 1000, &price), 95);
    CHECK_EQ_INT (price.min_quantity, 5);
    CHECK_EQ_INT (s_price_at (txn, "", "", "PEN", 9, 1000, &price), 95);
    CHECK_EQ_INT (s_price_at (txn, "", "", "PEN", 10, 1000, &price), 90);
    CHECK_EQ_INT (price.min_quantity, 10);
    CHECK_EQ_INT (s_price_at (txn, "", "", "PEN", 1000000, 1000, &price), 90);
    //  the stored tiers are in min_quantity order
    pricing_entries_t entries = {0};
    CHECK_EQ_INT (pricebook_entries_get (&s_pb, txn, "list-usd", "PEN", &entries), 0);
    CHECK_EQ_INT (entries.entries_count == 1 ? entries.entries[0].tiers[0].min_quantity : 0, 5);
    record_free (pricing_entries_fields, &entries);
    //  a repeated min_quantity is refused, naming the tier
    tiers[1].min_quantity = 10;
    CHECK_EQ_INT (pricebook_entry_put (&s_pb, txn, "cid", "list-usd", "PEN", &entry, 1000, &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/tiers/1/min_quantity");
}

//  valid_from inclusive, valid_to exclusive; a dated entry over the
//  undated one while it lasts.
static void
test_validity (MDB_txn *txn)
{
    pricebook_fault_t fault;
    pricebook_price_t price;
    CHECK_EQ_INT (s_entry (txn, "list-usd", "INK", 700, 0, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_entry (txn, "list-usd", "INK", 650, 2000, 3000, 1000, &fault), 0);
    CHECK_EQ_INT (s_price_at (txn, "", "", "INK", 1, 1999, &price), 700);
    CHECK (!price.has_valid_to);
    CHECK_EQ_INT (s_price_at (txn, "", "", "INK", 1, 2000, &price), 650);
    CHECK (price.has_valid_to);
    CHECK_EQ_INT (price.valid_to, 3000);
    CHECK_EQ_INT (s_price_at (txn, "", "", "INK", 1, 2999, &price), 650);
    CHECK_EQ_INT (s_price_at (txn, "", "", "INK", 1, 3000, &price), 700);
    //  an entry only within its window: nothing before or after
    CHECK_EQ_INT (s_entry (txn, "web-usd", "PAD", 40, 2000, 3000, 1000, &fault), 0);
    CHECK_EQ_INT (s_price_at (txn, "", "web", "PAD", 1, 1999, &price), RM_ENOTFOUND);
    CHECK_EQ_INT (s_price_at (txn, "", "web", "PAD", 1, 2000, &price), 40);
    CHECK_EQ_INT (s_price_at (txn, "", "web", "PAD", 1, 3000, &price), RM_ENOTFOUND);
    //  windows that cannot apply are refused
    CHECK_EQ_INT (s_entry (txn, "list-usd", "INK", 1, 3000, 3000, 1000, &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/valid_to");
    CHECK_EQ_INT (s_entry (txn, "list-usd", "INK", 1, 0, 1000, 1000, &fault), RM_EINVAL);
    CHECK_STR (fault.field, "/valid_to");
    //  a SKU's dated entries are bounded
    int rc = 0;
    for (int i = 1; i <= PRICING_MAX_DATED + 1 && rc == 0; i++)
        rc = s_entry (txn, "list-usd", "MANY", i, 10000 * i, 0, 1000, &fault);
    CHECK_EQ_INT (rc, RM_ECONFLICT);
    CHECK_STR (fault.field, "/valid_from");
}

static size_t
s_events_of (const char *sku, const char *cause)
{
    size_t n = 0;
    for (size_t i = 0; i < s_nevents; i++)
        n += strcmp (s_events[i].sku, sku) == 0 && (!cause || strcmp (s_events[i].cause, cause) == 0);
    return n;
}

static const pricing_price_changed_t *
s_last_event (const char *sku)
{
    for (size_t i = s_nevents; i-- > 0;)
        if (strcmp (s_events[i].sku, sku) == 0)
            return &s_events[i];
    return NULL;
}

//  Each change of the price in effect is emitted once, a future one when
//  its moment is announced.
static void
test_changes (MDB_txn *txn)
{
    pricebook_fault_t fault;
    s_nevents = 0;
    CHECK_EQ_INT (s_entry (txn, "list-usd", "BAG", 2000, 0, 0, 1000, &fault), 0);
    const pricing_price_changed_t *event = s_last_event ("BAG");
    CHECK (event && event->has_unit_price && event->unit_price == 2000 && !event->has_previous);
    CHECK_STR (event ? event->cause : "", "set");
    CHECK_STR (event ? event->price_book : "", "list-usd");
    CHECK_EQ_INT (s_entry (txn, "list-usd", "BAG", 2100, 0, 0, 1000, &fault), 0);
    event = s_last_event ("BAG");
    CHECK (event && event->previous == 2000 && event->unit_price == 2100);
    //  a future entry changes nothing now
    CHECK_EQ_INT (s_entry (txn, "list-usd", "BAG", 1900, 50000, 60000, 1000, &fault), 0);
    CHECK_EQ_INT (s_events_of ("BAG", NULL), 2);
    int64_t next = 0;
    CHECK_EQ_INT (pricebook_next_moment (&s_pb, txn, &next), 0);
    CHECK (next > 1000 && next <= 50000);
    //  announced at its moment, once
    size_t done = 0;
    CHECK_EQ_INT (pricebook_takeover_due (&s_pb, txn, "cid", 49999, 1000, &done), 0);
    CHECK_EQ_INT (s_events_of ("BAG", "scheduled"), 0);
    CHECK_EQ_INT (pricebook_takeover_due (&s_pb, txn, "cid", 50000, 1000, &done), 0);
    CHECK_EQ_INT (s_events_of ("BAG", "scheduled"), 1);
    event = s_last_event ("BAG");
    CHECK (event && event->previous == 2100 && event->unit_price == 1900 && event->changed_at == 50000);
    CHECK_EQ_INT (pricebook_takeover_due (&s_pb, txn, "cid", 50000, 1000, &done), 0);
    CHECK_EQ_INT (done, 0);
    CHECK_EQ_INT (s_events_of ("BAG", "scheduled"), 1);
    CHECK_EQ_INT (pricebook_takeover_due (&s_pb, txn, "cid", 60000, 1000, &done), 0);
    CHECK_EQ_INT (s_events_of ("BAG", "scheduled"), 2);
    event = s_last_event ("BAG");
    CHECK (event && event->previous == 1900 && event->unit_price == 2100);
    //  removing an entry: its price goes, the next one in effect stays
    CHECK_EQ_INT (s_entry (txn, "acme-usd", "BAG", 1500, 0, 0, 1000, &fault), 0);
    int64_t deleted = 0;
    CHECK_EQ_INT (pricebook_entry_delete (&s_pb, txn, "cid", "acme-usd", "BAG", false, 0, 1000, &deleted), 0);
    CHECK_EQ_INT (deleted, 1);
    event = s_last_event ("BAG");
    CHECK (event && event->previous == 1500 && !event->has_unit_price);
    CHECK_STR (event ? event->cause : "", "deleted");
    CHECK_EQ_INT (pricebook_entry_delete (&s_pb, txn, "cid", "acme-usd", "BAG", false, 0, 1000, &deleted),
                  RM_ENOTFOUND);
    //  a deleted future entry takes nothing over
    CHECK_EQ_INT (s_entry (txn, "list-usd", "BOX", 10, 0, 0, 1000, &fault), 0);
    CHECK_EQ_INT (s_entry (txn, "list-usd", "BOX", 20, 70000, 0, 1000, &fault), 0);
    CHECK_EQ_INT (pricebook_entry_delete (&s_pb, txn, "cid", "list-usd", "BOX", true, 70000, 1000, &deleted), 0);
    CHECK_EQ_INT (pricebook_takeover_due (&s_pb, txn, "cid", 80000, 1000, &done), 0);
    CHECK_EQ_INT (s_events_of ("BOX", NULL), 1);
}

static void
test_tolerance (void)
{
    tolerance_t tol;
    CHECK_EQ_INT (tolerance_parse ("0", &tol), 0);
    CHECK (tolerance_matches (&tol, 1000, 1000));
    CHECK (!tolerance_matches (&tol, 1000, 1001));
    CHECK_EQ_INT (tolerance_parse ("5", &tol), 0);
    CHECK (tolerance_matches (&tol, 1000, 1005));
    CHECK (tolerance_matches (&tol, 1000, 995));
    CHECK (!tolerance_matches (&tol, 1000, 1006));
    CHECK_EQ_INT (tolerance_parse ("50bp", &tol), 0);
    CHECK (tolerance_matches (&tol, 10000, 10050));
    CHECK (!tolerance_matches (&tol, 10000, 10051));
    CHECK (tolerance_matches (&tol, 10000, 9950));
    CHECK (!tolerance_matches (&tol, 199, 200));
    CHECK_EQ_INT (tolerance_parse ("10001bp", &tol), RM_EINVAL);
    CHECK_EQ_INT (tolerance_parse ("-5", &tol), RM_EINVAL);
    CHECK_EQ_INT (tolerance_parse ("5%", &tol), RM_EINVAL);
    CHECK_EQ_INT (tolerance_parse ("", &tol), RM_EINVAL);
}

//  Quoted lines against current prices: totals, verdicts within the
//  tolerance, the source of each price and the ends within the notice.
static void
test_evaluate (MDB_txn *txn)
{
    pricebook_scope_t scope;
    CHECK_EQ_INT (pricebook_scope (&s_pb, txn, "USD", "ACME", "web", &scope), 0);
    pricing_policy_t policy = {.notice_ms = 500};
    line_t lines[] = {{"TEE", 3, 800}, {"MUG", 2, 503}, {"PEN", 5, -1}};
    priced_line_t priced[3];
    int64_t total = 0;
    int bad = -2;
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", lines, 3, 1000, priced, &total, &bad), 0);
    CHECK_EQ_INT (total, 3 * 800 + 2 * 500 + 5 * 95);
    CHECK (priced[0].ok);
    CHECK (!priced[1].ok);
    CHECK (priced[2].ok);
    CHECK_STR (priced[0].price.book_id, "acme-usd");
    CHECK_EQ_INT (priced[2].price.min_quantity, 5);
    CHECK_EQ_INT (priced[1].extended_price, 1000);
    CHECK_EQ_INT (tolerance_parse ("3", &policy.tolerance), 0);
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", lines, 3, 1000, priced, &total, &bad), 0);
    CHECK (priced[1].ok);
    //  an end within the notice is reported, one beyond it is not
    line_t ink[] = {{"INK", 1, -1}};
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", ink, 1, 2500, priced, &total, &bad), 0);
    CHECK (priced[0].ends_soon);
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", ink, 1, 2000, priced, &total, &bad), 0);
    CHECK (!priced[0].ends_soon);
    //  an unknown SKU names its line; an unpriced currency names none
    line_t unknown[] = {{"TEE", 1, -1}, {"HAT", 1, -1}};
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", unknown, 2, 1000, priced, &total, &bad),
                  RM_ENOTFOUND);
    CHECK_EQ_INT (bad, 1);
    pricebook_scope_t gbp;
    CHECK_EQ_INT (pricebook_scope (&s_pb, txn, "GBP", "", "", &gbp), 0);
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &gbp, &policy, "GBP", unknown, 1, 1000, priced, &total, &bad),
                  RM_ENOTFOUND);
    CHECK_EQ_INT (bad, -1);
    CHECK (pricebook_has_currency (&s_pb, txn, "USD"));
    CHECK (!pricebook_has_currency (&s_pb, txn, "GBP"));
    //  amounts never overflow silently
    pricebook_fault_t fault;
    CHECK_EQ_INT (pricebook_list_put (&s_pb, txn, "cid", "USD", "GOLD", CATALOG_MAX_UNIT_PRICE, 1000, &fault), 0);
    line_t huge[10];
    for (size_t i = 0; i < 10; i++)
        huge[i] = (line_t) {"GOLD", CATALOG_MAX_QUANTITY, -1};
    priced_line_t many[10];
    CHECK_EQ_INT (pricing_evaluate (&s_pb, txn, &scope, &policy, "USD", huge, 10, 1000, many, &total, &bad),
                  RM_EINVAL);
    CHECK_EQ_INT (bad, 9);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-pricing");
    store_opts_t opts = {.dir = dir, .map_size = 16u << 20, .schema_version = PRICING_SCHEMA_VERSION,
                         .dbs = pricebook_dbs, .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_pb = (pricebook_t) {.prices = store_dbi (s_store, PRICING_DB_PRICES),
                          .books = store_dbi (s_store, PRICING_DB_BOOKS),
                          .scopes = store_dbi (s_store, PRICING_DB_SCOPES),
                          .schedule = store_dbi (s_store, PRICING_DB_SCHEDULE),
                          .emit = s_collect};
    test_migration ();
    MDB_txn *txn = NULL;
    CHECK_EQ_INT (store_write_begin (s_store, NULL, &txn), 0);
    test_books (txn);
    test_most_specific (txn);
    test_tiers (txn);
    test_validity (txn);
    test_changes (txn);
    test_evaluate (txn);
    store_abort (&txn);
    test_tolerance ();
    store_close (&s_store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
