#include "auth.h"
#include "err.h"
#include "log.h"
#include "sha256.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct auth_t {
    uint8_t (*digests)[SHA256_LEN];
    size_t count;
};

static int
s_hexval (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

//  Decodes exactly 64 lower-case hex digits.
static bool
s_parse_digest (const char *hex, size_t len, uint8_t out[SHA256_LEN])
{
    if (len != SHA256_HEX_LEN)
        return false;
    for (size_t i = 0; i < SHA256_LEN; i++) {
        int hi = s_hexval (hex[2 * i]), lo = s_hexval (hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t) (hi << 4 | lo);
    }
    return true;
}

int
auth_new (const char *hashes, auth_t **self_p)
{
    auth_t *self = (auth_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    size_t max = 1;
    for (const char *p = hashes ? hashes : ""; *p; p++)
        max += *p == ',';
    self->digests = calloc (max, SHA256_LEN);
    if (!self->digests) {
        auth_destroy (&self);
        return RM_ENOMEM;
    }
    const char *p = hashes ? hashes : "";
    size_t index = 0;
    while (*p) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *start = p;
        while (len && (*start == ' ' || *start == '\t')) {
            start++;
            len--;
        }
        while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
            len--;
        index++;
        if (len > 0) {
            if (!s_parse_digest (start, len, self->digests[self->count])) {
                log_error (NULL, "--api-key-hashes: entry %zu is not 64 lower-case hex digits "
                           "(the SHA-256 of a key, e.g. from `printf %%s KEY | sha256sum`)", index);
                auth_destroy (&self);
                return RM_EINVAL;
            }
            self->count++;
        }
        p = end ? end + 1 : start + len;
        if (!end)
            break;
    }
    *self_p = self;
    return 0;
}

void
auth_destroy (auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    auth_t *self = *self_p;
    free (self->digests);
    free (self);
    *self_p = NULL;
}

size_t
auth_size (auth_t *self)
{
    return self->count;
}

bool
auth_check (auth_t *self, const char *authorization)
{
    if (!authorization || strncasecmp (authorization, "Bearer ", 7) != 0)
        return false;
    const char *key = authorization + 7;
    while (*key == ' ')
        key++;
    size_t len = strlen (key);
    while (len && key[len - 1] == ' ')
        len--;
    if (len == 0)
        return false;
    uint8_t digest[SHA256_LEN];
    sha256 (key, len, digest);
    //  every configured hash is compared, whichever matches
    bool found = false;
    for (size_t i = 0; i < self->count; i++)
        found |= sha256_equal_ct (digest, self->digests[i], SHA256_LEN);
    return found;
}
