//  Built only with -DRETAILMESH_FAILPOINTS=ON (common/CMakeLists.txt).
#include "failpoint.h"
#include "err.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
failpoint_crash (const char *point)
{
    static long s_passed;          //  times the crash point was passed by
    const char *crash = getenv ("RETAILMESH_CRASH_POINT");
    if (!crash || strcmp (crash, point) != 0)
        return;
    const char *skip = getenv ("RETAILMESH_CRASH_SKIP");
    if (skip && s_passed++ < atol (skip))
        return;
    log_error (NULL, "crash point %s reached: exiting at once", point);
    _exit (137);
}

int
failpoint_event_error (const char *type)
{
    const char *list = getenv ("RETAILMESH_FAIL_EVENTS");
    size_t len = strlen (type);
    for (const char *at = list; at && *at; at = strchr (at, ',') ? strchr (at, ',') + 1 : NULL) {
        size_t n = strcspn (at, ",");
        if (n == len && strncmp (at, type, len) == 0)
            return RM_EUNAVAIL;
    }
    return 0;
}

int
failpoint_event_copies (uint64_t nth)
{
    const char *chaos = getenv ("RETAILMESH_CHAOS_EVENTS");
    int drop = 0, dup = 0;
    if (!chaos || sscanf (chaos, "drop=%d,dup=%d", &drop, &dup) != 2)
        return 1;
    if (drop > 0 && nth % (uint64_t) drop == 0)
        return 0;
    if (dup > 0 && nth % (uint64_t) dup == 0)
        return 2;
    return 1;
}
