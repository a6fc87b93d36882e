//  catalog_core — the messages every service answers (sys.health, the
//  event operations events.since, consumer.replay and dlq.*), each body
//  described once: the record lists below give the catalogue's field lists
//  (catalog.c) and the structs the runtime decodes requests into and packs
//  replies from.
#ifndef RM_CATALOG_CORE_H
#define RM_CATALOG_CORE_H

#include "catalog_shared.h"

#define CORE_CONSUMERS_MAX 16
#define CORE_SINCE_MAX 10000

//  sequence numbers and counters: integers from 0 up, as amounts are
#define R_SEQ R_AMOUNT
#define R_COUNT R_AMOUNT
#define R_SOURCE(X, T, req, d) X (T, STR, source, req, FC_IDENT, 32, d)
#define R_EVENTS_SOURCE(X, T) R_SOURCE (X, T, true, "the service that emitted the events")
#define R_QUEUE(X, T) X (T, STR, queue, false, FC_IDENT, 16, "events (default) or outbound")

//  sys.health and its parts
#define CORE_EVENT_LOG(X, T)                                                                  \
    R_SEQ (X, T, first_seq, "oldest event still kept") R_SEQ (X, T, last_seq, "newest event committed") \
    R_SEQ (X, T, published, "newest event sent on the PUB socket")
RECORD_STRUCT (core_event_log, CORE_EVENT_LOG)

#define CORE_CONSUMER_STATUS(X, T)                                                              \
    R_EVENTS_SOURCE (X, T) R_SEQ (X, T, position, "last event applied")                         \
    R_SEQ (X, T, source_last_seq, "newest event the source is known to have")                  \
    R_COUNT (X, T, lag, "source_last_seq - position")                                          \
    R_COUNT (X, T, gaps, "gaps detected in the live stream")                                   \
    R_COUNT (X, T, replays, "events.since calls made to catch up")                             \
    R_COUNT (X, T, applied, "events applied by the handler")                                   \
    R_COUNT (X, T, rejected, "events the handler rejected for business reasons")               \
    R_COUNT (X, T, duplicates, "events received again and ignored")                            \
    R_COUNT (X, T, dead_letters, "events moved to the dead-letter store")                      \
    X (T, BOOL, stalled, "behind the source's retention: needs an operator")                   \
    X (T, STR, stalled_reason, false, FC_NONE, 256, "why the consumer stalled")
RECORD_STRUCT (core_consumer_status, CORE_CONSUMER_STATUS)

#define CORE_OUTBOUND_STATUS(X, T)                                                   \
    R_COUNT (X, T, depth, "actions waiting to succeed")                              \
    R_COUNT (X, T, oldest_age_ms, "age of the oldest of them, 0 when none")          \
    R_COUNT (X, T, in_flight, "actions being performed now")                         \
    R_COUNT (X, T, sent, "actions that succeeded since start")                       \
    R_COUNT (X, T, failed_attempts, "failed attempts since start")                   \
    R_COUNT (X, T, dead_letters, "actions set aside after their bounds")
RECORD_STRUCT (core_outbound_status, CORE_OUTBOUND_STATUS)

#define CORE_STORE_FILL(X, T)                                                                       \
    R_AMOUNT (X, T, used, "bytes in use")                                                           \
    R_AMOUNT (X, T, map_size, "current LMDB map size in bytes; it grows when full")                 \
    R_AMOUNT (X, T, map_size_max,                                                                   \
              "most the map may grow to now (the disk's room when not bounded by --map-size-max)")
RECORD_STRUCT (core_store_fill, CORE_STORE_FILL)

#define CORE_SECURITY(X, T)                                                                    \
    X (T, BOOL, curve, "whether the sockets require CURVE (false only with --curve=false)")       \
    R_COUNT (X, T, rejected_auth, "handshakes refused: a key not on the socket's allow-list")     \
    R_COUNT (X, T, admitted, "handshakes admitted")                                               \
    R_COUNT (X, T, refused_handshakes,                                                            \
             "handshakes that failed on the service's sockets: no CURVE key, another mechanism, a bad "  \
             "greeting, or refused by the allow-list")                                                 \
    R_COUNT (X, T, disconnects,                                                                   \
             "connections that ended after their handshake: closed by the client or dropped by the "    \
             "service for a message over max_message_size (libzmq does not tell them apart)")          \
    R_AMOUNT (X, T, max_message_size, "bytes a message may have; a connection sending more is dropped")
RECORD_STRUCT (core_security, CORE_SECURITY)

