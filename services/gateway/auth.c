#include "auth.h"
#include "err.h"
#include "log.h"
#include "sha256.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    uint8_t digest[SHA256_LEN];
    char caller[AUTH_CALLER_MAX];
} s_key_t;

struct auth_t {
    s_key_t *keys;
    size_t count, size;
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

static bool
s_name_ok (const char *name, size_t len)
{
    if (len == 0 || len > AUTH_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
              || c == '_' || c == '-'))
            return false;
    }
    return true;
}

//  Adds one entry, "[name:]digest", trimmed of spaces and tabs; an empty
//  one adds nothing. Returns 0, RM_EINVAL or RM_ENOMEM.
static int
s_add (auth_t *self, const char *entry, size_t len)
{
    while (len && (*entry == ' ' || *entry == '\t')) {
        entry++;
        len--;
    }
    while (len && (entry[len - 1] == ' ' || entry[len - 1] == '\t' || entry[len - 1] == '\r'))
        len--;
    if (len == 0)
        return 0;
    const char *colon = memchr (entry, ':', len);
    size_t name_len = colon ? (size_t) (colon - entry) : 0;
    const char *hex = colon ? colon + 1 : entry;
    size_t hex_len = len - (size_t) (hex - entry);
    s_key_t key = {0};
    if ((colon && !s_name_ok (entry, name_len)) || !s_parse_digest (hex, hex_len, key.digest))
        return RM_EINVAL;
    if (colon)
        memcpy (key.caller, entry, name_len);
    else
        snprintf (key.caller, sizeof key.caller, "key-%.8s", hex);
    if (self->count == self->size) {
        size_t size = self->size ? self->size * 2 : 8;
        s_key_t *keys = (s_key_t *) realloc (self->keys, size * sizeof *keys);
        if (!keys)
            return RM_ENOMEM;
        self->keys = keys;
        self->size = size;
    }
    self->keys[self->count++] = key;
    return 0;
}

static const char s_format[] = "is not 64 lower-case hex digits (the SHA-256 of a key, e.g. from "
                               "`printf %s KEY | sha256sum`), optionally after a name of 1 to 32 "
                               "letters, digits, '.', '_' or '-' and a colon";

static int
s_add_list (auth_t *self, const char *hashes)
{
    size_t index = 0;
    for (const char *p = hashes; p && *p;) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        index++;
        int rc = s_add (self, p, len);
        if (rc == RM_EINVAL)
            log_error (NULL, "--api-key-hashes: entry %zu %s", index, s_format);
        if (rc != 0)
            return rc;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

static int
s_add_file (auth_t *self, const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        log_error (NULL, "--api-key-hashes-file: cannot read %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    char *line = NULL;
    size_t size = 0;
    int rc = 0;
    for (size_t number = 1; rc == 0; number++) {
        ssize_t len = getline (&line, &size, file);
        if (len < 0)
            break;
        char *comment = memchr (line, '#', (size_t) len);
        if (comment)
            len = comment - line;
        while (len && line[len - 1] == '\n')
            len--;
        rc = s_add (self, line, (size_t) len);
        if (rc == RM_EINVAL)
            log_error (NULL, "--api-key-hashes-file: %s line %zu %s", path, number, s_format);
    }
    if (rc == 0 && ferror (file)) {
        log_error (NULL, "--api-key-hashes-file: cannot read %s: %s", path, strerror (errno));
        rc = RM_EUNAVAIL;
    }
    free (line);
    fclose (file);
    return rc;
}

int
auth_new (const char *hashes, const char *file, auth_t **self_p)
{
    auth_t *self = (auth_t *) calloc (1, sizeof *self);
    if (!self)
        return RM_ENOMEM;
    int rc = s_add_list (self, hashes);
    if (rc == 0 && file && *file)
        rc = s_add_file (self, file);
    if (rc != 0) {
        auth_destroy (&self);
        return rc;
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
    free (self->keys);
    free (self);
    *self_p = NULL;
}

size_t
auth_size (auth_t *self)
{
    return self->count;
}

bool
auth_check (auth_t *self, const char *authorization, char caller[AUTH_CALLER_MAX])
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
    const s_key_t *found = NULL;
    for (size_t i = 0; i < self->count; i++)
        if (sha256_equal_ct (digest, self->keys[i].digest, SHA256_LEN) && !found)
            found = &self->keys[i];
    if (found && caller)
        memcpy (caller, found->caller, AUTH_CALLER_MAX);
    return found != NULL;
}
