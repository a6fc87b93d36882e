//  movebatch — inventory.movements_batch: a bulk feed's stock movements
//  (up to CATALOG_MAX_BATCH_ITEMS) applied in one transaction, all or
//  none, once per batch_id (bulk.h). Each item is a movement body applied
//  as inventory.movement applies one (movement.h): once per movement_id,
//  so an item whose movement_id was applied before with the same body
//  counts as applied and changes nothing, and one applied with another
//  body is a bad item. The batch's record is in the batches database.
#ifndef RM_INVENTORY_MOVEBATCH_H
#define RM_INVENTORY_MOVEBATCH_H

#include "bulk.h"
#include "catalog_inventory.h"
#include "service.h"

//  Applies the batch in (decoded from body, the request as received; its
//  digest from bulk_digest) in txn at now; see bulk_apply for *result and
//  *faults. An item's fault is what movement_apply refuses it with, at
//  the field it names: RM_EINVAL (type, quantity, to_location),
//  RM_ECONFLICT (/movement_id applied with another body), RM_ESHORT
//  (/quantity). Returns what bulk_apply returns.
int movebatch_apply (service_t *svc, MDB_txn *txn, const char *cid, const msgpack_object *body,
                     const inventory_movements_batch_request_t *in, const uint8_t digest[SHA256_LEN], int64_t now,
                     catalog_batch_reply_t *result, bulk_faults_t *faults);

//  inventory.movements_batch's handler.
int movebatch_handle (service_t *svc, request_t *req);

#endif
