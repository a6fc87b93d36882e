//  orders — the order book: orders keyed by time-ordered IDs, with indexes
//  by (channel, external_id) and by idempotency key, and the reservations
//  a crash left to release (moved onto the outbound queue at start-up).
//  These functions work on an LMDB transaction.
//
//  Values are records (storeval.h) at version ORDERS_RECORD_V: an order is
//  the 32-byte SHA-256 of the submitted body (bin) followed by the order as
//  one MessagePack map (the shape the API returns); a release to do is
//  {correlation_id}; a history entry is a map. The by_external and by_idem
//  indexes hold the bare 16-byte order ID, a key rather than a record.
//  Schema 1 stored the hash and map bare, the release's correlation ID as
//  bare bytes and history maps without a version; schema 3's order lines
//  had no shipped and delivered counts. Schema 4's lines have no returned
//  count, which is optional (absent when none came back), so they read as
//  they are.
#ifndef RM_ORDERS_H
#define RM_ORDERS_H

#include "catalog_orders.h"
#include "service.h"
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    ORDERS_DB_ORDERS = 0,
    ORDERS_DB_BY_EXTERNAL,
    ORDERS_DB_BY_IDEM,
    ORDERS_DB_RELEASES,
    ORDERS_DB_HISTORY,
    ORDERS_DB_FULFILMENTS,
    ORDERS_DB_INVOICES,
    ORDERS_DB_INVOICE_BY_FULFILMENT,
    ORDERS_DB_INVOICE_BY_ORDER,
    ORDERS_DB_INVOICE_SEQ,
    ORDERS_DB_CANCELS,
    ORDERS_DB_FULFILMENT_AGE,
    ORDERS_DB_CREDIT_MEMOS,
    ORDERS_DB_CREDIT_MEMO_BY_RECEIPT,
    ORDERS_DB_CREDIT_MEMO_BY_ORDER,
    ORDERS_DB_CREDIT_MEMO_SEQ,
};
extern const char *const orders_dbs[];

#define ORDERS_SCHEMA_VERSION 4
#define ORDERS_RECORD_V 1
extern const store_migration_t orders_migrations[];

//  fulfilments and fulfilment_age: tracking.h; invoices, invoice_by_* and
//  invoice_seq: invoice.h; cancels: cancel.h; credit_memos,
//  credit_memo_by_* and credit_memo_seq: creditmemo.h.
typedef struct {
    MDB_dbi orders, by_external, by_idem, releases, history;
    MDB_dbi fulfilments, invoices, invoice_by_fulfilment, invoice_by_order, invoice_seq, cancels, fulfilment_age;
    MDB_dbi credit_memos, credit_memo_by_receipt, credit_memo_by_order, credit_memo_seq;
} orders_dbs_t;

orders_dbs_t orders_dbs_of (service_t *svc);
orders_dbs_t orders_dbs_in (store_t *store);

//  The ms a call made for req may take: the rest of the caller's deadline
//  (less a margin to answer in), never more than the configured timeout.
int orders_call_timeout (service_t *svc, request_t *req);

//  Channels are compared without regard to case ("SALESFORCE" is
//  "salesforce"): lower-cases one in place (identifiers are ASCII), before
//  it is stored or used in a key.
void orders_channel_normalise (char *channel);

//  What a lookup found for a submission.
typedef struct {
    bool found;
    bool by_idem;              //  found by idempotency key, not by (channel, external_id)
    uint8_t order_id[16];
    uint8_t hash[32];
    MDB_val order;             //  the packed order map (valid in the txn)
} orders_found_t;

//  Finds an earlier submission by idempotency key (when idem is not empty)
//  or by (channel, external_id). When hash is not NULL, RM_ECONFLICT when
//  the key found was used with a different body (found names that order).
//  channel is compared as given: callers pass it in lower case.
int orders_find_submission (MDB_txn *txn, const orders_dbs_t *dbs, const char *channel,
                            const char *external_id, const char *idem, const uint8_t hash[32],
                            orders_found_t *found);

