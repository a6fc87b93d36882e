#include "harness.h"
#include "clock.h"
#include "err.h"
#include "rpc_client.h"
#include "sha256.h"
#include "topology.h"
#include "keys.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MESH_READY_MS 10000
#define MESH_STOP_MS 5000
#define POLL_MS 50
#define HTTP_TIMEOUT_MS 10000

int harness_failures = 0;
int harness_checks = 0;
static int s_skipped = 0;

static void
s_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
        ;
}

int
harness_report (const char *name)
{
    //  CI matches "<word>: N passed, N failed", so the name must be one word.
    const char *base = strrchr (name, '/');
    base = base ? base + 1 : name;
    char word[64];
    size_t n = 0;
    for (; base[n] && n + 1 < sizeof word; n++)
        word[n] = isalnum ((unsigned char) base[n]) || base[n] == '_' || base[n] == '-'
                ? base[n] : '_';
    word[n] = '\0';
    if (n == 0)
        snprintf (word, sizeof word, "test");
    int passed = harness_checks - harness_failures;
    printf ("%s: %d passed, %d failed\n", word, passed, harness_failures);
    if (s_skipped)
        printf ("%s: %d parts skipped, see above\n", word, s_skipped);
    fflush (stdout);
    return harness_failures ? 1 : s_skipped ? 77 : 0;
}

bool
harness_failpoints (const char *part)
{
#ifdef RETAILMESH_FAILPOINTS
    (void) part;
    return true;
#else
    printf ("SKIPPED %s: it needs a build configured with -DRETAILMESH_FAILPOINTS=ON\n", part);
    s_skipped++;
    return false;
#endif
}

