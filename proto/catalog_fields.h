//  catalog_fields — shorthands for a slice's message entries. Only
//  proto/catalog*.c include it; what services and the runtime see is
//  catalog_shared.h and their slice's header.
#ifndef RM_CATALOG_FIELDS_H
#define RM_CATALOG_FIELDS_H

#include "catalog.h"
#include "catalog_shared.h"
#include "uuid.h"

//  Every operation here is safe to resend: reads, absolute sets, holds
//  keyed by order_id, submits deduplicated by external_id, cancels (a
//  second one changes nothing), replays (application is idempotent) and
//  dead-letter retries and drops (a resent one answers not_found).
#define OP(n, req, rep, d) \
    {.name = n, .kind = MSG_OPERATION, .version = 1, .idempotent = true, .request = req, .reply = rep, .doc = d}
#define EVENT(n, body, d) {.name = n, .kind = MSG_EVENT, .version = 1, .request = body, .doc = d}

#endif
