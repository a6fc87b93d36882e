//  import — `retailmesh import prices|stock FILE`: a bulk feed from the
//  system of record, read whole and checked row by row (feed.h, feedrow.h)
//  before anything is sent, then sent as batches of at most
//  IMPORT_BATCH_MAX items ({"batch_id", "items"}) to the kind's batch
//  operation, each applied by the service all or nothing. A batch_id is
//  derived from the file's SHA-256, the batch size and the batch's place,
//  so sending the same file again repeats the same batches, which the
//  service recognises and does not apply twice.
#ifndef RM_CLI_IMPORT_H
#define RM_CLI_IMPORT_H

#include "feed.h"
#include "feedrow.h"
#include <msgpack.h>
#include <stdio.h>

#define IMPORT_BATCH_MAX 10000
//  Largest file read: it is held in memory whole.
#define IMPORT_FILE_MAX ((size_t) 1 << 30)

typedef struct import_t import_t;

//  An import of kind's rows, batch_size (1..IMPORT_BATCH_MAX) a batch;
//  name is the file's name in messages. Returns 0, RM_EINVAL for a batch
//  size out of range, or RM_ENOMEM.
int import_new (const feedrow_kind_t *kind, const char *name, size_t batch_size,
                import_t **self_p);

void import_destroy (import_t **self_p);

//  Reads and checks every row of the size bytes at data in format, keeps
//  the good rows as batch items, and prints each problem on report as
//  "NAME:LINE: column COLUMN: reason" (or "NAME:LINE: reason"). Returns 0
//  when every row is good, RM_EINVAL when some are not (the good ones are
//  kept), RM_EPROTO when the file cannot be read as a feed at all (its
//  header; nothing is kept), or RM_ENOMEM.
int import_read (import_t *self, const char *data, size_t size, feed_format_t format,
                 FILE *report);

//  Data rows read, and how many of them are bad.
size_t import_rows (const import_t *self);
size_t import_bad (const import_t *self);

//  The good rows, and the batches they make.
size_t import_items (const import_t *self);
size_t import_batches (const import_t *self);

//  The batch_id of batch i: a UUID-shaped text.
void import_batch_id (const import_t *self, size_t i, char out[UUID_STR_LEN + 1]);

//  The lines of the first and the last item of batch i.
void import_batch_lines (const import_t *self, size_t i, int *first, int *last);

//  Packs the body of batch i, {"batch_id", "items": [...]}, into body
//  (cleared first). Returns 0, or RM_EINVAL when there is no batch i.
int import_batch_body (const import_t *self, size_t i, msgpack_sbuffer *body);

//  Sends every batch in order to the service at endpoint, each waited for
//  up to timeout_ms, showing progress on progress_out (progress.h), and
//  stops at the first batch not applied, printing on report why (a refused
//  item as NAME:LINE: column COLUMN: reason, from the error's field
//  "/items/N/..." and from each {index, field, message} of its "errors").
//  prog names the command in messages. Returns 0, or the failed call's code.
int import_send (import_t *self, const char *endpoint, int timeout_ms, const char *prog,
                 FILE *progress_out, FILE *report);

//  `retailmesh import`: returns the process exit code.
int import_main (int argc, char **argv);

#endif