char *
harness_tmpdir (const char *prefix)
{
    const char *base = getenv ("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *path = NULL;
    if (asprintf (&path, "%s/%s-XXXXXX", base, prefix) < 0) {
        fprintf (stderr, "harness: out of memory\n");
        abort ();
    }
    if (!mkdtemp (path)) {
        fprintf (stderr, "harness: cannot create a directory like %s: %s\n", path, strerror (errno));
        abort ();
    }
    return path;
}

static int
s_remove (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    if (remove (path) != 0)
        fprintf (stderr, "harness: cannot remove %s: %s\n", path, strerror (errno));
    return 0;
}

void
harness_rmtree (const char *dir)
{
    if (!dir || !*dir || strcmp (dir, "/") == 0)
        return;
    if (nftw (dir, s_remove, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        fprintf (stderr, "harness: cannot walk %s: %s\n", dir, strerror (errno));
}

void
harness_capture_begin (harness_capture_t *cap, int fd)
{
    fflush (NULL);
    cap->fd = fd;
    cap->file = tmpfile ();
    cap->saved = dup (fd);
    if (!cap->file || cap->saved < 0 || dup2 (fileno (cap->file), fd) < 0) {
        fprintf (stderr, "harness: cannot capture fd %d: %s\n", fd, strerror (errno));
        abort ();
    }
}

char *
harness_capture_end (harness_capture_t *cap)
{
    fflush (NULL);
    if (dup2 (cap->saved, cap->fd) < 0) {
        fprintf (stderr, "harness: cannot restore fd %d: %s\n", cap->fd, strerror (errno));
        abort ();
    }
    close (cap->saved);
    //  The text went through the descriptor, so only a seek learns its size.
    long size = fseek (cap->file, 0, SEEK_END) == 0 ? ftell (cap->file) : -1;
    char *text = calloc (1, size > 0 ? (size_t) size + 1 : 1);
    if (!text) {
        fprintf (stderr, "harness: out of memory\n");
        abort ();
    }
    rewind (cap->file);
    size_t len = size > 0 ? fread (text, 1, (size_t) size, cap->file) : 0;
    text[len] = '\0';
    fclose (cap->file);
    cap->file = NULL;
    return text;
}

//  Binds n sockets to port 0 at once, so the n ports are distinct, then
//  closes them. Returns 0 or -1.
static int
s_free_ports (int *ports, int n)
{
    int fds[16];
    int opened = 0, rc = 0;
    for (; opened < n && rc == 0; opened++) {
        fds[opened] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[opened] < 0) {
            fprintf (stderr, "harness: socket: %s\n", strerror (errno));
            rc = -1;
            break;
        }
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
        addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (bind (fds[opened], (struct sockaddr *) &addr, sizeof addr) != 0
            || getsockname (fds[opened], (struct sockaddr *) &addr, &len) != 0) {
            fprintf (stderr, "harness: cannot find a free port: %s\n", strerror (errno));
            rc = -1;
        }
        else
            ports[opened] = ntohs (addr.sin_port);
    }
    for (int i = 0; i < opened; i++)
        close (fds[i]);
    return rc;
}

char *
harness_read_file (const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    size_t size = 1 << 20;
    char *text = malloc (size);
    if (text)
        text[fread (text, 1, size - 1, file)] = '\0';
    fclose (file);
    return text;
}

int
harness_free_port (void)
{
    int port;
    return s_free_ports (&port, 1) == 0 ? port : -1;
}

const char *
harness_bin (const char *name)
{
    static char paths[8][PATH_MAX];
    static int next = 0;
    const char *dir = getenv ("RETAILMESH_BIN_DIR");
    if (!dir || !*dir) {
        fprintf (stderr, "harness: RETAILMESH_BIN_DIR is not set; run the test through ctest "
                         "or set it to the build's bin directory\n");
        abort ();
    }
    char *path = paths[next];
    next = (next + 1) % 8;
    snprintf (path, PATH_MAX, "%s/%s", dir, name);
    return path;
}

int
harness_spawn (harness_proc_t *proc, const char *name, const char *logdir,
               const char *const *argv)
{
    memset (proc, 0, sizeof *proc);
    snprintf (proc->name, sizeof proc->name, "%s", name);
    if (access (argv[0], X_OK) != 0) {
        fprintf (stderr, "harness: cannot run %s: %s\n", argv[0], strerror (errno));
        return RM_ENOTFOUND;
    }
    char log[PATH_MAX];
    snprintf (log, sizeof log, "%s/%s.log", logdir, name);
    int fd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf (stderr, "harness: cannot open %s: %s\n", log, strerror (errno));
        return RM_EINTERNAL;
    }
    int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) {
        fprintf (stderr, "harness: cannot open /dev/null: %s\n", strerror (errno));
        close (fd);
        return RM_EINTERNAL;
    }
    dprintf (fd, "==== harness: start");
    for (int i = 0; argv[i]; i++)
        dprintf (fd, " %s", argv[i]);
    dprintf (fd, "\n");

    //  Everything the child does before exec must be async-signal-safe
    //  (libzmq threads may exist), so messages are prepared here.
    char exec_failed[PATH_MAX + 64];
    int exec_failed_len = snprintf (exec_failed, sizeof exec_failed,
                                    "harness: exec %s failed\n", argv[0]);
    if (exec_failed_len < 0 || exec_failed_len >= (int) sizeof exec_failed)
        exec_failed_len = (int) strlen ("harness: exec failed\n");
    pid_t parent = getpid ();
    fflush (NULL);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent)
            _exit (127);
        sigset_t none;
        sigemptyset (&none);
        sigprocmask (SIG_SETMASK, &none, NULL);
        //  exec keeps ignored signals ignored; a service must see SIGTERM.
        signal (SIGPIPE, SIG_DFL);
        signal (SIGTERM, SIG_DFL);
        signal (SIGINT, SIG_DFL);
        if (dup2 (devnull, STDIN_FILENO) < 0 || dup2 (fd, STDOUT_FILENO) < 0
            || dup2 (fd, STDERR_FILENO) < 0)
            _exit (127);
        execv (argv[0], (char *const *) argv);
        if (write (STDERR_FILENO, exec_failed, (size_t) exec_failed_len) < 0)
            _exit (127);
        _exit (127);
    }
    int fork_errno = errno;
    close (fd);
    close (devnull);
    if (pid < 0) {
        fprintf (stderr, "harness: fork: %s\n", strerror (fork_errno));
        return RM_EINTERNAL;
    }
    proc->pid = pid;
    return 0;
}

