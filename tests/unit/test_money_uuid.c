//  money, uuid and clock: ISO 4217 codes and minor units, overflow-checked
//  arithmetic, UUIDv7 ordering (also across threads), text round trips and
//  rejections, and RFC 3339 formatting.
#include "clock.h"
#include "err.h"
#include "harness.h"
#include "money.h"
#include "uuid.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ORDERED_IDS 10000
#define THREADS 4
#define IDS_PER_THREAD 2500

static void
test_currencies (void)
{
    static const struct {
        const char *code;
        int digits;
    } known[] = {
        {"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"CHF", 2}, {"JPY", 0}, {"KRW", 0}, {"ISK", 0},
        {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"CLP", 0}, {"PYG", 0}, {"UGX", 0},
        {"KWD", 3}, {"BHD", 3}, {"OMR", 3}, {"JOD", 3}, {"IQD", 3}, {"LYD", 3}, {"TND", 3},
        {"CLF", 4}, {"UYW", 4}, {"AED", 2}, {"CNY", 2}, {"INR", 2}, {"BRL", 2}, {"MXN", 2},
        {"ZAR", 2}, {"SLE", 2}, {"VES", 2}, {"XCG", 2}, {"ZWG", 2}, {"ZMW", 2}, {"USN", 2},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        CHECK (money_currency_valid (known[i].code));
        CHECK_EQ_INT (money_minor_digits (known[i].code), known[i].digits);
    }
    //  Lower case, wrong length, withdrawn codes, and codes without minor units.
    static const char *unknown[] = {"eur", "Eur", "EU", "EURO", "", "E R", "HRK", "VEF",
                                    "XAU", "XDR", "XTS", "XXX", "ABC"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK (!money_currency_valid (unknown[i]));
        CHECK_EQ_INT (money_minor_digits (unknown[i]), -1);
    }
    CHECK (!money_currency_valid (NULL));
    CHECK_EQ_INT (money_minor_digits (NULL), -1);
}

static void
test_money_arithmetic (void)
{
    int64_t out = 0;
    CHECK_EQ_INT (money_mul (1250, 3, &out), 0);
    CHECK_EQ_INT (out, 3750);
    CHECK_EQ_INT (money_mul (1000000000000LL, 1000000, &out), 0);
    CHECK (out == 1000000000000000000LL);
    CHECK_EQ_INT (money_mul (1000000000000LL, 10000000, &out), RM_EINVAL);
    CHECK_EQ_INT (money_mul (INT64_MAX, 2, &out), RM_EINVAL);
    CHECK_EQ_INT (money_mul (INT64_MIN, -1, &out), RM_EINVAL);
    CHECK_EQ_INT (money_mul (INT64_MAX, 1, &out), 0);
    CHECK (out == INT64_MAX);
    CHECK_EQ_INT (money_add (-5, 3, &out), 0);
    CHECK_EQ_INT (out, -2);
    CHECK_EQ_INT (money_add (INT64_MAX, 1, &out), RM_EINVAL);
    CHECK_EQ_INT (money_add (INT64_MIN, -1, &out), RM_EINVAL);
    CHECK_EQ_INT (money_add (INT64_MAX - 1, 1, &out), 0);
    CHECK (out == INT64_MAX);
}

//  IDs made in a tight loop share milliseconds, so their order comes from
//  the counter, not the clock.
static void
test_uuid_order (void)
{
    static uint8_t ids[ORDERED_IDS][16];
    static char texts[ORDERED_IDS][UUID_STR_LEN + 1];
    int64_t before = clock_now_ms ();
    for (int i = 0; i < ORDERED_IDS; i++) {
        uuid_new (ids[i]);
        uuid_format (ids[i], texts[i]);
    }
    int64_t after = clock_now_ms ();
    int bytes_ordered = 0, text_ordered = 0, well_formed = 0;
    for (int i = 0; i < ORDERED_IDS; i++) {
        bytes_ordered += i == 0 || memcmp (ids[i - 1], ids[i], 16) < 0;
        text_ordered += i == 0 || strcmp (texts[i - 1], texts[i]) < 0;
        well_formed += (ids[i][6] >> 4) == 7 && (ids[i][8] >> 6) == 2 && strlen (texts[i]) == 36;
    }
    CHECK_EQ_INT (bytes_ordered, ORDERED_IDS);
    CHECK_EQ_INT (text_ordered, ORDERED_IDS);
    CHECK_EQ_INT (well_formed, ORDERED_IDS);
    CHECK (uuid_time_ms (ids[0]) >= before);
    //  The timestamp may run a few ms ahead when a millisecond's counter runs out.
    CHECK (uuid_time_ms (ids[ORDERED_IDS - 1]) <= after + ORDERED_IDS / 2048 + 1);
}

typedef struct {
    uint8_t ids[IDS_PER_THREAD][16];
    int ordered;
} batch_t;

static void *
s_make_batch (void *arg)
{
    batch_t *batch = arg;
    for (int i = 0; i < IDS_PER_THREAD; i++) {
        uuid_new (batch->ids[i]);
        batch->ordered += i == 0 || memcmp (batch->ids[i - 1], batch->ids[i], 16) < 0;
    }
    return NULL;
}

static int
s_compare_ids (const void *a, const void *b)
{
    return memcmp (a, b, 16);
}

static void
test_uuid_threads (void)
{
    batch_t *batches = calloc (THREADS, sizeof *batches);
    uint8_t (*all)[16] = calloc (THREADS * IDS_PER_THREAD, 16);
    CHECK (batches && all);
    if (!batches || !all) {
        free (batches);
        free (all);
        return;
    }
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        CHECK_EQ_INT (pthread_create (&threads[t], NULL, s_make_batch, &batches[t]), 0);
    for (int t = 0; t < THREADS; t++) {
        CHECK_EQ_INT (pthread_join (threads[t], NULL), 0);
        CHECK_EQ_INT (batches[t].ordered, IDS_PER_THREAD);
        memcpy (all[t * IDS_PER_THREAD], batches[t].ids, sizeof batches[t].ids);
    }
    qsort (all, THREADS * IDS_PER_THREAD, 16, s_compare_ids);
    int distinct = 1;
    for (int i = 1; i < THREADS * IDS_PER_THREAD; i++)
        distinct += memcmp (all[i - 1], all[i], 16) != 0;
    CHECK_EQ_INT (distinct, THREADS * IDS_PER_THREAD);
    free (batches);
    free (all);
}

static void
test_uuid_text (void)
{
    uint8_t id[16], back[16];
    char text[UUID_STR_LEN + 1], again[UUID_STR_LEN + 1];
    uuid_new (id);
    uuid_format (id, text);
    CHECK_EQ_INT (uuid_parse (text, back), 0);
    CHECK (memcmp (id, back, 16) == 0);

    CHECK_EQ_INT (uuid_parse ("01890a5d-ac96-774b-bcce-b302099a8057", back), 0);
    uuid_format (back, again);
    CHECK_STR (again, "01890a5d-ac96-774b-bcce-b302099a8057");
    CHECK_EQ_INT (back[0], 0x01);
    CHECK_EQ_INT (back[15], 0x57);

    uuid_new_str (text);
    CHECK_EQ_INT (uuid_parse (text, back), 0);
    CHECK_EQ_INT (text[14], '7');

    static const char *bad[] = {
        "",
        "01890a5d-ac96-774b-bcce-b302099a805",     //  35 characters
        "01890a5d-ac96-774b-bcce-b302099a80577",   //  37 characters
        "01890A5D-AC96-774B-BCCE-B302099A8057",    //  upper case
        "01890a5dac96-774b-bcce-b302099a80577",    //  hyphen missing
        "01890a5d-ac96774b--bcce-b302099a8057",    //  hyphen moved
        "01890a5g-ac96-774b-bcce-b302099a8057",    //  not hex
        "01890a5d-ac96-774b-bcce-b302099a805 ",    //  space
        "{01890a5d-ac96-774b-bcce-b302099a8057}",  //  braces
        "01890a5d_ac96_774b_bcce_b302099a8057",    //  underscores
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT (uuid_parse (bad[i], back), RM_EINVAL);
    CHECK_EQ_INT (uuid_parse (NULL, back), RM_EINVAL);
}

static void
test_clock (void)
{
    char text[32];
    clock_format_rfc3339 (0, text, sizeof text);
    CHECK_STR (text, "1970-01-01T00:00:00.000Z");
    clock_format_rfc3339 (1700000000123, text, sizeof text);
    CHECK_STR (text, "2023-11-14T22:13:20.123Z");
    clock_format_rfc3339 (-1, text, sizeof text);
    CHECK_STR (text, "1969-12-31T23:59:59.999Z");
    clock_format_rfc3339 (1700000000123, text, 11);
    CHECK_STR (text, "2023-11-14");

    CHECK (clock_now_ms () > 1600000000000);
    int64_t mono_ms = clock_mono_ms (), mono_us = clock_mono_us ();
    CHECK (clock_mono_us () >= mono_us);
    CHECK (clock_mono_ms () >= mono_ms);
    CHECK (mono_us / 1000 >= mono_ms);
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_currencies ();
    test_money_arithmetic ();
    test_uuid_order ();
    test_uuid_threads ();
    test_uuid_text ();
    test_clock ();
    return harness_report (argv[0]);
}
