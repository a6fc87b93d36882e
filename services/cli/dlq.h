//  dlq — the operator's hands on the services' consumers: `retailmesh dlq`
//  (the dead letters: events a consumer set aside after they kept failing;
//  list, show, retry, drop) and `retailmesh replay` (moves a consumer's
//  position, to apply events again or to skip them).
#ifndef RM_CLI_DLQ_H
#define RM_CLI_DLQ_H

#include <msgpack.h>
#include <stddef.h>

//  The header of the dead-letter table and one row of it: the service that
//  holds the dead letter and one entry of a dlq.list reply. Returns the
//  text's length (as snprintf: truncated at size).
int dlq_format_header (char *out, size_t size);
int dlq_format_entry (const char *service, const msgpack_object *entry, char *out, size_t size);

//  `retailmesh dlq` and `retailmesh replay`: return the process exit code.
int dlq_main (int argc, char **argv);
int replay_main (int argc, char **argv);

#endif
