//  bulk — what the bulk feeds (pricing.batch, inventory.movements_batch)
//  share: a batch of items is applied all or nothing, once per batch_id.
//
//  Every item is tried in order in the caller's transaction, also after
//  one failed, so the answer names every bad item (its index, a JSON
//  Pointer "/items/17/unit_price" and why); a batch with a bad item
//  changes nothing: the caller aborts the transaction, its events with it.
//  An applied batch is recorded under its batch_id with the SHA-256 of its
//  body (keys in byte order, so a resend whose JSON orders them otherwise
//  is the same body) and its answer: the same batch_id with the same body
//  answers that again without applying anything, with another body it is
//  refused. A refused batch records nothing, so its batch_id may be sent
//  again corrected.
//
//  Store: the caller's database maps batch_id to a record at
//  BULK_RECORD_V: {digest (hex), batch_id, applied, applied_at, replayed}.
#ifndef RM_BULK_H
#define RM_BULK_H

#include "catalog_shared.h"
#include "service.h"
#include "sha256.h"
#include <lmdb.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define BULK_RECORD_V 1

//  Why one item is bad: its code (RM_EINVAL, RM_ENOTFOUND, RM_ECONFLICT,
//  RM_ESHORT), the field and the message.
typedef struct {
    size_t index;
    int code;
    char field[96];                //  "/items/<index>" and the item's field (at most 64 bytes)
    char message[256];
} bulk_fault_t;

typedef struct {
    bulk_fault_t *items;
    size_t count;
    size_t capacity;               //  items allocated: grows by doubling, as a batch may be all faults
} bulk_faults_t;

//  Applies item index of a batch in txn. A bad item fills fault->code,
//  fault->field (a pointer into the item: "/unit_price", "" for the item
//  as a whole) and fault->message, and returns that code; anything else
//  it returns (RM_ENOMEM, RM_ESTORE, ...) stops the batch.
typedef int (bulk_item_fn) (MDB_txn *txn, size_t index, void *arg, bulk_fault_t *fault);

//  The digest a batch is recorded with: SHA-256 of body, its maps' keys in
//  byte order. Returns 0 or RM_ENOMEM.
int bulk_digest (const msgpack_object *body, uint8_t digest[SHA256_LEN]);

//  Applies a batch of count items in txn (dbi: the batches database),
//  calling fn for each, and records it. *result gets the answer: the
//  recorded one with replayed set when batch_id was applied before with
//  this digest (nothing is applied then). Returns 0; RM_ECONFLICT when
//  batch_id was applied with another body; RM_EINVAL with every bad item
//  in *faults (bulk_faults_free it either way), when the caller must abort
//  txn; RM_ENOMEM; RM_ESTORE; or what fn stopped with.
int bulk_apply (MDB_txn *txn, MDB_dbi dbi, const char *batch_id, const uint8_t digest[SHA256_LEN], size_t count,
                bulk_item_fn *fn, void *arg, int64_t now, catalog_batch_reply_t *result, bulk_faults_t *faults);

void bulk_faults_free (bulk_faults_t *faults);

//  Applies a decoded batch request (in) whose body has digest, in txn at
//  now: the operation's bulk_apply (see there for what it returns).
typedef int (bulk_apply_fn) (service_t *svc, request_t *req, MDB_txn *txn, const void *in,
                             const uint8_t digest[SHA256_LEN], int64_t now, catalog_batch_reply_t *result,
                             bulk_faults_t *faults);

//  A batch operation's handler: decodes the request into in (a zeroed
//  struct of fields, freed here), digests its body, runs apply in a
//  service_write and answers as bulk_reply does. *result gets the answer;
//  has_applied_at says the batch is applied (now or before). Returns what
//  a handler returns.
int bulk_handle (service_t *svc, request_t *req, const field_spec_t *fields, void *in, bulk_apply_fn *apply,
                 catalog_batch_reply_t *result);

//  Answers a batch's request after bulk_apply returned rc: 0 the result,
//  RM_EINVAL at /items with one detail {index, code, field, message} per
//  bad item, RM_ECONFLICT at /batch_id. Returns 0 when it answered, else
//  rc for the runtime to answer.
int bulk_reply (request_t *req, int rc, const catalog_batch_reply_t *result, const bulk_faults_t *faults);

#endif
