#include "err.h"
#include <string.h>

typedef struct {
    int code;
    const char *name;
    const char *text;
} err_entry_t;

static const err_entry_t s_errors[] = {
    {RM_OK, "ok", "success"},
    {RM_EINVAL, "invalid", "invalid input"},
    {RM_ENOTFOUND, "not_found", "not found"},
    {RM_ECONFLICT, "conflict", "conflicts with stored state"},
    {RM_ETIMEOUT, "timeout", "peer did not answer in time"},
    {RM_EUNAVAIL, "unavailable", "peer or resource unavailable"},
    {RM_ESTORE, "store", "storage failure"},
    {RM_ENOMEM, "no_memory", "out of memory"},
    {RM_EPROTO, "protocol", "protocol error"},
    {RM_EINTERNAL, "internal", "internal error"},
    {RM_ESHORT, "insufficient_stock", "not enough stock"},
    {RM_EMISMATCH, "price_mismatch", "quoted price differs from current price"},
    {RM_EBUSY, "in_progress", "the same request is still being processed"},
    {RM_EGONE, "gone", "no longer retained"},
    {RM_ESTORAGE_FULL, "storage_full", "the store is full"},
};

static const err_entry_t *
s_find (int err)
{
    for (size_t i = 0; i < sizeof s_errors / sizeof s_errors[0]; i++)
        if (s_errors[i].code == err)
            return &s_errors[i];
    return &s_errors[9];
}

const char *
rm_errname (int err)
{
    return s_find (err)->name;
}

const char *
rm_strerror (int err)
{
    return s_find (err)->text;
}

int
rm_errcode (const char *name)
{
    for (size_t i = 0; i < sizeof s_errors / sizeof s_errors[0]; i++)
        if (strcmp (s_errors[i].name, name) == 0)
            return s_errors[i].code;
    return RM_EINTERNAL;
}
