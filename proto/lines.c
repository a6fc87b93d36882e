#include "lines.h"
#include "err.h"
#include "mp.h"
#include <stdio.h>
#include <stdlib.h>

int
lines_decode (const msgpack_object *body, line_t **lines, size_t *count)
{
    const msgpack_object_array *array = mp_get_array (body, "lines");
    if (!array || array->size == 0)
        return RM_EINVAL;
    line_t *out = (line_t *) calloc (array->size, sizeof *out);
    if (!out)
        return RM_ENOMEM;
    for (uint32_t i = 0; i < array->size; i++) {
        const msgpack_object *line = &array->ptr[i];
        if (mp_get_str (line, "sku", out[i].sku, sizeof out[i].sku) != 0
            || mp_get_int (line, "quantity", &out[i].quantity) != 0) {
            free (out);
            return RM_EINVAL;
        }
        if (mp_get_int (line, "unit_price", &out[i].unit_price) != 0)
            out[i].unit_price = -1;
    }
    *lines = out;
    *count = array->size;
    return 0;
}

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
