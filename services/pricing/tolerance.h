//  tolerance — how far a quoted unit price may be from the current one and
//  still match (pricing's --price-tolerance): a number of basis points of
//  the current price ("50bp": 0.5 %, rounded down to a minor unit) or of
//  minor units ("5"). "0", the default, means exactly.
#ifndef RM_TOLERANCE_H
#define RM_TOLERANCE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t minor_units;
    int64_t basis_points;          //  used when not 0
} tolerance_t;

//  Parses "<n>bp" (0..10000) or "<n>" (0..CATALOG_MAX_UNIT_PRICE).
//  Returns 0 or RM_EINVAL.
int tolerance_parse (const char *text, tolerance_t *tolerance);

//  Whether quoted is within the tolerance of current.
bool tolerance_matches (const tolerance_t *tolerance, int64_t current, int64_t quoted);

#endif
