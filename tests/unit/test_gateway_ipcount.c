//  The gateway's count of open connections per client address: counted
//  up and down per address, IPv4 and IPv6 told apart by their text, an
//  address forgotten once its last connection closes.
#include "err.h"
#include "harness.h"
#include "ipcount.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

int
main (void)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons (40000)};
    inet_pton (AF_INET, "127.0.1.7", &v4.sin_addr);
    struct sockaddr_in other = v4;
    other.sin_port = htons (40001);
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton (AF_INET6, "::1", &v6.sin6_addr);
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    char a[IPCOUNT_KEY_MAX], b[IPCOUNT_KEY_MAX], c[IPCOUNT_KEY_MAX];
    CHECK_EQ_INT (ipcount_key ((struct sockaddr *) &v4, a), 0);
    CHECK_STR (a, "127.0.1.7");
    //  the port is not part of the address
    CHECK_EQ_INT (ipcount_key ((struct sockaddr *) &other, b), 0);
    CHECK_STR (b, a);
    CHECK_EQ_INT (ipcount_key ((struct sockaddr *) &v6, c), 0);
    CHECK_STR (c, "::1");
    CHECK_EQ_INT (ipcount_key (&unix_like, b), RM_EINVAL);
    CHECK_EQ_INT (ipcount_key (NULL, b), RM_EINVAL);

    ipcount_t *ips = NULL;
    CHECK_EQ_INT (ipcount_new (&ips), 0);
    unsigned open = 0;
    for (unsigned i = 1; i <= 3; i++) {
        CHECK_EQ_INT (ipcount_add (ips, a, &open), 0);
        CHECK_EQ_INT (open, i);
    }
    CHECK_EQ_INT (ipcount_add (ips, c, &open), 0);
    CHECK_EQ_INT (open, 1);
    CHECK_EQ_INT (ipcount_addresses (ips), 2);
    CHECK_EQ_INT (ipcount_remove (ips, a), 0);
    CHECK_EQ_INT (ipcount_add (ips, a, &open), 0);
    CHECK_EQ_INT (open, 3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT (ipcount_remove (ips, a), 0);
    CHECK_EQ_INT (ipcount_remove (ips, a), RM_ENOTFOUND);
    CHECK_EQ_INT (ipcount_addresses (ips), 1);
    CHECK_EQ_INT (ipcount_remove (ips, c), 0);
    CHECK_EQ_INT (ipcount_addresses (ips), 0);
    ipcount_destroy (&ips);
    CHECK (ips == NULL);
    return harness_report ("test_gateway_ipcount");
}
