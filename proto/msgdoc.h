//  msgdoc — the message catalogue written out for people: each message as
//  the Markdown section proto/README.md shows (test_catalog checks that the
//  README holds exactly these), which `retailmesh catalog` prints too, and
//  the words both use for a field's type and constraints.
#ifndef RM_MSGDOC_H
#define RM_MSGDOC_H

#include "catalog.h"
#include <stddef.h>
#include <stdio.h>

//  The type of a field in words: "string", "array of maps"...
const char *msgdoc_type (const field_spec_t *field);

//  The field's constraints in words into buf ("1..500 items", ">= 0",
//  "identifier, 1..64 bytes"); empty when it has none. Returns buf.
const char *msgdoc_rule (const field_spec_t *field, char *buf, size_t size);

//  Writes the message's section: its heading, doc, kind and version, and
//  a table of the fields of each body, nested ones as "lines[].sku".
void msgdoc_print (FILE *out, const msg_spec_t *msg);

#endif
