#include "backorder.h"
#include "catalog_inventory.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "reservation.h"
#include "stock.h"
#include "storeval.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

//  The backorders database holds two kinds of key:
//    "<sku>\0" + 8-byte big-endian sequence number -> the backorder, an
//      inventory_backorder record: a cursor over a SKU's prefix walks its
//      backorders first come first served;
//    "\0" + 16-byte order ID + the first kind of key -> empty: the order's
//      backorders, for backorder_cancel. No SKU is empty, so the two never
//      meet.
#define SEQ_LEN 8
#define KEY_MAX (LINES_SKU_MAX + 1 + SEQ_LEN)
#define INDEX_MAX (1 + 16 + KEY_MAX)

typedef struct {
    uint8_t data[KEY_MAX];
    size_t size;
} bo_key_t;

static size_t
s_prefix (const char *sku, uint8_t *out)
{
    size_t len = strlen (sku);
    memcpy (out, sku, len + 1);
    return len + 1;
}

static size_t
s_index_key (const uint8_t order_id[16], const bo_key_t *key, uint8_t out[INDEX_MAX])
{
    out[0] = 0;
    memcpy (out + 1, order_id, 16);
    memcpy (out + 17, key->data, key->size);
    return 17 + key->size;
}

static bool
s_has_prefix (const MDB_val *key, const uint8_t *prefix, size_t plen)
{
    return key->mv_size >= plen && memcmp (key->mv_data, prefix, plen) == 0;
}

//  The sequence number after sku's last backorder (1 for its first).
static int
s_next_seq (MDB_txn *txn, MDB_dbi dbi, const char *sku, uint64_t *seq)
{
    uint8_t probe[KEY_MAX];
    size_t plen = s_prefix (sku, probe);
    memset (probe + plen, 0xff, SEQ_LEN);
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    MDB_val key = {plen + SEQ_LEN, probe}, val;
    int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
    mrc = mrc == 0 ? mdb_cursor_get (cursor, &key, &val, MDB_PREV) : mdb_cursor_get (cursor, &key, &val, MDB_LAST);
    *seq = 1;
    int rc = 0;
    if (mrc == 0 && key.mv_size == plen + SEQ_LEN && s_has_prefix (&key, probe, plen)) {
        const uint8_t *at = (const uint8_t *) key.mv_data + plen;
        uint64_t last = 0;
        for (int i = 0; i < SEQ_LEN; i++)
            last = last << 8 | at[i];
        *seq = last + 1;
    }
    else if (mrc != 0 && mrc != MDB_NOTFOUND)
        rc = RM_ESTORE;
    mdb_cursor_close (cursor);
    return rc;
}

static int
s_put (MDB_txn *txn, MDB_dbi dbi, const bo_key_t *key, const inventory_backorder_t *backorder)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    record_pack (inventory_backorder_fields, backorder, &pk);
    int rc = buf.data ? storeval_put (txn, dbi, key->data, key->size, INVENTORY_RECORD_V, buf.data, buf.size)
                      : RM_ENOMEM;
    msgpack_sbuffer_destroy (&buf);
    return rc;
}

static int
s_read (const MDB_val *val, inventory_backorder_t *backorder)
{
    msgpack_unpacked unpacked;
    *backorder = (inventory_backorder_t) {0};
    int rc = storeval_read (val, INVENTORY_RECORD_V, &unpacked);
    if (rc == 0)
        rc = record_decode (inventory_backorder_fields, &unpacked.data, backorder);
    msgpack_unpacked_destroy (&unpacked);
    return rc == 0 || rc == RM_ENOMEM ? rc : RM_ESTORE;
}

int
backorder_add (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], size_t line,
               const char *sku, int64_t quantity)
{
    if (strlen (sku) > LINES_SKU_MAX || !*sku)
        return RM_ESTORE;
    uint64_t seq;
    int rc = s_next_seq (txn, dbs->backorders, sku, &seq);
    if (rc != 0)
        return rc;
    bo_key_t key;
    key.size = s_prefix (sku, key.data);
    store_key_u64 (seq, key.data + key.size);
    key.size += SEQ_LEN;
    inventory_backorder_t backorder = {.line = (int64_t) line, .outstanding = quantity, .filled = 0,
                                       .created_at = clock_now_ms ()};
    uuid_format (order_id, backorder.order_id);
    snprintf (backorder.sku, sizeof backorder.sku, "%s", sku);
    rc = s_put (txn, dbs->backorders, &key, &backorder);
    uint8_t index[INDEX_MAX];
    size_t ilen = s_index_key (order_id, &key, index);
    if (rc == 0)
        rc = store_put (txn, dbs->backorders, index, ilen, "", 0, 0);
    return rc;
}

static int
s_remove (MDB_txn *txn, MDB_dbi dbi, const uint8_t order_id[16], const bo_key_t *key)
{
    uint8_t index[INDEX_MAX];
    size_t ilen = s_index_key (order_id, key, index);
    int rc = store_del (txn, dbi, key->data, key->size);
    if (rc == 0)
        rc = store_del (txn, dbi, index, ilen);
    return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
}

