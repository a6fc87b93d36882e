//  catalog_register: a service outside proto/ adds its slice to the one
//  catalogue; a name already there or repeated in the slice is refused
//  and the slice adds nothing; a full catalogue says so.
#include "catalog.h"
#include "err.h"
#include "harness.h"
#include <stdio.h>
#include <string.h>

static const field_spec_t s_none[] = {{.name = NULL}};
static const field_spec_t s_thing[] = {
    {.name = "n", .type = FT_INT, .required = true, .min = 0, .max = 9, .doc = "a digit"}, {.name = NULL}};

#define S_OP(n) {.name = n, .kind = MSG_OPERATION, .version = 1, .request = s_thing, .reply = s_none, .doc = "test"}

static size_t
s_count (void)
{
    size_t n = 0;
    for (const msg_spec_t *msg = catalog_all (); msg->name; msg++)
        n++;
    return n;
}

static void
test_register (void)
{
    size_t mesh = s_count ();
    CHECK_EQ_INT (mesh, 94);
    static const msg_spec_t slice[] = {S_OP ("widgets.make"), S_OP ("widgets.count"), {.name = NULL}};
    CHECK_EQ_INT (catalog_register (slice), 0);
    CHECK_EQ_INT (s_count (), mesh + 2);
    const msg_spec_t *found = catalog_find ("widgets.count");
    CHECK (found && found->request == s_thing);
    CHECK (catalog_find ("pricing.quote") != NULL);

    //  a clash with the mesh, with an earlier slice, or within the slice
    static const msg_spec_t clash_mesh[] = {S_OP ("gadgets.make"), S_OP ("orders.submit"), {.name = NULL}};
    static const msg_spec_t clash_slice[] = {S_OP ("widgets.make"), {.name = NULL}};
    static const msg_spec_t twice[] = {S_OP ("gizmos.make"), S_OP ("gizmos.make"), {.name = NULL}};
    CHECK_EQ_INT (catalog_register (clash_mesh), RM_EINVAL);
    CHECK_EQ_INT (catalog_register (clash_slice), RM_EINVAL);
    CHECK_EQ_INT (catalog_register (twice), RM_EINVAL);
    CHECK (catalog_find ("gadgets.make") == NULL);
    CHECK (catalog_find ("gizmos.make") == NULL);
    CHECK_EQ_INT (s_count (), mesh + 2);
    //  an empty slice is harmless
    static const msg_spec_t empty[] = {{.name = NULL}};
    CHECK_EQ_INT (catalog_register (empty), 0);
}

static void
test_full (void)
{
    static char names[CATALOG_MESSAGES_MAX][32];
    static msg_spec_t one[CATALOG_MESSAGES_MAX][2];
    size_t room = CATALOG_MESSAGES_MAX - s_count ();
    for (size_t i = 0; i < room; i++) {
        snprintf (names[i], sizeof names[i], "filler.op%zu", i);
        one[i][0] = (msg_spec_t) S_OP (names[i]);
        one[i][1] = (msg_spec_t) {.name = NULL};
        CHECK_EQ_INT (catalog_register (one[i]), 0);
    }
    CHECK_EQ_INT (s_count (), CATALOG_MESSAGES_MAX);
    static const msg_spec_t more[] = {S_OP ("filler.more"), {.name = NULL}};
    CHECK_EQ_INT (catalog_register (more), RM_ENOMEM);
    CHECK (catalog_find ("filler.more") == NULL);
    CHECK (catalog_find (names[room - 1]) != NULL);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_register ();
    test_full ();
    return harness_report (argv[0]);
}
