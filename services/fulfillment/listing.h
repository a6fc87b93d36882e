//  listing — reading fulfilments: one with its milestones
//  (fulfillment.get), a warehouse's work oldest first, a page at a time
//  (fulfillment.list: by location, status and creation time), and an
//  order's (fulfillment.by_order; an order fulfillment has made nothing
//  for, or not heard of yet, has none).
#ifndef RM_LISTING_H
#define RM_LISTING_H

#include "catalog_fulfillment.h"
#include "ffstore.h"

#define LISTING_PAGE_DEFAULT 100
//  Fulfilments one page looks at, matching or not: a page that reaches it
//  ends there, with a next_cursor, so no request holds the loop for long.
#define LISTING_SCAN_MAX 10000

//  A page of fulfillment.list: up to limit fulfilments that match, packed
//  on pk as its reply ({items, next_cursor?}). Returns 0, RM_EINVAL with
//  *field set ("/status", "/cursor") for a status that is none or a cursor
//  no page gave, RM_ENOMEM or RM_ESTORE (nothing packed then).
int listing_page (MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfillment_list_request_t *in, msgpack_packer *pk,
                  const char **field);

//  fulfillment.get, fulfillment.list and fulfillment.by_order.
int listing_get (service_t *svc, request_t *req);
int listing_list (service_t *svc, request_t *req);
int listing_by_order (service_t *svc, request_t *req);

#endif
