//  pidfile — <var-dir>/up.pid, held locked (flock) by the `retailmesh up`
//  that runs the mesh over that directory, so a second one is refused
//  before it fights the first for ports and stores, and `status` can say
//  which process supervises the mesh. The lock, not the file's existence,
//  is what counts: it dies with its process.
#ifndef RM_CLI_PIDFILE_H
#define RM_CLI_PIDFILE_H

#include <sys/types.h>

#define PIDFILE_NAME "up.pid"

//  Locks path and writes this process's ID into it. Returns the open
//  descriptor that holds the lock (close it to release), or a negative
//  code after logging; RM_EBUSY names the process holding it.
int pidfile_acquire (const char *path);

//  The ID of the process holding the lock on path, or 0 when none does.
pid_t pidfile_holder (const char *path);

#endif
