#include "fulfilment.h"
#include "err.h"
#include "storeval.h"
#include "uuid.h"
#include <string.h>

#define S_STORED(X, T) FULFILLMENT_FIELDS (X, T) FULFILMENT_INTERNAL (X, T)
RECORD_FIELDS_OF (fulfilment_stored_fields, S_STORED, fulfilment_t)
RECORD_FIELDS_OF (fulfilment_public_fields, FULFILLMENT_FIELDS, fulfilment_t)
RECORD_FIELDS_OF (fulfilment_event_fields, FULFILLMENT_EVENT, fulfilment_t)
RECORD_FIELDS_OF (fulfilment_milestone_reply_fields, FULFILLMENT_MILESTONE_REPLY, fulfilment_t)
RECORD_FIELDS_OF (fulfilment_detail_fields, FULFILLMENT_DETAIL, fulfilment_t)

static const char *const s_stages[FULFILMENT_STAGES] = {"allocated", "picked", "packed", "shipped", "delivered"};
static const char *const s_reasons[] = {"short_pick", "damaged", "lost", "address", "refused", "delayed", NULL};

const char *
fulfilment_stage_name (int stage)
{
    return stage >= 0 && stage < FULFILMENT_STAGES ? s_stages[stage] : "";
}

int
fulfilment_stage_of (const char *name)
{
    for (int i = 0; i < FULFILMENT_STAGES; i++)
        if (strcmp (s_stages[i], name) == 0)
            return i;
    return -1;
}

bool
fulfilment_status_valid (const char *status)
{
    return fulfilment_stage_of (status) >= 0 || strcmp (status, "cancelled") == 0 || strcmp (status, "exception") == 0;
}

bool
fulfilment_reason_valid (const char *reason)
{
    for (const char *const *r = s_reasons; *r; r++)
        if (strcmp (*r, reason) == 0)
            return true;
    return false;
}

int64_t
fulfilment_line_open (const fulfillment_line_t *line)
{
    return line->quantity - (line->has_cancelled ? line->cancelled : 0);
}

int
fulfilment_load (MDB_txn *txn, const ffstore_dbs_t *dbs, const uint8_t id[16], fulfilment_t *out)
{
    memset (out, 0, sizeof *out);
    MDB_val val;
    int rc = store_get (txn, dbs->fulfillments, id, 16, &val);
    if (rc != 0)
        return rc;
    msgpack_unpacked unpacked;
    rc = storeval_read (&val, FFSTORE_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (fulfilment_stored_fields, &unpacked.data, out);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
fulfilment_save (MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfilment_t *self)
{
    uint8_t id[16];
    if (uuid_parse (self->fulfillment_id, id) != 0)
        return RM_EINVAL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (fulfilment_stored_fields, self, &pk);
    int rc = storeval_put (txn, dbs->fulfillments, id, 16, FFSTORE_RECORD_V, buf.data, buf.size);
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

void
fulfilment_free (fulfilment_t *self)
{
    record_free (fulfilment_detail_fields, self);
}

void
fulfilment_emit (service_t *svc, const fulfilment_t *self, const char *type, const char *cid, const char *event_id,
                 int64_t occurred_at)
{
    fulfilment_t event = *self;
    snprintf (event.event_id, sizeof event.event_id, "%s", event_id ? event_id : "");
    event.occurred_at = occurred_at;
    event.has_occurred_at = event_id != NULL;
    record_pack (fulfilment_event_fields, &event, service_event (svc, type, cid));
}

void
fulfilment_pack (const fulfilment_t *self, msgpack_packer *pk)
{
    record_pack (fulfilment_public_fields, self, pk);
}
