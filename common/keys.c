#include "keys.h"
#include "err.h"
#include "log.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static zcert_t *s_cert;
static char *s_dir;
static zhashx_t *s_peers;            //  endpoint -> Z85 public key of the server there

static bool
s_name_ok (const char *name)
{
    if (!name || !*name || strlen (name) > TOPOLOGY_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
            return false;
    return true;
}

static void
s_path (char *path, size_t size, const char *dir, const char *name, const char *suffix)
{
    snprintf (path, size, "%.3000s/%s.cert%s", dir, name, suffix);
}

static int
s_make (const char *dir, const char *name, int *made)
{
    if (!s_name_ok (name)) {
        fprintf (stderr, "keys: '%s' cannot name a key file\n", name ? name : "");
        return RM_EINVAL;
    }
    char path[PATH_MAX], secret[PATH_MAX];
    s_path (path, sizeof path, dir, name, "");
    s_path (secret, sizeof secret, dir, name, "_secret");
    if (access (secret, F_OK) == 0 && access (path, F_OK) == 0)
        return 0;
    zcert_t *cert = zcert_new ();
    if (!cert)
        return RM_ENOMEM;
    zcert_set_meta (cert, "name", "%s", name);
    //  the secret half first, private from the moment it exists
    int rc = zcert_save_secret (cert, secret) == 0 && chmod (secret, 0600) == 0
           && zcert_save_public (cert, path) == 0 ? 0 : RM_EUNAVAIL;
    zcert_destroy (&cert);
    if (rc != 0) {
        fprintf (stderr, "keys: cannot write %s: %s\n", secret, strerror (errno));
        return rc;
    }
    (*made)++;
    return 0;
}

int
keys_init (const char *dir, const topology_t *topo, int *made)
{
    int count = 0;
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "keys: cannot create %s: %s\n", dir, strerror (errno));
        return RM_EUNAVAIL;
    }
    int rc = s_make (dir, KEYS_OPERATOR, &count);
    for (size_t i = 0; rc == 0 && i < topology_count (topo); i++)
        rc = s_make (dir, topology_row (topo, i)->name, &count);
    if (made)
        *made = count;
    return rc;
}

//  Copies <dir>/<name>.cert, and its secret half when secret, into out.
static int
s_copy (const char *dir, const char *name, bool secret, const char *out)
{
    char from[PATH_MAX], to[PATH_MAX];
    s_path (from, sizeof from, dir, name, "");
    zcert_t *cert = access (from, R_OK) == 0 ? zcert_load (from) : NULL;
    if (!cert) {
        fprintf (stderr, "keys: no key %s in %s (run `retailmesh keys init` there)\n", name, dir);
        return RM_ENOTFOUND;
    }
    int rc = 0;
    if (secret) {
        s_path (to, sizeof to, out, name, "_secret");
        rc = zcert_save_secret (cert, to) == 0 && chmod (to, 0600) == 0 ? 0 : RM_EUNAVAIL;
    }
    s_path (to, sizeof to, out, name, "");
    if (rc == 0 && zcert_save_public (cert, to) != 0)
        rc = RM_EUNAVAIL;
    if (rc != 0)
        fprintf (stderr, "keys: cannot write %s: %s\n", to, strerror (errno));
    zcert_destroy (&cert);
    return rc;
}

int
keys_export (const char *dir, const topology_t *topo, const char *name, const char *out)
{
    const topology_row_t *me = topology_find (topo, name);
    if (!s_name_ok (name) || !me) {
        fprintf (stderr, "keys: '%s' is no service of the topology\n", name ? name : "");
        return RM_EINVAL;
    }
    if (mkdir (out, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, "keys: cannot create %s: %s\n", out, strerror (errno));
        return RM_EUNAVAIL;
    }
    int rc = s_copy (dir, name, true, out);
    if (rc == 0)
        rc = s_copy (dir, KEYS_OPERATOR, false, out);
    for (size_t i = 0; rc == 0 && i < topology_count (topo); i++) {
        const topology_row_t *row = topology_row (topo, i);
        bool peer = topology_lists (me->calls, row->name) || topology_lists (me->consumes, row->name);
        bool client = topology_lists (row->calls, name) || topology_lists (row->consumes, name);
        if (row != me && (peer || client))
            rc = s_copy (dir, row->name, false, out);
    }
    return rc;
}

