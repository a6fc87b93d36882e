//  The submission of an order: check for an earlier submission, ask pricing
//  to validate the quoted prices and inventory to hold the stock (in
//  parallel, with nothing stored first), then accept the order, or queue the
//  release of whatever inventory holds for it on the outbound queue
//  (release.c). The order path has two serial durable commits: inventory's
//  hold, then orders' acceptance.
//
//  Until the acceptance commits, the submission exists only here, in the
//  table of submissions in flight (by channel and external ID, and by order
//  ID), and as inventory's hold of its stock, which has a deadline
//  (inventory's --order-hold-ttl). A hold that is due is expired only when
//  orders.hold_status answers that its order is absent: neither stored nor
//  in flight. A crash of orders empties the table, so every hold it left
//  expires: at once when orders, started again, tells inventory
//  (inventory.orders_restarted), else at its deadline. A resubmission after
//  the crash is a new submission with a new order ID.
//
//  A full store holds no stock either: when the acceptance cannot be
//  committed, or the release cannot be queued, the hold is released at
//  once, without waiting for a local write (the deadline covers a release
//  that is lost). A write that found the map full is tried again once,
//  after the map grew.
#include "catalog_inventory.h"
#include "catalog_orders.h"
#include "catalog_pricing.h"
#include "clock.h"
#include "err.h"
#include "failpoint.h"
#include "lines.h"
#include "log.h"
#include "money.h"
#include "mp.h"
#include "orders.h"
#include "release.h"
#include "sha256.h"
#include "text.h"
#include "uuid.h"
#include <stdlib.h>
#include <string.h>

//  How often the restart notice is sent again until inventory has it.
#define RESTART_RETRY_MS 1000
//  Times a submission waits for the map to grow before it is refused.
#define POSTPONE_MAX 4

typedef enum { OUTCOME_OK, OUTCOME_REFUSED, OUTCOME_NO_ANSWER } outcome_t;

typedef struct {
    outcome_t outcome;
    int err;                   //  the call's own error when there was no answer
    msgpack_sbuffer body;      //  a refusal: a copy of the error body, passed on
    int read;                  //  an answer: 0 when read into its record, or why not
} answer_t;

typedef struct {
    service_t *svc;
    request_t *req;
    uint8_t id[16];
    char id_text[UUID_STR_LEN + 1];
    char cid[ENVELOPE_CID_MAX];
    char idem[ENVELOPE_IDEM_MAX];
    char caller[ENVELOPE_CALLER_MAX];  //  who submitted it, for its events and history
    orders_submit_request_t in;    //  the request, with the channel defaulted
    catalog_quoted_line_t *quoted; //  its lines as pricing checks them
    line_t *lines;
    size_t count;
    uint8_t hash[32];
    int64_t total;
    int64_t created_at;
    int waiting;
    answer_t price;
    answer_t stock;
    pricing_validate_reply_t check;    //  pricing's answer, read once
    inventory_reservation_t reserved;  //  inventory's hold, read once
    orders_made_t made;        //  the accepted order, made once from the submission and the hold
    int postponed;             //  times it waited for the map to grow
    bool may_hold;             //  rejected: inventory may hold stock for it
    uint64_t release;          //  rejected: the queued release, 0 when none
    msgpack_sbuffer accepted;  //  the accepted order as stored (made, packed)
    zlistx_t *waiters;         //  repeats of this submission that arrived meanwhile
    //  channel, unit separator, external ID
    char key[sizeof ((orders_submit_request_t *) 0)->channel + sizeof ((orders_submit_request_t *) 0)->external_id];
} submission_t;

//  Submissions not yet answered, by channel and external ID, so a repeat
//  (a client's retry) waits for the same outcome, even while a rejected
//  submission's reservation is being released; the same by idempotency key
//  (nothing stored claims it yet), and by order ID text, for
//  orders.hold_status.
static zhashx_t *s_inflight;
static zhashx_t *s_inflight_idem;
static zhashx_t *s_inflight_ids;

static void
s_submission_free (submission_t **sub_p)
{
    submission_t *sub = *sub_p;
    if (!sub)
        return;
    free (sub->lines);
    free (sub->quoted);
    //  made's arrays are borrowed from the request and the hold, but its lines
    free (sub->made.lines);
    record_free (pricing_validate_reply_fields, &sub->check);
    record_free (inventory_reservation_fields, &sub->reserved);
    record_free (orders_submit_request_fields, &sub->in);
    msgpack_sbuffer_destroy (&sub->price.body);
    msgpack_sbuffer_destroy (&sub->stock.body);
    msgpack_sbuffer_destroy (&sub->accepted);
    zlistx_destroy (&sub->waiters);
    if (s_inflight && zhashx_lookup (s_inflight, sub->key) == sub)
        zhashx_delete (s_inflight, sub->key);
    if (s_inflight_ids && zhashx_lookup (s_inflight_ids, sub->id_text) == sub)
        zhashx_delete (s_inflight_ids, sub->id_text);
    if (sub->idem[0] && s_inflight_idem && zhashx_lookup (s_inflight_idem, sub->idem) == sub)
        zhashx_delete (s_inflight_idem, sub->idem);
    free (sub);
    *sub_p = NULL;
}

