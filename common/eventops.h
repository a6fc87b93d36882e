//  eventops — the operations every service answers about events:
//  events.since (replay from its log), consumer.replay, and the dead-letter
//  store (dlq.list, dlq.show, dlq.retry, dlq.drop).
#ifndef RM_EVENTOPS_H
#define RM_EVENTOPS_H

#include "service.h"

//  The handler of a built-in event operation, or NULL.
service_handler_fn *eventops_route (const char *op);

#endif