static int
s_status (int wstatus)
{
    if (WIFEXITED (wstatus))
        return WEXITSTATUS (wstatus);
    if (WIFSIGNALED (wstatus))
        return 128 + WTERMSIG (wstatus);
    return RM_EINTERNAL;
}

bool
harness_alive (harness_proc_t *proc, int *status)
{
    if (proc->pid <= 0)
        return false;
    int wstatus;
    pid_t rc = waitpid (proc->pid, &wstatus, WNOHANG);
    if (rc == 0)
        return true;
    if (status)
        *status = rc == proc->pid ? s_status (wstatus) : RM_EINTERNAL;
    proc->pid = 0;
    return false;
}

int
harness_stop (harness_proc_t *proc, int timeout_ms)
{
    if (proc->pid <= 0)
        return RM_EINVAL;
    int status = RM_EINTERNAL;
    if (kill (proc->pid, SIGTERM) != 0) {
        fprintf (stderr, "harness: cannot signal %s (pid %d): %s\n",
                 proc->name, (int) proc->pid, strerror (errno));
        harness_alive (proc, &status);
        return status;
    }
    int64_t deadline = clock_mono_ms () + timeout_ms;
    while (harness_alive (proc, &status)) {
        if (clock_mono_ms () >= deadline) {
            fprintf (stderr, "harness: %s (pid %d) did not stop within %d ms; killing it\n",
                     proc->name, (int) proc->pid, timeout_ms);
            kill (proc->pid, SIGKILL);
            int wstatus;
            status = waitpid (proc->pid, &wstatus, 0) == proc->pid ? s_status (wstatus)
                                                                   : RM_EINTERNAL;
            proc->pid = 0;
            break;
        }
        s_sleep_ms (10);
    }
    return status;
}

void
harness_kill (harness_proc_t *proc)
{
    if (proc->pid <= 0)
        return;
    kill (proc->pid, SIGKILL);
    int wstatus;
    while (waitpid (proc->pid, &wstatus, 0) == -1 && errno == EINTR)
        ;
    proc->pid = 0;
}

//  One sys.health round trip; 0 when the service answered ok.
static int
s_health_once (rpc_client_t *client, int timeout_ms)
{
    static const char empty_map[] = {(char) 0x80};
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    envelope_t reply;
    memset (&reply, 0, sizeof reply);
    int rc = rpc_client_call (client, "sys.health", "harness-health", NULL, timeout_ms,
                              empty_map, sizeof empty_map, &unpacked, &reply);
    if (rc == 0 && !reply.ok)
        rc = RM_EPROTO;
    msgpack_unpacked_destroy (&unpacked);
    return rc;
}

//  Polls sys.health until it answers, the deadline passes, or proc (when
//  not NULL) exits.
static int
s_wait_rpc (const char *endpoint, int timeout_ms, harness_proc_t *proc)
{
    rpc_client_t *client = NULL;
    if (rpc_client_new (endpoint, 200, &client) != 0)
        return RM_EINTERNAL;
    int64_t deadline = clock_mono_ms () + timeout_ms;
    int rc = RM_ETIMEOUT;
    for (;;) {
        if (proc && !harness_alive (proc, NULL)) {
            rc = RM_EUNAVAIL;
            break;
        }
        int64_t left = deadline - clock_mono_ms ();
        if (left <= 0)
            break;
        if (s_health_once (client, left < 500 ? (int) left : 500) == 0) {
            rc = 0;
            break;
        }
        s_sleep_ms (POLL_MS);
    }
    rpc_client_destroy (&client);
    return rc;
}

int
harness_wait_health (const char *endpoint, int timeout_ms)
{
    return s_wait_rpc (endpoint, timeout_ms, NULL);
}

