//  End to end: the orders store lives on a 4 MiB tmpfs that this test
//  mounts in a private mount namespace and then fills with a file. Orders
//  then get 503 with problem type storage-full and Retry-After; /readyz is
//  503 naming orders and the reason, and `retailmesh status` says
//  not-ready; inventory holds stock only for the orders that were accepted.
//  Once the file is deleted, orders are taken again without a restart,
//  /readyz is 200, and a refused order can be submitted again (it left
//  nothing stored). An order whose acceptance cannot be stored
//  after inventory reserved its stock gets the stock released and a 503.
//  fulfillment is stopped while the disk is full, so orders has no other
//  writes than the submissions'.
//  Needs root for the mount: otherwise it
//  exits 77, which ctest reports as skipped.
#include "clock.h"
#include "http.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SKIP 77
#define TRIES 2000
#define WAIT_MS 15000

static harness_mesh_t mesh;
static char s_filler[320];
static int s_accepted;
static char s_refused[64];             //  external ID of an order refused for storage

static void
s_nap (void)
{
    nanosleep (&(struct timespec) {0, 50 * 1000 * 1000}, NULL);
}

static void
s_order_body (char *body, size_t size, const char *external_id)
{
    snprintf (body, size, "{\"external_id\":\"%s\",\"account_id\":\"001F\",\"currency\":\"USD\","
                          "\"lines\":[{\"sku\":\"FULL\",\"quantity\":1,\"unit_price\":100}]}", external_id);
}

//  Writes the filler until the file system has no room left, then gives
//  back room bytes: some orders fit, then one fails part way.
static void
s_fill_disk (off_t room)
{
    int fd = open (s_filler, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK (fd >= 0);
    static char chunk[4096];
    memset (chunk, 'f', sizeof chunk);
    int64_t written = 0;
    for (int i = 0; fd >= 0 && i < 4096; i++) {
        ssize_t n = write (fd, chunk, sizeof chunk);
        if (n <= 0) {
            CHECK (errno == ENOSPC);
            break;
        }
        written += n;
    }
    CHECK (written > room);
    if (fd >= 0) {
        CHECK_EQ_INT (ftruncate (fd, written - room), 0);
        close (fd);
    }
}

static int64_t
s_reserved (void)
{
    json_t *item = http_stock (&mesh, "FULL", NULL);
    int64_t reserved = item ? http_json_int (item, "reserved") : -1;
    json_decref (item);
    return reserved;
}

//  GET /readyz; returns the status and sets *orders to its orders entry (free it).
static long
s_ready (json_t **orders)
{
    harness_http_t res;
    long status = http_get_public (&mesh, &res, "/readyz") == 0 ? res.status : 0;
    *orders = json_incref (json_object_get (json_object_get (res.json, "services"), "orders"));
    harness_http_free (&res);
    return status;
}

//  Runs `retailmesh status` against the mesh and returns its output (free it).
static char *
s_status (void)
{
    char log[300];
    snprintf (log, sizeof log, "%s/status.log", mesh.dir);
    unlink (log);
    //  the mesh's topology file holds every service's endpoints
    const char *argv[] = {harness_bin ("retailmesh"), "status", "--topology", mesh.topology,
                          "--gateway-url", mesh.base_url, "--var-dir", mesh.dir, NULL};
    harness_proc_t proc;
    int status = -1;
    if (harness_spawn (&proc, "status", mesh.dir, argv) == 0) {
        int64_t until = clock_mono_ms () + WAIT_MS;
        while (harness_alive (&proc, &status) && clock_mono_ms () < until)
            s_nap ();
        harness_kill (&proc);
    }
    CHECK_EQ_INT (status, 1);
    FILE *f = fopen (log, "r");
    char *text = calloc (1, 16384);
    if (f && text)
        text[fread (text, 1, 16383, f)] = '\0';
    if (f)
        fclose (f);
    return text;
}

static void *
s_submit_mid (void *arg)
{
    char body[256];
    s_order_body (body, sizeof body, "MID-1");
    harness_http_t *res = (harness_http_t *) arg;
    CHECK_EQ_INT (http_call (&mesh, res, "POST", "/v1/orders", body), 0);
    return NULL;
}

//  The disk fills while MID-1 is in flight and before inventory has
//  reserved (inventory is held stopped in between): the acceptance cannot
//  commit, so the stock is released at once and the answer is 503.
static void
test_acceptance_fails_after_reserve (void)
{
    http_put (&mesh, "/v1/prices/USD/FULL", "{\"unit_price\":100}");
    http_put (&mesh, "/v1/stock/WH-A/FULL", "{\"on_hand\":100000}");
    pid_t inventory = mesh.procs[MESH_IX_INVENTORY].pid;
    CHECK_EQ_INT (kill (inventory, SIGSTOP), 0);
    harness_http_t res = {0};
    pthread_t thread;
    CHECK_EQ_INT (pthread_create (&thread, NULL, s_submit_mid, &res), 0);
    bool pending = false;
    //  well within orders' 2 s call timeout
    for (int64_t until = clock_mono_ms () + 1200; clock_mono_ms () < until && !pending;)
        if (!(pending = http_order_in_flight (&mesh, "MID-1")))
            nanosleep (&(struct timespec) {0, 10 * 1000 * 1000}, NULL);
    CHECK (pending);
    s_fill_disk (0);
    CHECK_EQ_INT (kill (inventory, SIGCONT), 0);
    pthread_join (thread, NULL);
    http_expect_problem (&res, 503, "storage-full", "an order whose acceptance cannot be stored");
    harness_http_free (&res);
    int64_t reserved = -1;
    for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until && reserved != 0;)
        if ((reserved = s_reserved ()) != 0)
            s_nap ();
    CHECK_EQ_INT (reserved, 0);
    CHECK_EQ_INT (unlink (s_filler), 0);
}

