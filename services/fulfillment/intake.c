#include "intake.h"
#include "err.h"
#include "ffstats.h"
#include "fforder.h"
#include "fulfilment.h"
#include "log.h"
#include "uuid.h"
#include <string.h>

//  One fulfilment to make: a location and its lines.
typedef struct {
    const char *location;
    fulfillment_line_t *lines;
    size_t lines_count;
} s_group_t;

static int
s_add_line (s_group_t *group, int64_t line, const char *sku, int64_t quantity)
{
    for (size_t i = 0; i < group->lines_count; i++)
        if (group->lines[i].line == line) {
            group->lines[i].quantity += quantity;
            return 0;
        }
    fulfillment_line_t *at = (fulfillment_line_t *) record_push (&group->lines, &group->lines_count, sizeof *at);
    if (!at)
        return RM_ENOMEM;
    at->line = line;
    snprintf (at->sku, sizeof at->sku, "%s", sku);
    at->quantity = quantity;
    return 0;
}

//  Stores a new fulfilment of the group (its lines move into it), adds it
//  to the order and publishes it.
static int
s_create (service_t *svc, MDB_txn *txn, fforder_t *order, const char *order_id, s_group_t *group,
          const char *source, int64_t accepted_at, const char *cid)
{
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    uint8_t id[16];
    uuid_new (id);
    fulfilment_t f = {.lines = group->lines, .lines_count = group->lines_count, .accepted_at = accepted_at,
                      .has_accepted_at = true, .has_stage = true, .has_milestones = true, .has_created_at = true,
                      .has_updated_at = true};
    group->lines = NULL;
    group->lines_count = 0;
    uuid_format (id, f.fulfillment_id);
    snprintf (f.order_id, sizeof f.order_id, "%s", order_id);
    snprintf (f.external_id, sizeof f.external_id, "%s", order->external_id);
    snprintf (f.channel, sizeof f.channel, "%s", order->channel);
    snprintf (f.location, sizeof f.location, "%s", group->location);
    snprintf (f.status, sizeof f.status, "%s", fulfilment_stage_name (FULFILMENT_ALLOCATED));
    snprintf (f.source, sizeof f.source, "%s", source);
    f.created_at = f.updated_at = uuid_time_ms (id);
    int rc = fforder_add (order, f.fulfillment_id);
    if (rc == 0)
        rc = fulfilment_save (txn, &dbs, &f);
    if (rc == 0)
        rc = ffstats_created (txn, &dbs, f.location);
    if (rc == 0) {
        fulfilment_emit (svc, &f, "fulfillment.order.created", cid, NULL, 0);
        log_info (cid, "order %s: fulfilment %s at %s (%zu line%s, from the %s)", order_id, f.fulfillment_id,
                  f.location, f.lines_count, f.lines_count == 1 ? "" : "s", source);
    }
    fulfilment_free (&f);
    return rc;
}

static void
s_groups_free (s_group_t *groups, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free (groups[i].lines);
    free (groups);
}

//  The group of location, appended when new.
static s_group_t *
s_group_of (s_group_t **groups, size_t *count, const char *location)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp ((*groups)[i].location, location) == 0)
            return &(*groups)[i];
    s_group_t *added = (s_group_t *) record_push (groups, count, sizeof *added);
    if (added)
        added->location = location;
    return added;
}

static int
s_load_order (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t id[16], fforder_t *order)
{
    int rc = fforder_load (txn, dbs, id, order);
    return rc == RM_ENOTFOUND ? 0 : rc;
}

