//  paths — where the command finds what it did not get told: its sibling
//  service binaries and the demo catalogue.
#ifndef RM_CLI_PATHS_H
#define RM_CLI_PATHS_H

#include <stdbool.h>
#include <stddef.h>

//  The directory holding the running executable (from /proc/self/exe).
//  Returns 0, or RM_EINTERNAL after logging.
int paths_exe_dir (char *out, size_t size);

bool paths_is_dir (const char *path);

//  Finds the demo catalogue: given (when not NULL or empty) must hold
//  prices.csv; otherwise the first of <exe dir>/demo,
//  <exe dir>/../share/retailmesh/demo and the source tree the command was
//  built from that does. Returns 0, or RM_ENOTFOUND after logging where it
//  looked.
int paths_demo_dir (const char *given, char *out, size_t size);

//  Creates dir and any missing parents with the given mode. Returns 0 or
//  RM_EUNAVAIL after logging.
int paths_mkdirs (const char *dir, unsigned mode);

#endif