static void
test_full_disk_refuses_cleanly (void)
{
    //  fulfillment stays stopped while the disk is full: orders writes the
    //  fulfilments of the orders accepted here as their events arrive, and
    //  one such small write that fits would say, rightly, that writes
    //  succeed again, while a submission's does not
    CHECK_EQ_INT (harness_mesh_stop_one (&mesh, MESH_FULFILLMENT), 0);
    s_fill_disk (128 * 1024);
    //  LMDB reuses freed pages for a while; the file cannot grow any more
    bool refused = false;
    char body[256], external_id[32];
    for (int i = 0; i < TRIES && !refused; i++) {
        snprintf (external_id, sizeof external_id, "FULL-%04d", i);
        s_order_body (body, sizeof body, external_id);
        harness_http_t res;
        CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
        if (res.status == 201)
            s_accepted++;
        else {
            http_expect_problem (&res, 503, "storage-full", "an order on a full disk");
            CHECK (res.retry_after[0] != '\0');
            snprintf (s_refused, sizeof s_refused, "%s", external_id);
            refused = true;
        }
        harness_http_free (&res);
    }
    CHECK (refused);
    CHECK (s_accepted > 0);
    json_t *orders = NULL;
    CHECK_EQ_INT (s_ready (&orders), 503);
    CHECK_STR (http_json_str (orders, "status"), "not_ready");
    CHECK (strstr (http_json_str (orders, "reason"), "full") != NULL);
    CHECK (http_json_int (json_object_get (orders, "store"), "used") > 0);
    json_decref (orders);
    char *status = s_status ();
    CHECK (status && strstr (status, "not-ready") && strstr (status, "disk is full"));
    free (status);

    //  stock is held for the accepted orders only, once releases are done
    int64_t reserved = -1;
    for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until;) {
        if ((reserved = s_reserved ()) == s_accepted)
            break;
        s_nap ();
    }
    CHECK_EQ_INT (reserved, s_accepted);
}

static void
test_serves_again_once_freed (void)
{
    CHECK_EQ_INT (unlink (s_filler), 0);
    CHECK_EQ_INT (harness_mesh_start (&mesh, MESH_FULFILLMENT), 0);
    char body[256];
    s_order_body (body, sizeof body, "FREED-1");
    harness_http_t res;
    CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
    http_expect_status (&res, 201, "the first order after space was freed");
    harness_http_free (&res);
    json_t *orders = NULL;
    long ready = 0;
    for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until && ready != 200;) {
        json_decref (orders);
        if ((ready = s_ready (&orders)) != 200)
            s_nap ();
    }
    CHECK_EQ_INT (ready, 200);
    CHECK_STR (http_json_str (orders, "status"), "ok");
    json_decref (orders);

    //  the refused orders left nothing pending: they can be sent again
    //  (MID-1 was in flight: nothing of it was stored)
    const char *again[] = {s_refused, "MID-1"};
    for (size_t i = 0; i < 2; i++) {
        s_order_body (body, sizeof body, again[i]);
        long status = 0;
        for (int64_t until = clock_mono_ms () + WAIT_MS; clock_mono_ms () < until && status != 201;) {
            CHECK_EQ_INT (http_call (&mesh, &res, "POST", "/v1/orders", body), 0);
            status = res.status;
            harness_http_free (&res);
            if (status != 201)
                s_nap ();
        }
        CHECK_EQ_INT (status, 201);
    }
    CHECK_EQ_INT (s_reserved (), s_accepted + 3);
}

int
main (int argc, char **argv)
{
    (void) argc;
    if (geteuid () != 0) {
        fprintf (stderr, "%s: skipped: mounting a tmpfs needs root\n", argv[0]);
        return SKIP;
    }
    //  the mount is seen by this process and the services it starts only
    if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        fprintf (stderr, "%s: skipped: no private mount namespace: %s\n", argv[0], strerror (errno));
        return SKIP;
    }
    char *dir = harness_tmpdir ("retailmesh-diskfull");
    snprintf (mesh.dir, sizeof mesh.dir, "%s", dir);
    free (dir);
    char store[300];
    snprintf (store, sizeof store, "%s/orders", mesh.dir);
    snprintf (s_filler, sizeof s_filler, "%s/filler", store);
    CHECK_EQ_INT (mkdir (store, 0755), 0);
    if (mount ("tmpfs", store, "tmpfs", 0, "size=4m") != 0) {
        fprintf (stderr, "%s: cannot mount a tmpfs on %s: %s\n", argv[0], store, strerror (errno));
        CHECK (!"tmpfs mounted");
        return harness_report (argv[0]);
    }
    mesh.nosync = true;
    static void (*const tests[]) (void) = {test_acceptance_fails_after_reserve, test_full_disk_refuses_cleanly,
                                           test_serves_again_once_freed, NULL};
    char root[sizeof mesh.dir];
    snprintf (root, sizeof root, "%s", mesh.dir);
    int rc = http_main (&mesh, argv[0], tests);
    umount2 (store, MNT_DETACH);
    if (!getenv ("RETAILMESH_KEEP_TMP"))
        harness_rmtree (root);
    return rc;
}
