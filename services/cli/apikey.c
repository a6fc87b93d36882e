#include "apikey.h"
#include "err.h"
#include "log.h"
#include "sha256.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

bool
apikey_valid (const char *text)
{
    size_t len = strlen (text);
    if (len != APIKEY_HEX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            return false;
    return true;
}

static int
s_read (const char *path, int fd, char key[APIKEY_HEX_LEN + 1])
{
    struct stat st;
    if (fstat (fd, &st) == 0 && (st.st_mode & 077) != 0) {
        //  the key opens the API to whoever reads it
        if (fchmod (fd, 0600) == 0)
            log_warn (NULL, "%s was readable by other users; made it mode 0600", path);
        else
            log_warn (NULL, "%s is readable by other users and chmod failed: %s",
                      path, strerror (errno));
    }
    char buf[APIKEY_HEX_LEN + 8];
    ssize_t len = read (fd, buf, sizeof buf - 1);
    if (len < 0) {
        log_error (NULL, "cannot read %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    buf[len] = '\0';
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    if (!apikey_valid (buf)) {
        log_error (NULL, "%s does not hold an API key (%d lower-case hex digits); "
                   "delete it and a new key is made on the next start", path, APIKEY_HEX_LEN);
        return RM_EINVAL;
    }
    memcpy (key, buf, APIKEY_HEX_LEN + 1);
    return 0;
}

static int
s_random (unsigned char *out, size_t size)
{
    size_t filled = 0;
    while (filled < size) {
        ssize_t n = getrandom (out + filled, size - filled, 0);
        if (n < 0 && errno != EINTR)
            return RM_EINTERNAL;
        if (n > 0)
            filled += (size_t) n;
    }
    return 0;
}

static int
s_create (const char *path, int fd, char key[APIKEY_HEX_LEN + 1])
{
    unsigned char bytes[APIKEY_BYTES];
    if (s_random (bytes, sizeof bytes) != 0) {
        log_error (NULL, "getrandom failed: %s", strerror (errno));
        return RM_EINTERNAL;
    }
    for (int i = 0; i < APIKEY_BYTES; i++)
        snprintf (key + 2 * i, 3, "%02x", bytes[i]);
    char line[APIKEY_HEX_LEN + 2];
    snprintf (line, sizeof line, "%s\n", key);
    size_t len = strlen (line);
    if (write (fd, line, len) != (ssize_t) len || fsync (fd) != 0) {
        log_error (NULL, "cannot write %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    return 0;
}

int
apikey_load_or_create (const char *path, char key[APIKEY_HEX_LEN + 1], bool *created)
{
    *created = false;
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int rc = s_create (path, fd, key);
        if (close (fd) != 0 && rc == 0) {
            log_error (NULL, "cannot write %s: %s", path, strerror (errno));
            rc = RM_EUNAVAIL;
        }
        if (rc != 0)
            unlink (path);
        *created = rc == 0;
        return rc;
    }
    if (errno != EEXIST) {
        log_error (NULL, "cannot create %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_error (NULL, "cannot read %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    int rc = s_read (path, fd, key);
    close (fd);
    return rc;
}

int
apikey_write_hashes (const char *path, const char *name, const char *key)
{
    char tmp[4096], hash[SHA256_HEX_LEN + 1], text[512];
    snprintf (tmp, sizeof tmp, "%s.new", path);
    sha256_hex (key, strlen (key), hash);
    int len = snprintf (text, sizeof text, "# API keys the gateway accepts: [name:]SHA-256 of the key, one a line\n"
                        "# (written by retailmesh up at each start)\n%s:%s\n", name, hash);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && len > 0 && (size_t) len < sizeof text && fchmod (fd, 0600) == 0
              && write (fd, text, (size_t) len) == (ssize_t) len && fsync (fd) == 0;
    if (fd >= 0 && close (fd) != 0)
        ok = false;
    if (ok && rename (tmp, path) == 0)
        return 0;
    log_error (NULL, "cannot write %s: %s", path, strerror (errno));
    unlink (tmp);
    return RM_EUNAVAIL;
}