//  ---- HTTP ----------------------------------------------------------------

static void
s_curl_init (void)
{
    static bool done = false;
    if (done)
        return;
    CURLcode rc = curl_global_init (CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        fprintf (stderr, "harness: curl_global_init: %s\n", curl_easy_strerror (rc));
        abort ();
    }
    atexit (curl_global_cleanup);
    done = true;
}

size_t
harness_http_collect (char *data, size_t size, size_t nmemb, void *arg)
{
    harness_http_t *res = arg;
    size_t len = size * nmemb;
    char *grown = realloc (res->body, res->body_len + len + 1);
    if (!grown)
        return 0;
    memcpy (grown + res->body_len, data, len);
    res->body = grown;
    res->body_len += len;
    res->body[res->body_len] = '\0';
    return len;
}

static void
s_copy_header (const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t nlen = strlen (name);
    if (len <= nlen || line[nlen] != ':' || strncasecmp (line, name, nlen) != 0)
        return;
    const char *value = line + nlen + 1;
    const char *end = line + len;
    while (value < end && isspace ((unsigned char) *value))
        value++;
    while (end > value && isspace ((unsigned char) end[-1]))
        end--;
    snprintf (out, size, "%.*s", (int) (end - value), value);
}

static size_t
s_on_header (char *line, size_t size, size_t nmemb, void *arg)
{
    harness_http_t *res = arg;
    size_t len = size * nmemb;
    //  A new status line (after "100 Continue") starts a new header set.
    if (len >= 5 && strncmp (line, "HTTP/", 5) == 0) {
        res->content_type[0] = res->location[0] = '\0';
        res->correlation_id[0] = res->retry_after[0] = '\0';
    }
    s_copy_header (line, len, "Content-Type", res->content_type, sizeof res->content_type);
    s_copy_header (line, len, "Location", res->location, sizeof res->location);
    s_copy_header (line, len, "X-Correlation-Id", res->correlation_id, sizeof res->correlation_id);
    s_copy_header (line, len, "Retry-After", res->retry_after, sizeof res->retry_after);
    return len;
}

static int
s_http (harness_http_t *res, const char *method, const char *url, const char *api_key,
        const char *content_type, const char *body, size_t body_len,
        const char *const *extra_headers, long timeout_ms, bool quiet)
{
    memset (res, 0, sizeof *res);
    s_curl_init ();
    CURL *curl = curl_easy_init ();
    if (!curl) {
        fprintf (stderr, "harness: curl_easy_init failed\n");
        return RM_EINTERNAL;
    }
    struct curl_slist *headers = NULL;
    char line[512];
    bool ok = true;
    //  No "Expect: 100-continue" wait on larger bodies.
    headers = curl_slist_append (headers, "Expect:");
    ok = ok && headers;
    if (ok && api_key) {
        snprintf (line, sizeof line, "Authorization: Bearer %s", api_key);
        struct curl_slist *more = curl_slist_append (headers, line);
        ok = more != NULL;
        headers = more ? more : headers;
    }
    if (ok && content_type) {
        snprintf (line, sizeof line, "Content-Type: %s", content_type);
        struct curl_slist *more = curl_slist_append (headers, line);
        ok = more != NULL;
        headers = more ? more : headers;
    }
    for (int i = 0; ok && extra_headers && extra_headers[i]; i++) {
        struct curl_slist *more = curl_slist_append (headers, extra_headers[i]);
        ok = more != NULL;
        headers = more ? more : headers;
    }
    CURLcode rc = ok ? CURLE_OK : CURLE_OUT_OF_MEMORY;
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_URL, url);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, harness_http_collect);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_WRITEDATA, res);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, s_on_header);
    if (rc == CURLE_OK) rc = curl_easy_setopt (curl, CURLOPT_HEADERDATA, res);
    if (rc == CURLE_OK && strcmp (method, "HEAD") == 0)
        rc = curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
    else if (rc == CURLE_OK && strcmp (method, "GET") != 0)
        rc = curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
    if (rc == CURLE_OK && (body || strcmp (method, "POST") == 0)) {
        rc = curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE,
                               (curl_off_t) (body ? body_len : 0));
        if (rc == CURLE_OK)
            rc = curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body ? body : "");
    }
    if (rc == CURLE_OK)
        rc = curl_easy_perform (curl);
    if (rc == CURLE_OK)
        rc = curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &res->status);
    curl_easy_cleanup (curl);
    curl_slist_free_all (headers);

    if (!res->body) {
        res->body = calloc (1, 1);
        if (!res->body) {
            fprintf (stderr, "harness: out of memory\n");
            abort ();
        }
    }
    if (rc != CURLE_OK) {
        if (!quiet)
            fprintf (stderr, "harness: %s %s: %s\n", method, url, curl_easy_strerror (rc));
        return rc == CURLE_OPERATION_TIMEDOUT ? RM_ETIMEOUT
             : rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR
               || rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ? RM_EUNAVAIL
             : RM_EINTERNAL;
    }
    if (res->body_len > 0 && strstr (res->content_type, "json")) {
        json_error_t error;
        res->json = json_loadb (res->body, res->body_len, 0, &error);
        if (!res->json && !quiet)
            fprintf (stderr, "harness: %s %s: response is not JSON: %s at line %d\n",
                     method, url, error.text, error.line);
    }
    return 0;
}

