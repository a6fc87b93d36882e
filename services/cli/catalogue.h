//  catalogue — `retailmesh catalog [NAME] [--json]`: every operation and
//  event of the mesh, or the one NAME names, with its version and its
//  fields (type, required, bounds, doc): as Markdown, the very sections
//  proto/README.md shows (proto/msgdoc.h), or as JSON for tools.
#ifndef RM_CLI_CATALOGUE_H
#define RM_CLI_CATALOGUE_H

#include "catalog.h"
#include <jansson.h>

//  Returns the process exit code: 0, or 2 for an unknown NAME or a usage
//  error.
int catalogue_main (int argc, char **argv);

//  The message as JSON: name, kind ("operation" or "event"), version,
//  idempotent (operations), doc, and its bodies ("request" and "reply",
//  or "body" for an event) as lists of fields. A field has name, type,
//  required, constraints (in words, as the README says them), doc, the
//  bounds that apply to it (min and max; max_length; min_items and
//  max_items; check) and, for maps, its fields. NULL when out of memory.
json_t *catalogue_json (const msg_spec_t *msg);

#endif
