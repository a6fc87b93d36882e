//  lines — the order lines that pricing, inventory and orders all carry:
//  decoded from a validated body's "lines" array into plain structs.
#ifndef RM_LINES_H
#define RM_LINES_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define LINES_SKU_MAX 64

typedef struct {
    char sku[LINES_SKU_MAX + 1];
    int64_t quantity;
    int64_t unit_price;          //  -1 when the line carries no price
} line_t;

//  Decodes body.lines (already validated against the catalogue) into a
//  new array the caller frees. Returns 0, RM_EINVAL naming nothing when the
//  shape is wrong (a catalogue bug), or RM_ENOMEM.
int lines_decode (const msgpack_object *body, line_t **lines, size_t *count);

#endif
