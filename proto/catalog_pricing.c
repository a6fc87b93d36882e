//  The pricing slice of the catalogue: quotes, price checks, price books,
//  their entries, and the price change event.
#include "catalog_pricing.h"
#include "catalog_fields.h"

RECORD_FIELDS (pricing_quote_request, PRICING_QUOTE_REQUEST)
RECORD_FIELDS (pricing_quote_line, PRICING_QUOTE_LINE)
RECORD_FIELDS (pricing_quote_reply, PRICING_QUOTE_REPLY)
RECORD_FIELDS (pricing_validate_request, PRICING_VALIDATE_REQUEST)
RECORD_FIELDS (pricing_validate_line, PRICING_VALIDATE_LINE)
RECORD_FIELDS (pricing_validate_reply, PRICING_VALIDATE_REPLY)
RECORD_FIELDS (pricing_set_request, PRICING_SET_REQUEST)
RECORD_FIELDS (pricing_price, PRICING_PRICE)
RECORD_FIELDS (pricing_put_book_request, PRICING_PUT_BOOK_REQUEST)
RECORD_FIELDS (pricing_book, PRICING_BOOK)
RECORD_FIELDS (pricing_get_book_request, PRICING_GET_BOOK_REQUEST)
RECORD_FIELDS (pricing_list_books_request, PRICING_LIST_BOOKS_REQUEST)
RECORD_FIELDS (pricing_books, PRICING_BOOKS)
RECORD_FIELDS (pricing_tier, PRICING_TIER)
RECORD_FIELDS (pricing_put_entry_request, PRICING_PUT_ENTRY_REQUEST)
RECORD_FIELDS (pricing_dated_entry, PRICING_DATED_ENTRY)
RECORD_FIELDS (pricing_entry, PRICING_ENTRY)
RECORD_FIELDS (pricing_get_entry_request, PRICING_GET_ENTRY_REQUEST)
RECORD_FIELDS (pricing_entries, PRICING_ENTRIES)
RECORD_FIELDS (pricing_delete_entry_request, PRICING_DELETE_ENTRY_REQUEST)
RECORD_FIELDS (pricing_delete_entry_reply, PRICING_DELETE_ENTRY_REPLY)
RECORD_FIELDS (pricing_price_changed, PRICING_PRICE_CHANGED)

const msg_spec_t catalog_pricing[] = {
    OP ("pricing.quote", pricing_quote_request_fields, pricing_quote_reply_fields,
        "Prices lines from the most specific price book with a valid entry: the account's, the channel's, "
        "the currency's list book."),
    OP ("pricing.validate", pricing_validate_request_fields, pricing_validate_reply_fields,
        "Checks quoted prices against the current ones, within the price tolerance."),
    OP ("pricing.set", pricing_set_request_fields, pricing_price_fields,
        "Sets the price of a SKU in the currency's list book (created when missing)."),
    OP ("pricing.put_book", pricing_put_book_request_fields, pricing_book_fields,
        "Creates a price book or renames one; its currency, kind and scope are fixed."),
    OP ("pricing.get_book", pricing_get_book_request_fields, pricing_book_fields, "Returns a price book."),
    OP ("pricing.list_books", pricing_list_books_request_fields, pricing_books_fields, "Lists the price books."),
    OP ("pricing.put_entry", pricing_put_entry_request_fields, pricing_entry_fields,
        "Sets a SKU's entry in a price book: the one with the same valid_from is replaced."),
    OP ("pricing.get_entry", pricing_get_entry_request_fields, pricing_entries_fields,
        "Returns a SKU's entries in a price book."),
    OP ("pricing.delete_entry", pricing_delete_entry_request_fields, pricing_delete_entry_reply_fields,
        "Removes a SKU's entries from a price book, or only the one from valid_from."),
    EVENT ("pricing.price.changed", pricing_price_changed_fields,
           "The price a book gives a SKU changed: set, deleted, or a dated entry began or ended."),
    {.name = NULL},
};