//  The accepted order from the submission and inventory's hold (made),
//  with the idempotency key and correlation ID used after a crash. Only
//  its lines are its own: ship_to, ship_from and each line's reservations
//  point into the request and the hold, which the submission keeps.
static int
s_make_order (submission_t *sub)
{
    orders_made_t *made = &sub->made;
    const inventory_reservation_t *reserved = &sub->reserved;
    free (made->lines);
    *made = (orders_made_t) {.total = sub->total, .has_total = true, .created_at = sub->created_at,
                             .has_created_at = true, .ship_to = sub->in.ship_to, .ship_from = sub->in.ship_from,
                             .ship_from_count = sub->in.ship_from_count, .lines_count = sub->count};
    made->lines = (orders_line_t *) calloc (sub->count ? sub->count : 1, sizeof *made->lines);
    if (!made->lines)
        return RM_ENOMEM;
    text_copy (made->order_id, sizeof made->order_id, sub->id_text);
    text_copy (made->external_id, sizeof made->external_id, sub->in.external_id);
    text_copy (made->channel, sizeof made->channel, sub->in.channel);
    text_copy (made->account_id, sizeof made->account_id, sub->in.account_id);
    text_copy (made->status, sizeof made->status, "accepted");
    text_copy (made->currency, sizeof made->currency, sub->in.currency);
    text_copy (made->hold_id, sizeof made->hold_id, sub->in.hold_id);
    text_copy (made->idempotency_key, sizeof made->idempotency_key, sub->idem);
    text_copy (made->correlation_id, sizeof made->correlation_id, sub->cid);
    for (size_t i = 0; i < sub->count; i++) {
        const line_t *line = &sub->lines[i];
        const inventory_reserved_line_t *held = i < reserved->lines_count ? &reserved->lines[i] : NULL;
        orders_line_t *out = &made->lines[i];
        text_copy (out->sku, sizeof out->sku, line->sku);
        out->quantity = line->quantity;
        out->unit_price = line->unit_price;
        out->extended_price = line->unit_price * line->quantity;
        out->has_quantity = out->has_unit_price = out->has_extended_price = true;
        if (held) {
            out->reservations = held->allocations;
            out->reservations_count = held->allocations_count;
            out->backordered = held->backordered;
            out->has_backordered = held->has_backordered;
        }
        out->has_shipped = out->has_delivered = true;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  start-up: a store written before orders stopped storing pending orders
//  may hold some, removed and their stock released (release.c); the
//  submissions in flight before are gone, so inventory is told to check
//  their holds now

static int
s_settle_write (MDB_txn *txn, void *arg)
{
    service_t *svc = (service_t *) arg;
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = orders_settle_pending (txn, &dbs);
    if (rc >= 0)
        rc = orders_releases_queue (txn, &dbs, service_outq (svc));
    return rc < 0 ? rc : 0;
}

//  The restart notice: sent until inventory has it. Not on the outbound
//  queue: one lost (orders crashed again first) only leaves the holds to
//  their deadline, and the next start sends another.
static struct {
    int64_t started_at;
    char cid[UUID_STR_LEN + 1];
} s_restart;

static void s_notify_restart (service_t *svc, void *arg);

static void
s_restart_noticed (void *arg, int err, const envelope_t *reply)
{
    service_t *svc = (service_t *) arg;
    if (err == 0 && reply->ok)
        return;
    if (service_timer_add (svc, RESTART_RETRY_MS, s_notify_restart, NULL, NULL) != 0)
        log_error (s_restart.cid, "cannot retry the restart notice; inventory's holds end at their deadline");
}

static void
s_notify_restart (service_t *svc, void *arg)
{
    (void) arg;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    orders_restarted_body (&body, s_restart.started_at);
    if (rpc_client_send (service_peer (svc, "inventory"), "inventory.orders_restarted", s_restart.cid, NULL,
                         clock_mono_ms () + service_call_timeout (svc), body.data, body.size, s_restart_noticed, svc)
        != 0)
        s_restart_noticed (svc, RM_EUNAVAIL, NULL);
    msgpack_sbuffer_destroy (&body);
}

int
orders_start (service_t *svc)
{
    int rc = service_write (svc, s_settle_write, svc);
    s_restart.started_at = clock_now_ms ();
    uuid_new_str (s_restart.cid);
    if (rc == 0)
        rc = service_timer_add (svc, 1, s_notify_restart, NULL, NULL);
    return rc;
}

//  ---------------------------------------------------------------------
//  settling a submission once pricing and inventory have answered

//  Reads a peer's answer into record, which fields describes (a reply
//  without STRMAP or ANY members, so record outlives the answer), once,
//  when it comes. Returns 0, RM_ENOMEM or RM_EPROTO (record emptied) when
//  the body is not that reply.
static int
s_answer_read (const msgpack_object *body, const field_spec_t *fields, void *record)
{
    int rc = record_decode (fields, body, record);
    if (rc != 0)
        record_free (fields, record);
    return rc == RM_ENOMEM ? rc : rc ? RM_EPROTO : 0;
}

static int
s_accept_write (MDB_txn *txn, void *arg)
{
    submission_t *sub = (submission_t *) arg;
    int rc = sub->stock.read;
    if (rc == 0)
        rc = s_make_order (sub);
    if (rc == 0) {
        msgpack_sbuffer_clear (&sub->accepted);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &sub->accepted, msgpack_sbuffer_write);
        record_pack (orders_made_stored, &sub->made, &pk);
    }
    orders_dbs_t dbs = orders_dbs_of (sub->svc);
    if (rc == 0)
        rc = orders_store (txn, &dbs, sub->id, sub->hash, sub->in.channel, sub->in.external_id, sub->idem,
                           sub->accepted.data, sub->accepted.size);
    if (rc == 0)
        rc = orders_history_add (txn, &dbs, sub->id, "accepted", "orders.order.accepted", sub->cid, sub->caller,
                                 NULL);
    if (rc == 0)
        record_pack (orders_made_event, &sub->made,
                     service_event_for (sub->svc, "orders.order.accepted", sub->cid, sub->caller));
    return rc;
}

typedef struct {
    submission_t *sub;
    uint64_t action;           //  the queued release
} reject_t;

static int
s_reject_write (MDB_txn *txn, void *arg)
{
    reject_t *rej = (reject_t *) arg;
    submission_t *sub = rej->sub;
    return orders_release_queue (service_outq (sub->svc), txn, sub->id, sub->cid, sub->caller, &rej->action);
}

//  Passes a peer's error reply on to the submitter (field, details and all).
static void
s_forward_error (request_t *req, const answer_t *answer)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    char code[32] = "internal", field[128] = "", message[256] = "peer refused the request";
    const msgpack_object_array *details = NULL;
    if (msgpack_unpack_next (&unpacked, answer->body.data, answer->body.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        mp_get_str (&unpacked.data, "code", code, sizeof code);
        mp_get_str (&unpacked.data, "field", field, sizeof field);
        mp_get_str (&unpacked.data, "message", message, sizeof message);
        details = mp_get_array (&unpacked.data, "details");
    }
    msgpack_packer *pk = request_reply_error_details (req, rm_errcode (code), *field ? field : NULL, message,
                                                      details ? details->size : 0);
    for (uint32_t i = 0; details && i < details->size; i++)
        mp_pack_object (pk, &details->ptr[i]);
    msgpack_unpacked_destroy (&unpacked);
}

static bool
s_error_is (const answer_t *answer, int code)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    char name[32] = "";
    if (msgpack_unpack_next (&unpacked, answer->body.data, answer->body.size, NULL) == MSGPACK_UNPACK_SUCCESS)
        mp_get_str (&unpacked.data, "code", name, sizeof name);
    msgpack_unpacked_destroy (&unpacked);
    return rm_errcode (name) == code;
}

