#include "problem.h"
#include <stdio.h>

json_t *
problem_new (int status, const char *slug, const char *title,
             const char *detail, const char *cid)
{
    char type[128];
    snprintf (type, sizeof type, PROBLEM_TYPE_BASE "%s", slug);
    json_t *problem = json_object ();
    if (!problem)
        return NULL;
    int rc = json_object_set_new (problem, "type", json_string (type));
    rc |= json_object_set_new (problem, "title", json_string (title));
    rc |= json_object_set_new (problem, "status", json_integer (status));
    if (detail)
        rc |= json_object_set_new (problem, "detail", json_string (detail));
    if (cid && *cid)
        rc |= json_object_set_new (problem, "correlation_id", json_string (cid));
    if (rc != 0)
        json_decref (problem);
    return rc == 0 ? problem : NULL;
}

//  The errors array, created on first use.
static json_t *
s_errors (json_t *problem)
{
    json_t *errors = json_object_get (problem, "errors");
    if (!errors && json_object_set_new (problem, "errors", json_array ()) == 0)
        errors = json_object_get (problem, "errors");
    return errors;
}

static json_t *
s_append (json_t *problem, json_t *item)
{
    json_t *errors = problem ? s_errors (problem) : NULL;
    if (!errors) {
        json_decref (item);
        return NULL;
    }
    return json_array_append_new (errors, item) == 0 ? item : NULL;
}

json_t *
problem_add_error (json_t *problem, const char *pointer, const char *message)
{
    json_t *item = json_pack ("{s:s, s:s}", "pointer", pointer ? pointer : "",
                              "message", message ? message : "");
    return s_append (problem, item);
}

json_t *
problem_add_param_error (json_t *problem, const char *parameter,
                         const char *in, const char *message)
{
    json_t *item = json_pack ("{s:s, s:s, s:s}", "parameter", parameter, "in", in,
                              "message", message ? message : "");
    return s_append (problem, item);
}