int
backorder_cancel (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16])
{
    uint8_t prefix[17] = {0};
    memcpy (prefix + 1, order_id, 16);
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->backorders, &cursor) != 0)
        return RM_ESTORE;
    //  collect first: deleting under an open cursor would skip entries
    bo_key_t *keys = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    MDB_val key = {sizeof prefix, prefix}, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (!s_has_prefix (&key, prefix, sizeof prefix))
            break;
        if (key.mv_size - sizeof prefix > KEY_MAX) {
            rc = RM_ESTORE;
            break;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 4;
            bo_key_t *grown = (bo_key_t *) realloc (keys, cap * sizeof *keys);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            keys = grown;
        }
        keys[count].size = key.mv_size - sizeof prefix;
        memcpy (keys[count].data, (const uint8_t *) key.mv_data + sizeof prefix, keys[count].size);
        count++;
    }
    mdb_cursor_close (cursor);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = s_remove (txn, dbs->backorders, order_id, &keys[i]);
    free (keys);
    return rc;
}

//  ---------------------------------------------------------------------
//  filling

typedef struct {
    service_t *svc;
    MDB_txn *txn;
    const inventory_dbs_t *dbs;
    const char *cid;
    const char *sku;
    stock_at_t *locs;              //  what is available, kept up to date as units are held
    size_t nlocs;
} fill_t;

static int64_t
s_available (const fill_t *fill)
{
    int64_t total = 0;
    for (size_t i = 0; i < fill->nlocs; i++)
        total += stock_available (&fill->locs[i].stock);
    return total;
}

//  Holds what is available for one backorder, location by location in
//  allocation order, and adds it to the order's live reservation. *event
//  lists where the units were held.
static int
s_fill_one (fill_t *fill, const uint8_t order_id[16], inventory_backorder_t *backorder,
            inventory_backorder_filled_t *event)
{
    for (size_t i = 0; i < fill->nlocs && event->quantity < backorder->outstanding; i++) {
        stock_at_t *at = &fill->locs[i];
        int64_t free_here = stock_available (&at->stock);
        int64_t want = backorder->outstanding - event->quantity;
        int64_t take = free_here < want ? free_here : want;
        if (take <= 0)
            continue;
        int rc = stock_reserve (fill->svc, fill->txn, fill->cid, fill->sku, at->location, take);
        if (rc != 0)
            return rc == RM_ESHORT || rc == RM_ENOTFOUND ? RM_ESTORE : rc;
        rc = reservation_add (fill->txn, fill->dbs, order_id, (size_t) backorder->line, at->location, take);
        if (rc != 0)
            return rc == RM_ENOTFOUND ? RM_ESTORE : rc;
        at->stock.reserved += take;
        catalog_allocation_t *alloc = (catalog_allocation_t *) record_push (
            &event->allocations, &event->allocations_count, sizeof *alloc);
        if (!alloc)
            return RM_ENOMEM;
        snprintf (alloc->location, sizeof alloc->location, "%s", at->location);
        alloc->quantity = take;
        event->quantity += take;
    }
    return 0;
}

//  Whether line of order_id's reservation can still take units: 0, or
//  RM_ENOTFOUND when the order holds no live reservation with that line
//  (release removes an order's backorders, so only a damaged store keeps
//  one: it is dropped rather than filled for nobody).
static int
s_live (MDB_txn *txn, const inventory_dbs_t *dbs, const uint8_t order_id[16], size_t line)
{
    reservation_t record = {0};
    int rc = reservation_get (txn, dbs->reservations, order_id, &record);
    if (rc == 0 && (line >= record.lines_count || !reservation_may_move (record.status, RESERVATION_RELEASED)))
        rc = RM_ENOTFOUND;
    record_free (reservation_fields, &record);
    return rc;
}

//  Fills the backorder at key (value val) as far as stock goes: stores
//  what is left of it, or removes it when it is complete, and emits the
//  event.
static int
s_fill_at (fill_t *fill, const bo_key_t *key, const MDB_val *val)
{
    inventory_backorder_t backorder;
    uint8_t order_id[16];
    int rc = s_read (val, &backorder);
    if (rc == 0 && uuid_parse (backorder.order_id, order_id) != 0)
        rc = RM_ESTORE;
    if (rc != 0)
        return rc;
    inventory_backorder_filled_t event = {.line = backorder.line};
    snprintf (event.order_id, sizeof event.order_id, "%s", backorder.order_id);
    snprintf (event.sku, sizeof event.sku, "%s", backorder.sku);
    rc = s_live (fill->txn, fill->dbs, order_id, (size_t) backorder.line);
    if (rc == 0)
        rc = s_fill_one (fill, order_id, &backorder, &event);
    if (rc == RM_ENOTFOUND) {
        log_warn (fill->cid, "backorder of order %s line %lld dropped: the order holds no reservation",
                  backorder.order_id, (long long) backorder.line);
        rc = s_remove (fill->txn, fill->dbs->backorders, order_id, key);
    }
    else if (rc == 0 && event.quantity > 0) {
        backorder.outstanding -= event.quantity;
        backorder.filled += event.quantity;
        event.outstanding = backorder.outstanding;
        rc = backorder.outstanding > 0 ? s_put (fill->txn, fill->dbs->backorders, key, &backorder)
                                       : s_remove (fill->txn, fill->dbs->backorders, order_id, key);
        if (rc == 0) {
            record_pack (inventory_backorder_filled_fields, &event,
                         service_event (fill->svc, "inventory.backorder.filled", fill->cid));
            log_info (fill->cid, "backorder of order %s line %lld: %lld of %s filled, %lld outstanding",
                      event.order_id, (long long) event.line, (long long) event.quantity, event.sku,
                      (long long) event.outstanding);
        }
    }
    record_free (inventory_backorder_filled_fields, &event);
    return rc;
}

