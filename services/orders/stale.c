#include "stale.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "tracking.h"
#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const orders_stale_status[ORDERS_STALE_STATUSES] = {"allocated", "picked", "packed", "shipped",
                                                                "exception"};

int
orders_stale_configure (orders_stale_t *self, config_t *cfg)
{
    for (int i = 0; i < ORDERS_STALE_STATUSES; i++) {
        char name[32];
        snprintf (name, sizeof name, "stale-%s", orders_stale_status[i]);
        const char *text = config_get (cfg, name);
        if (clock_parse_duration (text, &self->limit_ms[i]) != 0) {
            log_error (NULL, "orders: --%s must be a positive duration such as 90m, 24h or 7d (got '%s')", name,
                       text ? text : "");
            return RM_EINVAL;
        }
    }
    return 0;
}

int64_t
orders_stale_limit (const orders_stale_t *self, const char *status)
{
    for (int i = 0; i < ORDERS_STALE_STATUSES; i++)
        if (strcmp (orders_stale_status[i], status) == 0)
            return self->limit_ms[i];
    return 0;
}

bool
orders_stale_is (const orders_stale_t *self, const char *status, int64_t as_of, int64_t now)
{
    int64_t limit = orders_stale_limit (self, status);
    return limit > 0 && now - as_of > limit;
}

typedef struct {
    zhashx_t *orders;              //  order IDs seen, as hex text
    int64_t fulfilments;
    int rc;
} count_t;

static void
s_count_one (void *arg, const uint8_t order_id[16])
{
    count_t *count = (count_t *) arg;
    char key[33];
    for (int i = 0; i < 16; i++)
        snprintf (key + 2 * i, 3, "%02x", order_id[i]);
    count->fulfilments++;
    if (!zhashx_lookup (count->orders, key) && zhashx_insert (count->orders, key, (void *) 1) != 0)
        count->rc = RM_ENOMEM;
}

int
orders_stale_count (MDB_txn *txn, const orders_dbs_t *dbs, const orders_stale_t *self, int64_t now, int max,
                    int64_t *orders, int64_t *fulfilments, bool *bounded)
{
    count_t count = {.orders = zhashx_new ()};
    if (!count.orders)
        return RM_ENOMEM;
    *bounded = false;
    int rc = 0;
    for (int i = 0; rc == 0 && i < ORDERS_STALE_STATUSES; i++) {
        //  stale: as_of < now - limit
        int walked = orders_tracking_older (txn, dbs, orders_stale_status[i], now - self->limit_ms[i], max,
                                            s_count_one, &count);
        rc = walked < 0 ? walked : count.rc;
        *bounded = *bounded || walked == max;
    }
    *orders = (int64_t) zhashx_size (count.orders);
    *fulfilments = count.fulfilments;
    zhashx_destroy (&count.orders);
    return rc;
}
