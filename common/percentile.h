//  percentile — durations kept in key order in an LMDB database, so a
//  nearest-rank percentile of a group is a walk to its rank and needs no
//  load into memory. One empty value per sample, under "<group>\0", the
//  milliseconds (big-endian, 8 bytes), then the sample's ID (its bytes,
//  at least one): a group's samples sit together in order of time, and the
//  ID keeps two equal times apart. The caller counts its samples (it knows
//  how many it added) and passes that count to the walk.
#ifndef RM_PERCENTILE_H
#define RM_PERCENTILE_H

#include "catalog_shared.h"
#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

//  The longest group name and sample ID a key holds.
#define PERCENTILE_GROUP_MAX 192
#define PERCENTILE_ID_MAX 128

//  Adds a sample of ms (below 0 counts as 0) with its ID to group.
//  Returns 0, RM_EINVAL for an empty or too long group or ID (a group
//  holding a NUL is cut there, so it is one the caller cannot mean), or
//  store_put's code.
int percentile_add (MDB_txn *txn, MDB_dbi dbi, const char *group, const void *id, size_t id_len, int64_t ms);

//  The nearest-rank 50th, 90th and 99th percentiles of the group's first
//  n samples (n its count, at least 1) in *out. Returns 0, or RM_ESTORE when the cursor fails or the group
//  holds fewer than n samples.
int percentile_read (MDB_txn *txn, MDB_dbi dbi, const char *group, int64_t n, catalog_percentiles_t *out);

#endif
