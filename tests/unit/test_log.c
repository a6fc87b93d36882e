//  log: untrusted text cannot forge a log line. log_escape turns control
//  characters, the backslash and bytes that are not valid UTF-8 into \xNN
//  and keeps valid UTF-8; log_write escapes whatever a message quotes.
#include "harness.h"
#include "log.h"
#include <stdlib.h>
#include <unistd.h>

static void
s_expect (const char *text, size_t len, const char *expected)
{
    char out[256];
    CHECK_STR (log_escape (text, len, out, sizeof out), expected);
}

static void
test_escape (void)
{
    s_expect ("/healthz", 8, "/healthz");
    s_expect ("a\nb\rc", 5, "a\\x0ab\\x0dc");
    s_expect ("\x1b[31mred", 8, "\\x1b[31mred");
    s_expect ("nul\0after", 9, "nul\\x00after");
    s_expect ("tab\tdel\x7f", 8, "tab\\x09del\\x7f");
    s_expect ("back\\slash", 10, "back\\x5cslash");
    //  valid UTF-8 of two, three and four bytes stays
    s_expect ("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
    //  a lone byte, a cut sequence, an overlong form, a surrogate, above U+10FFFF
    s_expect ("\xff", 1, "\\xff");
    s_expect ("\xe6\x97", 2, "\\xe6\\x97");
    s_expect ("\xc0\x80", 2, "\\xc0\\x80");
    s_expect ("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
    s_expect ("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");
    char out[64];
    CHECK_STR (log_escape_str (NULL, out, sizeof out), "");
    CHECK_STR (log_escape_str ("x\ny", out, sizeof out), "x\\x0ay");
}

//  A full buffer ends before an escape or a character that does not fit.
static void
test_escape_cut (void)
{
    char out[6];
    CHECK_STR (log_escape ("ab\ncd", 5, out, sizeof out), "ab");
    CHECK_STR (log_escape ("abcd\xc3\xa9", 6, out, sizeof out), "abcd");
    CHECK_STR (log_escape ("abcdefgh", 8, out, sizeof out), "abcde");
}

//  One call, one line, whatever the message quotes.
static void
test_write_one_line (void)
{
    log_init ("test", RM_LOG_INFO);
    harness_capture_t cap;
    harness_capture_begin (&cap, STDERR_FILENO);
    log_info ("cid-1", "GET %s 200", "/healthz\n2026-01-01T00:00:00.000Z test INFO cid=- forged\x1b[0m");
    char *text = harness_capture_end (&cap);
    CHECK (text != NULL);
    if (!text)
        return;
    CHECK (strchr (text, '\n') == text + strlen (text) - 1);
    CHECK (strstr (text, " test INFO cid=cid-1 GET /healthz\\x0a2026-01-01T00:00:00.000Z test INFO cid=- "
                         "forged\\x1b[0m 200\n"));
    CHECK (!strchr (text, '\x1b'));
    free (text);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_escape ();
    test_escape_cut ();
    test_write_one_line ();
    return harness_report (argv[0]);
}
