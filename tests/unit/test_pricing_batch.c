//  pricing.batch's plain functions (batch.h over bulk.h) on a real LMDB
//  store, without sockets: a batch is applied all or nothing, every bad
//  item is named, a batch_id answers its first answer again, another body
//  under it is refused, and 10,000 items go in one transaction.
#include "batch.h"
#include "err.h"
#include "harness.h"
#include "pricing.h"
#include "txnhost.h"
#include <stdlib.h>

#define S_NOW 1800000000000LL

static store_t *s_store;
static txnhost_t s_host;
static pricebook_t s_pb;
static MDB_dbi s_batches;
static size_t s_nevents;

static void
s_count_event (void *arg, const char *cid, const pricing_price_changed_t *event)
{
    (void) arg;
    (void) cid;
    (void) event;
    s_nevents++;
}

//  A batch being built: its request, the digest of its "body" and what
//  applying it gave.
typedef struct {
    pricing_batch_request_t in;
    uint8_t digest[SHA256_LEN];
    catalog_batch_reply_t result;
    bulk_faults_t faults;
    int64_t now;
} s_batch_t;

static void
s_batch_init (s_batch_t *batch, const char *batch_id, const char *body)
{
    memset (batch, 0, sizeof *batch);
    snprintf (batch->in.batch_id, sizeof batch->in.batch_id, "%s", batch_id);
    sha256 (body, strlen (body), batch->digest);
    batch->now = S_NOW;
}

static pricing_batch_price_t *
s_add (s_batch_t *batch, const char *currency, const char *sku, int64_t unit_price, const char *book_id)
{
    pricing_batch_price_t *item =
        (pricing_batch_price_t *) record_push (&batch->in.items, &batch->in.items_count, sizeof *item);
    CHECK (item != NULL);
    if (!item)
        exit (1);
    snprintf (item->currency, sizeof item->currency, "%s", currency);
    snprintf (item->sku, sizeof item->sku, "%s", sku);
    snprintf (item->book_id, sizeof item->book_id, "%s", book_id ? book_id : "");
    item->unit_price = unit_price;
    item->has_unit_price = true;
    return item;
}

static void
s_batch_free (s_batch_t *batch)
{
    record_free (pricing_batch_request_fields, &batch->in);
    bulk_faults_free (&batch->faults);
}

static int
s_apply_write (MDB_txn *txn, void *arg)
{
    s_batch_t *batch = (s_batch_t *) arg;
    bulk_faults_free (&batch->faults);
    return batch_apply (&s_pb, txn, s_batches, "cid-batch", &batch->in, batch->digest, batch->now, &batch->result,
                        &batch->faults);
}

//  Applies the batch in its own transaction, committed when it succeeds.
static int
s_apply (s_batch_t *batch)
{
    return txnhost_write (&s_host, s_apply_write, batch);
}

static int
s_book_write (MDB_txn *txn, void *arg)
{
    const char *const *book = (const char *const *) arg;
    pricing_put_book_request_t in = {0};
    snprintf (in.book_id, sizeof in.book_id, "%s", book[0]);
    snprintf (in.name, sizeof in.name, "book %s", book[0]);
    snprintf (in.currency, sizeof in.currency, "%s", book[1]);
    snprintf (in.kind, sizeof in.kind, "channel");
    snprintf (in.channel, sizeof in.channel, "%s", book[2]);
    pricing_book_t stored;
    pricebook_fault_t fault;
    return pricebook_book_put (&s_pb, txn, &in, S_NOW - 1000, &stored, &fault);
}

//  The number of entries sku has in book now (0 when none).
static size_t
s_entries (const char *book_id, const char *sku, int64_t *unit_price)
{
    MDB_txn *txn;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    pricing_entries_t entries = {0};
    int rc = pricebook_entries_get (&s_pb, txn, book_id, sku, &entries);
    size_t count = rc == 0 ? entries.entries_count : 0;
    if (count && unit_price)
        *unit_price = entries.entries[count - 1].unit_price;
    record_free (pricing_entries_fields, &entries);
    return count;
}