int
harness_http (harness_http_t *res, const char *method, const char *url,
              const char *api_key, const char *content_type,
              const char *body, size_t body_len, const char *const *extra_headers)
{
    return s_http (res, method, url, api_key, content_type, body, body_len,
                   extra_headers, HTTP_TIMEOUT_MS, false);
}

void
harness_http_free (harness_http_t *res)
{
    free (res->body);
    res->body = NULL;
    res->body_len = 0;
    if (res->json)
        json_decref (res->json);
    res->json = NULL;
}

//  ---- the mesh --------------------------------------------------------------

static char *
s_mesh_rpc (harness_mesh_t *m, int ix)
{
    char *endpoints[] = {m->pricing_rpc, m->inventory_rpc, m->orders_rpc, NULL};
    return ix < MESH_NSERVICES ? endpoints[ix] : m->more_rpc[ix];
}

static char *
s_mesh_pub (harness_mesh_t *m, int ix)
{
    char *endpoints[] = {m->pricing_pub, m->inventory_pub, m->orders_pub, NULL};
    return ix < MESH_NSERVICES ? endpoints[ix] : m->more_pub[ix];
}

//  Writes <dir>/topology: the built-in table, each row on free ports.
static int
s_mesh_topology (harness_mesh_t *m)
{
    topology_t *topo = NULL;
    m->nrows = topology_new (&topo) == 0 ? topology_count (topo) : 0;
    bool fits = topo && m->nrows >= MESH_NSERVICES && m->nrows <= MESH_ROWS_MAX;
    //  harness.h names the first rows; the one HTTP front is the gateway
    for (size_t ix = 0; fits && ix < m->nrows; ix++)
        fits = (ix == MESH_IX_GATEWAY) == (topology_row (topo, ix)->http_port != 0);
    if (!fits) {
        fprintf (stderr, "harness: the built-in topology does not start with the rows harness.h "
                 "names, or has more than %d\n", MESH_ROWS_MAX);
        topology_destroy (&topo);
        return RM_EINVAL;
    }
    int ports[2 * MESH_ROWS_MAX + 1];
    int nports = 2 * (int) m->nrows + 1;
    int rc = s_free_ports (ports, nports);
    for (int ix = 0; rc == 0 && ix < (int) m->nrows; ix++) {
        const topology_row_t *row = topology_row (topo, ix);
        snprintf (m->names[ix], sizeof m->names[ix], "%s", row->name);
        if (ix == MESH_IX_GATEWAY) {
            m->http_port = ports[nports - 1];
            snprintf (m->base_url, sizeof m->base_url, "http://127.0.0.1:%d", m->http_port);
            rc = topology_set (topo, row->name, NULL, NULL, m->http_port);
            continue;
        }
        m->rpc_port[ix] = ports[2 * ix];
        m->pub_port[ix] = ports[2 * ix + 1];
        snprintf (s_mesh_rpc (m, ix), 64, "tcp://127.0.0.1:%d", m->rpc_port[ix]);
        snprintf (s_mesh_pub (m, ix), 64, "tcp://127.0.0.1:%d", m->pub_port[ix]);
        rc = topology_set (topo, row->name, s_mesh_rpc (m, ix), s_mesh_pub (m, ix), 0);
    }
    snprintf (m->topology, sizeof m->topology, "%.200s/topology", m->dir);
    FILE *file = rc == 0 ? fopen (m->topology, "w") : NULL;
    if (file) {
        topology_print (topo, file);
        rc = fclose (file) == 0 ? 0 : RM_EUNAVAIL;
    }
    else if (rc == 0)
        rc = RM_EUNAVAIL;
    snprintf (m->keys_dir, sizeof m->keys_dir, "%.200s/keys", m->dir);
    if (rc == 0 && (rc = keys_init (m->keys_dir, topo, NULL)) == 0
        && (rc = keys_use (m->keys_dir, KEYS_OPERATOR)) == 0)
        rc = keys_add_topology (topo);
    topology_destroy (&topo);
    if (rc != 0)
        fprintf (stderr, "harness: cannot write %s: %s\n", m->topology, rm_strerror (rc));
    return rc;
}

