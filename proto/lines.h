//  lines — the order lines that pricing, inventory and orders all carry,
//  as one plain struct whichever message they came in.
#ifndef RM_LINES_H
#define RM_LINES_H

#include "catalog_shared.h"
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define LINES_SKU_MAX (sizeof ((catalog_sku_quantity_t *) 0)->sku - 1)

typedef struct {
    char sku[LINES_SKU_MAX + 1];
    int64_t quantity;
    int64_t unit_price;          //  -1 when the line carries no price
} line_t;

//  The lines of a decoded request (record.h): exactly one of items (lines
//  without a price: unit_price -1) and quoted (the price each line was
//  quoted) is given. Returns 0 with a new array the caller frees, or
//  RM_ENOMEM.
int lines_from (const catalog_sku_quantity_t *items, const catalog_quoted_line_t *quoted, size_t count,
                line_t **lines);

#endif
