//  fforder — what fulfillment knows of an order, keyed by the order's
//  16-byte ID: its reference (external_id, channel), its fulfilments in
//  creation order, whether its acceptance was applied, whether it was
//  cancelled (also before its acceptance arrived: then that acceptance
//  creates nothing), and the inventory event last applied to it, so an
//  event applied again (consumer.replay) changes nothing twice. A record
//  (storeval.h) at FFSTORE_RECORD_V.
#ifndef RM_FFORDER_H
#define RM_FFORDER_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

#define FFORDER_FIELDS(X, T)                                                                  \
    X (T, STR, external_id, false, FC_REF, 128, "the order's client reference")               \
    X (T, STR, channel, false, FC_IDENT, 32, "the order's sales channel")                     \
    X (T, OPTBOOL, accepted, "orders.order.accepted was applied")                             \
    X (T, OPTBOOL, cancelled, "the whole order was cancelled")                                \
    X (T, INT, inventory_seq, false, 0, INT64_MAX, "the last inventory event applied to it")  \
    X (T, STRS, fulfillments, FC_UUID, UUID_STR_LEN, 0, FULFILLMENT_PER_ORDER_MAX, "its fulfilments, oldest first")
RECORD_STRUCT (fforder, FFORDER_FIELDS)

//  Loads the order's record into *out (zeroed here; record_free
//  (fforder_fields, out) after, also after a failure). Returns 0,
//  RM_ENOTFOUND, RM_ENOMEM or RM_ESTORE.
int fforder_load (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t order_id[16], fforder_t *out);

//  Stores it. Returns 0 or a store error.
int fforder_save (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t order_id[16], const fforder_t *self);

//  Adds a fulfilment ID (text). Returns 0, RM_ENOMEM, or RM_ECONFLICT when
//  the order has FULFILLMENT_PER_ORDER_MAX already.
int fforder_add (fforder_t *self, const char *fulfillment_id);

#endif
