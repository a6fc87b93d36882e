//  text: bounded copies cut short to fit, always terminated, and say
//  whether the whole string fit.
#include "harness.h"
#include "text.h"
#include <string.h>

static void
test_copy (void)
{
    char buf[4];
    memset (buf, 'x', sizeof buf);
    CHECK (text_copy (buf, sizeof buf, "abc"));
    CHECK_STR (buf, "abc");
    CHECK (!text_copy (buf, sizeof buf, "abcd"));
    CHECK_STR (buf, "abc");
    CHECK (!text_copy (buf, sizeof buf, "abcdefgh"));
    CHECK_STR (buf, "abc");
    CHECK (text_copy (buf, sizeof buf, ""));
    CHECK_STR (buf, "");
    CHECK (text_copy (buf, sizeof buf, NULL));
    CHECK_STR (buf, "");
    CHECK (!text_copy (buf, 1, "a"));
    CHECK_STR (buf, "");
    //  nothing is written into no room at all
    buf[0] = 'x';
    CHECK (!text_copy (buf, 0, "a"));
    CHECK (text_copy (buf, 0, ""));
    CHECK (buf[0] == 'x');
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_copy ();
    return harness_report (argv[0]);
}
