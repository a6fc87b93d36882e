//  openapi — the gateway's OpenAPI 3.0.3 document (openapi.json, embedded
//  at build time), served at /v1/openapi.json.
#ifndef RM_GW_OPENAPI_H
#define RM_GW_OPENAPI_H

#include <stddef.h>

extern const char openapi_json[];
extern const size_t openapi_json_len;

#endif
