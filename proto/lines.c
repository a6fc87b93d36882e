#include "lines.h"
#include "err.h"
#include <stdio.h>
#include <stdlib.h>

int
lines_from (const catalog_sku_quantity_t *items, const catalog_quoted_line_t *quoted, size_t count,
            line_t **lines)
{
    line_t *out = (line_t *) calloc (count ? count : 1, sizeof *out);
    if (!out)
        return RM_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        snprintf (out[i].sku, sizeof out[i].sku, "%s", quoted ? quoted[i].sku : items[i].sku);
        out[i].quantity = quoted ? quoted[i].quantity : items[i].quantity;
        out[i].unit_price = quoted ? quoted[i].unit_price : -1;
    }
    *lines = out;
    return 0;
}
