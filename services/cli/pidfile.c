#include "pidfile.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static pid_t
s_read_pid (int fd)
{
    char buf[32];
    ssize_t len = pread (fd, buf, sizeof buf - 1, 0);
    if (len <= 0)
        return 0;
    buf[len] = '\0';
    long pid = strtol (buf, NULL, 10);
    return pid > 0 ? (pid_t) pid : 0;
}

int
pidfile_acquire (const char *path)
{
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_error (NULL, "cannot open %s: %s", path, strerror (errno));
        return RM_EUNAVAIL;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
        int rc = RM_EUNAVAIL;
        if (errno == EWOULDBLOCK) {
            int holder = (int) s_read_pid (fd);
            log_error (NULL, "another `retailmesh up` (pid %d) is running on this --var-dir; "
                       "stop it first (Ctrl-C in its terminal, or kill %d), or use another "
                       "--var-dir and other ports", holder, holder);
            rc = RM_EBUSY;
        }
        else
            log_error (NULL, "cannot lock %s: %s", path, strerror (errno));
        close (fd);
        return rc;
    }
    char line[32];
    int len = snprintf (line, sizeof line, "%d\n", (int) getpid ());
    if (ftruncate (fd, 0) != 0 || pwrite (fd, line, (size_t) len, 0) != len) {
        log_error (NULL, "cannot write %s: %s", path, strerror (errno));
        close (fd);
        return RM_EUNAVAIL;
    }
    return fd;
}

pid_t
pidfile_holder (const char *path)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    pid_t pid = 0;
    if (flock (fd, LOCK_SH | LOCK_NB) != 0)
        pid = errno == EWOULDBLOCK ? s_read_pid (fd) : 0;
    close (fd);
    return pid;
}
