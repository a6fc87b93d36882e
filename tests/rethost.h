//  rethost — what returns' unit tests share: a returns service run in the
//  test's own process (loophost.h; no routes, no consumers) on a store of
//  its own.
#ifndef RM_TEST_RETHOST_H
#define RM_TEST_RETHOST_H

#include "loophost.h"
#include "retstore.h"

//  The service as the tests open it: returns' databases and schema.
extern const service_def_t rethost_def;

//  The main of a unit test: opens the service, sets *svc, runs tests
//  (NULL-terminated) in order, closes it and returns harness_report (name).
int rethost_main (const char *name, service_t **svc, void (*const *tests) (void));

#endif
