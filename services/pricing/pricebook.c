#include "pricebook.h"
#include "err.h"
#include "mp.h"
#include "schedule.h"
#include "store.h"
#include "storeval.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pricebook_dbs[] = {"prices", "books", "book_scopes", "schedule", NULL};

//  The record version of a price in the "prices" layout of schema 2.
#define S_PRICE_V2 1

//  "<book_id>\0<sku>", or "<kind>\0<channel or account>\0<currency>"
#define S_KEY_MAX 160

//  A SKU's entries in one book, by valid_from.
typedef struct {
    pricing_dated_entry_t *entries;
    size_t entries_count;
} s_list_t;
#define S_LIST(X, T) X (T, MAPS, entries, 0, PRICING_MAX_DATED, pricing_dated_entry, "by valid_from")
static RECORD_FIELDS_OF (s_list_fields, S_LIST, s_list_t)

static int
s_fault (pricebook_fault_t *fault, int rc, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_fault (pricebook_fault_t *fault, int rc, const char *field, const char *fmt, ...)
{
    if (fault) {
        snprintf (fault->field, sizeof fault->field, "%s", field);
        va_list args;
        va_start (args, fmt);
        vsnprintf (fault->message, sizeof fault->message, fmt, args);
        va_end (args);
    }
    return rc;
}

//  ---- records ---------------------------------------------------------

static int
s_put_record (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
              const field_spec_t *fields, const void *record)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fields, record, &pk);
    int rc = buf.data ? storeval_put (txn, dbi, key, klen, version, buf.data, buf.size) : RM_ENOMEM;
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