//  The keys of sku's backorders, first come first (collected first:
//  writing under an open cursor would move it).
static int
s_keys_of (MDB_txn *txn, MDB_dbi dbi, const char *sku, bo_key_t **out, size_t *count)
{
    uint8_t prefix[KEY_MAX];
    size_t plen = s_prefix (sku, prefix);
    MDB_cursor *cursor;
    *out = NULL;
    *count = 0;
    if (mdb_cursor_open (txn, dbi, &cursor) != 0)
        return RM_ESTORE;
    size_t cap = 0;
    int rc = 0;
    MDB_val key = {plen, prefix}, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && s_has_prefix (&key, prefix, plen); mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (key.mv_size != plen + SEQ_LEN) {
            rc = RM_ESTORE;
            break;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            bo_key_t *grown = (bo_key_t *) realloc (*out, cap * sizeof *grown);
            if (!grown) {
                rc = RM_ENOMEM;
                break;
            }
            *out = grown;
        }
        memcpy ((*out)[*count].data, key.mv_data, key.mv_size);
        (*out)[(*count)++].size = key.mv_size;
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
backorder_fill (service_t *svc, MDB_txn *txn, const char *cid, const char *sku)
{
    if (strlen (sku) > LINES_SKU_MAX || !*sku)
        return 0;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    fill_t fill = {.svc = svc, .txn = txn, .dbs = &dbs, .cid = cid, .sku = sku};
    bo_key_t *keys = NULL;
    size_t count = 0;
    int rc = s_keys_of (txn, dbs.backorders, sku, &keys, &count);
    if (rc == 0 && count > 0)
        rc = stock_locations (txn, &dbs, sku, &fill.locs, &fill.nlocs);
    for (size_t i = 0; rc == 0 && i < count && s_available (&fill) > 0; i++) {
        MDB_val val;
        rc = store_get (txn, dbs.backorders, keys[i].data, keys[i].size, &val);
        if (rc == 0)
            rc = s_fill_at (&fill, &keys[i], &val);
        else if (rc == RM_ENOTFOUND)
            rc = RM_ESTORE;
    }
    free (fill.locs);
    free (keys);
    return rc;
}

//  ---------------------------------------------------------------------
//  inventory.backorders

int
backorder_list (MDB_txn *txn, const inventory_dbs_t *dbs, const char *sku, inventory_backorders_reply_t *reply)
{
    snprintf (reply->sku, sizeof reply->sku, "%s", sku);
    uint8_t prefix[KEY_MAX];
    size_t plen = s_prefix (sku, prefix);
    MDB_cursor *cursor;
    if (mdb_cursor_open (txn, dbs->backorders, &cursor) != 0)
        return RM_ESTORE;
    int rc = 0;
    MDB_val key = {plen, prefix}, val;
    for (int mrc = mdb_cursor_get (cursor, &key, &val, MDB_SET_RANGE);
         rc == 0 && mrc == 0 && s_has_prefix (&key, prefix, plen); mrc = mdb_cursor_get (cursor, &key, &val, MDB_NEXT)) {
        if (reply->backorders_count == INVENTORY_BACKORDERS_MAX) {
            reply->more = true;
            break;
        }
        inventory_backorder_t *item = (inventory_backorder_t *) record_push (
            &reply->backorders, &reply->backorders_count, sizeof *item);
        rc = item ? s_read (&val, item) : RM_ENOMEM;
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
backorder_handle_list (service_t *svc, request_t *req)
{
    inventory_backorders_request_t in = {0};
    inventory_backorders_reply_t reply = {0};
    MDB_txn *txn;
    inventory_dbs_t dbs = inventory_dbs_of (svc);
    int rc = record_decode (inventory_backorders_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = backorder_list (txn, &dbs, in.sku, &reply);
    if (rc == 0)
        record_pack (inventory_backorders_reply_fields, &reply, request_reply_ok (req));
    record_free (inventory_backorders_reply_fields, &reply);
    return rc;
}
