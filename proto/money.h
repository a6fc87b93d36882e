//  money — ISO 4217 currency codes and overflow-checked arithmetic on
//  integer minor units. Money is never a float in retailmesh.
#ifndef RM_MONEY_H
#define RM_MONEY_H

#include <stdbool.h>
#include <stdint.h>

//  True when code is an active ISO 4217 alphabetic code ("EUR", "JPY").
bool money_currency_valid (const char *code);

//  Number of minor-unit digits for a currency (2 for EUR, 0 for JPY), -1 if unknown.
int money_minor_digits (const char *code);

//  *out = a * b, or RM_EINVAL on overflow.
int money_mul (int64_t a, int64_t b, int64_t *out);

//  *out = a + b, or RM_EINVAL on overflow.
int money_add (int64_t a, int64_t b, int64_t *out);

#endif