//  Replies 409 price_mismatch with each wrong line's expected and quoted price.
static void
s_reply_mismatch (submission_t *sub, request_t *req)
{
    const pricing_validate_reply_t *check = &sub->check;
    uint32_t wrong = 0;
    for (size_t i = 0; i < check->lines_count; i++)
        wrong += check->lines[i].ok ? 0 : 1;
    msgpack_packer *pk = request_reply_error_details (req, RM_EMISMATCH, NULL,
                                                      "quoted unit prices differ from current prices", wrong);
    for (size_t i = 0; i < check->lines_count; i++) {
        const pricing_validate_line_t *line = &check->lines[i];
        if (line->ok)
            continue;
        msgpack_pack_map (pk, 5);
        mp_pack_kv_int (pk, "line", (int64_t) i);
        mp_pack_kv_str (pk, "sku", line->sku);
        mp_pack_kv_int (pk, "expected", line->unit_price);
        mp_pack_kv_int (pk, "quoted", line->quoted);
        mp_pack_kv_str (pk, "price_book", line->price_book);
    }
}

static bool
s_prices_match (const submission_t *sub)
{
    return sub->price.read == 0 && sub->check.ok;
}

static void
s_reply_reject_one (submission_t *sub, request_t *req)
{
    const answer_t *price = &sub->price, *stock = &sub->stock;
    //  the most useful error first: what the caller must fix before what may pass
    if (price->outcome == OUTCOME_REFUSED)
        s_forward_error (req, price);
    else if (stock->outcome == OUTCOME_REFUSED && s_error_is (stock, RM_ENOTFOUND))
        s_forward_error (req, stock);
    else if (price->outcome == OUTCOME_OK && !s_prices_match (sub))
        s_reply_mismatch (sub, req);
    else if (stock->outcome == OUTCOME_REFUSED)
        s_forward_error (req, stock);
    else if (price->err == RM_ESTORAGE_FULL || stock->err == RM_ESTORAGE_FULL)
        request_reply_error (req, RM_ESTORAGE_FULL, NULL, "the orders store is full; the order was not taken");
    else if (price->err == RM_ESTORE)
        request_reply_error (req, RM_ESTORE, NULL, "the order could not be stored; it was not taken");
    else
        request_reply_error (req, price->err == RM_ETIMEOUT || stock->err == RM_ETIMEOUT ? RM_ETIMEOUT : RM_EUNAVAIL,
                             NULL, "%s did not answer in time; the order was not taken",
                             price->outcome == OUTCOME_NO_ANSWER ? "pricing" : "inventory");
}

