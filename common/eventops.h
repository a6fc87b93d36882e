//  eventops — the operations every service answers about events:
//  events.since (replay from its log), consumer.replay, and the dead-letter
//  store (dlq.list, dlq.show, dlq.retry, dlq.drop).
#ifndef RM_EVENTOPS_H
#define RM_EVENTOPS_H

#include "service.h"

//  The event operations as a route table, like a service's own routes;
//  the runtime serves it in every service. Terminated by {NULL, NULL}.
extern const service_route_t eventops_routes[];

#endif
