//  catalog_pricing — pricing's messages, each body described once: the
//  record lists below give the catalogue's field lists (catalog_pricing.c)
//  and the structs pricing's handlers decode requests into and pack
//  replies and events from.
#ifndef RM_CATALOG_PRICING_H
#define RM_CATALOG_PRICING_H

#include "catalog_shared.h"

//  Tiers one entry may have, dated entries one SKU may have in one book,
//  price books a store may hold.
#define PRICING_MAX_TIERS 16
#define PRICING_MAX_DATED 16
#define PRICING_MAX_BOOKS 1000

#define R_BOOK_ID(X, T) X (T, STR, book_id, true, FC_IDENT, 64, "price book ID")
#define R_PRICE_BOOK(X, T) \
    X (T, STR, price_book, true, FC_IDENT, 64, "the price book the price came from")
#define R_PRICING_ACCOUNT(X, T) \
    X (T, STR, account_id, false, FC_REF, 128, "customer account: its account book is tried first")
#define R_PRICING_CHANNEL(X, T) \
    X (T, STR, channel, false, FC_IDENT, 32, "sales channel (any case): its channel book is tried next")
//  The source of a line's price, in quotes and price checks.
#define R_PRICE_SOURCE(X, T)                                                                        \
    R_PRICE_BOOK (X, T)                                                                             \
    X (T, INT, min_quantity, false, 1, CATALOG_MAX_QUANTITY, "the tier that applied, when one did") \
    X (T, TIME, valid_to, false, "when the price ends, given when that is within the notice window")

//  pricing.quote
#define PRICING_QUOTE_REQUEST(X, T)                                                               \
    R_CURRENCY (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_sku_quantity, "what to price") \
    R_PRICING_ACCOUNT (X, T) R_PRICING_CHANNEL (X, T)
RECORD_STRUCT (pricing_quote_request, PRICING_QUOTE_REQUEST)

#define PRICING_QUOTE_LINE(X, T)                                                    \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "current price per unit, minor units") \
    R_AMOUNT (X, T, extended_price, "unit_price * quantity") R_PRICE_SOURCE (X, T)
RECORD_STRUCT (pricing_quote_line, PRICING_QUOTE_LINE)

//  line: the record of its lines (pricing.c reads them from a price check's)
#define PRICING_QUOTE_REPLY_OF(X, T, line)                                         \
    R_CURRENCY (X, T) R_AMOUNT (X, T, total, "sum of extended_price, minor units") \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, line, "one per request line, in order")
#define PRICING_QUOTE_REPLY(X, T) PRICING_QUOTE_REPLY_OF (X, T, pricing_quote_line)
RECORD_STRUCT (pricing_quote_reply, PRICING_QUOTE_REPLY)

//  pricing.validate
#define PRICING_VALIDATE_REQUEST(X, T)                                                                \
    R_CURRENCY (X, T) X (T, MAPS, lines, 1, CATALOG_MAX_LINES, catalog_quoted_line, "quoted lines to check") \
    R_PRICING_ACCOUNT (X, T) R_PRICING_CHANNEL (X, T)
RECORD_STRUCT (pricing_validate_request, PRICING_VALIDATE_REQUEST)

#define PRICING_VALIDATE_LINE(X, T)                                                 \
    R_SKU (X, T) R_QUANTITY (X, T) R_UNIT_PRICE (X, T, "current price per unit, minor units") \
    X (T, INT, quoted, true, 0, CATALOG_MAX_UNIT_PRICE, "price per unit the client sent")      \
    R_AMOUNT (X, T, extended_price, "current unit_price * quantity")                          \
    X (T, BOOL, ok, "quoted matches the current price (within the price tolerance)")          \
    R_PRICE_SOURCE (X, T)
RECORD_STRUCT (pricing_validate_line, PRICING_VALIDATE_LINE)

#define PRICING_VALIDATE_REPLY(X, T)                                              \
    X (T, BOOL, ok, "every line's quoted price is current") R_CURRENCY (X, T)     \
    R_AMOUNT (X, T, total, "sum of extended_price at current prices")             \
    X (T, MAPS, lines, 1, CATALOG_MAX_LINES, pricing_validate_line, "one per request line, in order")
RECORD_STRUCT (pricing_validate_reply, PRICING_VALIDATE_REPLY)

//  pricing.set (the entry of the currency's list book) and its reply
#define PRICING_SET_REQUEST(X, T) \
    R_CURRENCY (X, T) R_SKU (X, T) R_UNIT_PRICE (X, T, "new price per unit, minor units")
RECORD_STRUCT (pricing_set_request, PRICING_SET_REQUEST)

#define PRICING_PRICE(X, T)                                               \
    R_CURRENCY (X, T) R_SKU (X, T) R_UNIT_PRICE (X, T, "price per unit, minor units") \
    X (T, TIME, updated_at, true, "when the price was set, Unix ms")
RECORD_STRUCT (pricing_price, PRICING_PRICE)

//  Price books: pricing.put_book, pricing.get_book, pricing.list_books
#define PRICING_BOOK_FIELDS(X, T)                                                                    \
    X (T, STR, name, true, FC_REF, 128, "what the book is for")                                      \
    R_CURRENCY (X, T)                                                                                \
    X (T, STR, kind, true, FC_IDENT, 16, "list, channel or account")                                 \
    X (T, STR, channel, false, FC_IDENT, 32, "the sales channel a channel book prices (lower case)") \
    X (T, STR, account_id, false, FC_REF, 128, "the customer account an account book prices")