static void
s_reply_reject (submission_t *sub)
{
    s_reply_reject_one (sub, sub->req);
    for (request_t *w = (request_t *) zlistx_first (sub->waiters); w; w = (request_t *) zlistx_next (sub->waiters))
        s_reply_reject_one (sub, w);
}

//  The rejection is answered after the first attempt to release, so a
//  caller that sees the error normally sees no stock held for the order;
//  when that attempt fails the queue keeps retrying.
static void
s_reject_released (void *arg, int err, const char *message)
{
    submission_t *sub = (submission_t *) arg;
    if (err != 0)
        log_warn (sub->cid, "release of rejected order %s failed (%s); the outbound queue retries it",
                  sub->id_text, message);
    s_reply_reject (sub);
    s_submission_free (&sub);
}

static void s_settle (submission_t *sub);

static void
s_postponed (service_t *svc, void *arg)
{
    (void) svc;
    s_settle ((submission_t *) arg);
}

//  Takes the submission up again at the next turn: the map it found full
//  grows in between (doubling each time, so a few times are enough). False
//  when it waited that often already.
static bool
s_postpone (submission_t *sub)
{
    if (sub->postponed >= POSTPONE_MAX || !store_wants_growth (service_store (sub->svc)))
        return false;
    if (service_timer_add (sub->svc, 1, s_postponed, sub, NULL) != 0)
        return false;
    sub->postponed++;
    return true;
}

static void
s_released_now (void *arg, int err, const envelope_t *reply)
{
    submission_t *sub = (submission_t *) arg;
    if (err != 0 || !reply->ok)
        log_warn (sub->cid, "release of order %s failed (%s); its hold expires at its deadline",
                  sub->id_text, err ? rm_strerror (err) : "error reply");
    s_reply_reject (sub);
    s_submission_free (&sub);
}

//  Sends the release at once, not through the outbound queue, whose action
//  could not be stored: giving stock back for an order that is not accepted
//  is right whatever becomes of the order (releasing twice is harmless).
//  When this release is lost too, the hold expires at its deadline: the
//  order is in neither the store nor the table of submissions in flight.
//  The caller must not touch sub afterwards.
static void
s_release_now (submission_t *sub)
{
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    orders_release_body (&body, sub->id);
    int rc = rpc_client_send (service_peer (sub->svc, "inventory"), "inventory.release", sub->cid, NULL,
                              clock_mono_ms () + service_call_timeout (sub->svc), body.data, body.size,
                              s_released_now, sub);
    msgpack_sbuffer_destroy (&body);
    if (rc != 0) {
        s_reply_reject (sub);
        s_submission_free (&sub);
    }
}

//  The removal (and the queued release) committed, or not.
static void
s_reject_committed (void *arg, int err)
{
    submission_t *sub = (submission_t *) arg;
    //  the commit found the map full: remove the order again once it grew
    if (err == RM_ESTORAGE_FULL && s_postpone (sub))
        return;
    if (err == 0 && sub->release && outq_watch (service_outq (sub->svc), sub->release, s_reject_released, sub) == 0)
        return;
    if (err != 0) {
        s_release_now (sub);
        return;
    }
    s_reply_reject (sub);
    s_submission_free (&sub);
}

