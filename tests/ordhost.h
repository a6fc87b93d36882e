//  ordhost — what orders' unit tests share: a stored order read back as
//  orders.get answers it, and its history entries counted, on a store the
//  test drives through txnhost. Failures are CHECKs (harness.h).
#ifndef RM_TEST_ORDHOST_H
#define RM_TEST_ORDHOST_H

#include "catalog_orders.h"
#include "orders.h"
#include "txnhost.h"

//  Opens orders' store at a fresh temporary folder named after name, with
//  its databases into dbs; the folder (free it) is what ordhost_close
//  removes.
char *ordhost_open (txnhost_t *host, orders_dbs_t *dbs, const char *name);
void ordhost_close (txnhost_t *host, char *dir);

//  A line of an order to store: sku, quantity, unit_price.
typedef struct {
    const char *sku;
    int64_t quantity, unit_price;
} ordhost_line_t;

//  Stores, in txn, an order as submit.c stores one: in status, in EUR,
//  its ID as external_id, the lines with nothing shipped, delivered or
//  reserved, and the fields kept for internal use. Returns orders_store's
//  code.
int ordhost_store (MDB_txn *txn, const orders_dbs_t *dbs, const uint8_t id[16], const char *status,
                   const ordhost_line_t *lines, size_t count);

//  The stored order (record_free (orders_order_fields, order) after).
void ordhost_load (txnhost_t *host, const orders_dbs_t *dbs, const uint8_t id[16], orders_order_t *order);

//  The order's history entries recorded by event (every one when NULL);
//  the last one's reason into last_reason when not NULL.
int ordhost_history (txnhost_t *host, const orders_dbs_t *dbs, const uint8_t id[16], const char *event,
                     char *last_reason, size_t size);

#endif