int
keys_use (const char *dir, const char *name)
{
    keys_reset ();
    if (!s_name_ok (name))
        return RM_ENOTFOUND;
    char secret[PATH_MAX];
    s_path (secret, sizeof secret, dir, name, "_secret");
    //  zcert_load takes the public file's name and reads "<name>_secret" beside it
    char path[PATH_MAX];
    s_path (path, sizeof path, dir, name, "");
    if (access (secret, R_OK) != 0)
        return RM_ENOTFOUND;
    zcert_t *cert = zcert_load (path);
    static const byte zero[32] = {0};
    if (!cert || memcmp (zcert_secret_key (cert), zero, sizeof zero) == 0) {
        zcert_destroy (&cert);
        return RM_ENOTFOUND;
    }
    s_dir = strdup (dir);
    s_peers = zhashx_new ();
    if (!s_dir || !s_peers) {
        zcert_destroy (&cert);
        keys_reset ();
        return RM_ENOMEM;
    }
    zhashx_set_destructor (s_peers, (zhashx_destructor_fn *) zstr_free);
    s_cert = cert;
    return 0;
}

void
keys_reset (void)
{
    zcert_destroy (&s_cert);
    zhashx_destroy (&s_peers);
    free (s_dir);
    s_dir = NULL;
}

bool keys_on (void) { return s_cert != NULL; }
const char *keys_dir (void) { return s_dir; }
const char *keys_public (void) { return s_cert ? zcert_public_txt (s_cert) : NULL; }

int
keys_public_of (const char *dir, const char *name, char *z85)
{
    char path[PATH_MAX];
    if (!s_name_ok (name))
        return RM_ENOTFOUND;
    s_path (path, sizeof path, dir, name, "");
    zcert_t *cert = zcert_load (path);
    if (!cert)
        return RM_ENOTFOUND;
    snprintf (z85, 41, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

int
keys_add_peer (const char *endpoint, const char *name)
{
    if (!s_cert || !endpoint)
        return 0;
    char z85[41];
    if (keys_public_of (s_dir, name, z85) != 0)
        return RM_ENOTFOUND;
    char *copy = strdup (z85);
    if (!copy)
        return RM_ENOMEM;
    zhashx_update (s_peers, endpoint, copy);
    return 0;
}

int
keys_add_topology (const topology_t *topo)
{
    for (size_t i = 0; i < topology_count (topo); i++) {
        const topology_row_t *row = topology_row (topo, i);
        int rc = 0;
        if (row->rpc && (rc = keys_add_peer (row->rpc, row->name)) == 0)
            rc = keys_add_peer (row->pub, row->name);
        if (rc != 0 && rc != RM_ENOTFOUND)
            return rc;
    }
    return 0;
}

int
keys_client (zsock_t *sock, const char *endpoint)
{
    if (!s_cert)
        return 0;
    const char *server = endpoint ? (const char *) zhashx_lookup (s_peers, endpoint) : NULL;
    if (!server)
        return RM_ENOTFOUND;
    zcert_apply (s_cert, zsock_resolve (sock));
    zsock_set_curve_serverkey (sock, server);
    return 0;
}

void
keys_server (zsock_t *sock, const char *domain)
{
    if (!s_cert)
        return;
    zcert_apply (s_cert, zsock_resolve (sock));
    zsock_set_curve_server (sock, 1);
    zsock_set_zap_domain (sock, domain);
}

void
keys_define_options (config_t *cfg, const char *default_dir)
{
    config_define (cfg, "curve", "true", "require CURVE on every ZeroMQ socket (false: plain, for debugging only)");
    config_define (cfg, "keys-dir", default_dir,
                   "directory of this process's secret key and the others' public keys (retailmesh keys init)");
}

int
keys_configure (config_t *cfg, const char *name)
{
    if (strcmp (config_get (cfg, "curve"), "false") == 0) {
        keys_reset ();
        log_warn (NULL, "--curve=false: ZeroMQ sockets are plain; any process that reaches an endpoint can call "
                        "and subscribe (debugging only)");
        return 0;
    }
    const char *dir = config_get (cfg, "keys-dir");
    int rc = keys_use (dir, name);
    if (rc != 0)
        log_error (NULL, "no key pair %s/%s.cert_secret (option --keys-dir; retailmesh keys init makes them): %s",
                   dir, name, rm_strerror (rc));
    return rc;
}
