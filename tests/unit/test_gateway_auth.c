//  The gateway's API-key check and correlation-ID choice.
#include "auth.h"
#include "correlation.h"
#include "err.h"
#include "harness.h"
#include "sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_auth (void)
{
    char h1[SHA256_HEX_LEN + 1], h2[SHA256_HEX_LEN + 1], list[200];
    sha256_hex ("key-one", 7, h1);
    sha256_hex ("key-two", 7, h2);
    snprintf (list, sizeof list, " %s , %s,", h1, h2);
    auth_t *auth = NULL;
    CHECK_EQ_INT (auth_new (list, NULL, &auth), 0);
    CHECK (auth != NULL);
    if (!auth)
        return;
    CHECK_EQ_INT (auth_size (auth), 2);
    CHECK (auth_check (auth, "Bearer key-one", NULL));
    CHECK (auth_check (auth, "Bearer key-two", NULL));
    CHECK (auth_check (auth, "bearer key-two", NULL));
    CHECK (auth_check (auth, "BEARER  key-one ", NULL));
    CHECK (!auth_check (auth, "Bearer key-three", NULL));
    CHECK (!auth_check (auth, "Bearer key-on", NULL));
    CHECK (!auth_check (auth, "Bearer ", NULL));
    CHECK (!auth_check (auth, "Basic a2V5LW9uZQ==", NULL));
    CHECK (!auth_check (auth, "key-one", NULL));
    CHECK (!auth_check (auth, NULL, NULL));
    //  the hash itself is not a key
    char bearer_hash[100];
    snprintf (bearer_hash, sizeof bearer_hash, "Bearer %s", h1);
    CHECK (!auth_check (auth, bearer_hash, NULL));
    auth_destroy (&auth);
    CHECK (auth == NULL);

    //  no keys configured: nothing is accepted
    CHECK_EQ_INT (auth_new (NULL, NULL, &auth), 0);
    CHECK (auth && auth_size (auth) == 0);
    CHECK (auth && !auth_check (auth, "Bearer anything", NULL));
    auth_destroy (&auth);

    //  malformed entries are refused: short, upper-case, not hex
    char upper[SHA256_HEX_LEN + 1];
    memcpy (upper, h1, sizeof upper);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char) (*c - 'a' + 'A');
    CHECK (strcmp (upper, h1) != 0);
    CHECK_EQ_INT (auth_new (upper, NULL, &auth), RM_EINVAL);
    CHECK_EQ_INT (auth_new ("abc123", NULL, &auth), RM_EINVAL);
    snprintf (list, sizeof list, "%s,%.63sz", h1, h2);
    CHECK_EQ_INT (auth_new (list, NULL, &auth), RM_EINVAL);
    CHECK (auth == NULL);
}

//  A hashes file: names, comments, blank lines; callers named or not.
static void
test_auth_file (void)
{
    char h1[SHA256_HEX_LEN + 1], h2[SHA256_HEX_LEN + 1], h3[SHA256_HEX_LEN + 1];
    sha256_hex ("key-one", 7, h1);
    sha256_hex ("key-two", 7, h2);
    sha256_hex ("key-three", 9, h3);
    char path[] = "/tmp/test_gateway_auth_XXXXXX";
    int fd = mkstemp (path);
    CHECK (fd >= 0);
    FILE *file = fd >= 0 ? fdopen (fd, "w") : NULL;
    CHECK (file != NULL);
    if (!file)
        return;
    fprintf (file, "# the mesh's keys\n\ncrm:%s\n   %s   # no name\r\n\t\n", h1, h2);
    fclose (file);
    auth_t *auth = NULL;
    CHECK_EQ_INT (auth_new (h3, path, &auth), 0);
    CHECK (auth != NULL);
    if (!auth)
        return;
    CHECK_EQ_INT (auth_size (auth), 3);
    char caller[AUTH_CALLER_MAX] = "";
    CHECK (auth_check (auth, "Bearer key-one", caller));
    CHECK_STR (caller, "crm");
    char expected[AUTH_CALLER_MAX];
    snprintf (expected, sizeof expected, "key-%.8s", h2);
    CHECK (auth_check (auth, "Bearer key-two", caller));
    CHECK_STR (caller, expected);
    snprintf (expected, sizeof expected, "key-%.8s", h3);
    CHECK (auth_check (auth, "Bearer key-three", caller));
    CHECK_STR (caller, expected);
    snprintf (caller, sizeof caller, "unchanged");
    CHECK (!auth_check (auth, "Bearer key-four", caller));
    CHECK_STR (caller, "unchanged");
    auth_destroy (&auth);

    //  a malformed line, a bad name, a missing file: refused
    const char *bad[] = {"crm %s\n", "c r m:%s\n", ":%s\n", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop:%s\n",
                         "crm:%.60s\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        file = fopen (path, "w");
        CHECK (file != NULL);
        if (!file)
            break;
        fprintf (file, "ok:%s\n", h2);
        fprintf (file, bad[i], h1);
        fclose (file);
        CHECK_EQ_INT (auth_new (NULL, path, &auth), RM_EINVAL);
        CHECK (auth == NULL);
    }
    unlink (path);
    CHECK_EQ_INT (auth_new (NULL, path, &auth), RM_EUNAVAIL);
    CHECK (auth == NULL);
}

