#include "ipcount.h"
#include "err.h"
#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <stdint.h>

struct ipcount_t {
    zhashx_t *open;                //  address text -> count, as a pointer-sized integer
};

int
ipcount_new (ipcount_t **self_p)
{
    ipcount_t *self = (ipcount_t *) calloc (1, sizeof *self);
    if (!self || !(self->open = zhashx_new ())) {
        free (self);
        return RM_ENOMEM;
    }
    *self_p = self;
    return 0;
}

void
ipcount_destroy (ipcount_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->open);
    free (*self_p);
    *self_p = NULL;
}

int
ipcount_key (const struct sockaddr *addr, char key[IPCOUNT_KEY_MAX])
{
    const void *bytes = NULL;
    if (addr && addr->sa_family == AF_INET)
        bytes = &((const struct sockaddr_in *) addr)->sin_addr;
    else if (addr && addr->sa_family == AF_INET6)
        bytes = &((const struct sockaddr_in6 *) addr)->sin6_addr;
    if (!bytes || !inet_ntop (addr->sa_family, bytes, key, IPCOUNT_KEY_MAX))
        return RM_EINVAL;
    return 0;
}

int
ipcount_add (ipcount_t *self, const char *key, unsigned *open)
{
    uintptr_t n = (uintptr_t) zhashx_lookup (self->open, key) + 1;
    if (n > 1)
        zhashx_update (self->open, key, (void *) n);
    else if (zhashx_insert (self->open, key, (void *) n) != 0)
        return RM_ENOMEM;
    *open = (unsigned) n;
    return 0;
}

int
ipcount_remove (ipcount_t *self, const char *key)
{
    uintptr_t n = (uintptr_t) zhashx_lookup (self->open, key);
    if (n == 0)
        return RM_ENOTFOUND;
    if (n == 1)
        zhashx_delete (self->open, key);
    else
        zhashx_update (self->open, key, (void *) (n - 1));
    return 0;
}

size_t
ipcount_addresses (ipcount_t *self)
{
    return zhashx_size (self->open);
}
