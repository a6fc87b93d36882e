#include "probe.h"
#include "call.h"
#include "err.h"
#include "mp.h"
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_BODY_MAX 65536

static void
s_reset (probe_t *out)
{
    memset (out, 0, sizeof *out);
    out->uptime_s = -1;
    out->store_bytes = -1;
    out->map_size = -1;
    out->map_size_max = -1;
    out->pid = -1;
    out->refused = -1;
    out->disconnects = -1;
}

static void
s_copy_int (const msgpack_object *body, const char *key, int64_t *value)
{
    int64_t number;
    if (mp_get_int (body, key, &number) == 0)
        *value = number;
}

int
probe_rpc (const char *endpoint, int timeout_ms, probe_t *out)
{
    s_reset (out);
    call_t call;
    int rc = call_make (&call, endpoint, "sys.health", NULL, timeout_ms);
    if (*call.code)
        snprintf (out->error, sizeof out->error, "answered with error %.200s", call.error);
    else if (rc != 0)
        snprintf (out->error, sizeof out->error, "%.250s", call.error);
    else {
        const msgpack_object *body = &call.reply.body;
        mp_get_str (body, "service", out->service, sizeof out->service);
        mp_get_str (body, "version", out->version, sizeof out->version);
        s_copy_int (body, "uptime_s", &out->uptime_s);
        s_copy_int (body, "store_bytes", &out->store_bytes);
        s_copy_int (body, "pid", &out->pid);
        const msgpack_object *store = mp_get (body, "store");
        if (store) {
            s_copy_int (store, "map_size", &out->map_size);
            s_copy_int (store, "map_size_max", &out->map_size_max);
        }
        const msgpack_object *security = mp_get (body, "security");
        if (security) {
            s_copy_int (security, "refused_handshakes", &out->refused);
            s_copy_int (security, "disconnects", &out->disconnects);
        }
        out->up = true;
        out->ready = true;
        mp_get_bool (body, "ready", &out->ready);
        mp_get_str (body, "reason", out->reason, sizeof out->reason);
    }
    call_release (&call);
    return rc;
}

typedef struct {
    char data[PROBE_BODY_MAX];
    size_t size;
} s_body_t;

static size_t
s_write (char *data, size_t size, size_t nmemb, void *arg)
{
    s_body_t *body = (s_body_t *) arg;
    size_t len = size * nmemb;
    //  a health reply is small; keep what fits and ignore the rest
    size_t room = sizeof body->data - 1 - body->size;
    memcpy (body->data + body->size, data, len < room ? len : room);
    body->size += len < room ? len : room;
    return len;
}

static void
s_read_json (const char *text, probe_t *out)
{
    json_t *root = json_loads (text, 0, NULL);
    if (!json_is_object (root)) {
        json_decref (root);
        return;
    }
    const char *service = json_string_value (json_object_get (root, "service"));
    const char *version = json_string_value (json_object_get (root, "version"));
    if (service)
        snprintf (out->service, sizeof out->service, "%s", service);
    if (version)
        snprintf (out->version, sizeof out->version, "%s", version);
    json_t *value;
    if (json_is_integer (value = json_object_get (root, "uptime_s")))
        out->uptime_s = json_integer_value (value);
    if (json_is_integer (value = json_object_get (root, "store_bytes")))
        out->store_bytes = json_integer_value (value);
    if (json_is_integer (value = json_object_get (root, "pid")))
        out->pid = json_integer_value (value);
    json_decref (root);
}

int
probe_http (const char *url, int timeout_ms, probe_t *out)
{
    s_reset (out);
    CURL *curl = curl_easy_init ();
    s_body_t *body = (s_body_t *) calloc (1, sizeof *body);
    if (!curl || !body) {
        curl_easy_cleanup (curl);
        free (body);
        snprintf (out->error, sizeof out->error, "out of memory");
        return RM_ENOMEM;
    }
    CURLcode code = curl_easy_setopt (curl, CURLOPT_URL, url);
    if (code == CURLE_OK)
        code = curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
    if (code == CURLE_OK)
        code = curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    if (code == CURLE_OK)
        code = curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_write);
    if (code == CURLE_OK)
        code = curl_easy_setopt (curl, CURLOPT_WRITEDATA, body);
    if (code == CURLE_OK)
        code = curl_easy_perform (curl);
    long status = 0;
    if (code == CURLE_OK)
        code = curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    int rc = 0;
    if (code != CURLE_OK) {
        snprintf (out->error, sizeof out->error, "%s", curl_easy_strerror (code));
        rc = code == CURLE_OPERATION_TIMEDOUT ? RM_ETIMEOUT : RM_EUNAVAIL;
    }
    else if (status != 200) {
        snprintf (out->error, sizeof out->error, "HTTP status %ld", status);
        rc = RM_EUNAVAIL;
    }
    else {
        body->data[body->size] = '\0';
        s_read_json (body->data, out);
        out->up = true;
        out->ready = true;
    }
    free (body);
    curl_easy_cleanup (curl);
    return rc;
}

int
probe_any (const char *endpoint, int timeout_ms, probe_t *out)
{
    if (strncmp (endpoint, "http://", 7) == 0 || strncmp (endpoint, "https://", 8) == 0)
        return probe_http (endpoint, timeout_ms, out);
    return probe_rpc (endpoint, timeout_ms, out);
}
