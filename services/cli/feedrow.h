//  feedrow — what a row of a bulk feed becomes: the kinds of feed
//  (prices, stock), the columns each has, and the batch item a row is
//  turned into and checked as before anything is sent.
//
//  A row is held to the item fields of its operation's "items" in the
//  message catalogue (pricing.batch, inventory.movements_batch) through
//  jsonmp, the codec the gateway validates JSON bodies with. Until those
//  operations are in the catalogue, the item fields below (feedrow.c) stand
//  in for them. On top of the fields' own rules come the rules between
//  columns that a field list cannot say (a transfer's to_location, the sign
//  of a quantity per movement type, tiers in order, valid_to after
//  valid_from).
//
//  Prices: currency, sku, unit_price, book_id?, valid_from?, valid_to?,
//  tiers? ("10:1899;100:1799": from 10 units 18.99 each, from 100 17.99).
//  Stock: sku, location, quantity, type? (default count: "on hand is N",
//  so importing the same file twice changes nothing), movement_id?,
//  to_location?, reason?, occurred_at?. A row without a movement_id gets
//  one derived from the file's SHA-256 and its row number, so importing the
//  same file again repeats the same movements, which inventory ignores.
#ifndef RM_CLI_FEEDROW_H
#define RM_CLI_FEEDROW_H

#include "catalog.h"
#include "feed.h"
#include "sha256.h"
#include "uuid.h"
#include <jansson.h>
#include <msgpack.h>

typedef struct feedrow_kind_t feedrow_kind_t;

//  The kind of feed called name ("prices", "stock"), or NULL.
const feedrow_kind_t *feedrow_find (const char *name);

//  Its name, the service and operation its batches go to, and its columns.
const char *feedrow_name (const feedrow_kind_t *kind);
const char *feedrow_service (const feedrow_kind_t *kind);
const char *feedrow_operation (const feedrow_kind_t *kind);
const feed_column_t *feedrow_columns (const feedrow_kind_t *kind);

//  The fields a batch item is checked against: the catalogue's, when the
//  operation is in it, else the stand-in list.
const field_spec_t *feedrow_fields (const feedrow_kind_t *kind);

//  An ID derived from a file: a UUID (version 8, RFC 9562) made of the
//  SHA-256 of file_hash, what it names ("movement", "prices batch") and
//  the numbers a and b, so the same file always gives the same IDs.
void feedrow_derive_id (const uint8_t file_hash[SHA256_LEN], const char *what, uint64_t a,
                        uint64_t b, char out[UUID_STR_LEN + 1]);

//  The ID derived for the movement on data row number (1 for the first
//  row) of the file whose SHA-256 is file_hash.
void feedrow_movement_id (const uint8_t file_hash[SHA256_LEN], size_t number,
                          char out[UUID_STR_LEN + 1]);

//  Turns row (read from line, the number-th data row; defaults are set in
//  it) into a batch item, appended packed to items when it is good. Every
//  problem is appended to errors as feed.h describes; errors from index
//  reported on are this row's already (the reader's), and a column named
//  there is not reported again. Returns 0, RM_EINVAL when the row has any
//  problem (then nothing is appended to items), or RM_ENOMEM.
int feedrow_item (const feedrow_kind_t *kind, json_t *row, int line,
                  const uint8_t file_hash[SHA256_LEN], size_t number, size_t reported,
                  msgpack_sbuffer *items, json_t *errors);

#endif
