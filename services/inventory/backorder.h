//  backorder — the short quantities of lines accepted with
//  allow_backorder, queued per SKU in arrival order and filled first come
//  first served when stock arrives. It owns the backorders database.
#ifndef RM_INVENTORY_BACKORDER_H
#define RM_INVENTORY_BACKORDER_H

#include "catalog_inventory.h"
#include "inventory.h"
#include <stdint.h>

//  Queues quantity of sku, short on line of order order_id (16 bytes),
//  behind every earlier backorder of sku. Returns 0, RM_ENOMEM or RM_ESTORE.
int backorder_add (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], size_t line,
                   const char *sku, int64_t quantity);

//  Fills sku's backorders in arrival order from what is available now
//  (stock_reserve, reservation_add), emitting inventory.backorder.filled
//  (cid) for each backorder it fills in part or in full. Called by stock
//  after every change that can raise what is available of sku. Returns 0,
//  RM_ENOMEM or RM_ESTORE.
int backorder_fill (service_t *svc, MDB_txn *txn, const char *cid, const char *sku);

//  Removes every backorder of order_id (a cancelled or released order).
//  Returns 0 (also when it had none), RM_ENOMEM or RM_ESTORE.
int backorder_cancel (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16]);

//  Lists sku's open backorders, first come first, into reply (at most
//  INVENTORY_BACKORDERS_MAX; reply->more says when more wait). Free reply
//  with record_free, also after an error. Returns 0, RM_ENOMEM or RM_ESTORE.
int backorder_list (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, inventory_backorders_reply_t *reply);

//  inventory.backorders: the handler of the route.
int backorder_handle_list (service_t *svc, request_t *req);

#endif
