//  correlation — the correlation ID of an HTTP request: the client's
//  X-Correlation-Id when it is usable, else the trace ID of a W3C
//  traceparent header, else a fresh UUIDv7.
#ifndef RM_GW_CORRELATION_H
#define RM_GW_CORRELATION_H

#include "envelope.h"
#include <stdbool.h>
#include <stddef.h>

//  The longest correlation ID or idempotency key the envelope carries
//  (its buffers hold the terminating NUL too).
#define CORRELATION_MAX (ENVELOPE_CID_MAX - 1)
#define IDEMPOTENCY_KEY_MAX (ENVELOPE_IDEM_MAX - 1)

typedef enum {
    CORRELATION_HEADER,        //  taken from X-Correlation-Id
    CORRELATION_TRACEPARENT,   //  the trace-id of traceparent
    CORRELATION_GENERATED,     //  a new UUIDv7
} correlation_source_t;

//  True when s is 1..max characters of printable ASCII without spaces
//  (0x21..0x7e), the form the envelope requires of IDs and keys.
bool correlation_token (const char *s, size_t max);

//  Chooses the correlation ID from the two header values (either may be
//  NULL) and writes it to out (CORRELATION_MAX + 1 bytes).
correlation_source_t correlation_pick (const char *x_correlation_id,
                                       const char *traceparent,
                                       char out[CORRELATION_MAX + 1]);

#endif
