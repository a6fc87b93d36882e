#include "route.h"
#include <stdio.h>
#include <string.h>

const route_t route_table[] = {
    {"POST", "/v1/orders", "submitOrder", ROUTE_CALL, "orders.submit", "orders", true,
     ROUTE_BODY_REQUIRED, "/v1/orders/{order_id}",
     {{"channel", "channel", PARAM_DEFAULT, false, "salesforce"}}},
    {"GET", "/v1/orders", "findOrder", ROUTE_CALL, "orders.find", "orders", true, ROUTE_BODY_NONE,
     NULL,
     {{"channel", "channel", PARAM_QUERY, false, "salesforce"},
      {"external_id", "external_id", PARAM_QUERY, false, NULL}}},
    {"GET", "/v1/orders/{order_id}", "getOrder", ROUTE_CALL, "orders.get", "orders", true,
     ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/orders/{order_id}/cancel", "cancelOrder", ROUTE_CALL, "orders.cancel", "orders", true,
     ROUTE_BODY_OPTIONAL, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/events", "getOrderHistory", ROUTE_CALL, "orders.history", "orders", true,
     ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/status", "getOrderStatus", ROUTE_CALL, "orders.status", "orders", true,
     ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/invoices", "listOrderInvoices", ROUTE_CALL, "orders.invoices", "orders", true,
     ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/invoices/{invoice_number}", "getInvoice", ROUTE_CALL, "orders.invoice", "orders", true,
     ROUTE_BODY_NONE, NULL, {{"invoice_number", "invoice_number", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/prices/quote", "quotePrices", ROUTE_CALL, "pricing.quote", "pricing", true,
     ROUTE_BODY_REQUIRED, NULL,
     {{.name = NULL}}},
    {"PUT", "/v1/prices/{currency}/{sku}", "setPrice", ROUTE_CALL, "pricing.set", "pricing", true,
     ROUTE_BODY_REQUIRED, NULL,
     {{"currency", "currency", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/prices/batch", "applyPriceBatch", ROUTE_CALL, "pricing.batch", "pricing", true, ROUTE_BODY_BATCH,
     NULL, {{.name = NULL}}},
    {"GET", "/v1/pricebooks", "listPriceBooks", ROUTE_CALL, "pricing.list_books", "pricing", true, ROUTE_BODY_NONE,
     NULL,
     {{"currency", "currency", PARAM_QUERY, false, NULL},
      {"kind", "kind", PARAM_QUERY, false, NULL}}},
    {"PUT", "/v1/pricebooks/{book_id}", "putPriceBook", ROUTE_CALL, "pricing.put_book", "pricing", true,
     ROUTE_BODY_REQUIRED, NULL, {{"book_id", "book_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/pricebooks/{book_id}", "getPriceBook", ROUTE_CALL, "pricing.get_book", "pricing", true,
     ROUTE_BODY_NONE, NULL, {{"book_id", "book_id", PARAM_PATH, false, NULL}}},
    {"PUT", "/v1/pricebooks/{book_id}/entries/{sku}", "putPriceBookEntry", ROUTE_CALL, "pricing.put_entry", "pricing",
     true, ROUTE_BODY_REQUIRED, NULL,
     {{"book_id", "book_id", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/pricebooks/{book_id}/entries/{sku}", "getPriceBookEntry", ROUTE_CALL, "pricing.get_entry", "pricing",
     true, ROUTE_BODY_NONE, NULL,
     {{"book_id", "book_id", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL}}},
    {"DELETE", "/v1/pricebooks/{book_id}/entries/{sku}", "deletePriceBookEntry", ROUTE_CALL, "pricing.delete_entry",
     "pricing", true, ROUTE_BODY_NONE, NULL,
     {{"book_id", "book_id", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL},
      {"valid_from", "valid_from", PARAM_QUERY, false, NULL}}},
    {"GET", "/v1/availability", "getAvailability", ROUTE_CALL, "inventory.availability", "inventory", true,
     ROUTE_BODY_NONE, NULL, {{"sku", "skus", PARAM_QUERY, true, NULL}, {"location", "locations", PARAM_QUERY, true, NULL}}},
    {"POST", "/v1/availability/query", "queryAvailability", ROUTE_CALL, "inventory.availability", "inventory", true,
     ROUTE_BODY_REQUIRED, NULL, {{.name = NULL}}},
    {"PUT", "/v1/locations/{location}", "putLocation", ROUTE_CALL, "inventory.location.put", "inventory", true,
     ROUTE_BODY_REQUIRED, NULL, {{"location", "location", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/locations/{location}", "getLocation", ROUTE_CALL, "inventory.location.get", "inventory", true,
     ROUTE_BODY_NONE, NULL, {{"location", "location", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/locations", "listLocations", ROUTE_CALL, "inventory.location.list", "inventory", true,
     ROUTE_BODY_NONE, NULL, {{.name = NULL}}},
    {"PUT", "/v1/skus/{sku}/policy", "setSkuPolicy", ROUTE_CALL, "inventory.policy.set", "inventory", true,
     ROUTE_BODY_REQUIRED, NULL, {{"sku", "sku", PARAM_PATH, false, NULL}}},
    {"PUT", "/v1/stock/{location}/{sku}/policy", "setStockPolicy", ROUTE_CALL, "inventory.stock_policy.set",
     "inventory", true, ROUTE_BODY_REQUIRED, NULL,
     {{"location", "location", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/stock/movements/batch", "applyStockMovementBatch", ROUTE_CALL, "inventory.movements_batch",
     "inventory", true, ROUTE_BODY_BATCH, NULL, {{.name = NULL}}},
    {"POST", "/v1/stock/movements", "postStockMovement", ROUTE_CALL, "inventory.movement", "inventory", true,
     ROUTE_BODY_REQUIRED, NULL, {{.name = NULL}}},
    {"GET", "/v1/stock/{location}/{sku}/ledger", "getStockLedger", ROUTE_CALL, "inventory.ledger", "inventory", true,
     ROUTE_BODY_NONE, NULL,
     {{"location", "location", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL},
      {"limit", "limit", PARAM_QUERY, false, NULL},
      {"cursor", "cursor", PARAM_QUERY, false, NULL}}},
    {"PUT", "/v1/stock/{location}/{sku}", "setStock", ROUTE_CALL, "inventory.set_stock", "inventory", true,
     ROUTE_BODY_REQUIRED, NULL,
     {{"location", "location", PARAM_PATH, false, NULL},
      {"sku", "sku", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/backorders", "listBackorders", ROUTE_CALL, "inventory.backorders", "inventory", true,
     ROUTE_BODY_NONE, NULL, {{"sku", "sku", PARAM_QUERY, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/reservations", "getOrderReservations", ROUTE_CALL, "inventory.reservations",
     "inventory", true, ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/holds", "placeHold", ROUTE_CALL, "inventory.hold", "inventory", true, ROUTE_BODY_REQUIRED,
     "/v1/holds/{hold_id}", {{.name = NULL}}},
    {"GET", "/v1/holds/{hold_id}", "getHold", ROUTE_CALL, "inventory.hold_get", "inventory", true, ROUTE_BODY_NONE,
     NULL, {{"hold_id", "hold_id", PARAM_PATH, false, NULL}}},
    {"DELETE", "/v1/holds/{hold_id}", "releaseHold", ROUTE_CALL, "inventory.hold_release", "inventory", true,
     ROUTE_BODY_NONE, NULL, {{"hold_id", "hold_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/fulfillments", "listFulfillments", ROUTE_CALL, "fulfillment.list", "fulfillment", true,
     ROUTE_BODY_NONE, NULL,
     {{"location", "location", PARAM_QUERY, false, NULL},
      {"status", "status", PARAM_QUERY, false, NULL},
      {"since", "since", PARAM_QUERY, false, NULL},
      {"limit", "limit", PARAM_QUERY, false, NULL},
      {"cursor", "cursor", PARAM_QUERY, false, NULL}}},
    {"GET", "/v1/fulfillments/{fulfillment_id}", "getFulfillment", ROUTE_CALL, "fulfillment.get", "fulfillment", true,
     ROUTE_BODY_NONE, NULL, {{"fulfillment_id", "fulfillment_id", PARAM_PATH, false, NULL}}},
    //  before the {fulfillment_id}/events route, which a path of the same
    //  length could otherwise be read as
    {"POST", "/v1/fulfillments/events/batch", "postFulfillmentEventBatch", ROUTE_CALL, "fulfillment.milestones_batch",
     "fulfillment", true, ROUTE_BODY_BATCH, NULL, {{.name = NULL}}},
    {"POST", "/v1/fulfillments/{fulfillment_id}/events", "postFulfillmentEvent", ROUTE_CALL, "fulfillment.milestone",
     "fulfillment", true, ROUTE_BODY_REQUIRED, NULL, {{"fulfillment_id", "fulfillment_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/fulfillments", "getOrderFulfillments", ROUTE_CALL, "fulfillment.by_order",
     "fulfillment", true, ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/returns", "authorizeReturn", ROUTE_CALL, "returns.authorize", "returns", true, ROUTE_BODY_REQUIRED,
     "/v1/returns/{return_id}", {{.name = NULL}}},
    {"GET", "/v1/returns/{return_id}", "getReturn", ROUTE_CALL, "returns.get", "returns", true, ROUTE_BODY_NONE,
     NULL, {{"return_id", "return_id", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/returns/{return_id}/receipt", "receiveReturn", ROUTE_CALL, "returns.receive", "returns", true,
     ROUTE_BODY_REQUIRED, NULL, {{"return_id", "return_id", PARAM_PATH, false, NULL}}},
    {"POST", "/v1/returns/{return_id}/cancel", "cancelReturn", ROUTE_CALL, "returns.cancel", "returns", true,
     ROUTE_BODY_OPTIONAL, NULL, {{"return_id", "return_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/returns", "listOrderReturns", ROUTE_CALL, "returns.by_order", "returns", true,
     ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/orders/{order_id}/credit-memos", "listOrderCreditMemos", ROUTE_CALL, "orders.credit_memos", "orders",
     true, ROUTE_BODY_NONE, NULL, {{"order_id", "order_id", PARAM_PATH, false, NULL}}},
    {"GET", "/v1/openapi.json", "getOpenApi", ROUTE_OPENAPI, NULL, NULL, false, ROUTE_BODY_NONE, NULL, {{.name = NULL}}},
    {"GET", "/healthz", "getHealth", ROUTE_HEALTH, NULL, NULL, false, ROUTE_BODY_NONE, NULL, {{.name = NULL}}},
    {"GET", "/readyz", "getReadiness", ROUTE_READY, NULL, NULL, false, ROUTE_BODY_NONE, NULL, {{.name = NULL}}},
    {NULL, NULL, NULL, ROUTE_CALL, NULL, NULL, false, ROUTE_BODY_NONE, NULL, {{.name = NULL}}},
};

#define ROUTE_SEGMENTS_MAX 8

//  Cuts s (which starts with '/') into its segments in place.
//  Returns their number, or -1 when there are too many.
static int
s_split (char *s, char *segs[ROUTE_SEGMENTS_MAX])
{
    int n = 0;
    while (*s == '/') {
        if (n == ROUTE_SEGMENTS_MAX)
            return -1;
        *s++ = '\0';
        segs[n++] = s;
        while (*s && *s != '/')
            s++;
    }
    return *s ? -1 : n;
}

//  Compares the path segments with a template; records the values of the
//  template's {x} segments in match.
static bool
s_segments_match (const route_t *route, char *psegs[], int npsegs, route_match_t *match)
{
    char tbuf[ROUTE_PATH_MAX];
    char *tsegs[ROUTE_SEGMENTS_MAX];
    snprintf (tbuf, sizeof tbuf, "%s", route->path);
    if (s_split (tbuf, tsegs) != npsegs)
        return false;
    match->nparams = 0;
    for (int i = 0; i < npsegs; i++) {
        size_t tlen = strlen (tsegs[i]);
        if (tlen > 2 && tsegs[i][0] == '{' && tsegs[i][tlen - 1] == '}') {
            if (*psegs[i] == '\0' || match->nparams == ROUTE_PARAMS_MAX)
                return false;
            tsegs[i][tlen - 1] = '\0';
            const route_param_t *rp = NULL;
            for (size_t k = 0; k < ROUTE_PARAMS_MAX && route->params[k].name; k++)
                if (route->params[k].in == PARAM_PATH && strcmp (route->params[k].name, tsegs[i] + 1) == 0)
                    rp = &route->params[k];
            match->names[match->nparams] = rp ? rp->name : NULL;
            match->values[match->nparams++] = psegs[i];
        }
        else if (strcmp (tsegs[i], psegs[i]) != 0)
            return false;
    }
    return true;
}

const route_t *
route_find (const char *method, const char *path, route_match_t *match)
{
    match->route = NULL;
    match->status = 404;
    match->allow[0] = '\0';
    match->nparams = 0;
    char *psegs[ROUTE_SEGMENTS_MAX];
    if (strlen (path) >= sizeof match->buf)
        return NULL;
    snprintf (match->buf, sizeof match->buf, "%s", path);
    int npsegs = s_split (match->buf, psegs);
    if (npsegs < 0)
        return NULL;
    for (const route_t *route = route_table; route->method; route++) {
        if (!s_segments_match (route, psegs, npsegs, match))
            continue;
        if (strcmp (route->method, method) == 0) {
            match->route = route;
            match->status = 0;
            return route;
        }
        match->status = 405;
        size_t len = strlen (match->allow);
        snprintf (match->allow + len, sizeof match->allow - len, "%s%s", len ? ", " : "", route->method);
    }
    match->nparams = 0;
    return NULL;
}

const route_t *
route_unserved (char *const *services)
{
    for (const route_t *route = route_table; route->method; route++) {
        if (route->kind != ROUTE_CALL)
            continue;
        char *const *name = services;
        while (*name && strcmp (*name, route->service) != 0)
            name++;
        if (!*name)
            return route;
    }
    return NULL;
}

const route_param_t *
route_param_for_field (const route_t *route, const char *field)
{
    for (size_t i = 0; i < ROUTE_PARAMS_MAX && route->params[i].name; i++)
        if (route->params[i].in != PARAM_DEFAULT && strcmp (route->params[i].field, field) == 0)
            return &route->params[i];
    return NULL;
}