static bool
s_recorded (const char *batch_id)
{
    MDB_txn *txn;
    MDB_val val;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    return store_get (txn, s_batches, batch_id, strlen (batch_id), &val) == 0;
}

//  Item 3 is bad: nothing of the batch is applied, not even items 0..2,
//  and the fault names index 3 and its field.
static void
test_all_or_nothing (void)
{
    s_batch_t batch;
    s_batch_init (&batch, "b-bad-3", "body bad 3");
    s_add (&batch, "USD", "A-0", 100, NULL);
    s_add (&batch, "USD", "A-1", 110, "web-usd");
    s_add (&batch, "USD", "A-2", 120, NULL);
    s_add (&batch, "USD", "A-3", 130, "no-such-book");
    s_add (&batch, "USD", "A-4", 140, NULL);
    CHECK_EQ_INT (s_apply (&batch), RM_EINVAL);
    CHECK_EQ_INT (batch.faults.count, 1);
    if (batch.faults.count == 1) {
        CHECK_EQ_INT (batch.faults.items[0].index, 3);
        CHECK_EQ_INT (batch.faults.items[0].code, RM_ENOTFOUND);
        CHECK_STR (batch.faults.items[0].field, "/items/3/book_id");
        CHECK_STR (batch.faults.items[0].message, "no price book 'no-such-book'");
    }
    CHECK_EQ_INT (s_entries ("list-usd", "A-0", NULL), 0);
    CHECK_EQ_INT (s_entries ("web-usd", "A-1", NULL), 0);
    CHECK_EQ_INT (s_entries ("list-usd", "A-2", NULL), 0);
    CHECK (!s_recorded ("b-bad-3"));
    //  a refused batch_id may be sent again, corrected
    snprintf (batch.in.items[3].book_id, sizeof batch.in.items[3].book_id, "web-usd");
    sha256 ("body bad 3, corrected", 21, batch.digest);
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK_EQ_INT (batch.result.applied, 5);
    CHECK (!batch.result.replayed);
    CHECK_EQ_INT (s_entries ("web-usd", "A-3", NULL), 1);
    CHECK (s_recorded ("b-bad-3"));
    s_batch_free (&batch);
}

//  Every bad item is reported, each with its own field, in order.
static void
test_every_fault (void)
{
    s_batch_t batch;
    s_batch_init (&batch, "b-many", "body many");
    s_add (&batch, "USD", "F-0", 100, NULL);
    pricing_batch_price_t *item = s_add (&batch, "USD", "F-1", 100, "web-usd");
    item->valid_from = S_NOW + 2000;
    item->has_valid_from = true;
    item->valid_to = S_NOW + 1000;
    item->has_valid_to = true;
    s_add (&batch, "USD", "F-2", 100, NULL);
    s_add (&batch, "USD", "F-3", 100, "web-eur");
    item = s_add (&batch, "USD", "F-4", 100, NULL);
    pricing_tier_t *tier = (pricing_tier_t *) record_push (&item->tiers, &item->tiers_count, sizeof *tier);
    *tier = (pricing_tier_t) {.min_quantity = 10, .has_min_quantity = true, .unit_price = 90, .has_unit_price = true};
    tier = (pricing_tier_t *) record_push (&item->tiers, &item->tiers_count, sizeof *tier);
    *tier = (pricing_tier_t) {.min_quantity = 10, .has_min_quantity = true, .unit_price = 80, .has_unit_price = true};
    item = s_add (&batch, "USD", "F-5", 100, NULL);
    item->valid_to = S_NOW - 1;
    item->has_valid_to = true;
    s_add (&batch, "USD", "F-6", 100, "gone-usd");
    CHECK_EQ_INT (s_apply (&batch), RM_EINVAL);
    static const struct {
        size_t index;
        int code;
        const char *field;
    } expected[] = {{1, RM_EINVAL, "/items/1/valid_to"},
                    {3, RM_EINVAL, "/items/3/currency"},
                    {4, RM_EINVAL, "/items/4/tiers/1/min_quantity"},
                    {5, RM_EINVAL, "/items/5/valid_to"},
                    {6, RM_ENOTFOUND, "/items/6/book_id"}};
    CHECK_EQ_INT (batch.faults.count, 5);
    for (size_t i = 0; i < 5 && i < batch.faults.count; i++) {
        CHECK_EQ_INT (batch.faults.items[i].index, expected[i].index);
        CHECK_EQ_INT (batch.faults.items[i].code, expected[i].code);
        CHECK_STR (batch.faults.items[i].field, expected[i].field);
        CHECK (batch.faults.items[i].message[0] != '\0');
    }
    CHECK_STR (batch.faults.count > 1 ? batch.faults.items[1].message : "", "price book web-eur prices in EUR");
    CHECK_EQ_INT (s_entries ("list-usd", "F-0", NULL), 0);
    CHECK_EQ_INT (s_entries ("list-usd", "F-2", NULL), 0);
    s_batch_free (&batch);
}