//  Decodes the record at key into record (zeroed, record_free it either
//  way). Returns 0, RM_ENOTFOUND, RM_ENOMEM or RM_ESTORE.
static int
s_get_record (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, unsigned version,
              const field_spec_t *fields, void *record)
{
    MDB_val val;
    int rc = store_get (txn, dbi, key, klen, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, version, &unpacked);
    if (rc == 0)
        rc = record_decode (fields, &unpacked.data, record);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

//  ---- books -----------------------------------------------------------

bool
pricebook_kind_known (const char *kind)
{
    return strcmp (kind, "list") == 0 || strcmp (kind, "channel") == 0 || strcmp (kind, "account") == 0;
}

void
pricebook_list_id (const char *currency, char id[PRICEBOOK_ID_MAX + 1])
{
    int n = snprintf (id, PRICEBOOK_ID_MAX + 1, "list-%s", currency);
    for (int i = 5; i < n && id[i]; i++)
        id[i] = (char) tolower ((unsigned char) id[i]);
}

static void
s_lower (char *text)
{
    for (; *text; text++)
        *text = (char) tolower ((unsigned char) *text);
}

static size_t
s_scope_key (char key[S_KEY_MAX], const char *kind, const char *who, const char *currency)
{
    size_t klen = strlen (kind), wlen = strlen (who), clen = strlen (currency);
    if (klen + wlen + clen + 2 > S_KEY_MAX)
        return 0;
    memcpy (key, kind, klen + 1);
    memcpy (key + klen + 1, who, wlen + 1);
    memcpy (key + klen + wlen + 2, currency, clen);
    return klen + wlen + clen + 2;
}

int
pricebook_book_get (const pricebook_t *pb, MDB_txn *txn, const char *book_id, pricing_book_t *book)
{
    memset (book, 0, sizeof *book);
    int rc = s_get_record (txn, pb->books, book_id, strlen (book_id), PRICEBOOK_BOOK_V, pricing_book_fields, book);
    return rc == RM_ENOMEM ? RM_ESTORE : rc;
}

//  Checks a new book's kind and scope; channel is the request's in lower case.
static int
s_check_book (const pricing_put_book_request_t *in, const char *channel, pricebook_fault_t *fault)
{
    bool list = strcmp (in->kind, "list") == 0, by_channel = strcmp (in->kind, "channel") == 0,
         by_account = strcmp (in->kind, "account") == 0;
    if (!pricebook_kind_known (in->kind))
        return s_fault (fault, RM_EINVAL, "/kind", "must be list, channel or account, not '%s'", in->kind);
    if (by_channel != (*channel != '\0'))
        return s_fault (fault, RM_EINVAL, "/channel", by_channel ? "is required for a channel book"
                                                                 : "only a channel book has a channel");
    if (by_account != (in->account_id[0] != '\0'))
        return s_fault (fault, RM_EINVAL, "/account_id", by_account ? "is required for an account book"
                                                                    : "only an account book has an account_id");
    char list_id[PRICEBOOK_ID_MAX + 1];
    pricebook_list_id (in->currency, list_id);
    if (list && strcmp (in->book_id, list_id) != 0)
        return s_fault (fault, RM_EINVAL, "/book_id", "the %s list book's ID is %s", in->currency, list_id);
    if (!list && strncmp (in->book_id, "list-", 5) == 0)
        return s_fault (fault, RM_EINVAL, "/kind", "book IDs starting with list- are the currencies' list books");
    return 0;
}

//  The stored book differs from the request in a field that is fixed.
static int
s_check_fixed (const pricing_book_t *old, const pricing_put_book_request_t *in, const char *channel,
               pricebook_fault_t *fault)
{
    const struct {
        const char *field, *was, *now;
    } fixed[] = {{"/currency", old->currency, in->currency},
                 {"/kind", old->kind, in->kind},
                 {"/channel", old->channel, channel},
                 {"/account_id", old->account_id, in->account_id}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp (fixed[i].was, fixed[i].now) != 0)
            return s_fault (fault, RM_ECONFLICT, fixed[i].field,
                            "price book %s exists with %s '%s'; it cannot change", old->book_id,
                            fixed[i].field + 1, fixed[i].was);
    return 0;
}

int
pricebook_book_put (const pricebook_t *pb, MDB_txn *txn, const pricing_put_book_request_t *in, int64_t now,
                    pricing_book_t *book, pricebook_fault_t *fault)
{
    char channel[sizeof in->channel];
    snprintf (channel, sizeof channel, "%s", in->channel);
    s_lower (channel);
    int rc = s_check_book (in, channel, fault);
    if (rc != 0)
        return rc;
    rc = pricebook_book_get (pb, txn, in->book_id, book);
    if (rc == 0) {
        rc = s_check_fixed (book, in, channel, fault);
        if (rc != 0)
            return rc;
        snprintf (book->name, sizeof book->name, "%s", in->name);
        book->updated_at = now;
        return s_put_record (txn, pb->books, in->book_id, strlen (in->book_id), PRICEBOOK_BOOK_V,
                             pricing_book_fields, book);
    }
    if (rc != RM_ENOTFOUND)
        return rc;
    MDB_stat stat;
    if (mdb_stat (txn, pb->books, &stat) != 0)
        return RM_ESTORE;
    if (stat.ms_entries >= PRICING_MAX_BOOKS)
        return s_fault (fault, RM_ECONFLICT, "/book_id", "%d price books exist, the most a store holds",
                        PRICING_MAX_BOOKS);
    const char *who = *channel ? channel : in->account_id;
    if (*who) {
        char key[S_KEY_MAX];
        size_t klen = s_scope_key (key, in->kind, who, in->currency);
        MDB_val val;
        rc = klen ? store_get (txn, pb->scopes, key, klen, &val) : RM_EINVAL;
        if (rc == 0)
            return s_fault (fault, RM_ECONFLICT, *channel ? "/channel" : "/account_id",
                            "price book %.*s already prices %s %s in %s", (int) val.mv_size,
                            (const char *) val.mv_data, in->kind, who, in->currency);
        if (rc != RM_ENOTFOUND)
            return rc;
        rc = store_put (txn, pb->scopes, key, klen, in->book_id, strlen (in->book_id), 0);
        if (rc != 0)
            return rc;
    }
    memset (book, 0, sizeof *book);
    snprintf (book->book_id, sizeof book->book_id, "%s", in->book_id);
    snprintf (book->name, sizeof book->name, "%s", in->name);
    snprintf (book->currency, sizeof book->currency, "%s", in->currency);
    snprintf (book->kind, sizeof book->kind, "%s", in->kind);
    snprintf (book->channel, sizeof book->channel, "%s", channel);
    snprintf (book->account_id, sizeof book->account_id, "%s", in->account_id);
    book->created_at = book->updated_at = now;
    book->has_created_at = book->has_updated_at = true;
    return s_put_record (txn, pb->books, in->book_id, strlen (in->book_id), PRICEBOOK_BOOK_V, pricing_book_fields,
                         book);
}

//  Calls fn for every stored book until it returns non-zero (which is returned).
static int
s_each_book (const pricebook_t *pb, MDB_txn *txn, int (*fn) (const pricing_book_t *book, void *arg), void *arg)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, pb->books, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    int rc = 0, mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    for (; rc == 0 && mrc == 0; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        pricing_book_t book = {0};
        msgpack_unpacked unpacked;
        rc = storeval_read (&val, PRICEBOOK_BOOK_V, &unpacked);
        if (rc == 0)
            rc = record_decode (pricing_book_fields, &unpacked.data, &book) == 0 ? 0 : RM_ESTORE;
        msgpack_unpacked_destroy (&unpacked);
        rc = rc == 0 ? fn (&book, arg) : RM_ESTORE;
    }
    mdb_cursor_close (cursor);
    return rc != 0 ? rc : mrc == MDB_NOTFOUND ? 0 : RM_ESTORE;
}