//  Decodes a stored order map (unpacked holds it: destroy it, and
//  record_free order, either way). Returns 0, RM_ENOMEM or RM_ESTORE.
int orders_decode (const MDB_val *stored, msgpack_unpacked *unpacked, orders_order_t *order);

//  orders_load, then orders_decode (unpacked is initialised either way).
int orders_load_decoded (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_found_t *found,
                         msgpack_unpacked *unpacked, orders_order_t *order);

//  The order a request {order_id} names (orders.history's, orders.status's,
//  orders.invoices'): its ID, a read transaction and the stored order.
//  Returns 0; RM_ENOTFOUND after answering "no order" when order_id is not
//  a UUID or names none; or a store error.
int orders_request_load (service_t *svc, request_t *req, uint8_t id[16], MDB_txn **txn, orders_found_t *found);

//  Loads an order by ID; RM_ENOTFOUND when absent.
int orders_load (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], orders_found_t *found);

//  Stores an order and its indexes.
int orders_store (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                  const uint8_t hash[32], const char *channel, const char *external_id,
                  const char *idem, const char *order, size_t order_len);

//  Stores a new version of an order whose keys are unchanged (its indexes
//  stay as they are). Returns 0 or a store error.
int orders_replace (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const uint8_t hash[32],
                    const char *order, size_t order_len);

//  Stores the order found (stored: its decoded map) again with each line's
//  count name (cancelled, returned) set to counts[line], left out where it
//  is 0, and everything else as it was. Returns 0 or a store error.
int orders_replace_line_counts (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                                const orders_found_t *found, const msgpack_object *stored, const char *name,
                                const int64_t *counts);

//  Removes an order and its indexes (a rejected submission leaves nothing).
int orders_remove (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                   const char *channel, const char *external_id, const char *idem);

//  Documents numbered per currency (invoices, credit memos): the next
//  number of currency's gap-free sequence, stored in seq (the last number
//  under the currency code) in txn, so a transaction that fails takes no
//  number. Returns 0 or a store error.
int orders_sequence_next (MDB_txn *txn, MDB_dbi seq, const char *currency, uint64_t *n);

//  An order's documents are indexed (invoice_by_order, credit_memo_by_order)
//  under the order ID and their number in its sequence, big-endian, so they
//  sort in issue order; the value is the document's key in records.
#define ORDERS_INDEX_KEY_LEN 24
void orders_index_key (uint8_t key[ORDERS_INDEX_KEY_LEN], const uint8_t order_id[16], uint64_t n);

//  Calls fn with each of the order's documents in index, oldest first, as
//  stored in records, until fn returns other than 0. Returns 0, what fn
//  returned, or RM_ESTORE (an index entry without its document).
int orders_index_walk (MDB_txn *txn, MDB_dbi index, MDB_dbi records, const uint8_t order_id[16],
                       int (*fn) (void *arg, const MDB_val *stored), void *arg);

//  Answers a request {order_id} with the order's documents (orders.invoices,
//  orders.credit_memos): list adds them to record (a zeroed record that
//  fields describes, freed here), which is the reply. not_found for an
//  order orders does not have (answered: returns 0); else what list or the
//  store returned.
typedef int (orders_list_fn) (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], void *record);
int orders_reply_order_list (service_t *svc, request_t *req, orders_list_fn *list, const field_spec_t *fields,
                             void *record);

//  The reservations to release: marked (start-up settlement), then moved
//  onto the outbound queue (release.c), cleared.
int orders_release_mark (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16], const char *cid);
int orders_release_clear (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16]);

//  The correlation ID of a release record (read from the releases
//  database). Returns 0 or RM_ESTORE.
int orders_release_cid (const MDB_val *val, char *cid, size_t size);

//  Turns every pending order into a reservation to release and removes it
//  (orders stopped storing pending orders; a store written before may hold
//  some). Returns the number settled or a negative code.
int orders_settle_pending (MDB_txn *txn, const orders_dbs_t *dbs);