#define PRICING_PUT_BOOK_REQUEST(X, T) R_BOOK_ID (X, T) PRICING_BOOK_FIELDS (X, T)
RECORD_STRUCT (pricing_put_book_request, PRICING_PUT_BOOK_REQUEST)

#define PRICING_BOOK(X, T)                                           \
    R_BOOK_ID (X, T) PRICING_BOOK_FIELDS (X, T)                      \
    X (T, TIME, created_at, true, "when the book was created, Unix ms") \
    X (T, TIME, updated_at, true, "when the book was last changed, Unix ms")
RECORD_STRUCT (pricing_book, PRICING_BOOK)

#define PRICING_GET_BOOK_REQUEST(X, T) R_BOOK_ID (X, T)
RECORD_STRUCT (pricing_get_book_request, PRICING_GET_BOOK_REQUEST)

#define PRICING_LIST_BOOKS_REQUEST(X, T)                                                           \
    X (T, STR, currency, false, FC_CURRENCY, 3, "only the books in this currency")                \
    X (T, STR, kind, false, FC_IDENT, 16, "only the books of this kind (list, channel or account)")
RECORD_STRUCT (pricing_list_books_request, PRICING_LIST_BOOKS_REQUEST)

#define PRICING_BOOKS(X, T) \
    X (T, MAPS, books, 0, PRICING_MAX_BOOKS, pricing_book, "the books, by book_id")
RECORD_STRUCT (pricing_books, PRICING_BOOKS)

//  Entries: pricing.put_entry, pricing.get_entry, pricing.delete_entry
#define PRICING_TIER(X, T)                                                                  \
    X (T, INT, min_quantity, true, 1, CATALOG_MAX_QUANTITY, "the tier applies from this quantity") \
    R_UNIT_PRICE (X, T, "price per unit in the tier, minor units")
RECORD_STRUCT (pricing_tier, PRICING_TIER)

#define PRICING_ENTRY_FIELDS(X, T)                                                                   \
    R_UNIT_PRICE (X, T, "price per unit below every tier, minor units")                              \
    X (T, OPTMAPS, tiers, 0, PRICING_MAX_TIERS, pricing_tier, "quantity tiers: the highest min_quantity not above the quantity applies") \
    X (T, TIME, valid_from, false, "the entry applies from this time on (inclusive); absent: always")  \
    X (T, TIME, valid_to, false, "the entry applies until this time (exclusive); absent: no end")

#define PRICING_PUT_ENTRY_REQUEST(X, T) R_BOOK_ID (X, T) R_SKU (X, T) PRICING_ENTRY_FIELDS (X, T)
RECORD_STRUCT (pricing_put_entry_request, PRICING_PUT_ENTRY_REQUEST)

//  One dated entry as stored (in valid_from order per book and SKU).
#define PRICING_DATED_ENTRY(X, T) \
    PRICING_ENTRY_FIELDS (X, T) X (T, TIME, updated_at, true, "when the entry was set, Unix ms")
RECORD_STRUCT (pricing_dated_entry, PRICING_DATED_ENTRY)

#define PRICING_ENTRY(X, T) R_BOOK_ID (X, T) R_CURRENCY (X, T) R_SKU (X, T) PRICING_DATED_ENTRY (X, T)
RECORD_STRUCT (pricing_entry, PRICING_ENTRY)

#define PRICING_GET_ENTRY_REQUEST(X, T) R_BOOK_ID (X, T) R_SKU (X, T)
RECORD_STRUCT (pricing_get_entry_request, PRICING_GET_ENTRY_REQUEST)

#define PRICING_ENTRIES(X, T)                                     \
    R_BOOK_ID (X, T) R_CURRENCY (X, T) R_SKU (X, T)               \
    X (T, MAPS, entries, 1, PRICING_MAX_DATED, pricing_dated_entry, \
       "the SKU's entries in the book, by valid_from (an entry without one first)")
RECORD_STRUCT (pricing_entries, PRICING_ENTRIES)

#define PRICING_DELETE_ENTRY_REQUEST(X, T) \
    R_BOOK_ID (X, T) R_SKU (X, T)          \
    X (T, TIME, valid_from, false, "only the entry from this time; absent: every entry of the SKU")
RECORD_STRUCT (pricing_delete_entry_request, PRICING_DELETE_ENTRY_REQUEST)

#define PRICING_DELETE_ENTRY_REPLY(X, T) \
    R_BOOK_ID (X, T) R_SKU (X, T) R_AMOUNT (X, T, deleted, "entries removed")
RECORD_STRUCT (pricing_delete_entry_reply, PRICING_DELETE_ENTRY_REPLY)

//  The event pricing.price.changed: the price a book gives a SKU (below
//  every tier) changed, by a write or because a dated entry began or ended.
#define PRICING_PRICE_CHANGED(X, T)                                                                     \
    R_PRICE_BOOK (X, T) R_CURRENCY (X, T) R_SKU (X, T)                                                  \
    X (T, INT, unit_price, false, 0, CATALOG_MAX_UNIT_PRICE, "the price now; absent when the book has none") \
    X (T, INT, previous, false, 0, CATALOG_MAX_UNIT_PRICE, "the price before; absent when there was none")  \
    X (T, TIME, changed_at, true, "when the change took effect, Unix ms")                              \
    X (T, STR, cause, true, FC_IDENT, 16, "set (a write), deleted, or scheduled (a dated entry began or ended)")
RECORD_STRUCT (pricing_price_changed, PRICING_PRICE_CHANGED)

#endif
