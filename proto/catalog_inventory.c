//  The inventory slice of the catalogue: stock, holds for orders and their events.
#include "catalog_fields.h"

static const field_spec_t s_availability_request[] = {
    {.name = "skus", .type = FT_ARRAY, .required = true, .item = FT_STR, .check = FC_IDENT,
     .max_len = 64, .min_items = 1, .max_items = CATALOG_MAX_SKUS, .doc = "SKUs to look up"},
    F_END};

static const field_spec_t s_location_stock[] = {
    F_LOCATION, F_STOCK ("on_hand", "units on hand"),
    F_STOCK ("reserved", "units held for orders"),
    F_STOCK ("available", "on_hand - reserved"), F_END};

static const field_spec_t s_availability_item[] = {
    F_SKU, F_AMOUNT ("on_hand", "units on hand over all locations"),
    F_AMOUNT ("reserved", "units held for orders over all locations"),
    F_AMOUNT ("available", "on_hand - reserved"),
    F_MAPS ("locations", 0, CATALOG_MAX_LOCATIONS, s_location_stock, "per location"), F_END};

static const field_spec_t s_availability_reply[] = {
    F_MAPS ("items", 1, CATALOG_MAX_SKUS, s_availability_item, "one per requested SKU, in order"),
    F_END};

static const field_spec_t s_reserve_request[] = {
    F_ORDER_ID, F_MAPS ("lines", 1, CATALOG_MAX_LINES, catalog_sku_quantity_fields, "what to hold"), F_END};

static const field_spec_t s_reserved_line[] = {
    F_SKU, F_QUANTITY,
    F_MAPS ("allocations", 1, CATALOG_MAX_LOCATIONS, catalog_allocation_fields, "where the units are held"),
    F_END};

static const field_spec_t s_reservation[] = {
    F_ORDER_ID, F_MAPS ("lines", 1, CATALOG_MAX_LINES, s_reserved_line, "one per request line, in order"),
    F_END};

static const field_spec_t s_release_request[] = {
    F_ORDER_ID, F_STR ("reason", false, FC_NONE, 256, "why, for people reading logs"), F_END};

static const field_spec_t s_release_reply[] = {
    F_ORDER_ID, F_BOOL ("released", "false when nothing was held for the order"), F_END};

static const field_spec_t s_set_stock_request[] = {
    F_LOCATION, F_SKU, F_STOCK ("on_hand", "units now on hand at the location"), F_END};

static const field_spec_t s_stock[] = {
    F_LOCATION, F_SKU, F_STOCK ("on_hand", "units on hand"),
    F_STOCK ("reserved", "units held for orders"),
    F_STOCK ("available", "on_hand - reserved"), F_END};

const msg_spec_t catalog_inventory[] = {
    OP ("inventory.availability", s_availability_request, s_availability_reply,
        "Stock of SKUs, in total and per location."),
    OP ("inventory.reserve", s_reserve_request, s_reservation,
        "Holds stock for an order, all lines or nothing."),
    OP ("inventory.release", s_release_request, s_release_reply,
        "Releases everything held for an order."),
    OP ("inventory.set_stock", s_set_stock_request, s_stock,
        "Sets the units on hand of a SKU at a location."),
    EVENT ("inventory.stock.set", s_stock, "The units on hand at a location were set."),
    EVENT ("inventory.stock.reserved", s_reservation, "Stock was held for an order."),
    EVENT ("inventory.reservation.released", s_reservation,
           "What was held for an order was released; lines say what was freed."),
    {.name = NULL},
};
