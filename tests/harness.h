//  harness — what integration and end-to-end tests share: checks that
//  count failures, temporary directories, free loopback ports, starting
//  and stopping real service processes, and HTTP calls through libcurl.
#ifndef RM_HARNESS_H
#define RM_HARNESS_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

extern int harness_failures;
extern int harness_checks;

//  CHECK records a failure (file:line and the expression) and goes on.
#define CHECK(expr)                                                         \
    do {                                                                    \
        harness_checks++;                                                   \
        if (!(expr)) {                                                      \
            harness_failures++;                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
        }                                                                   \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                  \
    do {                                                                    \
        long long _a = (long long) (a), _b = (long long) (b);               \
        harness_checks++;                                                   \
        if (_a != _b) {                                                     \
            harness_failures++;                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                     __FILE__, __LINE__, #a, #b, _a, _b);                   \
        }                                                                   \
    } while (0)

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *_a = (a), *_b = (b);                                    \
        harness_checks++;                                                   \
        if (!_a || !_b || strcmp (_a, _b) != 0) {                           \
            harness_failures++;                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
                     __FILE__, __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
        }                                                                   \
    } while (0)

//  Prints "<name>: N passed, N failed" on its own line (CI reads it; name
//  is reduced to its last path component, one word) and returns the
//  process exit code: 1 when something failed, else 77 (ctest's skip code,
//  tests/CMakeLists.txt) when a part was skipped, else 0.
int harness_report (const char *name);

//  Whether this build's services have the failure hooks (common/failpoint.h).
//  When not, says that the named part is skipped, for harness_report.
bool harness_failpoints (const char *part);

//  Creates a fresh directory under $TMPDIR (or /tmp) named
//  <prefix>-XXXXXX and returns its path (free it). Aborts when it cannot,
//  since no test can go on without it. Remove it with harness_rmtree.
char *harness_tmpdir (const char *prefix);

//  Removes dir and everything under it, without following symlinks.
//  Safe on NULL; refuses "/" and "".
void harness_rmtree (const char *dir);

//  Sends what this process writes to fd (STDOUT_FILENO, STDERR_FILENO)
//  into a temporary file until harness_capture_end, which restores fd and
//  returns the text written meanwhile (free it).
typedef struct {
    int fd;
    int saved;
    FILE *file;
} harness_capture_t;

void harness_capture_begin (harness_capture_t *cap, int fd);
char *harness_capture_end (harness_capture_t *cap);

//  The whole of a small text file (up to 1 MiB; free it), or NULL.
char *harness_read_file (const char *path);

//  Returns a TCP port on 127.0.0.1 that is free right now, or -1.
int harness_free_port (void);

//  Path of a built binary ("pricing") under RETAILMESH_BIN_DIR. Aborts
//  with a message when the variable is unset. The string stays valid for
//  the next 7 calls.
const char *harness_bin (const char *name);

//  A running child process.
typedef struct {
    pid_t pid;
    char name[32];
} harness_proc_t;

//  Starts argv[0] with the NULL-terminated argv; the child's stdout and
//  stderr are appended to <logdir>/<name>.log (after a line giving the
//  command), stdin is /dev/null. The child gets SIGKILL if this thread
//  dies, so nothing outlives a crashed test. Returns 0, RM_ENOTFOUND when
//  argv[0] is not executable, or RM_EINTERNAL.
int harness_spawn (harness_proc_t *proc, const char *name, const char *logdir,
                   const char *const *argv);

//  SIGTERM then wait up to timeout_ms, then SIGKILL. Returns the exit
//  status, 128 + signal number when a signal ended it, or RM_EINVAL when
//  proc is not running. proc->pid is 0 afterwards.
int harness_stop (harness_proc_t *proc, int timeout_ms);

//  SIGKILL and reap; proc->pid is 0 afterwards. Safe when not running.
void harness_kill (harness_proc_t *proc);

//  True while proc runs; reaps it (and zeroes proc->pid) once it has exited,
//  storing its status like harness_stop in *status when status is not NULL.
bool harness_alive (harness_proc_t *proc, int *status);

//  Waits until the service at endpoint answers sys.health, asking every
//  50 ms. Returns 0 or RM_ETIMEOUT after timeout_ms.
int harness_wait_health (const char *endpoint, int timeout_ms);

//  ---- a mesh of real services on free loopback ports --------------------

//  The first rows of the built-in topology (topology.h), in its order; the
//  harness runs the rows after them too (a service added to the table).
enum {
    MESH_IX_PRICING,
    MESH_IX_INVENTORY,
    MESH_IX_ORDERS,
    MESH_IX_GATEWAY,
    MESH_NSERVICES
};

//  Rows of the topology the harness can run.
#define MESH_ROWS_MAX 16

#define MESH_PRICING (1u << MESH_IX_PRICING)
#define MESH_INVENTORY (1u << MESH_IX_INVENTORY)
#define MESH_ORDERS (1u << MESH_IX_ORDERS)
#define MESH_GATEWAY (1u << MESH_IX_GATEWAY)

//  The rows after those, in the table's order; their endpoints are
//  more_rpc[ix] and more_pub[ix].
enum { MESH_IX_FULFILLMENT = MESH_NSERVICES, MESH_IX_RETURNS };
#define MESH_FULFILLMENT (1u << MESH_IX_FULFILLMENT)
#define MESH_RETURNS (1u << MESH_IX_RETURNS)
#define MESH_ALL ((1u << MESH_ROWS_MAX) - 1)     //  every row of the table