static int
s_mesh_prepare (harness_mesh_t *m)
{
    if (!m->dir[0]) {
        char *dir = harness_tmpdir ("retailmesh-mesh");
        snprintf (m->dir, sizeof m->dir, "%s", dir);
        free (dir);
    }
    if (!m->api_key[0])
        snprintf (m->api_key, sizeof m->api_key, "%s", HARNESS_DEFAULT_API_KEY);
    return m->http_port ? 0 : s_mesh_topology (m);
}

//  The gateway's hashes file, in path.
static int
s_mesh_write_hashes (harness_mesh_t *m, char *path, size_t size)
{
    char hash[SHA256_HEX_LEN + 1];
    snprintf (path, size, "%.200s/api-key-hashes", m->dir);
    FILE *file = fopen (path, "w");
    if (!file) {
        fprintf (stderr, "harness: cannot write %s\n", path);
        return RM_EUNAVAIL;
    }
    sha256_hex (m->api_key, strlen (m->api_key), hash);
    fprintf (file, "# the harness's keys\n%s:%s\n", HARNESS_API_KEY_NAME, hash);
    if (m->second_key[0]) {
        sha256_hex (m->second_key, strlen (m->second_key), hash);
        fprintf (file, "%s   # unnamed\n", hash);
    }
    return fclose (file) == 0 ? 0 : RM_EUNAVAIL;
}

//  Endpoints, peers and ports come from the topology file.
static int
s_mesh_spawn (harness_mesh_t *m, int ix)
{
    const char *argv[64];
    int n = 0;
    char data_dir[PATH_MAX], hashes[PATH_MAX];
    argv[n++] = harness_bin (m->names[ix]);
    argv[n++] = "--topology";
    argv[n++] = m->topology;
    argv[n++] = "--keys-dir";
    argv[n++] = m->keys_dir;
    if (ix == MESH_IX_GATEWAY) {
        if (s_mesh_write_hashes (m, hashes, sizeof hashes) != 0)
            return RM_EUNAVAIL;
        argv[n++] = "--http-address";
        argv[n++] = "127.0.0.1";
        argv[n++] = "--api-key-hashes-file";
        argv[n++] = hashes;
    }
    else {
        snprintf (data_dir, sizeof data_dir, "%s/%s", m->dir, m->names[ix]);
        argv[n++] = "--data-dir";
        argv[n++] = data_dir;
        if (m->nosync)
            argv[n++] = "--nosync";
    }
    for (int i = 0; m->extra_args[ix] && m->extra_args[ix][i]; i++) {
        if (n >= 63) {
            fprintf (stderr, "harness: too many extra arguments for %s\n", m->names[ix]);
            return RM_EINVAL;
        }
        argv[n++] = m->extra_args[ix][i];
    }
    argv[n] = NULL;
    int rc = harness_spawn (&m->procs[ix], m->names[ix], m->dir, argv);
    if (rc == 0)
        m->running |= 1u << ix;
    return rc;
}

