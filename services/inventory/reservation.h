//  reservation — what is held for an owner (an order, or a hold made
//  before an order), per line and per location, with a status: held,
//  committed (the order was accepted), released, expired. It owns the
//  reservations, released, holds and hold expiry databases; the quantities
//  themselves move through stock_reserve.
#ifndef RM_INVENTORY_RESERVATION_H
#define RM_INVENTORY_RESERVATION_H

#include "inventory.h"
#include <stdint.h>

//  Adds units held at location to line of owner's reservation (a filled
//  backorder, say), after stock_reserve has held them. owner is the order
//  ID (16 bytes). Returns 0; RM_ENOTFOUND when owner has no live
//  reservation or line is out of range; RM_ENOMEM; RM_ESTORE.
int reservation_add (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t owner[16], size_t line,
                     const char *location, int64_t quantity);

#endif