static void
s_reject (submission_t *sub)
{
    //  inventory may hold stock unless it said no
    sub->may_hold = sub->stock.outcome != OUTCOME_REFUSED;
    if (!sub->may_hold) {
        s_reply_reject (sub);
        s_submission_free (&sub);
        return;
    }
    reject_t rej = {sub, 0};
    if (service_write (sub->svc, s_reject_write, &rej) == 0) {
        sub->release = rej.action;
        if (service_after_commit (sub->svc, s_reject_committed, sub) == 0)
            return;
    }
    else
        log_error (sub->cid, "could not queue the release of rejected order %s; it is sent at once", sub->id_text);
    s_release_now (sub);
}

static void
s_reply_accepted (submission_t *sub)
{
    sub->made.created = true;
    record_pack (orders_made_reply, &sub->made, request_reply_ok (sub->req));
    sub->made.created = false;
    for (request_t *w = (request_t *) zlistx_first (sub->waiters); w; w = (request_t *) zlistx_next (sub->waiters))
        record_pack (orders_made_reply, &sub->made, request_reply_ok (w));
    log_info (sub->cid, "order %s accepted (%s/%s, total %lld %s)", sub->id_text, sub->in.channel,
              sub->in.external_id, (long long) sub->total, sub->in.currency);
}

//  Gives up an order that cannot be stored: its stock goes back and the
//  submitter hears why.
static void
s_fail_to_store (submission_t *sub, int err)
{
    log_error (sub->cid, "order %s could not be stored: %s; its stock is released", sub->id_text, rm_strerror (err));
    sub->stock.outcome = OUTCOME_NO_ANSWER;
    sub->price.outcome = OUTCOME_NO_ANSWER;
    sub->price.err = err;
    sub->stock.err = 0;
}

//  The acceptance failed to commit: nothing of the order is stored and its
//  stock is held, so release it now.
static void
s_accept_committed (void *arg, int err)
{
    submission_t *sub = (submission_t *) arg;
    if (err == 0) {
        FAILPOINT_CRASH ("orders-after-accept");
        s_reply_accepted (sub);
        s_submission_free (&sub);
        return;
    }
    //  the commit found the map full: store the acceptance again once it grew
    if (err == RM_ESTORAGE_FULL && s_postpone (sub))
        return;
    s_fail_to_store (sub, err);
    s_release_now (sub);
}

static void
s_settle (submission_t *sub)
{
    bool accept = sub->price.outcome == OUTCOME_OK && s_prices_match (sub) && sub->stock.outcome == OUTCOME_OK;
    if (!accept) {
        s_reject (sub);
        return;
    }
    int rc = service_write (sub->svc, s_accept_write, sub);
    if (rc == RM_ENOMEM && s_postpone (sub))
        return;
    if (rc == 0 && service_after_commit (sub->svc, s_accept_committed, sub) == 0)
        return;
    if (rc == 0) {
        //  no memory to wait for the commit: answer now, as before a commit
        s_reply_accepted (sub);
        s_submission_free (&sub);
        return;
    }
    s_fail_to_store (sub, rc == RM_ENOMEM ? RM_ESTORAGE_FULL : rc);
    s_reject (sub);
}

//  An answer is read into its record as it comes; only a refusal's body
//  is kept, to pass on.
static void
s_record (submission_t *sub, answer_t *answer, int err, const envelope_t *reply, const field_spec_t *fields,
          void *record)
{
    answer->err = err;
    answer->outcome = err != 0 ? OUTCOME_NO_ANSWER : reply->ok ? OUTCOME_OK : OUTCOME_REFUSED;
    if (answer->outcome == OUTCOME_OK)
        answer->read = s_answer_read (&reply->body, fields, record);
    else if (answer->outcome == OUTCOME_REFUSED) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, &answer->body, msgpack_sbuffer_write);
        mp_pack_object (&pk, &reply->body);
    }
    if (--sub->waiting == 0)
        s_settle (sub);
}

static void
s_priced (void *arg, int err, const envelope_t *reply)
{
    submission_t *sub = (submission_t *) arg;
    s_record (sub, &sub->price, err, reply, pricing_validate_reply_fields, &sub->check);
}

static void
s_reserved (void *arg, int err, const envelope_t *reply)
{
    submission_t *sub = (submission_t *) arg;
    if (err == 0 && reply->ok)
        FAILPOINT_CRASH ("orders-after-hold");
    s_record (sub, &sub->stock, err, reply, inventory_reservation_fields, &sub->reserved);
}

//  ---------------------------------------------------------------------
//  taking a submission

