#include "rethost.h"
#include "harness.h"

const service_def_t rethost_def = {.name = "returns", .dbs = retstore_dbs, .schema_version = RETSTORE_SCHEMA_VERSION};

int
rethost_main (const char *name, service_t **svc, void (*const *tests) (void))
{
    loophost_t host;
    int rc = loophost_open (&host, &rethost_def);
    CHECK_EQ_INT (rc, 0);
    *svc = host.svc;
    for (size_t i = 0; rc == 0 && tests[i]; i++)
        tests[i] ();
    loophost_close (&host);
    return harness_report (name);
}
