//  pricebook — price books and their entries, the authoritative prices.
//
//  A book prices SKUs in one currency and is one of three kinds: a list
//  book (one per currency, ID "list-" and the code in lower case, e.g.
//  "list-usd"; pricing.set writes its undated entry and creates it when
//  missing), a channel book (for one sales channel, compared in lower
//  case) or an account book (for one customer account). At most one
//  channel book per (channel, currency) and one account book per
//  (account_id, currency). A book's currency, kind, channel and account
//  are fixed once it exists; its name may change.
//
//  A SKU has a small list of dated entries per book (at most
//  PRICING_MAX_DATED), one per valid_from (an entry without valid_from
//  counts as from the beginning of time): a current and a future price
//  coexist. An entry applies from valid_from inclusive to valid_to
//  exclusive; when several apply, the one with the latest valid_from
//  wins. Entries that have ended are dropped at the next write of the SKU.
//  A line's unit price is that of the tier with the highest min_quantity
//  not above its quantity, else the entry's unit_price.
//
//  A line is priced from the most specific book with an entry in effect:
//  the account's book, then the channel's, then the currency's list book.
//
//  Every change of the price a book gives a SKU now calls pb->emit in the
//  writing transaction (pricing.price.changed): a write that touches the
//  entry in effect, a removal, and the moment a dated entry begins or
//  ends (pricebook_takeover_due, driven by the schedule's moments).
//
//  Store: db "prices" maps "<book_id>\0<sku>" to a record {entries: [...]}
//  at PRICEBOOK_ENTRIES_V; db "books" maps book_id to a pricing_book
//  record at PRICEBOOK_BOOK_V; db "book_scopes" maps "channel\0<channel>\0
//  <currency>" or "account\0<account_id>\0<currency>" to the bare book ID;
//  db "schedule" is schedule.h's.
#ifndef RM_PRICEBOOK_H
#define RM_PRICEBOOK_H

#include "catalog_pricing.h"
#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PRICING_DB_PRICES = 0, PRICING_DB_BOOKS, PRICING_DB_SCOPES, PRICING_DB_SCHEDULE };
extern const char *const pricebook_dbs[];

#define PRICEBOOK_BOOK_V 1
#define PRICEBOOK_ENTRIES_V 2
#define PRICEBOOK_ID_MAX 64

//  Called for every price change, inside the write that causes it.
typedef void (pricebook_emit_fn) (void *arg, const char *cid, const pricing_price_changed_t *event);

typedef struct {
    MDB_dbi prices, books, scopes, schedule;
    pricebook_emit_fn *emit;
    void *emit_arg;
} pricebook_t;

//  Where a write's input is wrong: a JSON Pointer into the request
//  ("/valid_to", "/tiers/2/min_quantity") and why.
typedef struct {
    char field[64];
    char message[192];
} pricebook_fault_t;

//  Whether kind is list, channel or account.
bool pricebook_kind_known (const char *kind);

//  The list book's ID of a currency ("list-usd").
void pricebook_list_id (const char *currency, char id[PRICEBOOK_ID_MAX + 1]);

//  Creates a book, or renames an existing one; *book gets the stored book.
//  Returns 0; RM_EINVAL (fault) for a wrong kind, a missing or extra
//  channel or account_id, a list book not named list-<currency>; RM_ECONFLICT
//  (fault) when another book has the scope, a fixed field differs from the
//  stored book's, or PRICING_MAX_BOOKS exist; RM_ESTORE.
int pricebook_book_put (const pricebook_t *pb, MDB_txn *txn, const pricing_put_book_request_t *in,
                        int64_t now, pricing_book_t *book, pricebook_fault_t *fault);

//  Returns 0, RM_ENOTFOUND or RM_ESTORE.
int pricebook_book_get (const pricebook_t *pb, MDB_txn *txn, const char *book_id, pricing_book_t *book);

//  The books (in book_id order) of currency and kind when those are not
//  empty; out->books is allocated (record_free (pricing_books_fields)).
//  Returns 0, RM_ENOMEM or RM_ESTORE.
int pricebook_book_list (const pricebook_t *pb, MDB_txn *txn, const char *currency, const char *kind,
                         pricing_books_t *out);