typedef struct {
    const char *currency, *kind;
    pricing_books_t *out;
} s_list_books_t;

static int
s_list_book (const pricing_book_t *book, void *arg)
{
    s_list_books_t *ctx = (s_list_books_t *) arg;
    if ((*ctx->currency && strcmp (book->currency, ctx->currency) != 0)
        || (*ctx->kind && strcmp (book->kind, ctx->kind) != 0))
        return 0;
    pricing_book_t *item = (pricing_book_t *) record_push (&ctx->out->books, &ctx->out->books_count, sizeof *item);
    if (!item)
        return RM_ENOMEM;
    *item = *book;
    return 0;
}

int
pricebook_book_list (const pricebook_t *pb, MDB_txn *txn, const char *currency, const char *kind,
                     pricing_books_t *out)
{
    s_list_books_t ctx = {currency, kind, out};
    return s_each_book (pb, txn, s_list_book, &ctx);
}

static int
s_has_currency (const pricing_book_t *book, void *arg)
{
    return strcmp (book->currency, (const char *) arg) == 0 ? 1 : 0;
}

bool
pricebook_has_currency (const pricebook_t *pb, MDB_txn *txn, const char *currency)
{
    return s_each_book (pb, txn, s_has_currency, (void *) currency) == 1;
}

//  ---- entries ---------------------------------------------------------

static int64_t
s_from (const pricing_dated_entry_t *entry)
{
    return entry->has_valid_from ? entry->valid_from : 0;
}

static const pricing_dated_entry_t *
s_effective (const s_list_t *list, int64_t at)
{
    for (size_t i = list->entries_count; i-- > 0;) {
        const pricing_dated_entry_t *entry = &list->entries[i];
        if (s_from (entry) <= at && (!entry->has_valid_to || at < entry->valid_to))
            return entry;
    }
    return NULL;
}

//  The price a list gives below every tier at one moment, to tell changes.
typedef struct {
    bool present;
    int64_t from, unit_price;
} s_state_t;

static s_state_t
s_state (const s_list_t *list, int64_t at)
{
    const pricing_dated_entry_t *entry = s_effective (list, at);
    return entry ? (s_state_t) {true, s_from (entry), entry->unit_price} : (s_state_t) {false, 0, 0};
}

static bool
s_same (s_state_t a, s_state_t b)
{
    return a.present == b.present && (!a.present || (a.from == b.from && a.unit_price == b.unit_price));
}

