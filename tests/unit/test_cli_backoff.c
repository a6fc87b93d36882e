//  The restart delays of `retailmesh up`: 200 ms doubling to a 10 s ceiling,
//  back to 200 ms once a service had stayed up 30 s.
#include "backoff.h"
#include "harness.h"
#include <string.h>

static void
test_doubles_to_ceiling (void)
{
    backoff_t backoff;
    backoff_init (&backoff, 200, 10000, 30000);
    static const int64_t expected[] = {200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        CHECK_EQ_INT (backoff_delay (&backoff, 50), expected[i]);
}

static void
test_resets_after_stable_run (void)
{
    backoff_t backoff;
    backoff_init (&backoff, 200, 10000, 30000);
    for (int i = 0; i < 6; i++)
        backoff_delay (&backoff, 1000);
    //  29.999 s is still a crash loop; 30 s is a fresh failure
    CHECK_EQ_INT (backoff_delay (&backoff, 29999), 10000);
    CHECK_EQ_INT (backoff_delay (&backoff, 30000), 200);
    CHECK_EQ_INT (backoff_delay (&backoff, 10), 400);
    CHECK_EQ_INT (backoff_delay (&backoff, 3600 * 1000), 200);
}

static void
test_ceiling_not_power_of_two (void)
{
    backoff_t backoff;
    backoff_init (&backoff, 300, 1000, 5000);
    CHECK_EQ_INT (backoff_delay (&backoff, 0), 300);
    CHECK_EQ_INT (backoff_delay (&backoff, 0), 600);
    CHECK_EQ_INT (backoff_delay (&backoff, 0), 1000);
    CHECK_EQ_INT (backoff_delay (&backoff, 0), 1000);
}

int
main (void)
{
    test_doubles_to_ceiling ();
    test_resets_after_stable_run ();
    test_ceiling_not_power_of_two ();
    return harness_report ("test_cli_backoff");
}