//  The same submission must hash the same whatever the channel default,
//  the channel's case and the order of its fields: the body is hashed with
//  its channel, when given, in lower case (so orders stored before channels
//  were normalised keep their hashes).
static int
s_hash_body (submission_t *sub, const msgpack_object *body)
{
    uint32_t n = body->via.map.size;
    msgpack_object_kv *kv = (msgpack_object_kv *) malloc ((n ? n : 1) * sizeof *kv);
    if (!kv)
        return RM_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        kv[i] = body->via.map.ptr[i];
        if (mp_str_eq (&kv[i].key, "channel"))
            kv[i].val = (msgpack_object) {.type = MSGPACK_OBJECT_STR,
                                          .via.str = {.size = (uint32_t) strlen (sub->in.channel),
                                                      .ptr = sub->in.channel}};
    }
    msgpack_object normalised = {.type = MSGPACK_OBJECT_MAP, .via.map = {.size = n, .ptr = kv}};
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    mp_pack_str (&pk, sub->in.channel);
    mp_pack_canonical (&pk, &normalised);
    sha256 (buf.data, buf.size, sub->hash);
    msgpack_sbuffer_destroy (&buf);
    free (kv);
    return 0;
}

static int
s_parse (submission_t *sub, const msgpack_object *body)
{
    int rc = record_decode (orders_submit_request_fields, body, &sub->in);
    if (rc == 0 && !(sub->quoted = (catalog_quoted_line_t *) calloc (sub->in.lines_count, sizeof *sub->quoted)))
        rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < sub->in.lines_count; i++) {
        const orders_submit_line_t *in = &sub->in.lines[i];
        catalog_quoted_line_t *quoted = &sub->quoted[i];
        text_copy (quoted->sku, sizeof quoted->sku, in->sku);
        quoted->quantity = in->quantity;
        quoted->unit_price = in->unit_price;
    }
    if (rc == 0)
        rc = lines_from (NULL, sub->quoted, sub->in.lines_count, &sub->lines);
    if (rc != 0)
        return rc;
    sub->count = sub->in.lines_count;
    if (!sub->in.channel[0])
        snprintf (sub->in.channel, sizeof sub->in.channel, "salesforce");
    orders_channel_normalise (sub->in.channel);
    for (size_t i = 0; i < sub->count; i++) {
        int64_t extended;
        if (money_mul (sub->lines[i].unit_price, sub->lines[i].quantity, &extended) != 0
            || money_add (sub->total, extended, &sub->total) != 0) {
            char field[48];
            snprintf (field, sizeof field, "/lines/%zu/quantity", i);
            return request_reply_error (sub->req, RM_EINVAL, field, "the order total overflows");
        }
    }
    return s_hash_body (sub, body);
}

//  The bodies of the two calls a submission makes, packed from their
//  catalogue descriptions: pricing.validate gets the lines as quoted,
//  inventory.reserve the SKUs and quantities.
static int
s_pack_call_bodies (submission_t *sub, msgpack_sbuffer *price, msgpack_sbuffer *stock)
{
    pricing_validate_request_t check = {.lines = sub->quoted, .lines_count = sub->in.lines_count};
    text_copy (check.currency, sizeof check.currency, sub->in.currency);
    text_copy (check.account_id, sizeof check.account_id, sub->in.account_id);
    text_copy (check.channel, sizeof check.channel, sub->in.channel);
    //  ship_from is borrowed from the request: hold is not record_free'd
    inventory_reserve_request_t hold = {.lines_count = sub->count, .ship_from = sub->in.ship_from,
                                        .ship_from_count = sub->in.ship_from_count,
                                        .allow_backorder = sub->in.allow_backorder};
    text_copy (hold.order_id, sizeof hold.order_id, sub->id_text);
    text_copy (hold.hold_id, sizeof hold.hold_id, sub->in.hold_id);
    hold.lines = (inventory_reserve_line_t *) calloc (sub->count, sizeof *hold.lines);
    if (!hold.lines)
        return RM_ENOMEM;
    for (size_t i = 0; i < sub->count; i++) {
        text_copy (hold.lines[i].sku, sizeof hold.lines[i].sku, sub->in.lines[i].sku);
        hold.lines[i].quantity = sub->in.lines[i].quantity;
        hold.lines[i].allow_backorder = sub->in.lines[i].allow_backorder;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, price, msgpack_sbuffer_write);
    record_pack (pricing_validate_request_fields, &check, &pk);
    msgpack_packer_init (&pk, stock, msgpack_sbuffer_write);
    record_pack (inventory_reserve_request_fields, &hold, &pk);
    free (hold.lines);
    return 0;
}