//  Records a status change in the order's history (key: order ID, then a
//  time-ordered ID), with who caused it (caller: NULL or "" when unknown).
int orders_history_add (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t order_id[16],
                        const char *status, const char *event, const char *cid, const char *caller,
                        const char *reason);

//  The order status in a packed order map ("" when absent), into a buffer
//  of ORDERS_STATUS_SIZE bytes (the longest status the catalogue allows).
#define ORDERS_STATUS_SIZE 25
void orders_status (const MDB_val *order, char *status, size_t size);

//  Reply with a stored order map (the fields kept for internal use left
//  out), packed from the reply's description: orders.get's and
//  orders.find's, orders.submit's with created, orders.cancel's with
//  changed. An unreadable order is answered RM_ESTORE.
void orders_reply_order (request_t *req, const MDB_val *order);
void orders_reply_submitted (request_t *req, const MDB_val *order, bool created);
void orders_reply_cancelled (request_t *req, const MDB_val *order, bool changed);

//  What a stored order keeps beside its own fields, for internal use.
#define ORDERS_INTERNAL_KEYS(X, T)                                                                      \
    X (T, STR, idempotency_key, false, FC_NONE, ENVELOPE_IDEM_MAX - 1, "the submission's Idempotency-Key") \
    X (T, STR, correlation_id, false, FC_NONE, ENVELOPE_CID_MAX - 1, "the request that submitted it")

//  An order as a submission makes it: the order's fields, the flag
//  orders.submit's reply carries and the internal keys. It is made once
//  and packed three ways, by these field lists: as stored (the order and
//  its internal keys), as the event orders.order.accepted (the order) and
//  as orders.submit's reply (the order and created).
#define ORDERS_MADE(X, T) \
    ORDERS_ORDER_FIELDS (X, T) X (T, BOOL, created, "false when an earlier submission made the order") \
    ORDERS_INTERNAL_KEYS (X, T)
typedef struct orders_made_t {
    ORDERS_MADE (RECORD_MEMBER, struct orders_made_t)
} orders_made_t;
extern const field_spec_t orders_made_stored[];
extern const field_spec_t orders_made_event[];
extern const field_spec_t orders_made_reply[];

//  Reads a stored order map into record through read (fields a record
//  of the type fields describes holds) and packs record as fields
//  describes; the stored fields kept for internal use are left out, as
//  they are in no description. Returns 0, RM_ENOMEM or RM_ESTORE with
//  nothing packed.
int orders_pack_stored (msgpack_packer *pk, const msgpack_object *stored, const field_spec_t *read,
                        const field_spec_t *fields, void *record);

//  Submission handling (submit.c): orders.submit, and at start the
//  settlement of pending orders an older store holds and the restart
//  notice to inventory (inventory.orders_restarted).
int orders_submit (service_t *svc, request_t *req);
int orders_start (service_t *svc);

//  Whether a submission with this channel and external ID is in flight
//  (asked pricing and inventory, not answered yet).
bool orders_submission_in_flight (const char *channel, const char *external_id);

//  Whether the order with this ID (text) is a submission in flight.
bool orders_order_in_flight (const char *order_id);

//  orders.hold_status: for each order ID, ORDERS_HOLD_ACCEPTED (stored:
//  its stock stays), ORDERS_HOLD_IN_FLIGHT (being submitted: ask again) or
//  ORDERS_HOLD_ABSENT (none stored, none in flight: its hold may expire).
//  Returns 0, RM_ENOMEM or a store error.
int orders_hold_status (service_t *svc, request_t *req);

//  What main.c wires: the operations, the events orders consumes
//  (inventory.backorder.filled, fill.h; fulfillment's, tracking.h;
//  returns.return.received, creditmemo.h), its
//  options (the stale limits, stale.h) and what runs at start (the stale
//  limits read, then orders_start).
extern const service_route_t orders_routes[];
extern const consumer_def_t orders_consumers[];
extern const service_option_t orders_options[];
int orders_on_start (service_t *svc);

#endif
