#include "listing.h"
#include "err.h"
#include "fforder.h"
#include "fulfilment.h"
#include "milestone.h"
#include "mp.h"
#include "uuid.h"
#include <string.h>

static bool
s_matches (const fulfilment_t *f, const fulfillment_list_request_t *in)
{
    return (!in->location[0] || strcmp (f->location, in->location) == 0)
           && (!in->status[0] || strcmp (f->status, in->status) == 0);
}

//  Where the page starts: after the cursor, or at the first ID made at or
//  after since (UUIDv7s begin with their milliseconds).
static int
s_start (MDB_cursor *cursor, const fulfillment_list_request_t *in, MDB_val *key, MDB_val *val, const char **field)
{
    uint8_t from[16] = {0};
    if (in->cursor[0] && uuid_parse (in->cursor, from) != 0) {
        *field = "/cursor";
        return RM_EINVAL;
    }
    if (!in->cursor[0])
        for (int i = 0; i < 6; i++)
            from[i] = (uint8_t) ((uint64_t) in->since >> (8 * (5 - i)));
    *key = (MDB_val) {16, from};
    int mrc = mdb_cursor_get (cursor, key, val, MDB_SET_RANGE);
    if (mrc == 0 && in->cursor[0] && key->mv_size == 16 && memcmp (key->mv_data, from, 16) == 0)
        mrc = mdb_cursor_get (cursor, key, val, MDB_NEXT);
    return mrc;
}

int
listing_page (MDB_txn *txn, const ffstore_dbs_t *dbs, const fulfillment_list_request_t *in, msgpack_packer *pk,
              const char **field)
{
    if (in->status[0] && !fulfilment_status_valid (in->status)) {
        *field = "/status";
        return RM_EINVAL;
    }
    size_t limit = in->has_limit ? (size_t) in->limit : LISTING_PAGE_DEFAULT;
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->fulfillments, &cursor) != 0)
        return RM_ESTORE;
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    msgpack_packer ipk;
    msgpack_packer_init (&ipk, &items, msgpack_sbuffer_write);
    MDB_val key, val;
    int mrc = s_start (cursor, in, &key, &val, field);
    int rc = mrc == RM_EINVAL ? RM_EINVAL : 0;
    size_t found = 0, scanned = 0;
    char last[UUID_STR_LEN + 1] = "";
    for (; rc == 0 && mrc == 0 && found < limit && scanned < LISTING_SCAN_MAX;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT), scanned++) {
        fulfilment_t f = {0};
        rc = key.mv_size == 16 ? fulfilment_load (txn, dbs, (const uint8_t *) key.mv_data, &f) : RM_ESTORE;
        if (rc == 0 && s_matches (&f, in)) {
            fulfilment_pack (&f, &ipk);
            found++;
        }
        if (rc == 0)
            uuid_format ((const uint8_t *) key.mv_data, last);
        fulfilment_free (&f);
    }
    mdb_cursor_close (cursor);
    if (rc == 0) {
        bool more = mrc == 0;
        msgpack_pack_map (pk, more ? 2 : 1);
        mp_pack_str (pk, "items");
        msgpack_pack_array (pk, (uint32_t) found);
        mp_pack_raw (pk, items.data, items.size);
        if (more)
            mp_pack_kv_str (pk, "next_cursor", last);
    }
    msgpack_sbuffer_destroy (&items);
    return rc;
}

int
listing_list (service_t *svc, request_t *req)
{
    fulfillment_list_request_t in = {0};
    MDB_txn *txn;
    int rc = record_decode (fulfillment_list_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc != 0)
        return rc;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    msgpack_sbuffer page;
    msgpack_sbuffer_init (&page);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &page, msgpack_sbuffer_write);
    const char *field = NULL;
    rc = listing_page (txn, &dbs, &in, &pk, &field);
    if (rc == 0)
        mp_pack_raw (request_reply_ok (req), page.data, page.size);
    else if (rc == RM_EINVAL && strcmp (field, "/status") == 0)
        request_reply_error (req, rc, field, "unknown status '%s': " FULFILLMENT_STATUSES, in.status);
    else if (rc == RM_EINVAL)
        request_reply_error (req, rc, field, "'%s' is not a cursor a page of this list gave", in.cursor);
    msgpack_sbuffer_destroy (&page);
    return rc;
}

int
listing_get (service_t *svc, request_t *req)
{
    fulfillment_get_request_t in = {0};
    uint8_t id[16];
    MDB_txn *txn;
    fulfilment_t f = {0};
    int rc = record_decode (fulfillment_get_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = uuid_parse (in.fulfillment_id, id) == 0 ? service_read_txn (svc, &txn) : RM_ENOTFOUND;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    if (rc == 0)
        rc = fulfilment_load (txn, &dbs, id, &f);
    if (rc == 0)
        rc = milestone_history (txn, &dbs, &f);
    if (rc == 0)
        record_pack (fulfilment_detail_fields, &f, request_reply_ok (req));
    else if (rc == RM_ENOTFOUND)
        request_reply_error (req, rc, NULL, "no fulfilment %s", in.fulfillment_id);
    fulfilment_free (&f);
    return rc;
}

int
listing_by_order (service_t *svc, request_t *req)
{
    orders_get_request_t in = {0};
    uint8_t id[16];
    MDB_txn *txn;
    fforder_t order = {0};
    int rc = record_decode (orders_get_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = uuid_parse (in.order_id, id) == 0 ? service_read_txn (svc, &txn) : RM_EINVAL;
    ffstore_dbs_t dbs = ffstore_dbs_of (svc);
    if (rc == 0)
        rc = fforder_load (txn, &dbs, id, &order);
    if (rc == RM_ENOTFOUND)
        rc = 0;
    msgpack_sbuffer items;
    msgpack_sbuffer_init (&items);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &items, msgpack_sbuffer_write);
    for (size_t i = 0; rc == 0 && i < order.fulfillments_count; i++) {
        uint8_t fid[16];
        fulfilment_t f = {0};
        rc = uuid_parse (order.fulfillments[i], fid) == 0 ? fulfilment_load (txn, &dbs, fid, &f) : RM_ESTORE;
        if (rc == 0)
            fulfilment_pack (&f, &pk);
        fulfilment_free (&f);
    }
    if (rc == 0) {
        msgpack_packer *reply = request_reply_ok (req);
        msgpack_pack_map (reply, 1);
        mp_pack_str (reply, "items");
        msgpack_pack_array (reply, (uint32_t) order.fulfillments_count);
        mp_pack_raw (reply, items.data, items.size);
    }
    msgpack_sbuffer_destroy (&items);
    record_free (fforder_fields, &order);
    return rc;
}
