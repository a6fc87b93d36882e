//  batch — pricing.batch: a bulk feed's prices and book entries (up to
//  CATALOG_MAX_BATCH_ITEMS) applied in one transaction, all or none, once
//  per batch_id (bulk.h). An item without book_id sets its entry in the
//  currency's list book (created when missing), one with book_id in that
//  book, which must price in the item's currency. Each item is applied as
//  pricing.put_entry applies one, emitting pricing.price.changed.
#ifndef RM_PRICING_BATCH_H
#define RM_PRICING_BATCH_H

#include "bulk.h"
#include "pricebook.h"
#include "service.h"

//  Applies the batch in (body's digest: bulk_digest) in txn at now, its
//  record kept in dbi; see bulk_apply for *result and *faults. An item's
//  faults name its field: /book_id (an unknown book, RM_ENOTFOUND),
//  /currency (the book prices in another currency, RM_EINVAL; or its list
//  book cannot be created, RM_ECONFLICT), and what pricebook_entry_put
//  names. Returns what bulk_apply returns.
int batch_apply (const pricebook_t *pb, MDB_txn *txn, MDB_dbi dbi, const char *cid,
                 const pricing_batch_request_t *in, const uint8_t digest[SHA256_LEN], int64_t now,
                 catalog_batch_reply_t *result, bulk_faults_t *faults);

//  pricing.batch's handler; arms the takeover after a batch applied.
int batch_handle (service_t *svc, request_t *req);

#endif
