//  retget — reading returns: one with its receipts (returns.get), and an
//  order's, oldest first (returns.by_order; an order returns has heard
//  nothing of has none).
#ifndef RM_RETGET_H
#define RM_RETGET_H

#include "retrec.h"

//  Packs the order's returns on pk as returns.by_order answers
//  ({items}). Returns what retrec_each_of_order returns (nothing packed
//  unless 0).
int retget_by_order (MDB_txn *txn, const retstore_dbs_t *dbs, const char *order_id, msgpack_packer *pk);

//  returns.get and returns.by_order.
int retget_get (service_t *svc, request_t *req);
int retget_handle_by_order (service_t *svc, request_t *req);

#endif
