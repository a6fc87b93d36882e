#include "tolerance.h"
#include "catalog_shared.h"
#include "err.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int
tolerance_parse (const char *text, tolerance_t *tolerance)
{
    *tolerance = (tolerance_t) {0};
    if (!text || !isdigit ((unsigned char) text[0]))
        return RM_EINVAL;
    char *end;
    long long n = strtoll (text, &end, 10);
    if (strcmp (end, "bp") == 0 && n <= 10000) {
        tolerance->basis_points = n;
        return 0;
    }
    if (*end == '\0' && n <= CATALOG_MAX_UNIT_PRICE) {
        tolerance->minor_units = n;
        return 0;
    }
    return RM_EINVAL;
}

bool
tolerance_matches (const tolerance_t *tolerance, int64_t current, int64_t quoted)
{
    int64_t diff = quoted > current ? quoted - current : current - quoted;
    //  prices are at most CATALOG_MAX_UNIT_PRICE, so the product fits
    int64_t allowed = tolerance->basis_points ? current * tolerance->basis_points / 10000 : tolerance->minor_units;
    return diff <= allowed;
}