//  The same batch_id with the same body answers the first answer and
//  applies nothing again; with another body it is refused.
static void
test_replay_and_conflict (void)
{
    s_batch_t batch;
    s_batch_init (&batch, "b-once", "body once");
    s_add (&batch, "EUR", "R-0", 500, NULL);
    s_add (&batch, "EUR", "R-1", 600, "web-eur");
    pricing_batch_price_t *later = s_add (&batch, "EUR", "R-1", 550, "web-eur");
    later->valid_from = S_NOW + 60000;
    later->has_valid_from = true;
    size_t before = s_nevents;
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK_EQ_INT (batch.result.applied, 3);
    CHECK_EQ_INT (batch.result.applied_at, S_NOW);
    CHECK_STR (batch.result.batch_id, "b-once");
    CHECK (!batch.result.replayed);
    //  the current prices changed; the dated one is scheduled, not yet in effect
    CHECK_EQ_INT (s_nevents - before, 2);
    CHECK_EQ_INT (s_entries ("web-eur", "R-1", NULL), 2);
    MDB_txn *txn;
    int64_t at = 0;
    CHECK_EQ_INT (txnhost_read (&s_host, &txn), 0);
    CHECK_EQ_INT (pricebook_next_moment (&s_pb, txn, &at), 0);
    CHECK_EQ_INT (at, S_NOW + 60000);

    //  resent later with the same body: the first answer, nothing applied
    before = s_nevents;
    batch.now = S_NOW + 5000;
    batch.in.items[0].unit_price = 999;
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK (batch.result.replayed);
    CHECK_EQ_INT (batch.result.applied, 3);
    CHECK_EQ_INT (batch.result.applied_at, S_NOW);
    CHECK_EQ_INT (s_nevents, before);
    int64_t price = 0;
    CHECK_EQ_INT (s_entries ("list-eur", "R-0", &price), 1);
    CHECK_EQ_INT (price, 500);

    //  another body under the same batch_id
    sha256 ("another body", 12, batch.digest);
    CHECK_EQ_INT (s_apply (&batch), RM_ECONFLICT);
    CHECK_EQ_INT (batch.faults.count, 0);
    CHECK_EQ_INT (s_entries ("list-eur", "R-0", &price), 1);
    CHECK_EQ_INT (price, 500);
    s_batch_free (&batch);
}

//  The digest does not depend on the order of a map's keys.
static void
test_digest (void)
{
    static const char a[] = "\x82\xa1" "a" "\x01\xa1" "b" "\x02";
    static const char b[] = "\x82\xa1" "b" "\x02\xa1" "a" "\x01";
    static const char c[] = "\x82\xa1" "a" "\x01\xa1" "b" "\x03";
    uint8_t da[SHA256_LEN], db[SHA256_LEN], dc[SHA256_LEN];
    const char *bodies[] = {a, b, c};
    uint8_t *digests[] = {da, db, dc};
    for (size_t i = 0; i < 3; i++) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        CHECK (msgpack_unpack_next (&unpacked, bodies[i], sizeof a - 1, NULL) == MSGPACK_UNPACK_SUCCESS);
        CHECK_EQ_INT (bulk_digest (&unpacked.data, digests[i]), 0);
        msgpack_unpacked_destroy (&unpacked);
    }
    CHECK (memcmp (da, db, SHA256_LEN) == 0);
    CHECK (memcmp (da, dc, SHA256_LEN) != 0);
}