//  Reads a whole file; NULL when it cannot be read.
static char *
s_slurp (const char *path, size_t *len)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char *text = NULL;
    long size = fseek (file, 0, SEEK_END) == 0 ? ftell (file) : -1;
    if (size >= 0 && fseek (file, 0, SEEK_SET) == 0 && (text = malloc ((size_t) size + 1)))
        *len = fread (text, 1, (size_t) size, file);
    fclose (file);
    return text;
}

int
harness_mesh_logs_find (harness_mesh_t *m, const char *needle, char *where, size_t size)
{
    int found = 0;
    for (size_t ix = 0; ix < m->nrows; ix++) {
        char path[PATH_MAX];
        snprintf (path, sizeof path, "%s/%s.log", m->dir, m->names[ix]);
        size_t len = 0;
        char *text = s_slurp (path, &len);
        if (text && memmem (text, len, needle, strlen (needle))) {
            if (found++ == 0 && where)
                snprintf (where, size, "%s", path);
        }
        free (text);
    }
    return found;
}

//  Prints the end of a service's log, where the reason for a failure is.
static void
s_mesh_log_tail (harness_mesh_t *m, int ix)
{
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.log", m->dir, m->names[ix]);
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    char tail[4096];
    long start = 0;
    if (fseek (file, 0, SEEK_END) == 0) {
        long size = ftell (file);
        start = size > (long) sizeof tail - 1 ? size - (long) sizeof tail + 1 : 0;
    }
    size_t len = 0;
    if (fseek (file, start, SEEK_SET) == 0)
        len = fread (tail, 1, sizeof tail - 1, file);
    fclose (file);
    tail[len] = '\0';
    fprintf (stderr, "---- last %zu bytes of %s ----\n%s---- end of %s ----\n",
             len, path, tail, path);
}

static int
s_mesh_wait_gateway (harness_mesh_t *m, int timeout_ms)
{
    char url[128];
    snprintf (url, sizeof url, "%s/healthz", m->base_url);
    int64_t deadline = clock_mono_ms () + timeout_ms;
    long last_status = 0;
    while (harness_alive (&m->procs[MESH_IX_GATEWAY], NULL)) {
        int64_t left = deadline - clock_mono_ms ();
        if (left <= 0) {
            if (last_status)
                fprintf (stderr, "harness: gateway answers /healthz with %ld, not 200\n",
                         last_status);
            return RM_ETIMEOUT;
        }
        harness_http_t res;
        int rc = s_http (&res, "GET", url, NULL, NULL, NULL, 0, NULL,
                         left < 1000 ? (long) left : 1000, true);
        last_status = rc == 0 ? res.status : 0;
        harness_http_free (&res);
        if (last_status == 200)
            return 0;
        s_sleep_ms (POLL_MS);
    }
    return RM_EUNAVAIL;
}

static int
s_mesh_wait (harness_mesh_t *m, int ix)
{
    int rc = ix == MESH_IX_GATEWAY
           ? s_mesh_wait_gateway (m, MESH_READY_MS)
           : s_wait_rpc (s_mesh_rpc (m, ix), MESH_READY_MS, &m->procs[ix]);
    if (rc == 0)
        return 0;
    if (m->procs[ix].pid == 0) {
        m->running &= ~(1u << ix);
        fprintf (stderr, "harness: %s exited before it was healthy\n", m->names[ix]);
    }
    else
        fprintf (stderr, "harness: %s not healthy after %d ms (%s)\n",
                 m->names[ix], MESH_READY_MS, rm_strerror (rc));
    s_mesh_log_tail (m, ix);
    return rc;
}