//  Sets a SKU's entry in a book, replacing the one with the same
//  valid_from, and emits the change when the price in effect at now is
//  touched. entry's tiers stay the caller's. For one entry or many in one
//  transaction (a batch import). Returns 0; RM_ENOTFOUND (fault /book_id)
//  for an unknown book; RM_EINVAL (fault) when valid_to is not after
//  valid_from or not after now, or a tier's min_quantity repeats;
//  RM_ECONFLICT (fault /valid_from) when the SKU would have more than
//  PRICING_MAX_DATED entries; RM_ENOMEM, RM_ESTORE.
int pricebook_entry_put (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *book_id,
                         const char *sku, const pricing_dated_entry_t *entry, int64_t now,
                         pricebook_fault_t *fault);

//  Sets the undated entry of the SKU in the currency's list book to
//  unit_price (no tiers), creating the book when missing; the SKU's dated
//  entries stay. Returns what pricebook_entry_put returns, and
//  RM_ECONFLICT (fault /currency) when the book cannot be created.
int pricebook_list_put (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *currency,
                        const char *sku, int64_t unit_price, int64_t now, pricebook_fault_t *fault);

//  A SKU's entries in a book; out->entries is allocated
//  (record_free (pricing_entries_fields)). Returns 0, RM_ENOTFOUND (no
//  such book, or no entry for the SKU), RM_ENOMEM or RM_ESTORE.
int pricebook_entries_get (const pricebook_t *pb, MDB_txn *txn, const char *book_id, const char *sku,
                           pricing_entries_t *out);

//  Removes the SKU's entry from valid_from (when has_valid_from) or all its
//  entries, and emits the change of the price in effect at now. *deleted
//  gets the number removed. Returns 0, RM_ENOTFOUND (unknown book, or no
//  such entry), RM_ENOMEM or RM_ESTORE.
int pricebook_entry_delete (const pricebook_t *pb, MDB_txn *txn, const char *cid, const char *book_id,
                            const char *sku, bool has_valid_from, int64_t valid_from, int64_t now,
                            int64_t *deleted);

//  The books a request may be priced from, most specific first.
typedef struct {
    char account_book[PRICEBOOK_ID_MAX + 1];  //  "" when none
    char channel_book[PRICEBOOK_ID_MAX + 1];  //  "" when none
    char list_book[PRICEBOOK_ID_MAX + 1];
} pricebook_scope_t;

//  Finds the books of account_id and channel (either may be "") in
//  currency. Returns 0 or RM_ESTORE.
int pricebook_scope (const pricebook_t *pb, MDB_txn *txn, const char *currency, const char *account_id,
                     const char *channel, pricebook_scope_t *scope);

//  What a line is priced at.
typedef struct {
    char book_id[PRICEBOOK_ID_MAX + 1];
    int64_t unit_price;
    int64_t min_quantity;            //  the tier's, 0 when no tier applied
    bool has_valid_to;
    int64_t valid_to;                //  when the entry ends
} pricebook_price_t;

//  Prices quantity units of sku at time at from the first book of scope
//  with an entry in effect. Returns 0, RM_ENOTFOUND or RM_ESTORE.
int pricebook_price (const pricebook_t *pb, MDB_txn *txn, const pricebook_scope_t *scope, const char *sku,
                     int64_t quantity, int64_t at, pricebook_price_t *price);

//  True when some book prices in currency.
bool pricebook_has_currency (const pricebook_t *pb, MDB_txn *txn, const char *currency);

//  Announces the schedule's moments up to now, earliest first and at most
//  max of them: each whose book and SKU then change price emits the change
//  (cause "scheduled", changed_at the moment); each is removed. *done gets
//  the number handled. Returns 0, RM_ENOMEM or RM_ESTORE.
int pricebook_takeover_due (const pricebook_t *pb, MDB_txn *txn, const char *cid, int64_t now, size_t max,
                            size_t *done);

//  The next moment to announce. Returns 0, RM_ENOTFOUND or RM_ESTORE.
int pricebook_next_moment (const pricebook_t *pb, MDB_txn *txn, int64_t *at);

//  Schema 2 -> 3: each price of the old "prices" layout ("<currency>\0<sku>"
//  to {unit_price, updated_at}) becomes the undated entry of the SKU in
//  the currency's list book, created as needed. Adds the prices moved to
//  *count. Returns 0, RM_ENOMEM or RM_ESTORE.
int pricebook_migrate_prices (const pricebook_t *pb, MDB_txn *txn, int64_t now, int64_t *count);

#endif