static void
s_emit (const pricebook_t *pb, const char *cid, const pricing_book_t *book, const char *sku, s_state_t before,
        s_state_t after, int64_t at, const char *cause)
{
    if (!pb->emit)
        return;
    pricing_price_changed_t event = {.has_unit_price = after.present, .unit_price = after.unit_price,
                                     .has_previous = before.present, .previous = before.unit_price,
                                     .has_changed_at = true, .changed_at = at};
    snprintf (event.price_book, sizeof event.price_book, "%s", book->book_id);
    snprintf (event.currency, sizeof event.currency, "%s", book->currency);
    snprintf (event.sku, sizeof event.sku, "%s", sku);
    snprintf (event.cause, sizeof event.cause, "%s", cause);
    pb->emit (pb->emit_arg, cid, &event);
}

static size_t
s_entry_key (char key[S_KEY_MAX], const char *book_id, const char *sku)
{
    return store_key_pair (key, S_KEY_MAX, book_id, sku);
}

//  Loads a SKU's list (empty when it has none). Returns 0, RM_EINVAL (IDs
//  too long), RM_ENOMEM or RM_ESTORE.
static int
s_list_load (const pricebook_t *pb, MDB_txn *txn, const char *book_id, const char *sku, s_list_t *list)
{
    memset (list, 0, sizeof *list);
    char key[S_KEY_MAX];
    size_t klen = s_entry_key (key, book_id, sku);
    if (!klen)
        return RM_EINVAL;
    int rc = s_get_record (txn, pb->prices, key, klen, PRICEBOOK_ENTRIES_V, s_list_fields, list);
    if (rc != 0)
        record_free (s_list_fields, list);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

static int
s_list_store (const pricebook_t *pb, MDB_txn *txn, const char *book_id, const char *sku, const s_list_t *list)
{
    char key[S_KEY_MAX];
    size_t klen = s_entry_key (key, book_id, sku);
    if (!klen)
        return RM_EINVAL;
    if (list->entries_count > 0)
        return s_put_record (txn, pb->prices, key, klen, PRICEBOOK_ENTRIES_V, s_list_fields, list);
    int rc = store_del (txn, pb->prices, key, klen);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

//  Adds (or removes) the schedule's moments of a list that are after now.
static int
s_schedule_sync (const pricebook_t *pb, MDB_txn *txn, const char *book_id, const char *sku, const s_list_t *list,
                 int64_t now, bool add)
{
    schedule_item_t item;
    snprintf (item.book_id, sizeof item.book_id, "%s", book_id);
    snprintf (item.sku, sizeof item.sku, "%s", sku);
    for (size_t i = 0; i < list->entries_count; i++) {
        const pricing_dated_entry_t *entry = &list->entries[i];
        const int64_t moments[2] = {entry->has_valid_from ? entry->valid_from : 0,
                                    entry->has_valid_to ? entry->valid_to : 0};
        for (size_t m = 0; m < 2; m++) {
            if (moments[m] <= now)
                continue;
            item.at = moments[m];
            int rc = add ? schedule_add (txn, pb->schedule, &item) : schedule_remove (txn, pb->schedule, &item);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static void
s_list_remove (s_list_t *list, size_t i)
{
    record_free (pricing_dated_entry_fields, &list->entries[i]);
    memmove (&list->entries[i], &list->entries[i + 1], (list->entries_count - i - 1) * sizeof list->entries[0]);
    list->entries_count--;
}

//  Drops the entries that ended at or before now: they never apply again.
static void
s_list_prune (s_list_t *list, int64_t now)
{
    for (size_t i = list->entries_count; i-- > 0;)
        if (list->entries[i].has_valid_to && list->entries[i].valid_to <= now)
            s_list_remove (list, i);
}

static int
s_tier_order (const void *a, const void *b)
{
    int64_t x = ((const pricing_tier_t *) a)->min_quantity, y = ((const pricing_tier_t *) b)->min_quantity;
    return (x > y) - (x < y);
}

static int
s_check_entry (const pricing_dated_entry_t *entry, int64_t now, pricebook_fault_t *fault)
{
    if (entry->has_valid_to && entry->has_valid_from && entry->valid_to <= entry->valid_from)
        return s_fault (fault, RM_EINVAL, "/valid_to", "must be after valid_from");
    if (entry->has_valid_to && entry->valid_to <= now)
        return s_fault (fault, RM_EINVAL, "/valid_to", "is not in the future: the entry would never apply");
    for (size_t i = 0; i < entry->tiers_count; i++)
        for (size_t j = 0; j < i; j++)
            if (entry->tiers[j].min_quantity == entry->tiers[i].min_quantity) {
                char field[48];
                snprintf (field, sizeof field, "/tiers/%zu/min_quantity", i);
                return s_fault (fault, RM_EINVAL, field, "repeats min_quantity %lld of tier %zu",
                                (long long) entry->tiers[i].min_quantity, j);
            }
    return 0;
}

//  A copy of entry that owns its tiers, in min_quantity order.
static int
s_copy_entry (const pricing_dated_entry_t *entry, int64_t now, pricing_dated_entry_t *copy)
{
    *copy = *entry;
    copy->tiers = NULL;
    copy->tiers_count = 0;
    copy->updated_at = now;
    copy->has_updated_at = true;
    if (entry->tiers_count == 0)
        return 0;
    copy->tiers = (pricing_tier_t *) malloc (entry->tiers_count * sizeof *copy->tiers);
    if (!copy->tiers)
        return RM_ENOMEM;
    memcpy (copy->tiers, entry->tiers, entry->tiers_count * sizeof *copy->tiers);
    copy->tiers_count = entry->tiers_count;
    qsort (copy->tiers, copy->tiers_count, sizeof *copy->tiers, s_tier_order);
    return 0;
}

//  Puts entry into the list (pruned of ended entries) in valid_from order.
static int
s_list_set (s_list_t *list, const pricing_dated_entry_t *entry, int64_t now, pricebook_fault_t *fault)
{
    s_list_prune (list, now);
    size_t i = 0;
    while (i < list->entries_count && s_from (&list->entries[i]) < s_from (entry))
        i++;
    bool replace = i < list->entries_count && s_from (&list->entries[i]) == s_from (entry);
    if (!replace && list->entries_count >= PRICING_MAX_DATED)
        return s_fault (fault, RM_ECONFLICT, "/valid_from", "the SKU has %d dated entries in the book, the most it may",
                        PRICING_MAX_DATED);
    pricing_dated_entry_t copy;
    int rc = s_copy_entry (entry, now, &copy);
    if (rc != 0)
        return rc;
    if (replace)
        record_free (pricing_dated_entry_fields, &list->entries[i]);
    else {
        if (!record_push (&list->entries, &list->entries_count, sizeof list->entries[0])) {
            record_free (pricing_dated_entry_fields, &copy);
            return RM_ENOMEM;
        }
        memmove (&list->entries[i + 1], &list->entries[i], (list->entries_count - i - 1) * sizeof list->entries[0]);
    }
    list->entries[i] = copy;
    return 0;
}

//  Writes a SKU's changed list: the old list's moments out of the schedule,
//  the new list's in, and the change of the price in effect at now.
static int
s_list_commit (const pricebook_t *pb, MDB_txn *txn, const char *cid, const pricing_book_t *book, const char *sku,
               const s_list_t *old, const s_list_t *list, int64_t now, bool touched, const char *cause)
{
    int rc = s_schedule_sync (pb, txn, book->book_id, sku, old, now, false);
    if (rc == 0)
        rc = s_list_store (pb, txn, book->book_id, sku, list);
    if (rc == 0)
        rc = s_schedule_sync (pb, txn, book->book_id, sku, list, now, true);
    if (rc != 0)
        return rc;
    s_state_t before = s_state (old, now), after = s_state (list, now);
    if (touched || !s_same (before, after))
        s_emit (pb, cid, book, sku, before, after, now, cause);
    return 0;
}

int
pricebook_entry_put (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *book_id, const char *sku,
                     const pricing_dated_entry_t *entry, int64_t now, pricebook_fault_t *fault)
{
    pricing_book_t book;
    int rc = pricebook_book_get (pb, txn, book_id, &book);
    if (rc == RM_ENOTFOUND)
        return s_fault (fault, rc, "/book_id", "no price book '%s'", book_id);
    if (rc == 0)
        rc = s_check_entry (entry, now, fault);
    if (rc != 0)
        return rc;
    s_list_t old, list;
    rc = s_list_load (pb, txn, book_id, sku, &old);
    if (rc == 0)
        rc = s_list_load (pb, txn, book_id, sku, &list);
    if (rc == 0)
        rc = s_list_set (&list, entry, now, fault);
    if (rc == 0) {
        const pricing_dated_entry_t *effective = s_effective (&list, now);
        bool touched = effective && s_from (effective) == s_from (entry);
        rc = s_list_commit (pb, txn, cid, &book, sku, &old, &list, now, touched, "set");
    }
    record_free (s_list_fields, &old);
    record_free (s_list_fields, &list);
    return rc;
}

//  The currency's list book, created when missing.
static int
s_list_book_ensure (const pricebook_t *pb, MDB_txn *txn, const char *currency, int64_t now,
                    char book_id[PRICEBOOK_ID_MAX + 1])
{
    pricing_put_book_request_t in = {0};
    pricebook_list_id (currency, in.book_id);
    snprintf (book_id, PRICEBOOK_ID_MAX + 1, "%s", in.book_id);
    snprintf (in.name, sizeof in.name, "%s list prices", currency);
    snprintf (in.currency, sizeof in.currency, "%s", currency);
    snprintf (in.kind, sizeof in.kind, "list");
    pricing_book_t book;
    int rc = pricebook_book_get (pb, txn, in.book_id, &book);
    return rc == RM_ENOTFOUND ? pricebook_book_put (pb, txn, &in, now, &book, NULL) : rc;
}

int
pricebook_list_put (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *currency, const char *sku,
                    int64_t unit_price, int64_t now, pricebook_fault_t *fault)
{
    char book_id[PRICEBOOK_ID_MAX + 1];
    int rc = s_list_book_ensure (pb, txn, currency, now, book_id);
    if (rc == RM_ECONFLICT)
        return s_fault (fault, rc, "/currency", "the %s list book cannot be created: %d price books exist", currency,
                        PRICING_MAX_BOOKS);
    if (rc != 0)
        return rc;
    pricing_dated_entry_t entry = {.unit_price = unit_price, .has_unit_price = true};
    return pricebook_entry_put (pb, txn, cid, book_id, sku, &entry, now, fault);
}

int
pricebook_entries_get (const pricebook_t *pb, MDB_txn *txn, const char *book_id, const char *sku,
                       pricing_entries_t *out)
{
    pricing_book_t book;
    int rc = pricebook_book_get (pb, txn, book_id, &book);
    s_list_t list = {0};
    if (rc == 0)
        rc = s_list_load (pb, txn, book_id, sku, &list);
    if (rc == 0 && list.entries_count == 0)
        rc = RM_ENOTFOUND;
    if (rc != 0) {
        record_free (s_list_fields, &list);
        return rc;
    }
    snprintf (out->book_id, sizeof out->book_id, "%s", book_id);
    snprintf (out->currency, sizeof out->currency, "%s", book.currency);
    snprintf (out->sku, sizeof out->sku, "%s", sku);
    out->entries = list.entries;
    out->entries_count = list.entries_count;
    return 0;
}

int
pricebook_entry_delete (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *book_id, const char *sku,
                        bool has_valid_from, int64_t valid_from, int64_t now, int64_t *deleted)
{
    *deleted = 0;
    pricing_book_t book;
    int rc = pricebook_book_get (pb, txn, book_id, &book);
    s_list_t old = {0}, list = {0};
    if (rc == 0)
        rc = s_list_load (pb, txn, book_id, sku, &old);
    if (rc == 0)
        rc = s_list_load (pb, txn, book_id, sku, &list);
    for (size_t i = list.entries_count; rc == 0 && i-- > 0;)
        if (!has_valid_from || s_from (&list.entries[i]) == valid_from) {
            s_list_remove (&list, i);
            (*deleted)++;
        }
    if (rc == 0 && *deleted == 0)
        rc = RM_ENOTFOUND;
    if (rc == 0) {
        s_list_prune (&list, now);
        rc = s_list_commit (pb, txn, cid, &book, sku, &old, &list, now, false, "deleted");
    }
    record_free (s_list_fields, &old);
    record_free (s_list_fields, &list);
    return rc;
}

//  ---- pricing -----------------------------------------------------------

static int
s_scope_book (const pricebook_t *pb, MDB_txn *txn, const char *kind, const char *who, const char *currency,
              char book_id[PRICEBOOK_ID_MAX + 1])
{
    book_id[0] = '\0';
    char key[S_KEY_MAX];
    size_t klen = *who ? s_scope_key (key, kind, who, currency) : 0;
    MDB_val val;
    int rc = klen ? store_get (txn, pb->scopes, key, klen, &val) : RM_ENOTFOUND;
    if (rc == RM_ENOTFOUND)
        return 0;
    if (rc != 0 || val.mv_size > PRICEBOOK_ID_MAX)
        return RM_ESTORE;
    memcpy (book_id, val.mv_data, val.mv_size);
    book_id[val.mv_size] = '\0';
    return 0;
}

int
pricebook_scope (const pricebook_t *pb, MDB_txn *txn, const char *currency, const char *account_id,
                 const char *channel, pricebook_scope_t *scope)
{
    char lower[64];
    snprintf (lower, sizeof lower, "%s", channel);
    s_lower (lower);
    pricebook_list_id (currency, scope->list_book);
    int rc = s_scope_book (pb, txn, "account", account_id, currency, scope->account_book);
    return rc != 0 ? rc : s_scope_book (pb, txn, "channel", lower, currency, scope->channel_book);
}

int
pricebook_price (const pricebook_t *pb, MDB_txn *txn, const pricebook_scope_t *scope, const char *sku,
                 int64_t quantity, int64_t at, pricebook_price_t *price)
{
    const char *const books[] = {scope->account_book, scope->channel_book, scope->list_book};
    for (size_t b = 0; b < 3; b++) {
        if (!*books[b])
            continue;
        s_list_t list;
        int rc = s_list_load (pb, txn, books[b], sku, &list);
        if (rc != 0)
            return rc;
        const pricing_dated_entry_t *entry = s_effective (&list, at);
        if (entry) {
            memset (price, 0, sizeof *price);
            snprintf (price->book_id, sizeof price->book_id, "%s", books[b]);
            price->unit_price = entry->unit_price;
            for (size_t i = 0; i < entry->tiers_count && entry->tiers[i].min_quantity <= quantity; i++) {
                price->unit_price = entry->tiers[i].unit_price;
                price->min_quantity = entry->tiers[i].min_quantity;
            }
            price->has_valid_to = entry->has_valid_to;
            price->valid_to = entry->valid_to;
        }
        record_free (s_list_fields, &list);
        if (entry)
            return 0;
    }
    return RM_ENOTFOUND;
}

//  ---- the schedule ----------------------------------------------------------

int
pricebook_takeover_due (const pricebook_t *pb, MDB_txn *txn, const char *cid, int64_t now, size_t max,
                        size_t *done)
{
    *done = 0;
    while (*done < max) {
        schedule_item_t item;
        int rc = schedule_first (txn, pb->schedule, &item);
        if (rc == RM_ENOTFOUND || (rc == 0 && item.at > now))
            return 0;
        pricing_book_t book;
        if (rc == 0)
            rc = pricebook_book_get (pb, txn, item.book_id, &book);
        if (rc == 0) {
            s_list_t list;
            rc = s_list_load (pb, txn, item.book_id, item.sku, &list);
            s_state_t before = s_state (&list, item.at - 1), after = s_state (&list, item.at);
            if (rc == 0 && !s_same (before, after))
                s_emit (pb, cid, &book, item.sku, before, after, item.at, "scheduled");
            record_free (s_list_fields, &list);
        }
        //  a moment of a book since removed announces nothing
        if (rc == 0 || rc == RM_ENOTFOUND)
            rc = schedule_remove (txn, pb->schedule, &item);
        if (rc != 0)
            return rc;
        (*done)++;
    }
    return 0;
}

int
pricebook_next_moment (const pricebook_t *pb, MDB_txn *txn, int64_t *at)
{
    schedule_item_t item;
    int rc = schedule_first (txn, pb->schedule, &item);
    if (rc == 0)
        *at = item.at;
    return rc;
}

//  ---- migration ---------------------------------------------------------

typedef struct {
    char currency[4];
    char sku[PRICEBOOK_ID_MAX + 1];
    int64_t unit_price, updated_at;
} s_old_price_t;

//  Reads one price of the schema 2 layout.
static int
s_old_price (const MDB_val *key, const MDB_val *val, s_old_price_t *price)
{
    const char *k = (const char *) key->mv_data;
    const char *nul = memchr (k, '\0', key->mv_size);
    size_t clen = nul ? (size_t) (nul - k) : 0, slen = nul ? key->mv_size - clen - 1 : 0;
    if (!nul || clen != 3 || slen == 0 || slen > PRICEBOOK_ID_MAX)
        return RM_ESTORE;
    memcpy (price->currency, k, 3);
    price->currency[3] = '\0';
    memcpy (price->sku, nul + 1, slen);
    price->sku[slen] = '\0';
    msgpack_unpacked unpacked;
    int rc = storeval_read (val, S_PRICE_V2, &unpacked);
    if (rc == 0 && (mp_get_int (&unpacked.data, "unit_price", &price->unit_price) != 0
                    || mp_get_int (&unpacked.data, "updated_at", &price->updated_at) != 0))
        rc = RM_ESTORE;
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 ? 0 : RM_ESTORE;
}

//  The old prices, read whole first: their keys are replaced in the same database.
static int
s_old_prices (const pricebook_t *pb, MDB_txn *txn, s_old_price_t **prices, size_t *count)
{
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, pb->prices, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key, val;
    size_t size = 0;
    int rc = 0, mrc = mdb_cursor_get (cursor, &key, &val, MDB_FIRST);
    for (; rc == 0 && mrc == 0; mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (*count == size) {
            size = size ? 2 * size : 64;
            s_old_price_t *grown = (s_old_price_t *) realloc (*prices, size * sizeof **prices);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            *prices = grown;
        }
        rc = s_old_price (&key, &val, &(*prices)[*count]);
        if (rc == 0)
            (*count)++;
    }
    mdb_cursor_close (cursor);
    return rc != 0 ? rc : mrc == MDB_NOTFOUND ? 0 : RM_ESTORE;
}

int
pricebook_migrate_prices (const pricebook_t *pb, MDB_txn *txn, int64_t now, int64_t *count)
{
    s_old_price_t *prices = NULL;
    size_t n = 0;
    int rc = s_old_prices (pb, txn, &prices, &n);
    if (rc == 0 && mdb_drop (txn, pb->prices, 0) != 0)
        rc = RM_ESTORE;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char book_id[PRICEBOOK_ID_MAX + 1];
        rc = s_list_book_ensure (pb, txn, prices[i].currency, now, book_id);
        pricing_dated_entry_t entry = {.unit_price = prices[i].unit_price, .has_unit_price = true,
                                       .updated_at = prices[i].updated_at, .has_updated_at = true};
        s_list_t list = {&entry, 1};
        if (rc == 0)
            rc = s_list_store (pb, txn, book_id, prices[i].sku, &list);
        if (rc == 0)
            (*count)++;
    }
    free (prices);
    return rc;
}