int
harness_mesh_start (harness_mesh_t *m, unsigned which)
{
    int rc = s_mesh_prepare (m);
    if (rc)
        return rc;
    //  Start them all first, then wait, so they boot in parallel.
    unsigned started = 0;
    for (int ix = 0; ix < (int) m->nrows; ix++) {
        unsigned bit = 1u << ix;
        if (!(which & bit) || (m->running & bit))
            continue;
        rc = s_mesh_spawn (m, ix);
        if (rc)
            return rc;
        started |= bit;
    }
    for (int ix = 0; ix < (int) m->nrows; ix++)
        if (started & (1u << ix)) {
            rc = s_mesh_wait (m, ix);
            if (rc)
                return rc;
        }
    return 0;
}

static int
s_mesh_index (unsigned which)
{
    for (int ix = 0; ix < MESH_ROWS_MAX; ix++)
        if (which == 1u << ix)
            return ix;
    fprintf (stderr, "harness: 0x%x does not name exactly one service\n", which);
    return -1;
}

int
harness_mesh_restart_one (harness_mesh_t *m, unsigned which)
{
    int ix = s_mesh_index (which);
    if (ix < 0)
        return RM_EINVAL;
    if (m->running & which) {
        int status = harness_stop (&m->procs[ix], MESH_STOP_MS);
        m->running &= ~which;
        if (status != 0)
            fprintf (stderr, "harness: %s exited with status %d on restart\n",
                     m->names[ix], status);
    }
    return harness_mesh_start (m, which);
}

void
harness_mesh_kill_one (harness_mesh_t *m, unsigned which)
{
    int ix = s_mesh_index (which);
    if (ix < 0)
        return;
    harness_kill (&m->procs[ix]);
    m->running &= ~which;
}

int
harness_mesh_stop_one (harness_mesh_t *m, unsigned which)
{
    int ix = s_mesh_index (which);
    if (ix < 0)
        return RM_EINVAL;
    int status = harness_stop (&m->procs[ix], 5000);
    m->running &= ~which;
    return status == 0 ? 0 : RM_EINTERNAL;
}

void
harness_mesh_forget_one (harness_mesh_t *m, unsigned which)
{
    m->running &= ~which;
}

//  Stops one running row; 0 when it exited with status 0.
static int
s_mesh_stop_ix (harness_mesh_t *m, int ix)
{
    if (!(m->running & (1u << ix)))
        return 0;
    int status = harness_stop (&m->procs[ix], MESH_STOP_MS);
    m->running &= ~(1u << ix);
    if (status == 0)
        return 0;
    fprintf (stderr, "harness: %s exited with status %d\n", m->names[ix], status);
    return RM_EINTERNAL;
}

int
harness_mesh_stop (harness_mesh_t *m)
{
    //  the gateway first, then the services from the last row up
    int rc = s_mesh_stop_ix (m, MESH_IX_GATEWAY);
    for (int ix = (int) m->nrows - 1; ix >= 0; ix--)
        if (ix != MESH_IX_GATEWAY && s_mesh_stop_ix (m, ix) != 0)
            rc = RM_EINTERNAL;
    return rc;
}

void
harness_mesh_destroy (harness_mesh_t *m)
{
    harness_mesh_stop (m);
    if (!m->dir[0])
        return;
    if (harness_failures > 0)
        for (int ix = 0; ix < (int) m->nrows; ix++)
            s_mesh_log_tail (m, ix);
    const char *keep = getenv ("RETAILMESH_KEEP_TMP");
    if (keep && *keep)
        fprintf (stderr, "harness: keeping %s (RETAILMESH_KEEP_TMP is set)\n", m->dir);
    else
        harness_rmtree (m->dir);
    m->dir[0] = '\0';
}