#define HARNESS_DEFAULT_API_KEY "test-key-123"

//  The caller ID of the mesh's api_key (its name in the hashes file).
#define HARNESS_API_KEY_NAME "harness"

//  Zero it, optionally set nosync, api_key, second_key and extra_args, then
//  start. Service i keeps its data in <dir>/<name> and logs to
//  <dir>/<name>.log. Every process reads <dir>/topology: the built-in table
//  on free ports, and finds its CURVE key pair in <dir>/keys; the test
//  process itself takes the operator's (keys_use), so its rpc_clients are
//  admitted. The gateway reads the keys' hashes from
//  <dir>/api-key-hashes: "harness:<hash of api_key>", and the hash of
//  second_key without a name (its caller ID is "key-" and 8 hex digits).
typedef struct {
    char dir[256];                   //  a fresh temporary directory when empty at start
    bool nosync;                     //  pass --nosync (services are durable otherwise)
    char api_key[64];                //  HARNESS_DEFAULT_API_KEY when empty at start
    char second_key[64];             //  another valid key when not empty
    //  More arguments per service (indexed by MESH_IX_*), NULL-terminated.
    const char *const *extra_args[MESH_ROWS_MAX];
    //  Ports and endpoints are chosen at the first start and kept for restarts.
    int rpc_port[MESH_ROWS_MAX];     //  0 for the gateway
    int pub_port[MESH_ROWS_MAX];     //  0 for the gateway
    char pricing_rpc[64], pricing_pub[64];
    char inventory_rpc[64], inventory_pub[64];
    char orders_rpc[64], orders_pub[64];
    char more_rpc[MESH_ROWS_MAX][64], more_pub[MESH_ROWS_MAX][64];  //  rows after the first four
    int http_port;
    char base_url[64];               //  "http://127.0.0.1:<http_port>"
    size_t nrows;                    //  rows of the table
    char names[MESH_ROWS_MAX][32];   //  each row's name
    char topology[PATH_MAX];         //  the topology file every process gets
    char keys_dir[PATH_MAX];         //  <dir>/keys: every row's and the operator's key pair
    unsigned running;                //  MESH_* bits of the services started
    harness_proc_t procs[MESH_ROWS_MAX];
} harness_mesh_t;

//  Starts the services in which (MESH_* bits) that are not already running
//  and waits until each answers its health check (sys.health, or for the
//  gateway GET /healthz with status 200), at most 10 s each. When one dies
//  or stays silent its log tail goes to stderr. Returns 0, or the first
//  error (the caller still calls harness_mesh_destroy).
int harness_mesh_start (harness_mesh_t *m, unsigned which);

//  Stops one service (SIGTERM, SIGKILL after 5 s) and starts it again with
//  the same data directory and ports. For a crash, call
//  harness_mesh_kill_one and then harness_mesh_start with its bit.
int harness_mesh_restart_one (harness_mesh_t *m, unsigned which);

//  SIGTERMs one service and waits for it (at most 5 s); returns 0 when it
//  exited with status 0. Start it again with harness_mesh_start.
int harness_mesh_stop_one (harness_mesh_t *m, unsigned which);

//  Marks one service as no longer running once it has exited by itself
//  (e.g. at a crash point).
void harness_mesh_forget_one (harness_mesh_t *m, unsigned which);

//  SIGKILLs one service (a crash: no clean shutdown).
void harness_mesh_kill_one (harness_mesh_t *m, unsigned which);

//  SIGTERMs every running service, the gateway first, and reaps them.
//  Returns 0 when every one exited with status 0, else RM_EINTERNAL.
int harness_mesh_stop (harness_mesh_t *m);

//  How many of the mesh's logs (<dir>/<name>.log of each row) contain
//  needle; the first one's path goes into where (when not NULL).
int harness_mesh_logs_find (harness_mesh_t *m, const char *needle, char *where, size_t size);

//  Stops the mesh and removes its directory unless RETAILMESH_KEEP_TMP is
//  set. Prints the services' log tails first when a CHECK has failed.
void harness_mesh_destroy (harness_mesh_t *m);

//  ---- HTTP through libcurl ------------------------------------------------

typedef struct {
    long status;                 //  HTTP status
    char *body;                  //  NUL-terminated response body (never NULL after success)
    size_t body_len;
    json_t *json;                //  parsed body when its content type is JSON, else NULL
    char content_type[128];
    char location[256];
    char correlation_id[128];    //  X-Correlation-Id
    char retry_after[32];
} harness_http_t;

//  Makes one request with a 10 s total timeout. api_key, when not NULL, is
//  sent as "Authorization: Bearer <key>". extra_headers is NULL or a
//  NULL-terminated list of "Name: value". Returns 0 when a response came
//  (whatever its status), RM_ETIMEOUT, or RM_EUNAVAIL when no connection
//  could be made. Free the result with harness_http_free either way.
int harness_http (harness_http_t *res, const char *method, const char *url,
                  const char *api_key, const char *content_type,
                  const char *body, size_t body_len, const char *const *extra_headers);

void harness_http_free (harness_http_t *res);

//  A libcurl write callback that appends to res->body (NUL-terminated) for
//  tests that drive their own curl handles.
size_t harness_http_collect (char *data, size_t size, size_t nmemb, void *res);

#endif
