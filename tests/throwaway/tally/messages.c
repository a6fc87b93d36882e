//  tally's slice of the message catalogue.
#include "tally.h"
#include <stdint.h>

static const field_spec_t s_count_request[] = {{.name = NULL}};

static const field_spec_t s_count_reply[] = {
    {.name = "label", .type = FT_STR, .required = true, .max_len = 64,
     .doc = "the service's --label"},
    {.name = "accepted", .type = FT_INT, .required = true, .min = 0, .max = INT64_MAX,
     .doc = "orders.order.accepted events applied"},
    {.name = NULL},
};

const msg_spec_t tally_messages[] = {
    {.name = "tally.count", .kind = MSG_OPERATION, .version = 1, .idempotent = true,
     .request = s_count_request, .reply = s_count_reply,
     .doc = "How many accepted orders tally has counted."},
    {.name = NULL},
};