#define CORE_HEALTH(X, T)                                                                          \
    X (T, STR, service, true, FC_IDENT, 32, "service name")                                        \
    X (T, STR, version, true, FC_NONE, 32, "build version")                                        \
    R_AMOUNT (X, T, uptime_s, "seconds since the process started")                                 \
    R_AMOUNT (X, T, store_bytes, "bytes the LMDB store uses")                                      \
    X (T, INT, pid, true, 1, INT32_MAX, "process ID")                                              \
    X (T, OPTBOOL, ready, "false while the service cannot serve writes (the reason says why)")     \
    X (T, STR, reason, false, FC_NONE, 160, "why the service is not ready")                        \
    X (T, MAP, store, false, core_store_fill, "how full the store is")                             \
    X (T, MAP, events, true, core_event_log, "the service's event log")                            \
    X (T, MAPS, consumers, 0, CORE_CONSUMERS_MAX, core_consumer_status,                             \
       "the other services' events this one applies")                                              \
    X (T, MAP, outbound, false, core_outbound_status, "the outbound queue: calls to perform after a commit") \
    X (T, MAP, security, false, core_security,                                                     \
       "the service plane's checks: CURVE handshakes and the message size limit")                  \
    X (T, OPTANY, details, "the service's own figures, as its slice of the catalogue describes them")
RECORD_STRUCT (core_health, CORE_HEALTH)

//  events.since
#define CORE_SINCE_REQUEST(X, T)                                      \
    X (T, INT, from, true, 1, INT64_MAX, "first sequence number wanted") \
    X (T, INT, max, false, 1, CORE_SINCE_MAX, "events at most (default 1000)")
RECORD_STRUCT (core_since_request, CORE_SINCE_REQUEST)

#define CORE_SINCE_REPLY(X, T)                                                                 \
    R_SEQ (X, T, first_seq, "oldest event still kept") R_SEQ (X, T, last_seq, "newest event committed") \
    X (T, ANYS, events, 0, CORE_SINCE_MAX, "event envelopes in sequence order")
RECORD_STRUCT (core_since_reply, CORE_SINCE_REPLY)

//  consumer.replay
#define CORE_REPLAY_REQUEST(X, T) \
    R_EVENTS_SOURCE (X, T) X (T, INT, from, true, 1, INT64_MAX, "apply events again from this sequence number")
RECORD_STRUCT (core_replay_request, CORE_REPLAY_REQUEST)

#define CORE_REPLAY_REPLY(X, T) R_EVENTS_SOURCE (X, T) R_SEQ (X, T, position, "the consumer's position now")
RECORD_STRUCT (core_replay_reply, CORE_REPLAY_REPLY)

//  dlq.*: an outbound dead letter has the same shape as an event's: source
//  is the peer called, seq the action's number and type its operation.
#define CORE_DLQ_LIST_REQUEST(X, T) R_SOURCE (X, T, false, "only this source's dead letters") R_QUEUE (X, T)
RECORD_STRUCT (core_dlq_list_request, CORE_DLQ_LIST_REQUEST)

#define CORE_DLQ_ENTRY_FIELDS(X, T)                                             \
    R_QUEUE (X, T) R_EVENTS_SOURCE (X, T)                                       \
    R_SEQ (X, T, seq, "the event's sequence number at its source")              \
    X (T, STR, type, true, FC_NONE, 64, "event type")                           \
    X (T, STR, error, true, FC_NONE, 256, "the handler's last error")           \
    R_COUNT (X, T, attempts, "attempts made")                                   \
    X (T, TIME, failed_at, true, "when it was given up, Unix ms")

#define CORE_DLQ_ENTRY(X, T) CORE_DLQ_ENTRY_FIELDS (X, T)
RECORD_STRUCT (core_dlq_entry, CORE_DLQ_ENTRY)

#define CORE_DLQ_LIST_REPLY(X, T) \
    X (T, MAPS, entries, 0, INT32_MAX, core_dlq_entry, "dead letters, oldest first per source")
RECORD_STRUCT (core_dlq_list_reply, CORE_DLQ_LIST_REPLY)

#define CORE_DLQ_KEY_REQUEST(X, T) \
    R_QUEUE (X, T) R_EVENTS_SOURCE (X, T) R_SEQ (X, T, seq, "the event's sequence number")
RECORD_STRUCT (core_dlq_key_request, CORE_DLQ_KEY_REQUEST)

#define CORE_DLQ_SHOWN(X, T) \
    CORE_DLQ_ENTRY_FIELDS (X, T) X (T, ANY, event, "the event envelope (outbound: the action)")
RECORD_STRUCT (core_dlq_shown, CORE_DLQ_SHOWN)

#define CORE_DLQ_RETRIED(X, T)                                          \
    R_EVENTS_SOURCE (X, T) R_SEQ (X, T, seq, "the event's sequence number") \
    X (T, BOOL, applied, "true: applied and removed")
RECORD_STRUCT (core_dlq_retried, CORE_DLQ_RETRIED)

#define CORE_DLQ_DROPPED(X, T)                                          \
    R_EVENTS_SOURCE (X, T) R_SEQ (X, T, seq, "the event's sequence number") \
    X (T, BOOL, dropped, "true: removed")
RECORD_STRUCT (core_dlq_dropped, CORE_DLQ_DROPPED)

#endif