static void
test_correlation (void)
{
    char cid[CORRELATION_MAX + 1];
    CHECK_EQ_INT (correlation_pick ("order-42/retry", NULL, cid), CORRELATION_HEADER);
    CHECK_STR (cid, "order-42/retry");

    //  traceparent: version 00, the trace-id becomes the cid
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    CHECK_EQ_INT (correlation_pick (NULL, tp, cid), CORRELATION_TRACEPARENT);
    CHECK_STR (cid, "4bf92f3577b34da6a3ce929d0e0e4736");
    //  an unusable X-Correlation-Id falls through to traceparent
    CHECK_EQ_INT (correlation_pick ("bad\tvalue", tp, cid), CORRELATION_TRACEPARENT);
    CHECK_EQ_INT (correlation_pick ("", tp, cid), CORRELATION_TRACEPARENT);
    //  the envelope carries IDs without spaces
    CHECK_EQ_INT (correlation_pick ("two words", tp, cid), CORRELATION_TRACEPARENT);

    char max[CORRELATION_MAX + 2];
    memset (max, 'x', sizeof max);
    max[CORRELATION_MAX] = '\0';
    CHECK_EQ_INT (correlation_pick (max, NULL, cid), CORRELATION_HEADER);
    CHECK_EQ_INT (strlen (cid), CORRELATION_MAX);
    max[CORRELATION_MAX] = 'x';
    max[CORRELATION_MAX + 1] = '\0';
    CHECK_EQ_INT (correlation_pick (max, NULL, cid), CORRELATION_GENERATED);
    CHECK_EQ_INT (correlation_pick ("caf\xc3\xa9", NULL, cid), CORRELATION_GENERATED);

    const char *bad_tp[] = {
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   //  other version
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   //  zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   //  zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   //  upper case
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    //  short
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", //  trailing data
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "",
    };
    for (size_t i = 0; i < sizeof bad_tp / sizeof bad_tp[0]; i++)
        CHECK_EQ_INT (correlation_pick (NULL, bad_tp[i], cid), CORRELATION_GENERATED);

    //  generated IDs are UUIDv7 text and differ each time
    char other[CORRELATION_MAX + 1];
    correlation_pick (NULL, NULL, cid);
    correlation_pick (NULL, NULL, other);
    CHECK_EQ_INT (strlen (cid), 36);
    CHECK_EQ_INT (cid[14], '7');
    CHECK (strcmp (cid, other) != 0);

    CHECK (correlation_token ("a!b~", 4));
    CHECK (!correlation_token ("a b", 4));
    CHECK (!correlation_token ("abcde", 4));
    CHECK (!correlation_token ("", 4));
    CHECK (!correlation_token ("a\x7f", 4));
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_auth ();
    test_auth_file ();
    test_correlation ();
    return harness_report (argv[0]);
}