//  Takes the submission into the table of those in flight and asks pricing
//  and inventory, with nothing stored first. Returns 0, or RM_ENOMEM with
//  nothing sent.
static int
s_start (submission_t *sub)
{
    msgpack_sbuffer price_body, stock_body;
    msgpack_sbuffer_init (&price_body);
    msgpack_sbuffer_init (&stock_body);
    int rc = s_pack_call_bodies (sub, &price_body, &stock_body);
    if (rc == 0 && !zhashx_lookup (s_inflight_ids, sub->id_text) && zhashx_insert (s_inflight_ids, sub->id_text, sub))
        rc = RM_ENOMEM;
    if (rc == 0 && sub->idem[0] && !zhashx_lookup (s_inflight_idem, sub->idem)
        && zhashx_insert (s_inflight_idem, sub->idem, sub))
        rc = RM_ENOMEM;
    if (rc != 0) {
        msgpack_sbuffer_destroy (&price_body);
        msgpack_sbuffer_destroy (&stock_body);
        return rc;
    }
    int64_t deadline = clock_mono_ms () + orders_call_timeout (sub->svc, sub->req);
    sub->waiting = 2;
    request_defer (sub->req);
    if (!zhashx_lookup (s_inflight, sub->key))
        zhashx_insert (s_inflight, sub->key, sub);
    FAILPOINT_CRASH ("orders-before-hold");
    //  sent at once, not after this turn's commit (service_call): the calls
    //  act on nothing this turn wrote, so they need not wait for other
    //  requests' commit. A call that cannot even be sent answers at once
    //  through its callback.
    if (rpc_client_send_as (service_peer (sub->svc, "pricing"), "pricing.validate", sub->cid, NULL, sub->caller,
                            deadline, price_body.data, price_body.size, s_priced, sub) != 0)
        s_priced (sub, RM_EUNAVAIL, NULL);
    if (rpc_client_send_as (service_peer (sub->svc, "inventory"), "inventory.reserve", sub->cid, NULL, sub->caller,
                            deadline, stock_body.data, stock_body.size, s_reserved, sub) != 0)
        s_reserved (sub, RM_EUNAVAIL, NULL);
    msgpack_sbuffer_destroy (&price_body);
    msgpack_sbuffer_destroy (&stock_body);
    return 0;
}

//  Answers a submission seen before: the first order, or an error saying
//  why it cannot be answered yet.
static int
s_reply_repeat (request_t *req, orders_found_t *found)
{
    char status[ORDERS_STATUS_SIZE];
    orders_status (&found->order, status, sizeof status);
    if (strcmp (status, "pending") == 0)
        return request_reply_error (req, RM_EBUSY, NULL, "this order is still being processed; retry shortly");
    orders_reply_submitted (req, &found->order, false);
    return 0;
}

//  A submission whose key names an order made from a different body: the
//  error names that order (its ID in the message and as the detail
//  order_id, which the gateway turns into Location).
static int
s_reply_conflict (submission_t *sub, const char *order_id, bool by_idem)
{
    char message[256];             //  as request_reply_error's; a long external_id is cut short
    if (by_idem)
        snprintf (message, sizeof message, "order %s was made with Idempotency-Key '%s' from a different body",
                  order_id, sub->idem);
    else
        snprintf (message, sizeof message, "order %s was made with channel '%s' and external_id '%s' from a "
                  "different body", order_id, sub->in.channel, sub->in.external_id);
    msgpack_packer *pk = request_reply_error_details (sub->req, RM_ECONFLICT, by_idem ? NULL : "/external_id",
                                                      message, 1);
    msgpack_pack_map (pk, 1);
    mp_pack_kv_str (pk, "order_id", order_id);
    return RM_ECONFLICT;
}

//  Attaches a repeat to the same submission still in flight, if any; a
//  different body under the same key is refused. Returns whether the
//  request was taken care of.
static bool
s_join_inflight (submission_t *sub, int *rc)
{
    snprintf (sub->key, sizeof sub->key, "%s\x1f%s", sub->in.channel, sub->in.external_id);
    //  the idempotency key first, as for stored orders
    submission_t *first = sub->idem[0] ? (submission_t *) zhashx_lookup (s_inflight_idem, sub->idem) : NULL;
    bool by_idem = first != NULL;
    if (!first)
        first = (submission_t *) zhashx_lookup (s_inflight, sub->key);
    if (first && memcmp (first->hash, sub->hash, sizeof sub->hash) != 0) {
        *rc = s_reply_conflict (sub, first->id_text, by_idem);
        return true;
    }
    if (!first || !zlistx_add_end (first->waiters, sub->req))
        return false;
    request_defer (sub->req);
    return true;
}

