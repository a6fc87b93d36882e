//  catalog_fields — shorthands for the field lists written out by hand
//  (the operations every service answers, in catalog.c) and for a slice's
//  message entries. Only proto/catalog*.c include it; what services see is
//  catalog_shared.h and their slice's header.
#ifndef RM_CATALOG_FIELDS_H
#define RM_CATALOG_FIELDS_H

#include "catalog.h"
#include "catalog_shared.h"
#include "uuid.h"

#define F_STR(n, req, chk, len, d) \
    {.name = n, .type = FT_STR, .required = req, .check = chk, .max_len = len, .doc = d}
#define F_INT(n, lo, hi, d) \
    {.name = n, .type = FT_INT, .required = true, .min = lo, .max = hi, .doc = d}
#define F_BOOL(n, d) {.name = n, .type = FT_BOOL, .required = true, .doc = d}
#define F_MAPS(n, lo, hi, f, d)                                                        \
    {.name = n, .type = FT_ARRAY, .required = true, .item = FT_MAP, .min_items = lo, \
     .max_items = hi, .fields = f, .doc = d}
#define F_END {.name = NULL}

#define F_AMOUNT(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_TIME(n, req, d) \
    {.name = n, .type = FT_INT, .required = req, .check = FC_TIME, .min = 0, .max = INT64_MAX, .doc = d}

#define F_OPT_INT(n, lo, hi, d) \
    {.name = n, .type = FT_INT, .required = false, .min = lo, .max = hi, .doc = d}
#define F_SEQ(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_COUNT(n, d) F_INT (n, 0, INT64_MAX, d)
#define F_SOURCE F_STR ("source", true, FC_IDENT, 32, "the service that emitted the events")

//  Every operation here is safe to resend: reads, absolute sets, holds
//  keyed by order_id, submits deduplicated by external_id, cancels (a
//  second one changes nothing), replays (application is idempotent) and
//  dead-letter retries and drops (a resent one answers not_found).
#define OP(n, req, rep, d) \
    {.name = n, .kind = MSG_OPERATION, .version = 1, .idempotent = true, .request = req, .reply = rep, .doc = d}
#define EVENT(n, body, d) {.name = n, .kind = MSG_EVENT, .version = 1, .request = body, .doc = d}

#endif