//  10,000 items, the most a batch has, in one transaction.
static void
test_ten_thousand (void)
{
    s_batch_t batch;
    s_batch_init (&batch, "b-10000", "body 10000");
    for (int i = 0; i < CATALOG_MAX_BATCH_ITEMS; i++) {
        char sku[32];
        snprintf (sku, sizeof sku, "BULK-%05d", i);
        s_add (&batch, "GBP", sku, 1000 + i, i % 2 ? "web-gbp" : NULL);
    }
    size_t before = s_nevents;
    CHECK_EQ_INT (s_apply (&batch), 0);
    CHECK_EQ_INT (batch.result.applied, CATALOG_MAX_BATCH_ITEMS);
    CHECK_EQ_INT (s_nevents - before, CATALOG_MAX_BATCH_ITEMS);
    int64_t price = 0;
    CHECK_EQ_INT (s_entries ("list-gbp", "BULK-00000", &price), 1);
    CHECK_EQ_INT (price, 1000);
    CHECK_EQ_INT (s_entries ("web-gbp", "BULK-09999", &price), 1);
    CHECK_EQ_INT (price, 10999);
    //  one bad item among 10,000 keeps all of them out
    s_batch_t again;
    s_batch_init (&again, "b-10000-bad", "body 10000 bad");
    for (int i = 0; i < CATALOG_MAX_BATCH_ITEMS; i++) {
        char sku[32];
        snprintf (sku, sizeof sku, "BULK2-%05d", i);
        s_add (&again, "GBP", sku, 1, i == 9998 ? "no-book" : NULL);
    }
    CHECK_EQ_INT (s_apply (&again), RM_EINVAL);
    CHECK_EQ_INT (again.faults.count, 1);
    CHECK_STR (again.faults.count ? again.faults.items[0].field : "", "/items/9998/book_id");
    CHECK_EQ_INT (s_entries ("list-gbp", "BULK2-00000", NULL), 0);
    s_batch_free (&again);
    s_batch_free (&batch);
}

int
main (int argc, char **argv)
{
    (void) argc;
    char *dir = harness_tmpdir ("retailmesh-pricing-batch");
    store_opts_t opts = {.dir = dir, .map_size = 256u << 20, .schema_version = PRICING_SCHEMA_VERSION, .dbs = pricebook_dbs,
                         .nosync = true};
    CHECK_EQ_INT (store_open (&opts, &s_store), 0);
    s_host.store = s_store;
    s_pb = (pricebook_t) {.prices = store_dbi (s_store, PRICING_DB_PRICES),
                          .books = store_dbi (s_store, PRICING_DB_BOOKS),
                          .scopes = store_dbi (s_store, PRICING_DB_SCOPES),
                          .schedule = store_dbi (s_store, PRICING_DB_SCHEDULE),
                          .emit = s_count_event};
    s_batches = store_dbi (s_store, PRICING_DB_BATCHES);
    const char *const books[][3] = {{"web-usd", "USD", "web"}, {"web-eur", "EUR", "web"}, {"web-gbp", "GBP", "web"}};
    for (size_t i = 0; i < 3; i++)
        CHECK_EQ_INT (txnhost_write (&s_host, s_book_write, (void *) books[i]), 0);
    test_digest ();
    test_all_or_nothing ();
    test_every_fault ();
    test_replay_and_conflict ();
    test_ten_thousand ();
    txnhost_close (&s_host);
    store_close (&s_store);
    harness_rmtree (dir);
    free (dir);
    return harness_report (argv[0]);
}
