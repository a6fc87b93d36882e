//  proto_alone — a client-side program built against rmproto and msgpack
//  only. That it links proves proto/ needs nothing from common/; what it
//  checks proves the library is usable alone: a request is packed,
//  decoded, validated against the catalogue and read into its generated
//  struct, a bad one is refused with the field named, and error names,
//  money and UUIDs work.
#include "catalog.h"
#include "catalog_pricing.h"
#include "envelope.h"
#include "err.h"
#include "lines.h"
#include "money.h"
#include "mp.h"
#include "record.h"
#include "uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_failures;

#define EXPECT(expr)                                                        \
    do {                                                                    \
        if (!(expr)) {                                                      \
            s_failures++;                                                   \
            fprintf (stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #expr); \
        }                                                                   \
    } while (0)

//  Packs a pricing.quote request with the given quantity and decodes it.
static int
s_quote (int64_t quantity, msgpack_sbuffer *buf, msgpack_unpacked *unpacked, envelope_t *env,
         proto_error_t *err)
{
    envelope_t req;
    envelope_init_request (&req, "pricing.quote", "cid-proto-alone", NULL, 0);
    msgpack_sbuffer_init (buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buf, msgpack_sbuffer_write);
    envelope_pack_header (&pk, &req);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "currency", "EUR");
    mp_pack_str (&pk, "lines");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    mp_pack_kv_str (&pk, "sku", "SKU-1");
    mp_pack_kv_int (&pk, "quantity", quantity);
    msgpack_unpacked_init (unpacked);
    return envelope_decode (buf->data, buf->size, unpacked, env, err);
}

int
main (void)
{
    const msg_spec_t *quote = catalog_find ("pricing.quote");
    EXPECT (quote != NULL);
    if (!quote)
        return 1;

    msgpack_sbuffer buf;
    msgpack_unpacked unpacked;
    envelope_t env;
    proto_error_t err;
    EXPECT (s_quote (2, &buf, &unpacked, &env, &err) == 0);
    EXPECT (strcmp (env.type, "pricing.quote") == 0);
    EXPECT (catalog_validate (quote->request, &env.body, &err) == 0);
    pricing_quote_request_t in = {0};
    EXPECT (record_decode (pricing_quote_request_fields, &env.body, &in) == 0);
    line_t *lines = NULL;
    EXPECT (lines_from (in.lines, NULL, in.lines_count, &lines) == 0);
    EXPECT (in.lines_count == 1 && lines && lines[0].quantity == 2 && lines[0].unit_price == -1);
    free (lines);
    record_free (pricing_quote_request_fields, &in);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    EXPECT (s_quote (0, &buf, &unpacked, &env, &err) == 0);
    EXPECT (catalog_validate (quote->request, &env.body, &err) == RM_EINVAL);
    EXPECT (strcmp (err.field, "/lines/0/quantity") == 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buf);

    EXPECT (strcmp (rm_errname (RM_ENOTFOUND), "not_found") == 0);
    EXPECT (money_currency_valid ("JPY") && money_minor_digits ("JPY") == 0);
    int64_t product;
    EXPECT (money_mul (INT64_MAX, 2, &product) == RM_EINVAL);
    char id[UUID_STR_LEN + 1];
    uint8_t raw[16];
    uuid_new_str (id);
    EXPECT (uuid_parse (id, raw) == 0);

    printf ("proto_alone: %s\n", s_failures ? "FAILED" : "ok");
    return s_failures ? 1 : 0;
}
