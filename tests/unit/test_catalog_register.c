//  catalog_register: a service's own slice of messages joins the one
//  catalogue; a name already there is refused and nothing is registered.
#include "catalog.h"
#include "err.h"
#include "harness.h"

static const field_spec_t s_fields[] = {
    {.name = "n", .type = FT_INT, .required = true, .min = 0, .max = 9},
    {.name = NULL},
};

static const msg_spec_t s_slice[] = {
    {.name = "billing.charge", .kind = MSG_OPERATION, .version = 1, .request = s_fields, .reply = s_fields},
    {.name = "billing.charged", .kind = MSG_EVENT, .version = 1, .request = s_fields},
    {.name = NULL},
};

static const msg_spec_t s_clash[] = {
    {.name = "billing.refund", .kind = MSG_OPERATION, .version = 1, .request = s_fields, .reply = s_fields},
    {.name = "sys.health", .kind = MSG_OPERATION, .version = 1, .request = s_fields, .reply = s_fields},
    {.name = NULL},
};

static const msg_spec_t s_twice[] = {
    {.name = "ledger.post", .kind = MSG_OPERATION, .version = 1, .request = s_fields, .reply = s_fields},
    {.name = "ledger.post", .kind = MSG_OPERATION, .version = 1, .request = s_fields, .reply = s_fields},
    {.name = NULL},
};

static const msg_spec_t s_one[] = {{.name = NULL}};

int
main (void)
{
    CHECK (catalog_find ("billing.charge") == NULL);
    CHECK_EQ_INT (catalog_register (s_slice), 0);
    CHECK (catalog_find ("billing.charge") == &s_slice[0]);
    CHECK (catalog_find ("billing.charged") == &s_slice[1]);
    //  the built-in messages are still found
    CHECK (catalog_find ("sys.health") != NULL && catalog_find ("sys.health") != &s_clash[1]);

    //  a duplicate, with the built-in catalogue, an earlier slice or itself
    CHECK_EQ_INT (catalog_register (s_slice), RM_EINVAL);
    CHECK_EQ_INT (catalog_register (s_clash), RM_EINVAL);
    CHECK (catalog_find ("billing.refund") == NULL);
    CHECK_EQ_INT (catalog_register (s_twice), RM_EINVAL);
    CHECK (catalog_find ("ledger.post") == NULL);

    //  the table of slices is bounded: it fills, and says so
    int rc = 0, registered = 0;
    for (int i = 0; i < 1000 && rc == 0; i++)
        if ((rc = catalog_register (s_one)) == 0)
            registered++;
    CHECK_EQ_INT (rc, RM_ENOMEM);
    CHECK (registered > 0);
    CHECK (catalog_find ("billing.charge") == &s_slice[0]);
    return harness_report ("test_catalog_register");
}
