#include "paths.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
paths_exe_dir (char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t len = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        log_error (NULL, "cannot find this program's own path (/proc/self/exe): %s; "
                   "pass --bin-dir", strerror (errno));
        return RM_EINTERNAL;
    }
    exe[len] = '\0';
    char *slash = strrchr (exe, '/');
    if (slash == exe)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    if ((size_t) snprintf (out, size, "%s", exe) >= size) {
        log_error (NULL, "this program's path is too long: %s", exe);
        return RM_EINTERNAL;
    }
    return 0;
}

bool
paths_is_dir (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static bool
s_has_demo (const char *dir)
{
    char file[PATH_MAX];
    int len = snprintf (file, sizeof file, "%s/prices.csv", dir);
    return len > 0 && (size_t) len < sizeof file && access (file, R_OK) == 0;
}

int
paths_demo_dir (const char *given, char *out, size_t size)
{
    if (given && *given) {
        if (!s_has_demo (given)) {
            log_error (NULL, "--demo-dir %s: no readable prices.csv there", given);
            return RM_ENOTFOUND;
        }
        snprintf (out, size, "%s", given);
        return 0;
    }
    char exe_dir[PATH_MAX];
    char candidates[3][PATH_MAX];
    int count = 0;
    if (paths_exe_dir (exe_dir, sizeof exe_dir) == 0) {
        snprintf (candidates[count++], PATH_MAX, "%.4000s/demo", exe_dir);
        snprintf (candidates[count++], PATH_MAX, "%.4000s/../share/retailmesh/demo", exe_dir);
    }
    snprintf (candidates[count++], PATH_MAX, "%s", RM_CLI_DEMO_DIR);
    for (int i = 0; i < count; i++)
        if (s_has_demo (candidates[i])) {
            snprintf (out, size, "%.4000s", candidates[i]);
            return 0;
        }
    log_error (NULL, "demo catalogue not found (looked in %s%s%s%s%s); pass --demo-dir DIR",
               candidates[0], count > 1 ? ", " : "", count > 1 ? candidates[1] : "",
               count > 2 ? ", " : "", count > 2 ? candidates[2] : "");
    return RM_ENOTFOUND;
}

int
paths_mkdirs (const char *dir, unsigned mode)
{
    char path[PATH_MAX];
    if (!*dir) {
        log_error (NULL, "empty directory name");
        return RM_EUNAVAIL;
    }
    if ((size_t) snprintf (path, sizeof path, "%s", dir) >= sizeof path) {
        log_error (NULL, "directory name too long: %s", dir);
        return RM_EUNAVAIL;
    }
    for (char *p = path + 1; ; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir (path, (mode_t) mode) != 0 && errno != EEXIST) {
                log_error (NULL, "cannot create directory %s: %s", path, strerror (errno));
                return RM_EUNAVAIL;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    if (!paths_is_dir (dir)) {
        log_error (NULL, "%s exists but is not a directory", dir);
        return RM_EUNAVAIL;
    }
    return 0;
}
