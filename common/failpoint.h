//  failpoint — failure injection for the failure tests, and only for them.
//  The hooks exist only in a build configured with -DRETAILMESH_FAILPOINTS=ON
//  (`scripts/dev test` sets it); in any other build every macro below
//  compiles to nothing, failpoint.c is not built, and no environment
//  variable is read, so a product binary holds none of the names.
//  Set in a service's environment:
//    RETAILMESH_CRASH_POINT=after-commit    exit right after committing a
//                                           batch that holds events, before
//                                           they are published
//                                           (or at a named point of a
//                                           service: orders-before-hold,
//                                           orders-after-hold,
//                                           orders-after-accept,
//                                           orders-credit-memo-before-commit,
//                                           inventory-before-confirm)
//    RETAILMESH_CRASH_SKIP=N                pass the crash point N times
//                                           before exiting there
//    RETAILMESH_FAIL_EVENTS=type,type       a consumer fails those events as
//                                           if a resource were unreachable
//    RETAILMESH_CHAOS_EVENTS=drop=N,dup=M   a consumer drops every Nth live
//                                           event and takes every Mth twice
#ifndef RM_FAILPOINT_H
#define RM_FAILPOINT_H

#include <stdint.h>

#ifdef RETAILMESH_FAILPOINTS

//  Exits at once with status 137, as SIGKILL would, when
//  RETAILMESH_CRASH_POINT names point and it was passed
//  RETAILMESH_CRASH_SKIP times already (0 when unset); returns otherwise.
void failpoint_crash (const char *point);

//  RM_EUNAVAIL when RETAILMESH_FAIL_EVENTS lists the event type, else 0.
int failpoint_event_error (const char *type);

//  How many times to take the nth live event (counted from 1): 0 drops
//  it, 2 duplicates it, 1 otherwise.
int failpoint_event_copies (uint64_t nth);

#define FAILPOINT_CRASH(point) failpoint_crash (point)
#define FAILPOINT_EVENT_ERROR(type) failpoint_event_error (type)
#define FAILPOINT_EVENT_COPIES(nth) failpoint_event_copies (nth)

#else

#define FAILPOINT_CRASH(point) ((void) 0)
#define FAILPOINT_EVENT_ERROR(type) ((void) (type), 0)
#define FAILPOINT_EVENT_COPIES(nth) ((void) (nth), 1)

#endif

#endif