int
intake_order (service_t *svc, MDB_txn *txn, const orders_order_t *in, const char *cid)
{
    uint8_t id[16];
    if (uuid_parse (in->order_id, id) != 0)
        return RM_EINVAL;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    fforder_t order;
    int rc = s_load_order (txn, &dbs, id, &order);
    if (rc != 0 || order.accepted) {
        record_free (fforder_fields, &order);
        return rc;
    }
    order.accepted = true;
    snprintf (order.external_id, sizeof order.external_id, "%s", in->external_id);
    snprintf (order.channel, sizeof order.channel, "%s", in->channel);
    s_group_t *groups = NULL;
    size_t ngroups = 0;
    for (size_t l = 0; rc == 0 && !order.cancelled && l < in->lines_count; l++)
        for (size_t r = 0; rc == 0 && r < in->lines[l].reservations_count; r++) {
            const catalog_allocation_t *held = &in->lines[l].reservations[r];
            s_group_t *group = s_group_of (&groups, &ngroups, held->location);
            rc = group ? s_add_line (group, (int64_t) l, in->lines[l].sku, held->quantity) : RM_ENOMEM;
        }
    for (size_t g = 0; rc == 0 && g < ngroups; g++)
        rc = s_create (svc, txn, &order, in->order_id, &groups[g], "order", in->created_at, cid);
    if (rc == 0)
        rc = fforder_save (txn, &dbs, id, &order);
    if (rc == 0 && order.cancelled)
        log_info (cid, "order %s was cancelled before its acceptance arrived: no fulfilment made", in->order_id);
    s_groups_free (groups, ngroups);
    record_free (fforder_fields, &order);
    return rc;
}

int
intake_fill (service_t *svc, MDB_txn *txn, const inventory_backorder_filled_t *fill, uint64_t seq, int64_t time_ms,
             const char *cid)
{
    uint8_t id[16];
    if (uuid_parse (fill->order_id, id) != 0)
        return RM_EINVAL;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    fforder_t order;
    int rc = s_load_order (txn, &dbs, id, &order);
    if (rc == 0 && !order.accepted)
        rc = RM_EBUSY;
    if (rc != 0 || (order.has_inventory_seq && (uint64_t) order.inventory_seq >= seq)) {
        record_free (fforder_fields, &order);
        return rc;
    }
    order.inventory_seq = (int64_t) seq;
    order.has_inventory_seq = true;
    for (size_t a = 0; rc == 0 && !order.cancelled && a < fill->allocations_count; a++) {
        s_group_t group = {.location = fill->allocations[a].location};
        rc = s_add_line (&group, fill->line, fill->sku, fill->allocations[a].quantity);
        if (rc == 0)
            rc = s_create (svc, txn, &order, fill->order_id, &group, "backorder", time_ms, cid);
        free (group.lines);
    }
    if (rc == 0)
        rc = fforder_save (txn, &dbs, id, &order);
    record_free (fforder_fields, &order);
    return rc;
}

static int
s_on_order (void *host, MDB_txn *txn, const envelope_t *event)
{
    orders_order_t order = {0};
    int rc = record_decode (orders_order_fields, &event->body, &order);
    if (rc == 0)
        rc = intake_order ((service_t *) host, txn, &order, event->cid);
    record_free (orders_order_fields, &order);
    return rc;
}

static int
s_on_fill (void *host, MDB_txn *txn, const envelope_t *event)
{
    inventory_backorder_filled_t fill = {0};
    int rc = record_decode (inventory_backorder_filled_fields, &event->body, &fill);
    if (rc == 0)
        rc = intake_fill ((service_t *) host, txn, &fill, event->seq, event->time_ms, event->cid);
    if (rc == RM_EBUSY)
        log_info (event->cid, "order %s: its acceptance has not arrived yet; its backorder fill is applied again "
                  "shortly", fill.order_id);
    record_free (inventory_backorder_filled_fields, &fill);
    return rc;
}

static const char *const s_orders_events[] = {"orders.order.accepted", NULL};
static const char *const s_inventory_events[] = {"inventory.backorder.filled", NULL};

const consumer_def_t intake_consumers[] = {
    {"orders", s_orders_events, s_on_order},
    {"inventory", s_inventory_events, s_on_fill},
    {NULL, NULL, NULL},
};