int
orders_submit (service_t *svc, request_t *req)
{
    submission_t *sub = (submission_t *) calloc (1, sizeof *sub);
    if (!sub)
        return RM_ENOMEM;
    sub->svc = svc;
    sub->req = req;
    msgpack_sbuffer_init (&sub->price.body);
    msgpack_sbuffer_init (&sub->stock.body);
    msgpack_sbuffer_init (&sub->accepted);
    if (!s_inflight)
        s_inflight = zhashx_new ();
    if (!s_inflight_ids)
        s_inflight_ids = zhashx_new ();
    if (!s_inflight_idem)
        s_inflight_idem = zhashx_new ();
    if (!(sub->waiters = zlistx_new ()) || !s_inflight || !s_inflight_ids || !s_inflight_idem) {
        s_submission_free (&sub);
        return RM_ENOMEM;
    }
    text_copy (sub->cid, sizeof sub->cid, request_cid (req));
    text_copy (sub->idem, sizeof sub->idem, request_idem (req));
    text_copy (sub->caller, sizeof sub->caller, request_caller (req));
    int rc = s_parse (sub, request_body (req));
    if (rc == 0 && s_join_inflight (sub, &rc)) {
        s_submission_free (&sub);
        return rc;
    }
    MDB_txn *txn = NULL;
    orders_found_t found;
    orders_dbs_t dbs = orders_dbs_of (svc);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0)
        rc = orders_find_submission (txn, &dbs, sub->in.channel, sub->in.external_id, sub->idem, sub->hash, &found);
    if (rc == RM_ECONFLICT) {
        char order_id[UUID_STR_LEN + 1];
        uuid_format (found.order_id, order_id);
        rc = s_reply_conflict (sub, order_id, found.by_idem);
    }
    else if (rc == 0 && found.found)
        rc = s_reply_repeat (req, &found);
    else if (rc == 0) {
        uuid_new (sub->id);
        uuid_format (sub->id, sub->id_text);
        sub->created_at = clock_now_ms ();
        rc = s_start (sub);
        if (rc == 0)
            return 0;
    }
    s_submission_free (&sub);
    return rc;
}

bool
orders_submission_in_flight (const char *channel, const char *external_id)
{
    char key[sizeof ((submission_t *) 0)->key];
    snprintf (key, sizeof key, "%s\x1f%s", channel, external_id);
    return s_inflight && zhashx_lookup (s_inflight, key) != NULL;
}

bool
orders_order_in_flight (const char *order_id)
{
    return s_inflight_ids && zhashx_lookup (s_inflight_ids, order_id) != NULL;
}

//  What orders knows of order_id for inventory, which expires the order's
//  hold only on "absent": no such order is stored and none is in flight,
//  and none can come (a new submission gets a new ID). A pending order (a
//  store written before orders stopped storing them) is settled at start.
static const char *
s_hold_status (MDB_txn *txn, const orders_dbs_t *dbs, const char *id_text, int *rc)
{
    uint8_t id[16];
    orders_found_t found;
    *rc = 0;
    if (orders_order_in_flight (id_text))
        return ORDERS_HOLD_IN_FLIGHT;
    if (uuid_parse (id_text, id) != 0)
        return ORDERS_HOLD_ABSENT;
    int found_rc = orders_load (txn, dbs, id, &found);
    if (found_rc == RM_ENOTFOUND)
        return ORDERS_HOLD_ABSENT;
    *rc = found_rc;
    char status[ORDERS_STATUS_SIZE];
    if (found_rc == 0)
        orders_status (&found.order, status, sizeof status);
    return found_rc == 0 && strcmp (status, "pending") == 0 ? ORDERS_HOLD_IN_FLIGHT : ORDERS_HOLD_ACCEPTED;
}

int
orders_hold_status (service_t *svc, request_t *req)
{
    orders_hold_status_request_t in = {0};
    orders_hold_status_reply_t reply = {0};
    MDB_txn *txn = NULL;
    orders_dbs_t dbs = orders_dbs_of (svc);
    int rc = record_decode (orders_hold_status_request_fields, request_body (req), &in);
    if (rc == 0)
        rc = service_read_txn (svc, &txn);
    if (rc == 0 && !(reply.orders = (orders_hold_status_entry_t *) calloc (in.order_ids_count, sizeof *reply.orders)))
        rc = RM_ENOMEM;
    for (size_t i = 0; rc == 0 && i < in.order_ids_count; i++) {
        orders_hold_status_entry_t *entry = &reply.orders[reply.orders_count++];
        snprintf (entry->order_id, sizeof entry->order_id, "%s", in.order_ids[i]);
        snprintf (entry->status, sizeof entry->status, "%s", s_hold_status (txn, &dbs, in.order_ids[i], &rc));
    }
    if (rc == 0)
        record_pack (orders_hold_status_reply_fields, &reply, request_reply_ok (req));
    record_free (orders_hold_status_reply_fields, &reply);
    record_free (orders_hold_status_request_fields, &in);
    return rc;
}
