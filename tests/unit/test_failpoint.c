//  failpoint: which events fail, which are dropped or doubled, and that a
//  crash point only fires for its own name. Skipped (exit 77) in a build
//  without -DRETAILMESH_FAILPOINTS=ON, where the hooks do not exist.
#include "err.h"
#include "failpoint.h"
#include "harness.h"
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef RETAILMESH_FAILPOINTS

static void
test_fail_events (void)
{
    unsetenv ("RETAILMESH_FAIL_EVENTS");
    CHECK_EQ_INT (failpoint_event_error ("orders.order.cancelled"), 0);
    setenv ("RETAILMESH_FAIL_EVENTS", "orders.order.accepted,orders.order.cancelled", 1);
    CHECK_EQ_INT (failpoint_event_error ("orders.order.cancelled"), RM_EUNAVAIL);
    CHECK_EQ_INT (failpoint_event_error ("orders.order.accepted"), RM_EUNAVAIL);
    //  whole names only: neither a prefix nor a longer name matches
    CHECK_EQ_INT (failpoint_event_error ("orders.order"), 0);
    CHECK_EQ_INT (failpoint_event_error ("orders.order.cancelled.v2"), 0);
    CHECK_EQ_INT (failpoint_event_error (""), 0);
    unsetenv ("RETAILMESH_FAIL_EVENTS");
}

static void
test_chaos (void)
{
    unsetenv ("RETAILMESH_CHAOS_EVENTS");
    CHECK_EQ_INT (failpoint_event_copies (7), 1);
    setenv ("RETAILMESH_CHAOS_EVENTS", "drop=7,dup=5", 1);
    int dropped = 0, doubled = 0, taken = 0;
    for (uint64_t nth = 1; nth <= 35; nth++) {
        int copies = failpoint_event_copies (nth);
        dropped += copies == 0;
        doubled += copies == 2;
        taken += copies;
    }
    //  7, 14, 21, 28 and 35 dropped (35 is a multiple of both: dropped);
    //  5, 10, 15, 20, 25 and 30 doubled
    CHECK_EQ_INT (dropped, 5);
    CHECK_EQ_INT (doubled, 6);
    CHECK_EQ_INT (taken, 35 - 5 + 6);
    setenv ("RETAILMESH_CHAOS_EVENTS", "nonsense", 1);
    CHECK_EQ_INT (failpoint_event_copies (7), 1);
    unsetenv ("RETAILMESH_CHAOS_EVENTS");
}

//  Runs failpoint_crash (point) in a child; returns its exit status.
static int
s_crash_status (const char *point)
{
    pid_t pid = fork ();
    if (pid == 0) {
        failpoint_crash (point);
        _exit (0);
    }
    int status = -1;
    CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_crash_point (void)
{
    unsetenv ("RETAILMESH_CRASH_POINT");
    CHECK_EQ_INT (s_crash_status ("after-commit"), 0);
    setenv ("RETAILMESH_CRASH_POINT", "after-commit", 1);
    CHECK_EQ_INT (s_crash_status ("before-commit"), 0);
    CHECK_EQ_INT (s_crash_status ("after-commit"), 137);
    unsetenv ("RETAILMESH_CRASH_POINT");
}

//  With RETAILMESH_CRASH_SKIP=2 the third pass exits, not the first two.
static void
test_crash_skip (void)
{
    setenv ("RETAILMESH_CRASH_POINT", "orders-after-hold", 1);
    setenv ("RETAILMESH_CRASH_SKIP", "2", 1);
    pid_t pid = fork ();
    if (pid == 0) {
        failpoint_crash ("orders-after-hold");
        failpoint_crash ("orders-after-accept");
        failpoint_crash ("orders-after-hold");
        _exit (3);
    }
    int status = -1;
    CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 3);
    pid = fork ();
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            failpoint_crash ("orders-after-hold");
        _exit (3);
    }
    CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 137);
    unsetenv ("RETAILMESH_CRASH_SKIP");
    unsetenv ("RETAILMESH_CRASH_POINT");
}

int
main (void)
{
    test_fail_events ();
    test_crash_skip ();
    test_chaos ();
    test_crash_point ();
    return harness_report ("test_failpoint");
}

#else

int
main (void)
{
    harness_failpoints ("test_failpoint");
    return harness_report ("test_failpoint");
}

#endif
